package files

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/lspshare/lspshare/location"
)

func newCache(t testing.TB) *Cache {
	t.Helper()
	c, err := NewCache(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const commit = "0123456789abcdef0123456789abcdef01234567"

func TestCacheRoundTrip(t *testing.T) {
	c := newCache(t)
	for _, tc := range []struct {
		o    Origin
		loc  location.Location
		want string // the path under the cache directory
		back Origin // the Origin Location gives back
	}{
		{
			Origin{Session: "demo", Commit: commit, GoVersion: "go1.26.8"}, ws("pkg/a.go"),
			"demo/workspace/" + commit + "/pkg/a.go", Origin{Session: "demo", Commit: commit},
		},
		{
			Origin{Session: "demo"}, ws(".github/workflows/ci.yml"),
			"demo/workspace/nocommit/.github/workflows/ci.yml", Origin{Session: "demo"},
		},
		{
			Origin{Session: "demo", Commit: commit}, mod("github.com/BurntSushi/toml@v1.2.0", "decode.go"),
			"demo/module/github.com/!burnt!sushi/toml@v1.2.0/decode.go", Origin{Session: "demo"},
		},
		{
			Origin{Session: "demo"}, mod("golang.org/x/tools/gopls@v0.16.0-RC1", "main.go"),
			"demo/module/golang.org/x/tools/gopls@v0.16.0-!r!c1/main.go", Origin{Session: "demo"},
		},
		{
			Origin{Session: "Team Demo/1", Commit: commit, GoVersion: "go1.26.8"}, gr("src/fmt/print.go"),
			"%54eam%20%44emo%2F1/goroot/go1.26.8/src/fmt/print.go", Origin{Session: "Team Demo/1", GoVersion: "go1.26.8"},
		},
		{
			Origin{Session: ".."}, gr("src/fmt/print.go"),
			"%2E./goroot/unknown/src/fmt/print.go", Origin{Session: ".."},
		},
		{
			Origin{Session: "demo", GoVersion: "devel go1.27-abc Tue"}, gr("VERSION"),
			"demo/goroot/devel%20go1.27-abc%20%54ue/VERSION", Origin{Session: "demo", GoVersion: "devel go1.27-abc Tue"},
		},
	} {
		content := []byte("content of " + tc.loc.Path)
		p, err := c.Store(tc.o, tc.loc, content)
		if err != nil {
			t.Fatalf("Store(%+v, %+v): %v", tc.o, tc.loc, err)
		}
		if want := filepath.Join(c.Dir(), filepath.FromSlash(tc.want)); p != want {
			t.Errorf("Store(%+v, %+v) = %s, want %s", tc.o, tc.loc, p, want)
		}
		if again, err := c.Path(tc.o, tc.loc); again != p || err != nil {
			t.Errorf("Path = %s, %v; Store wrote %s", again, err, p)
		}
		if !c.Has(tc.o, tc.loc) {
			t.Errorf("Has(%+v, %+v) = false after Store", tc.o, tc.loc)
		}
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, content) {
			t.Errorf("stored %q, %v; want %q", got, err, content)
		}
		for _, name := range []string{p, location.PathToURI(p)} {
			if !c.Contains(name) {
				t.Errorf("Contains(%s) = false", name)
			}
			o, loc, ok := c.Location(name)
			if !ok || o != tc.back || loc != tc.loc {
				t.Errorf("Location(%s) = %+v, %+v, %v; want %+v, %+v", name, o, loc, ok, tc.back, tc.loc)
			}
		}
	}
}

func TestCacheReadOnly(t *testing.T) {
	c := newCache(t)
	o := Origin{Session: "demo", Commit: commit}
	p, err := c.Store(o, ws("pkg/a.go"), []byte("package pkg\n"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o444 {
		t.Errorf("stored file mode %v, want -r--r--r--", fi.Mode())
	}
	dir, err := os.Stat(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if dir.Mode().Perm()&0o700 != 0o700 || dir.Mode().Perm()&0o022 != 0 {
		t.Errorf("cache directory mode %v, want drwxr-xr-x", dir.Mode())
	}
	if os.Geteuid() != 0 { // root writes anyway
		if err := os.WriteFile(p, []byte("edited"), 0o644); err == nil {
			t.Error("a stored file is writable")
		}
	}
	// Storing again replaces the read-only file.
	if _, err := c.Store(o, ws("pkg/a.go"), []byte("package pkg // v2\n")); err != nil {
		t.Fatalf("Store again: %v", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "package pkg // v2\n" {
		t.Errorf("after storing again: %q", got)
	}
}

// TestCacheStoreAtomic stores two versions of a file in turn while a
// reader reads it: the reader sees one version whole, never a part, and
// no temporary file is left behind.
func TestCacheStoreAtomic(t *testing.T) {
	c := newCache(t)
	o := Origin{Session: "demo"}
	loc := ws("big.go")
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<20+7)}
	p, err := c.Store(o, loc, versions[0])
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen [2]int
	var torn []int
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(p)
			switch {
			case err != nil:
				torn = append(torn, -1)
			case bytes.Equal(got, versions[0]):
				seen[0]++
			case bytes.Equal(got, versions[1]):
				seen[1]++
			default:
				torn = append(torn, len(got))
			}
			runtime.Gosched()
		}
	})
	for i := range 50 {
		if _, err := c.Store(o, loc, versions[(i+1)%2]); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(torn) > 0 {
		t.Errorf("the reader saw %d partial or missing files (sizes %v)", len(torn), torn)
	}
	t.Logf("reader saw version a %d times, b %d times", seen[0], seen[1])
	entries, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("cache directory holds %d entries, want only big.go: %v", len(entries), entries)
	}
}

// TestCacheStoreFailureLeavesNothing makes the final rename fail: no
// temporary file stays.
func TestCacheStoreFailureLeavesNothing(t *testing.T) {
	c := newCache(t)
	o := Origin{Session: "demo"}
	p, err := c.Path(o, ws("pkg/a.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "occupied"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(o, ws("pkg/a.go"), []byte("x")); err == nil {
		t.Fatal("Store over a non-empty directory succeeded")
	}
	entries, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("after a failed Store the directory holds %v", entries)
	}
}

// TestCacheHostile stores what hostile origins and locations name: each is
// refused or lands inside the cache, and nothing is written outside it.
func TestCacheHostile(t *testing.T) {
	base := t.TempDir()
	c, err := NewCache(filepath.Join(base, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	good := Origin{Session: "demo", Commit: commit, GoVersion: "go1.26.8"}
	for _, tc := range []struct {
		o   Origin
		loc location.Location
	}{
		{good, ws("../x.go")},
		{good, ws("../../x.go")},
		{good, ws("/tmp/x.go")},
		{good, ws("a/../../x.go")},
		{good, ws(`..\x.go`)},
		{good, ws("")},
		{good, gr("../../x.go")},
		{good, mod("../x@v1.0.0", "a.go")},
		{good, mod("example.com/x@v1.0.0/../../..", "a.go")},
		{good, mod("example.com/x@v1.0.0", "../../../a.go")},
		{good, location.Location{Space: "../..", Path: "x.go"}},
		{Origin{Session: ".."}, ws("x.go")},
		{Origin{Session: "../.."}, ws("x.go")},
		{Origin{Session: "/"}, ws("x.go")},
		{Origin{Session: "."}, ws("x.go")},
		{Origin{Session: "a\x00b"}, ws("x.go")},
		{Origin{Session: `..\..`}, ws("x.go")},
		{Origin{Session: ""}, ws("x.go")},
		{Origin{Session: strings.Repeat("s", 81)}, ws("x.go")},
		{Origin{Session: "demo", Commit: "../.."}, ws("x.go")},
		{Origin{Session: "demo", Commit: "ABC"}, ws("x.go")},
		{Origin{Session: "demo", GoVersion: "go/../../../x"}, gr("x.go")},
		{Origin{Session: "demo", GoVersion: "unknown"}, gr("x.go")},
	} {
		p, err := c.Store(tc.o, tc.loc, []byte("x"))
		if err != nil {
			continue
		}
		if _, ok := location.Host.Rel(c.Dir(), p); !ok {
			t.Errorf("Store(%+v, %+v) wrote %s, outside the cache", tc.o, tc.loc, p)
		}
		if o, loc, ok := c.Location(p); !ok || o.Session != tc.o.Session || loc != tc.loc {
			t.Errorf("Location(Store(%+v, %+v)) = %+v, %+v, %v", tc.o, tc.loc, o, loc, ok)
		}
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("outside the cache: %v", entries)
	}
}

func TestCacheContainsAndLocation(t *testing.T) {
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	link := filepath.Join(parent, "link")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, real, link)
	c, err := NewCache(link)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(real, "demo", "workspace", commit, "a.go")
	for _, tc := range []struct {
		name     string
		contains bool
		located  bool
	}{
		{filepath.Join(link, "demo", "workspace", commit, "a.go"), true, true},
		{p, true, true}, // the resolved name
		{location.PathToURI(p), true, true},
		{"file://" + filepath.ToSlash(p), true, true},
		{filepath.Join(link, "demo", "workspace", "nocommit", "a.go"), true, true},
		{filepath.Join(link, "demo", "module", "example.com", "dep@v1.0.0", "dep.go"), true, true},
		{filepath.Join(link, "demo", "workspace", commit, "pkg", ".store-123"), true, true}, // a name like any other
		{link, false, false},
		{filepath.Join(link, "demo"), true, false},
		{filepath.Join(link, "demo", "workspace", commit), true, false},
		{filepath.Join(link, "Demo", "workspace", commit, "a.go"), true, false},   // not Path's spelling
		{filepath.Join(link, "%64emo", "workspace", commit, "a.go"), true, false}, // not Path's spelling
		{filepath.Join(link, "demo", "workspace", "ABCD", "a.go"), true, false},   // not hex
		{filepath.Join(link, "demo", "module", "github.com", "BurntSushi", "toml@v1.2.0", "a.go"), true, false},
		{filepath.Join(link, "demo", "module", "example.com", "dep", "a.go"), true, false}, // no version
		{filepath.Join(link, "demo", "home", "x", "a.go"), true, false},
		{filepath.Join(link, "demo", "goroot", "go1.26.8", "..", "a.go"), true, false},
		{filepath.Join(parent, "link2", "demo", "workspace", commit, "a.go"), false, false},
		{filepath.Join(link, "..", "x"), false, false},
		{"relative/demo/workspace/nocommit/a.go", false, false},
		{"file:relative", false, false},
		{"http://example.com" + filepath.ToSlash(p), false, false},
		{"", false, false},
	} {
		if got := c.Contains(tc.name); got != tc.contains {
			t.Errorf("Contains(%q) = %v, want %v", tc.name, got, tc.contains)
		}
		if _, _, ok := c.Location(tc.name); ok != tc.located {
			t.Errorf("Location(%q) ok = %v, want %v", tc.name, ok, tc.located)
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CACHE_HOME is read on Linux")
	}
	xdg := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", xdg)
	dir, err := DefaultCacheDir()
	if err != nil || dir != filepath.Join(xdg, "lspshare") {
		t.Errorf("DefaultCacheDir() = %q, %v; want %s", dir, err, filepath.Join(xdg, "lspshare"))
	}
	c, err := NewCache("")
	if err != nil || c.Dir() != dir {
		t.Errorf("NewCache(\"\") = %v, %v; want the default directory", c, err)
	}
}
