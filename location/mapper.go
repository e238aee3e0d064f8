package location

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
)

// ErrNoRoot reports that this machine has no tree for a Location: no
// workspace root, no GOROOT, or no module cache while the module is not
// vendored either.
var ErrNoRoot = errors.New("no local tree for this location")

// MapperConfig names this machine's trees. Every directory is absolute or
// "" for none.
type MapperConfig struct {
	// Rules are the operating system's path rules; the zero Rules mean
	// Host. A Mapper for another system's rules (the tests' Windows and
	// macOS machines) reads nothing from the disk, where its trees cannot
	// be, and reports every file as missing.
	Rules Rules
	// Root is the workspace root: the git top level if inside git, else the
	// editor's root folder (see FindRoot).
	Root string
	// ModuleDir is the main module's directory, whose vendor/modules.txt
	// (if any) says which module each directory under vendor/ holds. ""
	// means Root. It differs from Root when go.mod is not at the git top
	// level.
	ModuleDir string
	// GOMODCACHE is `go env GOMODCACHE`.
	GOMODCACHE string
	// GOROOT is `go env GOROOT`.
	GOROOT string
}

// Mapper maps this machine's file URIs to portable Locations and back.
// It is immutable after NewMapper and safe for concurrent use; ToPortable
// does no disk I/O.
type Mapper struct {
	rules       Rules
	root        string
	moduleCache string
	goroot      string
	vendorDir   string // "" without vendor/modules.txt
	vendor      vendorIndex
	// trees are where ToPortable looks, innermost first, each directory
	// also under its symlink-resolved name and the other spellings the
	// rules know.
	trees []tree
}

// treeKind is the kind of a local tree. When two trees have the same
// directory, the lower kind wins.
type treeKind int

const (
	vendorTree treeKind = iota
	moduleCacheTree
	gorootTree
	workspaceTree
)

type tree struct {
	kind treeKind
	dir  string
}

// NewMapper returns a Mapper for cfg. It reads vendor/modules.txt of the
// main module if there is one, and resolves symlinks in the roots so that
// URIs naming a file through either spelling map alike.
func NewMapper(cfg MapperConfig) (*Mapper, error) {
	m := Mapper{rules: cfg.Rules.orHost()}
	var err error
	if m.root, err = m.cleanDir("Root", cfg.Root); err != nil {
		return nil, err
	}
	if m.moduleCache, err = m.cleanDir("GOMODCACHE", cfg.GOMODCACHE); err != nil {
		return nil, err
	}
	if m.goroot, err = m.cleanDir("GOROOT", cfg.GOROOT); err != nil {
		return nil, err
	}
	moduleDir, err := m.cleanDir("ModuleDir", cfg.ModuleDir)
	if err != nil {
		return nil, err
	}
	if moduleDir == "" {
		moduleDir = m.root
	}
	if moduleDir != "" && m.rules.isHost() {
		if err := m.readVendor(moduleDir); err != nil {
			return nil, err
		}
	}
	m.addTree(vendorTree, m.vendorDir)
	m.addTree(moduleCacheTree, m.moduleCache)
	m.addTree(gorootTree, m.goroot)
	m.addTree(workspaceTree, m.root)
	// Innermost first: GOROOT may be a toolchain inside the module cache,
	// the module cache may be inside the workspace. Trees that both
	// contain a file are nested, so the longer directory is the inner one.
	sort.SliceStable(m.trees, func(i, j int) bool {
		a, b := m.trees[i], m.trees[j]
		if len(a.dir) != len(b.dir) {
			return len(a.dir) > len(b.dir)
		}
		return a.kind < b.kind
	})
	return &m, nil
}

// Rules returns the path rules the Mapper works by.
func (m *Mapper) Rules() Rules { return m.rules }

func (m *Mapper) cleanDir(name, dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	if !m.rules.IsAbs(dir) {
		return "", fmt.Errorf("location: %s %q is not absolute", name, dir)
	}
	return m.rules.Clean(dir), nil
}

func (m *Mapper) readVendor(moduleDir string) error {
	vendorDir := m.rules.Join(moduleDir, "vendor")
	data, err := os.ReadFile(m.rules.Join(vendorDir, "modules.txt"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("location: %w", err)
	}
	idx, err := parseModulesTxt(data, m.rules, moduleDir, m.root)
	if err != nil {
		return fmt.Errorf("location: %s: %w", vendorDir, err)
	}
	m.vendorDir, m.vendor = vendorDir, idx
	return nil
}

func (m *Mapper) addTree(kind treeKind, dir string) {
	if dir == "" {
		return
	}
	names := m.rules.spellings(dir)
	if m.rules.isHost() {
		if resolved, err := filepath.EvalSymlinks(dir); err == nil && resolved != dir {
			names = append(names, m.rules.spellings(resolved)...)
		}
	}
	for _, name := range names {
		m.trees = append(m.trees, tree{kind, name})
	}
}

// ToPortable returns the Location of the file a file:// URI names, with a
// zero Range for the caller to set. The innermost tree holding the file
// decides: vendor/ of the main module maps to the Module space (or to a
// workspace replacement directory), the module cache to the Module space,
// GOROOT to the GOROOT space, the workspace to the Workspace space. A file
// in none of them is an error: absolute paths never leave a machine. Where
// the rules fold case, the trees match in any case.
func (m *Mapper) ToPortable(uri string) (Location, error) {
	p, err := m.rules.URIToPath(uri)
	if err != nil {
		return Location{}, fmt.Errorf("location: %w", err)
	}
	for _, t := range m.trees {
		rel, ok := m.rules.Rel(t.dir, p)
		if !ok {
			continue
		}
		// A file an inner tree cannot name (a vendor/ directory no module
		// owns, the module cache's own cache/) falls to the outer tree.
		if loc, ok := m.portableIn(t.kind, rel); ok && loc.validate() == nil && m.holds(loc.Path) {
			return loc, nil
		}
	}
	return Location{}, fmt.Errorf("location: %s is not in the workspace, module cache or GOROOT", uri)
}

// holds reports whether this system can hold a file at the portable path
// rel: not a Windows alternate data stream ("a.go:secret"), say.
func (m *Mapper) holds(rel string) bool {
	_, err := m.rules.Localize(rel)
	return err == nil
}

// portableIn names the file at slash path rel in a tree of the kind.
func (m *Mapper) portableIn(kind treeKind, rel string) (Location, bool) {
	switch kind {
	case vendorTree:
		return m.vendor.portable(rel)
	case moduleCacheTree:
		return moduleCachePortable(rel)
	case gorootTree:
		return Location{Space: GOROOT, Path: rel}, true
	}
	return Location{Space: Workspace, Path: rel}, true
}

// moduleCachePortable names the file at rel in the module cache:
// "<escaped path>@<escaped version>/<file>", where the escaping writes
// upper-case letters as '!' and the lower-case letter.
func moduleCachePortable(rel string) (Location, bool) {
	at := strings.IndexByte(rel, '@')
	if at < 0 {
		return Location{}, false
	}
	slash := strings.IndexByte(rel[at:], '/')
	if slash < 0 {
		return Location{}, false
	}
	slash += at
	modPath, err := module.UnescapePath(rel[:at])
	if err != nil {
		return Location{}, false
	}
	version, err := module.UnescapeVersion(rel[at+1 : slash])
	if err != nil {
		return Location{}, false
	}
	return Location{Space: Module, Module: modPath + "@" + version, Path: rel[slash+1:]}, true
}

// ToLocal returns this machine's file URI for l and whether that file is
// on disk. The Module space prefers the main module's vendor/ copy when
// vendor/modules.txt lists that module at exactly that version and the
// file is there (the workspace builds from vendor/, so gopls works on
// that copy), then the module cache; if neither has the file, the URI is
// the module cache's (or else vendor's) with exists false. The result is
// always inside its tree; l is validated first, and must be a file this
// system can hold (Rules.Localize). ErrNoRoot means this machine has no
// tree for l.
func (m *Mapper) ToLocal(l Location) (uri string, exists bool, err error) {
	if err := l.Validate(); err != nil {
		return "", false, fmt.Errorf("location: %w", err)
	}
	candidates, err := m.candidates(l)
	if err != nil {
		return "", false, fmt.Errorf("location: %s: %w", l, err)
	}
	if len(candidates) == 0 {
		return "", false, fmt.Errorf("location: %s: %w", l, ErrNoRoot)
	}
	for _, p := range candidates {
		if m.rules.isHost() && isFile(p) {
			return m.rules.PathToURI(p), true, nil
		}
	}
	return m.rules.PathToURI(candidates[len(candidates)-1]), false, nil
}

// candidates returns the local paths where l's file may be, best first.
func (m *Mapper) candidates(l Location) ([]string, error) {
	switch l.Space {
	case Workspace:
		return m.inTrees(m.root, l.Path)
	case GOROOT:
		return m.inTrees(m.goroot, l.Path)
	}
	var paths []string
	if rel, ok := m.vendor.local(l.Module, l.Path); ok {
		p, err := m.inTree(m.vendorDir, rel)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if m.moduleCache != "" {
		dir, err := moduleCacheDir(l.Module)
		if err != nil {
			return nil, err
		}
		p, err := m.inTree(m.moduleCache, dir+"/"+l.Path)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// moduleCacheDir returns the module cache's directory name, slash
// separated, for a valid "path@version".
func moduleCacheDir(mv string) (string, error) {
	modPath, version, _ := strings.Cut(mv, "@")
	escPath, err := module.EscapePath(modPath)
	if err != nil {
		return "", err
	}
	escVersion, err := module.EscapeVersion(version)
	if err != nil {
		return "", err
	}
	return escPath + "@" + escVersion, nil
}

// inTrees is inTree as a candidate list: none when the tree is absent.
func (m *Mapper) inTrees(dir, rel string) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	p, err := m.inTree(dir, rel)
	if err != nil {
		return nil, err
	}
	return []string{p}, nil
}

// inTree joins dir and the slash path rel, if this system can hold such a
// file, and checks lexically that the result is strictly inside dir.
// Validate already guarantees it; the check is the last line of defence
// for code that serves files to others.
func (m *Mapper) inTree(dir, rel string) (string, error) {
	local, err := m.rules.Localize(rel)
	if err != nil {
		return "", err
	}
	p := m.rules.Join(dir, local)
	if back, ok := m.rules.Rel(dir, p); !ok || back != rel {
		return "", fmt.Errorf("path %q escapes its tree", rel)
	}
	return p, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// FindRoot returns the git top level containing dir (the nearest
// directory, dir included, with a .git directory or file), else dir
// itself, made absolute.
func FindRoot(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
