package vim_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// readmeSnippet returns the README's Lua snippet name.
func readmeSnippet(t *testing.T, name string) string {
	return lsptest.ReadmeSnippet(t, filepath.Join(pluginDir(t), "..", "..", "README.md"), name, "lua")
}

// readmeSetups are the README's Neovim snippets: the oldest Neovim each is
// for, and the plugins it needs besides lspshare (testdata folders).
var readmeSetups = []struct {
	snippet      string
	major, minor int
	packages     []string
	client       string // the name of the client that runs the proxy
	// deprecated says the set-up itself warns on the newest Neovim, so
	// that the plugin cannot be checked for deprecated calls there.
	deprecated bool
}{
	{snippet: "nvim-plugin", minor: 7, client: "lspshare"},
	{snippet: "nvim-config", minor: 11, client: "gopls"},
	{snippet: "nvim-lspconfig", minor: 7, packages: []string{"nvim-lspconfig"}, client: "gopls", deprecated: true},
}

// TestReadmeNeovim runs each of the README's Neovim snippets as the
// init.lua of a fresh home, on each Neovim it is for, with lspshare and
// gopls on $PATH as a user has them: the proxy starts, the key stays out
// of its arguments, and the editor follows the navigator.
func TestReadmeNeovim(t *testing.T) {
	for _, setup := range readmeSetups {
		t.Run(setup.snippet, func(t *testing.T) {
			snippet := readmeSnippet(t, setup.snippet)
			forEachNeovim(t, func(t *testing.T, nv neovim) {
				if !nv.atLeast(setup.major, setup.minor) {
					t.Skipf("the snippet is for Neovim %d.%d or later", setup.major, setup.minor)
				}
				links := startSession(t)
				nav := startNavigator(t, links.Drive, workspace)
				mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: workspace})
				ed := nv.startAsUser(t, editorConfig{
					Env: lsptest.UserPath(t, mine.Env()), Dir: mine.Workdir, File: mine.Path("main.go"),
				}, strings.ReplaceAll(snippet, lsptest.ReadmeLink, links.Attend), setup.packages...)
				ed.waitEval("lspshare#statusline()", jsonString("following potsbo"))
				ed.checkKeyNotInArgv(links.Attend)
				// The set-up's own client runs the proxy, not one the plugin added.
				clients := `luaeval("vim.tbl_map(function(c) return c.name end, require('lspshare.compat').clients())")`
				if got, want := ed.eval(clients), `[`+jsonString(setup.client)+`]`; got != want {
					t.Errorf("the clients are %s, want %s", got, want)
				}
				j := jumps[0]
				nav.Jump(j.from, j.text, j.to)
				ed.waitEval(here, place(t, mine, j.to, j.target))
				if !setup.deprecated {
					ed.checkNothingDeprecated()
				}
				ed.quit()
			})
		})
	}
}
