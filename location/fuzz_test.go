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
	})
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
	f.Fuzz(func(t *testing.T, space, module, path string) {
		l := Location{Space: Space(space), Module: module, Path: path}
		uri, _, err := nav.m.ToLocal(l)
		if err != nil {
			return
		}
		if l.Validate() != nil {
			t.Fatalf("ToLocal(%+v) accepted an invalid location", l)
		}
		p, err := URIToPath(uri)
		if err != nil {
			t.Fatalf("ToLocal(%+v) = %q, not a file URI: %v", l, uri, err)
		}
		var trees []string
		switch l.Space {
		case Workspace:
			trees = []string{nav.root}
		case GOROOT:
			trees = []string{nav.goroot}
		case Module:
			trees = []string{filepath.Join(nav.root, "vendor"), nav.cache}
		}
		for _, dir := range trees {
			if _, ok := relUnder(dir, p); ok {
				return
			}
		}
		t.Fatalf("ToLocal(%+v) = %s, outside %v", l, p, trees)
	})
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
	f.Fuzz(func(t *testing.T, uri string) {
		loc, err := nav.m.ToPortable(uri)
		if err != nil {
			return
		}
		if err := loc.Validate(); err != nil {
			t.Fatalf("ToPortable(%q) = %+v: %v", uri, loc, err)
		}
		if _, _, err := nav.m.ToLocal(loc); err != nil {
			t.Fatalf("ToLocal(ToPortable(%q) = %+v): %v", uri, loc, err)
		}
	})
}

func FuzzURI(f *testing.F) {
	for _, seed := range []string{
		"file:///home/x/a.go",
		"file:///home/x/a%20b.go",
		"file:///c%3A/x/a.go",
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
		if p, err := URIToPath(s); err == nil {
			if !filepath.IsAbs(p) || filepath.Clean(p) != p {
				t.Fatalf("URIToPath(%q) = %q, not clean and absolute", s, p)
			}
			checkURIRoundTrip(t, p)
		}
		if filepath.IsAbs(s) && !strings.ContainsRune(s, 0) {
			checkURIRoundTrip(t, filepath.Clean(s))
		}
	})
}

func checkURIRoundTrip(t *testing.T, p string) {
	uri := PathToURI(p)
	back, err := URIToPath(uri)
	if err != nil || back != p {
		t.Fatalf("URIToPath(PathToURI(%q) = %q) = %q, %v", p, uri, back, err)
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
