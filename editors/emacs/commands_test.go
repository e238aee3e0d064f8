package emacs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// messages is an Elisp expression for the *Messages* buffer's text.
const messages = `(with-current-buffer "*Messages*" (buffer-substring-no-properties (point-min) (point-max)))`

// TestEmacsCommands: Emacs started with no link joins with lspshare-join;
// refused commands are messages in Emacs's terms, not errors; status,
// a note and leave.
func TestEmacsCommands(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	lsptest.StartNavigator(t, workspace, th.Links.Drive, "potsbo")
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
	log := filepath.Join(t.TempDir(), "proxy.log")
	t.Cleanup(func() {
		if t.Failed() {
			data, _ := os.ReadFile(log)
			t.Logf("log of ann's proxy:\n%s", data)
		}
	})
	em := startEmacs(t, mine.Env(), mine.Workdir, fmt.Sprintf(`(require 'lspshare)
(setq lspshare-command (list %s "lsp" "--server" %s "--log" %s) lspshare-name "ann")
(lspshare-mode 1)
(add-hook 'go-mode-hook #'eglot-ensure)
`, elisp(lsptest.Lspshare(t)), elisp(lsptest.Gopls(t)), elisp(log))+testHelpers)
	em.eval(fmt.Sprintf("(test-open %s)", elisp(mine.Path("main.go"))))
	em.waitEval("(length (lspshare--servers))", "1") // Eglot has connected

	// Not in a session: the proxy says how to join, in Emacs's terms.
	if got := em.eval("(lspshare-follow)"); got != "nil" {
		t.Errorf("lspshare-follow outside a session answered %s, want nil (and a message)", got)
	}
	em.waitFor(messages, "lspshare: not in a session: join one with M-x lspshare-join and a link")

	em.eval(fmt.Sprintf("(with-current-buffer (window-buffer (selected-window)) (lspshare-join %s))", elisp(th.Links.Attend)))
	em.waitEval("(lspshare-summary)", elisp("following potsbo"))

	// An attend link cannot drive: a message, and the command answers nil.
	if got := em.eval("(lspshare-drive)"); got != "nil" {
		t.Errorf("lspshare-drive with an attend link answered %s, want nil", got)
	}
	em.waitFor(messages, "lspshare: you joined with an attend link: only a drive link can take the wheel")

	em.eval("(test-run #'lspshare-status)")
	em.waitFor(messages, fmt.Sprintf("lspshare: session demo on %s, you are ann (attend): following potsbo", th.URL))
	if got := em.eval(messages); !strings.Contains(got, "\n  potsbo           drive  navigating") {
		t.Errorf("lspshare-status does not list potsbo navigating:\n%s", got)
	}

	p := mine.Pos(t, "main.go", "greet.Hello")
	em.eval(fmt.Sprintf("(test-goto %s %d %d)", elisp(mine.Path("main.go")), p.Line+1, p.Character))
	em.eval(`(with-current-buffer (window-buffer (selected-window)) (lspshare-ask "why greet?"))`)
	em.waitFor(messages, "lspshare: note 1 pinned")

	em.eval("(test-run #'lspshare-leave)")
	em.waitEval("(lspshare-summary)", `""`)
	if got := em.eval("(test-mode-line)"); strings.Contains(got, "following") {
		t.Errorf("after leaving, the mode line still says %q", got)
	}
}
