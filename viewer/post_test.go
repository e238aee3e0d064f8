package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// postNote posts body to the demo session's notes as a page does, with
// bearer and extra headers, and returns the status and the answer.
func postNote(t testing.TB, th *testHub, bearer string, body any, header http.Header) (int, string) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, th.url+"/s/demo/notes", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	return send(t, req, bearer)
}

// pageNote is a page's note by pia at a place.
func pageNote(to any, text string) pagePost {
	return pagePost{Type: wire.TypeNote, Name: "pia", Note: &wire.Note{To: mustJSON(to), Text: text}}
}

// A page's post is checked as a participant's: the key, the text, a place
// in a file the navigator shares, the rate; watches get what is taken.
func TestPagePostChecks(t *testing.T) {
	th := startHub(t)
	startHolder(t, th.links.Drive, "bob", demoFiles(t))
	watch, err := th.hub.Watch("demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	attend := hubtest.Key(t, th.links.Attend)
	ok := pageNote(at("greet/greet.go", 7, 0, 0), "a fine note")
	for _, tc := range []struct {
		what   string
		body   any
		header http.Header
		status int
		says   string
	}{
		{"another site's page", ok, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden, "pages of other sites"},
		{"a form, not JSON", ok, http.Header{"Content-Type": {"text/plain"}}, http.StatusUnsupportedMediaType, "post JSON"},
		{"no note", map[string]string{"type": "note", "name": "pia"}, nil, http.StatusBadRequest, "the body must be JSON"},
		{"a file the navigator does not share", pageNote(at("secret.go", 1, 0, 0), "x"), nil, http.StatusBadRequest, "a note must be at a file the navigator shares, and secret.go is not one"},
		{"outside the tree", pageNote(location.Location{Space: location.Workspace, Path: "../etc/passwd"}, "x"), nil, http.StatusBadRequest, "invalid location"},
		{"past the file's end", pageNote(at("greet/greet.go", 500, 0, 0), "x"), nil, http.StatusBadRequest, "greet/greet.go has 17 lines; the note is at line 500"},
		{"no place", pagePost{Type: wire.TypeNote, Name: "pia", Note: &wire.Note{Text: "x"}}, nil, http.StatusBadRequest, "a note needs a place"},
		{"too long", pageNote(at("greet/greet.go", 7, 0, 0), strings.Repeat("é", wire.MaxNoteText/2+1)), nil, http.StatusBadRequest, "a note or reply may have at most 4096"},
		{"a participant's name", pagePost{Type: wire.TypeNote, Name: "bob", Note: ok.Note}, nil, http.StatusBadRequest, "bob is the name of a participant"},
		{"a hand", pagePost{Type: wire.TypeHand, Name: "pia", Note: &wire.Note{}}, nil, http.StatusBadRequest, "a page may post note, reply or resolve"},
	} {
		if status, answer := postNote(t, th, attend, tc.body, tc.header); status != tc.status || !strings.Contains(answer, tc.says) {
			t.Errorf("%s: %d %q; want %d saying %q", tc.what, status, answer, tc.status, tc.says)
		}
	}

	status, answer := postNote(t, th, hubtest.Key(t, th.links.Drive), ok, nil)
	var reply postReply
	if json.Unmarshal([]byte(answer), &reply); status != http.StatusOK || reply.Note == nil || reply.Note.ID != 1 || reply.Note.By != "pia" {
		t.Fatalf("a good note: %d %s", status, answer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		b, err := watch.Next(ctx)
		if err != nil {
			t.Fatalf("the watch got no note: %v", err)
		}
		if f, _ := wire.DecodeFrame(b); f.Type == wire.TypeNote && f.Note != nil && f.Note.ID == 1 && f.Note.Text == "a fine note" {
			break
		}
	}
	// The pages at this address had one of their 10 notes and replies at
	// once: the refusals above took none. Another name makes no new
	// allowance.
	for i := 2; i <= 10; i++ {
		if status, answer := postNote(t, th, attend, pagePost{Type: wire.TypeReply, Name: fmt.Sprint("pia", i), Note: &wire.Note{ID: 1, Text: "more"}}, nil); status != http.StatusOK {
			t.Fatalf("post %d, within the burst: %d %q", i, status, answer)
		}
	}
	if status, answer := postNote(t, th, attend, pagePost{Type: wire.TypeReply, Name: "zoe", Note: &wire.Note{ID: 1, Text: "one too many"}}, nil); status != http.StatusTooManyRequests || !strings.Contains(answer, "too many notes and replies at once") {
		t.Errorf("over the allowance: %d %q", status, answer)
	}
}

// Wrong keys on posts count as wrong keys on joins do: past a few, the
// address is refused for a while, the right key too.
func TestPagePostWrongKeys(t *testing.T) {
	th := startHub(t)
	startHolder(t, th.links.Drive, "bob", demoFiles(t))
	body := pageNote(at("greet/greet.go", 7, 0, 0), "sneaky")
	status, answer := postNote(t, th, "", body, nil)
	if status != http.StatusForbidden || !strings.Contains(answer, "no key for session demo") {
		t.Errorf("no key: %d %q", status, answer)
	}
	for i := 0; ; i++ {
		status, answer := postNote(t, th, "wrong", body, nil)
		if status == http.StatusTooManyRequests {
			break
		}
		if status != http.StatusForbidden || strings.TrimSpace(answer) != "wrong key for session demo" || i > 100 {
			t.Fatalf("wrong key %d: %d %q", i+1, status, answer)
		}
	}
	if status, answer := postNote(t, th, hubtest.Key(t, th.links.Attend), body, nil); status != http.StatusTooManyRequests || !strings.Contains(answer, "too many wrong keys") {
		t.Errorf("the right key in the back-off: %d %q", status, answer)
	}
	if got := th.hub.Drops(hub.DropWrongKey); got < 6 {
		t.Errorf("wrong keys counted: %d", got)
	}
}
