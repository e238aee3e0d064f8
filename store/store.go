// Package store keeps a hub's sessions on disk: their records (names, key
// hashes), their trails and their participants, in bbolt (BoltStore) or in
// memory (MemStore). Writes are queued and committed in groups by one
// writer, so the hub never waits for the disk.
package store

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// ErrSessionExists is returned when creating a session whose name is taken.
var ErrSessionExists = errors.New("session exists")

// SessionRecord is what a hub must remember about a session across restarts.
// It holds the keys' hashes only: a copy of the store lets nobody join.
type SessionRecord struct {
	Name       string    `json:"name"`
	DriveHash  KeyHash   `json:"drive_hash"`
	AttendHash KeyHash   `json:"attend_hash"`
	Created    time.Time `json:"created"`
}

// RoleOf returns the role key grants in the session, or "" if it grants
// none.
func (rec SessionRecord) RoleOf(key string) string {
	// Compare with both hashes, always, so timing tells nothing.
	h := HashKey(key)
	drive := subtle.ConstantTimeCompare(h[:], rec.DriveHash[:]) == 1
	attend := subtle.ConstantTimeCompare(h[:], rec.AttendHash[:]) == 1
	switch {
	case key == "":
		return ""
	case drive:
		return wire.RoleDrive
	case attend:
		return wire.RoleAttend
	}
	return ""
}

// KeyHash is the SHA-256 of a join key. Keys are 192 random bits, so a
// plain hash is as hard to reverse as the key is to guess.
type KeyHash [sha256.Size]byte

// HashKey returns the hash a store keeps of key.
func HashKey(key string) KeyHash { return sha256.Sum256([]byte(key)) }

func (h KeyHash) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(h[:])), nil
}

func (h *KeyHash) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(h) {
		return fmt.Errorf("key hash: %d hex digits, want %d", len(b), 2*len(h))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// ParticipantRecord is what a hub remembers of a participant, so that a restart
// keeps the participant list, the wheel, and who walked where with which
// checkout (for notes).
type ParticipantRecord struct {
	ID     string     `json:"id"` // the proxy's random id, to recognise it reconnecting
	Name   string     `json:"name"`
	Role   string     `json:"role"`
	Repo   *wire.Repo `json:"repo,omitempty"`
	Wheel  bool       `json:"wheel,omitempty"`
	Hand   time.Time  `json:"hand,omitzero"` // when the hand went up; zero while down
	Joined time.Time  `json:"joined"`
	Left   time.Time  `json:"left,omitzero"` // zero while connected
	// LastNum is the newest of the participant's own move numbers the hub
	// has taken (wire.Frame.Num): a move sent again with a number up to it
	// is one the hub has. A stored trail entry raises it in the same
	// transaction, so that a hub killed at any moment neither loses a move
	// nor keeps one twice.
	LastNum uint64 `json:"last_num,omitempty"`
}

// raise takes e's sender number as rec's LastNum if e is rec's and newer;
// it reports whether rec changed.
func (rec *ParticipantRecord) raise(e TrailEntry) bool {
	if e.SenderNum <= rec.LastNum || e.SenderID != rec.ID || e.By != rec.Name {
		return false
	}
	rec.LastNum = e.SenderNum
	return true
}

// TrailEntry is one numbered move of the navigator.
type TrailEntry struct {
	Seq    uint64          `json:"seq"`
	By     string          `json:"by"`
	Kind   string          `json:"kind"`
	To     json.RawMessage `json:"to"`
	From   json.RawMessage `json:"from,omitempty"`
	Symbol string          `json:"symbol,omitempty"`
	At     time.Time       `json:"at"`
	// SenderID and SenderNum are the sending proxy's id and its own number
	// of the move: storing the entry raises that participant's LastNum.
	// The id is never shown to anyone.
	SenderID  string `json:"sender_id,omitempty"`
	SenderNum uint64 `json:"sender_num,omitempty"`
}

// Store keeps sessions and their trails. The hub calls it with a session's
// lock held, so no call may wait for the disk: writes to a session
// (AppendTrail, SaveMember) are queued and return at once, and reads see
// them at once, whether they are on disk yet or not.
type Store interface {
	// CreateSession records a new session, or returns ErrSessionExists.
	// The record is durable when it returns.
	CreateSession(rec SessionRecord) error
	// Session returns the record of the named session; ok is false if
	// there is none.
	Session(name string) (rec SessionRecord, ok bool, err error)
	// AppendTrail queues e (whose Seq is one more than the last) for a
	// trail. A returned error (ErrStoreBehind, ErrStoreClosed) means e was
	// refused and stored is never called. Otherwise stored, if not nil, is
	// called exactly once, with nil when e is durable or with the reason it
	// could not be stored; it may be called before AppendTrail returns and
	// must not block. Entries reach the disk in the order they were queued.
	AppendTrail(session string, e TrailEntry, stored func(error)) error
	// Trail returns the entries with Seq > after, oldest first, at most
	// limit of them (the newest ones).
	Trail(session string, after uint64, limit int) ([]TrailEntry, error)
	// LastSeq returns the Seq of a trail's newest entry, 0 if empty.
	LastSeq(session string) (uint64, error)
	// SaveParticipant queues a participant's record, replacing the record of
	// the same name, like AppendTrail queues a trail entry.
	SaveParticipant(session string, m ParticipantRecord, stored func(error)) error
	// Participants returns a session's participant records in order of joining.
	Participants(session string) ([]ParticipantRecord, error)
	// SaveNote queues a note, replacing the note of the same ID, like
	// AppendTrail queues a trail entry.
	SaveNote(session string, n wire.Note, stored func(error)) error
	// Notes returns a session's notes by ID.
	Notes(session string) ([]wire.Note, error)
}

// ErrStoreBehind is returned by a store's writes when more is waiting for
// the disk than the store will hold.
var ErrStoreBehind = errors.New("the store's disk is behind: too many writes waiting")

// ErrStoreClosed is returned by a store's writes once it is closed.
var ErrStoreClosed = errors.New("the store is closed")

// MemStore is a Store in memory, keeping the newest MaxTrail entries of each
// trail. Two hubs given the same MemStore share their sessions, which is how
// tests restart a hub.
type MemStore struct {
	MaxTrail int // 0 means 10000

	mu       sync.Mutex // guards the maps below
	sessions map[string]SessionRecord
	trails   map[string]*ring
	members  map[string][]ParticipantRecord
	notes    map[string][]wire.Note
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{sessions: map[string]SessionRecord{}, trails: map[string]*ring{}, members: map[string][]ParticipantRecord{}, notes: map[string][]wire.Note{}}
}

func (m *MemStore) CreateSession(rec SessionRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[rec.Name]; ok {
		return ErrSessionExists
	}
	m.sessions[rec.Name] = rec
	return nil
}

func (m *MemStore) Session(name string) (SessionRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.sessions[name]
	return rec, ok, nil
}

// AppendTrail stores e at once: memory is as durable as a MemStore gets.
func (m *MemStore) AppendTrail(session string, e TrailEntry, stored func(error)) error {
	m.appendTrail(session, e)
	done(stored)
	return nil
}

// done tells a caller of a MemStore write that it is stored.
func done(stored func(error)) {
	if stored != nil {
		stored(nil)
	}
}

func (m *MemStore) appendTrail(session string, e TrailEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.trails[session]
	if r == nil {
		max := m.MaxTrail
		if max <= 0 {
			max = 10000
		}
		r = &ring{max: max}
		m.trails[session] = r
	}
	r.push(e)
	for i := range m.members[session] {
		m.members[session][i].raise(e)
	}
}

func (m *MemStore) Trail(session string, after uint64, limit int) ([]TrailEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.trails[session]
	if r == nil {
		return nil, nil
	}
	n := len(r.entries)
	i := n // index (oldest first) of the first entry to return
	for i > 0 && r.at(i-1).Seq > after && n-i < limit {
		i--
	}
	out := make([]TrailEntry, 0, n-i)
	for ; i < n; i++ {
		out = append(out, r.at(i))
	}
	return out, nil
}

func (m *MemStore) LastSeq(session string) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.trails[session]
	if r == nil || len(r.entries) == 0 {
		return 0, nil
	}
	return r.at(len(r.entries) - 1).Seq, nil
}

func (m *MemStore) SaveParticipant(session string, rec ParticipantRecord, stored func(error)) error {
	m.mu.Lock()
	m.members[session] = withMember(m.members[session], rec)
	m.mu.Unlock()
	done(stored)
	return nil
}

// withMember returns list with rec in place of the record of the same name,
// or added at the end.
func withMember(list []ParticipantRecord, rec ParticipantRecord) []ParticipantRecord {
	for i := range list {
		if list[i].Name == rec.Name {
			list[i] = rec
			return list
		}
	}
	return append(list, rec)
}

func (m *MemStore) Participants(session string) ([]ParticipantRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.members[session]), nil
}

// ring holds the newest max trail entries; once full, each push overwrites
// the oldest.
type ring struct {
	max     int
	entries []TrailEntry
	start   int // index of the oldest entry once full
}

func (r *ring) push(e TrailEntry) {
	if len(r.entries) < r.max {
		r.entries = append(r.entries, e)
		return
	}
	r.entries[r.start] = e
	r.start = (r.start + 1) % r.max
}

// at returns the i-th entry, oldest first.
func (r *ring) at(i int) TrailEntry {
	return r.entries[(r.start+i)%len(r.entries)]
}
