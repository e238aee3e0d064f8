//go:build unix

package share

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// endpoint is a Unix socket in a directory of the user's alone, and a lock
// file next to it that the holder keeps locked: the kernel releases the
// lock however the holder ends, so a socket left behind by a killed holder
// is known to be stale, and of several proxies taking over only the one
// that gets the lock listens.
type endpoint struct {
	sock, lock string
}

// maxSocketPath keeps socket paths within every Unix system's limit
// (104 bytes on macOS, 108 on Linux).
const maxSocketPath = 100

// newEndpoint makes (or checks) the runtime directory and names the socket
// of key in it.
func newEndpoint(dir, key string) (*endpoint, error) {
	if dir == "" {
		dir = runtimeDir()
		if len(filepath.Join(dir, key+".sock")) > maxSocketPath {
			dir = filepath.Join(os.TempDir(), fmt.Sprintf("lspshare-%d", os.Getuid()))
		}
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	return &endpoint{sock: filepath.Join(dir, key+".sock"), lock: filepath.Join(dir, key+".lock")}, nil
}

// runtimeDir is where the user's sockets go: $XDG_RUNTIME_DIR (private to
// the user, emptied at logout), else the user's cache directory, which
// the user alone can enter too.
func runtimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "lspshare")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "lspshare", "run")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("lspshare-%d", os.Getuid()))
}

// privateDir makes dir with mode 0700, or checks that it is a directory
// of this user's that nobody else may enter.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("runtime directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("runtime directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("runtime directory %s: not a directory", dir)
	}
	if err := ownedByMe(dir, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("runtime directory %s: mode %v lets others in", dir, fi.Mode().Perm())
	}
	return nil
}

func ownedByMe(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: owner unknown: %w", path, errForeign)
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s: owner %d, you are %d: %w", path, st.Uid, os.Getuid(), errForeign)
	}
	return nil
}

// dial connects to the holder's socket, after checking that it is a
// socket of this user's.
func (e *endpoint) dial(ctx context.Context) (net.Conn, error) {
	fi, err := os.Lstat(e.sock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoHolder
	}
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%s: not a socket: %w", e.sock, errForeign)
	}
	if err := ownedByMe(e.sock, fi); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", e.sock)
	if err != nil {
		return nil, errNoHolder // stale: its holder is gone
	}
	return c, nil
}

// listen makes this proxy the holder: it takes the lock, replaces a stale
// socket and listens, readable and writable by the user alone.
func (e *endpoint) listen() (net.Listener, error) {
	f, err := os.OpenFile(e.lock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errBusy
		}
		return nil, fmt.Errorf("lock %s: %w", e.lock, err)
	}
	if err := os.Remove(e.sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Close()
		return nil, fmt.Errorf("stale socket: %w", err)
	}
	ln, err := net.Listen("unix", e.sock)
	if err == nil {
		err = os.Chmod(e.sock, 0o600)
	}
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		f.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	return &lockedListener{Listener: ln, lock: f}, nil
}

// lockedListener releases the lock after the socket is gone (Close removes
// it), so that whoever takes the lock next finds no live socket.
type lockedListener struct {
	net.Listener
	lock *os.File
}

func (l *lockedListener) Close() error {
	err := l.Listener.Close()
	l.lock.Close()
	return err
}
