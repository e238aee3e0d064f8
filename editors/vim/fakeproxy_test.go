package vim_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lspshare/lspshare/frame"
)

// fakeProxyEnv makes the test binary run as a fake `lspshare lsp` that
// connects to the unix socket the variable names: the test then plays the
// proxy's part message by message.
const fakeProxyEnv = "LSPSHARE_VIM_TEST_FAKE_PROXY"

// fakeCommands are the commands the fake proxy advertises, as the real one.
var fakeCommands = []string{"lspshare.drive", "lspshare.follow", "lspshare.hand", "lspshare.join", "lspshare.jump",
	"lspshare.leave", "lspshare.note", "lspshare.pass", "lspshare.reply", "lspshare.resolve", "lspshare.status",
	"lspshare.summon", "lspshare.unfollow"}

// runFakeProxy relays between the editor (stdio) and the test (socket, one
// JSON body a line). It answers initialize and shutdown itself, so that the
// editor starts without the test, and passes everything on to the test.
func runFakeProxy(sock string) error {
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return err
	}
	defer conn.Close()
	toEditor := frame.NewWriter(os.Stdout)
	go func() {
		sc := bufio.NewScanner(conn)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			toEditor.Write(sc.Bytes())
		}
		os.Exit(0) // the test is over
	}()
	r := frame.NewReader(os.Stdin, 0)
	for {
		body, err := r.Read()
		if err != nil {
			return nil
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			return fmt.Errorf("editor sent invalid JSON: %v", err)
		}
		if _, err := conn.Write(append(compact.Bytes(), '\n')); err != nil {
			return err
		}
		msg, err := frame.Decode(body)
		if err != nil {
			return err
		}
		switch msg.Method {
		case "initialize":
			toEditor.Write(frame.Response(msg.ID, map[string]any{"capabilities": map[string]any{
				"textDocumentSync":       1,
				"definitionProvider":     true,
				"executeCommandProvider": map[string]any{"commands": fakeCommands},
			}}, nil))
		case "shutdown":
			toEditor.Write(frame.Response(msg.ID, nil, nil))
		case "exit":
			return nil
		}
	}
}

// lspMessage is a message the editor sent, and jsonrpcError an error the
// fake proxy answers with.
type (
	lspMessage   = frame.Message
	jsonrpcError = frame.Error
)

// fakeProxy is the test's side of a fake proxy.
type fakeProxy struct {
	t    testing.TB
	sock string
	ln   net.Listener

	mu   sync.Mutex
	conn net.Conn
	log  []frame.Message // everything the editor sent
	grew chan struct{}   // closed and replaced when log grows
	next int             // for request ids
}

func newFakeProxy(t testing.TB) *fakeProxy {
	t.Helper()
	// Unix socket paths are short: t.TempDir can be too long.
	dir, err := os.MkdirTemp("", "lspshare-vim-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fakeProxy{t: t, sock: filepath.Join(dir, "proxy.sock"), grew: make(chan struct{})}
	if f.ln, err = net.Listen("unix", f.sock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.ln.Close()
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
	})
	go f.serve()
	return f
}

// env is what an editor's environment needs to start this fake proxy as
// its g:lspshare_cmd.
func (f *fakeProxy) env() string { return fakeProxyEnv + "=" + f.sock }

// command is the g:lspshare_cmd that starts the fake proxy: the path of a
// program alone, in a folder whose name has spaces, which reaches the
// program whole only if no shell parses the command.
func (f *fakeProxy) command() string {
	exe, err := os.Executable()
	if err != nil {
		f.t.Fatal(err)
	}
	dir := filepath.Join(f.t.TempDir(), "Program Files")
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	program := filepath.Join(dir, "lspshare test")
	if err := os.Symlink(exe, program); err != nil {
		f.t.Fatal(err)
	}
	return "let g:lspshare_cmd = " + vimString(program)
}

// serve takes the one connection of the fake proxy process and logs what
// the editor sends.
func (f *fakeProxy) serve() {
	conn, err := f.ln.Accept()
	if err != nil {
		return
	}
	f.mu.Lock()
	f.conn = conn
	f.mu.Unlock()
	sc := bufio.NewScanner(conn)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		msg, err := frame.Decode(bytes.Clone(sc.Bytes()))
		if err != nil {
			f.t.Errorf("fake proxy: editor sent %s: %v", sc.Bytes(), err)
			continue
		}
		f.mu.Lock()
		f.log = append(f.log, msg)
		close(f.grew)
		f.grew = make(chan struct{})
		f.mu.Unlock()
	}
}

// send writes a message to the editor.
func (f *fakeProxy) send(body []byte) {
	f.t.Helper()
	f.mu.Lock()
	conn := f.conn
	f.mu.Unlock()
	if conn == nil {
		f.t.Fatal("fake proxy: the editor has not started it")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		f.t.Fatal(err)
	}
	if _, err := conn.Write(append(compact.Bytes(), '\n')); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeProxy) notify(method string, params any) {
	f.t.Helper()
	body, err := frame.Notification(method, params)
	if err != nil {
		f.t.Fatal(err)
	}
	f.send(body)
}

// request sends a request with an id like the real proxy's and returns the
// editor's answer.
func (f *fakeProxy) request(method string, params any) frame.Message {
	f.t.Helper()
	f.mu.Lock()
	f.next++
	id := strconv.Quote(fmt.Sprintf("lspshare:%d", f.next))
	f.mu.Unlock()
	body, err := frame.Request(json.RawMessage(id), method, params)
	if err != nil {
		f.t.Fatal(err)
	}
	since := f.since()
	f.send(body)
	return f.await(since, "the answer to "+method, func(m frame.Message) bool {
		return m.IsResponse() && m.Key() == id
	})
}

// answer answers a request of the editor.
func (f *fakeProxy) answer(req frame.Message, result any, err error) {
	f.t.Helper()
	f.send(frame.Response(req.ID, result, err))
}

func (f *fakeProxy) since() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.log)
}

// await returns the first message from position since on that match
// accepts, waiting up to waitTimeout.
func (f *fakeProxy) await(since int, what string, match func(frame.Message) bool) frame.Message {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		f.mu.Lock()
		for ; since < len(f.log); since++ {
			if match(f.log[since]) {
				m := f.log[since]
				f.mu.Unlock()
				return m
			}
		}
		grew := f.grew
		f.mu.Unlock()
		select {
		case <-grew:
		case <-ctx.Done():
			f.mu.Lock()
			var last []string
			for _, m := range f.log[max(0, len(f.log)-5):] {
				last = append(last, string(m.Raw))
			}
			f.mu.Unlock()
			f.t.Fatalf("fake proxy: waited %v for %s; the editor's last messages:\n%s", waitTimeout, what, strings.Join(last, "\n"))
		}
	}
}

// awaitMethod waits for a request or notification of the editor.
func (f *fakeProxy) awaitMethod(since int, method string) frame.Message {
	f.t.Helper()
	return f.await(since, method, func(m frame.Message) bool { return m.Method == method })
}

// awaitCommand waits for workspace/executeCommand of a command.
func (f *fakeProxy) awaitCommand(since int, command string) frame.Message {
	f.t.Helper()
	return f.await(since, "command "+command, func(m frame.Message) bool {
		if m.Method != "workspace/executeCommand" {
			return false
		}
		var p struct{ Command string }
		return json.Unmarshal(m.Params, &p) == nil && p.Command == command
	})
}
