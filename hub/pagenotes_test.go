package hub_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/wire"
)

// pageRequest is a page's request to session demo from addr.
func pageRequest(addr string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/s/demo/notes", nil)
	r.RemoteAddr = addr
	r.SetPathValue("name", "demo")
	return r
}

// The pages at one client address share one participant's allowance of
// notes and replies, whatever names they post under.
func TestPageNoteRate(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	post := func(addr, name string) error {
		_, err := th.PageNote(pageRequest(addr), wire.Frame{Type: wire.TypeNote, Name: name, Note: &wire.Note{To: hubtest.Loc("a.go", 1), Text: "from a page"}})
		return err
	}
	for i := range NoteBurst {
		if err := post("192.0.2.1:1000", fmt.Sprint("pia", i)); err != nil {
			t.Fatalf("page note %d, within the burst: %v", i+1, err)
		}
	}
	if err := post("192.0.2.1:2000", "zoe"); !errors.Is(err, ErrNoteRate) || !strings.Contains(err.Error(), "try again in") {
		t.Errorf("one more page note from that address, under a new name: %v", err)
	}
	if err := post("192.0.2.2:1000", "pia"); err != nil {
		t.Errorf("a page at another address: %v", err)
	}
}

// A page posts under a name of its own, never a participant's, and
// resolves its own questions only; participants get its notes.
func TestPageNote(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	bob.Send(wire.Frame{Type: wire.TypeNote, Ref: "q", Note: &wire.Note{To: hubtest.Loc("a.go", 1), Text: "bob asks", Question: true}})
	bob.Await(isNote(1, func(*wire.Note) bool { return true }), "bob's question")
	page := func(typ, name string, n wire.Note) (wire.Note, error) {
		return th.PageNote(pageRequest("192.0.2.1:1000"), wire.Frame{Type: typ, Name: name, Note: &n})
	}
	if _, err := page(wire.TypeNote, "bob", wire.Note{To: hubtest.Loc("a.go", 2), Text: "as bob"}); err == nil || !strings.Contains(err.Error(), "bob is the name of a participant") {
		t.Errorf("a page posting as a participant: %v", err)
	}
	if _, err := page(wire.TypeNote, " ", wire.Note{To: hubtest.Loc("a.go", 2), Text: "nameless"}); err == nil {
		t.Error("a page posted without a name")
	}
	if _, err := page(wire.TypeResolve, "pia", wire.Note{ID: 1}); err == nil || !strings.Contains(err.Error(), "only bob, who asked") {
		t.Errorf("a page resolving bob's question: %v", err)
	}
	n, err := page(wire.TypeNote, "pia", wire.Note{To: hubtest.Loc("b.go", 3), Text: "pia asks", Question: true})
	if err != nil || n.ID != 2 || n.By != "pia" || !n.Question {
		t.Fatalf("pia's question: %+v %v", n, err)
	}
	bob.Await(isNote(2, func(n *wire.Note) bool { return n.By == "pia" && string(n.To) == string(hubtest.Loc("b.go", 3)) }), "pia's question")
	if _, err := page(wire.TypeReply, "pia", wire.Note{ID: 1, Text: "me too"}); err != nil {
		t.Errorf("pia's reply: %v", err)
	}
	bob.Await(isNote(1, func(n *wire.Note) bool { return len(n.Replies) == 1 && n.Replies[0].By == "pia" }), "pia's reply")
	if n, err := page(wire.TypeResolve, "pia", wire.Note{ID: 2}); err != nil || !n.Resolved {
		t.Errorf("pia resolving her question: %+v %v", n, err)
	}
	bob.Await(isNote(2, func(n *wire.Note) bool { return n.Resolved }), "pia's question resolved")
	if _, err := page(wire.TypeResolve, "pia", wire.Note{ID: 2}); err == nil || !strings.Contains(err.Error(), "resolved already") {
		t.Errorf("resolving it again: %v", err)
	}
	if _, err := page(wire.TypeHand, "pia", wire.Note{}); err == nil {
		t.Error("a page sent a hand through PageNote")
	}
}

// A page that opens on a session with more notes than a watch's queue
// holds gets them all, and the changes after them.
func TestWatchGetsEveryNote(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	const many = 600 // more than a watch queues beyond its first frames
	post := func(i int) {
		t.Helper()
		// An address each: the pages at one may post only a few at once.
		if _, err := th.PageNote(pageRequest(fmt.Sprintf("10.0.%d.%d:1000", i/256, i%256)), wire.Frame{Type: wire.TypeNote, Name: "pia", Note: &wire.Note{To: hubtest.Loc("a.go", i), Text: "n"}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range many {
		post(i)
	}
	w, err := th.Watch("demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	post(many) // before the page has read anything
	ctx, cancel := context.WithTimeout(context.Background(), hubtest.WaitFor)
	defer cancel()
	for want := uint64(1); want <= many+1; {
		b, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for note %d: %v", want, err)
		}
		if f, _ := wire.DecodeFrame(b); f.Type == wire.TypeNote {
			if f.Note.ID != want {
				t.Fatalf("note %d came when %d was due", f.Note.ID, want)
			}
			want++
		}
	}
}
