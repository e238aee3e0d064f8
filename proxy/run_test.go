package proxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

// heldAnswerer answers questions about documents under file:///remote/. It
// holds the first question in Available until release closes, and tells
// answered whether Run had returned when it answered.
type heldAnswerer struct {
	entered, release chan struct{}
	once             sync.Once
	runReturned      *atomic.Bool
	answered         chan bool
}

func (r *heldAnswerer) Available() bool {
	r.once.Do(func() {
		close(r.entered)
		<-r.release
	})
	return true
}

func (r *heldAnswerer) Remote(uri string) bool { return strings.HasPrefix(uri, "file:///remote/") }

func (r *heldAnswerer) Answer(context.Context, string, json.RawMessage) (json.RawMessage, error) {
	select {
	case r.answered <- r.runReturned.Load():
	default:
	}
	return json.RawMessage(`{"contents":"from elsewhere"}`), nil
}

// TestRunEndsTheEditorRelay: when Run's context ends while an editor
// message is being handled, Run returns only once that message has been
// handled to the end, with the remote answer it started; and it closes the
// editor's stream, so that the proxy reads nothing more from the editor
// (nothing reaches the server or the RemoteAnswerer after Run).
func TestRunEndsTheEditorRelay(t *testing.T) {
	argv, rec := lsptest.FakeServer(t)
	var returned atomic.Bool
	r := &heldAnswerer{entered: make(chan struct{}), release: make(chan struct{}), runReturned: &returned, answered: make(chan bool, 1)}
	editorR, editorW := io.Pipe()
	proxyR, proxyW := io.Pipe()
	p := proxy.New(proxy.Config{Server: argv, Remote: r}, editorR, proxyW)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		err := p.Run(ctx)
		returned.Store(true)
		proxyW.Close()
		done <- err
	}()
	c := lsptest.Connect(t, proxyR, editorW, nil)
	wait := testContext(t)
	roundTrip(t, wait, c) // the server is up

	hover := map[string]any{"textDocument": map[string]any{"uri": "file:///remote/a.go"}, "position": map[string]int{"line": 0, "character": 0}}
	if _, err := c.Send("textDocument/hover", hover); err != nil {
		t.Fatal(err)
	}
	<-r.entered // the relay is handling the hover
	cancel()
	close(r.release)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v, want context.Canceled", err)
		}
	case <-wait.Done():
		t.Fatal("Run did not return after its context ended")
	}
	select {
	case late := <-r.answered:
		if late {
			t.Error("the hover's remote answer ran after Run returned")
		}
	default:
		t.Error("Run returned before the hover under way was handled")
	}

	// The editor's stream is closed: a later message is not read at all.
	if err := c.Notify("lsptest/late", map[string]any{}); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("a message after Run: %v, want io.ErrClosedPipe (the proxy still reads the editor)", err)
	}
	methods, _ := rec.Methods()
	for _, m := range methods {
		if m == "lsptest/late" {
			t.Errorf("the server got a message sent after Run returned: %q", methods)
		}
	}
}
