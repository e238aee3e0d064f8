package store

import (
	"sync/atomic"
)

// The insides of a BoltStore that the external tests (hub_test.go, which
// runs a real hub and so cannot be in this package) hold: they wait for the
// writer, count its commits, stall its disk, and lower its bound.

func Flush(b *BoltStore)                  { b.flush() }
func Commits(b *BoltStore) *atomic.Uint64 { return &b.commits }
func MaxUnwritten(b *BoltStore) *int      { return &b.maxUnwritten }

var HoldDisk = holdDisk
