package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/wire"
)

// startTLSHub runs "lspshare hub" with TLS, its certificate for hosts
// signed by ca, and returns its base URL and the certificate's files.
func startTLSHub(t *testing.T, ca *hubtest.CA, hosts ...string) (base, certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = ca.IssueFiles(t, hosts...)
	base = startHubCommand(t, "--tls-cert", certFile, "--tls-key", keyFile, "--session", "")
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("a hub with TLS says it is on %s", base)
	}
	return base, certFile, keyFile
}

// newSession makes a session with "lspshare new" and returns its links.
func newSession(t *testing.T, hub, name string, extra ...string) wire.Links {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"--hub", hub, "--json", name}, extra...)
	if err := runNew(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("lspshare new: %v\n%s", err, stderr.String())
	}
	var links wire.Links
	if err := json.Unmarshal(stdout.Bytes(), &links); err != nil {
		t.Fatalf("lspshare new printed %q: %v", stdout.String(), err)
	}
	return links
}

// A hub with a certificate of a private CA, trusted through SSL_CERT_FILE:
// lspshare new makes a session with https links, and a driver, a follower
// and the web page's websocket join over wss and see three jumps.
func TestTLSHubFollow(t *testing.T) {
	ca := hubtest.NewCA(t, "lspshare test CA")
	t.Setenv("SSL_CERT_FILE", ca.CertFile)
	base, _, _ := startTLSHub(t, ca, "127.0.0.1")
	links := newSession(t, base, "tls")
	for _, l := range []string{links.Drive, links.Attend, links.View} {
		if !strings.HasPrefix(l, base+"/s/tls?key=") {
			t.Fatalf("link %q is not on %s", l, base)
		}
	}
	followJumps(t, links, nil)
}

// followJumps has a driver make three jumps on links' session and checks
// that a follower and the web page's live websocket get each of them, in
// order. dialer, if set, is the participants' (to reach the hub through
// something in between).
func followJumps(t *testing.T, links wire.Links, dialer *websocket.Dialer) {
	t.Helper()
	bob, _ := hubtest.RunConn(t, hubclient.Config{Link: links.Drive, Name: "bob", Dialer: dialer})
	ann, _ := hubtest.RunConn(t, hubclient.Config{Link: links.Attend, Name: "ann", Dialer: dialer})
	for _, c := range []*hubclient.Conn{bob, ann} {
		hubtest.AwaitEvent(t, c, hubtest.IsType(wire.TypeConnected), "connected")
	}
	ann.SetFollowing(true)
	page := dialLive(t, links.View)
	hubtest.AwaitEvent(t, bob, func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "ann")
		return f.Type == wire.TypeState && f.Viewers == 1 && ok && p.Following
	}, "state with ann following and the page watching")

	for i := 1; i <= 3; i++ {
		bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("main.go", 10*i), Symbol: fmt.Sprint("F", i)})
		want := func(f wire.Frame) bool {
			return f.Type == wire.TypeNav && f.Seq == uint64(i) && f.Symbol == fmt.Sprint("F", i)
		}
		hubtest.AwaitEvent(t, ann, want, fmt.Sprintf("jump %d at ann", i))
		awaitLive(t, page, want, fmt.Sprintf("jump %d on the page", i))
	}
}

// dialLive opens the web page's websocket for a view link, as the page's
// script does (wss for an https page, the page's Origin), trusting what
// participants trust.
func dialLive(t *testing.T, view string) *websocket.Conn {
	t.Helper()
	u, err := url.Parse(view)
	if err != nil {
		t.Fatal(err)
	}
	origin := http.Header{"Origin": {u.Scheme + "://" + u.Host}}
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += "/live"
	tlsConfig, err := certs.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{TLSClientConfig: tlsConfig, HandshakeTimeout: hubWait}
	ws, resp, err := d.Dial(u.String(), origin)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("page websocket: %v %s", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func awaitLive(t *testing.T, ws *websocket.Conn, match func(wire.Frame) bool, what string) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(hubWait))
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("page websocket ended waiting for %s: %v", what, err)
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			t.Fatal(err)
		}
		if match(f) {
			return
		}
	}
}

// A participant that does not trust the hub's CA, or reaches it by a name
// its certificate lacks, gets one line that names the host and the reason:
// lspshare new, lspshare notes and a proxy's connection alike.
func TestTLSRefusals(t *testing.T) {
	ca := hubtest.NewCA(t, "lspshare test CA")
	t.Setenv("SSL_CERT_FILE", ca.CertFile)
	base, _, _ := startTLSHub(t, ca, "127.0.0.1")
	links := newSession(t, base, "tls")
	host := strings.TrimPrefix(base, "https://")
	localhost := strings.Replace(host, "127.0.0.1", "localhost", 1)
	other := hubtest.NewCA(t, "some other CA")

	for _, tc := range []struct {
		name, trust, host, want string
	}{
		{"unknown authority", other.CertFile, host, "TLS with " + host + ` failed: its certificate is signed by an unknown authority ("lspshare test CA")`},
		{"name mismatch", ca.CertFile, localhost, "TLS with " + localhost + " failed: its certificate is for 127.0.0.1, not localhost (a name mismatch)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SSL_CERT_FILE", tc.trust)
			onHost := func(link string) string { return strings.Replace(link, host, tc.host, 1) }
			check := func(what string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
					t.Errorf("%s: got %v\nwant one line with %q", what, err, tc.want)
				}
				if k := hubtest.Key(t, links.Attend); err != nil && strings.Contains(err.Error(), k) {
					t.Errorf("%s: the error holds the key", what)
				}
			}
			check("lspshare new", runNew(context.Background(), []string{"--hub", onHost(base), "other"}, io.Discard, io.Discard))
			check("lspshare notes", runNotes(context.Background(), []string{onHost(links.Attend)}, io.Discard, io.Discard))
			c, _ := hubtest.RunConn(t, hubclient.Config{Link: onHost(links.Attend), Name: "ann"})
			f := hubtest.AwaitEvent(t, c, hubtest.IsType(wire.TypeDisconnected), "disconnected")
			check("proxy", fmt.Errorf("%s", f.Message))
		})
	}
}

// A certificate renewed on disk (new files, as certbot writes them) is
// served without a restart, within the few seconds between looks.
func TestTLSRenewal(t *testing.T) {
	ca := hubtest.NewCA(t, "lspshare test CA")
	t.Setenv("SSL_CERT_FILE", ca.CertFile)
	base, certFile, keyFile := startTLSHub(t, ca, "127.0.0.1")
	host := strings.TrimPrefix(base, "https://")
	first := servedCert(t, host, ca)
	renewed := ca.Issue(t, certFile, keyFile, "127.0.0.1")
	deadline := time.Now().Add(hubWait)
	for {
		served := servedCert(t, host, ca)
		if served.SerialNumber.Cmp(renewed.SerialNumber) == 0 {
			break
		}
		if served.SerialNumber.Cmp(first.SerialNumber) != 0 || time.Now().After(deadline) {
			t.Fatalf("the hub serves certificate %v; the first was %v, the renewed one %v", served.SerialNumber, first.SerialNumber, renewed.SerialNumber)
		}
		time.Sleep(50 * time.Millisecond) // the hub looks every few seconds
	}
	// The renewed certificate works for everyone, here lspshare new.
	newSession(t, base, "after-renewal")
}

// servedCert handshakes with host and returns the certificate it serves.
func servedCert(t *testing.T, host string, ca *hubtest.CA) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: ca.Pool()})
	if err != nil {
		t.Fatalf("TLS handshake with the hub: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// The page itself loads over https with the participants' trust.
func TestTLSPage(t *testing.T) {
	ca := hubtest.NewCA(t, "lspshare test CA")
	t.Setenv("SSL_CERT_FILE", ca.CertFile)
	base, _, _ := startTLSHub(t, ca, "127.0.0.1")
	links := newSession(t, base, "page")
	client, err := certs.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(links.View)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.NegotiatedProtocol == "h2" {
		t.Fatalf("page over https: %s, TLS %v", resp.Status, resp.TLS != nil)
	}
}
