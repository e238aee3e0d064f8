package certs_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	. "github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/internal/hubtest"
)

func serial(t *testing.T, c *tls.Certificate) string {
	t.Helper()
	if c == nil || c.Leaf == nil {
		t.Fatal("no certificate")
	}
	return c.Leaf.SerialNumber.String()
}

// A renewal is served from the next look at the files; a pair caught
// half-written is not, and the one before goes on being served until the
// files load again.
func TestReloader(t *testing.T) {
	ca := hubtest.NewCA(t, "test CA")
	certFile, keyFile := ca.IssueFiles(t, "127.0.0.1")
	r, err := NewReloader(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func() string {
		t.Helper()
		c, err := r.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return serial(t, c)
	}
	first := get()
	renewed := ca.Issue(t, certFile, keyFile, "127.0.0.1")
	if get() != first {
		t.Error("the files were read again before the next look")
	}
	LookNow(r)
	if got := get(); got != renewed.SerialNumber.String() {
		t.Fatalf("after a renewal: serial %s, want %s", got, renewed.SerialNumber)
	}
	if err := os.WriteFile(keyFile, []byte("-----BEGIN PRIVATE KEY-----\nhalf"), 0o600); err != nil {
		t.Fatal(err)
	}
	LookNow(r)
	if got := get(); got != renewed.SerialNumber.String() {
		t.Errorf("with a broken key file: serial %s, want the one before, %s", got, renewed.SerialNumber)
	}
	again := ca.Issue(t, certFile, keyFile, "127.0.0.1")
	LookNow(r)
	if got := get(); got != again.SerialNumber.String() {
		t.Errorf("after the files were mended: serial %s, want %s", got, again.SerialNumber)
	}
	if _, err := NewReloader(certFile+".missing", keyFile, nil); err == nil || !strings.Contains(err.Error(), ".missing") {
		t.Errorf("a missing certificate: %v", err)
	}
}

// Explain names the host and the reason; errors that are not about TLS
// pass unchanged.
func TestExplain(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	u, _ := url.Parse(plain.URL)
	cfg, err := ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	// As a proxy's websocket dials (net/http's client says it in its own
	// words: "server gave HTTP response to HTTPS client").
	_, err = tls.Dial("tcp", u.Host, cfg)
	if got := Explain(u.Host, err); got == nil || got.Error() != "TLS with "+u.Host+" failed: it does not speak TLS: use an http:// link for this hub" {
		t.Errorf("TLS to a plain server: %v", got)
	}
	other := errors.New("connection refused")
	if got := Explain(u.Host, other); got != other {
		t.Errorf("a non-TLS error became %v", got)
	}
	t.Setenv("SSL_CERT_FILE", t.TempDir()+"/none.pem")
	if _, err := ClientConfig(); err == nil || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
		t.Errorf("a missing SSL_CERT_FILE: %v", err)
	}
}
