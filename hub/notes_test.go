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
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/wire"
)

// isNote matches the hub's copy of note id, changed as cond says.
var isNote = hubtest.IsNote

// noteRefused matches the refusal of the frame with ref.
func noteRefused(ref string) func(wire.Frame) bool {
	return func(f wire.Frame) bool { return f.Type == wire.TypeNote && f.Ref == ref && f.Error != "" }
}

// Notes are numbered, reach everyone with their replies and resolved flag,
// refuse what is too long or not theirs to resolve, and come back after a
// hub restart on disk, to whoever joins.
func TestNotes(t *testing.T) {
	dir := t.TempDir()
	st1, err := store.OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	th := hubtest.StartHub(t, Config{Store: st1}, "", nil)
	addr := strings.TrimPrefix(th.URL, "http://")
	bob := hubtest.Join(t, th, hubtest.Key(t, th.Links.Drive), "bob")
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	eve := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "eve")

	ann.Send(wire.Frame{Type: wire.TypeNote, Ref: "p1", Note: &wire.Note{To: hubtest.Loc("lock.go", 7), Text: "why is this locked?", Question: true}})
	if f := ann.Await(isNote(1, func(*wire.Note) bool { return true }), "ann's question"); f.Ref != "p1" || f.Note.By != "ann" || !f.Note.Question {
		t.Errorf("ann's copy of her question: %+v %+v", f, f.Note)
	}
	if f := bob.Await(isNote(1, func(*wire.Note) bool { return true }), "ann's question"); f.Ref != "" || string(f.Note.To) != string(hubtest.Loc("lock.go", 7)) {
		t.Errorf("bob's copy of ann's question: %+v %+v", f, f.Note)
	}
	bob.Send(wire.Frame{Type: wire.TypeNote, Ref: "p2", Note: &wire.Note{To: hubtest.Loc("cache.go", 2), Text: "see the design"}})
	eve.Await(isNote(2, func(n *wire.Note) bool { return n.By == "bob" && !n.Question }), "bob's note")

	ann.Send(wire.Frame{Type: wire.TypeNote, Ref: "big", Note: &wire.Note{To: hubtest.Loc("a.go", 1), Text: strings.Repeat("x", wire.MaxNoteText+1)}})
	if f := ann.Await(noteRefused("big"), "refusal"); !strings.Contains(f.Error, "at most 4096") {
		t.Errorf("too long a note: %q", f.Error)
	}
	eve.Send(wire.Frame{Type: wire.TypeResolve, Ref: "r1", Note: &wire.Note{ID: 1}})
	if f := eve.Await(noteRefused("r1"), "refusal"); !strings.Contains(f.Error, "only ann, who asked, or the navigator (bob)") {
		t.Errorf("eve resolving ann's question: %q", f.Error)
	}
	bob.Send(wire.Frame{Type: wire.TypeReply, Ref: "r2", Note: &wire.Note{ID: 1, Text: "the cache is shared"}})
	ann.Await(isNote(1, func(n *wire.Note) bool { return len(n.Replies) == 1 }), "bob's reply")
	eve.Send(wire.Frame{Type: wire.TypeReply, Ref: "r3", Note: &wire.Note{ID: 1, Text: "+1"}})
	ann.Await(isNote(1, func(n *wire.Note) bool { return len(n.Replies) == 2 }), "eve's reply")
	bob.Send(wire.Frame{Type: wire.TypeResolve, Ref: "r4", Note: &wire.Note{ID: 1}})
	ann.Await(isNote(1, func(n *wire.Note) bool { return n.Resolved }), "resolved by the navigator")

	th.Stop()
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}
	st2 := hubtest.OpenBolt(t, dir)
	th2 := hubtest.StartHub(t, Config{Store: st2}, addr, nil)
	cy := hubtest.Join(t, th2, hubtest.Key(t, th.Links.Attend), "cy")
	f := cy.Await(isNote(1, func(n *wire.Note) bool { return true }), "the question after the restart")
	if n := f.Note; !n.Resolved || len(n.Replies) != 2 || n.Replies[0].By != "bob" || n.Replies[1].Text != "+1" || n.Text != "why is this locked?" {
		t.Errorf("question 1 after the restart: %+v", n)
	}
	cy.Await(isNote(2, func(n *wire.Note) bool { return n.Text == "see the design" }), "the note after the restart")
	cy.Send(wire.Frame{Type: wire.TypeNote, Ref: "p3", Note: &wire.Note{To: hubtest.Loc("b.go", 1), Text: "third"}})
	cy.Await(isNote(3, func(n *wire.Note) bool { return n.By == "cy" }), "numbering goes on")
}

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
