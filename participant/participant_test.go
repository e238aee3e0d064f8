package participant

import "testing"

func TestWithoutCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:token@github.com/o/r.git": "https://github.com/o/r.git",
		"https://github.com/o/r":                "https://github.com/o/r",
		"ssh://git@github.com/o/r.git":          "ssh://github.com/o/r.git",
		"git@github.com:o/r.git":                "git@github.com:o/r.git",
		"":                                      "",
	} {
		if got := withoutCredentials(in); got != want {
			t.Errorf("withoutCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}
