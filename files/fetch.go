package files

import (
	"context"
	"fmt"
	"sync"
)

// GetFunc asks the serving participant for the bytes [offset,
// offset+limit) of one file, and returns them with the file's total size:
// a transport around [Server.Read]. Fetch calls it from several goroutines
// at once.
type GetFunc func(ctx context.Context, offset, limit int64) (data []byte, size int64, err error)

// fetchInFlight is how many chunks Fetch asks for at once after the first.
// A chunk's trip through the hub is mostly waiting (hand-offs between
// goroutines and processes on both proxies and the hub), not copying, so a
// file of several chunks comes in about two round trips instead of one per
// chunk. It stays under the holder's limit of questions answered at once.
const fetchInFlight = 4

// Fetch reads a whole file through get in ChunkSize chunks, and refuses a
// file over maxSize bytes (0 means DefaultMaxSize) before asking for more
// than its first chunk; the rest it asks for fetchInFlight at a time. A
// file whose size changes between chunks, or a chunk that is not the one
// asked for, is an error.
func Fetch(ctx context.Context, maxSize int64, get GetFunc) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("files: fetch: %w", err)
	}
	first, total, err := get(ctx, 0, ChunkSize)
	if err != nil {
		return nil, fmt.Errorf("files: fetch at offset 0: %w", err)
	}
	if total < 0 || total > maxSize {
		return nil, fmt.Errorf("files: fetch: file of %d bytes is over the %d-byte cap", total, maxSize)
	}
	if err := checkChunk(first, 0, total, total, int64(len(first))); err != nil {
		return nil, err
	}
	data := make([]byte, total)
	copy(data, first)
	if err := fetchRest(ctx, data, int64(len(first)), get); err != nil {
		return nil, err
	}
	return data, nil
}

// fetchRest fills data from offset on, a chunk per get, fetchInFlight at
// once, and returns the first error, after every get has returned.
func fetchRest(ctx context.Context, data []byte, offset int64, get GetFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err; cancel() })
	}
	slots := make(chan struct{}, fetchInFlight)
	total := int64(len(data))
	for ; offset < total; offset += ChunkSize {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			fail(fmt.Errorf("files: fetch: %w", err))
			break
		}
		wg.Add(1)
		go func(offset int64) {
			defer wg.Done()
			defer func() { <-slots }()
			chunk, size, err := get(ctx, offset, ChunkSize)
			if err != nil {
				fail(fmt.Errorf("files: fetch at offset %d: %w", offset, err))
				return
			}
			if err := checkChunk(chunk, offset, size, total, min(ChunkSize, total-offset)); err != nil {
				fail(err)
				return
			}
			copy(data[offset:], chunk)
		}(offset)
	}
	wg.Wait()
	return firstErr
}

// checkChunk checks a chunk asked for at offset of a file first seen at
// total bytes, which should hold want bytes (the first may be shorter).
func checkChunk(chunk []byte, offset, size, total, want int64) error {
	switch n := int64(len(chunk)); {
	case size != total:
		return fmt.Errorf("files: fetch: file changed from %d to %d bytes while fetching", total, size)
	case n > ChunkSize || offset+n > size:
		return fmt.Errorf("files: fetch: %d-byte chunk at offset %d does not fit a %d-byte file", n, offset, size)
	case n == 0 && offset < size:
		return fmt.Errorf("files: fetch: empty chunk at offset %d of %d bytes", offset, size)
	case n != want:
		return fmt.Errorf("files: fetch: %d-byte chunk at offset %d, asked for %d", n, offset, want)
	}
	return nil
}
