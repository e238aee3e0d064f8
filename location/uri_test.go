package location

import (
	"path/filepath"
	"testing"
)

func TestURIToPath(t *testing.T) {
	for _, tc := range []struct {
		uri, want string
	}{
		{"file:///home/x/a.go", "/home/x/a.go"},
		{"file:///home/x/a%20b.go", "/home/x/a b.go"}, // VS Code
		{"file:///home/x/a b.go", "/home/x/a b.go"},   // unencoded, as some clients send
		{"file:///home/x/%C3%A9t%C3%A9.go", "/home/x/été.go"},
		{"file:///home/x/été.go", "/home/x/été.go"},
		{"file:///home/x/a%23b%3Fc.go", "/home/x/a#b?c.go"},
		{"file:///home/x/a%25b.go", "/home/x/a%b.go"},
		{"file:///home/x/a+b@c.go", "/home/x/a+b@c.go"},
		{"file:///home/x/a%2Bb%40c.go", "/home/x/a+b@c.go"},
		{"file://localhost/home/x/a.go", "/home/x/a.go"},
		{"file:/home/x/a.go", "/home/x/a.go"},
		{"FILE:///home/x/a.go", "/home/x/a.go"},
		{"file:///home/x/../y/./a.go", "/home/y/a.go"},
		{"file:///home//x/a.go", "/home/x/a.go"},
		{"file:///home/x/", "/home/x"},
		{"file:///", "/"},
	} {
		got, err := URIToPath(tc.uri)
		if err != nil || got != filepath.FromSlash(tc.want) {
			t.Errorf("URIToPath(%q) = %q, %v; want %q", tc.uri, got, err, tc.want)
		}
	}
}

func TestURIToPathRejects(t *testing.T) {
	for _, uri := range []string{
		"",
		"a.go",
		"/home/x/a.go",
		"http://example.com/a.go",
		"untitled:Untitled-1",
		"git:/home/x/a.go?ref=HEAD",
		"file:a.go",
		"file:",
		"file://",
		"file://server/share/a.go",
		"file://localhost:8080/a.go",
		"file://user@localhost/a.go",
		"file:///home/x/a.go?x=1",
		"file:///home/x/a.go#L12",
		"file:///home/x/a#b.go",
		"file:///home/x/a.go?",
		"file:///home/x/a%zz.go",
		"file:///home/x/a%00.go",
		"file:///home/x/a\x00.go",
		"file:///home/x/a\n.go",
	} {
		if got, err := URIToPath(uri); err == nil {
			t.Errorf("URIToPath(%q) = %q, nil; want error", uri, got)
		}
	}
}

func TestPathToURI(t *testing.T) {
	for _, tc := range []struct {
		path, want string
	}{
		{"/home/x/a.go", "file:///home/x/a.go"},
		{"/home/x/a b.go", "file:///home/x/a%20b.go"},
		{"/home/x/a#b?c%d.go", "file:///home/x/a%23b%3Fc%25d.go"},
		{"/home/x/été.go", "file:///home/x/%C3%A9t%C3%A9.go"},
		{"/home/x/a+b@c:d.go", "file:///home/x/a+b@c:d.go"},
		{"/home/x/../y/a.go", "file:///home/y/a.go"},
		{"/", "file:///"},
	} {
		if got := PathToURI(filepath.FromSlash(tc.path)); got != tc.want {
			t.Errorf("PathToURI(%q) = %q, want %q", tc.path, got, tc.want)
		}
		back, err := URIToPath(tc.want)
		if err != nil || back != filepath.Clean(filepath.FromSlash(tc.path)) {
			t.Errorf("URIToPath(%q) = %q, %v; want %q", tc.want, back, err, tc.path)
		}
	}
}

func TestPathToURIRelative(t *testing.T) {
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := URIToPath(PathToURI("a.go"))
	if err != nil || got != filepath.Join(wd, "a.go") {
		t.Errorf("URIToPath(PathToURI(%q)) = %q, %v; want %q", "a.go", got, err, filepath.Join(wd, "a.go"))
	}
}
