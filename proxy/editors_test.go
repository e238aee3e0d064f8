package proxy_test

import (
	"testing"

	"github.com/lspshare/lspshare/proxy"
)

// TestEditorCommand: messages name a command as the editor that started
// the proxy runs it, by the clientInfo.name real editors send.
func TestEditorCommand(t *testing.T) {
	for _, c := range []struct{ client, cmd, want string }{
		{"Eglot", "follow", "M-x lspshare-follow"},
		{"Eglot", "join", "M-x lspshare-join"},
		{"Neovim", "follow", ":LspShareFollow"},
		{"lspshare.vim", "join", ":LspShareJoin"},
		{"Visual Studio Code", "follow", `"lspshare: Follow / Unfollow" (Command Palette)`},
		{"code-server", "join", `"lspshare: Join Session…" (Command Palette)`},
		{"VSCodium", "follow", `"lspshare: Follow / Unfollow" (Command Palette)`},
		// A VS Code command the extension has no title for, lsp-mode
		// (which editors/emacs does not serve), other clients, none.
		{"Visual Studio Code", "summon", "the command lspshare.summon"},
		{"emacs", "follow", "the command lspshare.follow"},
		{"helix", "follow", "the command lspshare.follow"},
		{"", "follow", "the command lspshare.follow"},
	} {
		if got := (proxy.EditorInfo{Name: c.client}).Command(c.cmd); got != c.want {
			t.Errorf("%q's %s: %q, want %q", c.client, c.cmd, got, c.want)
		}
	}
}
