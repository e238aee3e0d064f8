package hub_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"

	"github.com/gorilla/websocket"
)

func TestFanOutToMany(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	drive, attend := hubtest.Key(t, th.Links.Drive), hubtest.Key(t, th.Links.Attend)
	bob := hubtest.Join(t, th, drive, "bob")
	var followers []*hubtest.Peer
	for i := range 30 {
		followers = append(followers, hubtest.Join(t, th, attend, fmt.Sprintf("f%d", i)))
	}
	// Everyone sees everyone; the first driver holds the wheel.
	st := followers[0].Await(hubtest.StateWhere(func(f wire.Frame) bool { return len(f.Participants) == 31 }), "state with 31 participants")
	if st.Navigator != "bob" || st.Session != "demo" {
		t.Errorf("state: wheel %q session %q, want bob, demo", st.Navigator, st.Session)
	}
	if p, _ := hubtest.ParticipantIn(st, "f0"); p.Role != wire.RoleAttend || !p.Connected {
		t.Errorf("f0 in state: %+v", p)
	}
	for i := 1; i <= 3; i++ {
		bob.Send(hubtest.Jump("main.go", i))
	}
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("main.go", 99)})
	for _, f := range followers {
		for i := 1; i <= 3; i++ {
			got := f.Await(hubtest.IsType(wire.TypeNav), "jump")
			if got.Seq != uint64(i) || got.By != "bob" || got.Kind != wire.KindJump || !bytes.Equal(got.To, hubtest.Loc("main.go", i)) {
				t.Fatalf("%s got %+v, want jump %d by bob", f.Name, got, i)
			}
		}
		got := f.Await(hubtest.IsType(wire.TypeNav), "cursor")
		if got.Kind != wire.KindCursor || got.Seq != 0 || !bytes.Equal(got.To, hubtest.Loc("main.go", 99)) {
			t.Fatalf("%s got %+v, want bob's cursor", f.Name, got)
		}
	}
}

func TestOnlyTheWheelMovesFanOut(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	drive, attend := hubtest.Key(t, th.Links.Drive), hubtest.Key(t, th.Links.Attend)
	bob := hubtest.Join(t, th, drive, "bob") // first driver: takes the wheel
	carol := hubtest.Join(t, th, drive, "carol")
	ann := hubtest.Join(t, th, attend, "ann")

	// carol's and ann's own moves are kept as their places, never fanned out.
	carol.Send(hubtest.Jump("carol.go", 1))
	ann.Send(hubtest.Jump("ann.go", 2))
	ann.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "ann"})
	ann.Await(hubtest.IsType(wire.TypeLocated), "ann located") // ann's jump was handled
	carol.Send(wire.Frame{Type: wire.TypeLocate, Ref: "r1", Name: "ann"})
	got := carol.Await(hubtest.IsType(wire.TypeLocated), "located")
	if got.Ref != "r1" || !bytes.Equal(got.To, hubtest.Loc("ann.go", 2)) {
		t.Fatalf("located: %+v", got)
	}
	bob.Send(hubtest.Jump("bob.go", 3))
	if f := ann.Await(hubtest.IsType(wire.TypeNav), "nav"); f.By != "bob" || f.Seq != 1 {
		t.Fatalf("ann's first nav: %+v, want bob's seq 1", f)
	}

	// carol takes the wheel: now her moves fan out, bob's do not.
	carol.Send(wire.Frame{Type: wire.TypeDrive})
	ann.Await(hubtest.StateWhere(func(f wire.Frame) bool { return f.Navigator == "carol" }), "carol at the wheel")
	bob.Send(hubtest.Jump("bob.go", 4))
	bob.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	bob.Await(hubtest.IsType(wire.TypeLocated), "bob located") // bob's jump was handled
	carol.Send(hubtest.Jump("carol.go", 5))
	if f := ann.Await(hubtest.IsType(wire.TypeNav), "nav"); f.By != "carol" || f.Seq != 2 {
		t.Fatalf("ann's next nav: %+v, want carol's seq 2", f)
	}
	if f := bob.Await(hubtest.IsType(wire.TypeNav), "nav"); f.By != "carol" {
		t.Fatalf("bob's nav: %+v, want carol's", f)
	}
}

func TestAttendKeyCannotDrive(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	if bob.Role != wire.RoleDrive || ann.Role != wire.RoleAttend {
		t.Fatalf("roles: bob %q ann %q", bob.Role, ann.Role)
	}
	ann.Send(wire.Frame{Type: wire.TypeDrive})
	if f := ann.Await(hubtest.IsType(wire.TypeError), "error"); !strings.Contains(f.Message, "attend key") {
		t.Errorf("error frame: %q", f.Message)
	}
	ann.Send(wire.Frame{Type: wire.TypePass, Name: "ann"})
	if f := ann.Await(hubtest.IsType(wire.TypeError), "error"); !strings.Contains(f.Message, "bob") {
		t.Errorf("error frame: %q", f.Message)
	}
	// Passing to an attendee is refused too; the connection stays.
	bob.Send(wire.Frame{Type: wire.TypePass, Name: "ann"})
	if f := bob.Await(hubtest.IsType(wire.TypeError), "error"); !strings.Contains(f.Message, "cannot drive") {
		t.Errorf("error frame: %q", f.Message)
	}
	bob.Send(hubtest.Jump("a.go", 1))
	ann.Await(hubtest.IsNav(1), "bob's jump")
}

func TestPassTheWheel(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	drive := hubtest.Key(t, th.Links.Drive)
	bob := hubtest.Join(t, th, drive, "bob")
	carol := hubtest.Join(t, th, drive, "carol")
	bob.Send(wire.Frame{Type: wire.TypePass, Name: "nobody"})
	if f := bob.Await(hubtest.IsType(wire.TypeError), "error"); !strings.Contains(f.Message, "no participant") {
		t.Errorf("error frame: %q", f.Message)
	}
	bob.Send(wire.Frame{Type: wire.TypePass, Name: "carol"})
	carol.Await(hubtest.StateWhere(func(f wire.Frame) bool { return f.Navigator == "carol" }), "carol at the wheel")
	carol.Send(hubtest.Jump("c.go", 1))
	if f := bob.Await(hubtest.IsType(wire.TypeNav), "carol's jump"); f.By != "carol" {
		t.Errorf("nav: %+v", f)
	}
}

func TestWheelStaysWithDisconnectedHolder(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	drive := hubtest.Key(t, th.Links.Drive)
	bob := hubtest.Join(t, th, drive, "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	bob.Close()
	ann.Await(hubtest.StateWhere(func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "bob")
		return ok && !p.Connected && f.Navigator == "bob"
	}), "bob disconnected, still at the wheel")
	// bob comes back (same id): same name, wheel still his.
	bob2 := hubtest.Join(t, th, drive, "bob")
	if bob2.Name != "bob" {
		t.Fatalf("rejoined as %q", bob2.Name)
	}
	bob2.Send(hubtest.Jump("b.go", 1))
	ann.Await(hubtest.IsNav(1), "bob's jump after rejoining")
}

func TestNamesAreUnique(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	attend := hubtest.Key(t, th.Links.Attend)
	a1 := hubtest.ConnectPeer(t, th, attend, wire.Frame{Type: wire.TypeHello, ID: "one", Name: "alice"}, nil)
	a2 := hubtest.ConnectPeer(t, th, attend, wire.Frame{Type: wire.TypeHello, ID: "two", Name: "alice"}, nil)
	g := hubtest.ConnectPeer(t, th, attend, wire.Frame{Type: wire.TypeHello, ID: "three", Name: " \x00 "}, nil)
	n1 := a1.Await(hubtest.IsType(wire.TypeWelcome), "welcome").Name
	n2 := a2.Await(hubtest.IsType(wire.TypeWelcome), "welcome").Name
	if got := []string{n1, n2}; !(got[0] == "alice" && got[1] == "alice-2" || got[0] == "alice-2" && got[1] == "alice") {
		t.Errorf("names %q", got)
	}
	if n := g.Await(hubtest.IsType(wire.TypeWelcome), "welcome").Name; n != "guest" {
		t.Errorf("blank name became %q, want guest", n)
	}
}

func TestReconnectReplacesConnection(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	attend := hubtest.Key(t, th.Links.Attend)
	old := hubtest.Join(t, th, attend, "ann")
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	// A second hello with ann's id replaces her connection.
	fresh := hubtest.Join(t, th, attend, "ann")
	if fresh.Name != "ann" {
		t.Fatalf("rejoined as %q", fresh.Name)
	}
	old.AwaitClosed()
	bob.Await(hubtest.StateWhere(func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "ann")
		return ok && p.Connected && len(f.Participants) == 2
	}), "one connected ann")
	bob.Send(hubtest.Jump("a.go", 1))
	fresh.Await(hubtest.IsNav(1), "jump on the new connection")
}

func TestRefusals(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	attend := hubtest.Key(t, th.Links.Attend)
	refusal := func(key string, header http.Header, path string) (int, string) {
		t.Helper()
		if header == nil {
			header = http.Header{}
		}
		header.Set("Authorization", "Bearer "+key)
		ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(th.URL, "http")+path, header)
		if err == nil {
			ws.Close()
			t.Fatalf("dial %s succeeded", path)
		}
		if resp == nil {
			t.Fatalf("dial %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	if code, body := refusal("not-the-key", nil, "/s/demo/ws"); code != 403 || body != "wrong key for session demo" {
		t.Errorf("wrong key: %d %q", code, body)
	}
	if code, body := refusal(attend, nil, "/s/nope/ws"); code != 404 || body != "no session nope on this hub" {
		t.Errorf("unknown session: %d %q", code, body)
	}
	origin := http.Header{"Origin": {"http://evil.example"}}
	if code, body := refusal(attend, origin, "/s/demo/ws"); code != 403 || !strings.Contains(body, "origin http://evil.example") {
		t.Errorf("foreign origin: %d %q", code, body)
	}
	// The hub's own pages may connect.
	ws, _, err := hubtest.DialHub(th, attend, http.Header{"Origin": {th.URL}}, nil)
	if err != nil {
		t.Fatalf("same origin refused: %v", err)
	}
	ws.Close()
	// A key in the query works as well as a bearer token.
	ws, _, err = websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(th.URL, "http")+"/s/demo/ws?key="+attend, nil)
	if err != nil {
		t.Fatalf("key in query refused: %v", err)
	}
	ws.Close()
}

func TestFirstFrameMustBeHello(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	p := hubtest.ConnectPeer(t, th, hubtest.Key(t, th.Links.Attend), wire.Frame{Type: wire.TypeDrive}, nil)
	if f := p.Await(hubtest.IsType(wire.TypeError), "error"); !strings.Contains(f.Message, "hello") {
		t.Errorf("error: %q", f.Message)
	}
	p.AwaitClosed()
}

func TestBadFramesGetErrors(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	for _, msg := range []string{`{`, `{"type":"bogus"}`, `{"type":"welcome"}`, `{"type":"nav","kind":"teleport","to":{}}`, `{"type":"nav","kind":"jump","to":"x"}`, `{"type":"hello","id":"x"}`} {
		if err := bob.WS.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if f := bob.Await(hubtest.IsType(wire.TypeError), "error for "+msg); f.Message == "" {
			t.Errorf("%s: empty error message", msg)
		}
	}
	bob.Send(wire.Frame{Type: wire.TypeLocate, Ref: "still-here", Name: "bob"})
	bob.Await(hubtest.IsType(wire.TypeLocated), "the connection survives bad frames")
	wantDrops(t, th, DropMalformed, 6)
}

// smallBuffers makes accepted connections buffer little in the kernel, so
// that a peer which never reads stalls the hub's writes to it quickly.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

func TestSlowParticipantDoesNotDelayOthers(t *testing.T) {
	th := hubtest.StartHub(t, Config{SendQueue: 16}, "", func(l net.Listener) net.Listener { return smallBuffers{l} })
	drive, attend := hubtest.Key(t, th.Links.Drive), hubtest.Key(t, th.Links.Attend)
	bob := hubtest.Join(t, th, drive, "bob")
	fast := hubtest.Join(t, th, attend, "fast")
	// slow says hello and then never reads again.
	slowDialer := &websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	slowWS, _, err := hubtest.DialHub(th, attend, nil, slowDialer)
	if err != nil {
		t.Fatal(err)
	}
	defer slowWS.Close()
	hello, _ := json.Marshal(wire.Frame{Type: wire.TypeHello, ID: "slow", Name: "slow"})
	slowWS.WriteMessage(websocket.TextMessage, hello)
	fast.Await(hubtest.StateWhere(func(f wire.Frame) bool { _, ok := hubtest.ParticipantIn(f, "slow"); return ok }), "slow joined")

	// bob moves on as fast as fast keeps up, far beyond what slow's queue
	// and socket buffers hold.
	slowGone := hubtest.StateWhere(func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "slow")
		return ok && !p.Connected
	})
	dropped := false
	const n = 300
	big := strings.Repeat("x", 8<<10)
	for i := 1; i <= n; i++ {
		f := hubtest.Jump("big.go", i)
		f.Symbol = big
		bob.Send(f)
		fast.Await(func(f wire.Frame) bool {
			dropped = dropped || slowGone(f)
			return hubtest.IsNav(uint64(i))(f)
		}, fmt.Sprintf("jump %d", i))
	}
	// The hub dropped slow instead of waiting for it.
	if !dropped {
		fast.Await(slowGone, "slow dropped")
	}
	wantDrops(t, th, DropQueueFull, 1)
}

// TestRateLimitSlows: a burst over the rate is slowed down, not dropped:
// every frame is handled.
func TestRateLimitSlows(t *testing.T) {
	th := hubtest.StartHub(t, Config{FrameRate: 50, FrameBurst: 5, FloodGrace: time.Minute}, "", nil)
	p := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "eager")
	for i := range 20 {
		p.Send(wire.Frame{Type: wire.TypeLocate, Ref: fmt.Sprint(i), Name: "nobody"})
	}
	for i := range 20 {
		p.Await(func(f wire.Frame) bool { return f.Type == wire.TypeLocated && f.Ref == fmt.Sprint(i) }, fmt.Sprintf("located %d", i))
	}
}

// TestRateLimit: a participant that stays over its rate longer than the
// flood grace is told and dropped.
func TestRateLimit(t *testing.T) {
	th := hubtest.StartHub(t, Config{FrameRate: 10, FrameBurst: 5, FloodGrace: 300 * time.Millisecond}, "", nil)
	p := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "chatty") // the hello took one token
	follow, _ := json.Marshal(wire.Frame{Type: wire.TypeFollow, Following: true})
	for range 20 {
		p.WS.WriteMessage(websocket.TextMessage, follow) // fails once the hub hangs up
	}
	if f := p.Await(hubtest.IsType(wire.TypeError), "error"); !strings.Contains(f.Message, "too many frames") {
		t.Errorf("error: %q", f.Message)
	}
	if err := p.AwaitClosed(); !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Errorf("closed with %v, want policy violation", err)
	}
	wantDrops(t, th, DropRateLimited, 1)
}

func TestOversizedFrame(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	p := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "big")
	huge := wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", 1), Symbol: strings.Repeat("x", wire.MaxFrameSize)}
	b, _ := json.Marshal(huge)
	p.WS.WriteMessage(websocket.TextMessage, b) // may fail once the hub closes
	if err := p.AwaitClosed(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("closed with %v, want message too big", err)
	}
	ann.Await(hubtest.StateWhere(func(f wire.Frame) bool { p, ok := hubtest.ParticipantIn(f, "big"); return ok && !p.Connected }), "big gone")
	wantDrops(t, th, DropTooBig, 1)
}

func TestAskAndAnswer(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	attend := hubtest.Key(t, th.Links.Attend)
	ann := hubtest.Join(t, th, attend, "ann")
	eve := hubtest.Join(t, th, attend, "eve")

	// ann asks the navigator (bob) by default.
	ann.Send(wire.Frame{Type: wire.TypeAsk, Ref: "q1", Method: "textDocument/hover", Params: json.RawMessage(`{"x":1}`), DeadlineMS: 5000})
	q := bob.Await(hubtest.IsType(wire.TypeAsk), "question")
	if q.By != "ann" || q.Method != "textDocument/hover" || string(q.Params) != `{"x":1}` || q.Ref == "q1" || q.Ref == "" {
		t.Fatalf("bob got %+v", q)
	}
	// eve cannot answer in bob's place.
	eve.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`"forged"`)})
	bob.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`{"hover":"text"}`)})
	a := ann.Await(hubtest.IsType(wire.TypeAnswer), "answer")
	if a.Ref != "q1" || string(a.Result) != `{"hover":"text"}` || a.Error != "" {
		t.Fatalf("ann got %+v", a)
	}

	// A file chunk passes as it is, under the asker's ref.
	ann.Send(wire.Frame{Type: wire.TypeAsk, Ref: "q-file", Method: "file", Params: json.RawMessage(`{}`)})
	q = bob.Await(hubtest.IsType(wire.TypeAsk), "file question")
	data := []byte("\x00{\"not\": json}\xff")
	bob.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Chunk: &wire.Chunk{Size: 100, Data: data}})
	a = ann.Await(hubtest.IsType(wire.TypeAnswer), "chunk")
	if a.Ref != "q-file" || a.Chunk == nil || a.Chunk.Size != 100 || !bytes.Equal(a.Chunk.Data, data) || a.Result != nil {
		t.Fatalf("ann got %+v", a)
	}

	// Questions that cannot be asked are answered at once.
	for _, c := range []struct{ to, want string }{{"nobody", "no participant"}, {"ann", "yourself"}} {
		ann.Send(wire.Frame{Type: wire.TypeAsk, Ref: "q-" + c.to, Name: c.to, Method: "m"})
		if a := ann.Await(hubtest.IsType(wire.TypeAnswer), "answer"); a.Ref != "q-"+c.to || !strings.Contains(a.Error, c.want) {
			t.Errorf("ask %s: %+v", c.to, a)
		}
	}

	// An unanswered question times out at the hub.
	ann.Send(wire.Frame{Type: wire.TypeAsk, Ref: "q2", Name: "eve", Method: "m", DeadlineMS: 50})
	q2 := eve.Await(hubtest.IsType(wire.TypeAsk), "question")
	if a := ann.Await(hubtest.IsType(wire.TypeAnswer), "timeout answer"); a.Ref != "q2" || !strings.Contains(a.Error, "no answer from eve") {
		t.Errorf("timeout: %+v", a)
	}
	// eve's answer is too late, and reaches nobody: like her forged one,
	// it is counted as stray.
	eve.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q2.Ref, Result: json.RawMessage(`1`)})
	eve.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	eve.Await(hubtest.IsType(wire.TypeLocated), "located")
	wantDrops(t, th, DropStrayAnswer, 2)
	ann.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	if f := ann.Await(func(f wire.Frame) bool { return f.Type == wire.TypeAnswer || f.Type == wire.TypeLocated }, "located"); f.Type != wire.TypeLocated {
		t.Errorf("ann got a stray answer: %+v", f)
	}
}

func TestAskTargetLeaves(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	c, _ := hubtest.RunConn(t, hubclient.Config{Link: th.Links.Attend, Name: "ann"})
	hubtest.AwaitEvent(t, c, hubtest.IsType(wire.TypeConnected), "connected")

	errc := make(chan error, 1)
	go func() {
		_, err := c.Ask(t.Context(), "", "textDocument/definition", json.RawMessage(`{}`))
		errc <- err
	}()
	bob.Await(hubtest.IsType(wire.TypeAsk), "question")
	bob.Close() // gone mid-question
	err := <-errc
	var ae *wire.AnswerError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "bob left before answering") {
		t.Fatalf("Ask: %v, want bob left", err)
	}
}

func TestCreateSessionOverHTTP(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	post := func(body string) (int, string) {
		resp, err := http.Post(th.URL+"/api/sessions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post(`{"name":"team"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var links wire.Links
	if err := json.Unmarshal([]byte(body), &links); err != nil {
		t.Fatal(err)
	}
	if links.Session != "team" || !strings.HasPrefix(links.Drive, th.URL+"/s/team?key=") || links.View != links.Attend || links.Drive == links.Attend {
		t.Errorf("links: %+v", links)
	}
	if code, body := post(`{"name":"team"}`); code != http.StatusConflict {
		t.Errorf("duplicate: %d %s", code, body)
	}
	if code, body := post(`{"name":"../etc"}`); code != http.StatusBadRequest {
		t.Errorf("bad name: %d %s", code, body)
	}
}

// Making sessions and reading the counters are the operator's: from the
// hub's own machine, or with the admin token.
func TestAdministrationNeedsLoopbackOrToken(t *testing.T) {
	h := New(Config{AdminToken: "tok"})
	for _, c := range []struct {
		remote, auth string
		allowed      bool
	}{
		{"192.0.2.1:5000", "", false},
		{"192.0.2.1:5000", "Bearer wrong", false},
		{"192.0.2.1:5000", "Bearer tok", true},
		{"[::1]:5000", "", true},
		{"127.0.0.1:5000", "", true},
	} {
		name := "s" + strings.NewReplacer(".", "", ":", "", "[", "", "]", "").Replace(c.remote) + strings.ReplaceAll(c.auth, " ", "")
		for _, e := range []struct {
			method, path, body, shows string
			ok                        int
		}{
			{"POST", "/api/sessions", `{"name":"` + name + `"}`, `"drive"`, http.StatusCreated},
			{"GET", "/metrics", "", "lspshare_hub_drops_total", http.StatusOK},
		} {
			r := httptest.NewRequest(e.method, "http://hub.example"+e.path, strings.NewReader(e.body))
			r.RemoteAddr = c.remote
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			want := http.StatusForbidden
			if c.allowed {
				want = e.ok
			}
			if w.Code != want {
				t.Errorf("%s %s from %s %q: %d %s, want %d", e.method, e.path, c.remote, c.auth, w.Code, w.Body.String(), want)
			}
			if c.allowed && !strings.Contains(w.Body.String(), e.shows) {
				t.Errorf("%s %s from %s %q: %q lacks %s", e.method, e.path, c.remote, c.auth, w.Body.String(), e.shows)
			}
		}
	}
}

// A hand goes up and down, shows in the state with the person's place,
// outlives a restart of the hub, and only the navigator lowers another's.
func TestHands(t *testing.T) {
	mem := store.NewMemStore()
	th := hubtest.StartHub(t, Config{Store: mem}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	eve := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "eve")
	handOf := func(name string) func(wire.Frame) bool {
		return hubtest.StateWhere(func(f wire.Frame) bool { p, ok := hubtest.ParticipantIn(f, name); return ok && !p.Hand.IsZero() })
	}
	handDown := func(name string) func(wire.Frame) bool {
		return hubtest.StateWhere(func(f wire.Frame) bool { p, ok := hubtest.ParticipantIn(f, name); return ok && p.Hand.IsZero() })
	}

	ann.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("lost.go", 7)})
	ann.Send(wire.Frame{Type: wire.TypeHand, Raised: true})
	st := bob.Await(handOf("ann"), "ann's hand up")
	if p, _ := hubtest.ParticipantIn(st, "ann"); string(p.Place) != string(hubtest.Loc("lost.go", 7)) {
		t.Errorf("ann's place in the state: %s", p.Place)
	}

	// ann's own jump shows in the state: who is where.
	ann.Send(hubtest.Jump("elsewhere.go", 2))
	bob.Await(hubtest.StateWhere(func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "ann")
		return ok && string(p.Place) == string(hubtest.Loc("elsewhere.go", 2))
	}), "ann's new place")

	// eve may not lower ann's hand; bob, the navigator, may.
	eve.Send(wire.Frame{Type: wire.TypeHand, Name: "ann"})
	if f := eve.Await(hubtest.IsType(wire.TypeError), "refusal"); !strings.Contains(f.Message, "only the navigator") {
		t.Errorf("eve lowering ann's hand: %q", f.Message)
	}
	eve.Send(wire.Frame{Type: wire.TypeHand, Raised: true})
	bob.Await(handOf("eve"), "eve's hand up")
	bob.Send(wire.Frame{Type: wire.TypeHand, Name: "eve"})
	bob.Await(handDown("eve"), "eve's hand lowered by bob")

	// A restarted hub on the same store still shows ann's hand.
	th.Stop()
	th2 := hubtest.StartHub(t, Config{Store: mem}, "", nil)
	bob2 := hubtest.ConnectPeer(t, th2, hubtest.Key(t, th.Links.Drive), wire.Frame{Type: wire.TypeHello, ID: "id-bob", Name: "bob"}, nil)
	bob2.Await(handOf("ann"), "ann's hand up after the restart")
}

// Summon is the navigator's: everyone else gets its place once.
func TestSummon(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	cy := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "cy")

	bob.Send(wire.Frame{Type: wire.TypeSummon})
	if f := bob.Await(hubtest.IsType(wire.TypeError), "refusal"); !strings.Contains(f.Message, "no place") {
		t.Errorf("summon before moving: %q", f.Message)
	}
	for _, p := range []*hubtest.Peer{ann, cy} {
		p.Send(wire.Frame{Type: wire.TypeSummon})
		if f := p.Await(hubtest.IsType(wire.TypeError), "refusal"); !strings.Contains(f.Message, "only the navigator can summon, and that is bob") {
			t.Errorf("%s summoning: %q", p.Name, f.Message)
		}
	}
	bob.Send(hubtest.Jump("here.go", 3))
	bob.Send(wire.Frame{Type: wire.TypeSummon})
	for _, p := range []*hubtest.Peer{ann, cy} {
		if f := p.Await(hubtest.IsType(wire.TypeSummon), "summon"); f.By != "bob" || string(f.To) != string(hubtest.Loc("here.go", 3)) {
			t.Errorf("%s got %+v", p.Name, f)
		}
	}
}

// TestCursorPacing: a participant gets at most one cursor per
// CursorInterval, the newest when its turn comes, and a jump is never held
// behind a cursor nor followed by one older than it.
func TestCursorPacing(t *testing.T) {
	cursor := func(line int) wire.Frame {
		return wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("main.go", line)}
	}
	isNav := hubtest.IsType(wire.TypeNav)
	lineOf := func(to json.RawMessage) int {
		for line := 1; line <= 5; line++ {
			if bytes.Equal(to, hubtest.Loc("main.go", line)) {
				return line
			}
		}
		return -1
	}

	t.Run("newest on its turn", func(t *testing.T) {
		th := hubtest.StartHub(t, Config{CursorInterval: 500 * time.Millisecond}, "", nil)
		bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
		ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
		bob.Send(cursor(1))
		if got := ann.Await(isNav, "the first cursor"); got.Kind != wire.KindCursor || lineOf(got.To) != 1 {
			t.Fatalf("got %s at line %d, want the first cursor at once", got.Kind, lineOf(got.To))
		}
		// 2–4 are replaced while they wait for their turn (only a hub that
		// took half a second between two of them could write one), and 5
		// goes when the turn comes, on the writer's timer.
		for line := 2; line <= 5; line++ {
			bob.Send(cursor(line))
		}
		if got := ann.Await(isNav, "the newest cursor"); got.Kind != wire.KindCursor || lineOf(got.To) != 5 {
			t.Fatalf("got %s at line %d, want the newest cursor, line 5", got.Kind, lineOf(got.To))
		}
	})

	t.Run("a jump is not held", func(t *testing.T) {
		th := hubtest.StartHub(t, Config{CursorInterval: time.Hour}, "", nil)
		bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
		ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
		bob.Send(cursor(1))
		if got := ann.Await(isNav, "the first cursor"); got.Kind != wire.KindCursor {
			t.Fatalf("got %s, want the first cursor at once", got.Kind)
		}
		bob.Send(cursor(2)) // held for an hour
		bob.Send(hubtest.Jump("main.go", 3))
		if got := ann.Await(isNav, "the jump"); got.Kind != wire.KindJump || lineOf(got.To) != 3 {
			t.Fatalf("got %s at line %d, want the jump to line 3, not the held cursor", got.Kind, lineOf(got.To))
		}
		// The jump dropped the held cursor: the next move ann gets is the
		// one after it.
		bob.Send(hubtest.Jump("main.go", 4))
		if got := ann.Await(isNav, "the second jump"); got.Kind != wire.KindJump || lineOf(got.To) != 4 {
			t.Fatalf("got %s at line %d, want the jump to line 4", got.Kind, lineOf(got.To))
		}
	})
}
