package location

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateAccepts(t *testing.T) {
	for _, l := range []Location{
		{Space: Workspace, Path: "a.go"},
		{Space: Workspace, Path: "pkg/sub dir/a b.go"},
		{Space: Workspace, Path: ".github/workflows/ci.yml"},
		{Space: Workspace, Path: "héllo/世界.go"},
		{Space: GOROOT, Path: "src/fmt/print.go"},
		{Space: Module, Module: "golang.org/x/text@v0.3.0", Path: "unicode/x.go"},
		{Space: Module, Module: "github.com/BurntSushi/toml@v1.2.0", Path: "decode.go"},
		{Space: Module, Module: "github.com/x/y/v2@v2.0.1", Path: "y.go"},
		{Space: Module, Module: "github.com/x/y@v3.0.0+incompatible", Path: "y.go"},
		{Space: Module, Module: "example.com/m@v0.0.0-20210101000000-abcdefabcdef", Path: "m.go"},
		{Space: Module, Module: "golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64", Path: "src/fmt/print.go"},
		{Space: Workspace, Path: "a.go", Range: Range{Start: Position{1, 2}, End: Position{1, 2}}},
		{Space: Workspace, Path: "a.go", Range: Range{Start: Position{1, 9}, End: Position{2, 0}}},
	} {
		if err := l.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", l, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	mod := func(module, path string) Location { return Location{Space: Module, Module: module, Path: path} }
	ws := func(path string) Location { return Location{Space: Workspace, Path: path} }
	for name, l := range map[string]Location{
		"unknown space":          {Space: "home", Path: "a.go"},
		"empty space":            {Path: "a.go"},
		"space case":             {Space: "Workspace", Path: "a.go"},
		"empty path":             ws(""),
		"dot path":               ws("."),
		"dotdot path":            ws(".."),
		"parent":                 ws("../etc/passwd"),
		"inner parent":           ws("a/../../b"),
		"trailing parent":        ws("a/.."),
		"dot element":            ws("a/./b"),
		"absolute":               ws("/etc/passwd"),
		"double slash":           ws("//etc/passwd"),
		"empty element":          ws("a//b"),
		"trailing slash":         ws("a/"),
		"backslash":              ws(`a\b`),
		"backslash parent":       ws(`..\..\x`),
		"NUL":                    ws("a\x00.go"),
		"too long":               ws(strings.Repeat("a/", maxPathLen)),
		"module in workspace":    {Space: Workspace, Module: "golang.org/x/text@v0.3.0", Path: "a.go"},
		"module in goroot":       {Space: GOROOT, Module: "golang.org/x/text@v0.3.0", Path: "a.go"},
		"module missing":         mod("", "a.go"),
		"module no version":      mod("golang.org/x/text", "a.go"),
		"module empty version":   mod("golang.org/x/text@", "a.go"),
		"module dotdot":          mod("../x@v1", "a.go"),
		"module dotdot v1.0.0":   mod("../x@v1.0.0", "a.go"),
		"module inner dotdot":    mod("golang.org/../x@v1.0.0", "a.go"),
		"module absolute":        mod("/x@v1.0.0", "a.go"),
		"module backslash":       mod(`golang.org\x@v1.0.0`, "a.go"),
		"module version dotdot":  mod("golang.org/x/text@../../v1", "a.go"),
		"module version slash":   mod("golang.org/x/text@v1.0.0/x", "a.go"),
		"module bad version":     mod("golang.org/x/text@latest", "a.go"),
		"module short version":   mod("golang.org/x/text@v1.2", "a.go"),
		"module two ats":         mod("golang.org/x/text@v1.0.0@v1.0.0", "a.go"),
		"module major mismatch":  mod("github.com/x/y/v2@v1.0.0", "a.go"),
		"module NUL":             mod("golang.org/x/te\x00xt@v1.0.0", "a.go"),
		"module path dotdot":     mod("golang.org/x/text@v0.3.0", "../a.go"),
		"module path absolute":   mod("golang.org/x/text@v0.3.0", "/a.go"),
		"module path colon":      mod("golang.org/x/text@v0.3.0", "c:/a.go"),
		"module path empty":      mod("golang.org/x/text@v0.3.0", ""),
		"inverted range":         {Space: Workspace, Path: "a.go", Range: Range{Start: Position{2, 0}, End: Position{1, 5}}},
		"inverted range in line": {Space: Workspace, Path: "a.go", Range: Range{Start: Position{1, 5}, End: Position{1, 4}}},
	} {
		if err := l.Validate(); err == nil {
			t.Errorf("%s: Validate(%+v) = nil, want error", name, l)
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		l    Location
		want string
	}{
		{Location{Space: Workspace, Path: "pkg/a.go", Range: Range{Start: Position{11, 3}}}, "workspace:pkg/a.go:12:4"},
		{Location{Space: Module, Module: "golang.org/x/text@v0.3.0", Path: "unicode/x.go", Range: Range{Start: Position{2, 0}}}, "module:golang.org/x/text@v0.3.0:unicode/x.go:3:1"},
		{Location{Space: GOROOT, Path: "src/fmt/print.go"}, "goroot:src/fmt/print.go:1:1"},
		{Location{Space: Workspace, Path: "a.go", Range: Range{Start: Position{^uint32(0), ^uint32(0)}}}, "workspace:a.go:4294967296:4294967296"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		l    Location
		want string
	}{
		{
			Location{Space: Workspace, Path: "a.go", Range: Range{Start: Position{1, 2}, End: Position{3, 4}}},
			`{"space":"workspace","path":"a.go","range":{"start":{"line":1,"character":2},"end":{"line":3,"character":4}}}`,
		},
		{
			Location{Space: Module, Module: "golang.org/x/text@v0.3.0", Path: "x.go"},
			`{"space":"module","module":"golang.org/x/text@v0.3.0","path":"x.go","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}}}`,
		},
	} {
		data, err := json.Marshal(tc.l)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != tc.want {
			t.Errorf("Marshal = %s, want %s", data, tc.want)
		}
		var back Location
		if err := json.Unmarshal(data, &back); err != nil || back != tc.l {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v", data, back, err, tc.l)
		}
	}
}
