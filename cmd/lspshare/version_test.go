package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	rev := "1754ad26be908658bde77c911f0736e028255287"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, c := range []struct {
		name                    string
		stampedV, stampedC      string
		info                    *debug.BuildInfo
		wantVersion, wantCommit string
	}{
		{"no build info", "", "", nil, "devel", ""},
		{"go install @version: no revision", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}}, "v0.2.0", ""},
		{"build in a checkout", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, "devel", rev},
		{"build in a changed checkout", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "devel", rev + "-dirty"},
		{"stamped wins", "v1.0.0", "abc", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}, Settings: vcs("true")}, "v1.0.0", "abc"},
		{"stamped version only", "v1.0.0", "", &debug.BuildInfo{Settings: vcs("false")}, "v1.0.0", rev},
	} {
		v, c2 := buildVersion(c.stampedV, c.stampedC, c.info)
		if v != c.wantVersion || c2 != c.wantCommit {
			t.Errorf("%s: got %q, %q; want %q, %q", c.name, v, c2, c.wantVersion, c.wantCommit)
		}
	}
}

// TestVersionOfBuilds builds lspshare the three ways it is built — stamped
// by scripts/dist.sh, plainly in a git checkout, and with no version
// control information — and checks what "lspshare version" says. The
// builds happen in a fresh git repository holding a copy of this module, so
// that the commit is known whatever this checkout is (a git worktree, for
// one, gets no revision from the go command). They use scripts/dist.sh's
// flags, so that they and the release builds share the build cache.
func TestVersionOfBuilds(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is missing")
		}
		t.Skip("git is missing")
	}
	repo := committedCopyOfModule(t)
	head := strings.TrimSpace(gitOutput(t, repo, "rev-parse", "HEAD"))
	for _, c := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"stamped", []string{"-ldflags", "-X main.version=v9.8.7-test -X main.commit=0123abcd"}, "lspshare v9.8.7-test (commit 0123abcd)\n"},
		// The go command names an untagged commit with a pseudo-version
		// from its time (fixed by committedCopyOfModule) and revision.
		{"plain in a checkout", []string{"-buildvcs=auto"}, "lspshare v0.0.0-20240101000000-" + head[:12] + " (commit " + head + ")\n"},
		{"no version control", []string{"-buildvcs=false"}, "lspshare devel (commit unknown: this build has no version control information)\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "lspshare")
			if runtime.GOOS == "windows" {
				bin += ".exe"
			}
			build := exec.Command("go", append(append([]string{"build", "-trimpath", "-o", bin}, c.flags...), "./cmd/lspshare")...)
			build.Dir = repo
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build %v: %v\n%s", c.flags, err, out)
			}
			out, err := exec.Command(bin, "version").CombinedOutput()
			if err != nil {
				t.Fatalf("lspshare version: %v\n%s", err, out)
			}
			if string(out) != c.want {
				t.Errorf("lspshare version printed %q, want %q", out, c.want)
			}
		})
	}
}

// committedCopyOfModule copies this module's files (tracked or not, but
// not ignored) to a new git repository and commits them at a fixed time.
func committedCopyOfModule(t *testing.T) string {
	t.Helper()
	root := strings.TrimSpace(gitOutput(t, ".", "rev-parse", "--show-toplevel"))
	dir := t.TempDir()
	for _, name := range strings.Split(gitOutput(t, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"), "\x00") {
		if name == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitOutput(t, dir, "init", "-q")
	gitOutput(t, dir, "add", "-A")
	gitOutput(t, dir, "commit", "-q", "-m", "copy")
	return dir
}

func gitOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	const at = "2024-01-01T00:00:00Z"
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE="+at,
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE="+at)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v in %s: %v", args, dir, err)
	}
	return string(out)
}
