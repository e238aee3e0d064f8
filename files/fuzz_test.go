package files

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/location"
)

// FuzzServerRead sends random locations and ranges to a Server over the
// fixture, whose forbidden files all hold the secret: no answer ever
// contains it, no error names a path of the machine, and nothing panics.
func FuzzServerRead(f *testing.F) {
	fx := newFixture(f)
	for _, seed := range []struct {
		space, module, path string
	}{
		{"workspace", "", "a.go"},
		{"workspace", "", "../secret.txt"},
		{"workspace", "", "link-file"},
		{"workspace", "", "link-dir/inner.txt"},
		{"workspace", "", "chain-1"},
		{"workspace", "", ".git/config"},
		{"workspace", "", ".env"},
		{"workspace", "", "pipe"},
		{"workspace", "", "big.bin"},
		{"workspace", "", "%2e%2e/secret.txt"},
		{"module", "example.com/vend@v1.0.0", "untracked.go"},
		{"module", "example.com/dep@v1.0.0", "escape.go"},
		{"module", "example.com/dep@v1.0.0", "sibling.go"},
		{"module", "example.com/evil@v1.0.0", "inner.txt"},
		{"module", "example.com/other@v1.0.0", "x.go"},
		{"module", "github.com/BurntSushi/toml@v1.2.0", "decode.go"},
		{"module", "../x@v1.0.0", "a.go"},
		{"goroot", "", "src/evil.go"},
		{"goroot", "", "src/environ"},
		{"goroot", "", "/proc/self/environ"},
	} {
		f.Add(seed.space, seed.module, seed.path, int64(0), int64(ChunkSize))
	}
	f.Add("workspace", "", "data/chunky.bin", int64(ChunkSize), int64(-1))
	f.Add("workspace", "", "data/chunky.bin", int64(1<<62), int64(1<<62))
	ctx := context.Background()
	resolvedBase, _ := filepath.EvalSymlinks(fx.base)
	f.Fuzz(func(t *testing.T, space, module, path string, offset, limit int64) {
		loc := location.Location{Space: location.Space(space), Module: module, Path: path}
		data, _, err := fx.srv.Read(ctx, "fuzz", loc, offset, limit)
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("Read(%+v) returned the secret", loc)
		}
		if err == nil {
			return
		}
		msg := strings.NewReplacer(path, "", module, "", space, "").Replace(err.Error())
		for _, p := range []string{fx.base, resolvedBase} {
			if strings.Contains(msg, p) {
				t.Fatalf("Read(%+v) error names a local path: %v", loc, err)
			}
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("Read(%+v) error holds the secret: %v", loc, err)
		}
	})
}

// FuzzCachePath checks that Path stays inside the cache whatever it is
// given, that Location inverts it, and that Location accepts only Path's
// spellings.
func FuzzCachePath(f *testing.F) {
	c, err := NewCache(filepath.Join(f.TempDir(), "cache"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("demo", commit, "go1.26.8", "workspace", "", "pkg/a.go")
	f.Add("..", "", "", "workspace", "", "../../x")
	f.Add("Team/1", "abc", "devel go1.27 x", "goroot", "", "src/fmt/print.go")
	f.Add("demo", "", "", "module", "github.com/BurntSushi/toml@v1.2.0", "decode.go")
	f.Add("demo", "", "", "module", "golang.org/x/tools/gopls@v0.16.0-RC1", "a@b/c.go")
	f.Add("%2E", "", "", "module", "../x@v1", "a.go")
	f.Add("demo", "", "unknown", "goroot", "", "x")
	f.Add("con", "", "", "workspace", "", "nul.go")
	f.Add("demo.", "", "", "workspace", "", "a:b/c.go./GIT~1/x%y")
	f.Fuzz(func(t *testing.T, session, commit, goVersion, space, module, path string) {
		o := Origin{Session: session, Commit: commit, GoVersion: goVersion}
		loc := location.Location{Space: location.Space(space), Module: module, Path: path}
		// Location must not panic on anything under the cache.
		if o2, loc2, ok := c.Location(filepath.Join(c.Dir(), filepath.FromSlash(path))); ok {
			if p, err := c.Path(o2, loc2); err != nil || p != filepath.Join(c.Dir(), filepath.FromSlash(path)) {
				t.Fatalf("Location(%q) = %+v, %+v, whose Path is %q, %v", path, o2, loc2, p, err)
			}
		}
		p, err := c.Path(o, loc)
		if err != nil {
			return
		}
		if _, ok := location.Host.Rel(c.Dir(), p); !ok {
			t.Fatalf("Path(%+v, %+v) = %s, outside %s", o, loc, p, c.Dir())
		}
		checkCacheInverse(t, c, o, loc, p)
		// Ann's Windows cache holds every file this one does, under names
		// Windows can hold.
		win := windowsCache()
		wp, err := win.Path(o, loc)
		if err != nil {
			t.Fatalf("Windows Path(%+v, %+v): %v", o, loc, err)
		}
		rel, ok := location.Windows.Rel(annCache, wp)
		if _, err := location.Windows.Localize(rel); !ok || err != nil {
			t.Fatalf("Windows Path(%+v, %+v) = %s: %v", o, loc, wp, err)
		}
		checkCacheInverse(t, win, o, loc, wp)
	})
}

func checkCacheInverse(t *testing.T, c *Cache, o Origin, loc location.Location, p string) {
	t.Helper()
	o2, loc2, ok := c.Location(p)
	if !ok || loc2 != loc || o2.Session != o.Session {
		t.Fatalf("%s Location(Path(%+v, %+v) = %s) = %+v, %+v, %v", c.rules, o, loc, p, o2, loc2, ok)
	}
	if again, err := c.Path(o2, loc2); again != p || err != nil {
		t.Fatalf("%s Path(Location(%s)) = %s, %v", c.rules, p, again, err)
	}
}
