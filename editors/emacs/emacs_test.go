// Package emacs_test runs lspshare.el in the real Emacs (30, with its own
// Eglot): a headless daemon (emacs --fg-daemon=SOCKET -Q -l init.el),
// driven with emacsclient --eval, against a real hub, real gopls and a
// scripted navigator.
package emacs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// waitTimeout bounds each wait for an editor event (gopls's first answer
// in a fresh cache takes a few seconds).
const waitTimeout = 60 * time.Second

func TestMain(m *testing.M) { lsptest.Main(m) }

// needEmacs returns the paths of emacs and emacsclient, version 30 or
// later; without them the test is skipped (failed when CI=true).
func needEmacs(t testing.TB) (emacs, client string) {
	t.Helper()
	const install = "scripts/install-test-deps.sh (Emacs 30 from bookworm-backports)"
	emacs = lsptest.NeedTool(t, "emacs", install)
	client = lsptest.NeedTool(t, "emacsclient", install)
	out, err := exec.Command(emacs, "--batch", "-Q", "--eval", "(princ emacs-major-version)").Output()
	if major, _ := strconv.Atoi(string(out)); err != nil || major < 30 {
		lsptest.Missing(t, fmt.Sprintf("emacs is version %q (%v), want 30 or later: %s", out, err, install))
	}
	return emacs, client
}

// pluginDir is this folder: the package as users load it.
func pluginDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// debianElpa is where Debian's elpa-* packages (go-mode, package-lint)
// live; -Q leaves it out of package-directory-list.
const debianElpa = "/usr/share/emacs/site-lisp/elpa"

// emacs is a running Emacs daemon.
type emacs struct {
	t      testing.TB
	client string
	sock   string
	env    []string
	dir    string
	done   chan struct{}
	stderr *lsptest.LockedBuffer
}

// startEmacs runs an Emacs daemon in dir with env (a sandbox's: HOME and
// XDG_* are temporary) that runs init (Elisp, with go-mode and this folder
// on load-path), and waits until it answers.
func startEmacs(t testing.TB, env []string, dir, init string) *emacs {
	t.Helper()
	bin, client := needEmacs(t)
	tmp := t.TempDir()
	// Emacs makes its socket only in a folder that others cannot enter.
	sockDir := filepath.Join(tmp, "server")
	if err := os.Mkdir(sockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	e := &emacs{t: t, client: client, sock: filepath.Join(sockDir, "sock"), env: env, dir: dir,
		done: make(chan struct{}), stderr: &lsptest.LockedBuffer{}}
	initFile := filepath.Join(tmp, "init.el")
	// Debian's go-mode, and this folder where a user's checkout would be.
	prelude := fmt.Sprintf(`(setq package-directory-list (list %s))
(package-initialize)
(add-to-list 'load-path %s)
`, elisp(debianElpa), elisp(pluginDir(t)))
	if err := os.WriteFile(initFile, []byte(prelude+init), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-Q", "--fg-daemon="+e.sock, "-l", initFile)
	cmd.Dir, cmd.Env, cmd.Stderr = dir, env, e.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		close(e.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emacs's *Messages*:\n%s\nemacs's stderr:\n%s", e.messages(), e.stderr)
		}
		cmd.Process.Kill()
		<-e.done
	})
	if err := lsptest.Poll(waitTimeout, e.done, func() bool { _, err := e.try("t"); return err == nil }); err != nil {
		t.Fatalf("emacs: %v for the daemon to answer; stderr:\n%s", err, e.stderr)
	}
	return e
}

// try evaluates expr in the daemon: its value as prin1 prints it, on one
// line, or why it failed.
func (e *emacs) try(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	// emacsclient shows a value as pp does, which breaks lines at
	// fill-column since Emacs 30; a string it shows as prin1 does.
	cmd := exec.CommandContext(ctx, e.client, "-s", e.sock, "--eval", "(prin1-to-string "+expr+")")
	cmd.Dir, cmd.Env = e.dir, e.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("emacsclient --eval %s: %v: %s", expr, err, stderr.String())
	}
	return unquote(strings.TrimSpace(string(out)))
}

// unquote reads an Elisp string as emacsclient prints it: in double
// quotes, with a backslash before each double quote and backslash, and
// newlines and tabs as \n and \t.
var escapes = map[byte]byte{'n': '\n', 't': '\t'}

func unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", fmt.Errorf("emacsclient printed %q, not a string", s)
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
			if c, ok := escapes[s[i]]; ok {
				b.WriteByte(c)
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

// eval evaluates expr in the daemon; an error fails the test.
func (e *emacs) eval(expr string) string {
	e.t.Helper()
	out, err := e.try(expr)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// waitEval waits until expr's value, as Elisp prints it, is want.
func (e *emacs) waitEval(expr, want string) {
	e.t.Helper()
	e.waitValue(expr, "= "+want, func(v string) bool { return v == want })
}

// waitFor waits until expr's printed value contains want.
func (e *emacs) waitFor(expr, want string) {
	e.t.Helper()
	e.waitValue(expr, "to contain "+want, func(v string) bool { return strings.Contains(v, want) })
}

// waitValue waits until expr's value satisfies ok: something Emacs does.
// It fails the test at waitTimeout, or when Emacs exits.
func (e *emacs) waitValue(expr, what string, ok func(string) bool) {
	e.t.Helper()
	var got string
	err := lsptest.Poll(waitTimeout, e.done, func() bool {
		got = e.eval(expr)
		return ok(got)
	})
	if err != nil {
		e.t.Fatalf("%v for %s %s; last value %s; stderr:\n%s", err, expr, what, got, e.stderr)
	}
}

// messages returns the *Messages* buffer, or why not.
func (e *emacs) messages() string {
	out, err := e.try(`(with-current-buffer "*Messages*" (buffer-substring-no-properties (point-min) (point-max)))`)
	if err != nil {
		return err.Error()
	}
	return out
}

// elisp is s as an Elisp string (Go's quoting agrees for the paths, links
// and names of these tests).
func elisp(s string) string { return strconv.Quote(s) }
