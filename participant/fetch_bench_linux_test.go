//go:build linux

package participant_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// BenchmarkFetch measures bringing a file of 1 MiB and one of 4 MiB (the
// cap) from the navigator's proxy through the hub, in chunks, as an
// attendee's proxy does. MB/s is the file's bytes per second; besides, the
// CPU time per fetch of the navigator's proxy (holder-cpu-ms/op) and of
// this process, the hub and the asking client (hub+asker-cpu-ms/op), which
// on a busy machine say more than the time.
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
	nav := startAttendee(b, ctx, sb, "nav", links.Drive, "none")
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
			holder, self := -cpuOf(b, nav.PID()), -selfCPU()
			for b.Loop() {
				data, err := files.FetchRemote(ctx, loc, fetchAsk(c))
				if err != nil || len(data) != size {
					b.Fatalf("fetch: %d bytes, %v", len(data), err)
				}
			}
			holder, self = holder+cpuOf(b, nav.PID()), self+selfCPU()
			b.ReportMetric(float64(holder.Microseconds())/1e3/float64(b.N), "holder-cpu-ms/op")
			b.ReportMetric(float64(self.Microseconds())/1e3/float64(b.N), "hub+asker-cpu-ms/op")
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

// cpuOf is the CPU time process pid has used.
func cpuOf(b *testing.B, pid int) time.Duration {
	d, err := lsptest.CPUTime(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
