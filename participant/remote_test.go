package participant

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/location"
)

func TestPortableURI(t *testing.T) {
	for _, l := range []location.Location{
		{Space: location.Workspace, Path: "pkg/a b.go"},
		{Space: location.Module, Module: "golang.org/x/text@v0.3.0", Path: "unicode/norm/x.go"},
		{Space: location.GOROOT, Path: "src/fmt/print.go"},
	} {
		u := location.PortableURI(l)
		got, err := location.ParsePortableURI(u)
		if err != nil || got != l {
			t.Errorf("location.ParsePortableURI(%q) = %+v, %v; want %+v", u, got, err, l)
		}
	}
	for _, bad := range []string{
		"file:///etc/passwd",
		"lspshare:/workspace/../secret",
		"lspshare:/workspace//etc/passwd",
		"lspshare:/goroot/src/../../../proc/self/environ",
		"lspshare:/module/example.com/m/x.go",
		"lspshare:/module/example.com/m@v1.0.0",
		"lspshare:/module/../m@v1.0.0/x.go",
		"lspshare:/elsewhere/x.go",
		"lspshare:/workspace/",
	} {
		if l, err := location.ParsePortableURI(bad); err == nil {
			t.Errorf("location.ParsePortableURI(%q) = %+v, want an error", bad, l)
		}
	}
}

func TestRewriteURIs(t *testing.T) {
	in := json.RawMessage(`[{"uri":"a","range":{"start":{"line":1,"character":2}}},{"targetUri":"b","n":12345678901234567890}]`)
	out, err := rewriteURIs(in, func(u string) (string, error) { return "x" + u, nil })
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `"uri":"xa"`) || !strings.Contains(s, `"targetUri":"xb"`) || !strings.Contains(s, "12345678901234567890") {
		t.Errorf("rewriteURIs = %s", out)
	}
	hover := json.RawMessage(`{"contents":{"kind":"markdown","value":"x"}}`)
	if out, _ := rewriteURIs(hover, nil); string(out) != string(hover) {
		t.Errorf("a payload without URIs changed: %s", out)
	}
}

// FuzzPortableURI: whatever another participant sends, a portable URI that
// parses names a valid location, and the holder's mapping of it stays
// inside the holder's roots, on this machine and by the rules of Windows
// and macOS.
func FuzzPortableURI(f *testing.F) {
	for _, s := range []string{
		"lspshare:/workspace/a.go", "lspshare:/module/example.com/m@v1.0.0/x.go",
		"lspshare:/goroot/src/fmt/print.go", "lspshare:/workspace/../x", "lspshare:/module/@/",
		"lspshare:/workspace/C:foo", "lspshare:/workspace/nul.go", "lspshare:/workspace/a.go:secret",
		`lspshare:/workspace/..\..\x`, "lspshare:/goroot/GIT~1/config",
	} {
		f.Add(s)
	}
	type tree struct {
		m                      *location.Mapper
		root, modcache, goroot string
	}
	var trees []tree
	for _, cfg := range []location.MapperConfig{
		{Root: f.TempDir(), GOMODCACHE: f.TempDir(), GOROOT: f.TempDir()},
		{Rules: location.Windows, Root: `C:\Users\ann\src\app`, GOMODCACHE: `C:\Users\ann\go\pkg\mod`, GOROOT: `C:\Program Files\Go`},
		{Rules: location.MacOS, Root: "/var/folders/zz/T/app", GOMODCACHE: "/Users/bob/go/pkg/mod", GOROOT: "/usr/local/go"},
	} {
		m, err := location.NewMapper(cfg)
		if err != nil {
			f.Fatal(err)
		}
		trees = append(trees, tree{m, cfg.Root, cfg.GOMODCACHE, cfg.GOROOT})
	}
	f.Fuzz(func(t *testing.T, u string) {
		l, err := location.ParsePortableURI(u)
		if err != nil {
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("parsed %q into an invalid %+v: %v", u, l, err)
		}
		for _, tr := range trees {
			r := tr.m.Rules()
			uri, _, err := tr.m.ToLocal(l)
			if err != nil {
				continue
			}
			p, err := r.URIToPath(uri)
			if err != nil {
				t.Fatalf("%s ToLocal gave %q: %v", r, uri, err)
			}
			inside := false
			for _, dir := range []string{tr.root, tr.modcache, tr.goroot} {
				if _, ok := r.Rel(dir, p); ok {
					inside = true
				}
			}
			if !inside {
				t.Fatalf("%q maps outside %s's roots: %s", u, r, p)
			}
		}
	})
}

// FuzzRewriteURIs: any payload is rewritten or refused, never a panic.
func FuzzRewriteURIs(f *testing.F) {
	f.Add(`[{"uri":"a"}]`)
	f.Add(`{"x":[{"targetUri":"b"},{"uri":1}]}`)
	f.Add(`{"uri"`)
	f.Fuzz(func(t *testing.T, s string) {
		out, err := rewriteURIs(json.RawMessage(s), func(u string) (string, error) { return u + "!", nil })
		if err == nil && len(s) > 0 && !json.Valid(out) && json.Valid([]byte(s)) {
			t.Fatalf("rewriteURIs(%q) = %q, not JSON", s, out)
		}
	})
}
