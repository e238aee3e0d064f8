// Package lsptest drives language servers from tests, as an editor would.
//
// A Client speaks LSP over any pair of streams; Start runs a server process
// (gopls, lspshare lsp, or the scripted FakeServer) with a Client on its
// stdio. A Sandbox writes a workspace from a txtar archive into a temporary
// folder with its own home, GOPATH and offline module proxy, so that gopls
// resolves the standard library, the workspace's packages and a module
// dependency without the network. Demo is a ready-made workspace with all
// three.
//
// Tests that use Lspshare or FakeServer call Main from TestMain.
package lsptest
