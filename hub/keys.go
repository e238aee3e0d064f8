package hub

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
)

// newKey returns a fresh random key: 192 bits, base64url without padding.
func newKey() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// keysEqual compares two secrets in constant time (for equal lengths).
func keysEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// truncate shortens s to at most n bytes for use in messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
