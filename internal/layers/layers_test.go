package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lspshare/lspshare/"

// rules say what a package may not depend on, even indirectly, and why.
var rules = []struct {
	pkg, why  string
	forbidden []string
}{
	{"hub", "the hub knows nothing of LSP, nor of the proxies' side", []string{"go.lsp.dev/", module + "proxy", module + "frame", module + "participant", module + "location", module + "files", module + "hubclient"}},
	{"hubclient", "a hub connection knows nothing of LSP nor of the hub's insides", []string{"go.lsp.dev/", module + "proxy", module + "frame", module + "hub", module + "store", module + "participant"}},
	{"share", "sharing one person's hub connection knows neither the relay nor a participant's policy", []string{"go.lsp.dev/", module + "proxy", module + "participant", module + "store"}},
	{"wire", "the hub wire is shared by both ends and knows neither", []string{"go.lsp.dev/", module + "hub", module + "hubclient", module + "store", module + "proxy", "github.com/gorilla/websocket"}},
	{"store", "the store keeps records; it knows no server, no LSP", []string{"go.lsp.dev/", module + "hub", module + "hubclient", module + "proxy", "github.com/gorilla/websocket", "net/http"}},
	{"proxy", "the relay knows nothing of the hub or its transport", []string{module + "hub", module + "hubclient", module + "wire", module + "store", module + "participant", "github.com/gorilla/websocket"}},
	{"location", "portable locations know neither LSP plumbing nor the hub", []string{module + "proxy", module + "hub", module + "hubclient", module + "wire", module + "participant"}},
	{"frame", "LSP framing knows nothing above it", []string{module + "proxy", module + "hub", module + "hubclient", module + "wire", module + "participant"}},
}

func TestLayers(t *testing.T) {
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+r.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", r.pkg, err)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 2 {
				t.Fatalf("go list -deps %s listed %d packages: not a real package?", r.pkg, len(deps))
			}
			for _, d := range deps {
				for _, f := range r.forbidden {
					if d != module+r.pkg && strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s, but %s", r.pkg, d, r.why)
					}
				}
			}
		})
	}
}
