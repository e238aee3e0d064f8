package files

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lspshare/lspshare/location"
)

// listingMaxAge is how old the list of tracked files may be before a path
// missing from it makes it listed again: fresh enough for files added
// during a session, rare enough that askers of missing paths cannot keep
// git busy.
const listingMaxAge = 2 * time.Second

// gitTimeout bounds one `git ls-files`, whatever the caller's context.
const gitTimeout = 30 * time.Second

// workspaceFiles says which files of the workspace may be served: those git
// tracks, or outside git, every file without a hidden path element. It
// caches git's list and is safe for concurrent use.
type workspaceFiles struct {
	root   string
	maxAge time.Duration

	mu       sync.Mutex // guards the fields below
	listedAt time.Time  // zero before the first listing
	inGit    bool
	tracked  map[string]bool // slash paths relative to root
	err      error           // the last listing's failure
}

func newWorkspaceFiles(root string) *workspaceFiles {
	return &workspaceFiles{root: root, maxAge: listingMaxAge}
}

// admit returns why the workspace file at slash path rel may not be served,
// or "" if it may.
func (w *workspaceFiles) admit(ctx context.Context, rel string) (reason string, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.listedAt.IsZero() || !w.admitted(rel) && time.Since(w.listedAt) > w.maxAge {
		w.list(ctx)
	}
	switch {
	case w.err != nil:
		return "cannot list the files git tracks", w.err
	case w.admitted(rel):
		return "", nil
	case w.inGit:
		return "not tracked by git", nil
	}
	return "hidden path outside git", nil
}

func (w *workspaceFiles) admitted(rel string) bool {
	if w.inGit {
		return w.tracked[rel]
	}
	return w.err == nil && !hidden(rel)
}

// list refreshes what the workspace is: in git (a .git at the root or
// above) and which files git tracks, or outside git.
func (w *workspaceFiles) list(ctx context.Context) {
	w.listedAt = time.Now()
	_, err := os.Lstat(filepath.Join(location.FindRoot(w.root), ".git"))
	w.inGit = err == nil
	w.tracked, w.err = nil, nil
	if w.inGit {
		w.tracked, w.err = gitTracked(ctx, w.root)
	}
}

// gitTracked returns the files git tracks under dir, as slash paths
// relative to dir.
func gitTracked(ctx context.Context, dir string) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	// An fsmonitor hook would run a program on every listing; the index
	// alone answers ls-files.
	cmd := exec.CommandContext(ctx, "git", "-c", "core.fsmonitor=false", "ls-files", "-z")
	cmd.Dir = dir
	cmd.Env = gitEnv(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %w: %s", dir, err, bytes.TrimSpace(stderr.Bytes()))
	}
	tracked := make(map[string]bool)
	for name := range strings.SplitSeq(string(out), "\x00") {
		if name != "" {
			tracked[name] = true
		}
	}
	return tracked, nil
}

// gitEnv drops the variables that would point git at another repository
// than the one holding the workspace.
func gitEnv(env []string) []string {
	var kept []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR":
			continue
		}
		kept = append(kept, kv)
	}
	return kept
}

// hidden reports whether a slash path has an element starting with a dot.
func hidden(rel string) bool {
	for elem := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(elem, ".") {
			return true
		}
	}
	return false
}
