package participant_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/internal/netfault"
	"github.com/lspshare/lspshare/wire"
)

// answerWithin is how long an editor waits for an answer in these tests:
// longer than the proxy's own bound on a remote answer (10s), far shorter
// than anything an editor would call hung.
const answerWithin = 15 * time.Second

// linkDelay delays every chunk between the attendee and the hub, each way,
// as a link across the internet does.
const linkDelay = 3 * time.Millisecond

// holder is a navigator driven by the test: a session client whose
// questions the test sees and answers (or not).
type holder struct {
	*hubclient.Conn
	asks chan wire.Frame
	stop context.CancelFunc
	done chan struct{} // closed when the client has stopped
}

// startHolder connects a navigator, the same participant every time (so
// that it keeps the wheel across its departures).
func startHolder(t *testing.T, ctx context.Context, link string) *holder {
	t.Helper()
	c, err := hubclient.New(hubclient.Config{Link: link, ID: "h", Name: "holder"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(ctx)
	h := &holder{Conn: c, asks: make(chan wire.Frame, 16), stop: stop, done: make(chan struct{})}
	go c.Run(ctx)
	go func() { // ends when Run closes Events
		defer close(h.done)
		for f := range c.Events() {
			if f.Type == wire.TypeAsk {
				select {
				case h.asks <- f:
				default:
					t.Errorf("more questions than the test asked: %s", f.Method)
				}
			}
		}
	}()
	t.Cleanup(h.leave)
	return h
}

// leave disconnects the holder and waits until it has.
func (h *holder) leave() {
	h.stop()
	<-h.done
}

// remoteRig is an attendee without a language server of its own, its proxy
// running with GOMAXPROCS=1 and reaching the hub through a slowed cable,
// in a test process that runs on one thread too.
type remoteRig struct {
	att   *editor
	cab   *netfault.Link
	drive string // the hub's own drive link
	join  string // the attendee's link, through the cable
}

func newRemoteRig(t *testing.T, ctx context.Context) *remoteRig {
	t.Helper()
	prev := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	_, links, base := startHub(t)
	cab := newCable(t, strings.TrimPrefix(base, "http://"))
	cab.SetLatency(linkDelay)
	sb := brokenDemo(t)
	sb.SetEnv(setEnv(sb.Env(), "GOMAXPROCS", "1"))
	r := &remoteRig{cab: cab, drive: links.Drive, join: strings.Replace(links.Attend, base, "http://"+cab.Addr(), 1)}
	r.att = startAttendee(t, ctx, sb, "att", r.join, "none")
	if err := r.att.Notify("textDocument/didOpen", sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	return r
}

// answer is what the editor got for one request.
type answer struct {
	m   lsptest.Message
	err error
}

// ask joins the session afresh and, as soon as the editor is told that the
// state matches ok, asks for a definition. It leaves first, so that the
// states that follow are the new connection's: until the leave, the old one
// may report a holder, and a question asked on that word while the join
// replaces the connection rightly finds nobody to ask.
func (r *remoteRig) ask(t *testing.T, ctx context.Context, ok func(state) bool) <-chan answer {
	t.Helper()
	if _, err := r.att.command(t, ctx, "lspshare.leave"); err != nil {
		t.Fatal(err)
	}
	since := r.att.Since()
	if _, err := r.att.command(t, ctx, "lspshare.join", r.join); err != nil {
		t.Fatal(err)
	}
	r.att.awaitState(t, ctx, since, func(s state) bool { return s.Connected && ok(s) })
	return askDefinition(t, ctx, r.att)
}

// askDefinition asks e for a definition in main.go. The answer comes on the
// channel, or an error once answerWithin has passed.
func askDefinition(t *testing.T, ctx context.Context, e *editor) <-chan answer {
	t.Helper()
	pending, err := e.Send("textDocument/definition", e.sb.At(t, "main.go", "Hello("))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan answer, 1)
	go func() { // ends by answerWithin at the latest
		ctx, cancel := context.WithTimeout(ctx, answerWithin)
		defer cancel()
		m, err := pending.Wait(ctx)
		got <- answer{m, err}
	}()
	return got
}

// holderThere accepts a state in which the holder holds the wheel, connected
// or gone as connected says.
func holderThere(connected bool) func(state) bool {
	return func(s state) bool {
		for _, p := range s.Participants {
			if p.Name == "holder" {
				return s.Wheel == "holder" && p.Connected == connected
			}
		}
		return false
	}
}

// awaitQuestion returns the question the holder got from the attendee's
// editor, failing if the editor was answered without the holder being
// asked although its state said that the holder was there.
func awaitQuestion(t *testing.T, h *holder, got <-chan answer) wire.Frame {
	t.Helper()
	select {
	case f := <-h.asks:
		return f
	case a := <-got:
		t.Fatalf("the editor was answered before the holder was asked: %s (%v)", a.m.Raw, a.err)
	}
	panic("unreachable")
}

// wantError checks that the editor got an LSP error, in time.
func wantError(t *testing.T, got <-chan answer, why string) {
	t.Helper()
	a := <-got
	switch {
	case a.err != nil:
		t.Fatalf("%s: no answer: %v", why, a.err)
	case a.m.Error == nil:
		t.Fatalf("%s: answered %s, want an error", why, a.m.Raw)
	}
}

// TestRemoteAnswerRaces runs the ways a remote answer can fail, many times over,
// with the attendee's proxy and this process each on one thread and a slow
// link to the hub: whatever happens to the holder or the link, the editor
// gets an answer or an LSP error, and never a local "no server" while its
// state says that a holder is there to ask.
func TestRemoteAnswerRaces(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, ctx context.Context, r *remoteRig)
	}{
		{"holder gone mid-question", func(t *testing.T, ctx context.Context, r *remoteRig) {
			for range 20 {
				h := startHolder(t, ctx, r.drive)
				got := r.ask(t, ctx, holderThere(true))
				awaitQuestion(t, h, got)
				h.leave()
				wantError(t, got, "holder gone")
			}
		}},
		{"holder never answers", func(t *testing.T, ctx context.Context, r *remoteRig) {
			h := startHolder(t, ctx, r.drive)
			got := r.ask(t, ctx, holderThere(true))
			awaitQuestion(t, h, got) // and no answer: the deadline ends it
			wantError(t, got, "silent holder")
		}},
		{"hub link dropped mid-question", func(t *testing.T, ctx context.Context, r *remoteRig) {
			h := startHolder(t, ctx, r.drive)
			for range 10 {
				got := r.ask(t, ctx, holderThere(true))
				q := awaitQuestion(t, h, got)
				r.cab.Cut()
				wantError(t, got, "link dropped")
				r.cab.Mend()
				// Too late: the hub has nobody to give it to.
				h.Send(wire.Frame{Type: wire.TypeAnswer, Ref: q.Ref, Result: json.RawMessage(`[]`)})
			}
		}},
		{"no holder", func(t *testing.T, ctx context.Context, r *remoteRig) {
			wantError(t, r.ask(t, ctx, func(s state) bool { return s.Wheel == "" }), "nobody ever held the wheel")
			for range 10 {
				h := startHolder(t, ctx, r.drive)
				got := r.ask(t, ctx, holderThere(true))
				h.leave() // while the question is on its way
				wantError(t, got, "holder leaving")
				wantError(t, r.ask(t, ctx, holderThere(false)), "holder gone before the question")
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			defer cancel()
			c.run(t, ctx, newRemoteRig(t, ctx))
		})
	}
}
