// Package wire is the hub wire: the frames a participant's proxy and the hub
// exchange (one JSON [Frame] per websocket message, see docs/protocol.md),
// and the join links that name a session on a hub. Both ends import it;
// it knows neither the hub's policy nor LSP.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Frame types. Who sends each is in [Types].
const (
	TypeHello   = "hello"   // first frame of every connection
	TypeNav     = "nav"     // a move
	TypeFollow  = "follow"  // follow state
	TypeDrive   = "drive"   // take the wheel
	TypePass    = "pass"    // pass the wheel
	TypeLocate  = "locate"  // where is someone?
	TypeAsk     = "ask"     // a remote request for another participant
	TypeAnswer  = "answer"  // the answer to an ask
	TypeWelcome = "welcome" // reply to hello
	TypeState   = "state"   // membership, roles, wheel, follow
	TypeLocated = "located" // reply to locate
	TypeError   = "error"   // a refused frame
	TypeHand    = "hand"    // raise or lower a hand
	TypeSummon  = "summon"  // the navigator brings everyone to its place
	TypeNote    = "note"    // post a note or question; the hub's copy of one that changed
	TypeReply   = "reply"   // reply to a note
	TypeResolve = "resolve" // mark a question resolved
	TypeAck     = "ack"     // the sender's moves up to num are stored

	TypeConnected    = "connected"    // welcomed by the hub
	TypeDisconnected = "disconnected" // connection lost, retrying
	TypeRefused      = "refused"      // the hub refused the link; no retry
)

// Sender says who may send a frame type.
type Sender uint8

const (
	// FromParticipant frames go from a participant's proxy to the hub.
	FromParticipant Sender = 1 << iota
	// FromHub frames go from the hub to participants.
	FromHub
	// Local frames are put on a hub connection's events by the connection
	// itself: news of the connection (those that never travel), or of this
	// person's other proxies on the same machine (package share).
	Local
)

// Types is every frame type and who sends it. It is the one list of frame
// kinds: DecodeFrame refuses what does not travel, the hub refuses what a
// participant may not send, and a test in each end checks it has a handler
// for every type it receives. A new kind of frame is an entry here and a
// handler at the end that receives it (hub: handlers in hub/session.go;
// participant: hubHandlers in participant/navigation.go).
var Types = map[string]Sender{
	TypeHello:   FromParticipant,
	TypeNav:     FromParticipant | FromHub,
	TypeFollow:  FromParticipant | Local, // Local: another proxy of this person chose
	TypeDrive:   FromParticipant,
	TypePass:    FromParticipant,
	TypeLocate:  FromParticipant,
	TypeAsk:     FromParticipant | FromHub,
	TypeAnswer:  FromParticipant | FromHub,
	TypeWelcome: FromHub,
	TypeState:   FromHub,
	TypeLocated: FromHub,
	TypeError:   FromHub,
	TypeAck:     FromHub,
	TypeHand:    FromParticipant,
	TypeSummon:  FromParticipant | FromHub,
	TypeNote:    FromParticipant | FromHub,
	TypeReply:   FromParticipant,
	TypeResolve: FromParticipant,

	TypeConnected:    Local,
	TypeDisconnected: Local,
	TypeRefused:      Local,
}

// Travels reports whether frames of type typ go over the wire.
func Travels(typ string) bool { return Types[typ]&(FromParticipant|FromHub) != 0 }

// Navigation kinds of a nav frame.
const (
	KindJump   = "jump"   // went to a definition (or similar)
	KindOpen   = "open"   // opened a file
	KindCursor = "cursor" // moved the cursor; not numbered, coalesced
)

// Roles a join key grants.
const (
	RoleDrive  = "drive"  // may navigate for everyone and take the wheel
	RoleAttend = "attend" // follows, sends read-only remote requests
)

// MaxFrameSize is the largest websocket message either side accepts.
const MaxFrameSize = 1 << 20

// Frame is one message of the hub wire: the union of every frame type's
// fields, each present only in the types that use it (see docs/protocol.md).
// Locations (To, From) are portable location JSON that the hub stores and
// forwards without looking inside.
type Frame struct {
	Type string `json:"type"`

	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Role      string `json:"role,omitempty"`
	Session   string `json:"session,omitempty"`
	Repo      *Repo  `json:"repo,omitempty"`
	Following bool   `json:"following,omitempty"`
	Raised    bool   `json:"raised,omitempty"` // hand: up (true) or down
	After     uint64 `json:"after,omitempty"`
	Seq       uint64 `json:"seq,omitempty"`
	// Num is the sender's own number of a jump or open (one more for each,
	// per proxy), by which the hub acknowledges it (ack) and drops one sent
	// again; in welcome and ack, the newest acknowledged.
	Num uint64 `json:"num,omitempty"`

	By     string          `json:"by,omitempty"`
	Kind   string          `json:"kind,omitempty"`
	To     json.RawMessage `json:"to,omitempty"`
	From   json.RawMessage `json:"from,omitempty"`
	Symbol string          `json:"symbol,omitempty"`
	Replay bool            `json:"replay,omitempty"`
	// Elsewhere marks a move that another of this person's proxies on this
	// machine shows (package share sets it; it never travels to or from
	// the hub): this one only notes where the navigator is.
	Elsewhere bool `json:"elsewhere,omitempty"`

	Navigator    string        `json:"wheel,omitempty"`
	Participants []Participant `json:"participants,omitempty"`
	Viewers      int           `json:"viewers,omitempty"` // web pages watching the session

	Ref        string          `json:"ref,omitempty"`
	Method     string          `json:"method,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"`
	DeadlineMS int64           `json:"deadline_ms,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	Message    string          `json:"message,omitempty"`

	Note *Note `json:"note,omitempty"` // note, reply, resolve

	// Chunk is an answer's file chunk: an answer frame with one is sent as
	// a binary message ([EncodeChunk]) instead of JSON, without Result or
	// Error.
	Chunk *Chunk `json:"-"`
}

// MaxNoteText bounds the text of a note or a reply, in bytes.
const MaxNoteText = 4 << 10

// Note is a note or question pinned to a place, numbered per session by the
// hub. A participant's note frame holds what it posts (To, Text, Question),
// a reply's or resolve's the ID (and the reply's Text); the hub's note frame
// holds the whole note as it is now.
type Note struct {
	ID       uint64          `json:"id,omitempty"`
	By       string          `json:"by,omitempty"`
	At       time.Time       `json:"at,omitzero"`
	To       json.RawMessage `json:"to,omitempty"` // portable location JSON
	Text     string          `json:"text,omitempty"`
	Question bool            `json:"question,omitempty"`
	Resolved bool            `json:"resolved,omitempty"`
	Replies  []Reply         `json:"replies,omitempty"`
}

// Reply is one reply to a note.
type Reply struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// Repo identifies a participant's checkout, so attendees can see when theirs
// differs from the navigator's.
type Repo struct {
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
	Remote string `json:"remote,omitempty"`
	// Go is the participant's Go version ("go1.26.8"), which keys the
	// standard library files others fetch from them.
	Go string `json:"go,omitempty"`
}

// Participant is one entry of a state frame's participant list.
type Participant struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Following bool   `json:"following"`
	Connected bool   `json:"connected"`
	Repo      *Repo  `json:"repo,omitempty"`
	// Hand is when the participant raised a hand; zero while it is down.
	Hand time.Time `json:"hand,omitzero"`
	// Place is where the participant last moved (portable location JSON).
	Place json.RawMessage `json:"place,omitempty"`
}

// DecodeFrame parses one websocket message into a Frame: a chunk message
// ([DecodeChunk]) or a JSON frame. It fails on anything that is not a JSON
// object with a known wire type.
func DecodeFrame(data []byte) (Frame, error) {
	if IsChunk(data) {
		return DecodeChunk(data)
	}
	var f Frame
	if err := json.Unmarshal(data, &f); err != nil {
		return Frame{}, fmt.Errorf("bad frame: %w", err)
	}
	if f.Type == "" {
		return Frame{}, errors.New("bad frame: no type")
	}
	if !Travels(f.Type) {
		return Frame{}, fmt.Errorf("bad frame: unknown type %.40q", f.Type)
	}
	return f, nil
}

// Encode marshals a frame for the wire: a chunk message for an answer with
// a Chunk, JSON otherwise ([IsChunk] tells which). Frames built from decoded
// input hold only valid JSON, so an error here is a bug worth logging, not a
// panic.
//
// Result, the one field that may be large (a references list), is spliced
// in as it is: encoding/json would scan and copy it once
// more at each hop, and it is valid already, having been decoded from the
// wire or made by json.Marshal.
func Encode(f Frame) ([]byte, error) {
	if f.Chunk != nil {
		if f.Type != TypeAnswer {
			return nil, fmt.Errorf("encode %s frame: only an answer carries a chunk", f.Type)
		}
		return EncodeChunk(f.Ref, *f.Chunk)
	}
	result := f.Result
	f.Result = nil
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode %s frame: %w", f.Type, err)
	}
	if len(result) == 0 {
		return b, nil
	}
	out := make([]byte, 0, len(b)+len(`,"result":`)+len(result))
	out = append(out, b[:len(b)-1]...) // all but the closing brace
	out = append(out, `,"result":`...)
	out = append(out, result...)
	return append(out, '}'), nil
}

// AnswerError is a remote request's failure (an answer frame's error) as told by the hub or the asked
// participant, for the user.
type AnswerError struct {
	Message string
}

func (e *AnswerError) Error() string { return e.Message }

// Unacked is moves, numbered moves oldest first, less those an ack of num
// covers.
func Unacked(moves []Frame, num uint64) []Frame {
	i := 0
	for i < len(moves) && moves[i].Num <= num {
		i++
	}
	return moves[i:]
}

// Numbered says whether f is a move its sender numbers (Num) and keeps
// until the hub acknowledges it: a jump or an open.
func Numbered(f Frame) bool {
	return f.Type == TypeNav && (f.Kind == KindJump || f.Kind == KindOpen)
}

// AskLSP is the method of an ask that carries a read-only LSP request of
// another participant's editor: params {"method", "params"}, with portable
// URIs (location.PortableURI); the result is the server's answer.
const AskLSP = "lsp"
