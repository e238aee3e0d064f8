package files

import (
	"context"
	"fmt"
)

// GetFunc asks the serving participant for the bytes [offset,
// offset+limit) of one file, and returns them with the file's total size:
// a transport around [Server.Read].
type GetFunc func(ctx context.Context, offset, limit int64) (data []byte, size int64, err error)

// Fetch reads a whole file through get, one ChunkSize chunk at a time, and
// refuses a file over maxSize bytes (0 means DefaultMaxSize) before
// fetching more than its first chunk. A file whose size changes between
// chunks, or a chunk that does not fit the request, is an error.
func Fetch(ctx context.Context, maxSize int64, get GetFunc) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	var data []byte
	total := int64(-1) // unknown until the first chunk
	for total < 0 || int64(len(data)) < total {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("files: fetch: %w", err)
		}
		offset := int64(len(data))
		chunk, size, err := get(ctx, offset, ChunkSize)
		if err != nil {
			return nil, fmt.Errorf("files: fetch at offset %d: %w", offset, err)
		}
		switch {
		case size < 0 || size > maxSize:
			return nil, fmt.Errorf("files: fetch: file of %d bytes is over the %d-byte cap", size, maxSize)
		case total >= 0 && size != total:
			return nil, fmt.Errorf("files: fetch: file changed from %d to %d bytes while fetching", total, size)
		case int64(len(chunk)) > ChunkSize || offset+int64(len(chunk)) > size:
			return nil, fmt.Errorf("files: fetch: %d-byte chunk at offset %d does not fit a %d-byte file", len(chunk), offset, size)
		case len(chunk) == 0 && offset < size:
			return nil, fmt.Errorf("files: fetch: empty chunk at offset %d of %d bytes", offset, size)
		}
		if total < 0 {
			total = size
			data = make([]byte, 0, size)
		}
		data = append(data, chunk...)
	}
	return data, nil
}
