// Package files moves whole files between participants of a session: it
// serves this participant's files to the others, strictly, and caches the
// files fetched from others, read-only.
//
// A [Server] answers "give me bytes of the file at this portable location"
// for files of the workspace that git tracks (outside git: files under the
// root with no hidden path element), of the module cache and of GOROOT,
// whatever the asker sends: regular files only, symlinks resolved and kept
// inside their tree, a size cap, never a write. Every refusal is an [Error]
// for the asker and a line in this participant's log.
//
// A [Cache] keeps fetched files on disk, keyed by session, origin and
// portable location, written atomically and read-only, so that an editor
// can open them; [Fetch] assembles a file from the chunks a transport
// brings.
package files

import (
	"errors"
	"strconv"

	"github.com/lspshare/lspshare/location"
)

const (
	// ChunkSize is the most bytes one Read returns: 1020 KiB, so that a
	// chunk with its header (at most 74 bytes) fits in one hub frame of at
	// most 1 MiB, and the reader's buffer of a frame is all but full.
	ChunkSize = 1<<20 - 4<<10
	// DefaultMaxSize is the default size cap of a served or fetched file.
	DefaultMaxSize = 4 << 20
)

var (
	// ErrRefused reports that a location is not served: outside the
	// allowed trees, untracked, hidden, not a regular file, too large, or
	// an invalid request.
	ErrRefused = errors.New("refused")
	// ErrNotFound reports that an allowed location names no file.
	ErrNotFound = errors.New("not found")
)

// Error is a file request that was not answered. Its message names the
// location as the asker sent it and the reason, never a path of this
// machine; errors.Is tells [ErrRefused] from [ErrNotFound].
type Error struct {
	Loc    location.Location
	Kind   error  // ErrRefused or ErrNotFound
	Reason string // for people, e.g. "not tracked by git"
	// cause is the local error behind Reason, for this machine's log
	// only: it may hold absolute paths.
	cause error
}

func (e *Error) Error() string {
	return "files: " + strconv.Quote(locName(e.Loc)) + ": " + e.Kind.Error() + ": " + e.Reason
}

func (e *Error) Unwrap() error { return e.Kind }

func refused(loc location.Location, reason string, cause error) *Error {
	return &Error{Loc: loc, Kind: ErrRefused, Reason: reason, cause: cause}
}

func notFound(loc location.Location, cause error) *Error {
	return &Error{Loc: loc, Kind: ErrNotFound, Reason: "no such file", cause: cause}
}

// maxDescribed bounds how much of a location an error or log line repeats:
// an asker can send kilobytes of path.
const maxDescribed = 200

// locName names the file of loc (no range), "workspace:pkg/a.go" or
// "module:golang.org/x/text@v0.3.0:unicode/x.go", cut to a readable
// length. It may hold any bytes the asker sent: quote it.
func locName(loc location.Location) string {
	s := string(loc.Space) + ":"
	if loc.Module != "" {
		s += loc.Module + ":"
	}
	s += loc.Path
	if len(s) > maxDescribed {
		s = s[:maxDescribed] + "…"
	}
	return s
}
