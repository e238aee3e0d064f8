package hub_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/wire"
)

// from returns a dialer whose connections leave from the loopback address
// ip: Linux routes all of 127.0.0.0/8 to this machine, so a test has
// several client addresses.
func from(ip string) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: hubtest.WaitFor}
}

// 1,000 wrong keys from one address: a few are heard and refused as wrong,
// then the address is in back-off and everything from it is refused unheard
// (429), the right key too, while a participant with the right key from
// another address joins and follows as if nothing happened. The hub counts
// both kinds of refusal and logs the back-off without the key.
func TestWrongKeysSlowedAndRefused(t *testing.T) {
	var logs lsptest.LockedBuffer
	th := hubtest.StartHub(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, "", nil)
	attacker := &http.Client{Transport: &http.Transport{DialContext: from("127.0.0.1").DialContext}}
	const wrong = "this-is-not-the-key"
	attempt := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, th.URL+"/s/demo/ws", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := attacker.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	bob, _ := hubtest.RunConn(t, hubclient.Config{Link: th.Links.Drive, Name: "bob"})
	hubtest.AwaitEvent(t, bob, hubtest.IsType(wire.TypeConnected), "bob connected")

	counts := map[int]int{}
	var ann *hubclient.Conn
	for i := range 1000 {
		counts[attempt(wrong)]++
		if i == 500 {
			// Mid-flood, the right key from the attacker's address is
			// refused unheard, and from another address it joins.
			if got := attempt(hubtest.Key(t, th.Links.Attend)); got != http.StatusTooManyRequests {
				t.Errorf("the right key from an address in back-off: %d, want 429", got)
			}
			dialer := &websocket.Dialer{NetDialContext: from("127.0.0.2").DialContext, HandshakeTimeout: hubtest.WaitFor}
			ann, _ = hubtest.RunConn(t, hubclient.Config{Link: th.Links.Attend, Name: "ann", Dialer: dialer})
		}
	}
	heard := counts[http.StatusForbidden]
	t.Logf("1000 wrong keys: %d heard and refused as wrong, %d refused unheard", heard, counts[http.StatusTooManyRequests])
	if heard < 5 || heard > 10 || heard+counts[http.StatusTooManyRequests] != 1000 {
		t.Errorf("refusals by status: %v; want 5 to 10 heard (403), the rest 429", counts)
	}
	if got := th.Drops(DropWrongKey); got != uint64(heard) {
		t.Errorf("wrong_key counted %d, want %d", got, heard)
	}
	if got := th.Drops(DropJoinThrottled); got != uint64(1001-heard) {
		t.Errorf("join_throttled counted %d, want %d", got, 1001-heard)
	}

	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeConnected), "ann connected from 127.0.0.2")
	bob.Send(hubtest.Jump("main.go", 7))
	hubtest.AwaitEvent(t, ann, hubtest.IsNav(1), "bob's jump at ann")

	log := logs.String()
	if !strings.Contains(log, "too many wrong keys from one address") || !strings.Contains(log, "remote=127.0.0.1") {
		t.Errorf("no log line of the back-off:\n%s", log)
	}
	if strings.Contains(log, wrong) || strings.Contains(log, hubtest.Key(t, th.Links.Attend)) {
		t.Error("a key is in the log")
	}
}

// Behind a trusted proxy, websockets are limited per forwarded client
// address: a client with its fill is refused (429) while another is not,
// and a closed connection frees its place.
func TestConnectionsPerAddress(t *testing.T) {
	th := hubtest.StartHub(t, Config{MaxConnsPerAddr: 3, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, "", nil)
	attend := hubtest.Key(t, th.Links.Attend)
	dial := func(client string) (*websocket.Conn, int) {
		t.Helper()
		ws, resp, err := hubtest.DialHub(th, attend, http.Header{"X-Forwarded-For": {client}}, nil)
		if err != nil {
			if resp == nil {
				t.Fatal(err)
			}
			return nil, resp.StatusCode
		}
		t.Cleanup(func() { ws.Close() })
		return ws, http.StatusSwitchingProtocols
	}
	var open []*websocket.Conn
	for range 3 {
		ws, status := dial("192.0.2.10")
		if ws == nil {
			t.Fatalf("connection %d refused: %d", len(open)+1, status)
		}
		open = append(open, ws)
	}
	if _, status := dial("192.0.2.10"); status != http.StatusTooManyRequests {
		t.Errorf("a fourth connection from one client: %d, want 429", status)
	}
	if ws, status := dial("192.0.2.11"); ws == nil {
		t.Errorf("another client refused: %d", status)
	}
	if got := th.Drops(DropTooManyConns); got != 1 {
		t.Errorf("too_many_connections counted %d, want 1", got)
	}
	// The hub uncounts a connection when its serving ends: the peer never
	// says hello, so the hub closes it after HelloTimeout at the latest;
	// closing it here ends it at once.
	open[0].Close()
	deadline := time.Now().Add(hubtest.WaitFor)
	for {
		if ws, _ := dial("192.0.2.10"); ws != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed connection's place is not free")
		}
		time.Sleep(10 * time.Millisecond) // the hub's reader sees the close
	}
}

// The listener closes connections from an address past its limit at once,
// counts them apart by address, and leaves trusted proxies alone.
func TestLimitListener(t *testing.T) {
	h := New(Config{BaseURL: "http://127.0.0.1", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")}})
	defer h.Close()
	ln := hubtest.Listen(t, "")
	stop := hubtest.Serve(h, h.LimitListener(ln, 2))
	defer stop()
	// served reports whether a connection from ip gets an HTTP answer.
	served := func(ip string) (net.Conn, bool) {
		t.Helper()
		c, err := from(ip).DialContext(context.Background(), "tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(hubtest.WaitFor))
		if _, err := io.WriteString(c, "GET /viewer/none HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return c, false
		}
		buf := make([]byte, 12)
		_, err = io.ReadFull(c, buf)
		return c, err == nil && strings.HasPrefix(string(buf), "HTTP/1.1 ")
	}
	for _, ip := range []string{"127.0.0.2", "127.0.0.2", "127.0.0.4", "127.0.0.3", "127.0.0.3", "127.0.0.3"} {
		if _, ok := served(ip); !ok {
			t.Errorf("a connection from %s within its limit was not served", ip)
		}
	}
	if _, ok := served("127.0.0.2"); ok {
		t.Error("a third connection from 127.0.0.2 was served")
	}
	if got := h.Drops(DropTooManyConns); got != 1 {
		t.Errorf("too_many_connections counted %d, want 1", got)
	}
}
