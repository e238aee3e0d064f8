package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// Notes are kept by ID, a changed note replaces its older self, and both
// outlive a reopening.
func TestStoreNotes(t *testing.T) {
	storeKinds(t, func(t *testing.T, open func() Store) {
		st := open()
		if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
			t.Fatal(err)
		}
		q := wire.Note{ID: 2, By: "ann", At: time.Unix(5, 0).UTC(), To: loc("a.go", 3), Text: "why is this locked?", Question: true}
		n := wire.Note{ID: 1, By: "bob", At: time.Unix(4, 0).UTC(), To: loc("b.go", 9), Text: "see the RFC"}
		for _, note := range []wire.Note{q, n} {
			if err := st.SaveNote("demo", note, nil); err != nil {
				t.Fatal(err)
			}
		}
		q.Replies = []wire.Reply{{By: "bob", At: time.Unix(6, 0).UTC(), Text: "the cache"}}
		q.Resolved = true
		if err := st.SaveNote("demo", q, nil); err != nil {
			t.Fatal(err)
		}
		want := []wire.Note{n, q}
		for _, when := range []string{"before", "after"} {
			got, err := st.Notes("demo")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Notes %s reopening = %+v; want %+v", when, got, want)
			}
			st = open()
		}
	})
}
