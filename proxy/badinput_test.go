package proxy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/proxy"
)

// frameOf frames body with a Content-Length that tells the truth.
func frameOf(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

// TestBadInput feeds the proxy broken input from the editor, one case after
// the other on one stream. Each case gets a JSON-RPC error answer where an
// id can be read, a log line, and the relay goes on: the request that
// follows it is answered by the server.
func TestBadInput(t *testing.T) {
	const maxMessage = 1 << 10
	argv, _ := lsptest.FakeServer(t)
	h := startProxy(t, proxy.Config{Server: argv, MaxMessage: maxMessage}, nil)
	ctx := testContext(t)

	request := func(id int) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"bad/case"}`, id) }
	victim := frameOf(`{"jsonrpc":"2.0","method":"bad/swallowed"}`)
	for _, c := range []struct {
		name  string
		input string
		id    string // the answer's id; "" for no answer
		code  int64
		log   string
	}{
		{"no Content-Length", "Content-Type: text/plain\r\n\r\n" + request(1), "", 0, "missing or invalid Content-Length"},
		{"Content-Length not a number", "Content-Length: ten\r\n\r\n" + request(2), "", 0, "missing or invalid Content-Length"},
		{"negative Content-Length", "Content-Length: -5\r\n\r\n" + request(3), "", 0, "missing or invalid Content-Length"},
		{"binary garbage", "\x00\xff\xfe garbage\r\n\r\n", "", 0, "missing or invalid Content-Length"},
		{"Content-Length too short", "Content-Length: 10\r\n\r\n" + request(4), "null", lsptest.CodeParseError, "invalid message from editor"},
		{"Content-Length too long", fmt.Sprintf("Content-Length: %d\r\n\r\n", len(request(5))+len(victim)) + request(5) + victim,
			"5", lsptest.CodeParseError, "invalid message from editor"},
		{"Content-Length over the limit", frameOf(request(6) + strings.Repeat(" ", maxMessage)), "", 0, "message too large"},
		{"empty body", frameOf(""), "null", lsptest.CodeParseError, "invalid message from editor"},
		{"invalid JSON", frameOf(`{"jsonrpc":"2.0","id":7,"method":}`), "null", lsptest.CodeParseError, "invalid message from editor"},
		{"JSON, not JSON-RPC", frameOf(`{"hello":"world"}`), "null", lsptest.CodeInvalidRequest, "not a JSON-RPC message"},
		{"JSON string", frameOf(`"hello"`), "null", lsptest.CodeInvalidRequest, "not a JSON-RPC message"},
		{"batch", frameOf("[" + request(8) + "]"), "null", lsptest.CodeInvalidRequest, "not a JSON-RPC message"},
		{"method not a string", frameOf(`{"jsonrpc":"2.0","id":9,"method":42}`), "9", lsptest.CodeInvalidRequest, "not a JSON-RPC message"},
		{"response to an unknown id", frameOf(`{"jsonrpc":"2.0","id":99,"result":null}`), "", 0, "unknown request"},
		{"stray blank lines", "\r\n\r\n\n", "", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			since, logged := h.c.Since(), len(h.log.String())
			if err := h.c.WriteRaw([]byte(c.input)); err != nil {
				t.Fatal(err)
			}
			// The relay goes on: the next request reaches the server and
			// its answer comes back, after any answer to the bad input.
			roundTrip(t, ctx, h.c)
			var answers []lsptest.Message
			for _, m := range h.c.Received(since) {
				if m.IsResponse() {
					answers = append(answers, m)
				}
			}
			switch {
			case c.id == "" && len(answers) > 0:
				t.Errorf("unexpected answers: %s", answers[0].Raw)
			case c.id != "" && (len(answers) != 1 || string(answers[0].ID) != c.id || answers[0].Error == nil || answers[0].Error.Code != c.code):
				t.Errorf("answers %v, want one error %d for id %s", raws(answers), c.code, c.id)
			}
			if log := h.log.String()[logged:]; !strings.Contains(log, c.log) {
				t.Errorf("log %q lacks %q", log, c.log)
			}
		})
	}
}

func raws(ms []lsptest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Raw))
	}
	return out
}
