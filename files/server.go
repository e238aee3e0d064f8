package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lspshare/lspshare/location"
)

// ServerConfig names the trees a Server may serve from. Every directory is
// absolute, or "" for a tree that is not served.
type ServerConfig struct {
	// Root is the workspace root: the git top level, or the editor's root
	// folder outside git.
	Root string
	// GOMODCACHE is `go env GOMODCACHE`.
	GOMODCACHE string
	// GOROOT is `go env GOROOT`.
	GOROOT string
	// MaxSize is the largest file served, in bytes; a larger file is
	// refused whole. 0 means DefaultMaxSize.
	MaxSize int64
	// Logger receives a line for every request that is not answered:
	// the asker, the location, the reason; never file contents. nil
	// discards them.
	Logger *slog.Logger
}

// Server serves this participant's files to the other participants of a
// session. It is safe for concurrent use.
type Server struct {
	// rules are the Mapper's. Where they fold case, Rel matches a tree's
	// directory in any case; that changes nothing here, since a file's
	// path is the Mapper's join on the same directory, or both come from
	// EvalSymlinks. The file's own path is matched exactly, against git's
	// list.
	rules                     location.Rules
	root, moduleCache, goroot string
	maxSize                   int64
	mapper                    *location.Mapper
	log                       *slog.Logger
	workspace                 *workspaceFiles // nil when Root is not served
}

// NewServer returns a Server for the trees of cfg. m maps locations to this
// machine's files; it proposes paths, and cfg decides which are served.
// The Server works by m's path rules.
func NewServer(cfg ServerConfig, m *location.Mapper) (*Server, error) {
	if m == nil {
		return nil, errors.New("files: NewServer without a location.Mapper")
	}
	s := &Server{rules: m.Rules(), mapper: m, maxSize: cfg.MaxSize, log: cfg.Logger}
	var err error
	if s.root, err = s.servedDir("Root", cfg.Root); err != nil {
		return nil, err
	}
	if s.moduleCache, err = s.servedDir("GOMODCACHE", cfg.GOMODCACHE); err != nil {
		return nil, err
	}
	if s.goroot, err = s.servedDir("GOROOT", cfg.GOROOT); err != nil {
		return nil, err
	}
	switch {
	case s.maxSize == 0:
		s.maxSize = DefaultMaxSize
	case s.maxSize < 0:
		return nil, fmt.Errorf("files: negative MaxSize %d", cfg.MaxSize)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.root != "" {
		s.workspace = newWorkspaceFiles(s.root)
	}
	return s, nil
}

// servedDir checks a configured tree: absolute, and not a whole file
// system, which would serve everything.
func (s *Server) servedDir(name, dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	if !s.rules.IsAbs(dir) {
		return "", fmt.Errorf("files: %s %q is not absolute", name, dir)
	}
	dir = s.rules.Clean(dir)
	if s.rules.Join(dir, "..") == dir {
		return "", fmt.Errorf("files: %s %q is a file system root", name, dir)
	}
	return dir, nil
}

// Read returns the bytes [offset, offset+limit) of the file at loc, and the
// file's total size, for the participant named asker. limit is capped at
// ChunkSize, and the result is shorter at the end of the file. Requests
// that are not answered return an [*Error] and are logged.
func (s *Server) Read(ctx context.Context, asker string, loc location.Location, offset, limit int64) (data []byte, size int64, err error) {
	data, size, e := s.read(ctx, loc, offset, limit)
	if e != nil {
		s.logFailure(asker, e)
		return nil, 0, e
	}
	return data, size, nil
}

func (s *Server) read(ctx context.Context, loc location.Location, offset, limit int64) ([]byte, int64, *Error) {
	if offset < 0 || limit < 0 {
		return nil, 0, refused(loc, fmt.Sprintf("negative offset %d or limit %d", offset, limit), nil)
	}
	f, size, e := s.open(ctx, loc)
	if e != nil {
		return nil, 0, e
	}
	defer f.Close()
	if offset > size {
		return nil, 0, refused(loc, fmt.Sprintf("offset %d is past the end (%d bytes)", offset, size), nil)
	}
	n := min(limit, ChunkSize, size-offset)
	data := make([]byte, n)
	if _, err := f.ReadAt(data, offset); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, refused(loc, "file shrank while being read", err)
		}
		return nil, 0, refused(loc, "cannot read", err)
	}
	return data, size, nil
}

// open opens the file at loc for reading if it may be served, and returns
// its size.
func (s *Server) open(ctx context.Context, loc location.Location) (*os.File, int64, *Error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, refused(loc, "request cancelled", err)
	}
	if e := s.checkName(loc); e != nil {
		return nil, 0, e
	}
	// The rule applies to the path asked for, before its symlinks are
	// followed, and again to the file it resolves to.
	t, e := s.locate(loc)
	if e != nil {
		return nil, 0, e
	}
	if e := s.admit(ctx, loc, t, t.rel); e != nil {
		return nil, 0, e
	}
	resolved, e := s.resolve(loc, t)
	if e != nil {
		return nil, 0, e
	}
	if e := s.admit(ctx, loc, t, resolved.rel); e != nil {
		return nil, 0, e
	}
	return s.openRegular(loc, resolved)
}

// checkName refuses, before anything touches the disk, an invalid location
// (loc.Validate: "..", absolute paths, backslashes) and the names that are
// no file of this system's or that may name another file than they say:
// on Windows a drive ("C:foo"), an alternate data stream
// ("client.go:secret"), a device ("nul.go"), a name Win32 trims ("a.go.")
// or a short name ("GIT~1"); on every system, .git in any case, which git
// never tracks (and which NTFS and APFS open as .git).
func (s *Server) checkName(loc location.Location) *Error {
	if err := loc.Validate(); err != nil {
		return refused(loc, err.Error(), nil)
	}
	if _, err := s.rules.Localize(loc.Path); err != nil {
		return refused(loc, err.Error(), nil)
	}
	if s.rules.HasShortName(loc.Path) {
		return refused(loc, "a Windows short (8.3) name, which may name another file", nil)
	}
	for elem := range strings.SplitSeq(loc.Path, "/") {
		if strings.EqualFold(elem, ".git") {
			return refused(loc, "the .git directory is never served", nil)
		}
	}
	return nil
}

// tree is a file's place in a served tree.
type tree struct {
	base string // the configured tree: Root, GOMODCACHE or GOROOT
	// sub is the slash path under base the file must stay in: a module's
	// directory in the module cache, or "".
	sub string
	// rel is the file's slash path relative to base/sub.
	rel string
	// anyFile admits every regular file (module cache, GOROOT); otherwise
	// the workspace's rule applies.
	anyFile bool
}

// locate finds where loc's file would be on this machine and in which
// served tree. The Mapper proposes the path; only the trees of this
// Server's config are accepted.
func (s *Server) locate(loc location.Location) (tree, *Error) {
	uri, _, err := s.mapper.ToLocal(loc)
	if errors.Is(err, location.ErrNoRoot) {
		return tree{}, refused(loc, fmt.Sprintf("the %s space is not served", loc.Space), err)
	}
	if err != nil {
		return tree{}, refused(loc, "no local file", err)
	}
	p, err := s.rules.URIToPath(uri)
	if err != nil {
		return tree{}, refused(loc, "no local file", err)
	}
	switch loc.Space {
	case location.Workspace:
		if rel, ok := s.rules.Rel(s.root, p); ok {
			return tree{base: s.root, rel: rel}, nil
		}
	case location.GOROOT:
		if rel, ok := s.rules.Rel(s.goroot, p); ok {
			return tree{base: s.goroot, rel: rel, anyFile: true}, nil
		}
	case location.Module:
		// The module cache may be inside the workspace: look there first.
		if rel, ok := s.rules.Rel(s.moduleCache, p); ok {
			if dir, ok := strings.CutSuffix(rel, "/"+loc.Path); ok {
				return tree{base: s.moduleCache, sub: dir, rel: loc.Path, anyFile: true}, nil
			}
		} else if rel, ok := s.rules.Rel(s.root, p); ok {
			return tree{base: s.root, rel: rel}, nil // vendor/
		}
	}
	return tree{}, refused(loc, fmt.Sprintf("the %s space is not served", loc.Space), fmt.Errorf("%s is in no served tree", p))
}

// resolve follows the symlinks of t's file and returns the real file's
// place, which must still be inside t's tree (base and sub resolved too).
// On Windows EvalSymlinks also gives the file's own spelling, long name
// and case, so the workspace rule sees ".env" even if asked for "ENV~1".
func (s *Server) resolve(loc location.Location, t tree) (tree, *Error) {
	base, err := filepath.EvalSymlinks(t.base)
	if err != nil {
		return tree{}, refused(loc, "tree unavailable", err)
	}
	dir := s.rules.Join(base, t.sub)
	p, err := filepath.EvalSymlinks(s.rules.Join(dir, t.rel))
	if errors.Is(err, fs.ErrNotExist) {
		return tree{}, notFound(loc, err)
	}
	if err != nil {
		return tree{}, refused(loc, "cannot resolve symlinks", err)
	}
	rel, ok := s.rules.Rel(dir, p)
	if !ok {
		return tree{}, refused(loc, "symlink leads out of its tree", fmt.Errorf("%s resolves to %s", t.rel, p))
	}
	return tree{base: base, sub: t.sub, rel: rel, anyFile: t.anyFile}, nil
}

// admit applies the workspace's rule to the file at slash path rel of t.
func (s *Server) admit(ctx context.Context, loc location.Location, t tree, rel string) *Error {
	if t.anyFile {
		return nil
	}
	if reason, cause := s.workspace.admit(ctx, rel); reason != "" {
		return refused(loc, reason, cause)
	}
	return nil
}

// openRegular opens the resolved file t if it is a regular file within the
// size cap. It never follows a symlink out of t.base, and never blocks on a
// FIFO swapped in after the checks.
func (s *Server) openRegular(loc location.Location, t tree) (*os.File, int64, *Error) {
	name := s.rules.FromSlash(path.Join(t.sub, t.rel))
	before, err := os.Lstat(s.rules.Join(t.base, name))
	if err != nil {
		return nil, 0, notFound(loc, err)
	}
	if e := s.checkFile(loc, before); e != nil {
		return nil, 0, e
	}
	root, err := os.OpenRoot(t.base)
	if err != nil {
		return nil, 0, refused(loc, "tree unavailable", err)
	}
	defer root.Close()
	// The Root opens each path element without following symlinks out
	// of it; O_NONBLOCK keeps a FIFO from blocking the open.
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, refused(loc, "cannot open", err)
	}
	after, err := f.Stat()
	if err == nil && !os.SameFile(before, after) {
		err = errors.New("file replaced while opening")
	}
	if err != nil {
		f.Close()
		return nil, 0, refused(loc, "cannot open", err)
	}
	if e := s.checkFile(loc, after); e != nil {
		f.Close()
		return nil, 0, e
	}
	return f, after.Size(), nil
}

func (s *Server) checkFile(loc location.Location, fi fs.FileInfo) *Error {
	if !fi.Mode().IsRegular() {
		return refused(loc, fmt.Sprintf("not a regular file (%s)", fileKind(fi.Mode())), nil)
	}
	if fi.Size() > s.maxSize {
		return refused(loc, fmt.Sprintf("file of %d bytes is over the %d-byte cap", fi.Size(), s.maxSize), nil)
	}
	return nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

func (s *Server) logFailure(asker string, e *Error) {
	attrs := []any{"asker", asker, "location", locName(e.Loc), "reason", e.Reason}
	if e.cause != nil {
		attrs = append(attrs, "cause", e.cause)
	}
	if e.Kind == ErrNotFound {
		s.log.Info("files: not found", attrs...)
		return
	}
	s.log.Warn("files: refused", attrs...)
}
