package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"slices"
	"strings"

	"github.com/lspshare/lspshare/participant"
	"github.com/lspshare/lspshare/proxy"
)

const lspSynopsis = `Usage: lspshare lsp [flags] [gopls arguments]

The language server proxy. Point your editor's Go language server at
"lspshare lsp" instead of gopls: it runs gopls, relays everything unchanged,
and shares where you navigate with your session.

Arguments lspshare does not know (serve, -mode=stdio, -rpc.trace,
-remote=auto, ...) are handed to the server, so an editor set up for gopls
works unchanged. stdout carries LSP only; logs go to stderr or --log.

Every flag has an environment variable, for editors that start the proxy as
a bare command: LSPSHARE_SERVER, LSPSHARE_JOIN, LSPSHARE_NAME, LSPSHARE_LOG.
Give the join link in LSPSHARE_JOIN rather than --join: a command line can
be read by every user of the machine, and the link holds the session's key.

Every lspshare lsp you start for one session with the same link and name
(several projects, windows or editors) is one participant: the first holds
the hub connection and the others attach to it through a socket only you
can open ($XDG_RUNTIME_DIR/lspshare, else your cache directory; a named
pipe on Windows). A jump of the navigator opens in the one editor whose
project holds the file.

Examples:
  lspshare lsp                                    # just a transparent gopls
  LSPSHARE_JOIN='http://hub:7777/s/main?key=…' LSPSHARE_NAME=ada lspshare lsp
  lspshare lsp --server 'gopls -remote=auto'
  LSPSHARE_JOIN=LINK lspshare lsp --server none   # no local gopls: answers come from the navigator`

// lspOptions are the settings of "lspshare lsp".
type lspOptions struct {
	server     string
	serverArgs []string
	join       string
	name       string
	logFile    string
}

// lspFlags are the flags lspshare lsp takes itself; all others belong to
// the language server.
var lspFlags = []string{"server", "join", "name", "log"}

// parseLSPArgs splits args into lspshare's own flags and the server's
// arguments. The standard flag package cannot do this, since it stops at the
// first flag it does not know.
func parseLSPArgs(args []string, stderr io.Writer) (lspOptions, error) {
	o := lspOptions{
		server:  envOr("LSPSHARE_SERVER", "gopls"),
		join:    os.Getenv("LSPSHARE_JOIN"),
		name:    envOr("LSPSHARE_NAME", defaultName()),
		logFile: os.Getenv("LSPSHARE_LOG"),
	}
	fs := newFlagSet("lspshare lsp", lspSynopsis, stderr)
	fs.StringVar(&o.server, "server", o.server, "language server command line, or \"none\" (env LSPSHARE_SERVER)")
	fs.StringVar(&o.join, "join", o.join, "join link of a session (env LSPSHARE_JOIN)")
	fs.StringVar(&o.name, "name", o.name, "your name in the session (env LSPSHARE_NAME)")
	fs.StringVar(&o.logFile, "log", o.logFile, "write the log to this file instead of stderr (env LSPSHARE_LOG)")

	var own []string
	for i := 0; i < len(args); i++ {
		name, hasValue := flagName(args[i])
		switch {
		case name == "h" || name == "help":
			own = append(own, args[i])
		case slices.Contains(lspFlags, name):
			own = append(own, args[i])
			if !hasValue && i+1 < len(args) {
				i++
				own = append(own, args[i])
			}
		default:
			o.serverArgs = append(o.serverArgs, args[i])
		}
	}
	if err := fs.Parse(own); err != nil {
		return o, err
	}
	return o, nil
}

// flagName returns the name of a "-name", "--name" or "--name=value"
// argument, and whether the value is attached.
func flagName(arg string) (string, bool) {
	if !strings.HasPrefix(arg, "-") {
		return "", false
	}
	name := strings.TrimLeft(arg, "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		return name[:i], true
	}
	return name, false
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func defaultName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return envOr("USER", "someone")
}

// serverCommand is the command line of the language server: --server split
// into words, then the gopls arguments the editor passed. A --server that
// names a file is that program alone, spaces and all: editor plugins pass
// a path ("C:\Program Files\Go\bin\gopls.exe").
func (o lspOptions) serverCommand() []string {
	words := strings.Fields(o.server)
	if info, err := os.Stat(o.server); err == nil && !info.IsDir() {
		words = []string{o.server}
	}
	if len(words) == 0 || words[0] == "none" {
		return nil
	}
	return append(words, o.serverArgs...)
}

func runLSP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseLSPArgs(args, stderr)
	if err != nil {
		return err
	}
	logOut := stderr
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("open log: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	log := slog.New(slog.NewTextHandler(logOut, nil)).With("pid", os.Getpid())

	in, out := editorStdio(stdout)
	px, part := newParticipantProxy(o, in, out, logOut, log)
	ctx, cancel := context.WithCancel(ctx)
	partDone := make(chan error, 1)
	go func() { partDone <- part.Run(ctx) }()
	err = px.Run(ctx)
	cancel()
	<-partDone
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// newParticipantProxy builds the proxy and the participant that shares its
// navigation with the session of o.join (or of a later lspshare.join).
func newParticipantProxy(o lspOptions, in io.Reader, out, serverLog io.Writer, log *slog.Logger) (*proxy.Proxy, *participant.Participant) {
	part := participant.New(participant.Config{Link: o.join, Name: o.name, Logger: log})
	px := proxy.New(proxy.Config{
		Server:       o.serverCommand(),
		ServerStderr: serverLog,
		Logger:       log,
		OnEvent:      part.OnEvent,
		OnInitialize: part.OnInitialize,
		OnAnswered:   part.OnAnswered,
		Remote:       part,
	}, in, out)
	part.Attach(px)
	return px, part
}
