package codetour

import "testing"

// The check refuses what CodeTour's schema refuses, and what it would
// silently ignore.
func TestCheck(t *testing.T) {
	good := `{"title": "t", "ref": "3f2a1b2", "steps": [
		{"file": "a/b.go", "line": 3, "title": "x", "description": "d"},
		{"description": "content only"},
		{"uri": "https://example.org/x.go", "description": "d", "selection": {"start": {"line": 1, "character": 1}, "end": {"line": 2, "character": 4}}},
		{"directory": "a", "description": "d", "commands": ["workbench.view.scm"], "view": "scm", "pattern": "^func"}
	], "isPrimary": false, "description": "", "stepMarker": "", "nextTour": "", "when": "true"}`
	if err := Check([]byte(good)); err != nil {
		t.Fatalf("a good tour refused: %v", err)
	}
	for _, bad := range []string{
		``,
		`[]`,
		`{"steps": []}`,
		`{"title": "t"}`,
		`{"title": "t", "steps": null}`,
		`{"title": 3, "steps": []}`,
		`{"title": "t", "steps": {}}`,
		`{"title": "t", "steps": [], "isPrimary": "yes"}`,
		`{"title": "t", "steps": [], "reference": "x"}`,
		`{"title": "t", "steps": [{"file": "a.go"}]}`,
		`{"title": "t", "steps": [{"description": "d", "line": "3"}]}`,
		`{"title": "t", "steps": [{"description": "d", "line": 0}]}`,
		`{"title": "t", "steps": [{"description": "d", "line": 2.5}]}`,
		`{"title": "t", "steps": [{"description": "d", "file": "/etc/passwd"}]}`,
		`{"title": "t", "steps": [{"description": "d", "file": "../x.go"}]}`,
		`{"title": "t", "steps": [{"description": "d", "file": "a\\b.go"}]}`,
		`{"title": "t", "steps": [{"description": "d", "file": "a.go", "uri": "file:///a.go"}]}`,
		`{"title": "t", "steps": [{"description": "d", "selection": {"start": {"line": 1, "character": 1}}}]}`,
		`{"title": "t", "steps": [{"description": "d", "selection": {"start": {"line": 1}, "end": {"line": 1, "character": 1}}}]}`,
		`{"title": "t", "steps": [{"description": "d", "commands": "x"}]}`,
		`{"title": "t", "steps": [{"description": "d", "lines": 3}]}`,
		`{"title": "t", "steps": []} {}`,
	} {
		if err := Check([]byte(bad)); err == nil {
			t.Errorf("a bad tour passed: %s", bad)
		}
	}
}
