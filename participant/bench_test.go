package participant_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
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

// BenchmarkFetch measures bringing a file of 1 MiB and one of 4 MiB (the
// cap) from the navigator's proxy through the hub, in chunks, as an
// attendee's proxy does. MB/s is the file's bytes per second.
func BenchmarkFetch(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, links, _ := startHubWith(b, benchHub)
	sb := lsptest.NewDemo(b)
	sizes := []int{1 << 20, files.DefaultMaxSize}
	for _, size := range sizes {
		big := make([]byte, size)
		for i := range big {
			big[i] = 'a' + byte(i%26)
		}
		if err := os.WriteFile(filepath.Join(sb.Workdir, fmt.Sprintf("big%d.txt", size>>20)), big, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	startAttendee(b, ctx, sb, "nav", links.Drive, "none")
	c, err := hubclient.New(hubclient.Config{Link: links.Attend, ID: "bench", Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	cctx, ccancel := context.WithCancel(ctx)
	defer ccancel()
	go c.Run(cctx)
	for f := range c.Events() {
		if f.Type == wire.TypeState && f.Navigator == "nav" {
			break
		}
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("MiB=%d", size>>20), func(b *testing.B) {
			loc := location.Location{Space: location.Workspace, Path: fmt.Sprintf("big%d.txt", size>>20)}
			b.SetBytes(int64(size))
			for b.Loop() {
				data, err := files.FetchRemote(ctx, loc, fetchAsk(c))
				if err != nil || len(data) != size {
					b.Fatalf("fetch: %d bytes, %v", len(data), err)
				}
			}
		})
	}
}

// fetchAsk asks for chunks through c.
func fetchAsk(c *hubclient.Conn) files.AskFunc {
	return func(ctx context.Context, method string, params json.RawMessage) ([]byte, int64, error) {
		chunk, err := c.AskChunk(ctx, "", method, params)
		return chunk.Data, chunk.Size, err
	}
}
