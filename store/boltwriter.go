package store

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/lspshare/lspshare/wire"
)

// maxUnwritten bounds, in bytes of JSON, the writes a BoltStore holds that
// are not on disk yet: some 25 000 jumps of a few hundred bytes, or minutes
// of a busy hub, but only eight of the largest frames a driver may send.
const maxUnwritten = 8 << 20

// commitGap is the least time from the start of one commit to the start
// of the next. A commit (bbolt syncs twice) costs 0.5 to 1.3 ms of CPU on
// the project's machine, two thirds of it in the kernel, and fan-out
// competes for that CPU: pacing commits makes a burst of jumps, or many busy
// sessions, share each one, and bounds the hub's commits to 100 a second
// whatever the load. A store that was idle commits at once.
const commitGap = 10 * time.Millisecond

// write is one queued write to a session: a trail entry or a participant
// record, with its JSON.
type write struct {
	session string
	entry   *TrailEntry        // a trail entry, or
	member  *ParticipantRecord // a participant's record, or
	note    *wire.Note         // a note
	data    []byte
	stored  func(error) // may be nil
}

// queue accepts writes for the writer goroutine. It never waits for the
// disk: the hub calls it with a session's lock held, and a lock held for an
// fsync stalls every frame of the session. When too much is waiting it
// refuses (ErrStoreBehind) instead of blocking. Blocking the caller would
// stall the session; pausing the sender's socket instead would also stall
// its answers to everyone's questions (the navigator answers them). A
// refused jump is neither numbered nor fanned out, and its sender is told:
// the same contract as a jump not acknowledged, which a proxy that keeps
// unacknowledged jumps sends again.
func (b *BoltStore) queue(w write) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return ErrStoreClosed
	case b.unwrittenBytes+len(w.data) > b.maxUnwritten:
		return ErrStoreBehind
	}
	b.queued = append(b.queued, w)
	b.unwrittenBytes += len(w.data)
	b.work.Signal()
	return nil
}

func (b *BoltStore) AppendTrail(session string, e TrailEntry, stored func(error)) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("trail entry %d: %w", e.Seq, err)
	}
	return b.queue(write{session: session, entry: &e, data: data, stored: stored})
}

func (b *BoltStore) SaveParticipant(session string, m ParticipantRecord, stored func(error)) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("participant %s: %w", m.Name, err)
	}
	return b.queue(write{session: session, member: &m, data: data, stored: stored})
}

// writeLoop is the store's writer goroutine, started by OpenBoltStore and
// stopped by Close once everything queued is written. It takes everything
// queued so far as one batch and commits it in one transaction: one commit
// for all the jumps and joins that arrived since the previous one began.
func (b *BoltStore) writeLoop() {
	defer close(b.stopped)
	for {
		batch, ok := b.take()
		if !ok {
			return
		}
		began := time.Now()
		var failed []error // of each write, when the transaction commits
		err := b.db.Update(func(tx *bolt.Tx) error {
			var err error
			failed, err = apply(tx, batch)
			return err
		})
		if err == nil {
			b.commits.Add(1)
		}
		b.finish(batch, failed, err)
		b.pause(began.Add(commitGap))
	}
}

// pause waits until t, or until the store closes.
func (b *BoltStore) pause(t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-b.closing:
	}
}

// take waits for writes and moves them from queued to writing; it returns
// false once the store is closed and nothing is left.
func (b *BoltStore) take() ([]write, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queued) == 0 && !b.closed {
		b.work.Wait()
	}
	if len(b.queued) == 0 {
		return nil, false
	}
	b.writing, b.queued = b.queued, nil
	b.taken++
	return b.writing, true
}

// apply makes batch's writes in tx. A write to a session that is gone
// fails alone (its error in failed); any other error fails the batch.
func apply(tx *bolt.Tx, batch []write) (failed []error, err error) {
	failed = make([]error, len(batch))
	for i, w := range batch {
		s, err := sessionBucket(tx, w.session)
		if err != nil {
			failed[i] = err
			continue
		}
		switch {
		case w.entry != nil:
			err = putEntry(s, w.entry, w.data)
		case w.note != nil:
			err = putNote(s, w.note.ID, w.data)
		default:
			err = putMember(s, w.member.Name, w.data)
		}
		if err != nil {
			return nil, fmt.Errorf("session %s: %w", w.session, err)
		}
	}
	return failed, nil
}

// putEntry stores a trail entry and, in the same transaction, raises its
// sender's LastNum.
func putEntry(s *bolt.Bucket, e *TrailEntry, data []byte) error {
	if err := s.Bucket(bucketTrail).Put(seqKey(e.Seq), data); err != nil {
		return err
	}
	if e.SenderNum == 0 {
		return nil
	}
	key := s.Bucket(bucketNames).Get([]byte(e.By))
	if key == nil {
		return nil
	}
	members := s.Bucket(bucketMembers)
	var rec ParticipantRecord
	if err := json.Unmarshal(members.Get(key), &rec); err != nil {
		return fmt.Errorf("participant %s: %w", e.By, err)
	}
	if !rec.raise(*e) {
		return nil
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("participant %s: %w", e.By, err)
	}
	return members.Put(key, data)
}

// finish forgets a written batch, wakes flush, and tells each write's
// caller how it went, in the order they were queued. err, if not nil,
// failed the whole batch.
func (b *BoltStore) finish(batch []write, failed []error, err error) {
	b.mu.Lock()
	b.writing = nil
	for _, w := range batch {
		b.unwrittenBytes -= len(w.data)
	}
	b.finished++
	b.progress.Broadcast()
	b.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("store: %w", err)
	}
	for i, w := range batch {
		if w.stored == nil {
			continue
		}
		if err == nil {
			w.stored(failed[i])
		} else {
			w.stored(err)
		}
	}
}

// flush waits until every write queued before it was called is written.
func (b *BoltStore) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	target := b.taken
	if len(b.queued) > 0 {
		target++
	}
	for b.finished < target {
		b.progress.Wait()
	}
}

// unwritten returns the writes to a session that are not on disk yet, in
// the order they were queued. A write may be on disk already by the time a
// caller reads the disk: readers keep the copy here over the disk's.
func (b *BoltStore) unwritten(session string) []write {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []write
	for _, list := range [][]write{b.writing, b.queued} {
		for _, w := range list {
			if w.session == session {
				out = append(out, w)
			}
		}
	}
	return out
}

// writer is the part of a BoltStore that its writer goroutine shares with
// the callers: the queue and what is being written.
type writer struct {
	mu             sync.Mutex // guards the fields below
	work           *sync.Cond // signalled when queued grows or the store closes
	progress       *sync.Cond // broadcast when a batch is finished
	queued         []write    // accepted, not taken yet
	writing        []write    // the batch being written
	unwrittenBytes int        // JSON in queued and writing
	maxUnwritten   int        // bound on unwrittenBytes: maxUnwritten, lowered by tests
	taken          uint64     // batches taken by the writer
	finished       uint64     // batches finished
	closed         bool
	closing        chan struct{} // closed by Close, to end a pause
	stopped        chan struct{} // closed when writeLoop returns

	commits atomic.Uint64 // transactions committed, for tests and benchmarks
}

func (b *BoltStore) startWriter() {
	b.work = sync.NewCond(&b.mu)
	b.progress = sync.NewCond(&b.mu)
	b.maxUnwritten = maxUnwritten
	b.closing = make(chan struct{})
	b.stopped = make(chan struct{})
	go b.writeLoop()
}

// Close writes everything queued, stops the writer and closes the
// database; the store is unusable afterwards.
func (b *BoltStore) Close() error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.closing)
		b.work.Signal()
	}
	b.mu.Unlock()
	<-b.stopped
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
