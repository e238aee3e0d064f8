package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lspshare/lspshare/internal/child"
	"github.com/lspshare/lspshare/internal/goenv"
	"github.com/lspshare/lspshare/internal/relayio"
)

// ErrNoServer reports that no language server is configured or can be found.
var ErrNoServer = errors.New("no language server")

// GoplsInstall is the command that installs gopls, for messages to the user.
const GoplsInstall = "go install golang.org/x/tools/gopls@latest"

// FindServer resolves the command of a language server. A bare name is looked
// up on PATH and then in the Go install folders ($GOBIN, $GOPATH/bin), because
// editors often start with a PATH that lacks them.
func FindServer(name string) (string, error) {
	if strings.ContainsRune(name, filepath.Separator) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoServer, err)
		}
		return name, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range goBinDirs() {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %q is not on PATH nor in $GOBIN or $GOPATH/bin", ErrNoServer, name)
}

func goBinDirs() []string {
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if vars, err := goenv.Read("GOBIN", "GOPATH"); err == nil {
		if vars["GOBIN"] != "" {
			dirs = append(dirs, vars["GOBIN"])
		}
		for _, p := range filepath.SplitList(vars["GOPATH"]) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	return dirs
}

// server is a running language server process.
type server struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	done   chan struct{} // closed when the process has exited
	err    error         // exit status, set before done closes
}

// startServer starts the language server command with stderr passed through
// (to the proxy's own log stream, never to the editor). The process is bound
// to ctx and, as far as the system allows, to the proxy's life (see
// child.Start), so no orphan outlives a killed proxy.
func startServer(ctx context.Context, argv []string, stderr io.Writer) (*server, error) {
	path, err := FindServer(argv[0])
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return child.Terminate(cmd.Process) }
	cmd.WaitDelay = 2 * time.Second
	// This side's ends of the pipes are non-blocking (os.Pipe), read and
	// written through relayio, as lspshare lsp's own standard streams are:
	// a relay whose reads all wait in Go's poller costs a third less CPU per
	// round trip than one whose threads block in read, and raw system calls
	// a third less again (docs/performance.md, "Relay"). exec.Cmd's
	// StdinPipe would hide the File.
	fromServer, serverOut, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	serverIn, toServer, err := os.Pipe()
	if err != nil {
		fromServer.Close()
		serverOut.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	cmd.Stdin, cmd.Stdout = serverIn, serverOut
	err = child.Start(cmd)
	serverIn.Close() // the server's ends are the server's now
	serverOut.Close()
	if err != nil {
		fromServer.Close()
		toServer.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	s := &server{cmd: cmd, stdin: relayio.Wrap(toServer), stdout: relayio.Wrap(fromServer), done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// stop ends the server: it closes its input (a language server exits at the
// end of its input), then signals it if it has not gone after grace.
func (s *server) stop(grace time.Duration) {
	s.stdin.Close()
	select {
	case <-s.done:
		return
	case <-time.After(grace):
	}
	child.Terminate(s.cmd.Process)
	select {
	case <-s.done:
	case <-time.After(grace):
		child.Kill(s.cmd.Process)
		<-s.done
	}
}
