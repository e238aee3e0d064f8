package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltFile is the name of a BoltStore's database in its data directory.
const BoltFile = "hub.db"

// ErrNoSession is returned when a store has no session of that name.
var ErrNoSession = errors.New("no such session")

// ErrStoreBusy is returned by OpenBoltStore when another process (a running
// hub) has the store open.
var ErrStoreBusy = errors.New("in use by another process (a running lspshare hub?)")

// Bucket and key names of a BoltStore. Each session is a bucket under
// "sessions" holding its record, its trail (keyed by big-endian seq) and its
// participants (keyed by the order they first joined, with an index by
// name).
var (
	bucketSessions = []byte("sessions")
	keyRecord      = []byte("record")
	bucketTrail    = []byte("trail")
	bucketMembers  = []byte("members")
	bucketNames    = []byte("member-names")
)

// BoltStore is a Store on disk (a bbolt database). Writes to sessions are
// queued for its writer goroutine, which commits (and syncs) each batch of
// them in one transaction; reads see queued writes at once. A hub killed at
// any moment leaves a readable store holding every write whose stored
// callback was called, each trail a whole prefix of what was appended.
type BoltStore struct {
	db *bolt.DB
	writer
}

var _ Store = (*BoltStore)(nil)

// OpenBoltStore opens (creating if needed) the store in dir, which it
// creates private to this user, and starts its writer goroutine: Close the
// store to write what is queued and stop it. Only one process may have it
// open: another gets ErrStoreBusy after a second.
func OpenBoltStore(dir string) (*BoltStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, BoltFile)
	// The freelist is not written at each commit (as etcd does): a commit
	// then costs less of the CPU fan-out needs, and Open rebuilds the
	// freelist by scanning, which for a hub's store is quick. What is
	// committed is as durable either way.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store %s: %w", path, ErrStoreBusy)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketSessions)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	b := &BoltStore{db: db}
	b.startWriter()
	return b, nil
}

// sessionBucket returns the bucket of a session, or ErrNoSession.
func sessionBucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	s := tx.Bucket(bucketSessions).Bucket([]byte(name))
	if s == nil {
		return nil, fmt.Errorf("session %s: %w", name, ErrNoSession)
	}
	return s, nil
}

func (b *BoltStore) CreateSession(rec SessionRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketSessions)
		if all.Bucket([]byte(rec.Name)) != nil {
			return ErrSessionExists
		}
		s, err := all.CreateBucket([]byte(rec.Name))
		if err != nil {
			return fmt.Errorf("session %s: %w", rec.Name, err)
		}
		for _, name := range [][]byte{bucketTrail, bucketMembers, bucketNames} {
			if _, err := s.CreateBucket(name); err != nil {
				return fmt.Errorf("session %s: %w", rec.Name, err)
			}
		}
		return s.Put(keyRecord, data)
	})
}

func (b *BoltStore) Session(name string) (rec SessionRecord, ok bool, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		s := tx.Bucket(bucketSessions).Bucket([]byte(name))
		if s == nil {
			return nil
		}
		ok = true
		return decodeRecord(name, s, &rec)
	})
	return rec, ok, err
}

func decodeRecord(name string, s *bolt.Bucket, rec *SessionRecord) error {
	if err := json.Unmarshal(s.Get(keyRecord), rec); err != nil {
		return fmt.Errorf("session %s: record: %w", name, err)
	}
	return nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func (b *BoltStore) Trail(session string, after uint64, limit int) ([]TrailEntry, error) {
	queued := queuedTrail(b.unwritten(session), after)
	if len(queued) >= limit {
		return queued[len(queued)-limit:], nil
	}
	var below uint64 = math.MaxUint64 // entries from here on are in queued
	if len(queued) > 0 {
		below = queued[0].Seq
	}
	out, err := b.storedTrail(session, after, below, limit-len(queued))
	return append(out, queued...), err
}

// queuedTrail returns the trail entries among writes with Seq > after.
func queuedTrail(writes []write, after uint64) []TrailEntry {
	var out []TrailEntry
	for _, w := range writes {
		if w.entry != nil && w.entry.Seq > after {
			out = append(out, *w.entry)
		}
	}
	return out
}

// storedTrail returns the newest limit entries on disk with after < Seq <
// below, oldest first.
func (b *BoltStore) storedTrail(session string, after, below uint64, limit int) ([]TrailEntry, error) {
	var out []TrailEntry
	err := b.db.View(func(tx *bolt.Tx) error {
		s := tx.Bucket(bucketSessions).Bucket([]byte(session))
		if s == nil {
			return nil
		}
		c := s.Bucket(bucketTrail).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			if len(k) != 8 || binary.BigEndian.Uint64(k) <= after {
				break
			}
			if binary.BigEndian.Uint64(k) >= below {
				continue // written since unwritten was called
			}
			var e TrailEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("session %s: trail entry %x: %w", session, k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	slices.Reverse(out)
	return out, err
}

func (b *BoltStore) LastSeq(session string) (seq uint64, err error) {
	if queued := queuedTrail(b.unwritten(session), 0); len(queued) > 0 {
		return queued[len(queued)-1].Seq, nil
	}
	err = b.db.View(func(tx *bolt.Tx) error {
		s := tx.Bucket(bucketSessions).Bucket([]byte(session))
		if s == nil {
			return nil
		}
		if k, _ := s.Bucket(bucketTrail).Cursor().Last(); len(k) == 8 {
			seq = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return seq, err
}

// putMember stores a participant's record (JSON) under the key it got when
// its name was first stored.
func putMember(s *bolt.Bucket, name string, data []byte) error {
	members, names := s.Bucket(bucketMembers), s.Bucket(bucketNames)
	key := names.Get([]byte(name))
	if key == nil {
		n, err := members.NextSequence()
		if err != nil {
			return err
		}
		key = seqKey(n)
		if err := names.Put([]byte(name), key); err != nil {
			return err
		}
	}
	return members.Put(key, data)
}

func (b *BoltStore) Participants(session string) ([]ParticipantRecord, error) {
	queued := b.unwritten(session)
	out, err := b.storedMembers(session)
	for _, w := range queued {
		if w.member != nil {
			out = withMember(out, *w.member)
		}
	}
	return out, err
}

func (b *BoltStore) storedMembers(session string) ([]ParticipantRecord, error) {
	var out []ParticipantRecord
	err := b.db.View(func(tx *bolt.Tx) error {
		s := tx.Bucket(bucketSessions).Bucket([]byte(session))
		if s == nil {
			return nil
		}
		return s.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m ParticipantRecord
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("session %s: participant %x: %w", session, k, err)
			}
			out = append(out, m)
			return nil
		})
	})
	return out, err
}

// SessionInfo summarises// SessionInfo summarises a stored session for listings.
type SessionInfo struct {
	SessionRecord
	Moves    uint64    // numbered moves in the trail
	LastMove time.Time // zero if none
	People   int       // participants ever joined
}

// Sessions lists the stored sessions by name, once the writes queued
// before the call are on disk.
func (b *BoltStore) Sessions() ([]SessionInfo, error) {
	b.flush()
	var out []SessionInfo
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEachBucket(func(k []byte) error {
			s := tx.Bucket(bucketSessions).Bucket(k)
			var info SessionInfo
			if err := decodeRecord(string(k), s, &info.SessionRecord); err != nil {
				return err
			}
			info.People = s.Bucket(bucketNames).Stats().KeyN
			if k, v := s.Bucket(bucketTrail).Cursor().Last(); len(k) == 8 {
				var e TrailEntry
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("session %s: trail entry %x: %w", info.Name, k, err)
				}
				info.Moves, info.LastMove = e.Seq, e.At
			}
			out = append(out, info)
			return nil
		})
	})
	return out, err
}

// DeleteSession removes a session with its trail and participants, once
// the writes queued before the call are on disk.
func (b *BoltStore) DeleteSession(name string) error {
	b.flush()
	return b.db.Update(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketSessions).DeleteBucket([]byte(name))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return fmt.Errorf("session %s: %w", name, ErrNoSession)
		}
		return err
	})
}
