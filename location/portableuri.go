package location

import (
	"fmt"
	"strings"
)

// Portable URIs name a portable location inside LSP payloads that cross
// machines: lspshare:/workspace/PATH, lspshare:/module/MOD@VER/PATH,
// lspshare:/goroot/PATH.
const portableScheme = "lspshare:/"

// PortableURI is l's portable URI.
func PortableURI(l Location) string {
	if l.Space == Module {
		return portableScheme + string(l.Space) + "/" + l.Module + "/" + l.Path
	}
	return portableScheme + string(l.Space) + "/" + l.Path
}

// ParsePortableURI is the location a portable URI names (no range).
func ParsePortableURI(u string) (Location, error) {
	rest, ok := strings.CutPrefix(u, portableScheme)
	if !ok {
		return Location{}, fmt.Errorf("not a portable URI: %.80q", u)
	}
	space, rest, _ := strings.Cut(rest, "/")
	l := Location{Space: Space(space), Path: rest}
	if l.Space == Module {
		at := strings.IndexByte(rest, '@')
		if at < 0 {
			return Location{}, fmt.Errorf("portable URI without module version: %.80q", u)
		}
		slash := strings.IndexByte(rest[at:], '/')
		if slash < 0 {
			return Location{}, fmt.Errorf("portable URI without path: %.80q", u)
		}
		l.Module, l.Path = rest[:at+slash], rest[at+slash+1:]
	}
	if err := l.Validate(); err != nil {
		return Location{}, err
	}
	return l, nil
}
