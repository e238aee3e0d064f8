package files

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lspshare/lspshare/location"
)

func ws(path string) location.Location {
	return location.Location{Space: location.Workspace, Path: path}
}
func gr(path string) location.Location { return location.Location{Space: location.GOROOT, Path: path} }
func mod(module, path string) location.Location {
	return location.Location{Space: location.Module, Module: module, Path: path}
}

// TestReadHostile is the hostile-request table: every request is refused
// (or not found) with an error, and nothing secret comes back, in the
// answer, the error or the log.
func TestReadHostile(t *testing.T) {
	fx := newFixture(t)
	const dep = "example.com/dep@v1.0.0"
	for _, tc := range []struct {
		name string
		loc  location.Location
		want error
	}{
		// ../ in every position, and encodings that are not ../ here.
		{"dotdot first", ws("../secret.txt"), ErrRefused},
		{"dotdot middle", ws("pkg/../../secret.txt"), ErrRefused},
		{"dotdot last", ws("pkg/.."), ErrRefused},
		{"dotdot alone", ws(".."), ErrRefused},
		{"dotdot slash", ws("../"), ErrRefused},
		{"dotdot deep", ws("a/b/c/../../../../secret.txt"), ErrRefused},
		{"dot element", ws("./a.go"), ErrRefused},
		{"double slash", ws("pkg//b.go"), ErrRefused},
		{"backslash dotdot", ws(`..\secret.txt`), ErrRefused},
		{"percent-encoded dotdot", ws("%2e%2e/secret.txt"), ErrRefused},
		{"percent-encoded slash", ws("..%2fsecret.txt"), ErrRefused},
		{"four dots", ws("....//secret.txt"), ErrRefused},
		{"fullwidth dots", ws("．．/secret.txt"), ErrRefused},
		{"NUL", ws("a.go\x00/../../secret.txt"), ErrRefused},
		{"goroot dotdot", gr("../secret.txt"), ErrRefused},
		{"goroot escaping", gr("src/../../secret.txt"), ErrRefused},
		{"module path dotdot", mod(dep, "../../../secret.txt"), ErrRefused},
		// Absolute paths.
		{"absolute", ws("/etc/passwd"), ErrRefused},
		{"absolute fixture path", ws(filepath.Join(fx.base, "secret.txt")), ErrRefused},
		{"absolute double slash", ws("//etc/passwd"), ErrRefused},
		{"absolute goroot", gr(filepath.Join(fx.base, "secret.txt")), ErrRefused},
		{"absolute module", mod(dep, "/etc/passwd"), ErrRefused},
		{"drive letter", ws("C:/secret.txt"), ErrRefused},
		// Symlinks out of their tree.
		{"symlink to a file outside", ws("link-file"), ErrRefused},
		{"symlink to a dir outside", ws("link-dir"), ErrRefused},
		{"through a symlinked dir", ws("link-dir/inner.txt"), ErrRefused},
		{"symlink chain", ws("chain-1"), ErrRefused},
		{"symlink to an untracked file", ws("link-env"), ErrRefused},
		{"goroot symlink out", gr("src/evil.go"), ErrRefused},
		{"module symlink out", mod(dep, "escape.go"), ErrRefused},
		{"module symlink to another module", mod(dep, "sibling.go"), ErrRefused},
		{"module dir is a symlink out", mod("example.com/evil@v1.0.0", "inner.txt"), ErrRefused},
		// What git does not track.
		{".git/config", ws(".git/config"), ErrRefused},
		{".git/HEAD", ws(".git/HEAD"), ErrRefused},
		{"untracked .env", ws(".env"), ErrRefused},
		{"untracked non-hidden", ws("untracked.go"), ErrRefused},
		{"untracked in vendor", mod("example.com/vend@v1.0.0", "untracked.go"), ErrRefused},
		// /proc/self/environ, via every space.
		{"environ workspace", ws("/proc/self/environ"), ErrRefused},
		{"environ workspace dotdot", ws("../../../../../../../../proc/self/environ"), ErrRefused},
		{"environ workspace symlink", ws("link-proc"), ErrRefused},
		{"environ goroot", gr("/proc/self/environ"), ErrRefused},
		{"environ goroot dotdot", gr("../../../../../../../../proc/self/environ"), ErrRefused},
		{"environ goroot symlink", gr("src/environ"), ErrRefused},
		{"environ module", mod(dep, "../../../../../../../../proc/self/environ"), ErrRefused},
		{"environ module path", mod("proc/self@v1.0.0", "environ"), ErrRefused},
		// Special files.
		{"FIFO swapped in for a tracked file", ws("pipe"), ErrRefused},
		{"FIFO in GOROOT", gr("src/pipe"), ErrRefused},
		{"FIFO in the module cache", mod(dep, "pipe.go"), ErrRefused},
		{"directory in GOROOT", gr("src/fmt"), ErrRefused},
		{"directory in the module cache", mod(dep, "internal"), ErrRefused},
		{"directory in the workspace", ws("pkg"), ErrRefused},
		{"over the cap", ws("big.bin"), ErrRefused},
		// Module paths.
		{"module with dotdot", mod("example.com/../x@v1.0.0", "a.go"), ErrRefused},
		{"module starting with dotdot", mod("../x@v1.0.0", "a.go"), ErrRefused},
		{"module version dotdot", mod("example.com/dep@v1.0.0/../..", "a.go"), ErrRefused},
		{"module version is dotdot", mod("example.com/dep@..", "a.go"), ErrRefused},
		{"module without version", mod("example.com/dep", "dep.go"), ErrRefused},
		{"module cache's own encoding", mod("github.com/!burnt!sushi/toml@v1.2.0", "decode.go"), ErrRefused},
		{"module upper-case version", mod("example.com/dep@V1.0.0", "dep.go"), ErrRefused},
		{"module version with bang", mod("example.com/dep@v1.0.0-!x", "dep.go"), ErrRefused},
		{"module lower-cased", mod("github.com/burntsushi/toml@v1.2.0", "decode.go"), ErrNotFound},
		{"module in the workspace space", location.Location{Space: location.Workspace, Module: dep, Path: "a.go"}, ErrRefused},
		// Empty and unknown.
		{"empty path", ws(""), ErrRefused},
		{"dot path", ws("."), ErrRefused},
		{"empty goroot path", gr(""), ErrRefused},
		{"empty module path", mod(dep, ""), ErrRefused},
		{"unknown space", location.Location{Space: "home", Path: ".ssh/id_ed25519"}, ErrRefused},
		{"empty space", location.Location{Path: "a.go"}, ErrRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fx.readWithin(t, tc.loc, 0, ChunkSize)
			if r.err == nil {
				t.Fatalf("Read(%+v) = %d bytes, no error", tc.loc, len(r.data))
			}
			t.Log(r.err)
			if !errors.Is(r.err, tc.want) {
				t.Errorf("Read(%+v) error %q, want %v", tc.loc, r.err, tc.want)
			}
			var e *Error
			if !errors.As(r.err, &e) {
				t.Errorf("Read error %q is not an *Error", r.err)
			}
			if r.data != nil || r.size != 0 {
				t.Errorf("Read(%+v) returned %d bytes, size %d, with its error", tc.loc, len(r.data), r.size)
			}
			// The error may repeat what the asker sent, nothing else of ours.
			fx.checkNoLeak(t, "error", strings.ReplaceAll(r.err.Error(), tc.loc.Path, "<path>"))
		})
	}
	logs := fx.log.String()
	if strings.Contains(logs, secret) {
		t.Errorf("the log contains the secret:\n%s", logs)
	}
	if n := strings.Count(logs, "asker=mallory"); n == 0 {
		t.Errorf("no refusal logged with the asker's name:\n%s", logs)
	}
}

// TestReadLogsRefusal checks the log line of one refusal: who asked, what,
// and why.
func TestReadLogsRefusal(t *testing.T) {
	fx := newFixture(t)
	fx.readWithin(t, ws(".env"), 0, ChunkSize)
	logs := fx.log.String()
	for _, want := range []string{"level=WARN", "files: refused", "asker=mallory", `workspace:.env`, "not tracked by git"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestReadAllowed(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		name string
		loc  location.Location
		want string
	}{
		{"tracked workspace file", ws("a.go"), aGo},
		{"tracked symlink to a tracked file", ws("link-ok"), aGo},
		{"vendored module file", mod("example.com/vend@v1.0.0", "vend.go"), vendGo},
		{"module cache file", mod("example.com/dep@v1.0.0", "dep.go"), depGo},
		{"module cache, upper-case module path", mod("github.com/BurntSushi/toml@v1.2.0", "decode.go"), tomlGo},
		{"GOROOT file", gr("src/fmt/print.go"), printGo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fx.readWithin(t, tc.loc, 0, ChunkSize)
			if r.err != nil {
				t.Fatalf("Read(%+v): %v", tc.loc, r.err)
			}
			if string(r.data) != tc.want || r.size != int64(len(tc.want)) {
				t.Errorf("Read(%+v) = %q, size %d; want %q", tc.loc, r.data, r.size, tc.want)
			}
		})
	}
}

func TestReadRanges(t *testing.T) {
	fx := newFixture(t)
	size := int64(len(fx.chunky))
	for _, tc := range []struct {
		offset, limit int64
		want          []byte
	}{
		{0, 10, fx.chunky[:10]},
		{100, 5, fx.chunky[100:105]},
		{0, 1 << 30, fx.chunky[:ChunkSize]},       // capped at ChunkSize
		{size - 3, ChunkSize, fx.chunky[size-3:]}, // short at the end
		{size, ChunkSize, []byte{}},               // at the end: nothing
		{0, 0, []byte{}},                          // nothing asked, nothing read
		{ChunkSize, ChunkSize, fx.chunky[ChunkSize : 2*ChunkSize]},
	} {
		r := fx.readWithin(t, ws("data/chunky.bin"), tc.offset, tc.limit)
		if r.err != nil {
			t.Fatalf("Read(%d, %d): %v", tc.offset, tc.limit, r.err)
		}
		if !bytes.Equal(r.data, tc.want) || r.size != size {
			t.Errorf("Read(%d, %d) = %d bytes, size %d; want %d bytes, size %d", tc.offset, tc.limit, len(r.data), r.size, len(tc.want), size)
		}
	}
	for _, bad := range [][2]int64{{-1, 10}, {0, -1}, {size + 1, 10}} {
		r := fx.readWithin(t, ws("data/chunky.bin"), bad[0], bad[1])
		if !errors.Is(r.err, ErrRefused) || r.data != nil {
			t.Errorf("Read(%d, %d) = %d bytes, %v; want refused", bad[0], bad[1], len(r.data), r.err)
		}
	}
}

// TestFetchChunked reassembles a 1.5 MiB file from three chunks.
func TestFetchChunked(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	var chunks atomic.Int32 // Fetch asks from several goroutines
	data, err := Fetch(ctx, 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
		chunks.Add(1)
		return fx.srv.Read(ctx, "alice", ws("data/chunky.bin"), offset, limit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, fx.chunky) {
		t.Errorf("fetched %d bytes, not identical to the %d-byte file", len(data), len(fx.chunky))
	}
	if n := chunks.Load(); n != 3 {
		t.Errorf("fetched in %d chunks, want 3", n)
	}
}

// TestReadNewlyTracked checks that a file tracked after the first listing
// is served once the listing is old enough to be refreshed.
func TestReadNewlyTracked(t *testing.T) {
	fx := newFixture(t)
	fx.srv.workspace.maxAge = 0 // every miss refreshes
	if r := fx.readWithin(t, ws("a.go"), 0, ChunkSize); r.err != nil {
		t.Fatal(r.err)
	}
	writeFile(t, filepath.Join(fx.root, "new.go"), []byte("package app // new\n"))
	if r := fx.readWithin(t, ws("new.go"), 0, ChunkSize); !errors.Is(r.err, ErrRefused) {
		t.Fatalf("untracked new.go: %v, want refused", r.err)
	}
	git(t, fx.root, "add", "new.go")
	if r := fx.readWithin(t, ws("new.go"), 0, ChunkSize); r.err != nil || string(r.data) != "package app // new\n" {
		t.Fatalf("tracked new.go = %q, %v", r.data, r.err)
	}
	// Deleted from the work tree but still in the index: not found.
	if err := os.Remove(filepath.Join(fx.root, "new.go")); err != nil {
		t.Fatal(err)
	}
	if r := fx.readWithin(t, ws("new.go"), 0, ChunkSize); !errors.Is(r.err, ErrNotFound) {
		t.Fatalf("deleted new.go: %v, want not found", r.err)
	}
}

// TestReadOutsideGit serves a workspace that is not in git: every file
// without a hidden path element.
func TestReadOutsideGit(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "plain")
	writeFile(t, filepath.Join(base, "secret.txt"), []byte(secret))
	writeFile(t, filepath.Join(root, "main.go"), []byte("package main\n"))
	writeFile(t, filepath.Join(root, "sub/x.go"), []byte("package sub\n"))
	writeFile(t, filepath.Join(root, ".env"), []byte(secret))
	writeFile(t, filepath.Join(root, ".config/token"), []byte(secret))
	writeFile(t, filepath.Join(root, "sub/.hidden"), []byte(secret))
	symlink(t, "../secret.txt", filepath.Join(root, "out"))
	symlink(t, ".env", filepath.Join(root, "env-link"))
	if location.FindRoot(root) != root {
		t.Skipf("%s is inside a git work tree", root)
	}
	srv := newServer(t, ServerConfig{Root: root})
	for _, rel := range []string{"main.go", "sub/x.go"} {
		if _, _, err := srv.Read(context.Background(), "bob", ws(rel), 0, ChunkSize); err != nil {
			t.Errorf("Read(%s): %v", rel, err)
		}
	}
	for _, rel := range []string{".env", ".config/token", "sub/.hidden", "out", "env-link", "../secret.txt"} {
		data, _, err := srv.Read(context.Background(), "bob", ws(rel), 0, ChunkSize)
		if !errors.Is(err, ErrRefused) || data != nil {
			t.Errorf("Read(%s) = %q, %v; want refused", rel, data, err)
		}
	}
}

// TestReadBrokenGit refuses the workspace when git cannot list it, rather
// than serving it as if it were outside git.
func TestReadBrokenGit(t *testing.T) {
	needGit(t)
	root := filepath.Join(t.TempDir(), "broken")
	writeFile(t, filepath.Join(root, "main.go"), []byte("package main\n"))
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, ServerConfig{Root: root})
	_, _, err := srv.Read(context.Background(), "bob", ws("main.go"), 0, ChunkSize)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "cannot list") {
		t.Errorf("Read in a broken git work tree: %v, want refused", err)
	}
}

// TestReadUnservedSpace refuses spaces whose tree is not configured, even
// when the Mapper knows it.
func TestReadUnservedSpace(t *testing.T) {
	fx := newFixture(t)
	m, err := location.NewMapper(location.MapperConfig{Root: fx.root, GOMODCACHE: fx.modcache, GOROOT: fx.goroot})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(ServerConfig{Root: fx.root}, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []location.Location{gr("src/fmt/print.go"), mod("example.com/dep@v1.0.0", "dep.go")} {
		if _, _, err := srv.Read(context.Background(), "bob", loc, 0, ChunkSize); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not served") {
			t.Errorf("Read(%+v): %v, want refused as not served", loc, err)
		}
	}
	// The vendored module is served from the workspace.
	if _, _, err := srv.Read(context.Background(), "bob", mod("example.com/vend@v1.0.0", "vend.go"), 0, ChunkSize); err != nil {
		t.Errorf("vendored file: %v", err)
	}
}

func TestNewServerConfig(t *testing.T) {
	m, err := location.NewMapper(location.MapperConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []ServerConfig{
		{Root: "relative"},
		{GOROOT: "/"},
		{GOMODCACHE: "/.."},
		{MaxSize: -1},
	} {
		if _, err := NewServer(cfg, m); err == nil {
			t.Errorf("NewServer(%+v) accepted", cfg)
		}
	}
	if _, err := NewServer(ServerConfig{}, nil); err == nil {
		t.Error("NewServer without a Mapper accepted")
	}
}

func newServer(t testing.TB, cfg ServerConfig) *Server {
	t.Helper()
	m, err := location.NewMapper(location.MapperConfig{Root: cfg.Root, GOMODCACHE: cfg.GOMODCACHE, GOROOT: cfg.GOROOT})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := NewServer(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// BenchmarkRead fetches a 1 MiB tracked file in ChunkSize chunks, every
// check included.
func BenchmarkRead(b *testing.B) {
	fx := newFixture(b)
	want := fx.chunky[:1<<20]
	writeFile(b, filepath.Join(fx.root, "data/mib.bin"), want)
	git(b, fx.root, "add", "data/mib.bin")
	ctx := context.Background()
	get := func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
		return fx.srv.Read(ctx, "bench", ws("data/mib.bin"), offset, limit)
	}
	b.SetBytes(int64(len(want)))
	for b.Loop() {
		data, err := Fetch(ctx, 0, get)
		if err != nil || len(data) != len(want) {
			b.Fatalf("Fetch = %d bytes, %v", len(data), err)
		}
	}
}
