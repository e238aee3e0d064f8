package hub

import (
	"fmt"
	"io"
	"net/http"

	"github.com/VictoriaMetrics/metrics"
	"github.com/lspshare/lspshare/internal/httpreply"
)

// DropReason says why the hub discarded a frame or a connection. Each reason
// has its own counter, lspshare_hub_drops_total{reason="..."}, so that an
// operator can tell a slow attendee from a flooding one without reading
// logs.
type DropReason string

// The reasons the hub drops something.
const (
	// DropQueueFull: a participant's send queue was full; it was
	// disconnected and catches up by seq when it reconnects.
	DropQueueFull DropReason = "send_queue_full"
	// DropRateLimited: a participant sent over its frame rate for longer
	// than the flood grace and was disconnected.
	DropRateLimited DropReason = "rate_limited"
	// DropTooBig: a participant sent a frame over MaxFrameSize and was
	// disconnected.
	DropTooBig DropReason = "frame_too_big"
	// DropMalformed: a frame the hub cannot take: it does not decode, is of
	// a type participants may not send, or lacks what its type needs. The
	// sender is told and stays connected.
	DropMalformed DropReason = "malformed_frame"
	// DropSuperseded: a cursor or state frame replaced by a newer one
	// before it was written (the hub keeps the freshest).
	DropSuperseded DropReason = "superseded"
	// DropViewerBehind: a web viewer's queue overflowed; its watch ended.
	DropViewerBehind DropReason = "viewer_behind"
	// DropStrayAnswer: an answer to no request pending for its sender:
	// too late (the deadline passed, the asker left) or not the one asked.
	DropStrayAnswer DropReason = "stray_answer"
	// DropWrongKey: a join attempt (websocket or web page) with a key of
	// no role in the session.
	DropWrongKey DropReason = "wrong_key"
	// DropJoinThrottled: a join attempt refused unheard (429), its
	// address in back-off after too many wrong keys.
	DropJoinThrottled DropReason = "join_throttled"
	// DropTooManyConns: a connection refused because its client address
	// had as many open as the hub allows one address.
	DropTooManyConns DropReason = "too_many_connections"
)

var dropReasons = []DropReason{DropQueueFull, DropRateLimited, DropTooBig, DropMalformed, DropSuperseded, DropViewerBehind, DropStrayAnswer,
	DropWrongKey, DropJoinThrottled, DropTooManyConns}

// hubMetrics are one hub's counters. They live in a set of the hub's own,
// not the library's global one, so that several hubs in one process (tests)
// count apart, and a process that runs no hub exposes nothing.
type hubMetrics struct {
	set   *metrics.Set
	drops map[DropReason]*metrics.Counter // written once by newHubMetrics
	// moveDelay is the hub's own share of a follower's wait for a jump or
	// open: from reading it from the navigator to writing it to the
	// follower, one observation per follower.
	moveDelay *metrics.Histogram
}

func newHubMetrics(h *Hub) *hubMetrics {
	m := &hubMetrics{set: metrics.NewSet(), drops: map[DropReason]*metrics.Counter{}}
	m.moveDelay = m.set.NewHistogram("lspshare_hub_move_delay_seconds")
	for _, r := range dropReasons {
		m.drops[r] = m.set.NewCounter(fmt.Sprintf(`lspshare_hub_drops_total{reason=%q}`, r))
	}
	m.set.NewGauge("lspshare_hub_connections", func() float64 { return float64(h.connCount()) })
	return m
}

// drop counts one drop for reason.
func (m *hubMetrics) drop(r DropReason) { m.drops[r].Inc() }

// Drops returns how many times the hub dropped something for reason.
func (h *Hub) Drops(r DropReason) uint64 {
	c := h.metrics.drops[r]
	if c == nil {
		return 0
	}
	return c.Get()
}

// WriteMetrics writes the hub's counters in the Prometheus text format.
func (h *Hub) WriteMetrics(w io.Writer) { h.metrics.set.WritePrometheus(w) }

// handleMetrics serves GET /metrics. Counters tell who is connected and how
// often, which is the operator's business: like making a session, it needs
// the hub's own machine or the admin token.
func (h *Hub) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if !h.mayAdminister(r) {
		httpreply.Refuse(w, http.StatusForbidden, "metrics can be read only from the hub's own machine, not through a proxy, or with the hub's admin token")
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	h.WriteMetrics(w)
}

func (h *Hub) connCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}
