package viewer

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/httpreply"
)

const (
	pingInterval = 30 * time.Second
	writeTimeout = 10 * time.Second
	// maxPageMessage bounds what a page may send: it sends nothing but
	// control frames.
	maxPageMessage = 1024
)

var upgrader = websocket.Upgrader{
	HandshakeTimeout: writeTimeout,
	// The origin is checked before upgrading, with a reason.
	CheckOrigin: func(*http.Request) bool { return true },
}

// handleLive upgrades GET /s/NAME/live to a websocket that carries the
// session's frames to the page: a state frame, the newest jumps (replayed),
// the navigator's place, then every state change and move as it happens.
// The page sends nothing.
func (v *Viewer) handleLive(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	if !v.hub.OriginAllowed(r) {
		httpreply.Refuse(w, http.StatusForbidden, "pages of other sites may not watch sessions on this hub")
		return
	}
	if !v.admit(w, r) {
		return
	}
	release, ok := v.hub.TakeConn(r)
	if !ok {
		httpreply.Refuse(w, http.StatusTooManyRequests, "too many connections from your address")
		return
	}
	defer release()
	if !v.startLive() {
		httpreply.Refuse(w, http.StatusServiceUnavailable, "too many pages are watching sessions on this hub; try again later")
		return
	}
	defer v.endLive()
	name := r.PathValue("name")
	watch, err := v.hub.Watch(name, v.cfg.TrailShown)
	if err != nil {
		httpreply.Refuse(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer watch.Close()
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer ws.Close()
	v.log.Debug("page watching", "session", name, "remote", r.RemoteAddr)
	code, reason := v.pump(ws, watch)
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeTimeout))
}

// startLive counts a page in, unless there are too many or the viewer is
// closing.
func (v *Viewer) startLive() bool {
	v.liveMu.Lock()
	defer v.liveMu.Unlock()
	if v.closing || v.viewers >= v.cfg.MaxViewers {
		return false
	}
	v.viewers++
	v.live.Add(1)
	return true
}

func (v *Viewer) endLive() {
	v.liveMu.Lock()
	v.viewers--
	v.liveMu.Unlock()
	v.live.Done()
}

// pump writes the watch's frames to the page until either side ends, and
// returns the close code and reason for the page.
func (v *Viewer) pump(ws *websocket.Conn, watch *hub.Watch) (int, string) {
	ctx, cancel := context.WithCancel(v.ctx)
	defer cancel()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer cancel()
		ws.SetReadLimit(maxPageMessage)
		ws.SetReadDeadline(time.Now().Add(2 * pingInterval))
		ws.SetPongHandler(func(string) error {
			return ws.SetReadDeadline(time.Now().Add(2 * pingInterval))
		})
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	defer func() {
		ws.Close() // ends the reader
		<-readerDone
	}()
	for {
		wait, stopWait := context.WithTimeout(ctx, pingInterval)
		b, err := watch.Next(wait)
		stopWait()
		ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		switch {
		case err == nil:
			err = ws.WriteMessage(websocket.TextMessage, b)
		case errors.Is(err, hub.ErrWatchEnded):
			// Too far behind, or the hub is stopping: the page
			// reconnects and starts over.
			return websocket.CloseTryAgainLater, "start over"
		case ctx.Err() != nil:
			return websocket.CloseGoingAway, ""
		default: // quiet for a ping interval
			err = ws.WriteMessage(websocket.PingMessage, nil)
		}
		if err != nil {
			return websocket.CloseGoingAway, ""
		}
	}
}
