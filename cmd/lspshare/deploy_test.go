package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
)

// deployBlock returns the first fenced block of docs/deploy.md marked lang.
func deployBlock(t *testing.T, lang string) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatalf("docs/deploy.md has no %s block", lang)
	}
	return string(m[1])
}

// substitute makes each replacement in block, failing when the text to
// replace is not there: the test runs the documented block, or none.
func substitute(t *testing.T, block string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(block, pairs[i]) {
			t.Fatalf("the documented block lacks %q:\n%s", pairs[i], block)
		}
		block = strings.ReplaceAll(block, pairs[i], pairs[i+1])
	}
	return block
}

// proxied is a hub behind a reverse proxy that terminates TLS with a
// certificate of a CA made by the test.
type proxied struct {
	ca       *hubtest.CA
	hubAddr  string // where the hub listens
	public   string // https://127.0.0.1:PORT, the proxy
	certFile string
	keyFile  string
	dir      string
}

const adminToken = "test-admin-token"

func newProxied(t *testing.T) *proxied {
	t.Helper()
	p := &proxied{ca: hubtest.NewCA(t, "lspshare test CA"), hubAddr: freeAddr(t), public: "https://" + freeAddr(t), dir: t.TempDir()}
	p.certFile, p.keyFile = p.ca.IssueFiles(t, "127.0.0.1")
	t.Setenv("SSL_CERT_FILE", p.ca.CertFile)
	t.Setenv("LSPSHARE_ADMIN_TOKEN", "") // the token only where a test gives it
	startHubCommand(t, "--addr", p.hubAddr, "--url", p.public, "--trusted-proxy", "127.0.0.1/32",
		"--admin-token", adminToken, "--session", "")
	return p
}

// start runs a proxy command until the test ends and waits until it
// answers TLS handshakes on the public address.
func (p *proxied) start(t *testing.T, name string, env []string, args ...string) {
	t.Helper()
	var out lsptest.LockedBuffer
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	// nginx's workers outlive a killed master and hold its output open:
	// the master is asked to stop them (SIGTERM), and Wait stops waiting
	// for the output after a while.
	cmd.WaitDelay = hubWait
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	host := strings.TrimPrefix(p.public, "https://")
	deadline := time.Now().Add(hubWait)
	for {
		conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: p.ca.Pool()})
		if err == nil {
			conn.Close()
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited (%v):\n%s", name, err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer on %s: %v\n%s", name, host, err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // the server is starting
	}
}

// check runs what must hold through any proxy: making a session needs the
// admin token (over HTTP and with lspshare new), /metrics too, and then a
// driver, a follower and the web page follow three jumps.
func (p *proxied) check(t *testing.T) {
	t.Helper()
	client, err := certs.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/sessions", "/metrics"} {
		req, _ := http.NewRequest(http.MethodPost, p.public+path, strings.NewReader(`{"name":"x"}`))
		if path == "/metrics" {
			req.Method = http.MethodGet
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s without the admin token through the proxy: %s, want 403", req.Method, path, resp.Status)
		}
	}
	err = runNew(context.Background(), []string{"--hub", p.public, "team"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "the hub refused: sessions can be created only from the hub's own machine") {
		t.Errorf("lspshare new without the admin token through the proxy: %v", err)
	}
	links := newSession(t, p.public, "team", "--admin-token", adminToken)
	if !strings.HasPrefix(links.Drive, p.public+"/s/team?key=") {
		t.Fatalf("links %+v are not on the public address %s", links, p.public)
	}
	followJumps(t, links, nil)
}

// The documented Caddy site block, with the certificate of the test's CA
// (its commented tls line), in front of a hub.
func TestBehindCaddy(t *testing.T) {
	caddy := lsptest.NeedTool(t, "caddy", "apt-get install caddy (scripts/install-test-deps.sh)")
	p := newProxied(t)
	site := substitute(t, deployBlock(t, "caddy"),
		"hub.example.org {", p.public+" {",
		"# tls /etc/ssl/hub.example.org/fullchain.pem /etc/ssl/hub.example.org/privkey.pem", "tls "+p.certFile+" "+p.keyFile,
		"127.0.0.1:7777", p.hubAddr)
	// Global options for a test: no admin API, no certificate management
	// or redirects on port 80, state in the test's directory.
	config := "{\n\tadmin off\n\tauto_https off\n\tstorage file_system " + filepath.Join(p.dir, "data") + "\n}\n\n" + site
	file := filepath.Join(p.dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p.start(t, caddy, []string{"HOME=" + p.dir, "XDG_DATA_HOME=" + p.dir, "XDG_CONFIG_HOME=" + p.dir},
		"run", "--config", file, "--adapter", "caddyfile")
	p.check(t)
}

// The documented nginx blocks, with the test's certificate, in front of a
// hub.
func TestBehindNginx(t *testing.T) {
	nginx := lsptest.NeedTool(t, "nginx", "apt-get install nginx (scripts/install-test-deps.sh)")
	p := newProxied(t)
	blocks := substitute(t, deployBlock(t, "nginx"),
		"listen 443 ssl;", "listen "+strings.TrimPrefix(p.public, "https://")+" ssl;",
		"/etc/letsencrypt/live/hub.example.org/fullchain.pem", p.certFile,
		"/etc/letsencrypt/live/hub.example.org/privkey.pem", p.keyFile,
		"127.0.0.1:7777", p.hubAddr)
	var temps string
	for _, kind := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		temps += fmt.Sprintf("    %s_temp_path %s;\n", kind, filepath.Join(p.dir, kind))
	}
	// What a test needs around the blocks: in the foreground, every file
	// in the test's directory.
	config := fmt.Sprintf("daemon off;\nworker_processes 1;\npid %s;\nerror_log stderr notice;\nevents { worker_connections 64; }\nhttp {\n    access_log off;\n%s%s}\n",
		filepath.Join(p.dir, "nginx.pid"), temps, blocks)
	file := filepath.Join(p.dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p.start(t, nginx, nil, "-p", p.dir, "-c", file, "-e", "stderr")
	p.check(t)
}

// --trusted-proxy is repeatable, LSPSHARE_TRUSTED_PROXIES a comma-separated
// list, and a bare address is a prefix of its own.
func TestTrustedProxyFlags(t *testing.T) {
	t.Setenv("LSPSHARE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
	o, err := parseHubArgs([]string{"--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "::1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(o.proxies); got != "[10.0.0.0/8 192.0.2.1/32 127.0.0.1/32 ::1/128]" {
		t.Errorf("trusted proxies %s", got)
	}
	if _, err := parseHubArgs([]string{"--trusted-proxy", "proxy.example.org"}, io.Discard); err == nil || !strings.Contains(err.Error(), "no address or CIDR prefix") {
		t.Errorf("a name as trusted proxy: %v", err)
	}
	if _, err := parseHubArgs([]string{"--tls-cert", "cert.pem"}, io.Discard); err == nil {
		t.Error("--tls-cert without --tls-key is accepted")
	}
}

// A hub listening beyond loopback with neither TLS nor a proxy in front
// warns that keys travel in clear; on loopback, with TLS or behind a
// trusted proxy it does not.
func TestClearTextWarning(t *testing.T) {
	addr := func(s string) net.Addr {
		a, err := net.ResolveTCPAddr("tcp", s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	plain := hubOptions{}
	withTLS := hubOptions{tlsCert: "cert.pem", tlsKey: "key.pem"}
	proxied := hubOptions{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	for _, tc := range []struct {
		o    hubOptions
		addr string
		warn bool
	}{
		{plain, "0.0.0.0:7777", true},
		{plain, "[::]:7777", true},
		{plain, "192.0.2.1:7777", true},
		{plain, "127.0.0.1:7777", false},
		{plain, "[::1]:7777", false},
		{withTLS, "0.0.0.0:443", false},
		{proxied, "0.0.0.0:7777", false},
	} {
		got := tc.o.clearTextWarning(addr(tc.addr))
		if (got != "") != tc.warn || (tc.warn && !strings.Contains(got, "travel in clear")) {
			t.Errorf("%s, TLS %v, proxies %v: warning %q", tc.addr, tc.o.tlsCert != "", tc.o.proxies, got)
		}
	}
}

// TestSystemdUnit: the unit in docs/deploy.md is one systemd takes
// (systemd-analyze verify, which warns of unknown keys and bad values), and
// its ExecStart, with the environment file, runs a hub that prints its links
// and exits cleanly on the unit's KillSignal within its TimeoutStopSec.
func TestSystemdUnit(t *testing.T) {
	analyze := lsptest.NeedTool(t, "systemd-analyze", "apt-get install systemd (scripts/install-test-deps.sh)")
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	if err := os.WriteFile(envFile, []byte("LSPSHARE_ADMIN_TOKEN="+adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	unit := substitute(t, deployBlock(t, "ini"),
		"/usr/local/bin/lspshare", lsptest.Lspshare(t),
		"/etc/lspshare/env", envFile,
		"127.0.0.1:7777", freeAddr(t),
		"/var/lib/lspshare", data)
	file := filepath.Join(dir, "lspshare-hub.service")
	if err := os.WriteFile(file, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", file).CombinedOutput()
	if err != nil || strings.Contains(string(out), file) {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	execStart := unitValue(t, unit, "ExecStart")
	if err := os.Mkdir(data, 0o700); err != nil { // StateDirectory's work
		t.Fatal(err)
	}
	h := startHubArgv(t, []string{"LSPSHARE_ADMIN_TOKEN=" + adminToken}, strings.Fields(execStart)...)
	if !strings.HasPrefix(h.url, "https://hub.example.org") {
		t.Errorf("the hub's links start %q, want the unit's --url", h.url)
	}
	if sig := unitValue(t, unit, "KillSignal"); sig != "SIGTERM" {
		t.Fatalf("KillSignal=%s: the test sends SIGTERM", sig)
	}
	stop, err := time.ParseDuration(unitValue(t, unit, "TimeoutStopSec") + "s")
	if err != nil {
		t.Fatal(err)
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.exited:
		h.exited <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, h.stderr)
		}
	case <-time.After(stop): // then systemd would kill it
		t.Fatalf("the hub still runs %v after SIGTERM, the unit's TimeoutStopSec", stop)
	}
}

// unitValue returns the value of key in a unit file's text.
func unitValue(t *testing.T, unit, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + key + `=(.*)$`).FindStringSubmatch(unit)
	if m == nil {
		t.Fatalf("the unit has no %s", key)
	}
	return m[1]
}
