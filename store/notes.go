package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/lspshare/lspshare/wire"
)

// bucketNotes holds a session's notes keyed by big-endian ID. Sessions
// stored before notes existed get it with their first note.
var bucketNotes = []byte("notes")

func (m *MemStore) SaveNote(session string, n wire.Note, stored func(error)) error {
	m.mu.Lock()
	m.notes[session] = withNote(m.notes[session], n)
	m.mu.Unlock()
	done(stored)
	return nil
}

func (m *MemStore) Notes(session string) ([]wire.Note, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.notes[session]), nil
}

// withNote returns list (sorted by ID) with n in place of the note of the
// same ID, or inserted in order.
func withNote(list []wire.Note, n wire.Note) []wire.Note {
	i, found := slices.BinarySearchFunc(list, n.ID, func(e wire.Note, id uint64) int { return cmp.Compare(e.ID, id) })
	if found {
		list[i] = n
		return list
	}
	return slices.Insert(list, i, n)
}

func (b *BoltStore) SaveNote(session string, n wire.Note, stored func(error)) error {
	data, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("note %d: %w", n.ID, err)
	}
	return b.queue(write{session: session, note: &n, data: data, stored: stored})
}

func (b *BoltStore) Notes(session string) ([]wire.Note, error) {
	queued := b.unwritten(session)
	out, err := b.storedNotes(session)
	for _, w := range queued {
		if w.note != nil {
			out = withNote(out, *w.note)
		}
	}
	return out, err
}

func (b *BoltStore) storedNotes(session string) ([]wire.Note, error) {
	var out []wire.Note
	err := b.db.View(func(tx *bolt.Tx) error {
		s := tx.Bucket(bucketSessions).Bucket([]byte(session))
		if s == nil || s.Bucket(bucketNotes) == nil {
			return nil
		}
		return s.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
			var n wire.Note
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("session %s: note %x: %w", session, k, err)
			}
			out = append(out, n)
			return nil
		})
	})
	return out, err
}

// putNote stores a note's JSON under its ID.
func putNote(s *bolt.Bucket, id uint64, data []byte) error {
	notes, err := s.CreateBucketIfNotExists(bucketNotes)
	if err != nil {
		return err
	}
	return notes.Put(seqKey(id), data)
}
