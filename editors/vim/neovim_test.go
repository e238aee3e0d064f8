package vim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// The Neovims every Neovim test runs on, each as a subtest: Debian 12's
// (0.7.2, the oldest the plugin supports) and the current release, which
// scripts/install-test-deps.d/50-neovim-current.sh installs from Debian sid.
// LSPSHARE_NVIM and LSPSHARE_NVIM_CURRENT name other binaries.
const (
	neovimEnv        = "LSPSHARE_NVIM"
	neovimCurrentEnv = "LSPSHARE_NVIM_CURRENT"
)

// neovim is one Neovim binary.
type neovim struct {
	kind    string // "debian" or "current"
	path    string
	version string // "v0.12.4"
	err     error  // why it cannot run
}

// name is the subtest's name: the kind and the version.
func (nv neovim) name() string {
	if nv.version == "" {
		return nv.kind
	}
	return nv.kind + "-" + nv.version
}

// need skips the test when this Neovim is missing, or fails it when CI is
// "true".
func (nv neovim) need(t testing.TB) {
	t.Helper()
	if nv.err == nil {
		return
	}
	lsptest.Missing(t, fmt.Sprintf("Neovim (%s): %v (scripts/install-test-deps.sh installs it)", nv.kind, nv.err))
}

// atLeast reports whether this Neovim is of version major.minor or later.
func (nv neovim) atLeast(major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(nv.version, "v%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

var neovims = sync.OnceValue(func() []neovim {
	debian := os.Getenv(neovimEnv)
	if debian == "" {
		debian = "nvim"
	}
	current := os.Getenv(neovimCurrentEnv)
	if current == "" {
		if home, err := os.UserHomeDir(); err == nil {
			current = filepath.Join(home, ".cache", "lspshare-test", "neovim-current", "bin", "nvim")
		}
	}
	return []neovim{findNeovim("debian", debian), findNeovim("current", current)}
})

func findNeovim(kind, name string) neovim {
	nv := neovim{kind: kind}
	if nv.path, nv.err = exec.LookPath(name); nv.err != nil {
		return nv
	}
	ctx, cancel := context.WithTimeout(context.Background(), editorTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, nv.path, "--version").Output()
	first, _, _ := strings.Cut(string(out), "\n")
	if v, ok := strings.CutPrefix(first, "NVIM "); err == nil && ok {
		nv.version = strings.TrimSpace(v)
	} else {
		nv.err = fmt.Errorf("%s --version: %v %q", nv.path, err, first)
	}
	return nv
}

// forEachNeovim runs test on every Neovim, each as a subtest.
func forEachNeovim(t *testing.T, test func(t *testing.T, nv neovim)) {
	for _, nv := range neovims() {
		t.Run(nv.name(), func(t *testing.T) {
			nv.need(t)
			test(t, nv)
		})
	}
}

// start runs this Neovim headless with the plugin installed through
// 'packpath' and cfg.Init run at start-up, as editorConfig says.
func (nv neovim) start(t testing.TB, cfg editorConfig) *editor {
	t.Helper()
	e := newEditor(t, "nvim", cfg)
	// -S runs after start-up, so the init script opens the file itself.
	return nv.run(e, cfg, "--headless", "--clean", "-S", e.initFile(cfg, true))
}

// startAsUser runs this Neovim as a user who followed the README: the
// plugin installed as a plain package under $XDG_DATA_HOME, and initLua as
// their $XDG_CONFIG_HOME/nvim/init.lua (both folders taken from cfg.Env),
// with the plugins in testdata/PACKAGE installed beside it. cfg.Init is
// unused.
func (nv neovim) startAsUser(t testing.TB, cfg editorConfig, initLua string, packages ...string) *editor {
	t.Helper()
	config, data := envValue(cfg.Env, "XDG_CONFIG_HOME"), envValue(cfg.Env, "XDG_DATA_HOME")
	if config == "" || data == "" {
		t.Fatal("startAsUser: the environment has no XDG_CONFIG_HOME or XDG_DATA_HOME")
	}
	pack := filepath.Join(data, "nvim", "site", "pack", "lspshare", "start")
	for _, dir := range []string{pack, filepath.Join(config, "nvim")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(pluginDir(t), filepath.Join(pack, "lspshare")); err != nil {
		t.Fatal(err)
	}
	for _, p := range packages {
		if err := os.Symlink(filepath.Join(pluginDir(t), "testdata", p), filepath.Join(pack, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(config, "nvim", "init.lua"), []byte(initLua), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEditor(t, "nvim", cfg)
	// -S runs the driver once the file is loaded and the plugin attached.
	return nv.run(e, cfg, "--headless", "-S", filepath.Join(pluginDir(t), "testdata", "driver.vim"), cfg.File)
}

func (nv neovim) run(e *editor, cfg editorConfig, args ...string) *editor {
	t := e.t
	t.Helper()
	e.nvim = nv
	ctx, cancel := context.WithTimeout(context.Background(), editorTimeout)
	cmd := exec.CommandContext(ctx, nv.path, args...)
	cmd.Dir, cmd.Env = cfg.Dir, append(slices.Clip(cfg.Env), "LSPSHARE_TEST_DIR="+e.dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", nv.path, err)
	}
	go func() {
		e.err = cmd.Wait()
		e.log = out.String()
		close(e.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nvim messages: %s", e.messagesNow())
		}
		cancel()
		<-e.done
		if t.Failed() {
			t.Logf("nvim output:\n%s", e.log)
		}
	})
	return e
}

// envValue is the value of key in env, or "".
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// checkNothingDeprecated runs :checkhealth vim.deprecated, which Neovim 0.10
// and later have, and fails the test if it names any of the plugin's code,
// or if Neovim said "deprecated": what the plugin calls must outlive the
// next Neovim release. Call it after the test made the plugin work.
func (e *editor) checkNothingDeprecated() {
	e.t.Helper()
	if !e.nvim.atLeast(0, 10) {
		return
	}
	var report []string
	if err := json.Unmarshal(e.do("checkhealth vim.deprecated\nlet g:out = getline(1, '$')"), &report); err != nil {
		e.t.Fatalf("checkhealth: %v", err)
	}
	text := strings.Join(report, "\n")
	if !strings.Contains(text, "vim.deprecated:") {
		e.t.Fatalf("checkhealth vim.deprecated reported no check:\n%s", text)
	}
	// Stack traces name the plugin's files by the path Neovim loaded them
	// from, through whichever link installed it.
	if strings.Contains(text, "lspshare") {
		e.t.Errorf("Neovim %s: checkhealth vim.deprecated names the plugin:\n%s", e.nvim.version, text)
	}
	if messages := e.eval("execute('messages')"); strings.Contains(messages, "deprecated") {
		e.t.Errorf("Neovim %s said: %s", e.nvim.version, messages)
	}
}
