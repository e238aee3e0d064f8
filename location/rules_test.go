package location

import (
	"errors"
	"strings"
	"testing"
)

// The path tables of this file run the rules of macOS and Windows on
// Linux: every OS's forms of URIs and paths, mapped both ways.

func TestRulesURIToPath(t *testing.T) {
	for _, tc := range []struct {
		r         Rules
		uri, want string
	}{
		// VS Code on Windows: lower-case drive, colon percent-encoded.
		{Windows, "file:///c%3A/Users/ann/src/containerd/client.go", `C:\Users\ann\src\containerd\client.go`},
		{Windows, "file:///C:/Users/ann/src/containerd/client.go", `C:\Users\ann\src\containerd\client.go`},
		{Windows, "file:///c:/Users/ann/src/containerd/client.go", `C:\Users\ann\src\containerd\client.go`},
		{Windows, "file:///C%3a/Users/ann/a%20b.go", `C:\Users\ann\a b.go`},
		{Windows, "file://localhost/C:/Users/ann/a.go", `C:\Users\ann\a.go`},
		{Windows, "file:/C:/Users/ann/a.go", `C:\Users\ann\a.go`},
		{Windows, "file:///C:/Users/ann/src/../go/pkg/mod/x.go", `C:\Users\ann\go\pkg\mod\x.go`},
		{Windows, "file:///C:/Users/ann/pkg%5Cx.go", `C:\Users\ann\pkg\x.go`}, // '\' separates on Windows
		{Windows, "file:///C:/", `C:\`},
		{Windows, "file:////server/share/x.go", `\\server\share\x.go`},
		{MacOS, "file:///Users/bob/src/containerd/client.go", "/Users/bob/src/containerd/client.go"},
		{MacOS, "file:///private/var/folders/zz/T/a.go", "/private/var/folders/zz/T/a.go"},
		{MacOS, "file:///Users/bob/a%5Cb.go", `/Users/bob/a\b.go`}, // a name character on Unix
		{MacOS, "file:///c%3A/x.go", "/c:/x.go"},                   // an ordinary path on Unix
		{Linux, "file:///home/cyd/src/containerd/client.go", "/home/cyd/src/containerd/client.go"},
	} {
		got, err := tc.r.URIToPath(tc.uri)
		if err != nil || got != tc.want {
			t.Errorf("%s URIToPath(%q) = %q, %v; want %q", tc.r, tc.uri, got, err, tc.want)
		}
	}
}

func TestRulesURIToPathRejects(t *testing.T) {
	for _, tc := range []struct {
		r   Rules
		uri string
	}{
		{Windows, "file:///Users/ann/a.go"},          // no drive: relative to the current drive
		{Windows, "file:///C:a.go"},                  // drive-relative
		{Windows, "file:///C%3Aa.go"},                // drive-relative, encoded
		{Windows, "file://server/share/a.go"},        // UNC as a host
		{Windows, "file:///C:/Users/ann/a.go?x=1"},   // query
		{Windows, "file:///C:/Users/ann/a%00.go"},    // NUL
		{Windows, "file:///%5C%5Cserver/share/a.go"}, // `/\\server`: rooted on no drive
		{MacOS, "file:///Users/bob/a.go#L1"},
		{MacOS, "file:Users/bob/a.go"},
	} {
		if got, err := tc.r.URIToPath(tc.uri); err == nil {
			t.Errorf("%s URIToPath(%q) = %q, nil; want error", tc.r, tc.uri, got)
		}
	}
}

func TestRulesPathToURI(t *testing.T) {
	for _, tc := range []struct {
		r          Rules
		path, want string
	}{
		{Windows, `C:\Users\ann\src\containerd\client.go`, "file:///C:/Users/ann/src/containerd/client.go"},
		{Windows, `c:\Users\ann\a b#c.go`, "file:///C:/Users/ann/a%20b%23c.go"}, // gopls's upper-case drive
		{Windows, `C:/Users/ann/x/../y.go`, "file:///C:/Users/ann/y.go"},
		{Windows, `C:\Users\ann\go\pkg\mod\github.com\!burnt!sushi\toml@v1.2.0\decode.go`, "file:///C:/Users/ann/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go"},
		{Windows, `\\server\share\x.go`, "file:////server/share/x.go"},
		{MacOS, "/Users/bob/été.go", "file:///Users/bob/%C3%A9t%C3%A9.go"},
		{MacOS, "/Users/bob/odd:name.go", "file:///Users/bob/odd:name.go"},
	} {
		got := tc.r.PathToURI(tc.path)
		if got != tc.want {
			t.Errorf("%s PathToURI(%q) = %q, want %q", tc.r, tc.path, got, tc.want)
		}
		if back, err := tc.r.URIToPath(got); err != nil || back != tc.r.Clean(tc.path) {
			t.Errorf("%s URIToPath(%q) = %q, %v; want %q", tc.r, got, back, err, tc.r.Clean(tc.path))
		}
	}
}

func TestRulesIsAbsAndClean(t *testing.T) {
	for _, tc := range []struct {
		r     Rules
		path  string
		abs   bool
		clean string
	}{
		{Windows, `C:\Users\ann`, true, `C:\Users\ann`},
		{Windows, `c:/Users//ann/./x/..`, true, `C:\Users\ann`},
		{Windows, `C:\..\..`, true, `C:\`},
		{Windows, `C:foo`, false, `C:foo`},
		{Windows, `\Users\ann`, false, `\Users\ann`},
		{Windows, `\\server\share\x\..\y`, true, `\\server\share\y`},
		{Windows, `//server/share`, true, `\\server\share\`},
		{Windows, `\\?\C:\x`, true, `\\?\C:\x`},
		{Windows, `..\x`, false, `..\x`},
		{MacOS, "/private/var/../tmp", true, "/private/tmp"},
		{MacOS, `C:\x`, false, `C:\x`},
		{Linux, "/home//cyd/", true, "/home/cyd"},
	} {
		if got := tc.r.IsAbs(tc.path); got != tc.abs {
			t.Errorf("%s IsAbs(%q) = %v, want %v", tc.r, tc.path, got, tc.abs)
		}
		if got := tc.r.Clean(tc.path); got != tc.clean {
			t.Errorf("%s Clean(%q) = %q, want %q", tc.r, tc.path, got, tc.clean)
		}
	}
}

func TestRulesRel(t *testing.T) {
	for _, tc := range []struct {
		r      Rules
		dir, p string
		rel    string
		inside bool
	}{
		{Windows, `C:\Users\ann\src`, `C:\Users\ann\src\pkg\a.go`, "pkg/a.go", true},
		{Windows, `c:\users\ANN\src`, `C:\Users\ann\src\pkg\A.go`, "pkg/A.go", true}, // the rest keeps its case
		{Windows, `C:\`, `C:\x.go`, "x.go", true},
		{Windows, `C:\Users\ann\src`, `C:\Users\ann\src2\a.go`, "", false},
		{Windows, `C:\Users\ann\src`, `D:\Users\ann\src\a.go`, "", false},
		{Windows, `C:\Users\ann\src`, `C:\Users\ann\src`, "", false},
		{MacOS, "/Users/bob/src", "/users/BOB/src/a.go", "a.go", true},
		{Linux, "/home/cyd/src", "/home/Cyd/src/a.go", "", false}, // case matters on Linux
		{Linux, "/home/cyd/src", `/home/cyd/src/a\b.go`, `a\b.go`, true},
	} {
		rel, ok := tc.r.Rel(tc.dir, tc.p)
		if rel != tc.rel || ok != tc.inside {
			t.Errorf("%s Rel(%q, %q) = %q, %v; want %q, %v", tc.r, tc.dir, tc.p, rel, ok, tc.rel, tc.inside)
		}
	}
}

// windowsCannotHold are valid portable paths (Linux and macOS hold them)
// that Windows cannot hold as files.
var windowsCannotHold = []string{
	"C:foo", "C:/Windows/win.ini", "odd:name.go", "client.go:secret", "client.go::$DATA",
	".git::$INDEX_ALLOCATION/config", "pkg:stream/a.go",
	"CON", "con", "NUL", "nul.go", "Nul.txt", "AUX", "PRN", "COM1", "com1.go", "COM0", "LPT9.txt",
	"COM¹", "lpt³.go", "CONIN$", "conout$.x", "NUL .go", "pkg/con/x.go", "pkg/aux",
	"a.go.", "a.go ", ".git./config", ".git /config", "pkg./a.go",
	"a*.go", "a?.go", `a"b.go`, "a<b.go", "a>b.go", "a|b.go", "a\x01.go", "a\x1f.go",
}

func TestRulesLocalize(t *testing.T) {
	for _, rel := range windowsCannotHold {
		if got, err := Windows.Localize(rel); err == nil {
			t.Errorf("Windows Localize(%q) = %q, nil; want error", rel, got)
		}
		for _, r := range []Rules{Linux, MacOS} {
			if got, err := r.Localize(rel); err != nil || got != rel {
				t.Errorf("%s Localize(%q) = %q, %v; want it unchanged", r, rel, got, err)
			}
		}
	}
	for _, rel := range []string{"pkg/a.go", "conf.d/a.go", "console.go", "nullable.go", "com10.go", "lpt.go", "a~b.go", ".github/ci.yml", "été/a b.go"} {
		want := strings.ReplaceAll(rel, "/", `\`)
		if got, err := Windows.Localize(rel); err != nil || got != want {
			t.Errorf("Windows Localize(%q) = %q, %v; want %q", rel, got, err, want)
		}
	}
	for _, rel := range []string{"../x", "/x", `a\b`, "a//b", ""} {
		for _, r := range []Rules{Linux, MacOS, Windows} {
			if got, err := r.Localize(rel); err == nil {
				t.Errorf("%s Localize(%q) = %q, nil; want error", r, rel, got)
			}
		}
	}
}

func TestHasShortName(t *testing.T) {
	for rel, want := range map[string]bool{
		"GIT~1/config": true, "ENV~1": true, "pkg/PROGRA~1/x.go": true, "foo~12.go": true,
		"a~b.go": false, "a~.go": false, "~1": true, "pkg/a.go": false, "x.go~1": false,
	} {
		if got := Windows.HasShortName(rel); got != want {
			t.Errorf("Windows HasShortName(%q) = %v, want %v", rel, got, want)
		}
		if Linux.HasShortName(rel) || MacOS.HasShortName(rel) {
			t.Errorf("HasShortName(%q) off Windows", rel)
		}
	}
}

// foreign is a machine of another OS, named by its rules and directories
// only: its files cannot be on this disk, so every file maps as missing.
func foreign(t testing.TB, r Rules, root, modcache, goroot string) *Mapper {
	t.Helper()
	m, err := NewMapper(MapperConfig{Rules: r, Root: root, GOMODCACHE: modcache, GOROOT: goroot})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The machines of the tables: Ann on Windows with VS Code, Bob on macOS,
// Dee on macOS in a temporary folder (/var is /private/var), and Cyd on
// Linux (this machine, with real files).
func windowsAnn(t testing.TB) *Mapper {
	return foreign(t, Windows, `C:\Users\ann\src\containerd`, `C:\Users\ann\go\pkg\mod`, `C:\Program Files\Go`)
}

func macBob(t testing.TB) *Mapper {
	return foreign(t, MacOS, "/Users/bob/src/containerd", "/Users/bob/go/pkg/mod", "/usr/local/go")
}

func macDee(t testing.TB) *Mapper {
	return foreign(t, MacOS, "/var/folders/zz/T/containerd", "/private/var/folders/zz/T/gomod", "/opt/homebrew/Cellar/go/1.26.8/libexec")
}

func linuxCyd(t testing.TB) machine {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{
		"repo/client.go":          "package containerd\n",
		"repo/pkg/cri/server.go":  "package cri\n",
		"repo/my dir/a b#c.go":    "package mydir\n",
		"repo/odd:name.go":        "package odd\n",
		"repo/nul.go":             "package nul\n",
		"goroot/src/fmt/print.go": "package fmt\n",
		"modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go": "package toml\n",
		"modcache/golang.org/x/text@v0.3.0/unicode/x.go":         "package unicode\n",
	})
	return newMachine(t, base)
}

func gorootLoc(path string) Location { return Location{Space: GOROOT, Path: path} }

const (
	toml = "github.com/BurntSushi/toml@v1.2.0"
	text = "golang.org/x/text@v0.3.0"
)

func TestRulesToPortable(t *testing.T) {
	ann, bob, dee := windowsAnn(t), macBob(t), macDee(t)
	for _, tc := range []struct {
		m    *Mapper
		uri  string
		want Location
	}{
		{ann, "file:///c%3A/Users/ann/src/containerd/client.go", ws("client.go")},
		{ann, "file:///C:/Users/ann/src/containerd/client.go", ws("client.go")},
		{ann, "file:///c:/Users/ann/src/containerd/client.go", ws("client.go")},
		{ann, "file:///C%3A/users/ANN/SRC/Containerd/client.go", ws("client.go")}, // NTFS: the same folder
		{ann, "file://localhost/C:/Users/ann/src/containerd/pkg/cri/server.go", ws("pkg/cri/server.go")},
		{ann, "file:///c%3A/Users/ann/src/containerd/pkg%5Ccri%5Cserver.go", ws("pkg/cri/server.go")},
		{ann, "file:///c%3A/Users/ann/src/containerd/my%20dir/a%20b%23c.go", ws("my dir/a b#c.go")},
		{ann, "file:///C:/Users/ann/src/containerd/pkg/../client.go", ws("client.go")},
		{ann, "file:///c%3A/Users/ann/go/pkg/mod/github.com/%21burnt%21sushi/toml%40v1.2.0/decode.go", mod(toml, "decode.go")},
		{ann, "file:///C:/Users/ann/go/pkg/mod/golang.org/x/text@v0.3.0/unicode/x.go", mod(text, "unicode/x.go")},
		{ann, "file:///c%3A/Program%20Files/Go/src/fmt/print.go", gorootLoc("src/fmt/print.go")},
		{ann, "file:///c%3A/program%20files/go/src/fmt/print.go", gorootLoc("src/fmt/print.go")},
		{bob, "file:///Users/bob/src/containerd/client.go", ws("client.go")},
		{bob, "file:///users/BOB/src/containerd/client.go", ws("client.go")}, // APFS: the same folder
		{bob, "file:///Users/bob/src/containerd/odd:name.go", ws("odd:name.go")},
		{bob, "file:///Users/bob/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go", mod(toml, "decode.go")},
		{bob, "file:///usr/local/go/src/fmt/print.go", gorootLoc("src/fmt/print.go")},
		{dee, "file:///var/folders/zz/T/containerd/client.go", ws("client.go")},
		{dee, "file:///private/var/folders/zz/T/containerd/client.go", ws("client.go")},
		{dee, "file:///Private/VAR/folders/zz/T/containerd/client.go", ws("client.go")},
		{dee, "file:///var/folders/zz/T/gomod/golang.org/x/text@v0.3.0/unicode/x.go", mod(text, "unicode/x.go")},
		{dee, "file:///private/var/folders/zz/T/gomod/golang.org/x/text@v0.3.0/unicode/x.go", mod(text, "unicode/x.go")},
	} {
		got, err := tc.m.ToPortable(tc.uri)
		if err != nil || got != tc.want {
			t.Errorf("%s ToPortable(%s) = %v, %v; want %v", tc.m.Rules(), tc.uri, got, err, tc.want)
		}
	}
}

func TestRulesToPortableRejects(t *testing.T) {
	ann, bob, dee, cyd := windowsAnn(t), macBob(t), macDee(t), linuxCyd(t)
	for _, tc := range []struct {
		m   *Mapper
		uri string
	}{
		{ann, "file:///c%3A/Users/ann/src/containerd/client.go:secret"}, // an alternate data stream
		{ann, "file:///c%3A/Users/ann/src/containerd/client.go%3A%3A%24DATA"},
		{ann, "file:///c%3A/Users/ann/src/containerd/nul.go"},
		{ann, "file:///c%3A/Users/ann/src/containerd/client.go."},
		{ann, "file:///D:/Users/ann/src/containerd/client.go"},
		{ann, "file:///c%3A/Users/ann/src/containerd"},
		{ann, "file:///c%3A/Users/ann/src/containerd2/client.go"},
		{ann, "file:///Users/ann/src/containerd/client.go"},
		{ann, "file://server/share/containerd/client.go"},
		{ann, "file:///c%3A/Users/ann/go/pkg/mod/cache/download/golang.org/x/text/@v/list"},
		{bob, "file:///Users/bob/src/containerd2/client.go"},
		{bob, "file:///private/Users/bob/src/containerd/client.go"}, // /Users has no /private twin
		{bob, "file:///c%3A/Users/bob/src/containerd/client.go"},
		{dee, "file:///privatevar/folders/zz/T/containerd/client.go"},
		{dee, "file:///private/var/folders/zz/T/containerd"},
		{cyd.m, strings.ToUpper(cyd.uri("repo/client.go")[:12]) + cyd.uri("repo/client.go")[12:]}, // Linux: case matters
	} {
		if got, err := tc.m.ToPortable(tc.uri); err == nil {
			t.Errorf("%s ToPortable(%s) = %v, nil; want error", tc.m.Rules(), tc.uri, got)
		}
	}
}

func TestRulesToLocal(t *testing.T) {
	ann, bob, dee := windowsAnn(t), macBob(t), macDee(t)
	for _, tc := range []struct {
		m    *Mapper
		loc  Location
		want string
	}{
		{ann, ws("client.go"), "file:///C:/Users/ann/src/containerd/client.go"},
		{ann, ws("pkg/cri/server.go"), "file:///C:/Users/ann/src/containerd/pkg/cri/server.go"},
		{ann, ws("my dir/a b#c.go"), "file:///C:/Users/ann/src/containerd/my%20dir/a%20b%23c.go"},
		{ann, mod(toml, "decode.go"), "file:///C:/Users/ann/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go"},
		{ann, gorootLoc("src/fmt/print.go"), "file:///C:/Program%20Files/Go/src/fmt/print.go"},
		{bob, ws("client.go"), "file:///Users/bob/src/containerd/client.go"},
		{bob, ws("odd:name.go"), "file:///Users/bob/src/containerd/odd:name.go"},
		{bob, ws("nul.go"), "file:///Users/bob/src/containerd/nul.go"},
		{bob, mod(text, "unicode/x.go"), "file:///Users/bob/go/pkg/mod/golang.org/x/text@v0.3.0/unicode/x.go"},
		{bob, gorootLoc("src/fmt/print.go"), "file:///usr/local/go/src/fmt/print.go"},
		{dee, ws("client.go"), "file:///var/folders/zz/T/containerd/client.go"},
		{dee, mod(text, "unicode/x.go"), "file:///private/var/folders/zz/T/gomod/golang.org/x/text@v0.3.0/unicode/x.go"},
	} {
		uri, exists, err := tc.m.ToLocal(tc.loc)
		if err != nil || uri != tc.want || exists {
			t.Errorf("%s ToLocal(%v) = %s, %v, %v; want %s, missing", tc.m.Rules(), tc.loc, uri, exists, err, tc.want)
		}
		if back, err := tc.m.ToPortable(uri); err != nil || back != tc.loc {
			t.Errorf("%s ToPortable(ToLocal(%v) = %s) = %v, %v", tc.m.Rules(), tc.loc, uri, back, err)
		}
	}
}

// TestRulesToLocalRejects: what a Linux or macOS checkout holds and
// Windows cannot is no file of a Windows machine (the participant brings
// it into its cache instead, under a name Windows can hold).
func TestRulesToLocalRejects(t *testing.T) {
	ann := windowsAnn(t)
	for _, rel := range windowsCannotHold {
		for _, loc := range []Location{ws(rel), gorootLoc("src/" + rel)} {
			if loc.Validate() != nil {
				continue // a portable location no machine maps (control bytes)
			}
			uri, _, err := ann.ToLocal(loc)
			if err == nil || errors.Is(err, ErrNoRoot) {
				t.Errorf("Windows ToLocal(%v) = %s, %v; want an error", loc, uri, err)
			}
		}
	}
}

// TestRulesFollow follows jumps between machines of different systems, both
// ways: Cyd's Linux files land on Ann's Windows paths and Bob's macOS
// paths, and their editors' URIs land on Cyd's real files.
func TestRulesFollow(t *testing.T) {
	ann, bob, dee, cyd := windowsAnn(t), macBob(t), macDee(t), linuxCyd(t)
	for _, tc := range []struct {
		cydFile, annURI, bobURI string
	}{
		{"repo/client.go", "file:///c%3A/Users/ann/src/containerd/client.go", "file:///Users/bob/src/containerd/client.go"},
		{"repo/pkg/cri/server.go", "file:///C:/Users/ann/src/containerd/pkg/cri/server.go", "file:///users/bob/src/containerd/pkg/cri/server.go"},
		{"repo/my dir/a b#c.go", "file:///c%3A/Users/ann/src/containerd/my%20dir/a%20b%23c.go", "file:///Users/bob/src/containerd/my%20dir/a%20b%23c.go"},
		{"modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go", "file:///c%3A/Users/ann/go/pkg/mod/github.com/%21burnt%21sushi/toml%40v1.2.0/decode.go", "file:///Users/bob/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go"},
		{"goroot/src/fmt/print.go", "file:///c%3A/Program%20Files/Go/src/fmt/print.go", "file:///usr/local/go/src/fmt/print.go"},
	} {
		// Linux navigator, Windows and macOS attendees.
		loc, err := cyd.m.ToPortable(cyd.uri(tc.cydFile))
		if err != nil {
			t.Fatalf("Linux ToPortable(%s): %v", tc.cydFile, err)
		}
		for _, att := range []struct {
			m   *Mapper
			uri string
		}{{ann, tc.annURI}, {bob, tc.bobURI}} {
			want, _ := att.m.ToPortable(att.uri) // the attendee's own spelling, as its mapper writes it
			wantURI, _, _ := att.m.ToLocal(want)
			if got, _, err := att.m.ToLocal(loc); err != nil || got != wantURI {
				t.Errorf("Linux %s -> %v -> %s %s, %v; want %s", tc.cydFile, loc, att.m.Rules(), got, err, wantURI)
			}
		}
		// Windows and macOS navigators, Linux attendee with the file.
		for _, nav := range []struct {
			m   *Mapper
			uri string
		}{{ann, tc.annURI}, {bob, tc.bobURI}} {
			loc, err := nav.m.ToPortable(nav.uri)
			if err != nil {
				t.Errorf("%s ToPortable(%s): %v", nav.m.Rules(), nav.uri, err)
				continue
			}
			uri, exists, err := cyd.m.ToLocal(loc)
			if err != nil || uri != cyd.uri(tc.cydFile) || !exists {
				t.Errorf("%s %s -> %v -> Linux %s, %v, %v; want %s", nav.m.Rules(), nav.uri, loc, uri, exists, err, cyd.uri(tc.cydFile))
			}
		}
	}
	// A macOS navigator in a temporary folder, a Windows attendee.
	loc, err := dee.ToPortable("file:///private/var/folders/zz/T/containerd/pkg/cri/server.go")
	if err != nil {
		t.Fatal(err)
	}
	if uri, _, err := ann.ToLocal(loc); err != nil || uri != "file:///C:/Users/ann/src/containerd/pkg/cri/server.go" {
		t.Errorf("macOS -> %v -> Windows %s, %v", loc, uri, err)
	}
	// Linux-only names: a Windows attendee has no file for them.
	for _, file := range []string{"repo/odd:name.go", "repo/nul.go"} {
		loc, err := cyd.m.ToPortable(cyd.uri(file))
		if err != nil {
			t.Fatalf("Linux ToPortable(%s): %v", file, err)
		}
		if uri, _, err := ann.ToLocal(loc); err == nil {
			t.Errorf("Linux %s -> %v -> Windows %s; want an error", file, loc, uri)
		}
		if uri, _, err := bob.ToLocal(loc); err != nil {
			t.Errorf("Linux %s -> %v -> macOS %s, %v", file, loc, uri, err)
		}
	}
}

// TestRulesVendorReplacement reads a Windows modules.txt: replacement
// directories written with backslashes, relative or absolute.
func TestRulesVendorReplacement(t *testing.T) {
	data := []byte("# example.com/local v1.0.0 => .\\third_party\\local\nexample.com/local\n" +
		"# example.com/up v1.0.0 => ../lib\nexample.com/up\n" +
		"# example.com/abs v1.0.0 => C:\\Users\\ann\\src\\app\\abs\nexample.com/abs\n" +
		"# example.com/far v1.0.0 => D:\\far\nexample.com/far\n")
	idx, err := parseModulesTxt(data, Windows, `C:\Users\ann\src\app\go`, `C:\Users\ann\src\app`)
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]Location{
		"example.com/local/a.go": ws("go/third_party/local/a.go"),
		"example.com/up/a.go":    ws("lib/a.go"),
		"example.com/abs/a.go":   ws("abs/a.go"),
	} {
		if got, ok := idx.portable(rel); !ok || got != want {
			t.Errorf("vendor/%s = %v, %v; want %v", rel, got, ok, want)
		}
	}
	if got, ok := idx.portable("example.com/far/a.go"); ok {
		t.Errorf("vendor/example.com/far/a.go = %v, outside the workspace", got)
	}
}

func TestSameFile(t *testing.T) {
	for _, c := range []struct {
		rules Rules
		a, b  string
		same  bool
	}{
		{Windows, "file:///c%3A/Users/ann/src/a.go", "file:///C:/Users/ann/src/a.go", true},
		{Windows, "file:///C:/Users/Ann/SRC/a.go", "file:///c:/users/ann/src/A.go", true},
		{Windows, "file:///C:/Users/ann/src/a.go", "file:///D:/Users/ann/src/a.go", false},
		{MacOS, "file:///Users/ann/src/A.go", "file:///Users/ann/src/a.go", true},
		{MacOS, "file:///Users/ann/src/a%20b.go", "file:///Users/ann/src/a b.go", true},
		{Linux, "file:///home/ann/A.go", "file:///home/ann/a.go", false},
		{Linux, "file:///home/ann/./x/../a.go", "file:///home/ann/a.go", true},
		{Linux, "untitled:Untitled-1", "untitled:Untitled-1", true},
		{Linux, "untitled:Untitled-1", "untitled:Untitled-2", false},
	} {
		if got := c.rules.SameFile(c.a, c.b); got != c.same {
			t.Errorf("%v.SameFile(%s, %s) = %v, want %v", c.rules, c.a, c.b, got, c.same)
		}
	}
}
