package vim_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// proxyProcess is a running lspshare that an editor started: its argv and
// its environment, as /proc shows them.
type proxyProcess struct {
	pid       int
	argv, env []string
}

// proxies returns the lspshare processes this editor started: those whose
// environment holds the editor's LSPSHARE_TEST_DIR.
func (e *editor) proxies() []proxyProcess {
	e.t.Helper()
	if runtime.GOOS != "linux" {
		e.t.Skip("reading another process's argv needs Linux's /proc")
	}
	bin, err := filepath.EvalSymlinks(lsptest.Lspshare(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		e.t.Fatal(err)
	}
	var found []proxyProcess
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", entry.Name())
		exe, err1 := os.Readlink(filepath.Join(dir, "exe"))
		cmdline, err2 := os.ReadFile(filepath.Join(dir, "cmdline"))
		environ, err3 := os.ReadFile(filepath.Join(dir, "environ"))
		if err1 != nil || err2 != nil || err3 != nil || exe != bin {
			continue // gone meanwhile, or not lspshare
		}
		p := proxyProcess{pid: pid, argv: nulSplit(cmdline), env: nulSplit(environ)}
		if envValue(p.env, "LSPSHARE_TEST_DIR") == e.dir {
			found = append(found, p)
		}
	}
	return found
}

func nulSplit(b []byte) []string {
	return strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
}

// checkKeyNotInArgv fails the test unless the proxy this editor started
// got the join link through its environment, with the key nowhere in its
// arguments, which every local user can read.
func (e *editor) checkKeyNotInArgv(link string) {
	e.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		e.t.Fatal(err)
	}
	key := u.Query().Get("key")
	proxies := e.proxies()
	if len(proxies) != 1 {
		e.t.Fatalf("%s started %d lspshare processes, want 1: %v", e.name, len(proxies), proxies)
	}
	p := proxies[0]
	if key == "" || strings.Contains(strings.Join(p.argv, "\x00"), key) {
		e.t.Errorf("the proxy's argv holds the join key %q: %q", key, p.argv)
	}
	if got := envValue(p.env, "LSPSHARE_JOIN"); got != link {
		e.t.Errorf("the proxy's LSPSHARE_JOIN is %q, want %q", got, link)
	}
}
