package certs

import "time"

// LookNow makes r look at its files at the next handshake, as it does
// every few seconds.
func LookNow(r *Reloader) {
	r.mu.Lock()
	r.checked = time.Time{}
	r.mu.Unlock()
}
