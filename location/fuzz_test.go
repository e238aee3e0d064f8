package location

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzValidate(f *testing.F) {
	for _, seed := range [][3]string{
		{"workspace", "", "pkg/a.go"},
		{"workspace", "", "../etc/passwd"},
		{"workspace", "", `..\..\x`},
		{"goroot", "", "src/fmt/print.go"},
		{"goroot", "", "/usr/local/go/src/fmt/print.go"},
		{"module", "golang.org/x/text@v0.3.0", "unicode/x.go"},
		{"module", "../x@v1", "a.go"},
		{"module", "github.com/BurntSushi/toml@v1.2.0", "a/./b.go"},
		{"module", "golang.org/x/text@v0.3.0", "c:/x.go"},
		{"workspace", "", "a\x00b"},
		{"workspace", "", "a//b"},
		{"home", "", "a.go"},
		{"workspace", "", "C:foo"},
		{"workspace", "", "nul.go"},
		{"workspace", "", "a.go:secret"},
		{"workspace", "", ".git./config"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, space, module, path string) {
		l := Location{Space: Space(space), Module: module, Path: path}
		if l.Validate() != nil {
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(path)) || strings.ContainsAny(path, "\\\x00") {
			t.Fatalf("Validate accepted non-local path %q", path)
		}
		for _, elem := range strings.Split(module, "/") {
			if elem == ".." || elem == "." || strings.ContainsAny(elem, "\\\x00") {
				t.Fatalf("Validate accepted module %q", module)
			}
		}
		data, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var back Location
		if err := json.Unmarshal(data, &back); err != nil || back != l {
			t.Fatalf("JSON round trip of %+v: %+v, %v", l, back, err)
		}
		// Every system that can hold the file holds it inside its tree.
		for _, m := range fuzzMachines {
			local, err := m.r.Localize(path)
			if err != nil {
				continue
			}
			if rel, ok := m.r.Rel(m.root, m.r.Join(m.root, local)); !ok || rel != path {
				t.Fatalf("%s: %q joined to %s is %q, %v", m.r, path, m.root, rel, ok)
			}
		}
	})
}

// fuzzMachines are a tree of each system's rules, for the fuzz targets.
var fuzzMachines = []struct {
	r                      Rules
	root, modcache, goroot string
}{
	{Linux, "/home/cyd/src/app", "/home/cyd/go/pkg/mod", "/usr/local/go"},
	{MacOS, "/var/folders/zz/T/app", "/Users/bob/go/pkg/mod", "/usr/local/go"},
	{Windows, `C:\Users\ann\src\app`, `C:\Users\ann\go\pkg\mod`, `C:\Program Files\Go`},
}

func FuzzToLocal(f *testing.F) {
	nav := newNavigator(f)
	f.Add("workspace", "", "pkg/a.go")
	f.Add("workspace", "", "../../../etc/passwd")
	f.Add("workspace", "", "vendor/../../x")
	f.Add("goroot", "", "src/fmt/print.go")
	f.Add("module", "github.com/BurntSushi/toml@v1.2.0", "decode.go")
	f.Add("module", "golang.org/x/tools@v0.23.0", "gopls/main.go")
	f.Add("module", "../x@v1", "a.go")
	f.Add("module", "golang.org/x/text@v0.3.0/../../..", "a.go")
	f.Add("module", "golang.org/x/text@..", "a.go")
	f.Add("workspace", "", "C:foo")
	f.Add("workspace", "", "nul.go")
	f.Add("goroot", "", "src/a.go:secret")
	mappers := foreignMappers(f)
	f.Fuzz(func(t *testing.T, space, module, path string) {
		l := Location{Space: Space(space), Module: module, Path: path}
		checkToLocal(t, nav.m, l, nav.root, nav.cache, nav.goroot)
		for i, m := range fuzzMachines {
			checkToLocal(t, mappers[i], l, m.root, m.modcache, m.goroot)
		}
	})
}

func foreignMappers(t testing.TB) []*Mapper {
	var mappers []*Mapper
	for _, m := range fuzzMachines {
		mappers = append(mappers, foreign(t, m.r, m.root, m.modcache, m.goroot))
	}
	return mappers
}

// checkToLocal checks that m maps l, if it does, to a file strictly inside
// the tree of l's space.
func checkToLocal(t *testing.T, m *Mapper, l Location, root, modcache, goroot string) {
	t.Helper()
	r := m.Rules()
	uri, _, err := m.ToLocal(l)
	if err != nil {
		return
	}
	if l.Validate() != nil {
		t.Fatalf("%s ToLocal(%+v) accepted an invalid location", r, l)
	}
	if _, err := r.Localize(l.Path); err != nil {
		t.Fatalf("%s ToLocal(%+v) = %s, a file the system cannot hold", r, l, uri)
	}
	p, err := r.URIToPath(uri)
	if err != nil {
		t.Fatalf("%s ToLocal(%+v) = %q, not a file URI: %v", r, l, uri, err)
	}
	var trees []string
	switch l.Space {
	case Workspace:
		trees = []string{root}
	case GOROOT:
		trees = []string{goroot}
	case Module:
		trees = []string{r.Join(root, "vendor"), modcache}
	}
	for _, dir := range trees {
		if _, ok := r.Rel(dir, p); ok {
			return
		}
	}
	t.Fatalf("%s ToLocal(%+v) = %s, outside %v", r, l, p, trees)
}

func FuzzToPortable(f *testing.F) {
	nav := newNavigator(f)
	for _, file := range []string{
		"repo/pkg/a.go",
		"repo/vendor/golang.org/x/tools/gopls/main.go",
		"repo/vendor/example.com/local/local.go",
		"modcache/golang.org/x/text@v0.3.0/x.go",
		"modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go",
		"modcache/cache/download/golang.org/x/text/@v/list",
		"goroot/src/fmt/print.go",
		"elsewhere/a.go",
	} {
		f.Add(nav.uri(file))
	}
	f.Add(nav.uri("repo") + "/%2E%2E/x")
	f.Add("file:///etc/passwd")
	for _, uri := range []string{
		"file:///c%3A/Users/ann/src/app/client.go",
		"file:///C:/users/ANN/go/pkg/mod/github.com/%21burnt%21sushi/toml%40v1.2.0/decode.go",
		"file:///c%3A/Program%20Files/Go/src/fmt/print.go",
		"file:///c%3A/Users/ann/src/app/client.go:secret",
		"file:///c%3A/Users/ann/src/app/pkg%5C..%5C..%5Cx",
		"file:///private/var/folders/zz/T/app/a.go",
		"file:///Users/BOB/go/pkg/mod/golang.org/x/text@v0.3.0/x.go",
	} {
		f.Add(uri)
	}
	mappers := append(foreignMappers(f), nav.m)
	f.Fuzz(func(t *testing.T, uri string) {
		for _, m := range mappers {
			loc, err := m.ToPortable(uri)
			if err != nil {
				continue
			}
			if err := loc.Validate(); err != nil {
				t.Fatalf("%s ToPortable(%q) = %+v: %v", m.Rules(), uri, loc, err)
			}
			back, _, err := m.ToLocal(loc)
			if err != nil {
				t.Fatalf("%s ToLocal(ToPortable(%q) = %+v): %v", m.Rules(), uri, loc, err)
			}
			if again, err := m.ToPortable(back); err != nil || again != loc {
				t.Fatalf("%s ToPortable(ToLocal(%+v) = %s) = %+v, %v", m.Rules(), loc, back, again, err)
			}
		}
	})
}

func FuzzURI(f *testing.F) {
	for _, seed := range []string{
		"file:///home/x/a.go",
		"file:///home/x/a%20b.go",
		"file:///c%3A/x/a.go",
		"file:///C:/x/../a.go",
		"file:////server/share/a.go",
		`C:\x\a b.go`,
		`c:/x//a.go`,
		`\\server\share\x`,
		"file://localhost/a.go",
		"file:/a.go",
		"file:///a%zz",
		"file:///a%2F..%2Fb",
		"http://x/a.go",
		"/home/x/a b#c?.go",
		"/home/x/\xff\xfe.go",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := URIToPath(s); err == nil && (!filepath.IsAbs(p) || filepath.Clean(p) != p) {
			t.Fatalf("URIToPath(%q) = %q, not clean and absolute", s, p)
		}
		for _, r := range []Rules{Linux, MacOS, Windows} {
			if p, err := r.URIToPath(s); err == nil {
				if !r.IsAbs(p) || r.Clean(p) != p {
					t.Fatalf("%s URIToPath(%q) = %q, not clean and absolute", r, s, p)
				}
				checkURIRoundTrip(t, r, p)
			}
			if r.IsAbs(s) && !strings.ContainsRune(s, 0) {
				checkURIRoundTrip(t, r, r.Clean(s))
			}
		}
	})
}

func checkURIRoundTrip(t *testing.T, r Rules, p string) {
	uri := r.PathToURI(p)
	back, err := r.URIToPath(uri)
	if err != nil || back != p {
		t.Fatalf("%s URIToPath(PathToURI(%q) = %q) = %q, %v", r, p, uri, back, err)
	}
}

var fuzzEncodings = []Encoding{UTF8, UTF16, UTF32, "utf-7"}

func FuzzConvertPosition(f *testing.F) {
	f.Add([]byte("package p\naé😀b\n"), uint32(1), uint32(3), uint8(1), uint8(0))
	f.Add([]byte("😀😀"), uint32(0), uint32(1), uint8(1), uint8(2))
	f.Add([]byte("\xff\xfe\xed\xa0\x80"), uint32(0), uint32(2), uint8(0), uint8(1))
	f.Add([]byte(""), uint32(7), uint32(7), uint8(2), uint8(0))
	f.Add([]byte("a\r\nb\rc\n"), uint32(1), ^uint32(0), uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, text []byte, line, char uint32, from, to uint8) {
		fromEnc := fuzzEncodings[int(from)%len(fuzzEncodings)]
		toEnc := fuzzEncodings[int(to)%len(fuzzEncodings)]
		p := Position{line, char}
		clamped := ConvertPosition(text, p, fromEnc, fromEnc)
		if lessPosition(p, clamped) {
			t.Fatalf("clamping %v gave %v, after it", p, clamped)
		}
		if again := ConvertPosition(text, clamped, fromEnc, fromEnc); again != clamped {
			t.Fatalf("clamping is not idempotent: %v -> %v -> %v", p, clamped, again)
		}
		q := ConvertPosition(text, p, fromEnc, toEnc)
		if back := ConvertPosition(text, q, toEnc, fromEnc); back != clamped {
			t.Fatalf("%v %s->%s = %v, back = %v; want %v", p, fromEnc, toEnc, q, back, clamped)
		}
	})
}
