package location

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// writeFiles creates each slash path under dir with its content.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// navigatorModulesTxt vendors nested modules, a module replaced by another
// module, local replacements inside and outside the workspace, and a
// replacement-only line without packages.
const navigatorModulesTxt = `# github.com/BurntSushi/toml v1.2.0
## explicit; go 1.16
github.com/BurntSushi/toml
# golang.org/x/tools v0.23.0
## explicit
golang.org/x/tools/go/ast/astutil
# golang.org/x/tools/gopls v0.16.0
golang.org/x/tools/gopls
# example.com/old v1.0.0 => example.com/new v1.1.0
example.com/old
# example.com/local v1.0.0 => ./third_party/local
example.com/local
# example.com/far v1.0.0 => ../far
example.com/far
# example.com/ghost v1.0.0 => example.com/ghost2 v1.0.0
# example.com/notsemver vX
example.com/notsemver
## workspace
`

// machine is one participant's file system and Mapper.
type machine struct {
	base   string // temp dir holding everything
	root   string
	cache  string
	goroot string
	m      *Mapper
}

func (mc machine) uri(rel string) string {
	return PathToURI(filepath.Join(mc.base, filepath.FromSlash(rel)))
}

// newNavigator is a machine that vendors its dependencies and whose module
// cache holds no modules.
func newNavigator(t testing.TB) machine {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{
		"repo/.git/HEAD":          "ref: refs/heads/main\n",
		"repo/go.mod":             "module example.com/app\n",
		"repo/pkg/a.go":           "package pkg\n",
		"repo/my dir/a b#c.go":    "package mydir\n",
		"repo/vendor/modules.txt": navigatorModulesTxt,
		"repo/vendor/github.com/BurntSushi/toml/decode.go":      "package toml // decode\n",
		"repo/vendor/golang.org/x/tools/go/ast/astutil/util.go": "package astutil\n",
		"repo/vendor/golang.org/x/tools/gopls/main.go":          "package main // gopls\n",
		"repo/vendor/example.com/old/old.go":                    "package old // from new v1.1.0\n",
		"repo/vendor/example.com/local/local.go":                "package local\n",
		"repo/third_party/local/local.go":                       "package local\n",
		"repo/vendor/example.com/far/far.go":                    "package far\n",
		"repo/vendor/example.com/ghost/g.go":                    "package ghost\n",
		"repo/vendor/example.com/notsemver/n.go":                "package notsemver\n",
		"repo/vendor/example.com/unlisted/u.go":                 "package unlisted\n",
		"modcache/cache/download/golang.org/x/text/@v/list":     "v0.3.0\n",
		"goroot/src/fmt/print.go":                               "package fmt\n",
	})
	return newMachine(t, base)
}

// newAttendee is a machine with a module cache and no vendor directory,
// laid out at other paths than the navigator's.
func newAttendee(t testing.TB) machine {
	base := filepath.Join(t.TempDir(), "other place")
	writeFiles(t, base, map[string]string{
		"repo/.git":     "gitdir: ../.git/worktrees/x\n",
		"repo/go.mod":   "module example.com/app\n",
		"repo/pkg/a.go": "package pkg\n",
		"modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go":     "package toml // decode\n",
		"modcache/golang.org/x/tools@v0.23.0/go/ast/astutil/util.go": "package astutil\n",
		"modcache/golang.org/x/tools/gopls@v0.16.0/main.go":          "package main // gopls\n",
		"modcache/example.com/new@v1.1.0/old.go":                     "package old // from new v1.1.0\n",
		"modcache/golang.org/x/text@v0.3.0/unicode/x.go":             "package unicode\n",
		"modcache/example.com/m@v1.0.0-!r!c1/m.go":                   "package m\n",
		"goroot/src/fmt/print.go":                                    "package fmt\n",
	})
	return newMachine(t, base)
}

func newMachine(t testing.TB, base string) machine {
	mc := machine{
		base:   base,
		root:   filepath.Join(base, "repo"),
		cache:  filepath.Join(base, "modcache"),
		goroot: filepath.Join(base, "goroot"),
	}
	m, err := NewMapper(MapperConfig{Root: mc.root, GOMODCACHE: mc.cache, GOROOT: mc.goroot})
	if err != nil {
		t.Fatal(err)
	}
	mc.m = m
	return mc
}

func mod(module, path string) Location { return Location{Space: Module, Module: module, Path: path} }
func ws(path string) Location          { return Location{Space: Workspace, Path: path} }

func TestToPortable(t *testing.T) {
	nav, att := newNavigator(t), newAttendee(t)
	for _, tc := range []struct {
		mc   machine
		file string // slash path under the machine's base
		want Location
	}{
		{nav, "repo/pkg/a.go", ws("pkg/a.go")},
		{nav, "repo/my dir/a b#c.go", ws("my dir/a b#c.go")},
		{nav, "repo/go.mod", ws("go.mod")},
		{nav, "repo/vendor/github.com/BurntSushi/toml/decode.go", mod("github.com/BurntSushi/toml@v1.2.0", "decode.go")},
		{nav, "repo/vendor/golang.org/x/tools/go/ast/astutil/util.go", mod("golang.org/x/tools@v0.23.0", "go/ast/astutil/util.go")},
		{nav, "repo/vendor/golang.org/x/tools/gopls/main.go", mod("golang.org/x/tools/gopls@v0.16.0", "main.go")},
		{nav, "repo/vendor/example.com/old/old.go", mod("example.com/new@v1.1.0", "old.go")},
		{nav, "repo/vendor/example.com/local/local.go", ws("third_party/local/local.go")},
		{nav, "repo/vendor/example.com/far/far.go", ws("vendor/example.com/far/far.go")},
		{nav, "repo/vendor/example.com/ghost/g.go", ws("vendor/example.com/ghost/g.go")},
		{nav, "repo/vendor/example.com/notsemver/n.go", ws("vendor/example.com/notsemver/n.go")},
		{nav, "repo/vendor/example.com/unlisted/u.go", ws("vendor/example.com/unlisted/u.go")},
		{nav, "repo/vendor/modules.txt", ws("vendor/modules.txt")},
		{nav, "goroot/src/fmt/print.go", Location{Space: GOROOT, Path: "src/fmt/print.go"}},
		{att, "repo/pkg/a.go", ws("pkg/a.go")},
		{att, "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go", mod("github.com/BurntSushi/toml@v1.2.0", "decode.go")},
		{att, "modcache/golang.org/x/tools/gopls@v0.16.0/main.go", mod("golang.org/x/tools/gopls@v0.16.0", "main.go")},
		{att, "modcache/golang.org/x/text@v0.3.0/unicode/x.go", mod("golang.org/x/text@v0.3.0", "unicode/x.go")},
		{att, "modcache/example.com/m@v1.0.0-!r!c1/m.go", mod("example.com/m@v1.0.0-RC1", "m.go")},
		{att, "modcache/golang.org/x/text@v0.3.0/not/written/yet.go", mod("golang.org/x/text@v0.3.0", "not/written/yet.go")},
	} {
		got, err := tc.mc.m.ToPortable(tc.mc.uri(tc.file))
		if err != nil || got != tc.want {
			t.Errorf("ToPortable(%s) = %v, %v; want %v", tc.file, got, err, tc.want)
		}
	}
}

func TestToPortableRejects(t *testing.T) {
	nav, att := newNavigator(t), newAttendee(t)
	for _, uri := range []string{
		nav.uri("elsewhere/a.go"),
		nav.uri("repo"),
		nav.uri("modcache/cache/download/golang.org/x/text/@v/list"),
		att.uri("modcache/GitHub.com/x@v1.0.0/a.go"), // not the cache's escaping
		att.uri("modcache/golang.org/x/text@v0.3.0"),
		att.uri("modcache/golang.org/x/text@latest/a.go"),
		nav.uri("repo") + "/a%5Cb.go", // a backslash in a file name has no portable name
		"file:///etc/passwd",
		"https://example.com/repo/pkg/a.go",
		"untitled:Untitled-1",
	} {
		if got, err := nav.m.ToPortable(uri); err == nil {
			t.Errorf("navigator ToPortable(%s) = %v, nil; want error", uri, got)
		}
		if got, err := att.m.ToPortable(uri); err == nil {
			t.Errorf("attendee ToPortable(%s) = %v, nil; want error", uri, got)
		}
	}
}

func TestToLocal(t *testing.T) {
	nav, att := newNavigator(t), newAttendee(t)
	for _, tc := range []struct {
		mc     machine
		loc    Location
		file   string // slash path under the machine's base
		exists bool
	}{
		{nav, ws("pkg/a.go"), "repo/pkg/a.go", true},
		{nav, ws("my dir/a b#c.go"), "repo/my dir/a b#c.go", true},
		{nav, ws("pkg/missing.go"), "repo/pkg/missing.go", false},
		{nav, ws("pkg"), "repo/pkg", false}, // a directory is not a file
		{nav, Location{Space: GOROOT, Path: "src/fmt/print.go"}, "goroot/src/fmt/print.go", true},
		{nav, mod("github.com/BurntSushi/toml@v1.2.0", "decode.go"), "repo/vendor/github.com/BurntSushi/toml/decode.go", true},
		{nav, mod("example.com/new@v1.1.0", "old.go"), "repo/vendor/example.com/old/old.go", true},
		{nav, mod("golang.org/x/tools/gopls@v0.16.0", "main.go"), "repo/vendor/golang.org/x/tools/gopls/main.go", true},
		// The tools module does not hold the nested gopls module's files.
		{nav, mod("golang.org/x/tools@v0.23.0", "gopls/main.go"), "modcache/golang.org/x/tools@v0.23.0/gopls/main.go", false},
		// Vendored at another version: the module cache's path, missing.
		{nav, mod("github.com/BurntSushi/toml@v1.3.0", "decode.go"), "modcache/github.com/!burnt!sushi/toml@v1.3.0/decode.go", false},
		// Vendored at that version, but not that package: the module cache's path.
		{nav, mod("github.com/BurntSushi/toml@v1.2.0", "internal/tz.go"), "modcache/github.com/!burnt!sushi/toml@v1.2.0/internal/tz.go", false},
		{att, mod("github.com/BurntSushi/toml@v1.2.0", "decode.go"), "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go", true},
		{att, mod("example.com/m@v1.0.0-RC1", "m.go"), "modcache/example.com/m@v1.0.0-!r!c1/m.go", true},
		{att, ws("vendor/example.com/far/far.go"), "repo/vendor/example.com/far/far.go", false},
	} {
		uri, exists, err := tc.mc.m.ToLocal(tc.loc)
		if want := tc.mc.uri(tc.file); err != nil || uri != want || exists != tc.exists {
			t.Errorf("ToLocal(%v) = %s, %v, %v; want %s, %v", tc.loc, uri, exists, err, want, tc.exists)
		}
	}
}

func TestToLocalWithoutTrees(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{
		"repo/vendor/modules.txt":                    "# golang.org/x/text v0.3.0\ngolang.org/x/text/unicode\n",
		"repo/vendor/golang.org/x/text/unicode/x.go": "package unicode\n",
	})
	m, err := NewMapper(MapperConfig{Root: filepath.Join(base, "repo")})
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []Location{
		{Space: GOROOT, Path: "src/fmt/print.go"},
		mod("golang.org/x/text@v0.4.0", "unicode/x.go"),
	} {
		if uri, _, err := m.ToLocal(loc); !errors.Is(err, ErrNoRoot) {
			t.Errorf("ToLocal(%v) = %s, %v; want ErrNoRoot", loc, uri, err)
		}
	}
	// Vendored but missing, and no module cache: vendor's path.
	uri, exists, err := m.ToLocal(mod("golang.org/x/text@v0.3.0", "unicode/y.go"))
	want := PathToURI(filepath.Join(base, "repo/vendor/golang.org/x/text/unicode/y.go"))
	if err != nil || uri != want || exists {
		t.Errorf("ToLocal = %s, %v, %v; want %s, false", uri, exists, err, want)
	}
	empty, err := NewMapper(MapperConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if uri, _, err := empty.ToLocal(ws("a.go")); !errors.Is(err, ErrNoRoot) {
		t.Errorf("ToLocal without Root = %s, %v; want ErrNoRoot", uri, err)
	}
}

func TestToLocalRejectsInvalid(t *testing.T) {
	nav := newNavigator(t)
	for _, loc := range []Location{
		ws("../repo/pkg/a.go"),
		ws("/etc/passwd"),
		mod("../x@v1", "a.go"),
		{Space: GOROOT, Module: "golang.org/x/text@v0.3.0", Path: "a.go"},
	} {
		if uri, _, err := nav.m.ToLocal(loc); err == nil || errors.Is(err, ErrNoRoot) {
			t.Errorf("ToLocal(%+v) = %s, %v; want a validation error", loc, uri, err)
		}
	}
}

// TestTwoMachines follows files from a navigator who vendors to an
// attendee with a module cache and back: both land on the same content.
func TestTwoMachines(t *testing.T) {
	nav, att := newNavigator(t), newAttendee(t)
	for _, tc := range []struct{ navFile, attFile string }{
		{"repo/pkg/a.go", "repo/pkg/a.go"},
		{"repo/vendor/github.com/BurntSushi/toml/decode.go", "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go"},
		{"repo/vendor/golang.org/x/tools/gopls/main.go", "modcache/golang.org/x/tools/gopls@v0.16.0/main.go"},
		{"repo/vendor/golang.org/x/tools/go/ast/astutil/util.go", "modcache/golang.org/x/tools@v0.23.0/go/ast/astutil/util.go"},
		{"repo/vendor/example.com/old/old.go", "modcache/example.com/new@v1.1.0/old.go"},
		{"goroot/src/fmt/print.go", "goroot/src/fmt/print.go"},
	} {
		follow(t, nav, att, tc.navFile, tc.attFile)
		follow(t, att, nav, tc.attFile, tc.navFile)
	}
}

// follow sends from's file to to and checks where it lands.
func follow(t *testing.T, from, to machine, fromFile, toFile string) {
	t.Helper()
	loc, err := from.m.ToPortable(from.uri(fromFile))
	if err != nil {
		t.Errorf("ToPortable(%s): %v", fromFile, err)
		return
	}
	uri, exists, err := to.m.ToLocal(loc)
	if want := to.uri(toFile); err != nil || uri != want || !exists {
		t.Errorf("%s -> %v -> %s, %v, %v; want %s", fromFile, loc, uri, exists, err, want)
		return
	}
	p, _ := URIToPath(uri)
	sent, _ := os.ReadFile(filepath.Join(from.base, filepath.FromSlash(fromFile)))
	got, _ := os.ReadFile(p)
	if string(sent) != string(got) {
		t.Errorf("%s landed on %s with other content", fromFile, toFile)
	}
}

func TestRoundTripOnOneMachine(t *testing.T) {
	nav := newNavigator(t)
	for _, file := range []string{
		"repo/pkg/a.go",
		"repo/my dir/a b#c.go",
		"repo/vendor/github.com/BurntSushi/toml/decode.go",
		"repo/vendor/golang.org/x/tools/gopls/main.go",
		"repo/vendor/example.com/old/old.go",
		"repo/vendor/example.com/far/far.go",
		"goroot/src/fmt/print.go",
	} {
		loc, err := nav.m.ToPortable(nav.uri(file))
		if err != nil {
			t.Fatalf("ToPortable(%s): %v", file, err)
		}
		if uri, exists, err := nav.m.ToLocal(loc); err != nil || uri != nav.uri(file) || !exists {
			t.Errorf("ToLocal(ToPortable(%s)) = %s, %v, %v", file, uri, exists, err)
		}
	}
}

// TestToolchainInModuleCache: with GOTOOLCHAIN switching, GOROOT lies inside
// the module cache; its files are still in the GOROOT space, which every
// machine has.
func TestToolchainInModuleCache(t *testing.T) {
	base := t.TempDir()
	goroot := filepath.Join(base, "modcache/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64")
	writeFiles(t, goroot, map[string]string{"src/fmt/print.go": "package fmt\n"})
	m, err := NewMapper(MapperConfig{Root: base, GOMODCACHE: filepath.Join(base, "modcache"), GOROOT: goroot})
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.ToPortable(PathToURI(filepath.Join(goroot, "src/fmt/print.go")))
	if want := (Location{Space: GOROOT, Path: "src/fmt/print.go"}); err != nil || got != want {
		t.Errorf("ToPortable = %v, %v; want %v", got, err, want)
	}
}

// TestModuleCacheInWorkspace: the innermost tree wins, so a module cache
// under the workspace root (GOPATH=$HOME/go, Root=$HOME) names modules.
func TestModuleCacheInWorkspace(t *testing.T) {
	base := t.TempDir()
	cache := filepath.Join(base, "go/pkg/mod")
	m, err := NewMapper(MapperConfig{Root: base, GOMODCACHE: cache})
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.ToPortable(PathToURI(filepath.Join(cache, "golang.org/x/text@v0.3.0/x.go")))
	if want := mod("golang.org/x/text@v0.3.0", "x.go"); err != nil || got != want {
		t.Errorf("ToPortable = %v, %v; want %v", got, err, want)
	}
	// The cache's own bookkeeping is no module: it falls to the workspace.
	got, err = m.ToPortable(PathToURI(filepath.Join(cache, "cache/download/golang.org/x/text/@v/list")))
	if want := ws("go/pkg/mod/cache/download/golang.org/x/text/@v/list"); err != nil || got != want {
		t.Errorf("ToPortable = %v, %v; want %v", got, err, want)
	}
}

// TestModuleDir: go.mod and vendor/ below the git top level.
func TestModuleDir(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{
		"vendor/modules.txt":               "# golang.org/x/text v0.3.0\ngolang.org/x/text\n", // not the main module's
		"go/vendor/modules.txt":            "# golang.org/x/text v0.3.0\ngolang.org/x/text\n# example.com/l v1.0.0 => ../lib\nexample.com/l\n",
		"go/vendor/golang.org/x/text/x.go": "package text\n",
		"go/vendor/example.com/l/l.go":     "package l\n",
	})
	m, err := NewMapper(MapperConfig{Root: base, ModuleDir: filepath.Join(base, "go")})
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]Location{
		"go/vendor/golang.org/x/text/x.go": mod("golang.org/x/text@v0.3.0", "x.go"),
		"go/vendor/example.com/l/l.go":     ws("lib/l.go"),
		"vendor/golang.org/x/text/x.go":    ws("vendor/golang.org/x/text/x.go"),
	} {
		got, err := m.ToPortable(PathToURI(filepath.Join(base, file)))
		if err != nil || got != want {
			t.Errorf("ToPortable(%s) = %v, %v; want %v", file, got, err, want)
		}
	}
}

// TestSymlinkedRoot: a file named through the resolved path of a symlinked
// root maps like one named through the configured path.
func TestSymlinkedRoot(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{"real/pkg/a.go": "package pkg\n"})
	link := filepath.Join(base, "link")
	if err := os.Symlink(filepath.Join(base, "real"), link); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	m, err := NewMapper(MapperConfig{Root: link})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"real", "link"} {
		got, err := m.ToPortable(PathToURI(filepath.Join(base, dir, "pkg/a.go")))
		if want := ws("pkg/a.go"); err != nil || got != want {
			t.Errorf("ToPortable via %s = %v, %v; want %v", dir, got, err, want)
		}
	}
}

func TestNewMapperRejectsRelativeDirs(t *testing.T) {
	for _, cfg := range []MapperConfig{
		{Root: "repo"},
		{Root: "/repo", ModuleDir: "repo"},
		{GOMODCACHE: "go/pkg/mod"},
		{GOROOT: "."},
	} {
		if _, err := NewMapper(cfg); err == nil {
			t.Errorf("NewMapper(%+v) = nil error, want error", cfg)
		}
	}
}

func TestNewMapperUnreadableModulesTxt(t *testing.T) {
	base := t.TempDir()
	// A directory where the file should be: reading it fails.
	if err := os.MkdirAll(filepath.Join(base, "vendor/modules.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMapper(MapperConfig{Root: base}); err == nil || !strings.Contains(err.Error(), "modules.txt") {
		t.Errorf("NewMapper = %v, want a modules.txt error", err)
	}
}

func TestFindRoot(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{
		"repo/.git/HEAD":  "ref: refs/heads/main\n",
		"repo/a/b/x.go":   "package b\n",
		"worktree/.git":   "gitdir: /elsewhere\n",
		"worktree/c/y.go": "package c\n",
		"plain/d/z.go":    "package d\n",
	})
	for dir, want := range map[string]string{
		"repo":       "repo",
		"repo/a/b":   "repo",
		"worktree/c": "worktree",
		"plain/d":    "plain/d",
	} {
		if got := FindRoot(filepath.Join(base, dir)); got != filepath.Join(base, want) {
			t.Errorf("FindRoot(%s) = %s, want %s", dir, got, filepath.Join(base, want))
		}
	}
}

func BenchmarkToPortable(b *testing.B) {
	nav, att := newNavigator(b), newAttendee(b)
	for _, bc := range []struct {
		name string
		mc   machine
		file string
	}{
		{"workspace", nav, "repo/pkg/a.go"},
		{"vendor", nav, "repo/vendor/golang.org/x/tools/go/ast/astutil/util.go"},
		{"modcache", att, "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go"},
		{"goroot", att, "goroot/src/fmt/print.go"},
	} {
		uri := bc.mc.uri(bc.file)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := bc.mc.m.ToPortable(uri); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkToLocal(b *testing.B) {
	nav, att := newNavigator(b), newAttendee(b)
	for _, bc := range []struct {
		name string
		mc   machine
		loc  Location
	}{
		{"workspace", nav, ws("pkg/a.go")},
		{"vendor", nav, mod("golang.org/x/tools@v0.23.0", "go/ast/astutil/util.go")},
		{"modcache", att, mod("github.com/BurntSushi/toml@v1.2.0", "decode.go")},
		{"missing", att, mod("golang.org/x/text@v0.9.0", "x.go")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := bc.mc.m.ToLocal(bc.loc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRealGoModVendor checks the mapping against what the go command
// really writes: a module vendored with `go mod vendor` and the same module
// in this machine's module cache (the one this package builds with) are
// one portable place.
func TestRealGoModVendor(t *testing.T) {
	goTool := lsptest.NeedTool(t, "go", "https://go.dev/doc/install")
	env := append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOFLAGS=-mod=mod")
	goCmd := func(dir string, args ...string) string {
		cmd := exec.Command(goTool, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	repo := filepath.Join(t.TempDir(), "repo")
	// The version this package builds with is in the module cache.
	modVersion := goCmd(".", "list", "-mod=readonly", "-m", "-f", "{{.Version}}", "golang.org/x/mod")
	writeFiles(t, repo, map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/mod " + modVersion + "\n",
		"main.go": "package main\n\nimport \"golang.org/x/mod/module\"\n\nfunc main() { _ = module.CheckPath(\"x\") }\n",
	})
	goCmd(repo, "mod", "tidy")
	goCmd(repo, "mod", "vendor")
	nav, err := NewMapper(MapperConfig{Root: repo})
	if err != nil {
		t.Fatal(err)
	}
	cache, goroot := goCmd(repo, "env", "GOMODCACHE"), goCmd(repo, "env", "GOROOT")
	att, err := NewMapper(MapperConfig{Root: t.TempDir(), GOMODCACHE: cache, GOROOT: goroot})
	if err != nil {
		t.Fatal(err)
	}
	vendored := filepath.Join(repo, "vendor/golang.org/x/mod/module/module.go")
	loc, err := nav.ToPortable(PathToURI(vendored))
	if want := mod("golang.org/x/mod@"+modVersion, "module/module.go"); err != nil || loc != want {
		t.Fatalf("ToPortable(vendored) = %v, %v; want %v", loc, err, want)
	}
	uri, exists, err := att.ToLocal(loc)
	if want := PathToURI(filepath.Join(cache, "golang.org/x/mod@"+modVersion, "module/module.go")); err != nil || uri != want || !exists {
		t.Fatalf("ToLocal(%v) = %s, %v, %v; want %s", loc, uri, exists, err, want)
	}
	back, err := att.ToPortable(uri)
	if err != nil || back != loc {
		t.Errorf("ToPortable(%s) = %v, %v; want %v", uri, back, err, loc)
	}
	print := PathToURI(filepath.Join(goroot, "src/fmt/print.go"))
	if loc, err := att.ToPortable(print); err != nil || loc != (Location{Space: GOROOT, Path: "src/fmt/print.go"}) {
		t.Errorf("ToPortable(%s) = %v, %v", print, loc, err)
	}
}
