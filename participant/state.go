package participant

import (
	"time"

	"github.com/lspshare/lspshare/wire"
	"go.lsp.dev/protocol"
)

// StateMethod is the notification that carries State to the editor.
const StateMethod = "$/lspshare/state"

// State is what the editor shows of the session: the payload of
// $/lspshare/state and the answer of every lspshare.* command.
type State struct {
	Session   string `json:"session"`
	Hub       string `json:"hub,omitempty"`
	Connected bool   `json:"connected"`
	// Reconnecting is set while the hub connection is down after it was
	// up: before the first connection, editors say "connecting".
	Reconnecting bool   `json:"reconnecting"`
	You          string `json:"you,omitempty"`
	Role         string `json:"role,omitempty"`
	Following    bool   `json:"following"`
	// Paused is set when following stopped because this participant
	// navigated on their own.
	Paused       bool      `json:"paused"`
	Navigator    string    `json:"wheel,omitempty"`
	Followers    int       `json:"followers"`
	Answers      string    `json:"answers"`
	Participants []Entry   `json:"participants"`
	Hands        int       `json:"hands"` // raised hands, the navigator's "✋ 2"
	Mismatch     *Mismatch `json:"mismatch,omitempty"`
	Error        string    `json:"error,omitempty"`
}

// Entry is one participant as the editor shows it.
type Entry struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Navigator bool   `json:"wheel"`
	Following bool   `json:"following"`
	Connected bool   `json:"connected"`
	// Hand is when the participant raised a hand; zero while it is down.
	Hand time.Time `json:"hand,omitzero"`
	// Place is where the participant last moved, in this editor's own
	// files; nil when unknown or not on this machine.
	Place *protocol.Location `json:"place,omitempty"`
}

// Mismatch names the two commits when this checkout differs from the wheel
// holder's.
type Mismatch struct {
	Yours     string `json:"yours"`
	Navigator string `json:"wheel"`
}

// applyHubState copies a hub state frame into s.
func (s *State) applyHubState(f wire.Frame, mine *wire.Repo) {
	s.Navigator = f.Navigator
	s.Participants = s.Participants[:0]
	s.Followers, s.Hands = 0, 0
	s.Mismatch = nil
	for _, p := range f.Participants {
		navigator := p.Name == f.Navigator
		s.Participants = append(s.Participants, Entry{
			Name: p.Name, Role: p.Role, Navigator: navigator, Following: p.Following, Connected: p.Connected, Hand: p.Hand,
		})
		if !p.Hand.IsZero() {
			s.Hands++
		}
		if p.Following && p.Connected && !navigator {
			s.Followers++
		}
		if navigator && p.Name != s.You && mine != nil && p.Repo != nil &&
			mine.Commit != "" && p.Repo.Commit != "" && mine.Commit != p.Repo.Commit {
			s.Mismatch = &Mismatch{Yours: mine.Commit, Navigator: p.Repo.Commit}
		}
	}
}
