package participant_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/netfault"
	"github.com/lspshare/lspshare/store"
)

// newCable is a link to the hub at target that a test can slow, cut and
// mend, so that one participant loses the hub while the others keep it.
func newCable(t *testing.T, target string) *netfault.Link {
	t.Helper()
	l, err := netfault.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// TestCatchUpAfterDisconnect: a jump made while an attendee had lost the hub
// reaches it when it reconnects, and its editor's LSP works meanwhile.
func TestCatchUpAfterDisconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, links, base := startHub(t)
	cab := newCable(t, strings.TrimPrefix(base, "http://"))

	nav, att := startPair(t, ctx, links.Drive, strings.Replace(links.Attend, base, "http://"+cab.Addr(), 1))

	since, navSince := att.Since(), nav.Since()
	cab.Cut()
	att.awaitState(t, ctx, since, func(s state) bool { return !s.Connected })
	nav.awaitState(t, ctx, navSince, func(s state) bool {
		for _, p := range s.Participants {
			if p.Name == "att" {
				return !p.Connected
			}
		}
		return false
	})

	nav.jump(t, ctx, "Hello(")
	att.jump(t, ctx, "Answer()") // the attendee's LSP is unaffected by the outage…
	if _, err := att.command(t, ctx, "lspshare.follow"); err != nil {
		t.Fatal(err) // …and it keeps following, as its own jump paused it
	}

	since = att.Since()
	cab.Mend()
	att.awaitState(t, ctx, since, func(s state) bool { return s.Connected })
	if sd := att.awaitShow(t, ctx, since, "/greet/greet.go"); sd.URI != att.sb.URI("greet/greet.go") {
		t.Errorf("caught up at %s", sd.URI)
	}
}

// TestConnectingIsNotReconnecting: until the first connection is made, the
// state never says reconnecting, however many attempts fail; once a
// connection was lost, it does until the next one is made.
func TestConnectingIsNotReconnecting(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, links, base := startHub(t)
	cab := newCable(t, strings.TrimPrefix(base, "http://"))
	cab.Cut()
	att := startEditor(t, ctx, "att", strings.Replace(links.Attend, base, "http://"+cab.Addr(), 1))

	failed := 0 // states of the session after the join's own, each a failed attempt
	att.awaitState(t, ctx, 0, func(s state) bool {
		if s.Session != "" {
			failed++
		}
		return failed == 3
	})
	cab.Mend()
	att.awaitState(t, ctx, 0, func(s state) bool { return s.Connected })
	for _, m := range att.Received(0) {
		var s state
		if m.Method == "$/lspshare/state" && json.Unmarshal(m.Params, &s) == nil && s.Reconnecting {
			t.Fatalf("before the first connection the state said reconnecting: %s", m.Params)
		}
	}

	since := att.Since()
	cab.Cut()
	st := att.awaitState(t, ctx, since, func(s state) bool { return !s.Connected })
	if !st.Reconnecting {
		t.Errorf("after losing the hub the state is %+v, want reconnecting", st)
	}
	since = att.Since()
	cab.Mend()
	if st := att.awaitState(t, ctx, since, func(s state) bool { return s.Connected }); st.Reconnecting {
		t.Errorf("connected again, the state is %+v, want reconnecting false", st)
	}
}

// TestHubRestart: the hub goes away mid-session and comes back on the same
// address and store; proxies reconnect by themselves, the editors' LSP works
// throughout, and following goes on.
func TestHubRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	db := store.NewMemStore()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	serve := func(ln net.Listener) func() {
		h := hub.New(hub.Config{BaseURL: "http://" + addr, Store: db})
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		return func() { srv.Close(); h.Close() }
	}
	stop := serve(ln)
	defer func() { stop() }()
	links, err := hub.New(hub.Config{BaseURL: "http://" + addr, Store: db}).CreateSession("t")
	if err != nil {
		t.Fatal(err)
	}

	nav, att := startPair(t, ctx, links.Drive, links.Attend)

	since, navSince := att.Since(), nav.Since()
	stop()
	nav.awaitState(t, ctx, navSince, func(s state) bool { return !s.Connected })
	att.awaitState(t, ctx, since, func(s state) bool { return !s.Connected })
	nav.jump(t, ctx, "Answer()") // LSP goes on without the hub

	since, navSince = att.Since(), nav.Since()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	stop = serve(ln)
	nav.awaitState(t, ctx, navSince, func(s state) bool { return s.Connected && s.Wheel == "nav" && s.Followers == 1 })
	att.awaitState(t, ctx, since, func(s state) bool { return s.Connected && s.Following })
	nav.jump(t, ctx, "Hello(")
	att.awaitShow(t, ctx, since, "/greet/greet.go")
}
