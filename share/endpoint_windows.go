package share

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// endpoint is a named pipe whose name holds the user's SID and whose
// security descriptor lets that user alone open it. Windows removes a pipe
// when its last handle closes, so none is ever stale, and only one process
// can create its first instance: the one that does is the holder.
type endpoint struct {
	pipe, sid string
}

// newEndpoint names the pipe of key for this user; dir (for tests on Unix
// systems) plays no part.
func newEndpoint(_, key string) (*endpoint, error) {
	sid, err := userSID()
	if err != nil {
		return nil, err
	}
	return &endpoint{pipe: `\\.\pipe\lspshare-` + endpointKey(sid, key), sid: sid}, nil
}

func userSID() (string, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("who you are: %w", err)
	}
	return user.User.Sid.String(), nil
}

// dial connects to the holder's pipe. Only this user can have created it
// under its name with the rights it needs, but a pipe squatted by another
// user before this one's first proxy would still answer: the server
// process's owner is checked too.
func (e *endpoint) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout) // it retries while the pipe is busy
	defer cancel()
	c, err := winio.DialPipeContext(ctx, e.pipe)
	switch {
	case errors.Is(err, windows.ERROR_FILE_NOT_FOUND):
		return nil, errNoHolder
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return nil, fmt.Errorf("pipe %s: %w", e.pipe, errForeign) // made by someone else
	case err != nil:
		return nil, errBusy
	}
	if err := e.checkServer(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// checkServer refuses a pipe whose server runs as another user.
func (e *endpoint) checkServer(c net.Conn) error {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return fmt.Errorf("pipe %s: server unknown: %w", e.pipe, errForeign)
	}
	var pid uint32
	if err := windows.GetNamedPipeServerProcessId(windows.Handle(f.Fd()), &pid); err != nil {
		return fmt.Errorf("pipe %s: server: %w", e.pipe, err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return fmt.Errorf("pipe %s: server process: %w", e.pipe, err)
	}
	defer windows.CloseHandle(h)
	var token windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &token); err != nil {
		return fmt.Errorf("pipe %s: server's owner: %w", e.pipe, err)
	}
	defer token.Close()
	user, err := token.GetTokenUser()
	if err != nil {
		return fmt.Errorf("pipe %s: server's owner: %w", e.pipe, err)
	}
	if user.User.Sid.String() != e.sid {
		return fmt.Errorf("pipe %s: %w", e.pipe, errForeign)
	}
	return nil
}

// listen makes this proxy the holder: it creates the pipe's first
// instance, open to this user alone (protected DACL: full access for the
// user's SID, nothing for anyone else).
func (e *endpoint) listen() (net.Listener, error) {
	ln, err := winio.ListenPipe(e.pipe, &winio.PipeConfig{SecurityDescriptor: "D:P(A;;GA;;;" + e.sid + ")"})
	// The first instance is created with FILE_CREATE: a name taken
	// already fails (STATUS_OBJECT_NAME_COLLISION, or access denied while
	// the other end is being made).
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
		return nil, errBusy
	}
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}
