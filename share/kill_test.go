//go:build unix

package share

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// holderEnv makes the test binary a proxy's link that holds the hub
// connection until killed: "LINK NAME DIR".
const holderEnv = "LSPSHARE_TEST_HOLDER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(holderEnv); spec != "" {
		os.Exit(hold(spec))
	}
	os.Exit(m.Run())
}

// hold runs a link, says "connected" on stdout when it is, and drains its
// events until the process is killed.
func hold(spec string) int {
	link, rest, _ := strings.Cut(spec, " ")
	name, dir, _ := strings.Cut(rest, " ")
	l, err := New(Config{Hub: hubclient.Config{Link: link, Name: name}, Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	go func() {
		for f := range l.Events() {
			if f.Type == wire.TypeConnected {
				fmt.Println("connected")
			}
		}
	}()
	if err := l.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 1
}

// startHolder starts a process holding name's hub connection on link with
// its socket in dir, once it is connected.
func startHolder(t *testing.T, link, name, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+link+" "+name+" "+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "connected\n" {
		t.Fatalf("the holder process did not connect: %q %v", line, err)
	}
	return cmd
}

// The person's jumps in a proxy attached to a holder that is killed
// (SIGKILL) amid them reach the trail through the next holder, each once
// and in order: those the old holder took, or was taking, the hub had not
// acknowledged included.
func TestNoMoveLostOnTakeover(t *testing.T) {
	const n = 400
	// Twice the jumps at once, when they go again, are no flood, and their
	// fan-out and acknowledgements fit the queues.
	th := hubtest.StartHub(t, hub.Config{FrameBurst: 4 * n, SendQueue: 4 * n}, "", nil)
	dir := testDir(t)
	holder := startHolder(t, th.Links.Drive, "ann", dir)
	member, _ := runLink(t, th.Links.Drive, "ann", dir)
	await(t, member, isConnected, "the member attached")
	watcher := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "watcher")

	for line := 1; line <= n; line++ {
		member.Send(hubtest.Jump("a.go", line))
		if line == n/2 {
			holder.Process.Kill()
		}
	}
	if err := holder.Wait(); err == nil {
		t.Fatal("the holder exited cleanly on SIGKILL")
	}
	// A last jump, sent once the member holds: the moves resent come
	// before it.
	await(t, member, isConnected, "the member holding the connection")
	member.Send(hubtest.Jump("a.go", n+1))
	defer func() {
		tr, _ := th.Trail("demo")
		t.Logf("trail %d", len(tr))
		for _, e := range tr[max(0, len(tr)-3):] {
			t.Logf("%s", e.To)
		}
	}()
	watcher.Await(func(f wire.Frame) bool { return f.Type == wire.TypeNav && lineOf(t, f.To) == n+1 }, "the last jump")

	trail, err := th.Trail("demo")
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, e := range trail {
		lines = append(lines, lineOf(t, e.To))
	}
	if len(lines) != n+1 {
		t.Errorf("the trail has %d jumps, want %d", len(lines), n+1)
	}
	for i, line := range lines {
		if line != i+1 {
			t.Fatalf("jump %d of the trail is to line %d, want %d (trail: %v)", i+1, line, i+1, lines)
		}
	}
}

func lineOf(t *testing.T, to json.RawMessage) int {
	t.Helper()
	var loc location.Location
	if err := json.Unmarshal(to, &loc); err != nil {
		t.Fatalf("a jump's location %s: %v", to, err)
	}
	return int(loc.Range.Start.Line)
}
