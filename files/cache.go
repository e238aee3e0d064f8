package files

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/module"

	"github.com/lspshare/lspshare/location"
)

// Origin says whose tree a cached file was fetched from.
type Origin struct {
	// Session is the session's name.
	Session string
	// Commit is the serving participant's commit, lower-case hex; "" when
	// unknown or outside git. It keys workspace files only.
	Commit string
	// GoVersion is the serving participant's `go env GOVERSION`, e.g.
	// "go1.26.8"; "" when unknown. It keys GOROOT files only.
	GoVersion string
}

// maxOriginField bounds each Origin field, so that its escaped form (at most
// three bytes per byte) fits in one path element of any file system.
const maxOriginField = 80

func (o Origin) check() error {
	switch {
	case o.Session == "":
		return errors.New("no session")
	case len(o.Session) > maxOriginField || len(o.Commit) > maxOriginField || len(o.GoVersion) > maxOriginField:
		return fmt.Errorf("origin field longer than %d bytes", maxOriginField)
	case strings.Trim(o.Commit, "0123456789abcdef") != "":
		return fmt.Errorf("commit %q is not lower-case hex", o.Commit)
	case o.GoVersion != "" && !strings.HasPrefix(o.GoVersion, "go") && !strings.HasPrefix(o.GoVersion, "devel"):
		return fmt.Errorf("Go version %q does not start with \"go\" or \"devel\"", o.GoVersion)
	}
	return nil
}

// Placeholders for empty Origin fields; no commit or Go version is spelled
// so.
const (
	noCommit    = "nocommit"
	noGoVersion = "unknown"
)

// Cache keeps files fetched from other participants under one directory:
//
//	<dir>/<session>/workspace/<commit or "nocommit">/<path>
//	<dir>/<session>/module/<module path>@<version>/<path>
//	<dir>/<session>/goroot/<Go version or "unknown">/<path>
//
// A module version and a Go version name their files' content, so those
// need no commit. Module path and version are case-encoded as in the
// module cache ("github.com/!burnt!sushi/toml@v1.2.0"); session and Go
// version are escaped into one path element that is the same on
// case-insensitive file systems (see escapeElem); the elements of <path>
// are escaped so that no name holds a character Windows forbids, and on
// Windows no name is one it misreads (see escapeName). Files are
// read-only (0444, the read-only attribute on Windows), directories 0755,
// so that the cache can be removed with rm -r. A Cache is safe for
// concurrent use.
type Cache struct {
	rules    location.Rules
	dir      string // absolute and clean
	resolved string // dir with symlinks resolved
}

// DefaultCacheDir returns $XDG_CACHE_HOME/lspshare, or the operating
// system's equivalent (os.UserCacheDir).
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	return filepath.Join(dir, "lspshare"), nil
}

// NewCache returns the Cache in dir, creating it; "" means
// DefaultCacheDir.
func NewCache(dir string) (*Cache, error) {
	if dir == "" {
		var err error
		if dir, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("files: cache: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files: cache: %w", err)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("files: cache: %w", err)
	}
	return &Cache{rules: location.Host, dir: dir, resolved: resolved}, nil
}

// windowsNames reports whether the cache's names must also obey Windows'
// rules for names (device names, trailing dots and spaces, short names),
// beyond the characters it forbids, which no cache name holds anywhere.
func (c *Cache) windowsNames() bool { return c.rules == location.Windows }

// Dir returns the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// Path returns where the file of loc from origin o lives in the cache,
// whether or not it is there. loc's Range is ignored.
func (c *Cache) Path(o Origin, loc location.Location) (string, error) {
	if err := o.check(); err != nil {
		return "", fmt.Errorf("files: cache: %w", err)
	}
	if err := loc.Validate(); err != nil {
		return "", fmt.Errorf("files: cache: %w", err)
	}
	var key string // the tree's directory, slash separated
	switch loc.Space {
	case location.Workspace:
		key = orDefault(o.Commit, noCommit)
	case location.GOROOT:
		key = c.escapeElem(orDefault(o.GoVersion, noGoVersion))
	case location.Module:
		modPath, version, _ := strings.Cut(loc.Module, "@")
		escPath, err := module.EscapePath(modPath)
		if err != nil {
			return "", fmt.Errorf("files: cache: %w", err)
		}
		escVersion, err := module.EscapeVersion(version)
		if err != nil {
			return "", fmt.Errorf("files: cache: %w", err)
		}
		key = escPath + "@" + escVersion
	}
	rel := c.escapeElem(o.Session) + "/" + string(loc.Space) + "/" + key + "/" + c.escapePath(loc.Path)
	local, err := c.rules.Localize(rel)
	if err != nil {
		return "", fmt.Errorf("files: cache: %w", err)
	}
	p := c.rules.Join(c.dir, local)
	if r, ok := c.rules.Rel(c.dir, p); !ok || r != rel {
		// Validate and the escaping make this impossible; it is the last
		// line of defence for a path we write to.
		return "", fmt.Errorf("files: cache: %q escapes the cache", locName(loc))
	}
	return p, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Has reports whether the file of loc from o is in the cache.
func (c *Cache) Has(o Origin, loc location.Location) bool {
	p, err := c.Path(o, loc)
	if err != nil {
		return false
	}
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Store writes data as the file of loc from o, atomically (a reader sees
// the old file or the whole new one, never a part), read-only, and
// returns its path. Storing again replaces the file.
func (c *Cache) Store(o Origin, loc location.Location, data []byte) (string, error) {
	p, err := c.Path(o, loc)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("files: cache: %w", err)
	}
	if err := writeReadOnly(p, data); err != nil {
		return "", fmt.Errorf("files: cache: %w", err)
	}
	return p, nil
}

// writeReadOnly writes data to a temporary file next to p, makes it
// read-only, and renames it to p.
//
// On Windows os.Chmod uses only the owner-write bit of the mode: without
// it (0444), syscall.Chmod sets FILE_ATTRIBUTE_READONLY, with it (0644)
// clears it. The rename is MoveFileEx with MOVEFILE_REPLACE_EXISTING,
// which refuses to replace a read-only file, so the attribute of the file
// being replaced is cleared first; a reader still sees the old file or
// the new one.
func writeReadOnly(p string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(p), ".store-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o444); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		if err := os.Chmod(p, 0o644); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.Rename(tmp.Name(), p)
}

// Contains reports whether pathOrURI, an absolute path or a file URI, is
// inside the cache, under its own or its symlink-resolved name (in any
// case where the system folds case: VS Code on Windows writes the drive
// letter in lower case).
func (c *Cache) Contains(pathOrURI string) bool {
	_, ok := c.rel(pathOrURI)
	return ok
}

// rel returns the slash path of pathOrURI relative to the cache directory.
func (c *Cache) rel(pathOrURI string) (string, bool) {
	p := pathOrURI
	if strings.HasPrefix(p, "file:") {
		var err error
		if p, err = c.rules.URIToPath(p); err != nil {
			return "", false
		}
	} else if !c.rules.IsAbs(p) {
		return "", false
	}
	p = c.rules.Clean(p)
	if rel, ok := c.rules.Rel(c.dir, p); ok {
		return rel, true
	}
	return c.rules.Rel(c.resolved, p)
}

// Location returns the origin and location whose file is at pathOrURI in
// the cache: the inverse of Path, so that a request on a cached file can be
// asked of its origin. The location has a zero Range; a module file's
// origin has no Commit or GoVersion, a GOROOT file's no Commit.
func (c *Cache) Location(pathOrURI string) (Origin, location.Location, bool) {
	rel, ok := c.rel(pathOrURI)
	if !ok {
		return Origin{}, location.Location{}, false
	}
	o, loc, ok := parseCacheRel(rel)
	if !ok {
		return Origin{}, location.Location{}, false
	}
	// Only the spelling Path produces names a file: this rejects every
	// other one (lower-case hex escapes, raw upper case, bad elements).
	p, err := c.Path(o, loc)
	if err != nil {
		return Origin{}, location.Location{}, false
	}
	if back, _ := c.rules.Rel(c.dir, p); back != rel {
		return Origin{}, location.Location{}, false
	}
	return o, loc, true
}

// parseCacheRel splits a cache-relative slash path as Path builds it.
func parseCacheRel(rel string) (Origin, location.Location, bool) {
	elems := strings.Split(rel, "/")
	if len(elems) < 4 {
		return Origin{}, location.Location{}, false
	}
	session, err := url.PathUnescape(elems[0])
	if err != nil {
		return Origin{}, location.Location{}, false
	}
	o := Origin{Session: session}
	loc := location.Location{Space: location.Space(elems[1])}
	rest := elems[2:]
	ok := false
	switch loc.Space {
	case location.Workspace:
		if rest[0] != noCommit {
			o.Commit = rest[0]
		}
		loc.Path, ok = unescapePath(rest[1:])
	case location.GOROOT:
		v, err := url.PathUnescape(rest[0])
		if err != nil {
			return Origin{}, location.Location{}, false
		}
		if v != noGoVersion {
			o.GoVersion = v
		}
		loc.Path, ok = unescapePath(rest[1:])
	case location.Module:
		loc.Module, loc.Path, ok = parseModuleKey(rest)
	}
	if !ok {
		return Origin{}, location.Location{}, false
	}
	return o, loc, true
}

// unescapePath joins the escaped elements of a cached file's path.
func unescapePath(elems []string) (string, bool) {
	names := make([]string, len(elems))
	for i, elem := range elems {
		name, err := url.PathUnescape(elem)
		if err != nil {
			return "", false
		}
		names[i] = name
	}
	return strings.Join(names, "/"), true
}

// parseModuleKey splits "<escaped path>@<escaped version>/<file>" given as
// elements: the first element with an '@' ends the module (module paths
// have none).
func parseModuleKey(elems []string) (mod, path string, ok bool) {
	for i, elem := range elems {
		escPath, escVersion, found := strings.Cut(elem, "@")
		if !found {
			continue
		}
		modPath, err := module.UnescapePath(strings.Join(append(elems[:i:i], escPath), "/"))
		if err != nil {
			return "", "", false
		}
		version, err := module.UnescapeVersion(escVersion)
		if err != nil {
			return "", "", false
		}
		path, ok := unescapePath(elems[i+1:])
		return modPath + "@" + version, path, ok
	}
	return "", "", false
}

// escapeElem writes s as one path element that no file system folds or
// misreads: lower-case ASCII letters, digits, '-', '_' and '.' (but not a
// leading one) stay, every other byte becomes %XX with upper-case hex, as
// url.PathUnescape reads it. Distinct strings stay distinct even where
// file names are case-insensitive.
func (c *Cache) escapeElem(s string) string {
	return escape(s, c.windowsNames(), func(i int, b byte) bool {
		return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_' || b == '.' && i > 0
	})
}

// nameEscaped are the bytes escapeName escapes on every system: those
// Windows forbids in names, and '%', which starts an escape.
const nameEscaped = `%<>:"|?*\`

// escapePath escapes each element of the portable path p with escapeName.
func (c *Cache) escapePath(p string) string {
	elems := strings.Split(p, "/")
	for i, elem := range elems {
		elems[i] = c.escapeName(elem)
	}
	return strings.Join(elems, "/")
}

// escapeName writes a file or directory name of a cached file's path as
// url.PathUnescape reads it back: control bytes and nameEscaped become
// %XX, every other byte (case, non-ASCII, a leading dot) stays, so that
// the editor shows the file's own name.
func (c *Cache) escapeName(s string) string {
	return escape(s, c.windowsNames(), func(_ int, b byte) bool {
		return b >= 0x20 && strings.IndexByte(nameEscaped, b) < 0
	})
}

// escape writes the bytes of s that keep refuses as %XX, upper-case hex.
// With windows it also escapes what Windows misreads in a name it can
// hold: the first byte of a device name ("nul.go" would open the NUL
// device), a trailing dot or space (which Win32 drops), and '~' (NTFS
// answers to short names such as "GIT~1" too, so a name of that form may
// open another file).
func escape(s string, windows bool, keep func(i int, b byte) bool) string {
	device := windows && location.IsDeviceName(s)
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case !keep(i, b),
			device && i == 0,
			windows && b == '~',
			windows && i == len(s)-1 && (b == '.' || b == ' '):
			fmt.Fprintf(&sb, "%%%02X", b)
		default:
			sb.WriteByte(b)
		}
	}
	return sb.String()
}
