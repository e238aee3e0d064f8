// Package vim_test runs the lspshare plugin in the real editors: headless
// Neovim, and Vim inside tmux. A test drives an editor through
// testdata/driver.vim: it drops Vim script files into a folder the editor
// polls and waits for the answers the editor writes back.
package vim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// editorTimeout bounds each editor run, and waitTimeout each wait for an
// editor event (gopls's first answer in a fresh cache takes a few seconds).
const (
	editorTimeout = 3 * time.Minute
	waitTimeout   = 60 * time.Second
)

// pluginDir is this folder: the plugin as users install it.
func pluginDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// editorConfig says how to start an editor.
type editorConfig struct {
	// Env is the editor's whole environment; the proxy it starts inherits
	// it. Use a sandbox's, so HOME and XDG_* are temporary.
	Env []string
	// Dir is the working directory.
	Dir string
	// Init is Vim script run at start-up, after the plugin is installed
	// with :packadd and before File is opened.
	Init string
	// File is the file to edit.
	File string
}

// editor is a running Vim or Neovim with the test driver loaded.
type editor struct {
	t    testing.TB
	name string // "nvim" or "vim"
	nvim neovim // which Neovim, for "nvim"
	dir  string // the driver's in/ and out/
	next int
	tmux []string // tmux command prefix (Vim only)
	done chan struct{}
	err  error // the process's exit, once done is closed
	log  string
}

// startVim runs Vim in a tmux session of its own, 100 columns by 30 lines,
// so that tests can read what a person would see.
func startVim(t testing.TB, cfg editorConfig) *editor {
	t.Helper()
	vim := lsptest.NeedTool(t, "vim", "scripts/install-test-deps.sh")
	tmux := lsptest.NeedTool(t, "tmux", "scripts/install-test-deps.sh")
	e := newEditor(t, "vim", cfg)
	e.tmux = []string{tmux, "-S", filepath.Join(e.dir, "tmux.sock")}
	env := append(cfg.Env, "LSPSHARE_TEST_DIR="+e.dir, "TERM=xterm-256color")
	shell := fmt.Sprintf("exec %s -N -u %s -i NONE %s", vim, e.initFile(cfg, false), cfg.File)
	args := append(e.tmux[1:], "-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "-s", "vim", shell)
	cmd := exec.Command(e.tmux[0], args...)
	cmd.Dir, cmd.Env = cfg.Dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), editorTimeout)
	go func() {
		// The session ends with Vim; the timeout ends both.
		for ctx.Err() == nil && exec.Command(e.tmux[0], append(e.tmux[1:], "has-session", "-t", "vim")...).Run() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
		e.err = ctx.Err()
		close(e.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("vim screen at the end:\n%s\nmessages: %s", e.screenNow(), e.messagesNow())
		}
		exec.Command(e.tmux[0], append(e.tmux[1:], "kill-server")...).Run()
		cancel()
		<-e.done
	})
	return e
}

func newEditor(t testing.TB, name string, cfg editorConfig) *editor {
	e := &editor{t: t, name: name, dir: t.TempDir(), next: 1, done: make(chan struct{})}
	for _, sub := range []string{"in", "out", "pack/lspshare/opt"} {
		if err := os.MkdirAll(filepath.Join(e.dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Installed as the README says for plain packpath.
	if err := os.Symlink(pluginDir(t), filepath.Join(e.dir, "pack/lspshare/opt/lspshare")); err != nil {
		t.Fatal(err)
	}
	return e
}

// initFile writes the editor's start-up script; with edit, the script
// opens cfg.File at its end.
func (e *editor) initFile(cfg editorConfig, edit bool) string {
	init := fmt.Sprintf(`set nocompatible hidden noswapfile shortmess+=I
filetype plugin on
syntax off
set packpath^=%s
packadd lspshare
%s
source %s
`, e.dir, cfg.Init, filepath.Join(pluginDir(e.t), "testdata", "driver.vim"))
	if edit {
		init += "edit " + cfg.File + "\n"
	}
	path := filepath.Join(e.dir, "init.vim")
	if err := os.WriteFile(path, []byte(init), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// do runs Vim script in the editor and returns what it left in g:out.
func (e *editor) do(script string) json.RawMessage {
	e.t.Helper()
	n := e.next
	e.next++
	in := filepath.Join(e.dir, "in", fmt.Sprint(n))
	if err := os.WriteFile(in+".tmp", []byte(script+"\n"), 0o644); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Rename(in+".tmp", in+".vim"); err != nil {
		e.t.Fatal(err)
	}
	out := filepath.Join(e.dir, "out", fmt.Sprint(n)+".json")
	var data []byte
	e.poll(fmt.Sprintf("the answer to %q", script), func() bool {
		var err error
		data, err = os.ReadFile(out)
		return err == nil
	})
	var answer struct {
		Out   json.RawMessage `json:"out"`
		Error string          `json:"error"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		e.t.Fatalf("%s driver: %v: %s", e.name, err, data)
	}
	if answer.Error != "" {
		e.t.Fatalf("%s: %q: %s", e.name, script, answer.Error)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, answer.Out); err != nil {
		e.t.Fatalf("%s driver: %v: %s", e.name, err, answer.Out)
	}
	return compact.Bytes()
}

// eval returns the value of a Vim expression, JSON-encoded.
func (e *editor) eval(expr string) string {
	e.t.Helper()
	return string(e.do("let g:out = " + expr))
}

// waitEval waits until a Vim expression's JSON value is want.
func (e *editor) waitEval(expr, want string) {
	e.t.Helper()
	var got string
	e.poll(fmt.Sprintf("%s == %s", expr, want), func() bool {
		got = e.eval(expr)
		return got == want
	}, func() string { return "last value " + got })
}

// poll calls cond until it holds, failing the test at waitTimeout or when
// the editor exits. It is a wait on an event the editor produces (a file,
// a screen).
func (e *editor) poll(what string, cond func() bool, details ...func() string) {
	e.t.Helper()
	err := lsptest.Poll(waitTimeout, e.done, cond)
	switch {
	case errors.Is(err, lsptest.ErrGone):
		e.t.Fatalf("%s exited (%v) while waiting for %s", e.name, e.err, what)
	case err != nil:
		for _, d := range details {
			what += "; " + d()
		}
		e.t.Fatalf("%s: %v for %s; messages: %s", e.name, err, what, e.messagesNow())
	}
}

// messagesNow returns the editor's :messages without failing.
func (e *editor) messagesNow() string {
	select {
	case <-e.done:
		return "(editor gone)"
	default:
	}
	n := e.next
	e.next++
	in := filepath.Join(e.dir, "in", fmt.Sprint(n))
	os.WriteFile(in+".tmp", []byte("let g:out = execute('messages')\n"), 0o644)
	os.Rename(in+".tmp", in+".vim")
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(filepath.Join(e.dir, "out", fmt.Sprint(n)+".json")); err == nil {
			return string(data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "(no answer)"
}

// keys types keys into Vim, as tmux send-keys takes them.
func (e *editor) keys(keys ...string) {
	e.t.Helper()
	args := append(append(e.tmux[1:], "send-keys", "-t", "vim"), keys...)
	if out, err := exec.Command(e.tmux[0], args...).CombinedOutput(); err != nil {
		e.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// screenNow returns what Vim shows.
func (e *editor) screenNow() string {
	out, err := exec.Command(e.tmux[0], append(e.tmux[1:], "capture-pane", "-p", "-t", "vim")...).Output()
	if err != nil {
		return fmt.Sprintf("(capture-pane: %v)", err)
	}
	return string(out)
}

// waitScreen waits until Vim's screen has a line containing every one of
// parts, and returns that line.
func (e *editor) waitScreen(parts ...string) string {
	e.t.Helper()
	var found, screen string
	e.poll(fmt.Sprintf("a screen line with %q", parts), func() bool {
		screen = e.screenNow()
		for _, line := range strings.Split(screen, "\n") {
			if containsAll(line, parts) {
				found = line
				return true
			}
		}
		return false
	}, func() string { return "screen:\n" + screen })
	return found
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// quit ends the editor and waits for it.
func (e *editor) quit() {
	e.t.Helper()
	n := e.next
	in := filepath.Join(e.dir, "in", fmt.Sprint(n))
	os.WriteFile(in+".tmp", []byte("qa!\n"), 0o644)
	os.Rename(in+".tmp", in+".vim")
	select {
	case <-e.done:
	case <-time.After(waitTimeout):
		e.t.Errorf("%s did not quit", e.name)
	}
	if e.err != nil && !errors.Is(e.err, context.Canceled) && e.name == "nvim" {
		e.t.Errorf("nvim exited: %v", e.err)
	}
}

// jsonString is s as a JSON string, for comparing with eval.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// vimString is s as a Vim script string literal.
func vimString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func TestMain(m *testing.M) {
	if sock := os.Getenv(fakeProxyEnv); sock != "" {
		if err := runFakeProxy(sock); err != nil {
			fmt.Fprintln(os.Stderr, "fake proxy:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	lsptest.Main(m)
}
