package hubclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	. "github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/netfault"
	"github.com/lspshare/lspshare/wire"
)

// internetLatency is a link across a continent, each way.
const internetLatency = 50 * time.Millisecond

// overLink is a client of th's session whose connection goes through a
// link of its own, delayed each way by latency.
func overLink(t testing.TB, th *hubtest.Hub, link, name string, latency time.Duration) (*Conn, *netfault.Link) {
	t.Helper()
	return overLinkWith(t, th, Config{Link: link, Name: name}, latency)
}

// overLinkWith is overLink with more of the client's configuration.
func overLinkWith(t testing.TB, th *hubtest.Hub, cfg Config, latency time.Duration) (*Conn, *netfault.Link) {
	t.Helper()
	l, err := netfault.New(strings.TrimPrefix(th.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.SetLatency(latency)
	cfg.Link = strings.Replace(cfg.Link, th.URL, "http://"+l.Addr(), 1)
	cfg.ID = "id-" + cfg.Name
	c, _ := hubtest.RunConn(t, cfg)
	hubtest.AwaitEvent(t, c, hubtest.IsType(wire.TypeConnected), cfg.Name+" connected")
	return c, l
}

// jumpTo is a jump to symbol.
func jumpTo(symbol string, line int) wire.Frame {
	return wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: hubtest.Loc("a.go", line), Symbol: symbol}
}

// answerAsks answers every question c is asked with the question's params,
// until c stops.
func answerAsks(c *Conn) {
	for f := range c.Events() {
		if f.Type == wire.TypeAsk {
			c.Send(wire.Frame{Type: wire.TypeAnswer, Ref: f.Ref, Result: f.Params})
		}
	}
}

// At 50 ms each way, for the navigator and the attendee alike, the
// attendee follows every jump and its questions get the navigator's
// answers.
func TestOverSlowLinks(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	bob, _ := overLink(t, th, th.Links.Drive, "bob", internetLatency)
	ann, _ := overLink(t, th, th.Links.Attend, "ann", internetLatency)
	ann.SetFollowing(true)
	for i := range 3 {
		bob.Send(jumpTo(fmt.Sprint("F", i), i))
		hubtest.AwaitEvent(t, ann, func(f wire.Frame) bool { return f.Type == wire.TypeNav && f.Symbol == fmt.Sprint("F", i) }, "jump")
	}
	go answerAsks(bob)
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.WaitFor)
	defer cancel()
	got, err := ann.Ask(ctx, "", "lsp", json.RawMessage(`{"method":"textDocument/definition"}`))
	if err != nil || string(got) != `{"method":"textDocument/definition"}` {
		t.Fatalf("a question over slow links: %s, %v", got, err)
	}
}

// A cut of everyone's link to the hub loses no jump: the jumps the
// navigator makes meanwhile wait in its proxy, go to the hub once the link
// is back, and reach the attendee each once, in order, and the trail
// holds each once. 3 s is a link that drops; 10 s, a laptop that sleeps.
// Afterwards, the attendee follows on.
func TestCutLosesNoJump(t *testing.T) {
	for _, cutFor := range []time.Duration{3 * time.Second, 10 * time.Second} {
		t.Run(fmt.Sprint("cut=", cutFor), func(t *testing.T) {
			t.Parallel()
			cutLosesNoJump(t, cutFor)
		})
	}
}

func cutLosesNoJump(t *testing.T, cutFor time.Duration) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	bob, bobLink := overLink(t, th, th.Links.Drive, "bob", internetLatency)
	ann, annLink := overLink(t, th, th.Links.Attend, "ann", internetLatency)
	ann.SetFollowing(true)
	bob.Send(jumpTo("before", 1))
	hubtest.AwaitEvent(t, ann, hubtest.IsNav(1), "the jump before the cut")

	outage := time.After(cutFor) // as long as the scenario says
	bobLink.Cut()
	annLink.Cut()
	for _, c := range []*Conn{bob, ann} {
		hubtest.AwaitEvent(t, c, hubtest.IsType(wire.TypeDisconnected), "disconnected")
	}
	const during = 10
	for i := range during {
		bob.Send(jumpTo(fmt.Sprint("J", i), 10+i))
	}
	<-outage
	mended := time.Now()
	bobLink.Mend()
	annLink.Mend()
	for i := range during {
		f := hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeNav), "a jump made during the cut")
		if f.Symbol != fmt.Sprint("J", i) || f.Seq != uint64(2+i) {
			t.Fatalf("after the cut ann got seq %d %s, want seq %d J%d", f.Seq, f.Symbol, 2+i, i)
		}
	}
	t.Logf("ann caught up %v after the link came back", time.Since(mended).Round(time.Millisecond))
	bob.Send(jumpTo("after", 30))
	f := hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeNav), "the jump after the cut")
	if f.Symbol != "after" || f.Seq != 2+during {
		t.Fatalf("after catching up ann got seq %d %s, want seq %d after", f.Seq, f.Symbol, 2+during)
	}
	trail, err := th.Trail("demo")
	if err != nil || len(trail) != 2+during {
		t.Fatalf("trail of %d jumps (%v), want %d", len(trail), err, 2+during)
	}
}

// BenchmarkFollowLatency: from a jump sent by the navigator's proxy to
// the attendee's proxy receiving it (ns/op), on loopback and across links of
// 50 ms each way (the floor is 100 ms: two links), with p50 and p99.
func BenchmarkFollowLatency(b *testing.B) {
	for _, latency := range []time.Duration{0, internetLatency} {
		b.Run(fmt.Sprintf("link=%v", latency), func(b *testing.B) {
			th := hubtest.StartHub(b, hub.Config{}, "", nil)
			bob, _ := overLink(b, th, th.Links.Drive, "bob", latency)
			ann, _ := overLink(b, th, th.Links.Attend, "ann", latency)
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			for i := range b.N {
				sent := time.Now()
				bob.Send(jumpTo(fmt.Sprint("F", i), i))
				hubtest.AwaitEvent(b, ann, hubtest.IsNav(uint64(i+1)), "jump")
				lat[i] = time.Since(sent)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[b.N/2].Microseconds())/1e3, "p50-ms")
			b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1e3, "p99-ms")
		})
	}
}

// BenchmarkCatchUpAfterCut: links of 50 ms each way are cut for cutFor
// while the navigator jumps; from the links' return, the time until the
// attendee's proxy is connected again (ms-to-reconnect) and until it has
// that jump (ms-to-catch-up: the navigator's proxy reconnects too and sends
// the jump again; the attendee gets it live or replayed). retry=quick is
// the default policy; retry=doubling doubles the wait from the first
// failure, as the proxies did before, for a side-by-side figure.
func BenchmarkCatchUpAfterCut(b *testing.B) {
	for _, policy := range []struct {
		name  string
		quick int
	}{{"quick", 0}, {"doubling", -1}} {
		for _, cutFor := range []time.Duration{time.Second, 3 * time.Second, 10 * time.Second} {
			b.Run(fmt.Sprintf("retry=%s/cut=%v", policy.name, cutFor), func(b *testing.B) {
				catchUpAfterCut(b, policy.quick, cutFor)
			})
		}
	}
}

func catchUpAfterCut(b *testing.B, quickRetries int, cutFor time.Duration) {
	th := hubtest.StartHub(b, hub.Config{}, "", nil)
	bob, bobLink := overLinkWith(b, th, Config{Link: th.Links.Drive, Name: "bob", QuickRetries: quickRetries}, internetLatency)
	ann, annLink := overLinkWith(b, th, Config{Link: th.Links.Attend, Name: "ann", QuickRetries: quickRetries}, internetLatency)
	var reconnect, catchUp time.Duration
	for i := range b.N {
		bobLink.Cut()
		annLink.Cut()
		hubtest.AwaitEvent(b, ann, hubtest.IsType(wire.TypeDisconnected), "disconnected")
		bob.Send(jumpTo(fmt.Sprint("J", i), i))
		time.Sleep(cutFor) // the outage
		mended := time.Now()
		bobLink.Mend()
		annLink.Mend()
		hubtest.AwaitEvent(b, ann, hubtest.IsType(wire.TypeConnected), "reconnected")
		reconnect += time.Since(mended)
		hubtest.AwaitEvent(b, ann, hubtest.IsNav(uint64(i+1)), "the jump made during the cut")
		catchUp += time.Since(mended)
	}
	b.ReportMetric(float64(reconnect)/float64(b.N)/1e6, "ms-to-reconnect")
	b.ReportMetric(float64(catchUp)/float64(b.N)/1e6, "ms-to-catch-up")
}
