package lsptest

import (
	"errors"
	"fmt"
	"time"
)

// ErrGone is Poll's error when what it waits on has gone.
var ErrGone = errors.New("gone while waiting")

// Poll calls cond every 20ms until it holds: the wait on something another
// process does that it cannot be told of (an editor's state, a screen, a
// file). It returns an error after timeout, or ErrGone once gone closes.
func Poll(timeout time.Duration, gone <-chan struct{}, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case <-gone:
			return ErrGone
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %v", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
