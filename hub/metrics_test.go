package hub_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/wire"
)

// wantDrops checks the hub's drop counter for reason as a scraper reads it:
// GET /metrics over the hub's listener, in the Prometheus text format.
func wantDrops(t *testing.T, th *hubtest.Hub, reason DropReason, want uint64) {
	t.Helper()
	got, ok := scrape(t, th.URL)[fmt.Sprintf(`lspshare_hub_drops_total{reason=%q}`, reason)]
	if !ok {
		t.Fatalf("/metrics has no counter for %s", reason)
	}
	if got != float64(want) {
		t.Errorf("drops for %s: %v, want %d", reason, got, want)
	}
}

// scrape reads a /metrics page into name{labels} → value.
func scrape(t testing.TB, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("/metrics line %q is not NAME VALUE", line)
		}
		m[line[:i]] = v
	}
	return m
}

func TestMetricsListEveryReason(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	m := scrape(t, th.URL)
	for _, r := range DropReasons {
		if v, ok := m[fmt.Sprintf(`lspshare_hub_drops_total{reason=%q}`, r)]; !ok || v != 0 {
			t.Errorf("%s: %v %v, want 0 listed", r, v, ok)
		}
	}
	if m["lspshare_hub_connections"] != 1 {
		t.Errorf("connections %v, want 1", m["lspshare_hub_connections"])
	}
}

// TestMetricsCountSuperseded: a cursor that a newer one replaces before it
// was written is counted; the newer one is what the watcher gets.
func TestMetricsCountSuperseded(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	w, err := th.Watch("demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for line := range 3 {
		bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", line)})
	}
	bob.Send(wire.Frame{Type: wire.TypeLocate, Ref: "sync", Name: "bob"})
	bob.Await(hubtest.IsType(wire.TypeLocated), "located")
	wantDrops(t, th, DropSuperseded, 2)
	ctx := t.Context()
	for {
		b, err := w.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f, _ := wire.DecodeFrame(b); f.Kind == wire.KindCursor {
			if string(f.To) != string(hubtest.Loc("a.go", 2)) {
				t.Errorf("cursor %s, want the newest", f.To)
			}
			return
		}
	}
}

// TestMetricsMoveDelay: every jump written to a follower is one
// observation of the hub's own delay; cursors and other frames are none.
func TestMetricsMoveDelay(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	attend := hubtest.Key(t, th.Links.Attend)
	ann, cid := hubtest.Join(t, th, attend, "ann"), hubtest.Join(t, th, attend, "cid")
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", 1)})
	for line := 2; line <= 4; line++ {
		bob.Send(hubtest.Jump("a.go", line))
	}
	for _, p := range []*hubtest.Peer{ann, cid} {
		p.Await(hubtest.IsNav(3), "the third jump")
	}
	// Counted once the write has returned, which may be after the
	// follower's read: wait for the count, then see that no more come.
	deadline := time.Now().Add(5 * time.Second)
	got := 0.0
	for got < 6 && time.Now().Before(deadline) {
		got = scrape(t, th.URL)["lspshare_hub_move_delay_seconds_count"]
	}
	bob.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: hubtest.Loc("a.go", 5)})
	ann.Await(hubtest.IsType(wire.TypeNav), "the last cursor")
	if got = scrape(t, th.URL)["lspshare_hub_move_delay_seconds_count"]; got != 6 {
		t.Errorf("move delays observed: %v, want 6 (3 jumps to 2 followers)", got)
	}
}
