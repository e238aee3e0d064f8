package viewer

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// xss is note text that runs script if a page ever treats it as HTML or
// as a link.
const xss = `<img src=x onerror="window.pwned='img'"><script>window.pwned='script'</script> [click](javascript:window.pwned='link') <a href="javascript:window.pwned='a'">a</a>`

// placeOf decodes a note's place.
func placeOf(t *testing.T, n *wire.Note) location.Location {
	t.Helper()
	var l location.Location
	if err := json.Unmarshal(n.To, &l); err != nil {
		t.Fatalf("note %d's place %s: %v", n.ID, n.To, err)
	}
	return l
}

// The page shows the session's notes live, at their lines too, and posts
// notes, questions, replies and resolves that participants get at once;
// note text is shown as text; hands show with their places.
func TestBrowserNotes(t *testing.T) {
	browser := startBrowser(t)
	th := startHub(t)
	bob := startHolder(t, th.links.Drive, "bob", demoFiles(t))
	ann, _ := hubtest.RunConn(t, hubclient.Config{Link: th.links.Attend, Name: "ann", ID: "id-ann"})
	hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeConnected), "ann connected")
	bob.jump(location.Location{}, at("greet/greet.go", 7, 5, 5), "greet.Hello")

	ctx, cancel := context.WithTimeout(browser, 2*waitFor)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\npage: %s", what, err, pageState(browser))
		}
	}
	poll := func(format string, args ...any) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](fmt.Sprintf(format, args...))
	}
	// note is the page's list entry of note id.
	note := func(id int) string { return fmt.Sprintf(`#note-list li[data-id="%d"]`, id) }
	shows := func(path string, line int) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#code[data-path=%q][data-line="%d"] .line.current`, path, line)))
	}

	do("open the page", chromedp.Navigate(th.links.View), shows("greet/greet.go", 7),
		// Set on this document: a reload would lose it.
		chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))

	// A participant's note arrives in the open page, in the list and at
	// its line.
	ann.Send(wire.Frame{Type: wire.TypeNote, Ref: "n1", Note: &wire.Note{To: mustJSON(at("greet/greet.go", 8, 1, 0)), Text: "why n > 1 and not n > 0?"}})
	do("ann's note in the list", chromedp.WaitVisible(chromedp.CSS(note(1))),
		poll(`(() => { const t = document.querySelector('%s').textContent;
			return t.includes('ann') && t.includes('why n > 1 and not n > 0?') && t.includes('greet/greet.go:8') && t.includes('note'); })()`, note(1)),
		poll(`document.getElementById('L8').parentElement.classList.contains('has-note') && document.getElementById('L8').parentElement.querySelector('.note-mark') !== null`),
		poll(`window.sameDocument === true`))

	// The page asks a question at a line picked in the code: ann gets it.
	do("ask from the page", chromedp.SendKeys(chromedp.CSS(`#poster`), "pia"),
		chromedp.Click(chromedp.CSS(`#L15`)),
		poll(`document.getElementById('compose-at').textContent === 'At greet/greet.go:15'`),
		chromedp.SendKeys(chromedp.CSS(`#note-text`), "is message ever called with an empty name?"),
		chromedp.Click(chromedp.CSS(`#note-question`)),
		chromedp.Click(chromedp.CSS(`#post-note`)),
		chromedp.WaitVisible(chromedp.CSS(note(2)+`.question`)),
		poll(`document.getElementById('note-text').value === ''`))
	f := hubtest.AwaitEvent(t, ann, hubtest.IsNote(2, func(*wire.Note) bool { return true }), "the page's question")
	if n := f.Note; n.By != "pia" || !n.Question || n.Text != "is message ever called with an empty name?" || placeOf(t, n) != at("greet/greet.go", 15, 0, 0) {
		t.Errorf("the page's question as ann got it: %+v at %s", n, n.To)
	}
	do("the question marked at its line", poll(`document.getElementById('L15').parentElement.classList.contains('has-question')`))

	// Replies both ways; pia resolves her question, and may not resolve
	// ann's.
	ann.Send(wire.Frame{Type: wire.TypeReply, Ref: "r1", Note: &wire.Note{ID: 2, Text: "only from main, never empty"}})
	do("ann's reply in the page", poll(`document.querySelector('%s .replies').textContent.includes('only from main, never empty')`, note(2)))
	do("reply from the page", chromedp.SendKeys(chromedp.CSS(note(1)+` .reply-text`), "n counts visits from 1"),
		chromedp.Click(chromedp.CSS(note(1)+` .reply`)),
		poll(`document.querySelector('%s .replies').textContent.includes('n counts visits from 1')`, note(1)))
	hubtest.AwaitEvent(t, ann, hubtest.IsNote(1, func(n *wire.Note) bool {
		return len(n.Replies) == 1 && n.Replies[0].By == "pia" && n.Replies[0].Text == "n counts visits from 1"
	}), "the page's reply")
	do("resolve from the page", chromedp.Click(chromedp.CSS(note(2)+` .resolve`)),
		chromedp.WaitVisible(chromedp.CSS(note(2)+`.resolved`)),
		poll(`document.querySelector('%s .resolve') === null`, note(2)),
		poll(`!document.getElementById('L15').parentElement.classList.contains('has-question')`))
	hubtest.AwaitEvent(t, ann, hubtest.IsNote(2, func(n *wire.Note) bool { return n.Resolved }), "pia's question resolved")
	ann.Send(wire.Frame{Type: wire.TypeNote, Ref: "n3", Note: &wire.Note{To: mustJSON(at("greet/greet.go", 16, 0, 0)), Text: "why backquotes?", Question: true}})
	do("resolving ann's question is refused", chromedp.Click(chromedp.CSS(note(3)+` .resolve`)),
		poll(`document.querySelector('%s .post-error').textContent.includes('only ann, who asked, or the navigator (bob)')`, note(3)),
		poll(`!document.querySelector('%s').classList.contains('resolved')`, note(3)))

	// Text is text: markup and javascript: links posted by a participant
	// or by the page show as they were written, and nothing runs.
	ann.Send(wire.Frame{Type: wire.TypeNote, Ref: "n4", Note: &wire.Note{To: mustJSON(at("greet/greet.go", 9, 0, 0)), Text: xss}})
	do("a participant's markup shown as text", chromedp.WaitVisible(chromedp.CSS(note(4))))
	do("the page's markup shown as text", chromedp.Click(chromedp.CSS(`#L10`)),
		chromedp.SetValue(chromedp.CSS(`#note-text`), xss),
		chromedp.Click(chromedp.CSS(`#post-note`)),
		chromedp.WaitVisible(chromedp.CSS(note(5))))
	hubtest.AwaitEvent(t, ann, hubtest.IsNote(5, func(n *wire.Note) bool { return n.Text == xss && n.By == "pia" }), "the page's markup, as written")
	want, _ := json.Marshal(xss)
	do("nothing ran", poll(`(() => {
		const list = document.getElementById('note-list');
		const texts = [4, 5].map((id) => list.querySelector('li[data-id="' + id + '"] > .text').textContent);
		return texts.every((t) => t === %s) &&
			list.querySelector('img, script, a, iframe') === null &&
			document.querySelector('#code img, #code script, #code a[href^="javascript"]') === null &&
			window.pwned === undefined;
	})()`, want))

	// A note's place shows in the code view, and the page stops following.
	do("go to a note's place", chromedp.Click(chromedp.CSS(note(1)+` .place`)), shows("greet/greet.go", 8),
		poll(`document.getElementById('follow').getAttribute('aria-pressed') === 'false'`),
		poll(`document.getElementById('file-who').textContent === 'note 1, by ann'`))

	// Hands: who, since when, and where that person is now.
	ann.Send(wire.Frame{Type: wire.TypeNav, Kind: wire.KindOpen, To: mustJSON(at("store/store.go", 14, 0, 0))})
	ann.Send(wire.Frame{Type: wire.TypeHand, Raised: true})
	do("ann's hand", chromedp.WaitVisible(chromedp.CSS(`#hands-section`)),
		poll(`(() => { const t = document.getElementById('hands').textContent;
			return t.includes('ann') && t.includes('since') && t.includes('store/store.go:14'); })()`),
		poll(`document.getElementById('hands-count').textContent === '1'`),
		chromedp.Click(chromedp.CSS(`#hands .place`)), shows("store/store.go", 14),
		poll(`document.getElementById('file-who').textContent === 'ann is here'`))
	ann.Send(wire.Frame{Type: wire.TypeHand, Raised: false})
	do("ann's hand down", poll(`document.getElementById('hands-section').hidden`))

	// The page's own hub refuses a wrong key, and takes nothing from it.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(location.pathname + '/notes', {method: 'POST',
		headers: {Authorization: 'Bearer wrong', 'Content-Type': 'application/json'},
		body: JSON.stringify({type: 'note', name: 'mallory', note: {to: {space: 'workspace', path: 'main.go', range: {start: {line: 1, character: 0}, end: {line: 1, character: 0}}}, text: 'sneaky'}})})
		.then(async (r) => r.status + ' ' + (await r.text()).trim())`, chromedp.EvalAwaitPromise))
	if err != nil || status != "403 wrong key for session demo" {
		t.Errorf("a post with a wrong key: %q, %v", status, err)
	}
	ann.Send(wire.Frame{Type: wire.TypeNote, Ref: "n6", Note: &wire.Note{To: mustJSON(at("main.go", 2, 0, 0)), Text: "after the wrong key"}})
	if f := hubtest.AwaitEvent(t, ann, hubtest.IsType(wire.TypeNote), "the next note"); f.Note == nil || f.Note.ID != 6 || f.Note.By != "ann" {
		t.Errorf("the note after the wrong key: %+v", f.Note)
	}
	do("the note after the wrong key", chromedp.WaitVisible(chromedp.CSS(note(6))),
		poll(`document.getElementById('note-list').textContent.includes('sneaky') === false`))

	// A note being written stays at its line when the navigator moves on.
	do("write at the navigator's line", chromedp.Click(chromedp.CSS(`#follow`)), shows("greet/greet.go", 7),
		chromedp.SendKeys(chromedp.CSS(`#note-text`), "Hello is where it starts"),
		poll(`document.getElementById('compose-at').textContent === 'At greet/greet.go:7'`))
	bob.jump(at("greet/greet.go", 7, 5, 5), at("store/store.go", 19, 19, 3), "store.Get")
	do("the navigator moved on", shows("store/store.go", 19),
		poll(`document.getElementById('compose-at').textContent === 'At greet/greet.go:7'`),
		chromedp.Click(chromedp.CSS(`#post-note`)), chromedp.WaitVisible(chromedp.CSS(note(7))),
		poll(`document.getElementById('compose-at').textContent.startsWith('At store/store.go:19')`))
	f = hubtest.AwaitEvent(t, ann, hubtest.IsNote(7, func(*wire.Note) bool { return true }), "the note written before the move")
	if placeOf(t, f.Note) != at("greet/greet.go", 7, 0, 0) {
		t.Errorf("the note written before the navigator moved is at %s", f.Note.To)
	}

	// A page opened now gets every note at once, as it is.
	do("open the page again", chromedp.Navigate(th.links.View), chromedp.WaitVisible(chromedp.CSS(note(7))),
		poll(`document.querySelectorAll('#note-list > li').length === 7`),
		poll(`document.querySelector('%s .replies').textContent.includes('n counts visits from 1')`, note(1)),
		poll(`document.querySelector('%s').classList.contains('resolved')`, note(2)),
		chromedp.Click(chromedp.CSS(note(1)+` .place`)), shows("greet/greet.go", 8),
		poll(`document.getElementById('L8').parentElement.querySelector('.note-mark') !== null`))
	screenshot(t, ctx, "viewer-notes.png")
}
