// Package certs is lspshare's TLS: the hub's certificate, read again when
// its files change (a renewal needs no restart), and what participants
// trust: the system's roots plus the certificates in SSL_CERT_FILE, with
// failures told in one line that names the host and the reason.
package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// checkEvery is how often, at most, the hub looks at its certificate's
// files: a stat of two files per few seconds, whatever the handshake rate.
const checkEvery = 2 * time.Second

// Reloader serves a certificate and key from files, and reads them again
// when either file's size or modification time changes. certbot and its
// kind replace both files on renewal; a pair caught half-written fails to
// load and the old certificate goes on being served until the next check.
type Reloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamps  [2]stamp  // of the files the served certificate came from
	checked time.Time // last look at the files
}

// stamp is what tells that a file changed.
type stamp struct {
	size    int64
	modTime time.Time
}

// NewReloader loads the pair once, failing if it does not load.
func NewReloader(certFile, keyFile string, log *slog.Logger) (*Reloader, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Reloader{certFile: certFile, keyFile: keyFile, log: log}
	stamps, err := r.stat()
	if err != nil {
		return nil, err
	}
	if err := r.load(stamps); err != nil {
		return nil, err
	}
	r.checked = time.Now()
	return r, nil
}

func (r *Reloader) stat() ([2]stamp, error) {
	var out [2]stamp
	for i, name := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(name)
		if err != nil {
			return out, fmt.Errorf("TLS: %w", err)
		}
		out[i] = stamp{fi.Size(), fi.ModTime()}
	}
	return out, nil
}

// load reads the pair; r.mu is held or r is not shared yet.
func (r *Reloader) load(stamps [2]stamp) error {
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s with key %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert, r.stamps = &cert, stamps
	return nil
}

// GetCertificate is a tls.Config's GetCertificate: the current pair.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= checkEvery {
		r.checked = now
		r.refresh()
	}
	return r.cert, nil
}

// refresh loads the pair again if its files changed; r.mu is held.
func (r *Reloader) refresh() {
	stamps, err := r.stat()
	if err != nil {
		r.log.Warn("TLS certificate files unreadable; serving the one loaded before", "err", err)
		return
	}
	if stamps == r.stamps {
		return
	}
	if err := r.load(stamps); err != nil {
		r.log.Warn("TLS certificate changed but does not load; serving the one loaded before", "err", err)
		return
	}
	r.log.Info("TLS certificate loaded again", "cert", r.certFile, "expires", r.cert.Leaf.NotAfter)
}

// ServerConfig is the hub's TLS configuration. It offers HTTP/1.1 only:
// websockets upgrade from HTTP/1.1, and the hub's other requests are few
// and small.
func (r *Reloader) ServerConfig() *tls.Config {
	return &tls.Config{
		GetCertificate: r.GetCertificate,
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"http/1.1"},
	}
}

// Roots returns the certificates a participant trusts: the system's roots
// and those in the file SSL_CERT_FILE names. Go reads SSL_CERT_FILE itself
// on Linux and the BSDs, but not on macOS or Windows, and only once per
// process; reading it here makes it count everywhere, every time.
func Roots() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool() // a system without roots: SSL_CERT_FILE alone
	}
	name := os.Getenv("SSL_CERT_FILE")
	if name == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("SSL_CERT_FILE: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("SSL_CERT_FILE %s holds no PEM certificate", name)
	}
	return pool, nil
}

// ClientConfig is a participant's TLS configuration: Roots as its roots.
func ClientConfig() (*tls.Config, error) {
	roots, err := Roots()
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, nil
}

// HTTPClient is an HTTP client with ClientConfig, for the commands that
// talk to a hub (new, notes, hub --stats).
func HTTPClient() (*http.Client, error) {
	cfg, err := ClientConfig()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

// Explain turns a TLS failure in reaching host (a URL's host) into one line
// that names the host and says what is wrong and what to do; any other
// error comes back as it was.
func Explain(host string, err error) error {
	reason := reason(err)
	if reason == "" {
		return err
	}
	return &Error{Host: host, Reason: reason, Err: err}
}

// Error is a TLS failure with a host, explained.
type Error struct {
	Host   string
	Reason string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("TLS with %s failed: %s", e.Host, e.Reason) }
func (e *Error) Unwrap() error { return e.Err }

func reason(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = fmt.Sprintf(" (%q)", unknown.Cert.Issuer.CommonName)
		}
		return "its certificate is signed by an unknown authority" + issuer +
			"; if the hub uses a private CA, point SSL_CERT_FILE at that CA's certificate (PEM)"
	case errors.As(err, &hostname):
		return fmt.Sprintf("its certificate is for %s, not %s (a name mismatch): use a link with a name the certificate holds",
			certNames(hostname.Certificate), hostname.Host)
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "its certificate has expired or is not valid yet (" + invalid.Detail + ")"
		}
		return "its certificate is not valid: " + invalid.Error()
	case errors.As(err, &record):
		return "it does not speak TLS: use an http:// link for this hub"
	}
	return ""
}

// certNames lists the names a certificate is valid for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no name at all"
	}
	return strings.Join(names, ", ")
}
