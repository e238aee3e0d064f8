// Package viewer is a session's web page on the hub: anyone with a join
// link opens it in a browser and watches the session live — the
// navigator's file, highlighted, with their line and cursor; the trail of
// jumps; the participants and their raised hands; the session's notes and
// questions, to which the page posts too — and downloads notes of the walk.
//
// The page is plain HTML, CSS and JavaScript embedded in the binary. It
// gets the session's moves over a websocket of its own (a [hub.Watch],
// not a participant) and the files, highlighted here with chroma, from the
// navigator's proxy through the hub. See docs/viewer.md.
package viewer

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/httpreply"
)

// Config configures a viewer. Zero values take the defaults noted.
type Config struct {
	Logger     *slog.Logger  // default: discard
	MaxViewers int           // pages watching at once, over all sessions (1000)
	CacheTTL   time.Duration // how long a fetched file is reused (30s)
	TrailShown int           // newest jumps a page gets when it opens (500)
}

// Viewer serves the session pages in front of a hub.
type Viewer struct {
	hub   *hub.Hub
	cfg   Config
	ctx   context.Context // ends with Close
	stop  context.CancelFunc
	log   *slog.Logger
	mux   *http.ServeMux
	files *fileCache

	liveMu  sync.Mutex     // guards viewers and closing
	viewers int            // pages watching
	closing bool           // no more pages
	live    sync.WaitGroup // one per page watching
}

//go:embed static
var static embed.FS

// New returns a handler serving the viewer's routes and, for every other
// request, hub:
//
//	GET /s/NAME            the page (join key required)
//	GET /s/NAME/live       the page's websocket: the session's moves, state and notes
//	POST /s/NAME/notes     a note, reply or resolve from the page (join key required)
//	GET /s/NAME/file       a file of the navigator, highlighted (JSON)
//	GET /s/NAME/notes.md   notes of the walk (join key required)
//	GET /viewer/FILE       the page's script and styles
func New(hub *hub.Hub, cfg Config) *Viewer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxViewers <= 0 {
		cfg.MaxViewers = 1000
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 30 * time.Second
	}
	if cfg.TrailShown <= 0 {
		cfg.TrailShown = 500
	}
	v := &Viewer{hub: hub, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	v.ctx, v.stop = context.WithCancel(context.Background())
	v.files = newFileCache(v.ctx, hub, cfg.CacheTTL)
	v.mux.HandleFunc("GET /s/{name}", v.handlePage)
	v.mux.HandleFunc("GET /s/{name}/live", v.handleLive)
	v.mux.HandleFunc("POST /s/{name}/notes", v.handlePost)
	v.mux.HandleFunc("GET /s/{name}/file", v.handleFile)
	v.mux.HandleFunc("GET /s/{name}/notes.md", v.handleNotes(markdownNotes))
	v.mux.HandleFunc("GET /s/{name}/notes.tour", v.handleNotes(tourNotes))
	v.mux.HandleFunc("GET /viewer/{asset}", handleAsset)
	v.mux.Handle("/", hub)
	return v
}

func (v *Viewer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mux.ServeHTTP(w, r)
}

// Close ends the pages' websockets and the file fetches under way, and
// waits for them. Close the hub after: the viewer asks it for files.
func (v *Viewer) Close() {
	v.liveMu.Lock()
	v.closing = true
	v.liveMu.Unlock()
	v.stop()
	v.live.Wait()
	v.files.wait()
}

// pagePolicy lets the page load its own script, styles and websocket only.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// privateHeaders keep responses to requests holding a key out of caches
// and referrers, and out of other sites' frames.
func privateHeaders(w http.ResponseWriter) {
	httpreply.Private(w)
	w.Header().Set("Content-Security-Policy", pagePolicy)
}

// admit checks a request's session and key; on refusal it has answered.
func (v *Viewer) admit(w http.ResponseWriter, r *http.Request) bool {
	privateHeaders(w)
	if _, status, reason := v.hub.Admit(r); status != http.StatusOK {
		v.log.Info("viewer refused", "session", r.PathValue("name"), "path", r.URL.Path, "status", status, "remote", r.RemoteAddr)
		httpreply.Refuse(w, status, reason)
		return false
	}
	return true
}

func (v *Viewer) handlePage(w http.ResponseWriter, r *http.Request) {
	if !v.admit(w, r) {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page)
}

// The page and its assets, read once.
var (
	page   = mustRead("static/page.html")
	assets = map[string]struct {
		contentType string
		body        []byte
	}{
		"app.js":     {"text/javascript; charset=utf-8", mustRead("static/app.js")},
		"style.css":  {"text/css; charset=utf-8", mustRead("static/style.css")},
		"chroma.css": {"text/css; charset=utf-8", highlightCSS()},
	}
)

func mustRead(name string) []byte {
	b, err := static.ReadFile(name)
	if err != nil {
		panic(err) // the embedded files are fixed at build time
	}
	return b
}

// handleAsset serves the page's script and styles; they hold no secret.
func handleAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("asset")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(a.body)
}
