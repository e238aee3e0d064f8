package files

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lspshare/lspshare/location"
)

// AskMethod is the method of the question, carried by the hub, that asks
// another participant for a chunk of one of its files.
const AskMethod = "file"

// Question is the params of a file question.
type Question struct {
	Location location.Location `json:"location"`
	Offset   int64             `json:"offset"`
	Limit    int64             `json:"limit"`
}

// AskFunc sends a question of method with params to the serving
// participant and returns its answer, at most Limit bytes from Offset and
// the file's whole size: a transport such as a hub client, which carries
// the bytes as they are (a binary websocket message).
type AskFunc func(ctx context.Context, method string, params json.RawMessage) (data []byte, size int64, err error)

// FetchRemote fetches the whole file at loc from the participant that ask
// reaches, one chunk per question.
func FetchRemote(ctx context.Context, loc location.Location, ask AskFunc) ([]byte, error) {
	loc.Range = location.Range{}
	return Fetch(ctx, 0, func(ctx context.Context, offset, limit int64) ([]byte, int64, error) {
		q, err := json.Marshal(Question{Location: loc, Offset: offset, Limit: limit})
		if err != nil {
			return nil, 0, err
		}
		return ask(ctx, AskMethod, q)
	})
}

// Answer answers a file question from asker with Read: the bytes and the
// file's whole size.
func (s *Server) Answer(ctx context.Context, asker string, params json.RawMessage) (data []byte, size int64, err error) {
	var q Question
	if err := json.Unmarshal(params, &q); err != nil {
		return nil, 0, fmt.Errorf("bad file question: %w", err)
	}
	return s.Read(ctx, asker, q.Location, q.Offset, q.Limit)
}
