package share

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Why an endpoint cannot be used right now.
var (
	// errNoHolder: nobody holds the session's connection; become its holder.
	errNoHolder = errors.New("no proxy holds the connection")
	// errBusy: another proxy is becoming the holder; attach again shortly.
	errBusy = errors.New("another proxy is taking the connection")
	// errForeign: the socket is not this user's alone; never attach.
	errForeign = errors.New("not this user's own")
)

// endpointKey names the endpoint of one session (its join link) and one
// name: the same person's proxies find one another by it. It is a hash, so
// that the link's key appears in no file name.
func endpointKey(link, name string) string {
	sum := sha256.Sum256([]byte(link + "\x00" + name))
	return hex.EncodeToString(sum[:8])
}
