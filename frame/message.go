package frame

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// Decode reads the envelope of body. The returned Message keeps body as Raw;
// its other fields alias body.
func Decode(body []byte) (Message, error) {
	var e envelope
	err := json.Unmarshal(body, &e)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		// Valid JSON of the wrong shape. The fields that did decode (often
		// the id) are kept, so that the error can be answered.
		return e.message(body), fmt.Errorf("%w: %v", ErrInvalid, err)
	case err != nil:
		// Not JSON as a whole. Its first value may still be a message,
		// followed by what a Content-Length that lied swallowed: keep its
		// id, so that the error can be answered.
		e = envelope{}
		if json.NewDecoder(bytes.NewReader(body)).Decode(&e) != nil {
			e = envelope{}
		}
		return Message{Raw: body, ID: e.message(body).ID}, fmt.Errorf("decode message: %w", err)
	}
	m := e.message(body)
	if m.Method == "" && m.ID == nil && m.Result == nil && m.Error == nil {
		return m, ErrInvalid
	}
	return m, nil
}

func (e envelope) message(body []byte) Message {
	m := Message{Raw: body, ID: e.ID, Method: e.Method, Params: e.Params, Result: e.Result, Error: e.Error}
	if isNull(m.ID) {
		m.ID = nil
	}
	return m
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
	body, merr := json.Marshal(r)
	if merr != nil {
		body, _ = json.Marshal(response{JSONRPC: "2.0", ID: id, Error: &Error{Code: CodeInternalError, Message: merr.Error()}})
	}
	return body
}
