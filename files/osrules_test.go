package files

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/location"
)

// The tables of this file run the file server and the cache by the rules
// of Windows and macOS on Linux.

// Ann's machine on Windows, named only: none of it is on this disk.
const (
	annRoot     = `C:\Users\ann\src\containerd`
	annModcache = `C:\Users\ann\go\pkg\mod`
	annGoroot   = `C:\Program Files\Go`
	annCache    = `C:\Users\ann\AppData\Local\lspshare`
)

// windowsServer is Ann's file server, by Windows rules.
func windowsServer(t *testing.T) *Server {
	t.Helper()
	m, err := location.NewMapper(location.MapperConfig{Rules: location.Windows, Root: annRoot, GOMODCACHE: annModcache, GOROOT: annGoroot})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(ServerConfig{Root: annRoot, GOMODCACHE: annModcache, GOROOT: annGoroot}, m)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// windowsHostile are the requests a Windows server must refuse by their
// names alone: Windows' forms of "..", of absolute paths, of other files
// than the name says, and of .git.
var windowsHostile = []location.Location{
	ws(`..\secret.txt`), ws(`pkg\..\..\secret.txt`), ws(`..\..\Windows\win.ini`),
	ws("C:foo"), ws("C:secret.txt"), ws("C:/Windows/win.ini"), ws(`C:\Windows\win.ini`), ws("D:../x"),
	ws(`\\server\share\secret.txt`), ws("//server/share/secret.txt"), ws(`\\?\C:\Windows\win.ini`), ws(`\\.\COM1`),
	ws("CON"), ws("con"), ws("NUL"), ws("nul.go"), ws("Nul.txt"), ws("NUL .go"), ws("AUX"), ws("PRN"),
	ws("COM1"), ws("com1.go"), ws("LPT9.txt"), ws("COM¹"), ws("CONIN$"), ws("CONOUT$"), ws("pkg/con/x.go"), ws("pkg/aux.go"),
	ws("client.go:secret"), ws("client.go::$DATA"), ws(".git::$INDEX_ALLOCATION/config"), ws("pkg:stream/a.go"),
	ws("client.go."), ws("client.go "), ws(".git./config"), ws(".git /config"), ws("pkg./client.go"),
	ws("GIT~1/config"), ws("ENV~1"), ws("PROGRA~1/secret.txt"),
	ws(".git/config"), ws(".GIT/config"), ws(".Git/HEAD"), ws("vendor/.git/config"),
	ws("a*.go"), ws("a?.go"), ws(`a".go`), ws("a<b.go"), ws("a>b.go"), ws("a|b.go"), ws("a\x01.go"),
	gr("src/nul.go"), gr("src/fmt/print.go:secret"), gr("src/fmt./print.go"), gr("PROGRA~1/x.go"),
	mod("example.com/dep@v1.0.0", "nul.go"), mod("example.com/dep@v1.0.0", "a.go:secret"),
	mod("example.com/dep@v1.0.0", "GIT~1/config"), mod("example.com/dep@v1.0.0", ".GIT/config"),
}

// TestReadHostileWindows: Ann's server refuses every hostile request by its
// name, before the disk. Had a request reached the disk, this Linux
// machine would have answered "not found", "tree unavailable" or "cannot
// list", with a cause: Ann's trees are not here.
func TestReadHostileWindows(t *testing.T) {
	srv := windowsServer(t)
	for _, loc := range windowsHostile {
		named := srv.checkName(loc)
		if named == nil {
			t.Errorf("checkName(%+v) passes a hostile name", loc)
			continue
		}
		data, size, err := srv.Read(context.Background(), "mallory", loc, 0, ChunkSize)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrRefused) || data != nil || size != 0 {
			t.Errorf("Read(%+v) = %d bytes, size %d, %v; want refused", loc, len(data), size, err)
			continue
		}
		if e.Reason != named.Reason || e.cause != nil {
			t.Errorf("Read(%+v) refused for %q (cause %v), not by its name (%q)", loc, e.Reason, e.cause, named.Reason)
		}
	}
	// The names of Ann's real files pass the name check, so the refusals
	// above are the hostile names'.
	for _, loc := range []location.Location{ws("client.go"), ws("pkg/cri/server.go"), ws("my dir/a b#c.go"), ws(".github/ci.yml"), ws("conf.d/a~b.go"),
		gr("src/fmt/print.go"), mod("github.com/BurntSushi/toml@v1.2.0", "decode.go")} {
		if e := srv.checkName(loc); e != nil {
			t.Errorf("checkName(%+v) = %v; a Windows file may have that name", loc, e)
		}
	}
}

// TestReadHostileWindowsFormsHere sends the Windows table to this
// machine's server, where some of the names are files (untracked, with the
// secret): nothing is served (refused, or not found where GOROOT and the
// module cache would serve any file).
func TestReadHostileWindowsFormsHere(t *testing.T) {
	fx := newFixture(t)
	for _, name := range []string{"nul.go", "client.go:secret", "C:foo", "GIT~1/config", "client.go.", ".GIT/config"} {
		writeFile(t, filepath.Join(fx.root, filepath.FromSlash(name)), []byte(secret))
	}
	for _, loc := range windowsHostile {
		r := fx.readWithin(t, loc, 0, ChunkSize)
		if !errors.Is(r.err, ErrRefused) && !errors.Is(r.err, ErrNotFound) || r.data != nil {
			t.Errorf("Read(%+v) = %q, %v; want refused or not found", loc, r.data, r.err)
		}
	}
}

// windowsCache is Ann's cache, by Windows rules: its paths are computed,
// never written.
func windowsCache() *Cache {
	return &Cache{rules: location.Windows, dir: annCache, resolved: annCache}
}

// cacheNames are cached files whose names other systems hold and Windows
// does not, with their cache paths under Windows rules and this machine's.
var cacheNames = []struct {
	o             Origin
	loc           location.Location
	windows, here string // slash paths under the cache directory
}{
	{Origin{Session: "demo", Commit: commit}, ws("pkg/a.go"), "demo/workspace/" + commit + "/pkg/a.go", ""},
	{Origin{Session: "demo"}, ws("odd:name.go"), "demo/workspace/nocommit/odd%3Aname.go", ""},
	{Origin{Session: "demo"}, ws("client.go:secret"), "demo/workspace/nocommit/client.go%3Asecret", ""},
	{Origin{Session: "demo"}, ws(`a*b?c"d<e>f|g.go`), "demo/workspace/nocommit/a%2Ab%3Fc%22d%3Ce%3Ef%7Cg.go", ""},
	{Origin{Session: "demo"}, ws("100%.go"), "demo/workspace/nocommit/100%25.go", ""},
	{Origin{Session: "demo"}, ws("a\x01b.go"), "demo/workspace/nocommit/a%01b.go", ""},
	{Origin{Session: "demo"}, ws("nul.go"), "demo/workspace/nocommit/%6Eul.go", "demo/workspace/nocommit/nul.go"},
	{Origin{Session: "demo"}, ws("pkg/CON/x.go"), "demo/workspace/nocommit/pkg/%43ON/x.go", "demo/workspace/nocommit/pkg/CON/x.go"},
	{Origin{Session: "demo"}, ws("client.go."), "demo/workspace/nocommit/client.go%2E", "demo/workspace/nocommit/client.go."},
	{Origin{Session: "demo"}, ws("pkg /a.go"), "demo/workspace/nocommit/pkg%20/a.go", "demo/workspace/nocommit/pkg /a.go"},
	{Origin{Session: "demo"}, ws("GIT~1/x~y.go"), "demo/workspace/nocommit/GIT%7E1/x%7Ey.go", "demo/workspace/nocommit/GIT~1/x~y.go"},
	{Origin{Session: "demo"}, ws(".github/CI.yml"), "demo/workspace/nocommit/.github/CI.yml", ""},
	{Origin{Session: "con"}, ws("a.go"), "%63on/workspace/nocommit/a.go", "con/workspace/nocommit/a.go"},
	{Origin{Session: "demo."}, ws("a.go"), "demo%2E/workspace/nocommit/a.go", "demo./workspace/nocommit/a.go"},
	{Origin{Session: "demo", GoVersion: "go1.26.8"}, gr("src/fmt/print.go"), "demo/goroot/go1.26.8/src/fmt/print.go", ""},
	{Origin{Session: "demo"}, mod("github.com/BurntSushi/toml@v1.2.0", "decode.go"), "demo/module/github.com/!burnt!sushi/toml@v1.2.0/decode.go", ""},
	{Origin{Session: "demo"}, mod("example.com/m@v1.0.0", "a~1.go"), "demo/module/example.com/m@v1.0.0/a%7E1.go", "demo/module/example.com/m@v1.0.0/a~1.go"},
}

// TestCacheWindowsNames: Ann's cache names every file with a name Windows
// can hold, and maps the names back, whatever case the editor writes the
// cache's directory in.
func TestCacheWindowsNames(t *testing.T) {
	c := windowsCache()
	for _, tc := range cacheNames {
		p, err := c.Path(tc.o, tc.loc)
		want := annCache + `\` + strings.ReplaceAll(tc.windows, "/", `\`)
		if err != nil || p != want {
			t.Errorf("Path(%+v, %+v) = %s, %v; want %s", tc.o, tc.loc, p, err, want)
			continue
		}
		if _, err := location.Windows.Localize(tc.windows); err != nil {
			t.Errorf("Path(%+v) = %s, which Windows cannot hold: %v", tc.loc, p, err)
		}
		// VS Code writes the drive letter in lower case, the colon encoded.
		vscode := "file:///c%3A" + strings.TrimPrefix(location.Windows.PathToURI(p), "file:///C:")
		lower := strings.ToLower(annCache) + `\` + strings.ReplaceAll(tc.windows, "/", `\`)
		for _, name := range []string{p, location.Windows.PathToURI(p), vscode, lower} {
			o, loc, ok := c.Location(name)
			if !ok || loc != tc.loc || o.Session != tc.o.Session {
				t.Errorf("Location(%s) = %+v, %+v, %v; want %+v", name, o, loc, ok, tc.loc)
			}
		}
	}
	for _, name := range []string{
		annCache + `\demo\workspace\nocommit\nul.go`,   // not Path's spelling on Windows
		annCache + `\demo\workspace\nocommit\%6eul.go`, // lower-case hex
		annCache + `\demo\workspace\nocommit\odd:name.go`,
		annCache + `\demo\WORKSPACE\nocommit\a.go`, // the rest keeps its case
		`D:\Users\ann\AppData\Local\lspshare\demo\workspace\nocommit\a.go`,
		"file:///Users/ann/AppData/Local/lspshare/demo/workspace/nocommit/a.go",
	} {
		if o, loc, ok := c.Location(name); ok {
			t.Errorf("Location(%s) = %+v, %+v; want none", name, o, loc)
		}
	}
}

// TestCacheNamesHere stores the same files in this machine's cache: the
// names of the other systems stay (but for Windows' forbidden
// characters), and no name on the disk holds a character Windows forbids.
func TestCacheNamesHere(t *testing.T) {
	c := newCache(t)
	for _, tc := range cacheNames {
		p, err := c.Store(tc.o, tc.loc, []byte("x"))
		want := tc.here
		if want == "" {
			want = tc.windows
		}
		if err != nil || p != filepath.Join(c.Dir(), filepath.FromSlash(want)) {
			t.Errorf("Store(%+v, %+v) = %s, %v; want %s", tc.o, tc.loc, p, err, want)
			continue
		}
		if o, loc, ok := c.Location(p); !ok || loc != tc.loc || o.Session != tc.o.Session {
			t.Errorf("Location(%s) = %+v, %+v, %v; want %+v", p, o, loc, ok, tc.loc)
		}
	}
	err := filepath.WalkDir(c.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name := d.Name(); strings.ContainsAny(name, `<>:"|?*\`) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 }) {
			t.Errorf("the cache holds %q, a name Windows cannot hold", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCacheFoldsCase: where the system folds case (macOS, Windows), a name
// of the cache in another case is in it; on Linux it is not.
func TestCacheFoldsCase(t *testing.T) {
	rel := "demo/workspace/nocommit/a.go"
	for _, tc := range []struct {
		rules      location.Rules
		dir, asked string
		contains   bool
	}{
		{location.MacOS, "/Users/bob/Library/Caches/lspshare", "file:///users/BOB/library/caches/LSPSHARE/" + rel, true},
		{location.Windows, annCache, "file:///c%3A/USERS/ann/appdata/local/lspshare/" + rel, true},
		{location.Linux, "/home/cyd/.cache/lspshare", "file:///home/Cyd/.cache/lspshare/" + rel, false},
	} {
		c := &Cache{rules: tc.rules, dir: tc.dir, resolved: tc.dir}
		if got := c.Contains(tc.asked); got != tc.contains {
			t.Errorf("%s Contains(%s) = %v, want %v", tc.rules, tc.asked, got, tc.contains)
		}
		if _, loc, ok := c.Location(tc.asked); ok != tc.contains || ok && loc != ws("a.go") {
			t.Errorf("%s Location(%s) = %+v, %v", tc.rules, tc.asked, loc, ok)
		}
	}
}
