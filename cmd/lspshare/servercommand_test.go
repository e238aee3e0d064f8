package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestServerCommand(t *testing.T) {
	program := filepath.Join(t.TempDir(), "Program Files", "gopls")
	if err := os.MkdirAll(filepath.Dir(program), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(program, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--server", "gopls -remote=auto", "-mode=stdio"}, []string{"gopls", "-remote=auto", "-mode=stdio"}},
		{[]string{"--server", program, "-mode=stdio"}, []string{program, "-mode=stdio"}},
		{[]string{"--server", "none"}, nil},
	} {
		o, err := parseLSPArgs(c.args, os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.serverCommand(); !slices.Equal(got, c.want) {
			t.Errorf("%q: server command %q, want %q", c.args, got, c.want)
		}
	}
}
