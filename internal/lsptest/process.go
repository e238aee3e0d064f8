package lsptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/child"
	"github.com/lspshare/lspshare/internal/goenv"
)

// Options configure a server process started by Start.
type Options struct {
	// Dir is the working directory (default: the test's).
	Dir string
	// Env is the whole environment (default: the test's). Use Sandbox.Env.
	Env []string
	// Handlers override DefaultHandlers (see Connect).
	Handlers map[string]Handler
}

// Process is a language server (or lspshare) process with a Client on its
// stdio.
type Process struct {
	*Editor
	Cmd *exec.Cmd

	exited chan struct{} // closed once the process has been waited for
	err    error         // its exit status, set before exited closes
	stderr *LockedBuffer
}

// Start runs argv as a process with a Client on its stdin and stdout, and
// collects its stderr. When the test ends the process is told to stop (its
// input closes), killed if it lingers, and its stderr logged if the test
// failed.
func Start(t testing.TB, argv []string, o Options) *Process {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = o.Dir, o.Env
	// Plain os.Pipes rather than cmd's pipes: Wait must not wait for
	// readers, nor for grandchildren that inherited stderr.
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", argv[0], err)
	}
	inR.Close()
	outW.Close()
	errW.Close()

	p := &Process{Cmd: cmd, exited: make(chan struct{}), stderr: &LockedBuffer{}}
	copied := make(chan struct{})
	go func() {
		io.Copy(p.stderr, errR)
		errR.Close()
		close(copied)
	}()
	go func() {
		p.err = cmd.Wait()
		// Let the process's last words reach Stderr before Wait returns;
		// a grandchild that inherited stderr may keep it open, so only
		// for a moment.
		select {
		case <-copied:
		case <-time.After(time.Second):
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		outR.Close()
		if t.Failed() {
			const tail = 16 << 10
			log := p.Stderr()
			log = log[max(0, len(log)-tail):]
			t.Logf("stderr of %s (pid %d), last %d bytes:\n%s", filepath.Base(argv[0]), cmd.Process.Pid, tail, log)
		}
	})
	p.Editor = Connect(t, outR, inW, o.Handlers)
	return p
}

// PID is the process id.
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Stderr returns what the process wrote to stderr so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Wait waits for the process to exit and returns its exit status.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.exited:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("pid %d still running: %w", p.PID(), ctx.Err())
	}
}

// Shutdown ends the session as an editor does: the shutdown request, the
// exit notification, then waits for the process to exit and returns its
// exit status.
func (p *Process) Shutdown(ctx context.Context) error {
	if _, err := p.Call(ctx, "shutdown", nil); err != nil {
		return err
	}
	if err := p.Notify("exit", nil); err != nil {
		return err
	}
	return p.Wait(ctx)
}

// stop closes the process's input and kills it if it does not exit soon.
func (p *Process) stop() {
	p.Editor.Close()
	select {
	case <-p.exited:
		return
	case <-time.After(5 * time.Second):
	}
	p.Cmd.Process.Kill()
	<-p.exited
}

// LockedBuffer is a bytes.Buffer safe for concurrent writers and readers,
// for logs and stderr that tests read while a process writes.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Gopls returns the path of the gopls binary: on PATH, in $GOBIN, or in
// $GOPATH/bin. When there is none the test is skipped, or fails when the
// environment variable CI is "true".
func Gopls(t testing.TB) string {
	t.Helper()
	return NeedTool(t, "gopls", "go install golang.org/x/tools/gopls@v0.23.0")
}

// NeedTool returns the path of a program a test needs: on PATH, in $GOBIN,
// or in $GOPATH/bin. When it is missing the test is skipped with how to
// install it, or fails when the environment variable CI is "true": there a
// missing tool is a broken set-up, never a reason to test less.
func NeedTool(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{hostGoEnv(t, "GOBIN"), filepath.Join(hostGoEnv(t, "GOPATH"), "bin")} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); dir != "" && err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(t, fmt.Sprintf("%s not found on PATH nor in $GOBIN or $GOPATH/bin; install it with: %s", name, install))
	return ""
}

// Missing ends a test that lacks something it needs: a skip on a
// developer's machine, a failure when the environment variable CI is
// "true".
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

var hostEnv = struct {
	once sync.Once
	vars map[string]string
	err  error
}{}

// hostGoEnv returns a variable of the test machine's own Go environment.
func hostGoEnv(t testing.TB, name string) string {
	t.Helper()
	hostEnv.once.Do(func() {
		hostEnv.vars, hostEnv.err = goenv.Read("GOBIN", "GOPATH", "GOCACHE", "GOMODCACHE", "GOROOT")
	})
	if hostEnv.err != nil {
		t.Fatal(hostEnv.err)
	}
	return hostEnv.vars[name]
}

// build holds the lspshare binary built for this test binary.
var build struct {
	main bool // Main is in charge: it removes dir at the end
	once sync.Once
	dir  string
	path string
	err  error
}

// Lspshare returns the path of an lspshare binary built from this module,
// once per test binary. The package's TestMain must call Main, which removes
// the binary at the end.
func Lspshare(t testing.TB) string {
	t.Helper()
	if !build.main {
		t.Fatal("lsptest.Lspshare needs TestMain to call lsptest.Main(m)")
	}
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "lsptest-bin-")
		if build.err != nil {
			return
		}
		path := filepath.Join(build.dir, "lspshare")
		args := []string{"build", "-o", path}
		if os.Getenv("LSPSHARE_TEST_RACE") != "" {
			args = append(args, "-race") // the race detector in the proxies the tests start
		}
		out, err := exec.Command("go", append(args, "github.com/lspshare/lspshare/cmd/lspshare")...).CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build lspshare: %v\n%s", err, out)
			return
		}
		build.path = path
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// fakeServerFlag makes a test binary run as FakeServer instead of its tests.
const fakeServerFlag = "-lsptest.fake-server="

// Main runs the tests of a package that uses Lspshare, FakeServer or
// CopyRelay, and
// exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { lsptest.Main(m) }
func Main(m *testing.M) {
	if len(os.Args) == 2 && strings.HasPrefix(os.Args[1], fakeServerFlag) {
		if err := runFakeServer(os.Stdin, os.Stdout, strings.TrimPrefix(os.Args[1], fakeServerFlag)); err != nil {
			fmt.Fprintln(os.Stderr, "fake server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if len(os.Args) > 2 && os.Args[1] == copyRelayFlag {
		if err := runCopyRelay(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "copy relay:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	build.main = true
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// copyRelayFlag makes a test binary run as CopyRelay instead of its tests.
const copyRelayFlag = "-lsptest.copy-relay"

// CopyRelay returns a command line that runs server behind a relay that
// copies bytes both ways and does nothing else: the least any process
// between an editor and its server costs, to compare a proxy with. It is
// this test binary run again (the package's TestMain must call Main).
func CopyRelay(t testing.TB, server []string) []string {
	t.Helper()
	if !build.main {
		t.Fatal("lsptest.CopyRelay needs TestMain to call lsptest.Main(m)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe, copyRelayFlag}, server...)
}

func runCopyRelay(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(cmd); err != nil {
		return err
	}
	go io.Copy(os.Stdout, out) // ends when the server exits
	io.Copy(in, os.Stdin)
	in.Close()
	return cmd.Wait()
}
