package location

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// vendored says where the files of one vendored module live portably.
type vendored struct {
	// space is Module when the files are a module version's (replaced by
	// another module or not), Workspace when a replacement directory inside
	// the workspace holds them.
	space Space
	// module is "path@version" in the Module space.
	module string
	// dir is the workspace-relative replacement directory in the Workspace
	// space.
	dir string
}

// vendorIndex is what vendor/modules.txt says about the directories under
// vendor/: which module each one holds.
type vendorIndex struct {
	// byDir maps a module directory under vendor/ (its module path, slash
	// separated) to where its files live portably.
	byDir map[string]vendored
	// byModule maps "path@version" back to its directory under vendor/.
	byModule map[string]string
}

// parseModulesTxt reads vendor/modules.txt as the go command writes it:
//
//	# golang.org/x/text v0.3.0
//	## explicit
//	golang.org/x/text/unicode
//	# example.com/old v1.0.0 => example.com/new v1.1.0
//	# example.com/local v1.0.0 => ../local
//
// A module line followed by package lines is in the build; module lines
// without packages only record replacements and are ignored, as the go
// command does. Replacement directories are relative to moduleDir (paths
// by rules r); those inside root map to the Workspace space. Lines it
// cannot interpret are skipped so that a newer go command's additions do
// no harm.
func parseModulesTxt(data []byte, r Rules, moduleDir, root string) (vendorIndex, error) {
	idx := vendorIndex{byDir: map[string]vendored{}, byModule: map[string]string{}}
	var dir string // the current module line's directory, "" if unusable
	var where vendored
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# "):
			dir, where = parseModuleLine(strings.Fields(line[2:]), r, moduleDir, root)
		case strings.HasPrefix(line, "#"), dir == "", strings.TrimSpace(line) == "":
			// Metadata ("## explicit") or packages of an unusable module.
		default:
			idx.add(dir, where)
			dir = "" // added once; the module's further packages change nothing
		}
	}
	if err := sc.Err(); err != nil {
		return vendorIndex{}, fmt.Errorf("modules.txt: %w", err)
	}
	return idx, nil
}

func (idx vendorIndex) add(dir string, where vendored) {
	if _, dup := idx.byDir[dir]; dup {
		return
	}
	idx.byDir[dir] = where
	if _, dup := idx.byModule[where.module]; where.space == Module && !dup {
		idx.byModule[where.module] = dir
	}
}

// parseModuleLine interprets the fields of a "# " line: path [version]
// [=> replacement [version]]. It returns the module's directory under
// vendor/ and where its files live portably, or "" if the line names
// nothing portable.
func parseModuleLine(f []string, r Rules, moduleDir, root string) (string, vendored) {
	var left, right []string
	replaced := false
	for i, s := range f {
		if s == "=>" {
			left, right, replaced = f[:i], f[i+1:], true
			break
		}
	}
	if !replaced {
		left = f
	}
	if len(left) == 0 || len(left) > 2 || validatePath(left[0]) != nil {
		return "", vendored{}
	}
	var where vendored
	switch {
	case !replaced && len(left) == 2:
		where = vendored{space: Module, module: left[0] + "@" + left[1]}
	case len(right) == 2:
		// The files are the replacement module's.
		where = vendored{space: Module, module: right[0] + "@" + right[1]}
	case len(right) == 1:
		dir, ok := workspaceDir(right[0], r, moduleDir, root)
		if !ok {
			return "", vendored{} // outside the workspace: no portable name
		}
		where = vendored{space: Workspace, dir: dir}
	default:
		return "", vendored{}
	}
	if where.space == Module {
		if _, _, err := splitModule(where.module); err != nil {
			return "", vendored{}
		}
	}
	return left[0], where
}

// workspaceDir returns the workspace-relative slash path of a local
// replacement directory written relative to moduleDir ("../lib", or
// `..\lib` on Windows).
func workspaceDir(replacement string, r Rules, moduleDir, root string) (string, bool) {
	dir := r.FromSlash(replacement)
	if !r.IsAbs(dir) {
		dir = r.Join(moduleDir, dir)
	}
	rel, ok := r.Rel(root, r.Clean(dir))
	if !ok || validatePath(rel) != nil {
		return "", false
	}
	return rel, true
}

// lookup finds the vendored module that holds the vendor-relative slash
// path rel: the one with the longest module path that is a directory
// prefix of rel, since modules nest (golang.org/x/tools and
// golang.org/x/tools/gopls).
func (idx vendorIndex) lookup(rel string) (dir string, where vendored, rest string, ok bool) {
	for i := strings.LastIndexByte(rel, '/'); i > 0; i = strings.LastIndexByte(rel[:i], '/') {
		if where, ok := idx.byDir[rel[:i]]; ok {
			return rel[:i], where, rel[i+1:], true
		}
	}
	return "", vendored{}, "", false
}

// portable returns the Location of the vendor-relative slash path rel.
func (idx vendorIndex) portable(rel string) (Location, bool) {
	_, where, rest, ok := idx.lookup(rel)
	if !ok {
		return Location{}, false
	}
	if where.space == Workspace {
		return Location{Space: Workspace, Path: path.Join(where.dir, rest)}, true
	}
	return Location{Space: Module, Module: where.module, Path: rest}, true
}

// local returns the vendor-relative slash path of file p of module mv
// ("path@version"), if mv is vendored at exactly that version and p is
// not inside a nested module vendored separately.
func (idx vendorIndex) local(mv, p string) (string, bool) {
	dir, ok := idx.byModule[mv]
	if !ok {
		return "", false
	}
	rel := dir + "/" + p
	owner, _, _, _ := idx.lookup(rel)
	return rel, owner == dir
}
