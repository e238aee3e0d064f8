package hub_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"

	"github.com/gorilla/websocket"
)

// benchConfig lifts the per-participant rate limit, which a benchmark's
// driver would exceed on purpose.
var benchConfig = Config{FrameRate: 1e9, FrameBurst: 1e9}

// BenchmarkFanOut measures how long a jump takes from the navigator's
// socket to every follower's, over real loopback websockets, with the
// followers in this process, and the process's CPU time per jump (the
// hub's, the followers' and the store's). Each size runs on the memory store and then on
// bbolt in a temporary directory, so that what the disk costs fan-out is
// measured side by side, in one run.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		for _, store := range []string{"mem", "bolt"} {
			b.Run(fmt.Sprintf("followers=%d/store=%s", n, store), func(b *testing.B) {
				benchFanOut(b, n, benchStore(b, store))
			})
		}
	}
}

// benchStore returns a new store of the kind named ("mem" or "bolt"); a
// bbolt store is closed when the benchmark ends, after the hub (cleanups
// run last-registered first).
func benchStore(b *testing.B, kind string) store.Store {
	if kind == "mem" {
		return store.NewMemStore()
	}
	st, err := store.OpenBoltStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := st.Close(); err != nil {
			b.Error(err)
		}
	})
	return st
}

func benchFanOut(b *testing.B, n int, store store.Store) {
	cfg := benchConfig
	cfg.Store = store
	th := hubtest.StartHub(b, cfg, "", nil)
	drive, attend := hubtest.Key(b, th.Links.Drive), hubtest.Key(b, th.Links.Attend)
	bob := hubtest.Join(b, th, drive, "bob")

	var sentAt atomic.Int64 // UnixNano of the jump in flight
	arrived := make(chan time.Duration, n)
	var wg sync.WaitGroup
	b.Cleanup(wg.Wait) // runs after the connections below are closed
	for i := range n {
		ws, _, err := hubtest.DialHub(th, attend, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		hello, _ := json.Marshal(wire.Frame{Type: wire.TypeHello, ID: strconv.Itoa(i), Name: "f"})
		ws.WriteMessage(websocket.TextMessage, hello)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if bytes.HasPrefix(data, []byte(`{"type":"nav"`)) {
					arrived <- time.Duration(time.Now().UnixNano() - sentAt.Load())
				}
			}
		}()
		b.Cleanup(func() { ws.Close() })
	}
	awaitParticipants(b, bob, n+1)

	jumpFrame, _ := json.Marshal(hubtest.Jump("main.go", 1))
	var lat []time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		sentAt.Store(time.Now().UnixNano())
		if err := bob.WS.WriteMessage(websocket.TextMessage, jumpFrame); err != nil {
			b.Fatal(err)
		}
		for range n {
			lat = append(lat, <-arrived)
		}
	}
	jumps := len(lat) / n
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(jumps), "cpu-µs/jump")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// awaitParticipants waits until p sees a state listing n connected
// participants.
func awaitParticipants(tb testing.TB, p *hubtest.Peer, n int) {
	tb.Helper()
	p.Await(hubtest.StateWhere(func(f wire.Frame) bool {
		connected := 0
		for _, q := range f.Participants {
			if q.Connected {
				connected++
			}
		}
		return connected == n
	}), fmt.Sprintf("%d participants", n))
}

// BenchmarkHubIdleParticipantMemory measures the hub's heap and stacks per
// connected, idle participant. The participants live in a child process so
// their memory is not counted.
func BenchmarkHubIdleParticipantMemory(b *testing.B) {
	const n = 1000
	th := hubtest.StartHub(b, benchConfig, "", nil)
	bob := hubtest.Join(b, th, hubtest.Key(b, th.Links.Drive), "bob")
	before := inUse()
	startClients(b, th, n)
	awaitParticipants(b, bob, n+1)
	after := inUse()
	for b.Loop() { // the measurement is above; b.Loop would reset a metric reported before it
	}
	b.ReportMetric(float64(after-before)/n/1024, "KiB/participant")
}

// inUse returns the heap and stack bytes in use after a collection.
func inUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// BenchmarkHubCPUCursor measures the hub's CPU time per second of wall time
// while the navigator's cursor moves 20 times a second and 1000
// followers (in a child process) receive it.
func BenchmarkHubCPUCursor(b *testing.B) {
	const n = 1000
	th := hubtest.StartHub(b, benchConfig, "", nil)
	bob := hubtest.Join(b, th, hubtest.Key(b, th.Links.Drive), "bob")
	startClients(b, th, n)
	awaitParticipants(b, bob, n+1)

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	cpu0, wall0 := cpuTime(), time.Now()
	line := 0
	for b.Loop() {
		line++
		f, _ := json.Marshal(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("main.go", line)})
		if err := bob.WS.WriteMessage(websocket.TextMessage, f); err != nil {
			b.Fatal(err)
		}
		<-tick.C
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	b.ReportMetric(float64(cpu.Milliseconds())/wall.Seconds(), "cpu-ms/s")
}

// startClients starts a child process holding n attendees connected to th,
// reading everything they get. It stops with the benchmark.
func startClients(b *testing.B, th *hubtest.Hub, n int) {
	b.Helper()
	startHelper(b, "TestHelperClients",
		"LSPSHARE_HELPER_HUB="+th.URL,
		"LSPSHARE_HELPER_KEY="+hubtest.Key(b, th.Links.Attend),
		"LSPSHARE_HELPER_N="+strconv.Itoa(n))
}

// startHelper runs the test named test of this binary in a child process
// with env added, and waits for its first line, "ready". The child stops
// when its standard input closes, with the benchmark; the reader gives what
// it prints after "ready".
func startHelper(b *testing.B, test string, env ...string) *bufio.Reader {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || line != "ready\n" {
		b.Fatalf("%s process: %q %v", test, line, err)
	}
	return out
}

// TestHelperClients is the child process of startClients; it does nothing
// in a normal test run.
func TestHelperClients(t *testing.T) {
	hub := os.Getenv("LSPSHARE_HELPER_HUB")
	if hub == "" {
		t.Skip("helper process for benchmarks")
	}
	n, _ := strconv.Atoi(os.Getenv("LSPSHARE_HELPER_N"))
	th := &hubtest.Hub{URL: hub}
	var wg sync.WaitGroup
	var conns []*websocket.Conn
	for i := range n {
		ws, _, err := hubtest.DialHub(th, os.Getenv("LSPSHARE_HELPER_KEY"), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, ws)
		hello, _ := json.Marshal(wire.Frame{Type: wire.TypeHello, ID: "helper-" + strconv.Itoa(i), Name: "f"})
		ws.WriteMessage(websocket.TextMessage, hello)
		if _, _, err := ws.ReadMessage(); err != nil { // the welcome
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	fmt.Println("ready")
	os.Stdin.Read(make([]byte, 1)) // until the parent closes stdin
	for _, ws := range conns {
		ws.Close()
	}
	wg.Wait()
}

// BenchmarkAskRoundTrip measures a question from one client to the wheel
// holder's client and back through a hub on loopback, the holder answering
// at once: the transport's share of a remote LSP answer.
func BenchmarkAskRoundTrip(b *testing.B) {
	th := hubtest.StartHub(b, Config{}, "", nil)
	holder, _ := hubtest.RunConn(b, hubclient.Config{Link: th.Links.Drive, ID: "h", Name: "holder"})
	asker, _ := hubtest.RunConn(b, hubclient.Config{Link: th.Links.Attend, ID: "a", Name: "asker"})
	hubtest.AwaitEvent(b, holder, hubtest.IsType(wire.TypeConnected), "holder connected")
	hubtest.AwaitEvent(b, asker, func(f wire.Frame) bool { return f.Type == wire.TypeState && f.Navigator == "holder" }, "asker sees the wheel")
	go func() {
		for f := range holder.Events() {
			if f.Type == wire.TypeAsk {
				holder.Send(wire.Frame{Type: wire.TypeAnswer, Ref: f.Ref, Result: json.RawMessage(`{"ok":true}`)})
			}
		}
	}()
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := asker.Ask(ctx, "", "ping", json.RawMessage(`{}`)); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}
