// Package httpreply writes the hub's HTTP refusals and the headers of
// responses to requests that carry a join key, the same way for the hub's
// API and for the viewer's pages.
package httpreply

import (
	"io"
	"net/http"
)

// Refuse answers a refused request with a plain-text reason for the user.
func Refuse(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, reason+"\n")
}

// Private keeps a response to a request whose URL may hold a key out of
// caches and referrers, and its type from being sniffed.
func Private(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}
