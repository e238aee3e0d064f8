package goenv

import (
	"runtime"
	"testing"
)

// The tests are run by the go command, so it is there to ask.
func TestRead(t *testing.T) {
	vars, err := Read("GOROOT", "GOVERSION", "GONOSUCHVARIABLE")
	if err != nil {
		t.Fatal(err)
	}
	if vars["GOROOT"] == "" {
		t.Error("GOROOT is empty")
	}
	if vars["GOVERSION"] != runtime.Version() {
		t.Errorf("GOVERSION %q, want %q (the go that built this test)", vars["GOVERSION"], runtime.Version())
	}
	if v, ok := vars["GONOSUCHVARIABLE"]; !ok || v != "" {
		t.Errorf("unknown variable: %q %v, want present and empty", v, ok)
	}
}
