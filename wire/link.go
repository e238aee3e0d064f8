package wire

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Links are a session's join links, as printed by "lspshare new" and
// answered by POST /api/sessions.
type Links struct {
	Session string `json:"session"`
	Drive   string `json:"drive"`  // join link with the drive key
	Attend  string `json:"attend"` // join link with the attend key
	View    string `json:"view"`   // the session's web page (the attend link)
}

// validName is what a session name may look like: it appears in URLs and
// file names unescaped.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckSessionName reports whether name may name a session.
func CheckSessionName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("bad session name %.80q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// joinLink returns the join link of a session on the hub at base.
func joinLink(base, session, key string) string {
	return strings.TrimSuffix(base, "/") + "/s/" + session + "?key=" + url.QueryEscape(key)
}

// MakeLinks returns the links of a session with these keys on the hub at
// base.
func MakeLinks(base, session, driveKey, attendKey string) Links {
	attend := joinLink(base, session, attendKey)
	return Links{
		Session: session,
		Drive:   joinLink(base, session, driveKey),
		Attend:  attend,
		View:    attend,
	}
}

// errBadLink describes a malformed join link without quoting it: a join link
// carries a secret key.
var errBadLink = errors.New("a join link looks like http://HOST:PORT/s/NAME?key=KEY")

// ParseLink splits a join link, http(s)://HOST[/PREFIX]/s/NAME?key=KEY, into
// the hub's base URL (scheme, host and any prefix), the session name and the
// key. Errors never contain the key.
func ParseLink(link string) (hubURL, session, key string, err error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return "", "", "", errBadLink
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", "", fmt.Errorf("join link must start with http:// or https://: %w", errBadLink)
	}
	if u.Host == "" {
		return "", "", "", fmt.Errorf("join link has no host: %w", errBadLink)
	}
	path := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndex(path, "/s/")
	if i < 0 {
		return "", "", "", fmt.Errorf("join link has no /s/NAME: %w", errBadLink)
	}
	session = path[i+len("/s/"):]
	if err := CheckSessionName(session); err != nil {
		return "", "", "", fmt.Errorf("join link: %w", err)
	}
	key = u.Query().Get("key")
	if key == "" {
		return "", "", "", fmt.Errorf("join link has no key: %w", errBadLink)
	}
	hubURL = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: path[:i]}).String()
	return hubURL, session, key, nil
}
