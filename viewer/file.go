package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters/html"

	"github.com/lspshare/lspshare/files"
	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/httpreply"
	"github.com/lspshare/lspshare/location"
)

const (
	// fetchTimeout bounds fetching one file from the navigator.
	fetchTimeout = 10 * time.Second
	// maxCached bounds the files the cache holds, over all sessions, and
	// maxFetching the entries when the others are all being fetched.
	maxCached   = 64
	maxFetching = 4 * maxCached
	// maxHighlighted is the largest file highlighted; larger ones are
	// shown as plain text, which is quicker to make.
	maxHighlighted = 256 << 10
	// lineIDPrefix prefixes the id of each line's number in the HTML: L1,
	// L2, … (the page finds lines by it).
	lineIDPrefix = "L"
)

// errBusy refuses a file while too many others are being fetched.
var errBusy = errors.New("the hub is fetching too many files at once; try again")

// fileKey names a file of a session: a location without its range.
type fileKey struct {
	session string
	space   location.Space
	module  string
	path    string
}

func keyOf(session string, l location.Location) fileKey {
	return fileKey{session, l.Space, l.Module, l.Path}
}

// fileCache fetches files from navigators through the hub and keeps them
// for a short while: every page watching a session wants the same file at
// the same moment, and the navigator is asked once. Fetches of the same
// file share one question.
type fileCache struct {
	hub *hub.Hub
	ttl time.Duration
	ctx context.Context // ends the fetches when the viewer closes
	wg  sync.WaitGroup  // one per fetch

	mu      sync.Mutex // guards entries
	entries map[fileKey]*cachedFile
}

// cachedFile is one file, being fetched until ready is closed.
type cachedFile struct {
	ready   chan struct{}
	data    []byte
	err     error  // for the log
	reason  string // why err, for people
	fetched time.Time

	htmlOnce sync.Once
	html     string
}

func newFileCache(ctx context.Context, hub *hub.Hub, ttl time.Duration) *fileCache {
	return &fileCache{hub: hub, ttl: ttl, ctx: ctx, entries: map[fileKey]*cachedFile{}}
}

// get returns the cached file of l, fetching it from the navigator of
// the named session if it is not cached or has gone stale.
func (c *fileCache) get(ctx context.Context, name string, l location.Location) (*cachedFile, error) {
	k := keyOf(name, l)
	c.mu.Lock()
	f := c.entries[k]
	if f != nil && f.stale(c.ttl) {
		delete(c.entries, k)
		f = nil
	}
	if f == nil {
		c.evict()
		if len(c.entries) >= maxFetching {
			c.mu.Unlock()
			return nil, errBusy
		}
		f = &cachedFile{ready: make(chan struct{})}
		c.entries[k] = f
		// The fetch outlives a request that gives up: others may wait
		// for it too, and it is bounded by fetchTimeout.
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.fetch(k, f, l)
		}()
	}
	c.mu.Unlock()
	select {
	case <-f.ready:
		return f, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// wait waits for the fetches under way; cancelling the cache's context
// ends them.
func (c *fileCache) wait() {
	c.wg.Wait()
}

// stale reports whether a fetched file (or failure) is too old to use.
// Failures are kept only for a second: the wheel may change hands.
func (f *cachedFile) stale(ttl time.Duration) bool {
	select {
	case <-f.ready:
	default:
		return false // being fetched
	}
	if f.err != nil {
		ttl = min(ttl, time.Second)
	}
	return time.Since(f.fetched) > ttl
}

// evict makes room for one more entry by dropping expired entries, then
// the oldest fetched one. c.mu is held.
func (c *fileCache) evict() {
	if len(c.entries) < maxCached {
		return
	}
	var oldest fileKey
	var oldestAt time.Time
	for k, f := range c.entries {
		if f.stale(c.ttl) {
			delete(c.entries, k)
			continue
		}
		select {
		case <-f.ready:
			if oldestAt.IsZero() || f.fetched.Before(oldestAt) {
				oldest, oldestAt = k, f.fetched
			}
		default:
		}
	}
	if len(c.entries) >= maxCached && !oldestAt.IsZero() {
		delete(c.entries, oldest)
	}
}

func (c *fileCache) fetch(k fileKey, f *cachedFile, l location.Location) {
	ctx, cancel := context.WithTimeout(c.ctx, fetchTimeout)
	defer cancel()
	l.Range = location.Range{}
	var askErr error // the hub's or the holder's own words
	f.data, f.err = files.FetchRemote(ctx, l, func(ctx context.Context, method string, params json.RawMessage) ([]byte, int64, error) {
		chunk, err := c.hub.AskNavigator(ctx, k.session, method, params)
		if err != nil {
			askErr = err
		}
		return chunk.Data, chunk.Size, err
	})
	switch {
	case f.err == nil:
	case errors.Is(f.err, context.DeadlineExceeded):
		f.reason = "the navigator did not send the file in time"
	case askErr != nil:
		f.reason = askErr.Error()
	default:
		f.reason = f.err.Error()
	}
	f.fetched = time.Now()
	close(f.ready)
}

// highlighted returns the file as HTML, made once.
func (f *cachedFile) highlighted(path string) string {
	f.htmlOnce.Do(func() { f.html = highlight(path, f.data) })
	return f.html
}

// formatter renders code as the page expects it: a line per span.line,
// each with its number in a span.ln whose id is lineIDPrefix and the
// 1-based line number, then its code in a span.cl. Classes, not inline
// styles, so that the page's content policy can forbid inline styles.
var formatter = html.New(html.WithClasses(true), html.WithLineNumbers(true),
	html.WithLinkableLineNumbers(true, lineIDPrefix), html.TabWidth(4))

// highlight renders the text of the file at path as HTML. Text that is not
// UTF-8 is shown with replacement characters; very large files are not
// highlighted.
func highlight(path string, data []byte) string {
	text := string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
	lexer := lexerFor(path)
	if len(data) > maxHighlighted {
		lexer = plainLexer
	}
	var b bytes.Buffer
	it, err := chroma.Coalesce(lexer).Tokenise(nil, text)
	if err == nil {
		err = formatter.Format(&b, lightStyle, it)
	}
	if err != nil {
		// chroma fails only on a lexer bug; plain text always works.
		b.Reset()
		it, _ = plainLexer.Tokenise(nil, text)
		formatter.Format(&b, lightStyle, it)
	}
	return b.String()
}

// highlightCSS returns the stylesheet of highlighted code.
func highlightCSS() []byte {
	var b bytes.Buffer
	formatter.WriteCSS(&b, lightStyle)
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	formatter.WriteCSS(&b, darkStyle)
	b.WriteString("}\n")
	return b.Bytes()
}

// fileReply is the answer of GET /s/NAME/file.
type fileReply struct {
	HTML  string `json:"html,omitempty"`
	Error string `json:"error,omitempty"`
}

// handleFile answers GET /s/NAME/file?space=S&module=M&path=P with the
// navigator's file at that portable location, highlighted.
func (v *Viewer) handleFile(w http.ResponseWriter, r *http.Request) {
	if !v.admit(w, r) {
		return
	}
	q := r.URL.Query()
	l := location.Location{Space: location.Space(q.Get("space")), Module: q.Get("module"), Path: q.Get("path")}
	if err := l.Validate(); err != nil {
		httpreply.Refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	name := r.PathValue("name")
	w.Header().Set("Content-Type", "application/json")
	f, err := v.files.get(r.Context(), name, l)
	if err != nil {
		if f != nil {
			v.log.Info("viewer could not fetch a file", "session", name, "location", l.String(), "err", err)
			err = errors.New(f.reason)
		}
		w.WriteHeader(http.StatusBadGateway)
		json.NewEncoder(w).Encode(fileReply{Error: err.Error()})
		return
	}
	json.NewEncoder(w).Encode(fileReply{HTML: f.highlighted(l.Path)})
}
