package emacs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// packageLintDir is where scripts/install-test-deps.d/71-package-lint.sh
// unpacks a package-lint that knows Emacs 30 (Debian 12's does not).
func packageLintDir(t *testing.T) string {
	dir := os.Getenv("LSPSHARE_PACKAGE_LINT_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(home, ".cache", "lspshare-test", "package-lint")
	}
	if _, err := os.Stat(filepath.Join(dir, "package-lint.el")); err != nil {
		lsptest.Missing(t, "no package-lint in "+dir+": scripts/install-test-deps.sh unpacks it")
	}
	return dir
}

// TestEmacsLint: lspshare.el byte-compiles without a warning, and checkdoc
// and package-lint find nothing to say.
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
	lint := packageLintDir(t)
	for _, c := range []struct {
		name string
		args []string
		ok   func(line string) bool // lines that say nothing
	}{
		{"byte-compile", []string{"--eval", "(setq byte-compile-error-on-warn t)", "-f", "batch-byte-compile", file}, nil},
		{"checkdoc", []string{"--eval", "(checkdoc-file " + elisp(file) + ")"}, nil},
		{"package-lint", []string{"--eval", "(progn (add-to-list 'load-path " + elisp(lint) + ") (require 'package-lint))",
			"-f", "package-lint-batch-and-exit", file},
			func(line string) bool { return strings.HasPrefix(line, "Entering directory") }},
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
		if err != nil || len(said) > 0 {
			t.Errorf("%s: %v\n%s", c.name, err, strings.Join(said, "\n"))
		}
	}
}
