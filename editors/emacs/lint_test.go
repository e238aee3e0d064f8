package emacs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// staleEmacsWarning is the one warning Debian 12's package-lint (0.16)
// gives lspshare.el: it predates Emacs 28 and says so of every package
// that needs Emacs 28 or later.
const staleEmacsWarning = "warning: This makes the package uninstallable in all released Emacs versions."

// TestEmacsLint: lspshare.el byte-compiles without a warning, and checkdoc
// and package-lint find nothing to say (but package-lint's stale warning).
func TestEmacsLint(t *testing.T) {
	bin, _ := needEmacs(t)
	// A copy, so that the .elc is not written next to the source.
	dir := t.TempDir()
	src, err := os.ReadFile("lspshare.el")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "lspshare.el")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if found, _ := filepath.Glob(filepath.Join(debianElpa, "package-lint-*")); len(found) == 0 {
		lsptest.Missing(t, "package-lint is not in "+debianElpa+": scripts/install-test-deps.sh installs it")
	}
	for _, c := range []struct {
		name string
		args []string
		ok   func(line string) bool
	}{
		{"byte-compile", []string{"--eval", "(setq byte-compile-error-on-warn t)", "-f", "batch-byte-compile", file}, nil},
		{"checkdoc", []string{"--eval", "(checkdoc-file " + elisp(file) + ")"}, nil},
		{"package-lint", []string{"--eval", "(progn (setq package-directory-list (list " + elisp(debianElpa) + ")) (package-initialize) (require 'package-lint))",
			"-f", "package-lint-batch-and-exit", file},
			func(line string) bool {
				return strings.HasPrefix(line, "Entering directory") || strings.HasSuffix(line, staleEmacsWarning)
			}},
	} {
		cmd := exec.Command(bin, append([]string{"-Q", "--batch"}, c.args...)...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		var said []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line != "" && (c.ok == nil || !c.ok(line)) {
				said = append(said, line)
			}
		}
		if (err != nil && c.ok == nil) || len(said) > 0 {
			t.Errorf("%s: %v\n%s", c.name, err, strings.Join(said, "\n"))
		}
	}
}
