package participant

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

// TestAnswerIsNotTheLastWord: a command answers with the state it took;
// when a newer state was told the editor before that answer went out, the
// editor is told the newer one again after it, so that it ends with the
// newest (the hand raised in TestNeovimNotes, under load, stayed unseen).
func TestAnswerIsNotTheLastWord(t *testing.T) {
	p := New(Config{Name: "ann"})
	editorR, editorW := io.Pipe() // editor → proxy
	proxyR, proxyW := io.Pipe()   // proxy → editor
	px := proxy.New(proxy.Config{OnInitialize: p.OnInitialize, OnAnswered: p.OnAnswered}, editorR, proxyW)
	p.Attach(px)
	px.HandleCommand("test.stale", func(ctx context.Context, _ []json.RawMessage) (any, error) {
		st, err := p.stateNow(ctx, nil)
		// The hub's newer state arrives and is told the editor before this
		// command's answer is written.
		p.do(ctx, func() {
			p.state.Hands = 1
			p.publishState()
		})
		return st, err
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	done := make(chan struct{}, 2)
	go func() { px.Run(ctx); proxyW.Close(); done <- struct{}{} }()
	go func() { p.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		editorW.Close()
		<-done
		<-done
	})
	ed := lsptest.Connect(t, proxyR, editorW, nil)
	if _, err := ed.Initialize(ctx, lsptest.InitializeParams("file:///w")); err != nil {
		t.Fatal(err)
	}

	since := ed.Since()
	if err := ed.WriteBody([]byte(`{"jsonrpc":"2.0","id":"s1","method":"workspace/executeCommand","params":{"command":"test.stale"}}`)); err != nil {
		t.Fatal(err)
	}
	answer, err := ed.Await(ctx, since, lsptest.ResponseTo(`"s1"`))
	if err != nil {
		t.Fatal(err)
	}
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	told, err := ed.Await(wait, answer.Seq+1, lsptest.Method(StateMethod))
	if err != nil {
		t.Fatalf("no state after the answer: %v", err)
	}
	var st State
	if err := json.Unmarshal(told.Params, &st); err != nil || st.Hands != 1 {
		t.Fatalf("state told after the answer: %s (%v), want the raised hand", told.Params, err)
	}
}
