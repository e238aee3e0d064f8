package participant_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// benchHub lifts the hub's per-participant rate limit, which a benchmark
// asking questions back to back exceeds on purpose (no person asks 300
// definitions a second).
var benchHub = hub.Config{FrameRate: 1e9, FrameBurst: 1e9}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// BenchmarkRemoteDefinition measures, side by side in one run, the same
// definition asked of the navigator's own proxy (answered by its gopls) and
// of an attendee without gopls (answered by the navigator's gopls through
// the hub). It reports both latencies and what the remote path adds.
func BenchmarkRemoteDefinition(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, links, _ := startHubWith(b, benchHub)
	nav := startAttendee(b, ctx, lsptest.NewDemo(b), "nav", links.Drive, lsptest.Gopls(b))
	att := startAttendee(b, ctx, brokenDemo(b), "att", links.Attend, "none")
	for _, e := range []*editor{nav, att} {
		if err := e.Notify("textDocument/didOpen", e.sb.OpenParams(b, "main.go")); err != nil {
			b.Fatal(err)
		}
	}
	ask := func(e *editor) time.Duration {
		start := time.Now()
		raw, err := e.Call(ctx, "textDocument/definition", e.sb.At(b, "main.go", "Hello("))
		if err != nil || !strings.Contains(string(raw), "greet.go") {
			b.Fatalf("%s: %s %v", e.name, raw, err)
		}
		return time.Since(start)
	}
	for range 20 { // warm gopls and the hub path
		ask(nav)
		ask(att)
	}
	var local, remote []time.Duration
	b.ResetTimer()
	for b.Loop() {
		local = append(local, ask(nav))
		remote = append(remote, ask(att))
	}
	b.StopTimer()
	slices.Sort(local)
	slices.Sort(remote)
	b.ReportMetric(float64(percentile(local, 0.5).Microseconds()), "local-p50-µs")
	b.ReportMetric(float64(percentile(local, 0.99).Microseconds()), "local-p99-µs")
	b.ReportMetric(float64(percentile(remote, 0.5).Microseconds()), "remote-p50-µs")
	b.ReportMetric(float64(percentile(remote, 0.99).Microseconds()), "remote-p99-µs")
	b.ReportMetric(float64((percentile(remote, 0.5) - percentile(local, 0.5)).Microseconds()), "added-p50-µs")
}
