package share

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// runLink runs a Link of name on link with its socket in dir until the
// returned stop is called (or the test ends).
func runLink(t testing.TB, link, name, dir string) (*Link, context.CancelFunc) {
	t.Helper()
	return runLinkAt(t, link, name, dir, t.TempDir())
}

// runLinkAt is runLink for a workspace at root.
func runLinkAt(t testing.TB, link, name, dir, root string) (*Link, context.CancelFunc) {
	t.Helper()
	l, err := New(Config{Hub: hubclient.Config{Link: link, Name: name}, Workspace: Workspace{Root: root}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(ctx)
	}()
	stop := func() {
		cancel()
		for range l.Events() { // until Run closes it
		}
		<-done
	}
	t.Cleanup(stop)
	return l, stop
}

// await returns l's first event that match accepts.
func await(t *testing.T, l *Link, match func(wire.Frame) bool, what string) wire.Frame {
	t.Helper()
	deadline := time.NewTimer(hubtest.WaitFor)
	defer deadline.Stop()
	for {
		select {
		case f, ok := <-l.Events():
			if !ok {
				t.Fatalf("link stopped while waiting for %s", what)
			}
			if match(f) {
				return f
			}
		case <-deadline.C:
			t.Fatalf("no %s within %v", what, hubtest.WaitFor)
		}
	}
}

func isConnected(f wire.Frame) bool { return f.Type == wire.TypeConnected }

// connectedNames lists a state frame's connected participants.
func connectedNames(f wire.Frame) []string {
	var names []string
	for _, p := range f.Participants {
		if p.Connected {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

func namesAre(want ...string) func(wire.Frame) bool {
	return func(f wire.Frame) bool { return f.Type == wire.TypeState && slices.Equal(connectedNames(f), want) }
}

// testDir is a runtime directory of the test's, mode 0700.
func testDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Two links of one name on one link and one runtime directory are one
// participant; the socket is the user's alone.
func TestOneConnection(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	dir := testDir(t)
	first, _ := runLink(t, th.Links.Attend, "ann", dir)
	await(t, first, isConnected, "the first link connected")
	second, _ := runLink(t, th.Links.Attend, "ann", dir)
	if got := await(t, second, isConnected, "the second link connected"); got.Name != "ann" {
		t.Errorf("second link is %q, want ann", got.Name)
	}
	nav := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "nav")
	nav.Await(namesAre("ann", "nav"), "a state with ann and nav")

	// ann's place is where either proxy went last.
	for _, move := range []struct {
		l    *Link
		path string
	}{{second, "b.go"}, {first, "a.go"}, {second, "c.go"}} {
		move.l.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindOpen, To: hubtest.Loc(move.path, 1)})
		nav.Await(func(f wire.Frame) bool {
			p, ok := hubtest.ParticipantIn(f, "ann")
			return ok && strings.Contains(string(p.Place), move.path)
		}, "ann's place at "+move.path)
	}

	sock := filepath.Join(dir, endpointKey(th.Links.Attend, "ann")+".sock")
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s has mode %v, want a socket with 0600", sock, fi.Mode())
	}
}

// The holder ends: the other link takes the connection over as the same
// participant, and a jump made meanwhile reaches it.
func TestTakeOver(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	dir := testDir(t)
	first, stopFirst := runLink(t, th.Links.Attend, "ann", dir)
	await(t, first, isConnected, "the first link connected")
	second, _ := runLink(t, th.Links.Attend, "ann", dir)
	await(t, second, isConnected, "the second link connected")
	nav := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "nav")
	nav.Await(namesAre("ann", "nav"), "a state with ann and nav")
	second.SetFollowing(true)
	nav.Await(func(f wire.Frame) bool { p, ok := hubtest.ParticipantIn(f, "ann"); return ok && p.Following }, "ann following")

	stopFirst()
	nav.Send(hubtest.Jump("a.go", 7))
	if got := await(t, second, isConnected, "the second link connected itself"); got.Name != "ann" {
		t.Errorf("after the takeover the link is %q, want ann", got.Name)
	}
	jump := await(t, second, func(f wire.Frame) bool { return f.Type == wire.TypeNav && f.Kind == wire.KindJump }, "the jump")
	if jump.Elsewhere {
		t.Error("the only link left got the jump marked Elsewhere")
	}
	members, err := th.Participants("demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 {
		t.Errorf("the hub knows %d participants (%v), want ann and nav", len(members), members)
	}
	// A state made now says how the takeover's hello left ann.
	nav.Send(wire.Frame{Type: wire.TypeHand, Raised: true})
	st := nav.Await(func(f wire.Frame) bool {
		p, ok := hubtest.ParticipantIn(f, "nav")
		return ok && !p.Hand.IsZero()
	}, "a state with nav's hand up")
	if p, _ := hubtest.ParticipantIn(st, "ann"); !p.Connected || !p.Following {
		t.Errorf("after the takeover the hub has ann %+v, want connected and following", p)
	}
}

// A socket that is not this user's own (another owner, or not a socket)
// is never attached to: the link holds a connection of its own.
func TestForeignSocketRefused(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	sockOf := func(dir string) string { return filepath.Join(dir, endpointKey(th.Links.Attend, "ann")+".sock") }
	t.Run("not a socket", func(t *testing.T) {
		dir := testDir(t)
		if err := os.WriteFile(sockOf(dir), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		l, _ := runLink(t, th.Links.Attend, "ann", dir)
		await(t, l, isConnected, "connected alone")
		if fi, err := os.Lstat(sockOf(dir)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("the file in the socket's place was replaced: %v %v", fi, err)
		}
	})
	t.Run("another owner", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("making a file of another user's needs root")
		}
		dir := testDir(t)
		first, _ := runLink(t, th.Links.Attend, "ann", dir)
		await(t, first, isConnected, "the first link connected")
		if err := os.Chown(sockOf(dir), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		second, _ := runLink(t, th.Links.Attend, "ann", dir)
		if got := await(t, second, isConnected, "the second link connected"); got.Name != "ann-2" {
			t.Errorf("the second link is %q, want ann-2 (a connection of its own)", got.Name)
		}
	})
	t.Run("a directory others may enter", func(t *testing.T) {
		dir := testDir(t)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := newEndpoint(dir, "k"); err == nil {
			t.Error("a runtime directory with mode 0755 was accepted")
		}
	})
}

// A socket left by a holder that was killed (no process listens, nobody
// holds the lock) is replaced by the next proxy, which then holds.
func TestStaleSocketReplaced(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	dir := testDir(t)
	sock := filepath.Join(dir, endpointKey(th.Links.Attend, "ann")+".sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	first, _ := runLink(t, th.Links.Attend, "ann", dir)
	await(t, first, isConnected, "the first link connected")
	second, _ := runLink(t, th.Links.Attend, "ann", dir)
	if got := await(t, second, isConnected, "the second link connected"); got.Name != "ann" {
		t.Errorf("second link is %q, want ann (attached to the first)", got.Name)
	}
}

// A request of another participant's for a file of the navigator's, or
// an LSP request about one (definition, hover, references), goes to the
// proxy whose workspace has the file; one about a file neither has, to the
// one in use (here b, attached last).
func TestAskedOfTheFilesHolder(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	dir := testDir(t)
	rootA, rootB := t.TempDir(), t.TempDir()
	for root, name := range map[string]string{rootA: "a.go", rootB: "b.go"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("package x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := runLinkAt(t, th.Links.Drive, "ann", dir, rootA)
	await(t, a, isConnected, "a connected")
	b, _ := runLinkAt(t, th.Links.Drive, "ann", dir, rootB)
	await(t, b, func(f wire.Frame) bool { return f.Type == wire.TypeState && f.Navigator == "ann" }, "ann at the wheel")
	fileAsk := func(path string) (string, json.RawMessage) {
		params, err := json.Marshal(files.Question{Location: location.Location{Space: location.Workspace, Path: path}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return files.AskMethod, params
	}
	lspAsk := func(method string) func(string) (string, json.RawMessage) {
		return func(path string) (string, json.RawMessage) {
			uri := location.PortableURI(location.Location{Space: location.Workspace, Path: path})
			return wire.AskLSP, json.RawMessage(fmt.Sprintf(`{"method":%q,"params":{"textDocument":{"uri":%q},"position":{"line":0,"character":8}}}`, method, uri))
		}
	}
	asks := map[*Link][]string{}
	for _, q := range []struct {
		path string
		ask  func(string) (string, json.RawMessage)
		want *Link
	}{
		{"b.go", fileAsk, b}, {"a.go", fileAsk, a}, {"b.go", fileAsk, b},
		{"b.go", lspAsk("textDocument/definition"), b}, {"a.go", lspAsk("textDocument/hover"), a},
		{"b.go", lspAsk("textDocument/references"), b}, {"c.go", lspAsk("textDocument/hover"), b},
	} {
		method, params := q.ask(q.path)
		answered := make(chan error, 1)
		go func() {
			// The hub's own asks take a file chunk for an answer: every
			// ask here gets one, which also crosses the local socket for
			// the attached link.
			c, err := th.AskNavigator(context.Background(), "demo", method, params)
			if err == nil && string(c.Data) != "package x\n" {
				err = fmt.Errorf("the chunk came as %q", c.Data)
			}
			answered <- err
		}()
		ask := await(t, q.want, func(f wire.Frame) bool { return f.Type == wire.TypeAsk }, "the ask about "+q.path)
		asks[q.want] = append(asks[q.want], ask.Method+" "+q.path)
		q.want.Send(wire.Frame{Type: wire.TypeAnswer, Ref: ask.Ref, Chunk: &wire.Chunk{Size: 10, Data: []byte("package x\n")}})
		if err := <-answered; err != nil {
			t.Fatal(err)
		}
	}
	// Each link's asks come in order: one that went astray would have come
	// to the other before that one's next.
	wantA := []string{"file a.go", "lsp a.go"}
	wantB := []string{"file b.go", "file b.go", "lsp b.go", "lsp b.go", "lsp c.go"}
	if !slices.Equal(asks[a], wantA) || !slices.Equal(asks[b], wantB) {
		t.Errorf("asks reached a: %v, b: %v; want a: %v, b: %v", asks[a], asks[b], wantA, wantB)
	}
}
