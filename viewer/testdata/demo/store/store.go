// Package store remembers visitors.
package store

import "sync"

// Visitors counts the visits of each name.
type Visitors struct {
	mu     sync.Mutex
	counts map[string]int
	path   string
}

// Open returns the visitors kept at path ("" keeps them in memory).
func Open(path string) *Visitors {
	return &Visitors{counts: map[string]int{}, path: path}
}

// Add records a visit of name and returns how many there were.
func (v *Visitors) Add(name string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.counts[name]++
	return v.counts[name]
}
