package viewer

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// waitFor bounds every wait; waits end on events, not on the clock.
const waitFor = 15 * time.Second

// testHub is a real hub with the viewer in front, on a loopback port, with
// a session "demo".
type testHub struct {
	hub    *hub.Hub
	viewer *Viewer
	url    string
	links  wire.Links
}

func startHub(t testing.TB) *testHub {
	t.Helper()
	return startHubWith(t, hub.Config{}, nil)
}

// startHubWith is startHub with a hub configuration (its BaseURL is set
// here), serving TLS with tlsConfig (nil for none).
func startHubWith(t testing.TB, cfg hub.Config, tlsConfig *tls.Config) *testHub {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	th := &testHub{url: "http://" + ln.Addr().String()}
	if tlsConfig != nil {
		th.url = "https://" + ln.Addr().String()
		ln = tls.NewListener(ln, tlsConfig)
	}
	cfg.BaseURL = th.url
	th.hub = hub.New(cfg)
	th.viewer = New(th.hub, Config{})
	if th.links, err = th.hub.CreateSession("demo"); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: th.viewer}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-served
		th.viewer.Close()
		th.hub.Close()
	})
	return th
}

// get fetches a URL with an optional bearer key and returns the status and
// body.
func get(t testing.TB, url, bearer string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, req, bearer)
}

// send makes a request with an optional bearer key and returns the status
// and body.
func send(t testing.TB, req *http.Request, bearer string) (int, string) {
	t.Helper()
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// holder is a participant that drives the session and answers "file" asks
// from files in memory, as a navigator's proxy answers them from its
// checkout.
type holder struct {
	name   string
	client *hubclient.Conn
	files  map[string]string // workspace path → content
	asks   atomic.Int64      // file asks answered
}

// startHolder connects a participant named name with link; with files it
// answers file asks.
func startHolder(t testing.TB, link, name string, files map[string]string) *holder {
	t.Helper()
	c, err := hubclient.New(hubclient.Config{Link: link, Name: name, ID: "id-" + name,
		Repo: wire.Repo{Commit: "3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345", Remote: "git@github.com:lspshare/demo.git"}})
	if err != nil {
		t.Fatal(err)
	}
	h := &holder{name: name, client: c, files: files}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.Run(ctx)
	}()
	connected := make(chan struct{})
	go func() {
		defer wg.Done()
		var once sync.Once
		for f := range c.Events() {
			switch f.Type {
			case wire.TypeConnected:
				once.Do(func() { close(connected) })
			case wire.TypeAsk:
				c.Send(h.answer(f))
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	select {
	case <-connected:
	case <-time.After(waitFor):
		t.Fatalf("%s: not connected within %v", name, waitFor)
	}
	return h
}

func (h *holder) answer(f wire.Frame) wire.Frame {
	a := wire.Frame{Type: wire.TypeAnswer, Ref: f.Ref}
	var q files.Question
	if f.Method != files.AskMethod || json.Unmarshal(f.Params, &q) != nil {
		a.Error = "bad question"
		return a
	}
	h.asks.Add(1)
	text, ok := h.files[q.Location.Path]
	if !ok || q.Location.Space != location.Workspace {
		a.Error = fmt.Sprintf("files: %q: not found: no such file", q.Location.Path)
		return a
	}
	end := min(int64(len(text)), q.Offset+q.Limit)
	a.Chunk = &wire.Chunk{Data: []byte(text[min(q.Offset, end):end]), Size: int64(len(text))}
	return a
}

// jump moves the holder to path:line:character (1-based line, 0-based
// UTF-16 character), naming symbol.
func (h *holder) jump(from, to location.Location, symbol string) {
	f := wire.Frame{Type: wire.TypeNav, Kind: wire.KindJump, To: mustJSON(to), Symbol: symbol}
	if from.Path != "" {
		f.From = mustJSON(from)
	}
	h.client.Send(f)
}

// sync returns once the hub has handled everything h sent before: the
// hub answers a question to oneself at once, in order.
func (h *holder) sync(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	_, err := h.client.Ask(ctx, h.name, "sync", nil)
	if answer := (*wire.AnswerError)(nil); !errors.As(err, &answer) {
		t.Fatalf("sync: %v", err)
	}
}

func (h *holder) cursor(to location.Location) {
	h.client.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindCursor, To: mustJSON(to)})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// at is a workspace location at a 1-based line and 0-based character,
// spanning width characters.
func at(path string, line, character, width uint32) location.Location {
	return location.Location{Space: location.Workspace, Path: path, Range: location.Range{
		Start: location.Position{Line: line - 1, Character: character},
		End:   location.Position{Line: line - 1, Character: character + width},
	}}
}
