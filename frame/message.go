package frame

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Message is a JSON-RPC 2.0 message with its envelope decoded and its body
// kept as it came.
type Message struct {
	Raw    []byte          // the whole body, as read
	ID     json.RawMessage // nil for notifications
	Method string          // empty for responses
	Params json.RawMessage
	Result json.RawMessage
	Error  *Error
}

// Error is a JSON-RPC error object.
type Error struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// JSON-RPC and LSP error codes the proxy answers with.
const (
	CodeParseError       = -32700
	CodeInvalidRequest   = -32600
	CodeMethodNotFound   = -32601
	CodeInvalidParams    = -32602
	CodeInternalError    = -32603
	CodeRequestFailed    = -32803
	CodeRequestCancelled = -32800
)

// ErrInvalid reports a body that is JSON but not a JSON-RPC message.
var ErrInvalid = errors.New("not a JSON-RPC message")

// envelope is the shape of a message, for the slow path of Decode.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// Decode reads the envelope of body. The returned Message keeps body as Raw;
// its other fields alias body.
//
// It is on the path of every message, so it does not decode with
// reflection: it checks that body is JSON, then finds the top-level members
// by skipping over their values. Keys match as encoding/json matches them
// (case-insensitively; the last of duplicates wins), which a fuzz test
// checks against encoding/json itself.
func Decode(body []byte) (Message, error) {
	if !json.Valid(body) {
		return decodeInvalid(body)
	}
	return scan(body)
}

// Peek reads the envelope of body as Decode does, without checking that the
// whole body is JSON: for messages that are forwarded whatever they hold,
// where a check of a large answer would only cost time. What it returns for
// a body that is not JSON is unspecified, but it returns.
func Peek(body []byte) (Message, error) {
	return scan(body)
}

// scan finds the top-level members of body.
func scan(body []byte) (Message, error) {
	m := Message{Raw: body}
	var wrongType error
	isObject := members(body, func(key, value []byte) {
		if err := m.set(key, value); err != nil && wrongType == nil {
			wrongType = err
		}
	})
	if !isObject {
		return m, fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	if isNull(m.ID) {
		m.ID = nil
	}
	if wrongType != nil {
		return m, fmt.Errorf("%w: %v", ErrInvalid, wrongType)
	}
	if m.Method == "" && m.ID == nil && m.Result == nil && m.Error == nil {
		return m, ErrInvalid
	}
	return m, nil
}

// set stores the value of a top-level member, as encoding/json would into
// an envelope.
func (m *Message) set(key, value []byte) error {
	switch {
	case bytes.EqualFold(key, []byte("id")):
		m.ID = value
	case bytes.EqualFold(key, []byte("params")):
		m.Params = value
	case bytes.EqualFold(key, []byte("result")):
		m.Result = value
	case bytes.EqualFold(key, []byte("method")):
		switch value[0] {
		case 'n': // null leaves the field as it was
		case '"':
			m.Method = string(unquote(value))
		default:
			return fmt.Errorf("method is a JSON %s", kindOf(value[0]))
		}
	case bytes.EqualFold(key, []byte("error")):
		switch value[0] {
		case 'n':
			m.Error = nil
		case '{':
			if m.Error == nil {
				m.Error = new(Error)
			}
			if err := json.Unmarshal(value, m.Error); err != nil {
				return err
			}
		default:
			return fmt.Errorf("error is a JSON %s", kindOf(value[0]))
		}
	}
	return nil
}

// decodeInvalid reads what it can of a body that is not JSON: its first
// value may still be a message, followed by what a Content-Length that lied
// swallowed. Its id is kept, so that the error can be answered.
func decodeInvalid(body []byte) (Message, error) {
	err := json.Unmarshal(body, new(any))
	var e envelope
	if json.NewDecoder(bytes.NewReader(body)).Decode(&e) != nil || isNull(e.ID) {
		e.ID = nil
	}
	return Message{Raw: body, ID: e.ID}, fmt.Errorf("decode message: %w", err)
}

func kindOf(first byte) string {
	switch first {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// unquote returns the text of a JSON string, as encoding/json decodes it.
func unquote(quoted []byte) []byte {
	if len(quoted) < 2 {
		return nil
	}
	if plain := quoted[1 : len(quoted)-1]; bytes.IndexByte(plain, '\\') < 0 && utf8.Valid(plain) {
		return plain
	}
	var s string
	json.Unmarshal(quoted, &s) // an invalid string (Peek) leaves ""
	return []byte(s)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space, or len(b).
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string that starts at b[i],
// or -1 if it does not end.
func skipString(b []byte, i int) int {
	start := i + 1
	for i = start; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		escapes := 0
		for k := i - 1; k >= start && b[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index just past the value that starts at b[i], or
// -1 if it does not end. It checks brackets and quotes, not the rest of
// JSON's grammar.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = skipString(b, i) - 1; i < 0 {
					return -1
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for ; i < len(b); i++ { // a number, true, false or null
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// IsRequest reports whether m is a call that expects an answer.
func (m Message) IsRequest() bool { return m.Method != "" && m.ID != nil }

// IsNotification reports whether m is a call without an answer.
func (m Message) IsNotification() bool { return m.Method != "" && m.ID == nil }

// IsResponse reports whether m answers a request.
func (m Message) IsResponse() bool { return m.Method == "" }

// Key is m's id as a map key: the id's JSON text, so 1 and "1" differ.
func (m Message) Key() string { return string(bytes.TrimSpace(m.ID)) }

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// Request encodes a request with the given id.
func Request(id json.RawMessage, method string, params any) ([]byte, error) {
	return json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  any             `json:"params,omitempty"`
	}{"2.0", id, method, params})
}

// Notification encodes a notification.
func Notification(method string, params any) ([]byte, error) {
	return json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		Method  string `json:"method"`
		Params  any    `json:"params,omitempty"`
	}{"2.0", method, params})
}

// Response encodes the answer to the request with the given id (null when
// unknown): result when err is nil, else an error object. An err that is an
// *Error keeps its code; others become CodeRequestFailed.
func Response(id json.RawMessage, result any, err error) []byte {
	if id == nil {
		id = json.RawMessage("null")
	}
	type response struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  any             `json:"result,omitempty"`
		Error   *Error          `json:"error,omitempty"`
	}
	r := response{JSONRPC: "2.0", ID: id}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeRequestFailed, Message: err.Error()}
		}
		r.Error = e
	} else if result == nil {
		r.Result = json.RawMessage("null")
	} else {
		r.Result = result
	}
	body, merr := marshal(r)
	if merr != nil {
		body, _ = marshal(response{JSONRPC: "2.0", ID: id, Error: &Error{Code: CodeInternalError, Message: merr.Error()}})
	}
	return body
}

// marshal is json.Marshal without HTML escaping, so that an id such as
// "a&b" goes back to the editor as it came, not as "a\u0026b".
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
