// Package wire is the hub wire: the frames a participant's proxy and the hub
// exchange (one JSON [Frame] per websocket message, see docs/protocol.md),
// and the join links that name a session on a hub. Both ends import it;
// it knows neither the hub's policy nor LSP.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Frame types of the hub wire. Client-local types never travel on the wire:
// a [Client] puts them on its Events channel to report its connection.
const (
	TypeHello   = "hello"   // client → hub: first frame of every connection
	TypeNav     = "nav"     // both ways: a move
	TypeFollow  = "follow"  // client → hub: follow state
	TypeDrive   = "drive"   // client → hub: take the wheel
	TypePass    = "pass"    // client → hub: pass the wheel
	TypeLocate  = "locate"  // client → hub: where is someone?
	TypeAsk     = "ask"     // both ways: a question for another participant
	TypeAnswer  = "answer"  // both ways: the answer to an ask
	TypeWelcome = "welcome" // hub → client: reply to hello
	TypeState   = "state"   // hub → client: membership, roles, wheel, follow
	TypeLocated = "located" // hub → client: reply to locate
	TypeError   = "error"   // hub → client: a refused frame
	TypeAck     = "ack"     // hub → client: the sender's moves up to num are stored

	TypeConnected    = "connected"    // client-local: welcomed by the hub
	TypeDisconnected = "disconnected" // client-local: connection lost, retrying
	TypeRefused      = "refused"      // client-local: the hub refused the link; no retry
)

// Navigation kinds of a nav frame.
const (
	KindJump   = "jump"   // went to a definition (or similar)
	KindOpen   = "open"   // opened a file
	KindCursor = "cursor" // moved the cursor; not numbered, coalesced
)

// Roles a join key grants.
const (
	RoleDrive  = "drive"  // may navigate for everyone and take the wheel
	RoleAttend = "attend" // follows, asks read-only questions
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

	Wheel        string        `json:"wheel,omitempty"`
	Participants []Participant `json:"participants,omitempty"`
	Viewers      int           `json:"viewers,omitempty"` // web pages watching the session

	Ref        string          `json:"ref,omitempty"`
	Method     string          `json:"method,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"`
	DeadlineMS int64           `json:"deadline_ms,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	Message    string          `json:"message,omitempty"`
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
}

// wireTypes are the frame types that may travel on the wire.
var wireTypes = map[string]bool{
	TypeHello: true, TypeNav: true, TypeFollow: true, TypeDrive: true,
	TypePass: true, TypeLocate: true, TypeAsk: true, TypeAnswer: true,
	TypeWelcome: true, TypeState: true, TypeLocated: true, TypeError: true,
	TypeAck: true,
}

// DecodeFrame parses one websocket message into a Frame. It fails on
// anything that is not a JSON object with a known wire type.
func DecodeFrame(data []byte) (Frame, error) {
	var f Frame
	if err := json.Unmarshal(data, &f); err != nil {
		return Frame{}, fmt.Errorf("bad frame: %w", err)
	}
	if f.Type == "" {
		return Frame{}, errors.New("bad frame: no type")
	}
	if !wireTypes[f.Type] {
		return Frame{}, fmt.Errorf("bad frame: unknown type %.40q", f.Type)
	}
	return f, nil
}

// Encode marshals a frame for the wire. Frames built from decoded input hold
// only valid JSON, so an error here is a bug worth logging, not a panic.
//
// Result, the one field that may be large (a chunk of a file is 700 KB of
// base64), is spliced in as it is: encoding/json would scan and copy it once
// more at each hop, and it is valid already, having been decoded from the
// wire or made by json.Marshal.
func Encode(f Frame) ([]byte, error) {
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

// AnswerError is a question's failure (an answer frame's error) as told by the hub or the asked
// participant, for the user.
type AnswerError struct {
	Message string
}

func (e *AnswerError) Error() string { return e.Message }
