package lsptest

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"go.lsp.dev/protocol"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
	"golang.org/x/tools/txtar"
)

// Sandbox is a workspace written from a txtar archive into a temporary
// folder, with its own home, GOPATH and module cache, so that gopls and
// editors started in it touch nothing of the machine's.
type Sandbox struct {
	Root       string // the temporary folder holding all below
	Workdir    string // the workspace: the archive's files
	Home       string // HOME and the XDG_* folders
	GOPATH     string
	GOMODCACHE string // GOPATH/pkg/mod, filled from the archive's modules
	GOPROXY    string // file:// URL of a module proxy serving those modules

	env []string
}

// SandboxConfig says what a sandbox holds.
type SandboxConfig struct {
	// Files is a txtar archive of the workspace.
	Files string
	// Modules is a txtar archive of module versions served by the sandbox's
	// own module proxy: each file is named module@version/path, for example
	// "example.com/dep@v1.0.0/dep.go". When it is set, the sandbox runs
	// "go mod tidy" in the workspace, offline, so that go.sum is complete
	// and the modules sit in GOMODCACHE as after a real download.
	Modules string
}

// NewSandbox writes a sandbox into a new t.TempDir.
func NewSandbox(t testing.TB, cfg SandboxConfig) *Sandbox {
	t.Helper()
	root := t.TempDir()
	s := &Sandbox{
		Root:    root,
		Workdir: filepath.Join(root, "work"),
		Home:    filepath.Join(root, "home"),
		GOPATH:  filepath.Join(root, "gopath"),
	}
	s.GOMODCACHE = filepath.Join(s.GOPATH, "pkg", "mod")
	if err := writeArchive(s.Workdir, txtar.Parse([]byte(cfg.Files))); err != nil {
		t.Fatal(err)
	}
	proxyDir := filepath.Join(root, "goproxy")
	if err := writeModuleProxy(proxyDir, txtar.Parse([]byte(cfg.Modules))); err != nil {
		t.Fatal(err)
	}
	s.GOPROXY = "file://" + filepath.ToSlash(proxyDir)
	s.env = s.makeEnv(t)
	if cfg.Modules != "" {
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir, cmd.Env = s.Workdir, s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go mod tidy in sandbox: %v\n%s", err, out)
		}
	}
	return s
}

// makeEnv is the test's environment with everything that points into the
// user's home or Go setup replaced. The build cache and gopls's file cache
// stay the machine's: they are content-addressed, and cold ones would cost
// every gopls start seconds of type-checking the standard library.
func (s *Sandbox) makeEnv(t testing.TB) []string {
	set := homeEnv(t, s.Home)
	maps.Copy(set, map[string]string{
		"GOPATH":      s.GOPATH,
		"GOMODCACHE":  s.GOMODCACHE,
		"GOPROXY":     s.GOPROXY,
		"GOSUMDB":     "off",
		"GOFLAGS":     "-modcacherw", // lets t.TempDir remove the cache
		"GOTOOLCHAIN": "local",
		"GOWORK":      "off",
		"GOENV":       "off",
		"GOCACHE":     hostGoEnv(t, "GOCACHE"),
	})
	if v := os.Getenv("GORACE"); v != "" {
		set["GORACE"] = v // race reports of proxies built with LSPSHARE_TEST_RACE
	}
	return mergeEnv(set, "GO")
}

// HostEnv returns the test's environment for running gopls on a real
// workspace outside a sandbox: HOME and the XDG_* folders in a temporary
// folder, but the machine's GOPATH, module cache, build cache and gopls
// cache, which the workspace's dependencies and a warm gopls need.
func HostEnv(t testing.TB) []string {
	t.Helper()
	set := homeEnv(t, t.TempDir())
	for _, k := range []string{"GOPATH", "GOMODCACHE", "GOCACHE"} {
		set[k] = hostGoEnv(t, k)
	}
	return mergeEnv(set)
}

// homeEnv returns HOME and XDG_* variables in home, with their folders
// made, and gopls's settings.
func homeEnv(t testing.TB, home string) map[string]string {
	set := map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"XDG_DATA_HOME":   filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME":  filepath.Join(home, ".local", "state"),
		"GOPLSCACHE":      goplsCache(t),
		"GOTELEMETRY":     "off",
	}
	for k, dir := range set {
		if strings.HasPrefix(k, "XDG_") {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	telemetryOff(t, set["XDG_CONFIG_HOME"])
	t.Cleanup(func() { awaitEnvGone(t, "HOME="+home) }) // before home's removal, registered earlier
	return set
}

// telemetryOff turns Go's telemetry off in a fresh config folder. The go
// command ignores GOTELEMETRY in the environment; in a fresh home it starts
// a detached child that writes counters there after the command (and the
// proxy that ran it) has exited, so removing the test's temporary folder
// failed now and then with "directory not empty".
func telemetryOff(t testing.TB, config string) {
	dir := filepath.Join(config, "go", "telemetry")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mode"), []byte("off"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mergeEnv returns the test's environment with the variables of set, and
// without the other variables starting with XDG_, LSPSHARE_ or one of
// dropPrefixes.
func mergeEnv(set map[string]string, dropPrefixes ...string) []string {
	drop := append([]string{"XDG_", "LSPSHARE_"}, dropPrefixes...)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		_, replaced := set[k]
		if !replaced && !slices.ContainsFunc(drop, func(p string) bool { return strings.HasPrefix(k, p) }) {
			env = append(env, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		env = append(env, k+"="+set[k])
	}
	return env
}

func goplsCache(t testing.TB) string {
	if v := os.Getenv("GOPLSCACHE"); v != "" {
		return v
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no user cache folder for gopls's file cache: %v", err)
	}
	return filepath.Join(dir, "gopls")
}

// Env returns the sandbox's environment, for processes run in it. Variables
// of the test's own environment starting with GO, XDG_ or LSPSHARE_ are
// left out; add what a test needs with append.
func (s *Sandbox) Env() []string { return slices.Clone(s.env) }

// SetEnv replaces the sandbox's environment, for tests that break a Go
// setup on purpose.
func (s *Sandbox) SetEnv(env []string) { s.env = slices.Clone(env) }

// Path returns the absolute path of a workspace file given by its slash
// separated name in the archive.
func (s *Sandbox) Path(name string) string {
	return filepath.Join(s.Workdir, filepath.FromSlash(name))
}

// URI returns the file:// URI of a workspace file.
func (s *Sandbox) URI(name string) string { return FileURI(s.Path(name)) }

// RootURI is the file:// URI of the workspace.
func (s *Sandbox) RootURI() string { return FileURI(s.Workdir) }

// Git runs git in the workspace, as a test author, and returns its output.
func (s *Sandbox) Git(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = s.Workdir
	cmd.Env = append(s.Env(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// GitCommit makes the workspace a git repository with one commit and
// returns the commit's hash.
func (s *Sandbox) GitCommit(t testing.TB, message string) string {
	t.Helper()
	s.Git(t, "init", "-q")
	s.Git(t, "add", ".")
	s.Git(t, "commit", "-q", "-m", message)
	return s.Git(t, "rev-parse", "HEAD")
}

// FileURI returns the file:// URI of an absolute path, as gopls writes it.
func FileURI(path string) string {
	return string(protocol.DocumentURI("file://" + filepath.ToSlash(path)))
}

// ReadFile returns the current content of a workspace file.
func (s *Sandbox) ReadFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(s.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Pos returns the position (UTF-16 columns) where text first occurs in a
// workspace file. The test fails if it does not.
func (s *Sandbox) Pos(t testing.TB, name, text string) protocol.Position {
	t.Helper()
	pos, ok := Find(s.ReadFile(t, name), text)
	if !ok {
		t.Fatalf("%q not found in %s", text, name)
	}
	return pos
}

// At returns TextDocumentPositionParams for where text first occurs in a
// workspace file: what definition, hover, references… take.
func (s *Sandbox) At(t testing.TB, name, text string) protocol.TextDocumentPositionParams {
	t.Helper()
	return protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(s.URI(name))},
		Position:     s.Pos(t, name, text),
	}
}

// OpenParams returns DidOpenTextDocumentParams for a workspace file with
// its content on disk.
func (s *Sandbox) OpenParams(t testing.TB, name string) protocol.DidOpenTextDocumentParams {
	t.Helper()
	return protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI:        protocol.DocumentURI(s.URI(name)),
		LanguageID: "go",
		Version:    1,
		Text:       s.ReadFile(t, name),
	}}
}

// Find returns the position (UTF-16 columns, as LSP counts by default) of
// the first occurrence of text in content.
func Find(content, text string) (protocol.Position, bool) {
	i := strings.Index(content, text)
	if i < 0 {
		return protocol.Position{}, false
	}
	return PositionOf(content, i), true
}

// PositionOf converts a byte offset in content to a position with UTF-16
// columns.
func PositionOf(content string, offset int) protocol.Position {
	before := content[:offset]
	line := strings.Count(before, "\n")
	start := strings.LastIndexByte(before, '\n') + 1
	col := 0
	for _, r := range before[start:] {
		col += utf16.RuneLen(r) // an invalid byte is one RuneError: 1
	}
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

// writeArchive writes the files of an archive under dir.
func writeArchive(dir string, a *txtar.Archive) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range a.Files {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeModuleProxy lays out a GOPROXY folder (module/@v/list, .info, .mod,
// .zip) serving the module versions of an archive whose files are named
// module@version/path.
func writeModuleProxy(dir string, a *txtar.Archive) error {
	versions := make(map[module.Version]*txtar.Archive)
	var order []module.Version
	for _, f := range a.Files {
		path, versionAndRest, found := strings.Cut(f.Name, "@")
		version, rest, ok := strings.Cut(versionAndRest, "/")
		if !found || !ok {
			return fmt.Errorf("module file %q is not named module@version/path", f.Name)
		}
		v := module.Version{Path: path, Version: version}
		if versions[v] == nil {
			versions[v] = &txtar.Archive{}
			order = append(order, v)
		}
		versions[v].Files = append(versions[v].Files, txtar.File{Name: rest, Data: f.Data})
	}
	lists := make(map[string][]string)
	for _, v := range order {
		if err := writeModuleVersion(dir, v, versions[v]); err != nil {
			return fmt.Errorf("module %s: %w", v, err)
		}
		lists[v.Path] = append(lists[v.Path], v.Version)
	}
	for path, vs := range lists {
		esc, _ := module.EscapePath(path)
		list := strings.Join(vs, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, esc, "@v", "list"), []byte(list), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeModuleVersion(dir string, v module.Version, files *txtar.Archive) error {
	esc, err := module.EscapePath(v.Path)
	if err != nil {
		return err
	}
	escV, err := module.EscapeVersion(v.Version)
	if err != nil {
		return err
	}
	vdir := filepath.Join(dir, esc, "@v")
	src := filepath.Join(dir, ".src", esc+"@"+escV)
	if err := writeArchive(src, files); err != nil {
		return err
	}
	defer os.RemoveAll(src)
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return fmt.Errorf("no go.mod: %w", err)
	}
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	var z bytes.Buffer
	if err := zip.CreateFromDir(&z, v, src); err != nil {
		return err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":"2024-01-01T00:00:00Z"}`, v.Version)
	for ext, data := range map[string][]byte{".info": []byte(info), ".mod": gomod, ".zip": z.Bytes()} {
		if err := os.WriteFile(filepath.Join(vdir, escV+ext), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
