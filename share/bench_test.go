package share

import (
	"slices"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/wire"
)

// BenchmarkFollowLatency measures, side by side in one run, how long a
// navigator's jump takes to reach an attendee's own hub connection
// (direct), a holder's participant (through the in-memory pipe) and an
// attached proxy's (through the holder and the Unix socket): each jump
// reaches all three. It reports each one's median. Keep -benchtime within
// the hub's burst of 400 frames: beyond it the navigator is slowed to 200
// a second, which is then what is measured.
func BenchmarkFollowLatency(b *testing.B) {
	th := hubtest.StartHub(b, hub.Config{}, "", nil)
	nav := hubtest.Join(b, th, hubtest.Key(b, th.Links.Drive), "nav")
	direct, _ := hubtest.RunConn(b, hubclient.Config{Link: th.Links.Attend, Name: "direct"})
	dir := testDir(b)
	holder, _ := runLink(b, th.Links.Attend, "ann", dir)
	benchAwait(b, holder.Events(), wire.TypeConnected)
	member, _ := runLink(b, th.Links.Attend, "ann", dir)
	benchAwait(b, member.Events(), wire.TypeConnected)
	nav.Await(namesAre("ann", "direct", "nav"), "everyone connected")

	var times [3][]time.Duration
	for b.Loop() {
		sent := time.Now()
		nav.Send(hubtest.Jump("a.go", 1))
		arrivals := [3]chan time.Time{make(chan time.Time, 1), make(chan time.Time, 1), make(chan time.Time, 1)}
		for i, events := range []<-chan wire.Frame{direct.Events(), holder.Events(), member.Events()} {
			go func() { arrivals[i] <- benchAwait(b, events, wire.TypeNav) }()
		}
		for i := range arrivals {
			times[i] = append(times[i], (<-arrivals[i]).Sub(sent))
		}
	}
	b.StopTimer()
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	b.ReportMetric(float64(median(times[0]).Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(median(times[1]).Microseconds()), "holder-p50-µs")
	b.ReportMetric(float64(median(times[2]).Microseconds()), "member-p50-µs")
}

// benchAwait returns when a frame of type typ arrives on events.
func benchAwait(b *testing.B, events <-chan wire.Frame, typ string) time.Time {
	for f := range events {
		if f.Type == typ {
			return time.Now()
		}
	}
	b.Error("events closed")
	return time.Time{}
}
