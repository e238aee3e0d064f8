package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/viewer"
	"github.com/lspshare/lspshare/wire"
)

const hubSynopsis = `Usage: lspshare hub [flags]

Runs a session hub, ready to use: with no flags it listens on 127.0.0.1:7777,
keeps its sessions in $XDG_STATE_HOME/lspshare (~/.local/state/lspshare),
makes a first session "main" and prints its join links. A join link opened
in a browser is the session's web page.

The hub stores only hashes of the join keys. It keeps the first session's
links in DATA/first-session.json (readable by you alone) so that it can
print them again after a restart; the links of sessions made with
"lspshare new" are printed once, when they are made.

Examples:
  lspshare hub
  lspshare hub --addr 0.0.0.0:443 --tls-cert fullchain.pem --tls-key privkey.pem \
      --url https://hub.example.org --admin-token "$TOKEN"
  lspshare hub --trusted-proxy 127.0.0.1/32 --url https://hub.example.org --admin-token "$TOKEN"
  lspshare hub --stats              # counters of the hub running on 127.0.0.1:7777

With --tls-cert and --tls-key the hub serves https and wss, its links
start with https://, and it reads the certificate again when its files
change: a renewal (certbot) needs no restart. Behind a reverse proxy that
terminates TLS, name the proxy with --trusted-proxy: only its forwarding
headers are believed, and a forwarded request never counts as coming from
the hub's machine, so making sessions through it needs the admin token.
docs/deploy.md has tested Caddy and nginx set-ups and a systemd unit.

The hub serves its counters (connections, frames dropped by reason) on
GET /metrics in the Prometheus text format, to its own machine or with the
admin token.`

// hubOptions are the settings of "lspshare hub".
type hubOptions struct {
	addr       string
	url        string
	data       string
	first      string
	adminToken string
	tlsCert    string
	tlsKey     string
	proxies    []netip.Prefix
	stats      bool
}

func parseHubArgs(args []string, stderr io.Writer) (hubOptions, error) {
	o := hubOptions{adminToken: os.Getenv("LSPSHARE_ADMIN_TOKEN"), tlsCert: os.Getenv("LSPSHARE_TLS_CERT"), tlsKey: os.Getenv("LSPSHARE_TLS_KEY")}
	fs := newFlagSet("lspshare hub", hubSynopsis, stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:7777", "address to listen on")
	fs.StringVar(&o.url, "url", "", "the hub's address as participants reach it, for links and the web page's Origin check (default http://ADDR, https://ADDR with TLS)")
	fs.StringVar(&o.data, "data", defaultDataDir(), "directory of the hub's store")
	fs.StringVar(&o.first, "session", "main", `first session, made if missing ("" for none)`)
	fs.StringVar(&o.adminToken, "admin-token", o.adminToken, "lets POST /api/sessions and GET /metrics come from other machines with this bearer token (env LSPSHARE_ADMIN_TOKEN)")
	fs.StringVar(&o.tlsCert, "tls-cert", o.tlsCert, "serve TLS with this certificate (PEM, full chain); read again when it changes (env LSPSHARE_TLS_CERT)")
	fs.StringVar(&o.tlsKey, "tls-key", o.tlsKey, "the certificate's private key (PEM) (env LSPSHARE_TLS_KEY)")
	fs.Func("trusted-proxy", "address (CIDR) of a reverse proxy in front of the hub, whose X-Forwarded-For and X-Forwarded-Proto are believed; repeatable (env LSPSHARE_TRUSTED_PROXIES, comma-separated)", func(v string) error {
		p, err := parseProxy(v)
		o.proxies = append(o.proxies, p)
		return err
	})
	fs.BoolVar(&o.stats, "stats", false, "print the counters of the hub running at --url (or --addr) and exit: connections, frames dropped by reason, and the moves written to followers with the hub's mean delay per move")
	if env := os.Getenv("LSPSHARE_TRUSTED_PROXIES"); env != "" {
		for _, v := range strings.Split(env, ",") {
			p, err := parseProxy(v)
			if err != nil {
				return o, fmt.Errorf("LSPSHARE_TRUSTED_PROXIES: %w", err)
			}
			o.proxies = append(o.proxies, p)
		}
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("lspshare hub takes no arguments, got %q", fs.Arg(0))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return o, errors.New("lspshare hub: give --tls-cert and --tls-key together")
	}
	return o, nil
}

// parseProxy reads a trusted proxy's address: a CIDR prefix, or one
// address.
func parseProxy(v string) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Masked(), nil
	}
	ip, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q is no address or CIDR prefix (like 127.0.0.1/32 or 10.0.0.0/8)", v)
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}

// baseURL is the hub's address as others reach it, before it listens.
func (o hubOptions) baseURL() string {
	if o.url != "" {
		return strings.TrimSuffix(o.url, "/")
	}
	return o.scheme() + "://" + o.addr
}

// scheme is the scheme of the hub's own listener.
func (o hubOptions) scheme() string {
	if o.tlsCert != "" {
		return "https"
	}
	return "http"
}

// connsPerAddr bounds the TCP connections one address may hold open to
// the hub (a trusted proxy's are not counted): a participant needs one,
// a web page two or three.
const connsPerAddr = 256

// listen opens the hub's listener: at most connsPerAddr connections per
// address, then TLS when a certificate is given.
func (o hubOptions) listen(h *hub.Hub, ln net.Listener, log *slog.Logger) (net.Listener, error) {
	ln = h.LimitListener(ln, connsPerAddr)
	if o.tlsCert == "" {
		return ln, nil
	}
	certs, err := certs.NewReloader(o.tlsCert, o.tlsKey, log)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	return tls.NewListener(ln, certs.ServerConfig()), nil
}

// clearTextWarning is what the hub says when it listens beyond loopback
// with nothing to encrypt its traffic, or "" when all is well.
func (o hubOptions) clearTextWarning(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if o.tlsCert != "" || len(o.proxies) > 0 || !ok || tcp.IP.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("warning: the hub listens on %s without TLS: join keys and the admin token travel in clear. "+
		"Give it --tls-cert and --tls-key, or put a reverse proxy with TLS in front (--trusted-proxy); see docs/deploy.md", addr)
}

func runHub(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseHubArgs(args, stderr)
	if err != nil {
		return err
	}
	if o.stats {
		return printStats(ctx, stdout, o.baseURL(), o.adminToken)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	db, err := store.OpenBoltStore(o.data)
	if err != nil {
		return err
	}
	defer db.Close()
	tcp, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if warning := o.clearTextWarning(tcp.Addr()); warning != "" {
		fmt.Fprintln(stderr, "lspshare hub: "+warning)
	}
	base := strings.TrimSuffix(o.url, "/")
	if base == "" {
		base = o.scheme() + "://" + tcp.Addr().String()
	}
	h := hub.New(hub.Config{BaseURL: base, Store: db, Logger: log, AdminToken: o.adminToken, TrustedProxies: o.proxies})
	defer h.Close()
	ln, err := o.listen(h, tcp, log)
	if err != nil {
		tcp.Close()
		return err
	}
	view := viewer.New(h, viewer.Config{Logger: log})
	defer view.Close()

	fmt.Fprintf(stdout, "lspshare hub on %s (data in %s)\n", base, o.data)
	if o.first != "" {
		if err := firstSession(stdout, h, db, o.data, o.first, base); err != nil {
			ln.Close()
			return err
		}
	}
	return serve(ctx, ln, view, log, func() {
		view.Close() // pages and the file fetches they wait for
		h.Close()    // participants
	})
}

// serve serves h on ln until ctx ends, then calls stopping, which ends the
// websockets (which the server does not track) and what requests wait for,
// and shuts the server down. A client gets 10 s for its TLS handshake and
// request headers, and an idle keep-alive connection is closed after 2
// minutes; websockets keep their own deadlines once upgraded.
func serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, stopping func()) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("hub: %w", err)
	case <-ctx.Done():
	}
	log.Info("hub stopping")
	stopping()
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(stop)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("hub: %w", err)
	}
	return err
}

// firstSession makes the hub's first session, or finds it from an earlier
// run, and prints its links.
func firstSession(w io.Writer, h *hub.Hub, db *store.BoltStore, dataDir, name, base string) error {
	links, err := h.CreateSession(name)
	switch {
	case err == nil:
		if err := saveFirstLinks(dataDir, links); err != nil {
			return err
		}
	case errors.Is(err, store.ErrSessionExists):
		var ok bool
		if links, ok = loadFirstLinks(dataDir, db, name, base); !ok {
			fmt.Fprintf(w, "\nSession %s exists; its join links were printed when it was made (the hub keeps only hashes of its keys).\n"+
				"Make another: lspshare new NAME\n", name)
			return nil
		}
	default:
		return err
	}
	printLinks(w, links)
	return nil
}

// printLinks shows a session's links and how to use them.
func printLinks(w io.Writer, l wire.Links) {
	fmt.Fprintf(w, `
Session %s
  drive link (navigate):  %s
  attend link (follow):   %s
  web page:               the attend link, in a browser
%s`, l.Session, l.Drive, l.Attend, editorSnippet(l.Attend))
}

// editorSnippet is the editor configuration to copy, for the given link:
// every editor runs "lspshare lsp" in place of gopls. The link holds a
// session key, so every snippet hands it over in settings or the
// environment: a process's arguments are readable by every local user.
func editorSnippet(link string) string {
	return fmt.Sprintf(`
Point your editor's Go language server at lspshare (navigator: the drive link;
everyone else: the attend link). The link holds a key: it goes in settings or
the environment, never in arguments. Copy one of these:

  VS Code, lspshare extension (settings.json):
    "lspshare.join": %[1]q

  VS Code, Go extension only (settings.json):
    "go.alternateTools": { "gopls": "lspshare" },
    "go.toolsEnvVars": { "LSPSHARE_JOIN": %[1]q }

  Vim or Neovim with the lspshare plugin (editors/vim):
    let g:lspshare_join = %[1]q

  Neovim 0.11 or later, no plugin (init.lua):
    vim.lsp.config('gopls', { cmd = { 'lspshare', 'lsp' }, filetypes = { 'go', 'gomod' },
      cmd_env = { LSPSHARE_JOIN = %[1]q } })
    vim.lsp.enable('gopls')

  Neovim 0.9 or 0.10, nvim-lspconfig, no plugin (init.lua):
    require('lspconfig').gopls.setup{ cmd = { 'lspshare', 'lsp' },
      cmd_env = { LSPSHARE_JOIN = %[1]q } }

  Emacs 30 with lspshare.el (editors/emacs; init.el):
    (require 'lspshare)
    (setq lspshare-link %[1]q)
    (lspshare-mode 1)
    (add-hook 'go-mode-hook #'eglot-ensure)

  Emacs, Eglot alone (init.el):
    (setenv "LSPSHARE_JOIN" %[1]q)
    (with-eval-after-load 'eglot
      (add-to-list 'eglot-server-programs '((go-mode go-ts-mode) . ("lspshare" "lsp"))))
    (add-hook 'go-mode-hook #'eglot-ensure)

  Any other LSP client: run "lspshare lsp" as the Go server, with this in
  its environment:
    LSPSHARE_JOIN=%[1]q
`, link)
}
