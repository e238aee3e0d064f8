package emacs_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// workspace is the Go module the tests read, not a git repository.
const workspace = lsptest.Reading

// jumps are the navigator's jumps: where it asks for a definition, and
// where that is.
var jumps = []struct{ from, text, to, target string }{
	{"main.go", "Hello(", "greet/greet.go", "Hello(name"},
	{"greet/greet.go", "prefix()", "greet/prefix.go", "prefix() string"},
	{"greet/prefix.go", "Word =", "greet/word.go", "Word string"},
	{"greet/word.go", "Hello(name) +", "greet/greet.go", "Hello(name"}, // and back
}

// testInit is the Elisp of a user's init file, as the README has it, with
// the proxy's command pointing at the test's lspshare and gopls, and the
// helpers the test reads Emacs with.
func testInit(t *testing.T, link, name string) string {
	log := filepath.Join(t.TempDir(), "proxy.log")
	t.Cleanup(func() {
		if t.Failed() {
			data, _ := os.ReadFile(log)
			t.Logf("log of %s's proxy:\n%s", name, data)
		}
	})
	return fmt.Sprintf(`(require 'lspshare)
(setq lspshare-command (list %s "lsp" "--server" %s "--log" %s))
(setq lspshare-link %s lspshare-name %s)
(lspshare-mode 1)
(add-hook 'go-mode-hook #'eglot-ensure)
;; A gopls setting of the user's, which must reach gopls through lspshare.
(setq-default eglot-workspace-configuration '(:gopls (:hoverKind "NoDocumentation")))
`+testHelpers,
		elisp(lsptest.Lspshare(t)), elisp(lsptest.Gopls(t)), elisp(log), elisp(link), elisp(name))
}

// testHelpers are Elisp functions the test reads Emacs with.
const testHelpers = `
(defun test-command ()
  "What the command loop does after a command: eglot-ensure connects then."
  (with-current-buffer (window-buffer (selected-window))
    (run-hooks 'post-command-hook)))
(defun test-run (command)
  "Run COMMAND as M-x does, in the selected window."
  (with-current-buffer (window-buffer (selected-window))
    (call-interactively command))
  t)
(defun test-open (file)
  (find-file file)
  (test-command)
  t)
(defun test-place ()
  "The file, line and column of the selected window's point."
  (with-current-buffer (window-buffer (selected-window))
    (save-excursion
      (goto-char (window-point))
      (list buffer-file-name (line-number-at-pos) (- (point) (pos-bol))))))
(defun test-goto (file line column)
  (find-file file)
  (goto-char (point-min))
  (forward-line (1- line))
  (forward-char column))
(defun test-definition (file line column)
  "Go to the definition of what is at LINE and COLUMN of FILE, as M-. does."
  (test-goto file line column)
  (xref-find-definitions (xref-backend-identifier-at-point (xref-find-backend)))
  t)
(defun test-mode-line ()
  (with-current-buffer (window-buffer (selected-window))
    (substring-no-properties (format-mode-line mode-line-format nil (selected-window)))))
(defun test-cursors ()
  "The lspshare cursors drawn: (file line column text) each."
  (let (found)
    (dolist (buffer (buffer-list) found)
      (with-current-buffer buffer
        (dolist (o (overlays-in (point-min) (point-max)))
          (when (overlay-get o 'lspshare-cursor)
            (push (list buffer-file-name (line-number-at-pos (overlay-start o))
                        (save-excursion (goto-char (overlay-start o)) (- (point) (pos-bol)))
                        (substring-no-properties (overlay-get o 'after-string)))
                  found)))))))
(defun test-proxies ()
  "The pids of the language servers Eglot runs."
  (cl-loop for p in (process-list)
           when (and (string-prefix-p "EGLOT" (process-name p)) (process-id p))
           collect (process-id p)))
(defun test-hover (file line column)
  (test-goto file line column)
  (plist-get (plist-get (jsonrpc-request (eglot-current-server) :textDocument/hover
                                         (eglot--TextDocumentPositionParams))
                        :contents)
             :value))
`

// place is where Emacs's point is at text in a file of sb, as test-place
// prints it (columns in characters: ASCII files, where they are UTF-16's).
func place(t *testing.T, sb *lsptest.Sandbox, file, text string) string {
	p := sb.Pos(t, file, text)
	return fmt.Sprintf("(%s %d %d)", elisp(sb.Path(file)), p.Line+1, p.Character)
}

// TestEmacsFollowsNavigator: an Eglot attendee, in a workspace that is not
// a git repository, follows the navigator's jumps into a sub-package and
// back with one proxy; the mode line shows the state and the navigator's
// cursor is an overlay with their name; an own jump pauses with a message
// in Emacs's terms; the commands follow, unfollow and jump.
func TestEmacsFollowsNavigator(t *testing.T) {
	th := hubtest.StartHub(t, hub.Config{}, "", nil)
	nav := lsptest.StartNavigator(t, workspace, th.Links.Drive, "potsbo")
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace}) // the attendee's checkout, elsewhere
	em := startEmacs(t, mine.Env(), mine.Workdir, testInit(t, th.Links.Attend, "ann"))

	em.eval(fmt.Sprintf("(test-open %s)", elisp(mine.Path("main.go"))))
	em.waitEval("(lspshare-summary)", elisp("following potsbo"))
	em.waitFor("(test-mode-line)", " following potsbo")
	checkKeyNotInArgv(t, em, th.Links.Attend)

	// The user's gopls settings reach gopls: its hover leaves out the doc.
	p := mine.Pos(t, "main.go", "Hello(")
	hover := em.eval(fmt.Sprintf("(test-hover %s %d %d)", elisp(mine.Path("main.go")), p.Line+1, p.Character))
	if !strings.Contains(hover, "Hello(name string) string") || strings.Contains(hover, "greets someone") {
		t.Errorf("hover with hoverKind NoDocumentation: %s; want the signature without the doc comment", hover)
	}

	for _, j := range jumps {
		nav.Jump(j.from, j.text, j.to)
		em.waitEval("(test-place)", place(t, mine, j.to, j.target))
		em.eval("(test-command)") // the user's next key: eglot-ensure would start a proxy here
	}
	// One proxy for the module, not one for greet/: the hub lists two.
	if got, want := em.eval(fmt.Sprintf("(project-root (project-current nil %s))", elisp(mine.Path("greet")))),
		elisp(mine.Workdir+"/"); got != want {
		t.Errorf("greet/'s project root is %s, want %s (go.mod's folder)", got, want)
	}
	if got := em.eval("(length (test-proxies))"); got != "1" {
		t.Errorf("Eglot runs %s language servers, want 1 (the module's)", got)
	}
	em.waitEval("(length (plist-get (lspshare--server-state (lspshare--server)) :participants))", "2")
	records, err := th.Participants("demo")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range records {
		names = append(names, r.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"ann", "potsbo"}) {
		t.Errorf("the hub has had participants %q, want ann and potsbo", names)
	}

	// The navigator's cursor, with their name.
	cursor := nav.Sandbox.Pos(t, "greet/greet.go", "return prefix")
	if err := nav.Notify("$/lspshare/cursor", map[string]any{
		"uri": nav.Sandbox.URI("greet/greet.go"), "position": cursor}); err != nil {
		t.Fatal(err)
	}
	em.waitEval("(test-cursors)", fmt.Sprintf(`((%s %d %d " ◀ potsbo"))`,
		elisp(mine.Path("greet/greet.go")), cursor.Line+1, cursor.Character))

	// An own jump pauses, and says how to follow again in Emacs's terms.
	own := mine.Pos(t, "greet/greet.go", "prefix()")
	em.eval(fmt.Sprintf("(test-definition %s %d %d)", elisp(mine.Path("greet/greet.go")), own.Line+1, own.Character))
	em.waitEval("(test-place)", place(t, mine, "greet/prefix.go", "prefix() string"))
	em.waitEval("(lspshare-summary)", elisp("paused"))
	em.waitFor("(test-mode-line)", " paused")
	em.waitFor(`(with-current-buffer "*Messages*" (buffer-string))`,
		"following potsbo is paused. Run M-x lspshare-follow to catch up.")

	// M-x lspshare-follow goes to where the navigator is now.
	em.eval("(test-run #'lspshare-follow)")
	em.waitEval("(test-place)", place(t, mine, "greet/greet.go", "return prefix"))
	em.waitEval("(lspshare-summary)", elisp("following potsbo"))

	// Unfollowed, the attendee stays while the navigator moves on, into a
	// file the attendee has closed; the navigator's cursor shows that the
	// move arrived. lspshare-jump then goes there once, and the cursor is
	// drawn in the file opened.
	em.eval("(test-run #'lspshare-unfollow)")
	em.waitEval("(lspshare-summary)", elisp("not following"))
	em.eval(fmt.Sprintf("(kill-buffer (find-buffer-visiting %s))", elisp(mine.Path("greet/prefix.go"))))
	nav.Jump("greet/greet.go", "prefix()", "greet/prefix.go")
	em.waitEval(`(plist-get (gethash "potsbo" lspshare--cursors) :uri)`, elisp(mine.URI("greet/prefix.go")))
	if got, want := em.eval("(test-place)"), place(t, mine, "greet/greet.go", "return prefix"); got != want {
		t.Errorf("unfollowed, the attendee moved to %s; want it still at %s", got, want)
	}
	// From a buffer Eglot does not manage (emacsclient's), as from *scratch*.
	em.eval("(progn (lspshare-jump) t)")
	em.waitEval("(test-place)", place(t, mine, "greet/prefix.go", "prefix() string"))
	target := mine.Pos(t, "greet/prefix.go", "prefix() string")
	em.waitEval("(test-cursors)", fmt.Sprintf(`((%s %d %d " ◀ potsbo"))`,
		elisp(mine.Path("greet/prefix.go")), target.Line+1, target.Character))
	em.waitEval("(lspshare-summary)", elisp("not following"))
}

// checkKeyNotInArgv fails the test unless Emacs's one proxy got the join
// link in its environment, with the key nowhere in its arguments, which
// every local user can read.
func checkKeyNotInArgv(t *testing.T, em *emacs, link string) {
	t.Helper()
	pids := strings.Trim(em.eval("(test-proxies)"), "()")
	if strings.Contains(pids, " ") || pids == "nil" || pids == "" {
		t.Fatalf("Eglot runs language servers %s, want one", pids)
	}
	argv, err1 := os.ReadFile(filepath.Join("/proc", pids, "cmdline"))
	environ, err2 := os.ReadFile(filepath.Join("/proc", pids, "environ"))
	if err1 != nil || err2 != nil {
		t.Fatalf("the proxy's /proc: %v, %v", err1, err2)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if key := u.Query().Get("key"); key == "" || strings.Contains(string(argv), key) {
		t.Errorf("the proxy's argv holds the join key %q: %q", key, argv)
	}
	if !strings.Contains("\x00"+string(environ), "\x00LSPSHARE_JOIN="+link+"\x00") {
		t.Errorf("the proxy's environment has no LSPSHARE_JOIN=%s", link)
	}
}
