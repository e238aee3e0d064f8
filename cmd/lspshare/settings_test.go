package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/wire"
)

// handedOver is what may stand just before a join link in the settings
// that "lspshare hub" and "lspshare new" print: the link's own line, a
// setting, or an environment variable. Never a command line's argument.
var handedOver = regexp.MustCompile(`(attend link \(follow\):\s+|drive link \(navigate\):\s+|"lspshare\.join": |"LSPSHARE_JOIN": |g:lspshare_join = |LSPSHARE_JOIN = |LSPSHARE_JOIN=|\(setq lspshare-link |\(setenv "LSPSHARE_JOIN" )$`)

func TestPrintedSettingsKeepTheKeyOutOfArguments(t *testing.T) {
	links := wire.Links{Session: "main",
		Drive:  "http://127.0.0.1:7777/s/main?key=DRIVEKEY",
		Attend: "http://127.0.0.1:7777/s/main?key=ATTENDKEY"}
	var out bytes.Buffer
	printLinks(&out, links)
	text := out.String()
	if strings.Contains(text, "-join") {
		t.Errorf("the settings pass a --join flag:\n%s", text)
	}
	settings := 0
	for _, line := range strings.Split(text, "\n") {
		for _, key := range []string{"DRIVEKEY", "ATTENDKEY"} {
			for rest := line; strings.Contains(rest, key); {
				i := strings.Index(rest, key)
				before := strings.TrimSuffix(strings.TrimSuffix(rest[:i], "http://127.0.0.1:7777/s/main?key="), `"`)
				if !handedOver.MatchString(before) {
					t.Errorf("the key stands in a command line, not a setting or the environment:\n%s", line)
				}
				settings++
				rest = rest[i+len(key):]
			}
		}
	}
	// The two links, and the attend link in each of the eight editors' settings.
	if settings != 10 {
		t.Errorf("the keys appear %d times, want 10:\n%s", settings, text)
	}
}
