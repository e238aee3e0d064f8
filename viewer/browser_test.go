package viewer

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lspshare/lspshare/internal/hubtest"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

var updateScreenshot = flag.Bool("update", false, "rewrite ../docs/viewer.png with the browser test's screenshot")

// startBrowser starts Debian's chromium, headless, with a fresh profile and
// any extra options. Without chromium the test is skipped, except under
// CI=true.
func startBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := lsptest.NeedTool(t, "chromium", "scripts/install-test-deps.sh")
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 760),
	}, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser on the context that lives as long as the test.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// A script error on the page fails the test.
	listen, stopListening := context.WithCancel(ctx)
	listening := make(chan struct{})
	t.Cleanup(func() {
		stopListening()
		<-listening
	})
	go func() {
		defer close(listening)
		for ev, err := range chromedp.Events(listen, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			what := d.Text
			if d.Exception != nil {
				what += " " + d.Exception.Description
			}
			t.Errorf("page script error at %d:%d: %s", d.LineNumber, d.ColumnNumber, what)
		}
	}()
	return ctx
}

// artifactDir is where the test keeps what a person may want to look at:
// $LSPSHARE_TEST_ARTIFACTS, or a temporary directory.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("LSPSHARE_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The page shows the navigator's file at their line, follows their jumps
// without a reload, lists the trail and the participants, and lets a
// viewer look around and catch up.
func TestBrowser(t *testing.T) {
	browser := startBrowser(t)
	th := startHub(t)
	files := demoFiles(t)
	bob := startHolder(t, th.links.Drive, "bob", files)
	ann := startHolder(t, th.links.Attend, "ann", nil)
	ann.client.SetFollowing(true)
	startHolder(t, th.links.Attend, "carl", nil)
	bob.jump(at("main.go", 16, 20, 5), at("greet/greet.go", 7, 5, 5), "greet.Hello")

	ctx, cancel := context.WithTimeout(browser, waitFor)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\npage: %s", what, err, pageState(browser))
		}
	}
	// shows waits until the page shows path with line (1-based) marked.
	shows := func(path string, line int) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#code[data-path=%q][data-line="%d"] .line.current`, path, line)))
	}
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr)
	}

	do("open the page", chromedp.Navigate(th.links.View))
	do("the navigator's file", shows("greet/greet.go", 7),
		poll(`document.querySelector('#code').textContent.includes('Package greet makes greetings')`),
		// The cursor sits before "Hello" on line 7.
		poll(`(() => { const c = document.getElementById('caret'); return c && c.nextSibling && c.nextSibling.textContent.startsWith('Hello'); })()`),
		poll(`document.querySelector('#code .nf') !== null`), // highlighted
	)
	do("participants", poll(`(() => {
		const t = document.getElementById('participants').textContent;
		return t.includes('bobnavigating') && t.includes('annfollowing') && t.includes('carlnot following');
	})()`))

	// The navigator jumps into another file: the page follows.
	bob.jump(at("main.go", 13, 19, 4), at("store/store.go", 14, 5, 4), "store.Open")
	do("follows the jump", shows("store/store.go", 14),
		chromedp.WaitVisible(chromedp.CSS(`#trail li[data-seq="2"]`)),
		poll(`document.querySelector('#trail li').textContent.includes('store.Open')`),
		poll(`document.getElementById('file-who').textContent === 'bob is here'`),
	)
	// A cursor move in the same file moves the mark.
	bob.cursor(at("store/store.go", 19, 19, 3))
	do("follows the cursor", shows("store/store.go", 19))

	// The viewer looks back at the first jump and stops following; the
	// navigator moves on; the page counts the jumps missed.
	do("open a trail entry", chromedp.Click(chromedp.CSS(`#trail li[data-seq="1"] button`)), shows("greet/greet.go", 7),
		poll(`!document.getElementById('behind').hidden`))
	bob.jump(at("greet/greet.go", 11, 8, 7), at("greet/greet.go", 15, 5, 7), "greet.message")
	do("counts the jumps behind", poll(`document.getElementById('behind-text').textContent === 'You are 1 jump behind.'`),
		chromedp.WaitVisible(chromedp.CSS(`#trail li[data-seq="3"]`)))
	if err := chromedp.Do(ctx, shows("greet/greet.go", 7)); err != nil {
		t.Fatalf("the page moved while not following: %v", err)
	}
	do("catch up", chromedp.Click(chromedp.CSS(`#catch-up`)), shows("greet/greet.go", 15),
		poll(`document.getElementById('behind').hidden`),
		poll(`document.getElementById('follow').getAttribute('aria-pressed') === 'true'`))

	// The page has notes and tour links with the key.
	for id, file := range map[string]string{"notes": "notes.md", "tour": "notes.tour"} {
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('`+id+`').href`))
		if err != nil || !strings.HasSuffix(href, "/s/demo/"+file+"?key="+hubtest.Key(t, th.links.Attend)) {
			t.Errorf("%s link: %q, %v", id, href, err)
		}
	}

	// For the picture: a question at the navigator's file, and a hand.
	ann.client.Send(wire.Frame{Type: wire.TypeNote, Note: &wire.Note{To: mustJSON(at("greet/greet.go", 16, 0, 0)), Text: "why a raw string here?", Question: true}})
	ann.client.Send(wire.Frame{Type: wire.TypeHand, Raised: true})
	do("the question and the hand", chromedp.WaitVisible(chromedp.CSS(`#note-list li[data-id="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#hands-section`)),
		poll(`document.getElementById('L16').parentElement.classList.contains('has-question')`))

	png := screenshot(t, ctx, "viewer.png")
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "docs", "viewer.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// screenshot keeps a picture of the page in the artifacts as name, and
// returns it.
func screenshot(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	return png
}

// pageState describes what the page shows, for a failure message.
func pageState(browser context.Context) string {
	ctx, cancel := context.WithTimeout(browser, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		code: document.getElementById('code').dataset,
		file: document.getElementById('file-path').textContent,
		text: document.body.innerText.slice(0, 2000)})`))
	if err != nil {
		return err.Error()
	}
	return s
}

// A page opened with a wrong key shows the refusal and no file text.
func TestBrowserWrongKey(t *testing.T) {
	browser := startBrowser(t)
	th := startHub(t)
	startHolder(t, th.links.Drive, "bob", demoFiles(t)).jump(location.Location{}, at("greet/greet.go", 7, 5, 5), "greet.Hello")
	ctx, cancel := context.WithTimeout(browser, waitFor)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(th.url+"/s/demo?key=wrong")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(text) != "wrong key for session demo" {
		t.Errorf("page with a wrong key shows %q", text)
	}
}
