package notes

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/lspshare/lspshare/location"
)

// Repo is the checkout a move was made in: its commit and the URL of its
// origin remote, as the mover's proxy reported them.
type Repo struct {
	Remote string
	Commit string
	Dirty  bool
}

// forge is a code host whose file URLs notes know how to build.
type forge int

const (
	unknownForge forge = iota
	github
	gitlab
)

// hostedRepo is a repository on a known forge: its web address, without
// credentials, port or ".git".
type hostedRepo struct {
	forge forge
	web   string // e.g. https://github.com/owner/repo
}

// commitID is what a commit must look like to go into a URL.
var commitID = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// parseRemote recognises a git remote URL on GitHub or GitLab, in any of
// the forms git accepts: https://[user[:token]@]HOST/PATH[.git],
// ssh://[user@]HOST[:port]/PATH[.git], git://HOST/PATH, and the scp-like
// [user@]HOST:PATH[.git]. Credentials never reach the result.
func parseRemote(remote string) (hostedRepo, bool) {
	remote = strings.TrimSpace(remote)
	var host, p string
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Host != "" {
		switch u.Scheme {
		case "https", "http", "ssh", "git", "git+ssh", "ssh+git":
		default:
			return hostedRepo{}, false
		}
		host, p = u.Hostname(), u.Path
	} else if at, rest, ok := strings.Cut(remote, ":"); ok && !strings.Contains(at, "/") {
		// scp-like syntax: [user@]host:path
		_, host, _ = strings.Cut(at, "@")
		if host == "" {
			host = at
		}
		p = rest
	} else {
		return hostedRepo{}, false
	}
	host = strings.ToLower(host)
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" || part == "." || part == ".." {
			return hostedRepo{}, false
		}
	}
	switch {
	case host == "github.com" && len(parts) == 2:
		return hostedRepo{github, "https://github.com/" + escapePath(p)}, true
	case (host == "gitlab.com" || strings.HasPrefix(host, "gitlab.")) && len(parts) >= 2:
		return hostedRepo{gitlab, "https://" + host + "/" + escapePath(p)}, true
	}
	return hostedRepo{}, false
}

// fileURL links to lines of a file of the repository at ref (a commit or a
// tag).
func (r hostedRepo) fileURL(ref, file string, lines location.Range) string {
	first, last := lines.Start.Line+1, lines.End.Line+1
	if lines.End.Line > lines.Start.Line && lines.End.Character == 0 {
		last-- // a range ending at the start of a line does not show it
	}
	switch r.forge {
	case github:
		anchor := fmt.Sprintf("#L%d", first)
		if last > first {
			anchor += fmt.Sprintf("-L%d", last)
		}
		return r.web + "/blob/" + url.PathEscape(ref) + "/" + escapePath(file) + anchor
	case gitlab:
		anchor := fmt.Sprintf("#L%d", first)
		if last > first {
			anchor += fmt.Sprintf("-%d", last)
		}
		return r.web + "/-/blob/" + url.PathEscape(ref) + "/" + escapePath(file) + anchor
	}
	return ""
}

// commitURL links to a commit's page.
func (r hostedRepo) commitURL(commit string) string {
	switch r.forge {
	case github:
		return r.web + "/commit/" + commit
	case gitlab:
		return r.web + "/-/commit/" + commit
	}
	return ""
}

// Permalink returns a web link to l: for the workspace, the file at repo's
// commit on GitHub or GitLab; for a module, its source at that version on
// GitHub or go.googlesource.com where the module is a whole repository,
// else its package's page on pkg.go.dev; for GOROOT, the standard
// package's page. It returns "" when there is nothing to link to (an
// unknown remote, no commit).
func Permalink(repo Repo, l location.Location) string {
	switch l.Space {
	case location.Workspace:
		r, ok := parseRemote(repo.Remote)
		if !ok || !commitID.MatchString(repo.Commit) {
			return ""
		}
		return r.fileURL(repo.Commit, l.Path, l.Range)
	case location.Module:
		return moduleLink(l)
	case location.GOROOT:
		if pkg, ok := strings.CutPrefix(path.Dir(l.Path), "src/"); ok {
			return "https://pkg.go.dev/" + escapePath(pkg)
		}
	}
	return ""
}

// moduleLink links to a file of a module version. Modules that are a whole
// GitHub repository or a golang.org/x repository get their file at the
// version's tag or commit; others, whose root inside a repository is not
// known here, get their package's page on pkg.go.dev.
func moduleLink(l location.Location) string {
	mod, version, ok := strings.Cut(l.Module, "@")
	if !ok || module.Check(mod, version) != nil {
		return ""
	}
	ref := strings.TrimSuffix(version, "+incompatible")
	if module.IsPseudoVersion(version) {
		rev, err := module.PseudoVersionRev(version)
		if err != nil {
			return ""
		}
		ref = rev
	}
	parts := strings.Split(mod, "/")
	switch {
	case len(parts) == 3 && parts[0] == "github.com":
		return hostedRepo{github, "https://" + escapePath(mod)}.fileURL(ref, l.Path, l.Range)
	case len(parts) == 3 && parts[0] == "golang.org" && parts[1] == "x" && semver.IsValid(ref):
		// go.googlesource.com's viewer wants a tag or a full commit
		// id; a pseudo-version has only 12 digits of it.
		return fmt.Sprintf("https://go.googlesource.com/%s/+/refs/tags/%s/%s#%d",
			url.PathEscape(parts[2]), url.PathEscape(ref), escapePath(l.Path), l.Range.Start.Line+1)
	}
	pkg := l.Module
	if dir := path.Dir(l.Path); dir != "." {
		pkg += "/" + dir
	}
	return "https://pkg.go.dev/" + escapePath(pkg)
}

// escapePath escapes each element of a slash-separated path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		parts[i] = url.PathEscape(part)
	}
	return strings.Join(parts, "/")
}
