// Package layers holds no code: its test checks the module's layering
// rules, the ones that keep transport, protocol and policy apart, with the
// go command's own view of the imports (go list -deps).
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
	{"session", "the hub knows nothing of LSP", []string{"go.lsp.dev/", module + "proxy", module + "frame", module + "participant", module + "location"}},
	{"proxy", "the relay knows nothing of the hub or its transport", []string{module + "session", module + "participant", "github.com/gorilla/websocket"}},
	{"location", "portable locations know neither LSP plumbing nor the hub", []string{module + "proxy", module + "session", module + "participant"}},
	{"frame", "LSP framing knows nothing above it", []string{module + "proxy", module + "session", module + "participant"}},
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
