package session

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

	"github.com/gorilla/websocket"
)

func TestFanOutToMany(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	drive, attend := key(t, th.Links.Drive), key(t, th.Links.Attend)
	bob := join(t, th, drive, "bob")
	var followers []*peer
	for i := range 30 {
		followers = append(followers, join(t, th, attend, fmt.Sprintf("f%d", i)))
	}
	// Everyone sees everyone; the first driver holds the wheel.
	st := followers[0].await(stateWhere(func(f Frame) bool { return len(f.Participants) == 31 }), "state with 31 participants")
	if st.Wheel != "bob" || st.Session != "demo" {
		t.Errorf("state: wheel %q session %q, want bob, demo", st.Wheel, st.Session)
	}
	if p, _ := participant(st, "f0"); p.Role != RoleAttend || !p.Connected {
		t.Errorf("f0 in state: %+v", p)
	}
	for i := 1; i <= 3; i++ {
		bob.send(jump("main.go", i))
	}
	bob.send(Frame{Type: TypeNav, Kind: KindCursor, To: loc("main.go", 99)})
	for _, f := range followers {
		for i := 1; i <= 3; i++ {
			got := f.await(isType(TypeNav), "jump")
			if got.Seq != uint64(i) || got.By != "bob" || got.Kind != KindJump || !bytes.Equal(got.To, loc("main.go", i)) {
				t.Fatalf("%s got %+v, want jump %d by bob", f.name, got, i)
			}
		}
		got := f.await(isType(TypeNav), "cursor")
		if got.Kind != KindCursor || got.Seq != 0 || !bytes.Equal(got.To, loc("main.go", 99)) {
			t.Fatalf("%s got %+v, want bob's cursor", f.name, got)
		}
	}
}

func TestOnlyTheWheelMovesFanOut(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	drive, attend := key(t, th.Links.Drive), key(t, th.Links.Attend)
	bob := join(t, th, drive, "bob") // first driver: takes the wheel
	carol := join(t, th, drive, "carol")
	ann := join(t, th, attend, "ann")

	// carol's and ann's own moves are kept as their places, never fanned out.
	carol.send(jump("carol.go", 1))
	ann.send(jump("ann.go", 2))
	ann.send(Frame{Type: TypeLocate, Ref: "sync", Name: "ann"})
	ann.await(isType(TypeLocated), "ann located") // ann's jump was handled
	carol.send(Frame{Type: TypeLocate, Ref: "r1", Name: "ann"})
	got := carol.await(isType(TypeLocated), "located")
	if got.Ref != "r1" || !bytes.Equal(got.To, loc("ann.go", 2)) {
		t.Fatalf("located: %+v", got)
	}
	bob.send(jump("bob.go", 3))
	if f := ann.await(isType(TypeNav), "nav"); f.By != "bob" || f.Seq != 1 {
		t.Fatalf("ann's first nav: %+v, want bob's seq 1", f)
	}

	// carol takes the wheel: now her moves fan out, bob's do not.
	carol.send(Frame{Type: TypeDrive})
	ann.await(stateWhere(func(f Frame) bool { return f.Wheel == "carol" }), "carol at the wheel")
	bob.send(jump("bob.go", 4))
	bob.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
	bob.await(isType(TypeLocated), "bob located") // bob's jump was handled
	carol.send(jump("carol.go", 5))
	if f := ann.await(isType(TypeNav), "nav"); f.By != "carol" || f.Seq != 2 {
		t.Fatalf("ann's next nav: %+v, want carol's seq 2", f)
	}
	if f := bob.await(isType(TypeNav), "nav"); f.By != "carol" {
		t.Fatalf("bob's nav: %+v, want carol's", f)
	}
}

func TestAttendKeyCannotDrive(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	ann := join(t, th, key(t, th.Links.Attend), "ann")
	if bob.role != RoleDrive || ann.role != RoleAttend {
		t.Fatalf("roles: bob %q ann %q", bob.role, ann.role)
	}
	ann.send(Frame{Type: TypeDrive})
	if f := ann.await(isType(TypeError), "error"); !strings.Contains(f.Message, "attend key") {
		t.Errorf("error frame: %q", f.Message)
	}
	ann.send(Frame{Type: TypePass, Name: "ann"})
	if f := ann.await(isType(TypeError), "error"); !strings.Contains(f.Message, "bob") {
		t.Errorf("error frame: %q", f.Message)
	}
	// Passing to an attendee is refused too; the connection stays.
	bob.send(Frame{Type: TypePass, Name: "ann"})
	if f := bob.await(isType(TypeError), "error"); !strings.Contains(f.Message, "cannot drive") {
		t.Errorf("error frame: %q", f.Message)
	}
	bob.send(jump("a.go", 1))
	ann.await(isNav(1), "bob's jump")
}

func TestPassTheWheel(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	drive := key(t, th.Links.Drive)
	bob := join(t, th, drive, "bob")
	carol := join(t, th, drive, "carol")
	bob.send(Frame{Type: TypePass, Name: "nobody"})
	if f := bob.await(isType(TypeError), "error"); !strings.Contains(f.Message, "no participant") {
		t.Errorf("error frame: %q", f.Message)
	}
	bob.send(Frame{Type: TypePass, Name: "carol"})
	carol.await(stateWhere(func(f Frame) bool { return f.Wheel == "carol" }), "carol at the wheel")
	carol.send(jump("c.go", 1))
	if f := bob.await(isType(TypeNav), "carol's jump"); f.By != "carol" {
		t.Errorf("nav: %+v", f)
	}
}

func TestWheelStaysWithDisconnectedHolder(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	drive := key(t, th.Links.Drive)
	bob := join(t, th, drive, "bob")
	ann := join(t, th, key(t, th.Links.Attend), "ann")
	bob.close()
	ann.await(stateWhere(func(f Frame) bool {
		p, ok := participant(f, "bob")
		return ok && !p.Connected && f.Wheel == "bob"
	}), "bob disconnected, still at the wheel")
	// bob comes back (same id): same name, wheel still his.
	bob2 := join(t, th, drive, "bob")
	if bob2.name != "bob" {
		t.Fatalf("rejoined as %q", bob2.name)
	}
	bob2.send(jump("b.go", 1))
	ann.await(isNav(1), "bob's jump after rejoining")
}

func TestNamesAreUnique(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	attend := key(t, th.Links.Attend)
	a1 := connectPeer(t, th, attend, Frame{Type: TypeHello, ID: "one", Name: "alice"}, nil)
	a2 := connectPeer(t, th, attend, Frame{Type: TypeHello, ID: "two", Name: "alice"}, nil)
	g := connectPeer(t, th, attend, Frame{Type: TypeHello, ID: "three", Name: " \x00 "}, nil)
	n1 := a1.await(isType(TypeWelcome), "welcome").Name
	n2 := a2.await(isType(TypeWelcome), "welcome").Name
	if got := []string{n1, n2}; !(got[0] == "alice" && got[1] == "alice-2" || got[0] == "alice-2" && got[1] == "alice") {
		t.Errorf("names %q", got)
	}
	if n := g.await(isType(TypeWelcome), "welcome").Name; n != "guest" {
		t.Errorf("blank name became %q, want guest", n)
	}
}

func TestReconnectReplacesConnection(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	attend := key(t, th.Links.Attend)
	old := join(t, th, attend, "ann")
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	// A second hello with ann's id replaces her connection.
	fresh := join(t, th, attend, "ann")
	if fresh.name != "ann" {
		t.Fatalf("rejoined as %q", fresh.name)
	}
	old.awaitClosed()
	bob.await(stateWhere(func(f Frame) bool {
		p, ok := participant(f, "ann")
		return ok && p.Connected && len(f.Participants) == 2
	}), "one connected ann")
	bob.send(jump("a.go", 1))
	fresh.await(isNav(1), "jump on the new connection")
}

func TestRefusals(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	attend := key(t, th.Links.Attend)
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
	ws, _, err := dialHub(th, attend, http.Header{"Origin": {th.URL}}, nil)
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
	th := startHub(t, HubConfig{}, "", nil)
	p := connectPeer(t, th, key(t, th.Links.Attend), Frame{Type: TypeDrive}, nil)
	if f := p.await(isType(TypeError), "error"); !strings.Contains(f.Message, "hello") {
		t.Errorf("error: %q", f.Message)
	}
	p.awaitClosed()
}

func TestBadFramesGetErrors(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	for _, msg := range []string{`{`, `{"type":"bogus"}`, `{"type":"welcome"}`, `{"type":"nav","kind":"teleport","to":{}}`, `{"type":"nav","kind":"jump","to":"x"}`, `{"type":"hello","id":"x"}`} {
		if err := bob.ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if f := bob.await(isType(TypeError), "error for "+msg); f.Message == "" {
			t.Errorf("%s: empty error message", msg)
		}
	}
	bob.send(Frame{Type: TypeLocate, Ref: "still-here", Name: "bob"})
	bob.await(isType(TypeLocated), "the connection survives bad frames")
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
	th := startHub(t, HubConfig{SendQueue: 16}, "", func(l net.Listener) net.Listener { return smallBuffers{l} })
	drive, attend := key(t, th.Links.Drive), key(t, th.Links.Attend)
	bob := join(t, th, drive, "bob")
	fast := join(t, th, attend, "fast")
	// slow says hello and then never reads again.
	slowDialer := &websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	slowWS, _, err := dialHub(th, attend, nil, slowDialer)
	if err != nil {
		t.Fatal(err)
	}
	defer slowWS.Close()
	hello, _ := json.Marshal(Frame{Type: TypeHello, ID: "slow", Name: "slow"})
	slowWS.WriteMessage(websocket.TextMessage, hello)
	fast.await(stateWhere(func(f Frame) bool { _, ok := participant(f, "slow"); return ok }), "slow joined")

	// bob moves on as fast as fast keeps up, far beyond what slow's queue
	// and socket buffers hold.
	slowGone := stateWhere(func(f Frame) bool {
		p, ok := participant(f, "slow")
		return ok && !p.Connected
	})
	dropped := false
	const n = 300
	big := strings.Repeat("x", 8<<10)
	for i := 1; i <= n; i++ {
		f := jump("big.go", i)
		f.Symbol = big
		bob.send(f)
		fast.await(func(f Frame) bool {
			dropped = dropped || slowGone(f)
			return isNav(uint64(i))(f)
		}, fmt.Sprintf("jump %d", i))
	}
	// The hub dropped slow instead of waiting for it.
	if !dropped {
		fast.await(slowGone, "slow dropped")
	}
	wantDrops(t, th, DropQueueFull, 1)
}

// TestRateLimitSlows: a burst over the rate is slowed down, not dropped:
// every frame is handled.
func TestRateLimitSlows(t *testing.T) {
	th := startHub(t, HubConfig{FrameRate: 50, FrameBurst: 5, FloodGrace: time.Minute}, "", nil)
	p := join(t, th, key(t, th.Links.Attend), "eager")
	for i := range 20 {
		p.send(Frame{Type: TypeLocate, Ref: fmt.Sprint(i), Name: "nobody"})
	}
	for i := range 20 {
		p.await(func(f Frame) bool { return f.Type == TypeLocated && f.Ref == fmt.Sprint(i) }, fmt.Sprintf("located %d", i))
	}
}

// TestRateLimit: a participant that stays over its rate longer than the
// flood grace is told and dropped.
func TestRateLimit(t *testing.T) {
	th := startHub(t, HubConfig{FrameRate: 10, FrameBurst: 5, FloodGrace: 300 * time.Millisecond}, "", nil)
	p := join(t, th, key(t, th.Links.Attend), "chatty") // the hello took one token
	follow, _ := json.Marshal(Frame{Type: TypeFollow, Following: true})
	for range 20 {
		p.ws.WriteMessage(websocket.TextMessage, follow) // fails once the hub hangs up
	}
	if f := p.await(isType(TypeError), "error"); !strings.Contains(f.Message, "too many frames") {
		t.Errorf("error: %q", f.Message)
	}
	if err := p.awaitClosed(); !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Errorf("closed with %v, want policy violation", err)
	}
	wantDrops(t, th, DropRateLimited, 1)
}

func TestOversizedFrame(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	ann := join(t, th, key(t, th.Links.Attend), "ann")
	p := join(t, th, key(t, th.Links.Attend), "big")
	huge := Frame{Type: TypeNav, Kind: KindJump, To: loc("a.go", 1), Symbol: strings.Repeat("x", MaxFrameSize)}
	b, _ := json.Marshal(huge)
	p.ws.WriteMessage(websocket.TextMessage, b) // may fail once the hub closes
	if err := p.awaitClosed(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("closed with %v, want message too big", err)
	}
	ann.await(stateWhere(func(f Frame) bool { p, ok := participant(f, "big"); return ok && !p.Connected }), "big gone")
	wantDrops(t, th, DropTooBig, 1)
}

func TestAskAndAnswer(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	attend := key(t, th.Links.Attend)
	ann := join(t, th, attend, "ann")
	eve := join(t, th, attend, "eve")

	// ann asks the wheel holder (bob) by default.
	ann.send(Frame{Type: TypeAsk, Ref: "q1", Method: "textDocument/hover", Params: json.RawMessage(`{"x":1}`), DeadlineMS: 5000})
	q := bob.await(isType(TypeAsk), "question")
	if q.By != "ann" || q.Method != "textDocument/hover" || string(q.Params) != `{"x":1}` || q.Ref == "q1" || q.Ref == "" {
		t.Fatalf("bob got %+v", q)
	}
	// eve cannot answer in bob's place.
	eve.send(Frame{Type: TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`"forged"`)})
	bob.send(Frame{Type: TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`{"hover":"text"}`)})
	a := ann.await(isType(TypeAnswer), "answer")
	if a.Ref != "q1" || string(a.Result) != `{"hover":"text"}` || a.Error != "" {
		t.Fatalf("ann got %+v", a)
	}

	// Questions that cannot be asked are answered at once.
	for _, c := range []struct{ to, want string }{{"nobody", "no participant"}, {"ann", "yourself"}} {
		ann.send(Frame{Type: TypeAsk, Ref: "q-" + c.to, Name: c.to, Method: "m"})
		if a := ann.await(isType(TypeAnswer), "answer"); a.Ref != "q-"+c.to || !strings.Contains(a.Error, c.want) {
			t.Errorf("ask %s: %+v", c.to, a)
		}
	}

	// An unanswered question times out at the hub.
	ann.send(Frame{Type: TypeAsk, Ref: "q2", Name: "eve", Method: "m", DeadlineMS: 50})
	q2 := eve.await(isType(TypeAsk), "question")
	if a := ann.await(isType(TypeAnswer), "timeout answer"); a.Ref != "q2" || !strings.Contains(a.Error, "no answer from eve") {
		t.Errorf("timeout: %+v", a)
	}
	// eve's answer is too late, and reaches nobody: like her forged one,
	// it is counted as stray.
	eve.send(Frame{Type: TypeAnswer, Ref: q2.Ref, Result: json.RawMessage(`1`)})
	eve.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
	eve.await(isType(TypeLocated), "located")
	wantDrops(t, th, DropStrayAnswer, 2)
	ann.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
	if f := ann.await(func(f Frame) bool { return f.Type == TypeAnswer || f.Type == TypeLocated }, "located"); f.Type != TypeLocated {
		t.Errorf("ann got a stray answer: %+v", f)
	}
}

func TestAskTargetLeaves(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	bob := join(t, th, key(t, th.Links.Drive), "bob")
	c, _ := runClient(t, ClientConfig{Link: th.Links.Attend, Name: "ann"})
	awaitEvent(t, c, isType(TypeConnected), "connected")

	errc := make(chan error, 1)
	go func() {
		_, err := c.Ask(t.Context(), "", "textDocument/definition", json.RawMessage(`{}`))
		errc <- err
	}()
	bob.await(isType(TypeAsk), "question")
	bob.close() // gone mid-question
	err := <-errc
	var ae *AnswerError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "bob left before answering") {
		t.Fatalf("Ask: %v, want bob left", err)
	}
}

func TestCreateSessionOverHTTP(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
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
	var links Links
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

func TestCreateSessionNeedsLoopbackOrToken(t *testing.T) {
	h := NewHub(HubConfig{AdminToken: "tok"})
	for _, c := range []struct {
		remote, auth string
		want         int
	}{
		{"192.0.2.1:5000", "", http.StatusForbidden},
		{"192.0.2.1:5000", "Bearer wrong", http.StatusForbidden},
		{"192.0.2.1:5000", "Bearer tok", http.StatusCreated},
		{"[::1]:5000", "", http.StatusCreated},
	} {
		r, _ := http.NewRequest("POST", "http://hub.example/api/sessions", strings.NewReader(`{"name":"s`+strings.NewReplacer(".", "", ":", "", "[", "", "]", "").Replace(c.remote)+`"}`))
		r.RemoteAddr = c.remote
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("%s %q: %d %s, want %d", c.remote, c.auth, w.Code, w.Body.String(), c.want)
		}
	}
}
