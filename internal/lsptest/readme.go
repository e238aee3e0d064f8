package lsptest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ReadmeLink is the placeholder link of the README's snippets.
const ReadmeLink = "http://127.0.0.1:7777/s/main?key=…"

// ReadmeSnippet returns the code block in lang that follows the comment
// "<!-- snippet NAME: … -->" in the README file readme, so that what a test
// runs is what the README says. The snippet must hold ReadmeLink.
func ReadmeSnippet(t testing.TB, readme, name, lang string) string {
	t.Helper()
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- snippet " + regexp.QuoteMeta(name) + ":[^>]*-->\\s*```" + regexp.QuoteMeta(lang) + "\n(.*?)```")
	m := re.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s has no snippet %q", readme, name)
	}
	if !strings.Contains(string(m[1]), ReadmeLink) {
		t.Fatalf("%s's snippet %q has no link %s:\n%s", readme, name, ReadmeLink, m[1])
	}
	return string(m[1])
}

// UserPath puts lspshare and gopls first on env's $PATH, under their own
// names, as the README's set-ups expect them.
func UserPath(t testing.TB, env []string) []string {
	t.Helper()
	bin := t.TempDir()
	for name, path := range map[string]string{"lspshare": Lspshare(t), "gopls": Gopls(t)} {
		if err := os.Symlink(path, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	return append(env, "PATH="+bin+string(os.PathListSeparator)+path)
}
