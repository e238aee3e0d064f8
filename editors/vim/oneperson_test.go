package vim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// twoModules is the workspace with a second module, tools, for which the
// plugin starts a second proxy.
var twoModules = workspace + `-- tools/go.mod --
module example.com/tools

go 1.22
-- tools/tools.go --
package tools

// Tool is a tool.
func Tool() {}
`

// perModule starts, with :lua start_proxy(), a wrapped gopls client for
// the current buffer's module, as nvim-lspconfig or vim.lsp.enable do: a
// proxy per module (the plugin's own start-up makes one for all).
const perModule = `let g:lspshare_autostart = 0
lua << EOF
function _G.start_proxy()
  local cfg = require('lspshare').wrap({})
  cfg.name = 'gopls'
  cfg.root_dir = vim.fn['lspshare#root'](vim.api.nvim_buf_get_name(0))
  require('lspshare.compat').start_client(cfg, vim.api.nvim_get_current_buf())
end
-- await_connected sets g:buffer_connected once the current buffer's proxy
-- says it is in the session, connected.
function _G.await_connected()
  local bufnr = vim.api.nvim_get_current_buf()
  local function ask()
    vim.lsp.buf_request(bufnr, 'workspace/executeCommand', { command = 'lspshare.status', arguments = {} }, function(err, result)
      if err == nil and type(result) == 'table' and result.connected == true then
        vim.g.buffer_connected = true
      else
        vim.defer_fn(ask, 50)
      end
    end)
  end
  ask()
end
EOF`

// lspshareClients counts the editor's initialized lspshare clients.
const lspshareClients = `luaeval('#vim.tbl_filter(function(c) local p = c.server_capabilities and c.server_capabilities.executeCommandProvider return p and vim.tbl_contains(p.commands or {}, "lspshare.status") end, require("lspshare.compat").clients())')`

func TestNeovimOnePersonTwoProxies(t *testing.T) {
	forEachNeovim(t, testNeovimOnePersonTwoProxies)
}

// With two modules open, Neovim runs two proxies, which are one
// participant: a note or a reply the user makes reaches the hub once,
// whichever proxy's buffer is current.
func testNeovimOnePersonTwoProxies(t *testing.T, nv neovim) {
	links := startSession(t)
	nav := startNotesNavigator(t, links.Drive, twoModules)
	nav.awaitState(0, "its connection", func(st map[string]any) bool { return st["connected"] == true })
	mine := lsptest.NewSandbox(t, lsptest.SandboxConfig{Files: twoModules})
	ed := nv.start(t, editorConfig{
		Env: mine.Env(), Dir: mine.Workdir, File: mine.Path("main.go"),
		Init: proxyCommand(t, links.Attend, "ann") + "\n" + statusline + "\n" + perModule,
	})
	ed.do("lua start_proxy()")
	ed.waitEval("lspshare#statusline()", jsonString("following potsbo"))
	ed.do("edit " + mine.Path("tools/tools.go") + "\nlua start_proxy()")
	ed.waitEval(lspshareClients, "2")
	ed.do("lua await_connected()")
	ed.waitEval("get(g:, 'buffer_connected', v:false)", "true")
	if n := len(ed.proxies()); n != 2 {
		t.Fatalf("the editor runs %d proxies, want one per module", n)
	}

	// A note through tools.go's proxy: posted once, as ann.
	since := nav.p.Since()
	ed.do("call cursor(4, 6)\nLspShareNote a tool")
	nav.awaitNotes(since, "ann's note", func(ns []note) bool { return len(ns) == 1 && ns[0].By == "ann" && ns[0].Text == "a tool" })
	ed.waitEval("execute('messages') =~# 'posted as #1'", "1")

	// A reply from tools.go, then one from main.go, whose proxy is the
	// other: each proxy sends in order, so once the second is at the hub
	// the first is, as many times as it was sent.
	since = nav.p.Since()
	ed.do("LspShareReply 1 first")
	nav.awaitNotes(since, "ann's first reply", func(ns []note) bool { return len(ns) == 1 && len(ns[0].Replies) >= 1 })
	ed.do("edit " + mine.Path("main.go") + "\nLspShareReply 1 second")
	var replies []string
	nav.awaitNotes(since, "ann's second reply", func(ns []note) bool {
		replies = nil
		for _, r := range ns[0].Replies {
			replies = append(replies, r.By+": "+r.Text)
		}
		return len(ns) == 1 && strings.HasSuffix(strings.Join(replies, "|"), "second")
	})
	if got, want := fmt.Sprint(replies), "[ann: first ann: second]"; got != want {
		t.Errorf("the hub has the replies %s, want %s", got, want)
	}
	ed.quit()
}
