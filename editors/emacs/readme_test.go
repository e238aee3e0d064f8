package emacs_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// TestReadmeEmacs runs each of the README's Emacs snippets as the init file
// of a fresh home, with lspshare and gopls on $PATH as a user has them: the
// proxy starts with the key out of its arguments, and Emacs follows the
// navigator's jump into the sub-package.
func TestReadmeEmacs(t *testing.T) {
	for _, name := range []string{"emacs-package", "emacs-eglot"} {
		t.Run(name, func(t *testing.T) {
			snippet := lsptest.ReadmeSnippet(t, filepath.Join(pluginDir(t), "..", "..", "README.md"), name, "elisp")
			th := hubtest.StartHub(t, hub.Config{}, "", nil)
			nav := lsptest.StartNavigator(t, workspace, th.Links.Drive, "potsbo")
			mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
			init := strings.ReplaceAll(snippet, lsptest.ReadmeLink, th.Links.Attend) + testHelpers
			em := startEmacs(t, lsptest.UserPath(t, mine.Env()), mine.Workdir, init)
			em.eval("(test-open " + elisp(mine.Path("main.go")) + ")")
			checkKeyNotInArgv(t, em, th.Links.Attend)
			j := jumps[0]
			nav.Jump(j.from, j.text, j.to)
			em.waitEval("(test-place)", place(t, mine, j.to, j.target))
			if name == "emacs-package" {
				em.waitEval("(lspshare-summary)", elisp("following potsbo"))
			}
		})
	}
}
