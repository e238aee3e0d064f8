package participant_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/session"
)

func TestMain(m *testing.M) { lsptest.Main(m) }

// editor is a scripted editor running lspshare lsp in its own sandbox.
type editor struct {
	*lsptest.Process
	sb   *lsptest.Sandbox
	name string
}

// startEditor starts "lspshare lsp --join link" as name, in a fresh copy of
// the demo workspace (at a path of its own), and initializes it.
func startEditor(t *testing.T, ctx context.Context, name, link string, extra ...string) *editor {
	t.Helper()
	sb := lsptest.NewDemo(t)
	argv := append([]string{lsptest.Lspshare(t), "lsp", "--server", lsptest.Gopls(t), "--join", link, "--name", name}, extra...)
	p := lsptest.Start(t, argv, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
	if _, err := p.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &editor{Process: p, sb: sb, name: name}
}

// state is the part of $/lspshare/state the tests read.
type state struct {
	Session      string `json:"session"`
	Connected    bool   `json:"connected"`
	You          string `json:"you"`
	Role         string `json:"role"`
	Following    bool   `json:"following"`
	Paused       bool   `json:"paused"`
	Wheel        string `json:"wheel"`
	Followers    int    `json:"followers"`
	Participants []struct {
		Name      string `json:"name"`
		Following bool   `json:"following"`
		Connected bool   `json:"connected"`
	} `json:"participants"`
	Error string `json:"error"`
}

// awaitState waits for a $/lspshare/state that ok accepts.
func (e *editor) awaitState(t *testing.T, ctx context.Context, since int, ok func(state) bool) state {
	t.Helper()
	var got state
	_, err := e.Await(ctx, since, func(m lsptest.Message) bool {
		if m.Method != "$/lspshare/state" {
			return false
		}
		var s state
		if json.Unmarshal(m.Params, &s) != nil {
			return false
		}
		got = s
		return ok(s)
	})
	if err != nil {
		t.Fatalf("%s: state: %v (last: %+v)", e.name, err, got)
	}
	return got
}

// showDocument is the params of window/showDocument.
type showDocument struct {
	URI       string          `json:"uri"`
	TakeFocus bool            `json:"takeFocus"`
	Selection json.RawMessage `json:"selection"`
}

// awaitShow waits for a window/showDocument request to this editor for a
// file whose URI ends with suffix.
func (e *editor) awaitShow(t *testing.T, ctx context.Context, since int, suffix string) showDocument {
	t.Helper()
	var sd showDocument
	_, err := e.Await(ctx, since, func(m lsptest.Message) bool {
		return m.Method == "window/showDocument" && json.Unmarshal(m.Params, &sd) == nil && strings.HasSuffix(sd.URI, suffix)
	})
	if err != nil {
		t.Fatalf("%s: showDocument for …%s: %v", e.name, suffix, err)
	}
	return sd
}

// startHub serves a hub on a loopback port and creates session "t".
func startHub(t *testing.T) (*session.Hub, session.Links, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	hub := session.NewHub(session.HubConfig{BaseURL: base})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: hub}}
	srv.Start()
	t.Cleanup(func() { hub.Close(); srv.Close() })
	links, err := hub.CreateSession("t")
	if err != nil {
		t.Fatal(err)
	}
	return hub, links, base
}

// jumpTarget is where the navigator asks for a definition, and the file the
// answer lands in, relative to each participant's own roots.
type jumpTarget struct {
	name, at string
	// wantSuffix is the end of the attendee's file path for the target.
	wantSuffix string
}

// TestFollow is the product's main promise: the navigator's jumps open the
// same place in each following attendee's own checkout.
func TestFollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, links, _ := startHub(t)

	nav := startEditor(t, ctx, "nav", links.Drive)
	ann := startEditor(t, ctx, "ann", links.Attend)
	bob := startEditor(t, ctx, "bob", links.Attend)
	nav.awaitState(t, ctx, 0, func(s state) bool { return s.Wheel == "nav" && s.Followers == 2 })
	for _, e := range []*editor{ann, bob} {
		e.awaitState(t, ctx, 0, func(s state) bool { return s.Following && s.Wheel == "nav" && s.Role == "attend" })
	}

	if err := nav.Notify("textDocument/didOpen", nav.sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	for _, j := range []jumpTarget{
		{"cross-package", "Hello(", "/greet/greet.go"},
		{"GOROOT", "Println(msg", "/src/fmt/print.go"},
		{"module dependency", "Answer()", "/example.com/dep@v1.0.0/dep.go"},
	} {
		t.Run(j.name, func(t *testing.T) {
			since := map[*editor]int{ann: ann.Since(), bob: bob.Since()}
			raw, err := nav.Call(ctx, "textDocument/definition", nav.sb.At(t, "main.go", j.at))
			if err != nil {
				t.Fatal(err)
			}
			var locs []struct {
				URI   string          `json:"uri"`
				Range json.RawMessage `json:"range"`
			}
			if err := json.Unmarshal(raw, &locs); err != nil || len(locs) == 0 {
				t.Fatalf("definition: %s (%v)", raw, err)
			}
			for _, e := range []*editor{ann, bob} {
				sd := e.awaitShow(t, ctx, since[e], j.wantSuffix)
				if !sd.TakeFocus {
					t.Errorf("%s: showDocument without takeFocus", e.name)
				}
				if j.wantSuffix == "/greet/greet.go" && sd.URI != e.sb.URI("greet/greet.go") {
					t.Errorf("%s: showDocument %s, want its own %s", e.name, sd.URI, e.sb.URI("greet/greet.go"))
				}
				if j.wantSuffix == "/example.com/dep@v1.0.0/dep.go" && !strings.HasPrefix(sd.URI, lsptest.FileURI(e.sb.GOMODCACHE)) {
					t.Errorf("%s: showDocument %s, want a file in its own module cache %s", e.name, sd.URI, e.sb.GOMODCACHE)
				}
				if string(sd.Selection) != string(locs[0].Range) {
					t.Errorf("%s: selection %s, want %s", e.name, sd.Selection, locs[0].Range)
				}
			}
		})
	}
}
