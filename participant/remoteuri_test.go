package participant

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/location"
)

// The URI rewriting of remote questions between participants on different
// systems, run on Linux: Ann on Windows (VS Code), Bob on macOS, Dee on
// macOS in a temporary folder, Cyd on Linux with real files.

func mapperView(t testing.TB, you string, cfg location.MapperConfig) *view {
	t.Helper()
	m, err := location.NewMapper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &view{mapper: m, you: you}
}

func annView(t testing.TB) *view {
	return mapperView(t, "ann", location.MapperConfig{Rules: location.Windows,
		Root: `C:\Users\ann\src\containerd`, GOMODCACHE: `C:\Users\ann\go\pkg\mod`, GOROOT: `C:\Program Files\Go`})
}

func bobView(t testing.TB) *view {
	return mapperView(t, "bob", location.MapperConfig{Rules: location.MacOS,
		Root: "/Users/bob/src/containerd", GOMODCACHE: "/Users/bob/go/pkg/mod", GOROOT: "/usr/local/go"})
}

func deeView(t testing.TB) *view {
	return mapperView(t, "dee", location.MapperConfig{Rules: location.MacOS,
		Root: "/var/folders/zz/T/containerd", GOMODCACHE: "/private/var/folders/zz/T/gomod", GOROOT: "/usr/local/go"})
}

// cydFiles are Cyd's files, slash paths under her base directory.
var cydFiles = []string{
	"repo/client.go",
	"repo/pkg/cri/server.go",
	"repo/my dir/a b#c.go",
	"modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go",
	"goroot/src/fmt/print.go",
}

// cydView is Cyd's view on Linux, with her files on disk, and the URI of
// each of cydFiles.
func cydView(t testing.TB) (*view, map[string]string) {
	base := t.TempDir()
	uris := map[string]string{}
	for _, rel := range cydFiles {
		p := filepath.Join(base, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("package x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		uris[rel] = location.PathToURI(p)
	}
	v := mapperView(t, "cyd", location.MapperConfig{Root: filepath.Join(base, "repo"),
		GOMODCACHE: filepath.Join(base, "modcache"), GOROOT: filepath.Join(base, "goroot")})
	return v, uris
}

// question is a definition request's params, as an editor sends it.
func question(uri string) json.RawMessage {
	return json.RawMessage(`{"textDocument":{"uri":"` + uri + `"},"position":{"line":3,"character":7}}`)
}

// uriIn returns the "uri" of a question's params.
func uriIn(t *testing.T, params json.RawMessage) string {
	t.Helper()
	var q struct {
		TextDocument struct {
			URI string `json:"uri"`
		} `json:"textDocument"`
	}
	if err := json.Unmarshal(params, &q); err != nil {
		t.Fatalf("params %s: %v", params, err)
	}
	return q.TextDocument.URI
}

// TestQuestionsAcrossSystems: the editors of Windows and macOS attendees
// ask with their own URIs; the question reaches Cyd's Linux server about
// her own files.
func TestQuestionsAcrossSystems(t *testing.T) {
	ann, bob, dee := annView(t), bobView(t), deeView(t)
	cyd, cydURI := cydView(t)
	for _, tc := range []struct {
		v             *view
		uri, portable string
		cydFile       string
	}{
		{ann, "file:///c%3A/Users/ann/src/containerd/client.go", "lspshare:/workspace/client.go", "repo/client.go"},
		{ann, "file:///C:/Users/ann/src/containerd/client.go", "lspshare:/workspace/client.go", "repo/client.go"},
		{ann, "file:///c%3A/users/ANN/src/containerd/pkg/cri/server.go", "lspshare:/workspace/pkg/cri/server.go", "repo/pkg/cri/server.go"},
		{ann, "file:///c%3A/Users/ann/src/containerd/my%20dir/a%20b%23c.go", "lspshare:/workspace/my dir/a b#c.go", "repo/my dir/a b#c.go"},
		{ann, "file:///c%3A/Users/ann/go/pkg/mod/github.com/%21burnt%21sushi/toml%40v1.2.0/decode.go", "lspshare:/module/github.com/BurntSushi/toml@v1.2.0/decode.go", "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go"},
		{ann, "file:///c%3A/Program%20Files/Go/src/fmt/print.go", "lspshare:/goroot/src/fmt/print.go", "goroot/src/fmt/print.go"},
		{bob, "file:///Users/bob/src/containerd/client.go", "lspshare:/workspace/client.go", "repo/client.go"},
		{bob, "file:///USERS/bob/src/containerd/pkg/cri/server.go", "lspshare:/workspace/pkg/cri/server.go", "repo/pkg/cri/server.go"},
		{bob, "file:///Users/bob/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go", "lspshare:/module/github.com/BurntSushi/toml@v1.2.0/decode.go", "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go"},
		{dee, "file:///private/var/folders/zz/T/containerd/client.go", "lspshare:/workspace/client.go", "repo/client.go"},
		{dee, "file:///var/folders/zz/T/containerd/my%20dir/a%20b%23c.go", "lspshare:/workspace/my dir/a b#c.go", "repo/my dir/a b#c.go"},
		{dee, "file:///var/folders/zz/T/gomod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go", "lspshare:/module/github.com/BurntSushi/toml@v1.2.0/decode.go", "modcache/github.com/!burnt!sushi/toml@v1.2.0/decode.go"},
	} {
		sent, err := rewriteURIs(question(tc.uri), tc.v.portableURI)
		if err != nil || uriIn(t, sent) != tc.portable {
			t.Errorf("%s asks about %s: %s, %v; want %s", tc.v.you, tc.uri, sent, err, tc.portable)
			continue
		}
		got, err := rewriteURIs(sent, cyd.checkoutURI)
		if err != nil || uriIn(t, got) != cydURI[tc.cydFile] {
			t.Errorf("%s's question %s reaches Cyd as %s, %v; want %s", tc.v.you, sent, got, err, cydURI[tc.cydFile])
		}
	}
	for _, tc := range []struct {
		v   *view
		uri string
	}{
		{ann, "file:///c%3A/Users/ann/src/containerd/client.go:secret"},
		{ann, "file:///c%3A/Users/ann/src/containerd/nul.go"},
		{ann, "file:///D:/Users/ann/src/containerd/client.go"},
		{ann, "file:///Users/ann/src/containerd/client.go"},
		{bob, "file:///private/Users/bob/src/containerd/client.go"},
		{dee, "file:///private/var/folders/zz/T/containerd2/client.go"},
	} {
		if sent, err := rewriteURIs(question(tc.uri), tc.v.portableURI); err == nil {
			t.Errorf("%s asks about %s: %s; want no question", tc.v.you, tc.uri, sent)
		}
	}
}

// TestAnswersAcrossSystems: Cyd's Linux server answers with her URIs; each
// attendee's proxy maps the portable answer to its own system's files.
func TestAnswersAcrossSystems(t *testing.T) {
	ann, bob, dee := annView(t), bobView(t), deeView(t)
	cyd, cydURI := cydView(t)
	want := map[*view][]string{
		ann: {
			"file:///C:/Users/ann/src/containerd/client.go",
			"file:///C:/Users/ann/src/containerd/pkg/cri/server.go",
			"file:///C:/Users/ann/src/containerd/my%20dir/a%20b%23c.go",
			"file:///C:/Users/ann/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go",
			"file:///C:/Program%20Files/Go/src/fmt/print.go",
		},
		bob: {
			"file:///Users/bob/src/containerd/client.go",
			"file:///Users/bob/src/containerd/pkg/cri/server.go",
			"file:///Users/bob/src/containerd/my%20dir/a%20b%23c.go",
			"file:///Users/bob/go/pkg/mod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go",
			"file:///usr/local/go/src/fmt/print.go",
		},
		dee: {
			"file:///var/folders/zz/T/containerd/client.go",
			"file:///var/folders/zz/T/containerd/pkg/cri/server.go",
			"file:///var/folders/zz/T/containerd/my%20dir/a%20b%23c.go",
			"file:///private/var/folders/zz/T/gomod/github.com/%21burnt%21sushi/toml@v1.2.0/decode.go",
			"file:///usr/local/go/src/fmt/print.go",
		},
	}
	for i, file := range cydFiles {
		answer := json.RawMessage(`[{"uri":"` + cydURI[file] + `","range":{}},{"targetUri":"` + cydURI[file] + `"}]`)
		portable, err := rewriteURIs(answer, cyd.portableURI)
		if err != nil || strings.Contains(string(portable), "file:") {
			t.Fatalf("Cyd's answer about %s shared as %s, %v", file, portable, err)
		}
		for v, uris := range want {
			// What localURI does before it would bring a missing file.
			local, err := rewriteURIs(portable, func(u string) (string, error) {
				l, err := location.ParsePortableURI(u)
				if err != nil {
					return "", err
				}
				uri, _, err := v.mapper.ToLocal(l)
				return uri, err
			})
			if err != nil || strings.Count(string(local), `"`+uris[i]+`"`) != 2 {
				t.Errorf("Cyd's answer %s reaches %s as %s, %v; want %s twice", portable, v.you, local, err, uris[i])
			}
		}
	}
}
