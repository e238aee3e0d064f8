//go:build linux

package hub_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/wire"
)

// groupSize is the participants of each session in BenchmarkManyGroups:
// a navigator and nine attendees.
const groupSize = 10

// BenchmarkManyGroups measures one hub serving many sessions at once, as a
// hub for a community would: each session has a navigator and nine
// attendees, and every navigator jumps once a second and moves its cursor
// 20 times a second (at phases drawn at random). The participants live in
// a child process, so that this process is the hub alone (and its bbolt
// store, on disk in a temporary directory). Over a window of
// LSPSHARE_BENCH_GROUPS_SECONDS (10 by default) it reports the hub's CPU
// (hub-cores: CPU seconds per second), its resident memory at the end
// (hub-RSS-MB) and at its peak (hub-peak-RSS-MB), and the follow latency
// of jumps, from the navigator's write to each attendee's read: over all
// jumps (p50-ms, p99-ms) and per session (the median and the worst of the
// sessions' own p99, session-p99-median-ms, session-p99-max-ms), the hub's
// own share of it, from reading a jump to writing it to each attendee
// (hub-move-p50-ms, hub-move-p99-ms, from the lspshare_hub_move_delay_seconds
// histogram on its /metrics, to the bucket: about 12%); and the
// participants' process's CPU (participants-cores), the jumps it sent
// per session and second (jumps/s/session: 1 when it keeps up) and the
// cursor frames an attendee got a second (cursors/s/attendee).
//
// Each size runs twice in turn: with the hub's default CursorInterval
// (cursors=paced, at most 10 a second to each participant) and with none
// (cursors=all, every one of the navigator's 20), so that what pacing
// saves is measured side by side.
func BenchmarkManyGroups(b *testing.B) {
	for _, n := range []int{10, 50, 100, 200} {
		for _, pace := range []struct {
			name     string
			interval time.Duration
		}{{"paced", 0}, {"all", -1}} {
			b.Run(fmt.Sprintf("sessions=%d/cursors=%s", n, pace.name), func(b *testing.B) { benchManyGroups(b, n, pace.interval) })
		}
	}
}

// groupSpec is what the child process is told of each session.
type groupSpec struct {
	Name   string `json:"name"`
	Drive  string `json:"drive"`
	Attend string `json:"attend"`
}

// groupResult is what the child process reports of the window.
type groupResult struct {
	Sessions [][]time.Duration `json:"sessions"` // each session's follow latencies
	Dropped  int               `json:"dropped"`  // connections that ended early
	Jumps    int               `json:"jumps"`    // jumps the navigators sent
	Cursors  int               `json:"cursors"`  // cursor frames the attendees got
	CPU      time.Duration     `json:"cpu"`      // the child's own CPU time
}

func benchManyGroups(b *testing.B, n int, cursorInterval time.Duration) {
	cfg := benchConfig
	cfg.CursorInterval = cursorInterval
	cfg.FrameRate, cfg.FrameBurst = 0, 0 // navigators send 21 frames a second: the default limit holds
	cfg.Store = benchStore(b, "bolt")
	th := hubtest.StartHub(b, cfg, "", nil)
	specs := make([]groupSpec, n)
	for i := range specs {
		name := fmt.Sprintf("g%d", i)
		links, err := th.CreateSession(name)
		if err != nil {
			b.Fatal(err)
		}
		specs[i] = groupSpec{Name: name, Drive: hubtest.Key(b, links.Drive), Attend: hubtest.Key(b, links.Attend)}
	}
	window := 10 * time.Second
	if s := os.Getenv("LSPSHARE_BENCH_GROUPS_SECONDS"); s != "" {
		secs, err := strconv.Atoi(s)
		if err != nil || secs < 1 {
			b.Fatalf("LSPSHARE_BENCH_GROUPS_SECONDS=%q: want a whole number of seconds", s)
		}
		window = time.Duration(secs) * time.Second
	}
	child := startGroups(b, th.URL, specs, window)

	for b.Loop() { // one window per run, whatever b.N: use -benchtime 1x
	}
	child.expect(b, "measuring")
	cpu0, wall0, delays0 := cpuTime(), time.Now(), moveDelays(b, th.URL)
	line := child.expect(b, "done ")
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	delays := moveDelays(b, th.URL)
	for r, n := range delays0 {
		delays[r] -= n
	}
	rss, peak := memoryOfSelf(b)
	var res groupResult
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "done ")), &res); err != nil {
		b.Fatal(err)
	}
	if res.Dropped > 0 {
		b.Errorf("%d participants' connections ended during the window", res.Dropped)
	}
	var all, sessionP99 []time.Duration
	for _, lat := range res.Sessions {
		if len(lat) == 0 {
			b.Fatalf("a session's attendees got no jump in %v", window)
		}
		slices.Sort(lat)
		sessionP99 = append(sessionP99, lat[len(lat)*99/100])
		all = append(all, lat...)
	}
	slices.Sort(all)
	slices.Sort(sessionP99)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "hub-cores")
	b.ReportMetric(rss, "hub-RSS-MB")
	b.ReportMetric(peak, "hub-peak-RSS-MB")
	b.ReportMetric(ms(all[len(all)/2]), "p50-ms")
	b.ReportMetric(ms(all[len(all)*99/100]), "p99-ms")
	b.ReportMetric(ms(sessionP99[len(sessionP99)/2]), "session-p99-median-ms")
	b.ReportMetric(ms(sessionP99[len(sessionP99)-1]), "session-p99-max-ms")
	b.ReportMetric(delayQuantile(delays, 0.5)*1e3, "hub-move-p50-ms")
	b.ReportMetric(delayQuantile(delays, 0.99)*1e3, "hub-move-p99-ms")
	b.ReportMetric(float64(len(all)), "follows")
	// What the participants' process used, and how many of the jumps due
	// its navigators managed to send: on a busy machine it is the process
	// that falls behind first.
	b.ReportMetric(res.CPU.Seconds()/window.Seconds(), "participants-cores")
	b.ReportMetric(float64(res.Jumps)/(window.Seconds()*float64(n)), "jumps/s/session")
	b.ReportMetric(float64(res.Cursors)/(window.Seconds()*float64(n*(groupSize-1))), "cursors/s/attendee")
}

// moveDelays reads the hub's lspshare_hub_move_delay_seconds histogram
// from its /metrics: the count of each bucket, by its upper bound in
// seconds.
func moveDelays(b *testing.B, hubURL string) map[float64]uint64 {
	b.Helper()
	const prefix = `lspshare_hub_move_delay_seconds_bucket{vmrange="`
	counts := map[float64]uint64{}
	for name, n := range scrape(b, hubURL) {
		bounds, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		_, upper, _ := strings.Cut(strings.TrimSuffix(bounds, `"}`), "...")
		hi, err := strconv.ParseFloat(upper, 64)
		if err != nil {
			b.Fatalf("/metrics: a bucket %q", name)
		}
		counts[hi] += uint64(n)
	}
	return counts
}

// delayQuantile is the upper bound of the bucket that holds quantile q of
// counts (the buckets are about 12% wide).
func delayQuantile(counts map[float64]uint64, q float64) float64 {
	var total uint64
	bounds := make([]float64, 0, len(counts))
	for hi, n := range counts {
		total += n
		bounds = append(bounds, hi)
	}
	slices.Sort(bounds)
	var seen uint64
	for _, hi := range bounds {
		if seen += counts[hi]; float64(seen) >= q*float64(total) {
			return hi
		}
	}
	return 0
}

// memoryOfSelf returns this process's resident memory now and at its
// peak, in MB (VmRSS and VmHWM).
func memoryOfSelf(b *testing.B) (rss, peak float64) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		key, value, _ := strings.Cut(line, ":")
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		switch {
		case err != nil:
		case key == "VmRSS":
			rss = kb * 1024 / 1e6
		case key == "VmHWM":
			peak = kb * 1024 / 1e6
		}
	}
	return rss, peak
}

// groupsChild is the child process of startGroups.
type groupsChild struct {
	out *bufio.Reader
}

// expect reads the child's next line, which must start with prefix.
func (c groupsChild) expect(b *testing.B, prefix string) string {
	b.Helper()
	line, err := c.out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, prefix) {
		b.Fatalf("groups process: %q, %v; want %q", line, err, prefix)
	}
	return strings.TrimSuffix(line, "\n")
}

// startGroups starts a child process holding the participants of every
// session in specs, and waits until they are all connected. The child
// then warms up for a second, says "measuring", runs for window, and says
// "done" with its groupResult. It stops with the benchmark.
func startGroups(b *testing.B, hubURL string, specs []groupSpec, window time.Duration) groupsChild {
	b.Helper()
	spec, err := json.Marshal(specs)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "groups.json")
	if err := os.WriteFile(file, spec, 0o600); err != nil {
		b.Fatal(err)
	}
	return groupsChild{out: startHelper(b, "TestHelperGroups",
		"LSPSHARE_HELPER_HUB="+hubURL,
		"LSPSHARE_HELPER_GROUPS="+file,
		"LSPSHARE_HELPER_WINDOW="+window.String())}
}

// TestHelperGroups is the child process of startGroups; it does nothing in
// a normal test run.
func TestHelperGroups(t *testing.T) {
	file := os.Getenv("LSPSHARE_HELPER_GROUPS")
	if file == "" {
		t.Skip("helper process for benchmarks")
	}
	hubURL := os.Getenv("LSPSHARE_HELPER_HUB")
	window, err := time.ParseDuration(os.Getenv("LSPSHARE_HELPER_WINDOW"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var specs []groupSpec
	if err := json.Unmarshal(data, &specs); err != nil {
		t.Fatal(err)
	}
	groups := make([]*group, len(specs))
	for i, s := range specs {
		if groups[i], err = joinGroup(hubURL, s); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("ready")

	stop := make(chan struct{})
	var navs sync.WaitGroup
	for _, g := range groups {
		navs.Add(1)
		go func() {
			defer navs.Done()
			g.navigate(stop)
		}()
	}
	time.Sleep(time.Second) // warm up; what came before is not counted
	for _, g := range groups {
		g.record(true)
	}
	fmt.Println("measuring")
	cpu0 := cpuTime()
	time.Sleep(window)
	res := groupResult{CPU: cpuTime() - cpu0}
	for _, g := range groups {
		lat, jumps, cursors := g.record(false)
		res.Sessions = append(res.Sessions, lat)
		res.Jumps += jumps
		res.Cursors += cursors
		res.Dropped += g.dropped()
	}
	close(stop)
	navs.Wait()
	out, _ := json.Marshal(res)
	fmt.Printf("done %s\n", out)
	os.Stdin.Read(make([]byte, 1)) // until the parent closes stdin
	for _, g := range groups {
		g.close()
	}
}

// group is one session's participants in the child process.
type group struct {
	nav   *websocket.Conn
	conns []*websocket.Conn // the navigator's and the attendees'
	wg    sync.WaitGroup    // the readers

	mu        sync.Mutex
	recording bool
	lat       []time.Duration
	jumps     int // sent while recording
	cursors   int // got by attendees while recording
	ended     int // readers whose connection ended
}

// joinGroup connects a session's navigator and attendees, each welcomed
// before it returns, and starts reading for them.
func joinGroup(hubURL string, s groupSpec) (*group, error) {
	g := &group{}
	url := "ws" + strings.TrimPrefix(hubURL, "http") + "/s/" + s.Name + "/ws"
	for i := range groupSize {
		key := s.Attend
		if i == 0 {
			key = s.Drive
		}
		ws, _, err := websocket.DefaultDialer.Dial(url, map[string][]string{"Authorization": {"Bearer " + key}})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		hello, _ := json.Marshal(wire.Frame{Type: wire.TypeHello, ID: fmt.Sprintf("%s-%d", s.Name, i), Name: "p", Following: i > 0})
		if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
			return nil, err
		}
		if _, _, err := ws.ReadMessage(); err != nil { // the welcome
			return nil, err
		}
		g.conns = append(g.conns, ws)
		g.wg.Add(1)
		go g.read(ws, i > 0)
	}
	g.nav = g.conns[0]
	return g, nil
}

// read reads what a participant gets, the latency of every jump (its
// symbol is the time the navigator sent it) and, for an attendee, the
// cursors.
func (g *group) read(ws *websocket.Conn, attendee bool) {
	defer g.wg.Done()
	defer func() {
		g.mu.Lock()
		g.ended++
		g.mu.Unlock()
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if head := string(data[:min(len(data), 100)]); !strings.Contains(head, `"kind":"jump"`) {
			if attendee && strings.Contains(head, `"kind":"cursor"`) {
				g.mu.Lock()
				if g.recording {
					g.cursors++
				}
				g.mu.Unlock()
			}
			continue
		}
		f, err := wire.DecodeFrame(data)
		sent, perr := strconv.ParseInt(f.Symbol, 10, 64)
		if err != nil || perr != nil {
			continue
		}
		took := time.Duration(time.Now().UnixNano() - sent)
		g.mu.Lock()
		if g.recording {
			g.lat = append(g.lat, took)
		}
		g.mu.Unlock()
	}
}

// navigate moves the navigator's cursor every 50 ms and jumps every
// twentieth time, from a random phase, until stop.
func (g *group) navigate(stop <-chan struct{}) {
	time.Sleep(rand.N(time.Second))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		f := wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("main.go", i%500)}
		if i%20 == 0 {
			f.Kind, f.Symbol = wire.KindJump, strconv.FormatInt(time.Now().UnixNano(), 10)
			g.mu.Lock()
			if g.recording {
				g.jumps++
			}
			g.mu.Unlock()
		}
		data, _ := json.Marshal(f)
		if g.nav.WriteMessage(websocket.TextMessage, data) != nil {
			return
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// record starts recording (on), or stops and returns the latencies, the
// jumps sent and the cursors got since it started.
func (g *group) record(on bool) ([]time.Duration, int, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.recording = on
	lat, jumps, cursors := g.lat, g.jumps, g.cursors
	g.lat, g.jumps, g.cursors = nil, 0, 0
	return lat, jumps, cursors
}

func (g *group) dropped() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ended
}

func (g *group) close() {
	for _, ws := range g.conns {
		ws.Close()
	}
	g.wg.Wait()
}
