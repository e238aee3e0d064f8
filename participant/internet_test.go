package participant_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/wire"
)

// TestAcrossTheInternet: the navigator and an attendee without a language
// server reach the hub over links of 50 ms each way. The attendee's editor
// follows the navigator's jump, and its definition request is answered by
// the navigator's gopls through the hub.
func TestAcrossTheInternet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	_, links, base := startHub(t)
	through := func(link string) string {
		cab := newCable(t, strings.TrimPrefix(base, "http://"))
		cab.SetLatency(50 * time.Millisecond)
		return strings.Replace(link, base, "http://"+cab.Addr(), 1)
	}
	nav := startEditor(t, ctx, "nav", through(links.Drive))
	att := startAttendee(t, ctx, lsptest.NewDemo(t), "att", through(links.Attend), "none")
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && s.Followers == 1 })
	for _, e := range []*editor{nav, att} {
		if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(t, "main.go")); err != nil {
			t.Fatal(err)
		}
	}
	att.awaitShow(t, ctx, 0, "/main.go")

	since := att.Since()
	nav.jump(t, ctx, "Hello(")
	if sd := att.awaitShow(t, ctx, since, "/greet/greet.go"); sd.URI != att.sb.URI("greet/greet.go") {
		t.Errorf("followed to %s", sd.URI)
	}

	raw, err := att.Call(ctx, "textDocument/definition", att.sb.At(t, "main.go", "Answer()"))
	if err != nil {
		t.Fatalf("attendee's definition: %v", err)
	}
	var locs []lspLocation
	if err := json.Unmarshal(raw, &locs); err != nil || len(locs) != 1 {
		t.Fatalf("attendee's definition %s (%v), want the navigator's answer", raw, err)
	}
	navRaw, err := nav.Call(ctx, "textDocument/definition", nav.sb.At(t, "main.go", "Answer()"))
	if err != nil {
		t.Fatal(err)
	}
	var navLocs []lspLocation
	if err := json.Unmarshal(navRaw, &navLocs); err != nil || len(navLocs) != 1 {
		t.Fatalf("navigator's definition %s (%v)", navRaw, err)
	}
	sameFile(t, nav, att, navLocs[0].URI, locs[0].URI)
}

// startTLSHub serves a hub with TLS, its certificate signed by ca, as
// "lspshare hub --tls-cert" does, and returns its session's links.
func startTLSHub(t *testing.T, ca *hubtest.CA) wire.Links {
	t.Helper()
	certFile, keyFile := ca.IssueFiles(t, "127.0.0.1")
	served, err := certs.NewReloader(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln := hubtest.Listen(t, "")
	h := hub.New(hub.Config{BaseURL: "https://" + ln.Addr().String()})
	stop := hubtest.Serve(h, tls.NewListener(ln, served.ServerConfig()))
	t.Cleanup(func() { h.Close(); stop() })
	links, err := h.CreateSession("t")
	if err != nil {
		t.Fatal(err)
	}
	return links
}

// TestFollowOverTLS: editors' proxies (lspshare lsp, SSL_CERT_FILE in
// their environment) join a hub with TLS of its own by https links and
// follow; a proxy that does not trust the hub's CA says why in the state's
// error, one line naming the host.
func TestFollowOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ca := hubtest.NewCA(t, "lspshare test CA")
	t.Setenv("SSL_CERT_FILE", ca.CertFile)
	links := startTLSHub(t, ca)
	nav, att := startPair(t, ctx, links.Drive, links.Attend)
	since := att.Since()
	nav.jump(t, ctx, "Hello(")
	att.awaitShow(t, ctx, since, "/greet/greet.go")

	t.Setenv("SSL_CERT_FILE", hubtest.NewCA(t, "some other CA").CertFile)
	eve := startEditor(t, ctx, "eve", links.Attend)
	host := strings.TrimPrefix(strings.SplitN(links.Attend, "/s/", 2)[0], "https://")
	st := eve.awaitState(t, ctx, 0, func(s state) bool { return s.Error != "" })
	if !strings.Contains(st.Error, "TLS with "+host+" failed: its certificate is signed by an unknown authority") || strings.Contains(st.Error, "\n") || st.Connected {
		t.Errorf("state of a proxy that does not trust the hub: %+v", st)
	}
}
