package wire

import (
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	for _, c := range []struct{ link, hub, session, key string }{
		{"http://127.0.0.1:7777/s/demo?key=abc", "http://127.0.0.1:7777", "demo", "abc"},
		{"https://example.com/lspshare/s/team-1/?key=a-b_c", "https://example.com/lspshare", "team-1", "a-b_c"},
	} {
		hub, session, key, err := ParseLink(c.link)
		if err != nil || hub != c.hub || session != c.session || key != c.key {
			t.Errorf("ParseLink(%q) = %q %q %q %v", c.link, hub, session, key, err)
		}
	}
	for _, link := range []string{
		"", "127.0.0.1:7777/s/demo?key=SECRET", "ftp://h/s/demo?key=SECRET", "http://h/x/demo?key=SECRET",
		"http://h/s/demo", "http://h/s/../x?key=SECRET", "http:///s/demo?key=SECRET", "http://h/s/demo?key=SECRET%zz",
	} {
		_, _, _, err := ParseLink(link)
		if err == nil {
			t.Errorf("ParseLink(%q) succeeded", link)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("ParseLink(%q) error shows the key: %v", link, err)
		}
	}
}
