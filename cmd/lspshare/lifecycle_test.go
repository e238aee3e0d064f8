//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

// TestNoOrphanServer ends the proxy in each way an editor or a system can,
// and checks that gopls goes with it.
func TestNoOrphanServer(t *testing.T) {
	gopls := lsptest.Gopls(t)
	lspshare := lsptest.Lspshare(t)
	sb := lsptest.NewDemo(t)
	for _, c := range []struct {
		name string
		end  func(t *testing.T, ctx context.Context, p *lsptest.Process)
	}{
		{"exit", func(t *testing.T, ctx context.Context, p *lsptest.Process) {
			if err := p.Shutdown(ctx); err != nil {
				t.Errorf("exit status after shutdown and exit: %v", err)
			}
		}},
		{"stdin closed", func(t *testing.T, ctx context.Context, p *lsptest.Process) {
			p.Editor.Close()
			if err := p.Wait(ctx); err != nil {
				t.Errorf("exit status after the end of input: %v", err)
			}
		}},
		{"SIGTERM", func(t *testing.T, ctx context.Context, p *lsptest.Process) {
			p.Cmd.Process.Signal(syscall.SIGTERM)
			if err := p.Wait(ctx); err != nil {
				t.Errorf("exit status after SIGTERM: %v", err)
			}
		}},
		{"SIGKILL", func(t *testing.T, ctx context.Context, p *lsptest.Process) {
			p.Cmd.Process.Kill()
			p.Wait(ctx)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			p := lsptest.Start(t, []string{lspshare, "lsp", "--server", gopls}, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
			if _, err := p.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
				t.Fatal(err)
			}
			// gopls answered initialize: it runs.
			children, err := lsptest.Children(p.PID())
			if err != nil || len(children) != 1 {
				t.Fatalf("children of the proxy: %+v, %v; want gopls", children, err)
			}
			c.end(t, ctx, p)
			select {
			case <-p.Exited():
			case <-ctx.Done():
				t.Fatal("the proxy did not exit")
			}
			if err := lsptest.AwaitGone(ctx, children[0]); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestNoServer checks that with no language server the editor still
// initializes, is told how to install gopls, gets errors for what needs a
// server, and shuts down cleanly.
func TestNoServer(t *testing.T) {
	lspshare := lsptest.Lspshare(t)
	sb := lsptest.NewDemo(t)
	for _, server := range []string{"none", "/nonexistent/gopls"} {
		t.Run(server, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			p := lsptest.Start(t, []string{lspshare, "lsp", "--server", server}, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
			since := p.Since()
			res, err := p.Initialize(ctx, lsptest.InitializeParams(sb.RootURI()))
			if err != nil {
				t.Fatal(err)
			}
			if cmds := commandsOf(t, res); !slices.Contains(cmds, "lspshare.status") {
				t.Errorf("initialize result %s lacks lspshare.status", res)
			}
			if _, err := p.Await(ctx, since, lsptest.ShowMessage(proxy.GoplsInstall)); err != nil {
				t.Errorf("no showMessage telling to %s: %v", proxy.GoplsInstall, err)
			}
			p.Notify("textDocument/didOpen", sb.OpenParams(t, "main.go"))
			var rpcErr *lsptest.RPCError
			if _, err := p.Call(ctx, "textDocument/definition", sb.At(t, "main.go", "Hello(")); !errors.As(err, &rpcErr) {
				t.Errorf("definition without a server: %v, want an error answer", err)
			}
			status, err := p.Call(ctx, "workspace/executeCommand", map[string]any{"command": "lspshare.status"})
			if err != nil || !json.Valid(status) {
				t.Errorf("lspshare.status = %s, %v", status, err)
			}
			if err := p.Shutdown(ctx); err != nil {
				t.Errorf("exit status: %v", err)
			}
		})
	}
}

// TestUnrecoverableInput checks that a stream that cannot be resynchronised
// ends the proxy with a clear message, not a panic.
func TestUnrecoverableInput(t *testing.T) {
	lspshare := lsptest.Lspshare(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := lsptest.Start(t, []string{lspshare, "lsp", "--server", "none"}, lsptest.Options{Dir: t.TempDir()})
	if _, err := p.Initialize(ctx, lsptest.InitializeParams("file:///nowhere")); err != nil {
		t.Fatal(err)
	}
	p.WriteRaw([]byte("Content-Length: 100\r\n\r\n{\"jsonrpc\":"))
	p.Editor.Close() // the body ends 89 bytes early
	err := p.Wait(ctx)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit status %v, want 1", err)
	}
	if stderr := p.Stderr(); !strings.Contains(stderr, "lspshare: read from editor") || strings.Contains(stderr, "panic") {
		t.Errorf("stderr lacks a clear message:\n%s", stderr)
	}
}

// TestGoplsRestart: gopls killed under a running proxy is started again,
// with the editor's documents, and definitions work again; no gopls is left
// behind.
func TestGoplsRestart(t *testing.T) {
	lspshare, gopls := lsptest.Lspshare(t), lsptest.Gopls(t)
	sb := lsptest.NewDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := lsptest.Start(t, []string{lspshare, "lsp", "--server", gopls}, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
	if _, err := p.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
		t.Fatal(err)
	}
	if err := p.Notify("textDocument/didOpen", sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	children, err := lsptest.Children(p.PID())
	if err != nil || len(children) != 1 {
		t.Fatalf("children of the proxy: %+v, %v; want gopls", children, err)
	}
	since := p.Since()
	syscall.Kill(children[0].PID, syscall.SIGKILL)
	if _, err := p.Await(ctx, since, lsptest.ShowMessage("starting it again")); err != nil {
		t.Fatal(err)
	}
	for {
		raw, err := p.Call(ctx, "textDocument/definition", sb.At(t, "main.go", "Hello("))
		if err == nil && strings.Contains(string(raw), "greet/greet.go") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no definition after the restart: %s, %v", raw, err)
		}
	}
	restarted, err := lsptest.Children(p.PID())
	if err != nil || len(restarted) != 1 || restarted[0].PID == children[0].PID {
		t.Fatalf("children of the proxy after the restart: %+v, %v; want a new gopls", restarted, err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("exit status: %v", err)
	}
	if err := lsptest.AwaitGone(ctx, restarted[0]); err != nil {
		t.Error(err)
	}
}
