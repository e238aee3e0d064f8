package session

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
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
		if role := keyRole(got, "d"); role != RoleDrive {
			t.Errorf("drive key grants %q", role)
		}
		if role := keyRole(got, "a"); role != RoleAttend {
			t.Errorf("attend key grants %q", role)
		}
		for _, k := range []string{"", "x", "da"} {
			if role := keyRole(got, k); role != "" {
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
			e := TrailEntry{Seq: seq, By: "bob", Kind: KindJump, To: loc("a.go", int(seq)), Symbol: fmt.Sprint("F", seq), At: time.Unix(int64(seq), 0).UTC()}
			if err := st.AppendTrail("demo", e); err != nil {
				t.Fatal(err)
			}
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
		bob := MemberRecord{ID: "1", Name: "bob", Role: RoleDrive, Repo: &Repo{Commit: "abc", Remote: "git@github.com:o/r.git"}, Wheel: true, Joined: time.Unix(1, 0).UTC()}
		ann := MemberRecord{ID: "2", Name: "ann", Role: RoleAttend, Joined: time.Unix(2, 0).UTC()}
		for _, m := range []MemberRecord{bob, ann} {
			if err := st.SaveMember("demo", m); err != nil {
				t.Fatal(err)
			}
		}
		bob.Left = time.Unix(3, 0).UTC()
		if err := st.SaveMember("demo", bob); err != nil {
			t.Fatal(err)
		}
		st = open()
		got, err := st.Members("demo")
		if err != nil {
			t.Fatal(err)
		}
		if want := []MemberRecord{bob, ann}; !reflect.DeepEqual(got, want) {
			t.Errorf("Members = %+v; want %+v", got, want)
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
	st.AppendTrail("a", TrailEntry{Seq: 1, Kind: KindJump, To: loc("x.go", 1), At: at})
	st.SaveMember("a", MemberRecord{Name: "bob"})
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
	if err := st.AppendTrail("a", TrailEntry{Seq: 2}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("append to a deleted session: %v", err)
	}
	if _, ok, _ := st.Session("a"); ok {
		t.Fatal("deleted session still there")
	}
}

// BenchmarkBoltAppendTrail measures storing one jump: a synced bbolt
// transaction, which the hub makes with the session's lock held.
func BenchmarkBoltAppendTrail(b *testing.B) {
	st, err := OpenBoltStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateSession(SessionRecord{Name: "demo"}); err != nil {
		b.Fatal(err)
	}
	to := loc("pkg/file.go", 120)
	var seq uint64
	for b.Loop() {
		seq++
		if err := st.AppendTrail("demo", TrailEntry{Seq: seq, By: "bob", Kind: KindJump, To: to, From: to, Symbol: "pkg.Func", At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
}
