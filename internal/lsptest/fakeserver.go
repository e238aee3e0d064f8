package lsptest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FakeServer returns the command line of a scripted language server, for
// tests of exact bytes where gopls's own answers would get in the way. It is
// this test binary run again (the package's TestMain must call Main), and it
// writes every message it receives to a Recording before acting on it, so
// that a test that got an answer to a later request knows the recording
// holds everything sent before.
//
// The fake server answers:
//   - initialize with a fixed result whose capabilities name the first
//     position encoding the client offered (none if it offered none), offer
//     incremental sync and the command "fake.command";
//   - shutdown with null;
//   - a request whose params hold the key "lsptest.result" with that
//     value, verbatim, as its result (to script a definition's answer);
//   - any other request with {"result":{"method":M,"params":P},"id":I,
//     "jsonrpc":"2.0"}, keys in that order, P and I copied byte for byte;
//   - the notification fake/emit, whose params are an array of strings, by
//     writing each string as the body of one message, verbatim: the way to
//     script exact server-to-client bytes;
//   - fake/crash, request or notification, by exiting at once with status
//     3, unanswered: a crash;
//   - exit, or the end of its input, by exiting with status 0.
func FakeServer(t testing.TB) ([]string, *Recording) {
	t.Helper()
	if !build.main {
		t.Fatal("lsptest.FakeServer needs TestMain to call lsptest.Main(m)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rec := &Recording{path: filepath.Join(t.TempDir(), "fake-server.rec")}
	return []string{exe, fakeServerFlag + rec.path}, rec
}

// Recording is what a FakeServer received.
type Recording struct{ path string }

// Bodies returns the bodies of the messages received so far, in order.
func (r *Recording) Bodies() ([][]byte, error) {
	data, err := os.ReadFile(r.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	in := bufio.NewReader(bytes.NewReader(data))
	var out [][]byte
	for {
		body, err := readFrame(in)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("recording %s: %w", r.path, err)
		}
		out = append(out, body)
	}
}

// Methods returns the method of each message received so far ("" for
// responses).
func (r *Recording) Methods() ([]string, error) {
	bodies, err := r.Bodies()
	var out []string
	for _, b := range bodies {
		var m struct{ Method string }
		json.Unmarshal(b, &m)
		out = append(out, m.Method)
	}
	return out, err
}

// runFakeServer is the body of FakeServer.
func runFakeServer(in io.Reader, out io.Writer, recordPath string) error {
	rec, err := os.OpenFile(recordPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer rec.Close()
	r := bufio.NewReader(in)
	write := func(body []byte) error {
		_, err := fmt.Fprintf(out, "Content-Length: %d\r\n\r\n%s", len(body), body)
		return err
	}
	for {
		body, err := readFrame(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(rec, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			return err
		}
		var m struct {
			ID     json.RawMessage
			Method string
			Params json.RawMessage
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("invalid message: %v", err)
		}
		var answer []byte
		switch {
		case m.Method == "exit":
			return nil
		case m.Method == "fake/crash":
			os.Exit(3)
		case m.Method == "fake/emit":
			var bodies []string
			if err := json.Unmarshal(m.Params, &bodies); err != nil {
				return fmt.Errorf("fake/emit: %v", err)
			}
			for _, b := range bodies {
				if err := write([]byte(b)); err != nil {
					return err
				}
			}
		case m.ID == nil || m.Method == "":
			// other notifications, and the client's answers: recorded only
		case m.Method == "initialize":
			answer = fakeInitialize(m.ID, m.Params)
		case m.Method == "shutdown":
			answer = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":null}`, m.ID)
		case resultOf(m.Params) != nil:
			answer = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":%s}`, m.ID, resultOf(m.Params))
		default:
			params := m.Params
			if params == nil {
				params = json.RawMessage("null")
			}
			method, _ := json.Marshal(m.Method)
			answer = fmt.Appendf(nil, `{"result":{"method":%s,"params":%s},"id":%s,"jsonrpc":"2.0"}`, method, params, m.ID)
		}
		if answer != nil {
			if err := write(answer); err != nil {
				return err
			}
		}
	}
}

func fakeInitialize(id, params json.RawMessage) []byte {
	var p struct {
		Capabilities struct {
			General struct {
				PositionEncodings []string `json:"positionEncodings"`
			} `json:"general"`
		} `json:"capabilities"`
	}
	json.Unmarshal(params, &p)
	enc := ""
	if e := p.Capabilities.General.PositionEncodings; len(e) > 0 {
		q, _ := json.Marshal(e[0])
		enc = fmt.Sprintf(`"positionEncoding":%s,`, q)
	}
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":{"capabilities":{%s"textDocumentSync":2,"executeCommandProvider":{"commands":["fake.command"]}},"serverInfo":{"name":"fake"}}}`, id, enc)
}

// resultOf returns the scripted result of a request's params, or nil.
func resultOf(params json.RawMessage) json.RawMessage {
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil {
		return nil
	}
	return p["lsptest.result"]
}
