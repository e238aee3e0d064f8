package session

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestClientFollowsAndReconnectsAfterHubRestart(t *testing.T) {
	store := NewMemStore()
	hub1 := startHub(t, HubConfig{Store: store}, "", nil)
	addr := strings.TrimPrefix(hub1.URL, "http://")
	drive := key(t, hub1.Links.Drive)
	bob := join(t, hub1, drive, "bob")

	ann, _ := runClient(t, ClientConfig{Link: hub1.Links.Attend, ID: "ann-id", Name: "ann", Repo: Repo{Commit: "abc"}, MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if f := awaitEvent(t, ann, isType(TypeConnected), "connected"); f.Name != "ann" || f.Role != RoleAttend || f.Session != "demo" {
		t.Fatalf("connected: %+v", f)
	}
	ann.SetFollowing(true)
	bob.send(jump("a.go", 1))
	awaitEvent(t, ann, isNav(1), "jump 1")

	// The hub goes away. A new one on a private address gets the session
	// from the store, and bob makes two jumps there that ann misses.
	hub1.stop()
	awaitEvent(t, ann, isType(TypeDisconnected), "disconnected")
	hub2 := startHub(t, HubConfig{Store: store}, "", nil)
	bob2 := join(t, hub2, drive, "bob")
	bob2.send(jump("b.go", 2))
	bob2.send(jump("c.go", 3))
	bob2.send(Frame{Type: TypeLocate, Ref: "sync", Name: "bob"})
	bob2.await(isType(TypeLocated), "located") // both jumps are in the trail

	// The same hub comes back at the old address: ann reconnects, gets the
	// missed jumps replayed, and is listed as following again.
	t.Cleanup(serve(hub2.Hub, listen(t, addr)))
	awaitEvent(t, ann, isType(TypeConnected), "reconnected")
	for seq := uint64(2); seq <= 3; seq++ {
		f := awaitEvent(t, ann, isNav(seq), "replayed jump")
		if !f.Replay || f.By != "bob" {
			t.Errorf("jump %d: %+v, want a replay by bob", seq, f)
		}
	}
	bob2.await(stateWhere(func(f Frame) bool {
		p, ok := participant(f, "ann")
		return ok && p.Connected && p.Following && p.Repo != nil && p.Repo.Commit == "abc"
	}), "ann following again")
}

func TestClientRefusedByWrongKey(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	c, errc := runClient(t, ClientConfig{Link: th.URL + "/s/demo?key=wrong", Name: "mallory"})
	f := awaitEvent(t, c, isType(TypeRefused), "refused")
	if f.Message != "wrong key for session demo" {
		t.Errorf("refused: %q", f.Message)
	}
	var refused *RefusedError
	if err := <-errc; !errors.As(err, &refused) || refused.Status != 403 {
		t.Errorf("Run: %v, want a 403 refusal", err)
	}
}

func TestClientSendsMovesAndAnswers(t *testing.T) {
	th := startHub(t, HubConfig{}, "", nil)
	bob, _ := runClient(t, ClientConfig{Link: th.Links.Drive, Name: "bob"})
	awaitEvent(t, bob, isType(TypeConnected), "connected")
	ann := join(t, th, key(t, th.Links.Attend), "ann")

	bob.Send(Frame{Type: TypeNav, Kind: KindCursor, To: loc("a.go", 1)})
	bob.Send(Frame{Type: TypeNav, Kind: KindCursor, To: loc("a.go", 2)})
	bob.Send(jump("a.go", 3))
	ann.await(isNav(1), "jump")
	// A cursor older than a jump never comes after it.
	bob.Send(Frame{Type: TypeNav, Kind: KindCursor, To: loc("a.go", 4)})
	if f := ann.await(isType(TypeNav), "cursor"); f.Kind != KindCursor || string(f.To) != string(loc("a.go", 4)) {
		t.Fatalf("nav after the jump: %s %s, want the cursor at line 4", f.Kind, f.To)
	}

	// ann asks bob; bob's proxy answers from its Events.
	ann.send(Frame{Type: TypeAsk, Ref: "q", Method: "fetch", Params: json.RawMessage(`{"path":"a.go"}`), DeadlineMS: 5000})
	q := awaitEvent(t, bob, isType(TypeAsk), "question")
	if q.By != "ann" || q.Method != "fetch" {
		t.Fatalf("question: %+v", q)
	}
	bob.Send(Frame{Type: TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`"package a"`)})
	if a := ann.await(isType(TypeAnswer), "answer"); a.Ref != "q" || string(a.Result) != `"package a"` {
		t.Fatalf("answer: %+v", a)
	}

	// bob asks ann, who answers with an error.
	res := make(chan error, 1)
	go func() {
		_, err := bob.Ask(context.Background(), "ann", "hover", nil)
		res <- err
	}()
	q = ann.await(isType(TypeAsk), "question")
	ann.send(Frame{Type: TypeAnswer, Ref: q.Ref, Error: "no gopls here"})
	var ae *AnswerError
	if err := <-res; !errors.As(err, &ae) || ae.Message != "no gopls here" {
		t.Fatalf("Ask: %v", err)
	}
}

func TestClientAskWhileDisconnected(t *testing.T) {
	c, err := NewClient(ClientConfig{Link: "http://127.0.0.1:1/s/demo?key=k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ask(context.Background(), "", "m", nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Ask: %v, want ErrNotConnected", err)
	}
}

func TestOutboxKeepsWhatMatters(t *testing.T) {
	o := outbox{wake: make(chan struct{}, 1)}
	cursor := func(line int) Frame { return Frame{Type: TypeNav, Kind: KindCursor, To: loc("a.go", line)} }
	// Offline: one move survives, the newest; answers are dropped; the
	// follow state goes with the hello.
	o.push(jump("a.go", 1))
	o.push(Frame{Type: TypeDrive})
	o.push(jump("a.go", 2))
	o.push(Frame{Type: TypeAnswer, Ref: "x"})
	o.push(cursor(3))
	o.push(cursor(4))
	o.push(Frame{Type: TypeFollow, Following: true})
	if h := o.hello(Frame{Type: TypeHello}); !h.Following {
		t.Error("hello does not carry the follow state")
	}
	got := o.take()
	if len(got) != 3 || got[0].Type != TypeDrive || string(got[1].To) != string(loc("a.go", 2)) || string(got[2].To) != string(loc("a.go", 4)) {
		t.Errorf("offline outbox gave %+v", got)
	}

	// Online: everything in order, bounded.
	o.setOnline(true)
	o.push(jump("a.go", 5))
	o.push(jump("a.go", 6))
	o.push(Frame{Type: TypeFollow, Following: false})
	if got := o.take(); len(got) != 3 || got[2].Type != TypeFollow || got[2].Following {
		t.Errorf("online outbox gave %+v", got)
	}
	for i := range backlogSize {
		if !o.push(jump("a.go", i)) {
			t.Fatalf("push %d refused", i)
		}
	}
	if o.push(jump("a.go", 0)) {
		t.Error("push beyond the backlog accepted")
	}
}

func TestParseLink(t *testing.T) {
	for _, c := range []struct{ link, hub, session, key string }{
		{"http://127.0.0.1:7777/s/demo?key=abc", "http://127.0.0.1:7777", "demo", "abc"},
		{"https://example.com/lspshare/s/team-1/?key=a-b_c", "https://example.com/lspshare", "team-1", "a-b_c"},
	} {
		hub, session, key, err := ParseLink(c.link)
		if err != nil || hub != c.hub || session != c.session || key != c.key {
			t.Errorf("ParseLink(%q) = %q %q %q %v", c.link, hub, session, key, err)
		}
	}
	for _, link := range []string{
		"", "127.0.0.1:7777/s/demo?key=SECRET", "ftp://h/s/demo?key=SECRET", "http://h/x/demo?key=SECRET",
		"http://h/s/demo", "http://h/s/../x?key=SECRET", "http:///s/demo?key=SECRET", "http://h/s/demo?key=SECRET%zz",
	} {
		_, _, _, err := ParseLink(link)
		if err == nil {
			t.Errorf("ParseLink(%q) succeeded", link)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("ParseLink(%q) error shows the key: %v", link, err)
		}
	}
}
