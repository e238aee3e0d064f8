// Package location names places in Go code independently of any machine,
// and maps them to and from this machine's files.
//
// A portable [Location] says which tree a file is in (the workspace, a
// module at a version, or GOROOT) and where in that tree, so that people
// with checkouts at different paths, different module caches, vendored
// dependencies or no checkout at all can name the same file. Absolute paths
// never leave a machine: a [Mapper] turns this machine's file URIs into
// Locations before they are sent, and received Locations back into this
// machine's URIs.
package location

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"golang.org/x/mod/module"
)

// Space is the tree a portable path is relative to.
type Space string

const (
	// Workspace is the shared checkout: its git top level, or the editor's
	// root folder outside git.
	Workspace Space = "workspace"
	// Module is one module at one version, wherever this machine keeps it
	// (module cache or vendor directory).
	Module Space = "module"
	// GOROOT is the Go distribution, e.g. path "src/fmt/print.go".
	GOROOT Space = "goroot"
)

// Position is a place in a text document, zero-based, with Character in
// UTF-16 code units as in LSP.
type Position struct {
	Line      uint32 `json:"line"`
	Character uint32 `json:"character"`
}

// Range is a span of a text document from Start to End (exclusive).
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Location is a machine-independent place in Go code.
type Location struct {
	Space Space `json:"space"`
	// Module is "path@version", set in the Module space only.
	Module string `json:"module,omitempty"`
	// Path is slash-separated and relative to the space's tree (and, in the
	// Module space, to the module's root directory).
	Path  string `json:"path"`
	Range Range  `json:"range"`
}

// maxPathLen bounds Path and Module: no real file needs more, and a
// receiver should not carry megabytes of path around.
const maxPathLen = 4096

// Validate reports whether l is well formed. Locations arrive from other
// machines, so Validate is strict: a Location that passes names a file
// strictly inside its space's tree, lexically (no absolute paths, no "." or
// ".." elements, no backslashes, no NUL), and a Module that is a valid
// module path at a canonical version. Validate is the same on every
// operating system, so that every participant agrees on what a location
// is; whether this system can hold the file ("a:b.go" on Windows) is for
// the mapping to decide (Rules.Localize).
func (l Location) Validate() error {
	if err := l.validate(); err != nil {
		return fmt.Errorf("invalid location: %w", err)
	}
	return nil
}

func (l Location) validate() error {
	switch l.Space {
	case Workspace, GOROOT:
		if l.Module != "" {
			return fmt.Errorf("module %q set in the %s space", l.Module, l.Space)
		}
	case Module:
		if _, _, err := splitModule(l.Module); err != nil {
			return err
		}
		if err := module.CheckFilePath(l.Path); err != nil {
			// Module zips hold only such paths, and so do vendor copies.
			return err
		}
	default:
		return fmt.Errorf("unknown space %q", l.Space)
	}
	if err := validatePath(l.Path); err != nil {
		return err
	}
	if lessPosition(l.Range.End, l.Range.Start) {
		return errors.New("range ends before it starts")
	}
	return nil
}

// validatePath checks a portable path: relative, slash-separated, clean.
func validatePath(p string) error {
	switch {
	case p == "" || p == ".":
		return errors.New("empty path")
	case len(p) > maxPathLen:
		return fmt.Errorf("path longer than %d bytes", maxPathLen)
	case strings.ContainsRune(p, 0):
		return errors.New("path contains NUL")
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf("path %q contains a backslash", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is absolute", p)
	case !fs.ValidPath(p):
		return fmt.Errorf("path %q is not clean (empty, \".\" or \"..\" element, or trailing slash)", p)
	}
	return nil
}

// splitModule splits "path@version" and checks both halves as the go
// command does; the version must be canonical so that each module version
// has exactly one spelling.
func splitModule(mv string) (path, version string, err error) {
	if mv == "" {
		return "", "", errors.New("module space without module")
	}
	if len(mv) > maxPathLen {
		return "", "", fmt.Errorf("module longer than %d bytes", maxPathLen)
	}
	path, version, ok := strings.Cut(mv, "@")
	if !ok {
		return "", "", fmt.Errorf("module %q is not path@version", mv)
	}
	if err := module.Check(path, version); err != nil {
		return "", "", err
	}
	if module.CanonicalVersion(version) != version {
		return "", "", fmt.Errorf("module %q: version is not canonical", mv)
	}
	return path, version, nil
}

func lessPosition(a, b Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

// String formats l for people, with a 1-based line and column:
// "workspace:pkg/a.go:12:4", "module:golang.org/x/text@v0.3.0:unicode/x.go:3:1".
func (l Location) String() string {
	where := l.Path
	if l.Space == Module {
		where = l.Module + ":" + l.Path
	}
	return fmt.Sprintf("%s:%s:%d:%d", l.Space, where, uint64(l.Range.Start.Line)+1, uint64(l.Range.Start.Character)+1)
}
