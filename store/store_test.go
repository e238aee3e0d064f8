package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// storeKinds runs a test against each Store implementation.
func storeKinds(t *testing.T, test func(t *testing.T, open func() Store)) {
	t.Run("mem", func(t *testing.T) {
		s := NewMemStore()
		test(t, func() Store { return s })
	})
	t.Run("bolt", func(t *testing.T) {
		dir := t.TempDir()
		var current *BoltStore
		t.Cleanup(func() {
			if current != nil {
				current.Close()
			}
		})
		// Each open closes the previous store: a restart.
		test(t, func() Store {
			if current != nil {
				if err := current.Close(); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if current, err = OpenBoltStore(dir); err != nil {
				t.Fatal(err)
			}
			return current
		})
	})
}

func TestStoreSessions(t *testing.T) {
	storeKinds(t, func(t *testing.T, open func() Store) {
		st := open()
		rec := SessionRecord{Name: "demo", DriveHash: HashKey("d"), AttendHash: HashKey("a"), Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		if err := st.CreateSession(rec); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(rec); !errors.Is(err, ErrSessionExists) {
			t.Fatalf("second create: %v, want ErrSessionExists", err)
		}
		st = open()
		got, ok, err := st.Session("demo")
		if err != nil || !ok || !reflect.DeepEqual(got, rec) {
			t.Fatalf("Session = %+v, %v, %v; want %+v", got, ok, err, rec)
		}
		if _, ok, err := st.Session("other"); ok || err != nil {
			t.Fatalf("Session(other) = %v, %v", ok, err)
		}
		if role := got.RoleOf("d"); role != wire.RoleDrive {
			t.Errorf("drive key grants %q", role)
		}
		if role := got.RoleOf("a"); role != wire.RoleAttend {
			t.Errorf("attend key grants %q", role)
		}
		for _, k := range []string{"", "x", "da"} {
			if role := got.RoleOf(k); role != "" {
				t.Errorf("key %q grants %q", k, role)
			}
		}
	})
}

func TestStoreTrail(t *testing.T) {
	storeKinds(t, func(t *testing.T, open func() Store) {
		st := open()
		if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
			t.Fatal(err)
		}
		if seq, err := st.LastSeq("demo"); seq != 0 || err != nil {
			t.Fatalf("LastSeq of an empty trail = %d, %v", seq, err)
		}
		for seq := uint64(1); seq <= 10; seq++ {
			e := TrailEntry{Seq: seq, By: "bob", Kind: wire.KindJump, To: loc("a.go", int(seq)), Symbol: fmt.Sprint("F", seq), At: time.Unix(int64(seq), 0).UTC()}
			if err := st.AppendTrail("demo", e, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Before a restart, reads see what was appended, on disk yet or not.
		if seq, err := st.LastSeq("demo"); seq != 10 || err != nil {
			t.Fatalf("LastSeq before reopening = %d, %v", seq, err)
		}
		if got, err := st.Trail("demo", 7, 2); len(got) != 2 || got[0].Seq != 9 || err != nil {
			t.Fatalf("Trail before reopening = %+v, %v", got, err)
		}
		st = open()
		if seq, err := st.LastSeq("demo"); seq != 10 || err != nil {
			t.Fatalf("LastSeq = %d, %v", seq, err)
		}
		for _, tc := range []struct {
			after      uint64
			limit      int
			first, num uint64
		}{
			{0, 100, 1, 10},
			{4, 100, 5, 6},
			{0, 3, 8, 3},
			{10, 5, 0, 0},
		} {
			got, err := st.Trail("demo", tc.after, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(len(got)) != tc.num || tc.num > 0 && (got[0].Seq != tc.first || got[0].Symbol != fmt.Sprint("F", tc.first)) {
				t.Errorf("Trail(after %d, limit %d) = %+v; want %d entries from %d", tc.after, tc.limit, got, tc.num, tc.first)
			}
		}
		if got, err := st.Trail("nothing", 0, 10); len(got) != 0 || err != nil {
			t.Errorf("Trail of no session = %v, %v", got, err)
		}
	})
}

func TestStoreMembers(t *testing.T) {
	storeKinds(t, func(t *testing.T, open func() Store) {
		st := open()
		if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
			t.Fatal(err)
		}
		bob := ParticipantRecord{ID: "1", Name: "bob", Role: wire.RoleDrive, Repo: &wire.Repo{Commit: "abc", Remote: "git@github.com:o/r.git"}, Wheel: true, Joined: time.Unix(1, 0).UTC()}
		ann := ParticipantRecord{ID: "2", Name: "ann", Role: wire.RoleAttend, Joined: time.Unix(2, 0).UTC()}
		for _, m := range []ParticipantRecord{bob, ann} {
			if err := st.SaveParticipant("demo", m, nil); err != nil {
				t.Fatal(err)
			}
		}
		bob.Left = time.Unix(3, 0).UTC()
		if err := st.SaveParticipant("demo", bob, nil); err != nil {
			t.Fatal(err)
		}
		want := []ParticipantRecord{bob, ann}
		for _, when := range []string{"before", "after"} {
			got, err := st.Participants("demo")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Members %s reopening = %+v; want %+v", when, got, want)
			}
			st = open()
		}
	})
}

func TestBoltStoreListDeleteAndLock(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := OpenBoltStore(dir); !errors.Is(err, ErrStoreBusy) {
		t.Fatalf("second open: %v, want ErrStoreBusy", err)
	}
	for _, name := range []string{"b", "a"} {
		if err := st.CreateSession(SessionRecord{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Unix(7, 0).UTC()
	// Sessions counts writes queued before it, whether on disk yet or not.
	st.AppendTrail("a", TrailEntry{Seq: 1, Kind: wire.KindJump, To: loc("x.go", 1), At: at}, nil)
	st.SaveParticipant("a", ParticipantRecord{Name: "bob"}, nil)
	list, err := st.Sessions()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "a" || list[0].Moves != 1 || !list[0].LastMove.Equal(at) || list[0].People != 1 || list[1].Name != "b" || list[1].Moves != 0 {
		t.Fatalf("Sessions = %+v", list)
	}
	if err := st.DeleteSession("a"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession("a"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("second delete: %v, want ErrNoSession", err)
	}
	stored := make(chan error, 1)
	if err := st.AppendTrail("a", TrailEntry{Seq: 2}, func(err error) { stored <- err }); err != nil {
		t.Fatalf("append to a deleted session refused: %v", err)
	}
	if err := <-stored; !errors.Is(err, ErrNoSession) {
		t.Fatalf("append to a deleted session: %v", err)
	}
	if _, ok, _ := st.Session("a"); ok {
		t.Fatal("deleted session still there")
	}
}

// openBolt opens the BoltStore in dir and closes it at cleanup.
func openBolt(t testing.TB, dir string) *BoltStore {
	t.Helper()
	st, err := OpenBoltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// createSessions creates sessions s0, s1, … in st and returns their names.
func createSessions(t testing.TB, st Store, n int) []string {
	t.Helper()
	var names []string
	for i := range n {
		name := fmt.Sprint("s", i)
		if err := st.CreateSession(SessionRecord{Name: name}); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// appendConcurrently appends jumps 1..n to each session, one goroutine per
// session (as each session's lock orders its appends), then records a
// participant, and returns once every call has returned. stored gets each
// entry's session index and seq from its stored callback.
func appendConcurrently(t *testing.T, st Store, names []string, n uint64, stored func(i int, seq uint64, err error)) {
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			for seq := uint64(1); seq <= n; seq++ {
				e := TrailEntry{Seq: seq, By: "bob", Kind: wire.KindJump, To: loc("a.go", int(seq)), Symbol: fmt.Sprint("F", seq), At: time.Unix(int64(seq), 0).UTC()}
				if err := st.AppendTrail(name, e, func(err error) { stored(i, seq, err) }); err != nil {
					t.Errorf("append %s %d: %v", name, seq, err)
				}
			}
			if err := st.SaveParticipant(name, ParticipantRecord{ID: "1", Name: "bob"}, nil); err != nil {
				t.Errorf("save member of %s: %v", name, err)
			}
		})
	}
	wg.Wait()
}

// checkTrails checks that each session holds jumps 1..n in order and bob.
func checkTrails(t *testing.T, st Store, names []string, n uint64) {
	t.Helper()
	for _, name := range names {
		trail, err := st.Trail(name, 0, math.MaxInt)
		if err != nil || uint64(len(trail)) != n {
			t.Fatalf("%s: trail of %d entries (%v), want %d", name, len(trail), err, n)
		}
		for i, e := range trail {
			if e.Seq != uint64(i+1) || e.Symbol != fmt.Sprint("F", i+1) {
				t.Fatalf("%s: trail entry %d is %+v", name, i, e)
			}
		}
		if seq, err := st.LastSeq(name); seq != n || err != nil {
			t.Fatalf("%s: LastSeq = %d, %v; want %d", name, seq, err, n)
		}
		if m, err := st.Participants(name); len(m) != 1 || m[0].Name != "bob" || err != nil {
			t.Fatalf("%s: members %+v, %v", name, m, err)
		}
	}
}

// Jumps appended while the disk cannot be written are read back from the
// queue, and reach the disk in at most two commits (the batch the writer
// took before it blocked, and all the rest): group commit, one fsync for
// many entries. The test's own write transaction holds bbolt's writer lock,
// which is what a slow fsync does to the store's writer.
func TestBoltStoreGroupCommit(t *testing.T) {
	dir := t.TempDir()
	st := openBolt(t, dir)
	const jumps = 100
	names := createSessions(t, st, 8)
	release := holdDisk(t, st)
	var mu sync.Mutex
	order := make([][]uint64, len(names)) // seqs in the order stored was called
	var stored sync.WaitGroup
	stored.Add(len(names) * jumps)
	appendConcurrently(t, st, names, jumps, func(i int, seq uint64, err error) {
		defer stored.Done()
		if err != nil {
			t.Errorf("%s %d not stored: %v", names[i], seq, err)
		}
		mu.Lock()
		order[i] = append(order[i], seq)
		mu.Unlock()
	})
	checkTrails(t, st, names, jumps) // from the queue: nothing is on disk
	if n := st.commits.Load(); n != 0 {
		t.Fatalf("%d commits while the disk was held", n)
	}
	release()
	stored.Wait()
	entries := len(names) * (jumps + 1)
	if n := st.commits.Load(); n > 2 {
		t.Errorf("%d writes took %d commits, want at most 2", entries, n)
	}
	for i, seqs := range order {
		for j, seq := range seqs {
			if seq != uint64(j+1) {
				t.Fatalf("%s: stored called for %v, out of order", names[i], seqs)
			}
		}
	}
	st.Close()
	checkTrails(t, openBolt(t, dir), names, jumps)
}

// Close writes everything queued before it returns, telling every caller;
// a restart then finds every entry, in order. Nothing waits for the disk
// between the appends and Close.
func TestBoltStoreCloseFlushes(t *testing.T) {
	dir := t.TempDir()
	st := openBolt(t, dir)
	const jumps = 200
	names := createSessions(t, st, 6)
	var stored atomic.Int64
	appendConcurrently(t, st, names, jumps, func(i int, seq uint64, err error) {
		if err != nil {
			t.Errorf("%s %d not stored: %v", names[i], seq, err)
		}
		stored.Add(1)
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if n, want := stored.Load(), int64(len(names)*jumps); n != want {
		t.Fatalf("after Close, %d of %d appends were told they are stored", n, want)
	}
	if err := st.AppendTrail(names[0], TrailEntry{Seq: jumps + 1}, nil); !errors.Is(err, ErrStoreClosed) {
		t.Errorf("append after Close: %v, want ErrStoreClosed", err)
	}
	t.Logf("%d writes in %d commits", len(names)*(jumps+1), st.commits.Load())
	checkTrails(t, openBolt(t, dir), names, jumps)
}

// When more is waiting for the disk than the store holds, writes are
// refused at once instead of blocking the caller; once the disk catches up
// they are taken again.
func TestBoltStoreBehind(t *testing.T) {
	st := openBolt(t, t.TempDir())
	st.maxUnwritten = 64 << 10
	if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	release := holdDisk(t, st)
	big := json.RawMessage(`{"pad":"` + strings.Repeat("x", 10000) + `"}`)
	var stored sync.WaitGroup
	seq := uint64(1)
	for ; ; seq++ {
		stored.Add(1)
		err := st.AppendTrail("demo", TrailEntry{Seq: seq, To: big}, func(error) { stored.Done() })
		if errors.Is(err, ErrStoreBehind) {
			stored.Done()
			break
		}
		if err != nil || seq > uint64(st.maxUnwritten/len(big)) {
			t.Fatalf("append %d of %d bytes: %v", seq, len(big), err)
		}
	}
	if last, _ := st.LastSeq("demo"); last != seq-1 {
		t.Errorf("LastSeq = %d after %d was refused", last, seq)
	}
	release()
	stored.Wait()
	if err := st.AppendTrail("demo", TrailEntry{Seq: seq, To: big}, nil); err != nil {
		t.Fatalf("append once the disk caught up: %v", err)
	}
	if trail, err := st.Trail("demo", 0, math.MaxInt); len(trail) != int(seq) || err != nil {
		t.Fatalf("trail of %d entries (%v), want %d", len(trail), err, seq)
	}
}

// BenchmarkBoltAppendTrail measures storing jumps: each alone on an idle
// store, waiting until it is on disk (its durability latency: one commit and
// its fsyncs), and queued back to back, as a busy hub does, where commits
// are shared (jumps/commit).
func BenchmarkBoltAppendTrail(b *testing.B) {
	for _, idle := range []bool{true, false} {
		b.Run(fmt.Sprintf("idle=%v", idle), func(b *testing.B) {
			st := openBolt(b, b.TempDir())
			if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
				b.Fatal(err)
			}
			to := loc("pkg/file.go", 120)
			failed := func(err error) {
				if err != nil {
					b.Error(err)
				}
			}
			var seq uint64
			for b.Loop() {
				if idle { // past the previous commit's gap
					b.StopTimer()
					time.Sleep(commitGap)
					b.StartTimer()
				}
				seq++
				e := TrailEntry{Seq: seq, By: "bob", Kind: wire.KindJump, To: to, From: to, Symbol: "pkg.Func", At: time.Now()}
				err := st.AppendTrail("demo", e, failed)
				if errors.Is(err, ErrStoreBehind) { // let the disk catch up
					st.flush()
					err = st.AppendTrail("demo", e, failed)
				}
				if err != nil {
					b.Fatal(err)
				}
				if idle {
					st.flush()
				}
			}
			st.flush()
			b.ReportMetric(float64(seq)/float64(st.commits.Load()), "jumps/commit")
		})
	}
}

// loc is location JSON for the store, to which a location is opaque.
func loc(path string, line int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"path":%q,"line":%d}`, path, line))
}

// A stored trail entry raises its sender's LastNum with it (in the same
// transaction, for bolt), only for the sender it names, never downwards.
func TestStoreEntryRaisesLastNum(t *testing.T) {
	storeKinds(t, func(t *testing.T, open func() Store) {
		st := open()
		if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []ParticipantRecord{{ID: "1", Name: "bob", LastNum: 4}, {ID: "2", Name: "ann"}} {
			if err := st.SaveParticipant("demo", m, nil); err != nil {
				t.Fatal(err)
			}
		}
		st = open() // the records on disk, the entries raising them there
		for i, e := range []TrailEntry{
			{Seq: 1, By: "bob", SenderID: "1", SenderNum: 7},
			{Seq: 2, By: "bob", SenderID: "1", SenderNum: 5},     // lower: no change
			{Seq: 3, By: "ann", SenderID: "other", SenderNum: 9}, // another sender's: ann keeps 0
			{Seq: 4, By: "ann"}, // no number
		} {
			if err := st.AppendTrail("demo", e, nil); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		st = open()
		got, err := st.Participants("demo")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].LastNum != 7 || got[1].LastNum != 0 {
			t.Errorf("after the entries: %+v", got)
		}
	})
}

// holdDisk takes bbolt's writer lock, as a slow fsync holds the store's
// writer, until release is called or the test ends.
func holdDisk(t testing.TB, b *BoltStore) (release func()) {
	t.Helper()
	tx, err := b.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { tx.Rollback() }) }
	t.Cleanup(release) // before the store's Close, which waits for it
	return release
}
