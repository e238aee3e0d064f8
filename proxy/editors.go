package proxy

import (
	"strings"
	"unicode"
)

// Command names one of lspshare's commands (cmd: "follow" for
// lspshare.follow) as a person runs it in this editor, from the name the
// editor gave in initialize (clientInfo.name), so that messages say what to
// do there: "M-x lspshare-follow" in Emacs, ":LspShareFollow" in Vim and
// Neovim, the Command Palette's title in VS Code. An editor it does not
// know gets the LSP command's name, which any client can send with
// workspace/executeCommand.
func (e EditorInfo) Command(cmd string) string {
	switch name := strings.ToLower(e.Name); {
	case name == "eglot": // editors/emacs is for Eglot (lsp-mode says "emacs")
		return "M-x lspshare-" + cmd
	case name == "neovim" || name == "lspshare.vim": // editors/vim's two backends
		return ":LspShare" + capitalize(cmd)
	case strings.Contains(name, "code") || strings.Contains(name, "codium"):
		// vscode-languageclient sends the application's name: "Visual
		// Studio Code", "VSCodium", "code-server", "Code - OSS".
		if title, ok := vscodeTitles[cmd]; ok {
			return `"lspshare: ` + title + `" (Command Palette)`
		}
	}
	return "the command lspshare." + cmd
}

// vscodeTitles are the extension's command titles (editors/vscode's
// package.json) for the commands that messages name.
var vscodeTitles = map[string]string{
	"follow": "Follow / Unfollow",
	"join":   "Join Session…",
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
