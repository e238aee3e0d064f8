package location

import (
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

// URIToPath returns the local file path that a file URI names, cleaned.
// It accepts the forms editors send: "file:///home/x/a%20b.go" (VS Code
// percent-encodes, also the drive colon: "file:///c%3A/x.go"),
// "file://localhost/…" and "file:/…". Other schemes, relative paths,
// remote hosts, queries and fragments are errors: gopls works on local
// files only.
func URIToPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("file URI: %w", err)
	}
	switch {
	case u.Scheme != "file":
		return "", fmt.Errorf("URI %q: not a file URI", uri)
	case u.Opaque != "":
		return "", fmt.Errorf("file URI %q: path is not absolute", uri)
	case u.Host != "" && u.Host != "localhost":
		return "", fmt.Errorf("file URI %q: remote host %q", uri, u.Host)
	case u.User != nil:
		return "", fmt.Errorf("file URI %q: user info", uri)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		// An unescaped '?' or '#' in a file name: the path would be cut.
		return "", fmt.Errorf("file URI %q: query or fragment", uri)
	case strings.ContainsRune(u.Path, 0):
		return "", fmt.Errorf("file URI %q: path contains NUL", uri)
	}
	p := u.Path
	if runtime.GOOS == "windows" && hasDriveAfterSlash(p) {
		p = p[1:] // "/c:/x" names "c:/x"
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("file URI %q: path is not absolute", uri)
	}
	return filepath.Clean(p), nil
}

// hasDriveAfterSlash reports whether p starts like "/c:".
func hasDriveAfterSlash(p string) bool {
	if len(p) < 3 || p[0] != '/' || p[2] != ':' {
		return false
	}
	c := p[1] | 0x20 // lower case
	return 'a' <= c && c <= 'z'
}

// PathToURI returns the file URI of a local path, percent-encoded as gopls
// encodes it (spaces as %20, '#' as %23, non-ASCII bytes escaped). A
// relative path is taken relative to the working directory.
func PathToURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	p := filepath.ToSlash(filepath.Clean(path))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: "c:/x" is written "file:///c:/x"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
