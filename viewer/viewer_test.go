package viewer

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// demoFiles reads the demo module the tests walk through.
func demoFiles(t testing.TB) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("testdata", "demo")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func fileURL(th *testHub, path string) string {
	return th.url + "/s/demo/file?" + url.Values{"space": {"workspace"}, "path": {path}}.Encode()
}

// Wrong or missing keys get a refusal and never a byte of file text.
func TestRefusedWithoutTheKey(t *testing.T) {
	th := startHub(t)
	files := demoFiles(t)
	startHolder(t, th.links.Drive, "bob", files)
	secret := "Package greet makes greetings"
	for _, tc := range []struct {
		what, url, bearer string
		status            int
	}{
		{"page, no key", th.url + "/s/demo", "", http.StatusForbidden},
		{"page, wrong key", th.url + "/s/demo?key=wrong", "", http.StatusForbidden},
		{"page, no session", th.url + "/s/nope?key=" + hubtest.Key(t, th.links.Attend), "", http.StatusNotFound},
		{"file, no key", fileURL(th, "greet/greet.go"), "", http.StatusForbidden},
		{"file, wrong key", fileURL(th, "greet/greet.go"), "wrong", http.StatusForbidden},
		{"file, wrong key in query", fileURL(th, "greet/greet.go") + "&key=wrong", "", http.StatusForbidden},
		{"notes, no key", th.url + "/s/demo/notes.md", "", http.StatusForbidden},
		{"notes, wrong key", th.url + "/s/demo/notes.md?key=wrong", "", http.StatusForbidden},
		{"tour, no key", th.url + "/s/demo/notes.tour", "", http.StatusForbidden},
		{"live, wrong key", th.url + "/s/demo/live?key=wrong", "", http.StatusForbidden},
	} {
		status, body := get(t, tc.url, tc.bearer)
		if status != tc.status || strings.Contains(body, secret) || strings.Contains(body, "<script") {
			t.Errorf("%s: %d %q; want %d and a plain refusal", tc.what, status, body, tc.status)
		}
	}
	// With the attend key the same file comes.
	status, body := get(t, fileURL(th, "greet/greet.go"), hubtest.Key(t, th.links.Attend))
	if status != http.StatusOK || !strings.Contains(body, "makes greetings") {
		t.Errorf("file with the attend key: %d %.200s", status, body)
	}
}

func TestPageAndAssets(t *testing.T) {
	th := startHub(t)
	for _, link := range []string{th.links.View, th.links.Drive} {
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("page: %d %v", resp.StatusCode, resp.Header)
		}
	}
	for _, asset := range []string{"app.js", "style.css", "chroma.css"} {
		if status, body := get(t, th.url+"/viewer/"+asset, ""); status != http.StatusOK || len(body) < 100 {
			t.Errorf("%s: %d, %d bytes", asset, status, len(body))
		}
	}
	if status, _ := get(t, th.url+"/viewer/page.html", ""); status != http.StatusNotFound {
		t.Errorf("page.html served as an asset: %d", status)
	}
}

// The file endpoint highlights the holder's file, and pages asking for the
// same file at once cost the holder one question.
func TestFileHighlightedAndShared(t *testing.T) {
	th := startHub(t)
	files := demoFiles(t)
	bob := startHolder(t, th.links.Drive, "bob", files)
	attend := hubtest.Key(t, th.links.Attend)
	replies := make(chan fileReply, 5)
	for range cap(replies) {
		go func() {
			_, body := get(t, fileURL(th, "greet/greet.go"), attend)
			var r fileReply
			json.Unmarshal([]byte(body), &r)
			replies <- r
		}()
	}
	for range cap(replies) {
		r := <-replies
		if r.Error != "" || !strings.Contains(r.HTML, `id="L7"`) || !strings.Contains(r.HTML, `<span class="nf">Hello</span>`) ||
			!strings.Contains(r.HTML, "&lt;tag&gt; &amp; &#34;quotes&#34;") || !strings.Contains(r.HTML, "ünïcödé ✓") {
			t.Fatalf("reply: %+v", r)
		}
	}
	if n := bob.asks.Load(); n != 1 {
		t.Errorf("the holder was asked %d times for one file", n)
	}

	status, body := get(t, fileURL(th, "missing.go"), attend)
	if status != http.StatusBadGateway || !strings.Contains(body, "not found") {
		t.Errorf("missing file: %d %s", status, body)
	}
	if status, _ := get(t, th.url+"/s/demo/file?space=workspace&path=../etc/passwd", attend); status != http.StatusBadRequest {
		t.Errorf("path outside the tree: %d", status)
	}
}

func TestFileWithoutWheelHolder(t *testing.T) {
	th := startHub(t)
	status, body := get(t, fileURL(th, "main.go"), hubtest.Key(t, th.links.Attend))
	var r fileReply
	json.Unmarshal([]byte(body), &r)
	if status != http.StatusBadGateway || r.Error != "nobody holds the wheel" {
		t.Errorf("no holder: %d %s", status, body)
	}
}

// The live websocket starts with the session as it is and then carries
// every move; pages of other sites may not open it.
func TestLive(t *testing.T) {
	th := startHub(t)
	bob := startHolder(t, th.links.Drive, "bob", nil)
	bob.jump(location.Location{}, at("main.go", 16, 20, 5), "greet.Hello")
	wsURL := "ws" + strings.TrimPrefix(th.url, "http") + "/s/demo/live?key=" + url.QueryEscape(hubtest.Key(t, th.links.Attend))

	_, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {"http://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v %v", resp, err)
	}
	ws, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {th.url}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	context.AfterFunc(ctx, func() { ws.Close() })
	next := func(match func(wire.Frame) bool) wire.Frame {
		t.Helper()
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			f, err := wire.DecodeFrame(data)
			if err != nil {
				t.Fatal(err)
			}
			if match(f) {
				return f
			}
		}
	}
	isNav := func(f wire.Frame) bool { return f.Type == wire.TypeNav }
	// The jump may reach the hub before or after the page connects.
	if f := next(isNav); f.Seq != 1 || f.Symbol != "greet.Hello" {
		t.Errorf("first move: %+v", f)
	}
	next(func(f wire.Frame) bool { return f.Type == wire.TypeState && f.Viewers == 1 && f.Navigator == "bob" })
	bob.jump(at("main.go", 16, 20, 5), at("greet/greet.go", 7, 5, 5), "greet.message")
	if f := next(func(f wire.Frame) bool { return isNav(f) && f.Seq == 2 }); f.By != "bob" || f.Replay {
		t.Errorf("live jump: %+v", f)
	}
	bob.cursor(at("greet/greet.go", 8, 1, 0))
	if f := next(func(f wire.Frame) bool { return isNav(f) && f.Kind == wire.KindCursor }); !strings.Contains(string(f.To), `"line":7`) {
		t.Errorf("cursor: %+v", f)
	}
}

func TestNotesDownload(t *testing.T) {
	th := startHub(t)
	files := demoFiles(t)
	bob := startHolder(t, th.links.Drive, "bob", files)
	bob.jump(at("main.go", 16, 20, 5), at("greet/greet.go", 7, 5, 5), "greet.Hello")
	bob.jump(at("greet/greet.go", 11, 8, 7), at("greet/greet.go", 15, 5, 7), "greet.message")
	bob.sync(t)
	status, md := get(t, th.url+"/s/demo/notes.md?key="+url.QueryEscape(hubtest.Key(t, th.links.Attend)), "")
	if status != http.StatusOK {
		t.Fatalf("notes: %d %s", status, md)
	}
	for _, want := range []string{
		"# Notes of session demo",
		"### 2. `greet.message`",
		"[`greet/greet.go:15`](<https://github.com/lspshare/demo/blob/3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345/greet/greet.go#L15>)",
		"func message(name string) string {",
		"```mermaid\nflowchart LR\n",
		`n2 -->|2| n3`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("notes lack %q:\n%s", want, md)
		}
	}
}

// Pages' websockets count against their client's address with the
// participants': behind a trusted proxy, a client with its fill is refused
// (429), another is not.
func TestLivePerAddress(t *testing.T) {
	th := startHubWith(t, hub.Config{MaxConnsPerAddr: 1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, nil)
	wsURL := "ws" + strings.TrimPrefix(th.url, "http") + "/s/demo/live?key=" + url.QueryEscape(hubtest.Key(t, th.links.Attend))
	page := func(client string) int {
		t.Helper()
		ws, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"X-Forwarded-For": {client}})
		if err != nil {
			if resp == nil {
				t.Fatal(err)
			}
			return resp.StatusCode
		}
		t.Cleanup(func() { ws.Close() })
		return http.StatusSwitchingProtocols
	}
	if got := page("192.0.2.1"); got != http.StatusSwitchingProtocols {
		t.Fatalf("first page: %d", got)
	}
	if got := page("192.0.2.1"); got != http.StatusTooManyRequests {
		t.Errorf("second page from one client: %d, want 429", got)
	}
	if got := page("192.0.2.2"); got != http.StatusSwitchingProtocols {
		t.Errorf("a page from another client: %d", got)
	}
}
