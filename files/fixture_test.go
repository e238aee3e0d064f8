package files

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/location"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// secret is in every file of the fixture that must never be served.
const secret = "SECRET-d41d8cd98f00"

// fixtureMaxSize is the fixture Server's size cap: small, to keep the
// over-the-cap file small.
const fixtureMaxSize = 3 * ChunkSize

// fixture is a participant's machine: a git workspace with tracked,
// untracked and hostile files, a module cache, a GOROOT, and secrets
// outside all of them.
type fixture struct {
	base                   string // temp dir holding everything
	root, modcache, goroot string
	srv                    *Server
	log                    *lsptest.LockedBuffer
	chunky                 []byte // tracked file "data/chunky.bin", 2.5 chunks
}

// needGit skips the test when git is missing, or fails it on CI.
func needGit(t testing.TB) {
	t.Helper()
	lsptest.NeedTool(t, "git", "apt-get install git")
}

// git runs git in dir with no user or system configuration.
func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t testing.TB, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, target, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// Contents of the fixture's allowed files.
const (
	aGo     = "package app // a.go\n"
	vendGo  = "package vend // vendored copy\n"
	depGo   = "package dep // module cache copy\n"
	tomlGo  = "package toml // decode.go\n"
	printGo = "package fmt // print.go\n"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	needGit(t)
	base := t.TempDir()
	fx := &fixture{
		base:     base,
		root:     filepath.Join(base, "ws"),
		modcache: filepath.Join(base, "modcache"),
		goroot:   filepath.Join(base, "goroot"),
		log:      &lsptest.LockedBuffer{},
		chunky:   randomBytes(2*ChunkSize + ChunkSize/2),
	}
	s := []byte(secret + "\n")
	writeFile(t, filepath.Join(base, "secret.txt"), s)
	writeFile(t, filepath.Join(base, "secretdir", "inner.txt"), s)

	ws := func(rel string) string { return filepath.Join(fx.root, filepath.FromSlash(rel)) }
	writeFile(t, ws("go.mod"), []byte("module example.com/app\n"))
	writeFile(t, ws("a.go"), []byte(aGo))
	writeFile(t, ws("pkg/b.go"), []byte("package pkg\n"))
	writeFile(t, ws("vendor/modules.txt"), []byte("# example.com/vend v1.0.0\n## explicit\nexample.com/vend\n"))
	writeFile(t, ws("vendor/example.com/vend/vend.go"), []byte(vendGo))
	writeFile(t, ws("data/chunky.bin"), fx.chunky)
	writeFile(t, ws("big.bin"), append(s, make([]byte, fixtureMaxSize)...))
	writeFile(t, ws("pipe"), []byte("replaced by a FIFO after git add\n"))
	symlink(t, "../secret.txt", ws("link-file"))
	symlink(t, "../secretdir", ws("link-dir"))
	symlink(t, "chain-2", ws("chain-1"))
	symlink(t, "sub/chain-3", ws("chain-2"))
	symlink(t, "../../secret.txt", ws("sub/chain-3"))
	symlink(t, ".env", ws("link-env"))
	symlink(t, "/proc/self/environ", ws("link-proc"))
	symlink(t, "a.go", ws("link-ok"))
	git(t, fx.root, "init", "-q")
	git(t, fx.root, "add", "--", ".")
	git(t, fx.root, "config", "secret.marker", secret)
	// Untracked, created after `git add .`.
	writeFile(t, ws(".env"), s)
	writeFile(t, ws("untracked.go"), s)
	writeFile(t, ws("vendor/example.com/vend/untracked.go"), s)
	if err := os.Remove(ws("pipe")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, ws("pipe"))

	mc := func(rel string) string { return filepath.Join(fx.modcache, filepath.FromSlash(rel)) }
	writeFile(t, mc("example.com/dep@v1.0.0/dep.go"), []byte(depGo))
	writeFile(t, mc("example.com/dep@v1.0.0/internal/x.go"), []byte("package internal\n"))
	writeFile(t, mc("github.com/!burnt!sushi/toml@v1.2.0/decode.go"), []byte(tomlGo))
	// Served as module:example.com/other@v1.0.0:x.go, but not through
	// another module's symlink.
	writeFile(t, mc("example.com/other@v1.0.0/x.go"), []byte("package other\n"))
	symlink(t, "../../../secret.txt", mc("example.com/dep@v1.0.0/escape.go"))
	symlink(t, "../other@v1.0.0/x.go", mc("example.com/dep@v1.0.0/sibling.go"))
	symlink(t, "../../secretdir", mc("example.com/evil@v1.0.0"))
	mkfifo(t, mc("example.com/dep@v1.0.0/pipe.go"))

	gr := func(rel string) string { return filepath.Join(fx.goroot, filepath.FromSlash(rel)) }
	writeFile(t, gr("VERSION"), []byte("go1.26.8\n"))
	writeFile(t, gr("src/fmt/print.go"), []byte(printGo))
	symlink(t, "../../secret.txt", gr("src/evil.go"))
	symlink(t, "/proc/self/environ", gr("src/environ"))
	mkfifo(t, gr("src/pipe"))

	m, err := location.NewMapper(location.MapperConfig{Root: fx.root, GOMODCACHE: fx.modcache, GOROOT: fx.goroot})
	if err != nil {
		t.Fatal(err)
	}
	fx.srv, err = NewServer(ServerConfig{
		Root:       fx.root,
		GOMODCACHE: fx.modcache,
		GOROOT:     fx.goroot,
		MaxSize:    fixtureMaxSize,
		Logger:     slog.New(slog.NewTextHandler(fx.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, m)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// readResult is what one Read returned.
type readResult struct {
	data []byte
	size int64
	err  error
}

// readWithin calls Read and fails the test if it has not returned within
// a generous deadline: a Read that blocks (on a FIFO, say) is a bug.
func (fx *fixture) readWithin(t testing.TB, loc location.Location, offset, limit int64) readResult {
	t.Helper()
	done := make(chan readResult, 1)
	go func() {
		data, size, err := fx.srv.Read(context.Background(), "mallory", loc, offset, limit)
		done <- readResult{data, size, err}
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("Read(%+v) still blocked after 20s", loc)
		return readResult{}
	}
}

// checkNoLeak fails if s holds the secret or a path of the fixture's
// machine.
func (fx *fixture) checkNoLeak(t testing.TB, what, s string) {
	t.Helper()
	if strings.Contains(s, secret) {
		t.Errorf("%s contains the secret: %q", what, s)
	}
	resolvedBase, _ := filepath.EvalSymlinks(fx.base)
	for _, p := range []string{fx.base, resolvedBase} {
		if p != "" && strings.Contains(s, p) {
			t.Errorf("%s contains a local path: %q", what, s)
		}
	}
}
