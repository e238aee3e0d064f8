package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// hubWait bounds each wait of the hub tests.
const hubWait = 20 * time.Second

// hubProcess is "lspshare hub" running as a child process.
type hubProcess struct {
	cmd    *exec.Cmd
	url    string
	drive  string
	attend string
	stderr *lsptest.LockedBuffer
	exited chan error
}

var (
	hubLine    = regexp.MustCompile(`^lspshare hub on (\S+)`)
	driveLine  = regexp.MustCompile(`drive link \(navigate\):\s+(\S+)`)
	attendLine = regexp.MustCompile(`attend link \(follow\):\s+(\S+)`)
)

// startHubProcess runs lspshare hub on addr with its store in dataDir and
// waits until it has printed the first session's links.
func startHubProcess(t *testing.T, addr, dataDir string) *hubProcess {
	t.Helper()
	return startHubArgv(t, nil, lsptest.Lspshare(t), "hub", "--addr", addr, "--data", dataDir)
}

// startHubArgv runs argv, a hub's command line, with env added to the
// test's environment, and waits until it has printed the first session's
// links.
func startHubArgv(t *testing.T, env []string, argv ...string) *hubProcess {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &hubProcess{cmd: cmd, stderr: &lsptest.LockedBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The reader takes the links from the hub's output, then drains it
	// until the hub exits.
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if h.attend != "" {
				continue
			}
			line := sc.Text()
			if m := hubLine.FindStringSubmatch(line); m != nil {
				h.url = m[1]
			}
			if m := driveLine.FindStringSubmatch(line); m != nil {
				h.drive = m[1]
			}
			if m := attendLine.FindStringSubmatch(line); m != nil {
				h.attend = m[1]
				close(ready)
			}
		}
		io.Copy(io.Discard, stdout)
		h.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-h.exited
	})
	select {
	case <-ready:
	case err := <-h.exited:
		h.exited <- err
		t.Fatalf("hub ended before printing its links (%v); stderr:\n%s", err, h.stderr)
	case <-time.After(hubWait):
		t.Fatalf("no links from the hub within %v; stderr:\n%s", hubWait, h.stderr)
	}
	return h
}

// signal stops the hub with sig and returns how it exited.
func (h *hubProcess) signal(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if err := h.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.exited:
		h.exited <- err // for the cleanup
		return err
	case <-time.After(hubWait):
		t.Fatalf("hub still running %v after %v", hubWait, sig)
		return nil
	}
}

// runClient connects a session client and returns it with its events.
func runClient(t *testing.T, link, name string) *hubclient.Conn {
	t.Helper()
	c, _ := hubtest.RunConn(t, hubclient.Config{Link: link, Name: name, ID: "id-" + name,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	return c
}

// awaitSeq reads c's events until a nav frame with seq at least min.
func awaitSeq(t *testing.T, c *hubclient.Conn, min uint64) uint64 {
	t.Helper()
	deadline := time.After(hubWait)
	for {
		select {
		case f, ok := <-c.Events():
			if !ok {
				t.Fatal("client stopped")
			}
			if f.Type == wire.TypeNav && f.Seq >= min {
				return f.Seq
			}
		case <-deadline:
			t.Fatalf("no jump %d within %v", min, hubWait)
		}
	}
}

// flood makes the navigator jump every few milliseconds until stop is
// closed: a steady stream of writes to the hub's store. It returns how many
// jumps it made, F0 to F(n-1).
func flood(c *hubclient.Conn, stop <-chan struct{}) int {
	tick := time.NewTicker(5 * time.Millisecond) // under the hub's rate limit
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return i
		case <-tick.C:
		}
		to := fmt.Sprintf(`{"space":"workspace","path":"f%d.go","range":{"start":{"line":%d,"character":0},"end":{"line":%d,"character":0}}}`, i%7, i%100, i%100)
		c.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: json.RawMessage(to), Symbol: fmt.Sprint("F", i)})
	}
}

// A hub killed with SIGKILL while a navigator floods it with jumps loses
// none of them: the store keeps a whole trail up to its last commit, the
// navigator's proxy sends again what the hub had not acknowledged (stored),
// and the hub drops what it has by the proxy's numbers, which it keeps with
// the participant in the same transaction. In the end every jump the
// navigator made is in the trail exactly once, in order. Started again on
// the same data, the hub prints the same links, and the proxies reconnect
// and carry on. Three kills, to land in the middle of a write more than
// once. A hub stopped with SIGTERM writes every jump first.
func TestHubSurvivesSIGKILL(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	hub := startHubProcess(t, addr, data)
	first := *hub

	bob := runClient(t, hub.drive, "bob")
	ann := runClient(t, hub.attend, "ann")
	stop := make(chan struct{})
	made := make(chan int, 1)
	go func() { made <- flood(bob, stop) }()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
			<-made
		}
	}()

	stored := 0
	for kill := 1; kill <= 3; kill++ {
		seen := awaitSeq(t, ann, uint64(stored)+30)
		if err := hub.signal(t, syscall.SIGKILL); err == nil {
			t.Fatal("hub exited cleanly on SIGKILL")
		}
		kept := checkTrail(t, data, uint64(stored))
		t.Logf("kill %d: ann saw jump %d, the store kept %d", kill, seen, kept)
		stored = kept
		if kill == 1 {
			out, err := exec.Command(lsptest.Lspshare(t), "sessions", "--data", data).CombinedOutput()
			if err != nil || !regexp.MustCompile(fmt.Sprintf(`(?m)^main\s.*\s%d\s`, stored)).Match(out) {
				t.Fatalf("lspshare sessions after SIGKILL: %v\n%s", err, out)
			}
		}
		hub = startHubProcess(t, addr, data)
		if hub.url != first.url || hub.drive != first.drive || hub.attend != first.attend {
			t.Errorf("links after restart differ:\n%s %s %s\n%s %s %s", first.url, first.drive, first.attend, hub.url, hub.drive, hub.attend)
		}
	}
	seen := awaitSeq(t, ann, uint64(stored)+20)
	close(stop)
	n := <-made
	if seen < uint64(n) { // the last jump, if the trail is right
		awaitSeq(t, ann, uint64(n))
	}
	if err := hub.signal(t, syscall.SIGTERM); err != nil {
		t.Errorf("hub on SIGTERM: %v; stderr:\n%s", err, hub.stderr)
	}
	if kept := checkTrail(t, data, uint64(n)); kept != n {
		t.Fatalf("the navigator made %d jumps, the trail holds %d", n, kept)
	}
	t.Logf("%d jumps made, each in the trail once, in order", n)
}

// checkTrail opens the store in data and checks that session main's trail
// is whole and holds each of the navigator's jumps once, in order: seq i+1
// is bob's jump to F(i), at least up to min. It returns the trail's length.
func checkTrail(t *testing.T, data string, min uint64) int {
	t.Helper()
	db, err := store.OpenBoltStore(data)
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	defer db.Close()
	trail, err := db.Trail("main", 0, 1<<30)
	if err != nil {
		t.Fatalf("trail: %v", err)
	}
	if uint64(len(trail)) < min {
		t.Fatalf("trail holds %d jumps, want at least %d", len(trail), min)
	}
	for i, e := range trail {
		if e.Seq != uint64(i+1) || e.By != "bob" || e.Symbol != fmt.Sprint("F", i) {
			t.Fatalf("trail entry %d: seq %d, %s's jump to %s; want seq %d, bob's jump to F%d", i, e.Seq, e.By, e.Symbol, i+1, i)
		}
	}
	return len(trail)
}

// freeAddr returns a loopback address with a port free now, for a hub that
// must come back on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
