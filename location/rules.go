package location

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// Rules are one operating system's rules for file paths: the separator,
// volume names, whether two spellings that differ only in case name one
// file, and which names its file systems cannot hold. The path logic of
// this package and of the file server takes them as a value, so that the
// rules of macOS and Windows are tested on Linux, where no Mac or Windows
// file system exists. Rules never touch the disk.
type Rules struct {
	name string
	// windows: drive letters and UNC volumes, '\' as well as '/'
	// separating, and Windows' forbidden characters and device names.
	windows bool
	// foldCase: APFS (macOS's default) and NTFS are case-insensitive.
	foldCase bool
	// privateAliases: macOS reaches /var, /tmp and /etc through symlinks
	// into /private, so both spellings name one file.
	privateAliases bool
}

var (
	// Linux are the rules of Linux and of the other Unix systems but macOS:
	// '/' separates, case matters, every byte but NUL may be in a name.
	Linux = Rules{name: "linux"}
	// MacOS is Linux's rules on a case-insensitive file system, with /var,
	// /tmp and /etc also reached as /private/var, /private/tmp and
	// /private/etc.
	MacOS = Rules{name: "darwin", foldCase: true, privateAliases: true}
	// Windows: volumes (C:\, \\server\share\), '\' and '/' separating,
	// case-insensitive, and names NTFS cannot hold or Win32 misreads
	// (see Localize).
	Windows = Rules{name: "windows", windows: true, foldCase: true}
	// Host are the rules of the system this program runs on.
	Host = rulesFor(runtime.GOOS)
)

func rulesFor(goos string) Rules {
	switch goos {
	case "darwin", "ios":
		return MacOS
	case "windows":
		return Windows
	}
	return Linux
}

// String names the rules' system as GOOS does: "linux", "darwin", "windows".
func (r Rules) String() string { return r.name }

// orHost returns r, or Host for the zero Rules (a config that names none).
func (r Rules) orHost() Rules {
	if r.name == "" {
		return Host
	}
	return r
}

// isHost reports whether r are this machine's rules: only then can a path
// written by r be on this machine's disk.
func (r Rules) isHost() bool { return r == Host }

func (r Rules) isSep(c byte) bool { return c == '/' || r.windows && c == '\\' }

// FromSlash turns a slash-separated path into r's form.
func (r Rules) FromSlash(p string) string {
	if r.windows {
		return strings.ReplaceAll(p, "/", `\`)
	}
	return p
}

// ToSlash turns a path of r's form into a slash-separated one.
func (r Rules) ToSlash(p string) string {
	if r.windows {
		return strings.ReplaceAll(p, `\`, "/")
	}
	return p
}

// volumeLen returns the length of p's volume name: "C:" or
// `\\server\share` (which also covers `\\?\C:` and `\\.\COM1`), 0 if none.
func (r Rules) volumeLen(p string) int {
	if !r.windows {
		return 0
	}
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		return 2
	}
	if len(p) < 5 || !r.isSep(p[0]) || !r.isSep(p[1]) || r.isSep(p[2]) {
		return 0
	}
	server := 3 + r.indexSep(p[3:])
	if server < 3 || server+1 >= len(p) || r.isSep(p[server+1]) {
		return 0 // no share
	}
	share := server + 1 + r.indexSep(p[server+1:])
	if share <= server {
		return len(p)
	}
	return share
}

// indexSep returns the index of p's first separator, -1 if none.
func (r Rules) indexSep(p string) int {
	for i := 0; i < len(p); i++ {
		if r.isSep(p[i]) {
			return i
		}
	}
	return -1
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// IsAbs reports whether p is absolute: "/x" on Unix; "C:\x" or
// `\\server\share\x` on Windows, where "C:x" (relative to drive C's current
// directory) and `\x` (relative to the current drive) are not.
func (r Rules) IsAbs(p string) bool {
	n := r.volumeLen(p)
	switch {
	case !r.windows:
		return strings.HasPrefix(p, "/")
	case n == 2:
		return len(p) > 2 && r.isSep(p[2])
	}
	return n > 0
}

// Clean returns the shortest path naming the same file as p, lexically, in
// r's form. On Windows the drive letter is upper-case, as gopls writes it,
// so that one path has one spelling.
func (r Rules) Clean(p string) string {
	if !r.windows {
		return path.Clean(p)
	}
	n := r.volumeLen(p)
	vol := r.FromSlash(p[:n])
	if n == 2 {
		vol = strings.ToUpper(vol)
	}
	rest := r.ToSlash(p[n:])
	switch {
	case rest == "" && n > 2:
		return vol + `\` // a share's root
	case rest == "":
		return vol + "."
	}
	return vol + r.FromSlash(path.Clean(rest))
}

// Join joins the absolute directory dir and the relative path rel (slash
// separated or in r's form), cleaned.
func (r Rules) Join(dir, rel string) string {
	return r.Clean(dir + "/" + r.FromSlash(rel))
}

// Rel returns the slash path of p relative to dir if p is strictly inside
// dir; both are clean and absolute. Where r folds case, the directory
// matches in any case ("c:\users\ann" holds "C:\Users\ann\a.go") and the
// rest keeps p's spelling.
func (r Rules) Rel(dir, p string) (string, bool) {
	if dir == "" || len(p) <= len(dir) || !r.sameName(p[:len(dir)], dir) {
		return "", false
	}
	rest := p[len(dir):]
	if !r.isSep(dir[len(dir)-1]) {
		if !r.isSep(rest[0]) {
			return "", false
		}
		rest = rest[1:]
	}
	if rest == "" {
		return "", false
	}
	return r.ToSlash(rest), true
}

func (r Rules) sameName(a, b string) bool {
	if r.foldCase {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// spellings returns the clean absolute directory dir and the other
// spellings r knows for it without looking at the disk: on macOS,
// /private/var/x for /var/x and back.
func (r Rules) spellings(dir string) []string {
	names := []string{dir}
	if !r.privateAliases {
		return names
	}
	for _, short := range []string{"/var", "/tmp", "/etc"} {
		long := "/private" + short
		for _, pair := range [][2]string{{short, long}, {long, short}} {
			if r.sameName(dir, pair[0]) {
				names = append(names, pair[1])
			} else if rel, ok := r.Rel(pair[0], dir); ok {
				names = append(names, pair[1]+"/"+rel)
			}
		}
	}
	return names
}

// Localize turns the valid portable path rel into a relative path of r's
// form, if r's system can hold it as a file strictly inside a tree. Unix
// holds every valid portable path. Windows cannot hold the characters
// < > : " | ? * and control bytes (':' also makes drive-relative paths,
// "C:x", and alternate data streams, "a.go:secret"), a name ending in a
// dot or a space (Win32 drops them, so "a.go." opens "a.go"), or a device
// name (CON, NUL, COM1, also "nul.go": see IsDeviceName).
func (r Rules) Localize(rel string) (string, error) {
	if err := validatePath(rel); err != nil {
		return "", err
	}
	if r.windows {
		for elem := range strings.SplitSeq(rel, "/") {
			if err := windowsName(elem); err != nil {
				return "", fmt.Errorf("path %q: %w", rel, err)
			}
		}
	}
	return r.FromSlash(rel), nil
}

// windowsForbidden are the printable bytes no Windows file name holds.
const windowsForbidden = `<>:"|?*\/`

func windowsName(elem string) error {
	for i := 0; i < len(elem); i++ {
		if c := elem[i]; c < 0x20 || strings.IndexByte(windowsForbidden, c) >= 0 {
			return fmt.Errorf("%q holds %q, which Windows forbids in file names", elem, c)
		}
	}
	if last := elem[len(elem)-1]; last == '.' || last == ' ' {
		return fmt.Errorf("%q ends in %q, which Windows drops", elem, last)
	}
	if IsDeviceName(elem) {
		return fmt.Errorf("%q is a Windows device name", elem)
	}
	return nil
}

// IsDeviceName reports whether Windows takes the file name elem for a
// device: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with a superscript
// digit ¹²³), CONIN$ or CONOUT$, in any case, with any extension and
// trailing spaces ("nul.go", "Com1 .txt").
func IsDeviceName(elem string) bool {
	base, _, _ := strings.Cut(elem, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 || base[:3] != "COM" && base[:3] != "LPT" {
		return false
	}
	switch digit := base[3:]; digit {
	case "¹", "²", "³":
		return true
	default:
		return len(digit) == 1 && '0' <= digit[0] && digit[0] <= '9'
	}
}

// HasShortName reports whether an element of the slash path rel has the
// form of a Windows short (8.3) name, "GIT~1" or "ENV~1.TXT": NTFS
// answers to such a name for another file (the short name of ".git" or
// ".env"), so a file server must not trust it. Always false off Windows.
func (r Rules) HasShortName(rel string) bool {
	if !r.windows {
		return false
	}
	for elem := range strings.SplitSeq(rel, "/") {
		base, _, _ := strings.Cut(elem, ".")
		tilde := strings.LastIndexByte(base, '~')
		if tilde >= 0 && tilde < len(base)-1 && strings.Trim(base[tilde+1:], "0123456789") == "" {
			return true
		}
	}
	return false
}

// URIToPath returns the path, in r's form and cleaned, that a file URI
// names. It accepts the forms editors send: "file:///home/x/a%20b.go",
// "file://localhost/…", "file:/…", and on Windows "file:///C:/x.go" and VS
// Code's "file:///c%3A/x.go". Other schemes, relative paths, remote hosts
// (UNC paths as URIs), queries and fragments are errors: gopls works on
// local files only.
func (r Rules) URIToPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("file URI: %w", err)
	}
	if err := checkFileURL(uri, u); err != nil {
		return "", err
	}
	p := u.Path
	if r.windows && hasDriveAfterSlash(p) {
		p = p[1:] // "/c:/x" names "c:/x"
	}
	p = r.FromSlash(p)
	if !r.IsAbs(p) {
		return "", fmt.Errorf("file URI %q: path is not absolute", uri)
	}
	return r.Clean(p), nil
}

func checkFileURL(uri string, u *url.URL) error {
	switch {
	case u.Scheme != "file":
		return fmt.Errorf("URI %q: not a file URI", uri)
	case u.Opaque != "":
		return fmt.Errorf("file URI %q: path is not absolute", uri)
	case u.Host != "" && u.Host != "localhost":
		return fmt.Errorf("file URI %q: remote host %q", uri, u.Host)
	case u.User != nil:
		return fmt.Errorf("file URI %q: user info", uri)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		// An unescaped '?' or '#' in a file name: the path would be cut.
		return fmt.Errorf("file URI %q: query or fragment", uri)
	case strings.ContainsRune(u.Path, 0):
		return fmt.Errorf("file URI %q: path contains NUL", uri)
	}
	return nil
}

// hasDriveAfterSlash reports whether p starts like "/c:".
func hasDriveAfterSlash(p string) bool {
	return len(p) >= 3 && p[0] == '/' && p[2] == ':' && isLetter(p[1])
}

// PathToURI returns the file URI of a path in r's form, percent-encoded as
// gopls encodes it (spaces as %20, '#' as %23, non-ASCII bytes escaped;
// "file:///C:/x.go" on Windows). A relative path is taken relative to the
// working directory when r are this machine's rules.
func (r Rules) PathToURI(p string) string {
	if r.isHost() {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
	}
	p = r.ToSlash(r.Clean(p))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: "C:/x" is written "file:///C:/x"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// SameFile reports whether two file URIs name the same file under r: the
// same path once cleaned, compared case-insensitively where the system is
// (VS Code's "file:///c%3A/x.go" and gopls's "file:///C:/x.go" are one file
// on Windows). URIs that are not file URIs are the same only as strings.
func (r Rules) SameFile(a, b string) bool {
	if a == b {
		return true
	}
	pa, errA := r.URIToPath(a)
	pb, errB := r.URIToPath(b)
	return errA == nil && errB == nil && r.sameName(pa, pb)
}
