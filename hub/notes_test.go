package hub_test

import (
	"encoding/json"
	"fmt"
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

// A note needs a place, and a participant posting faster than a person
// writes is refused, with how long to wait, while others may still post.
func TestNotesRefused(t *testing.T) {
	th := hubtest.StartHub(t, Config{}, "", nil)
	ann := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "ann")
	eve := hubtest.Join(t, th, hubtest.Key(t, th.Links.Attend), "eve")
	for ref, to := range map[string]string{"string": `"a.go:3"`, "null": `null`, "list": `[1]`} {
		eve.Send(wire.Frame{Type: wire.TypeNote, Ref: ref, Note: &wire.Note{To: json.RawMessage(to), Text: "x"}})
		if f := eve.Await(noteRefused(ref), "refusal"); !strings.Contains(f.Error, "needs a place") {
			t.Errorf("a note at %s: refused with %q", to, f.Error)
		}
	}
	for i := range NoteBurst {
		ann.Send(wire.Frame{Type: wire.TypeNote, Ref: fmt.Sprint("n", i), Note: &wire.Note{To: hubtest.Loc("a.go", i), Text: "note"}})
		ann.Await(isNote(uint64(i+1), func(*wire.Note) bool { return true }), "a note within the burst")
	}
	ann.Send(wire.Frame{Type: wire.TypeReply, Ref: "over", Note: &wire.Note{ID: 1, Text: "one too many"}})
	if f := ann.Await(noteRefused("over"), "refusal"); !strings.Contains(f.Error, "too many notes and replies at once") || !strings.Contains(f.Error, "try again in") {
		t.Errorf("a post beyond the burst: %q", f.Error)
	}
	eve.Send(wire.Frame{Type: wire.TypeNote, Ref: "eve", Note: &wire.Note{To: hubtest.Loc("a.go", 1), Text: "mine"}})
	eve.Await(isNote(NoteBurst+1, func(n *wire.Note) bool { return n.By == "eve" }), "eve's note while ann is refused")
}
