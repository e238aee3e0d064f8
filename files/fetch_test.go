package files

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// serveBytes is a GetFunc over data, as Server.Read answers.
func serveBytes(data []byte) GetFunc {
	return func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
		end := min(offset+min(limit, ChunkSize), int64(len(data)))
		return data[offset:end], int64(len(data)), nil
	}
}

func TestFetch(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, DefaultMaxSize} {
		want := randomBytes(n)
		got, err := Fetch(ctx, 0, serveBytes(want))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Fetch of %d bytes = %d bytes, %v", n, len(got), err)
		}
	}
}

func TestFetchRejects(t *testing.T) {
	ctx := context.Background()
	data := randomBytes(2*ChunkSize + 10)
	refusal := &Error{Loc: ws("a.go"), Kind: ErrRefused, Reason: "not tracked by git"}
	for _, tc := range []struct {
		name    string
		maxSize int64
		get     GetFunc
		want    string
		calls   int // how many chunks were asked at most
	}{
		{"over the cap", ChunkSize, serveBytes(data), "over the", 1},
		{"over the default cap", 0, serveBytes(make([]byte, DefaultMaxSize+1)), "over the", 1},
		{"negative size", 0, func(context.Context, int64, int64) ([]byte, int64, error) { return nil, -1, nil }, "over the", 1},
		{"size changes", 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
			d, size, err := serveBytes(data)(ctx, offset, limit)
			return d, size + offset, err
		}, "changed", 3}, // the rest is asked for at once
		{"chunk larger than asked", 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
			return data[offset:], int64(len(data)), nil
		}, "does not fit", 1},
		{"chunk past the size", 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
			return data[:10], 5, nil
		}, "does not fit", 1},
		{"short chunk after the first", 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
			d, size, err := serveBytes(data)(ctx, offset, limit)
			if offset > 0 {
				d = d[:len(d)-1]
			}
			return d, size, err
		}, "asked for", 3},
		{"no progress", 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
			return nil, 10, nil
		}, "empty chunk", 1},
		{"refused", 0, func(context.Context, int64, int64) ([]byte, int64, error) { return nil, 0, refusal }, "not tracked", 1},
	} {
		var calls atomic.Int32
		got, err := Fetch(ctx, tc.maxSize, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
			calls.Add(1)
			return tc.get(ctx, offset, limit)
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) || got != nil {
			t.Errorf("%s: Fetch = %d bytes, %v; want an error with %q", tc.name, len(got), err, tc.want)
		}
		if n := int(calls.Load()); n > tc.calls {
			t.Errorf("%s: %d chunks asked, want at most %d", tc.name, n, tc.calls)
		}
	}
	_, err := Fetch(ctx, 0, func(context.Context, int64, int64) ([]byte, int64, error) { return nil, 0, refusal })
	if !errors.Is(err, ErrRefused) {
		t.Errorf("Fetch error %v does not wrap ErrRefused", err)
	}
}

func TestFetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	data := randomBytes(3 * ChunkSize)
	_, err := Fetch(ctx, 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
		cancel() // after the first chunk
		return serveBytes(data)(ctx, offset, limit)
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch after cancel: %v", err)
	}
}
