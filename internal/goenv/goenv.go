// Package goenv reads the go command's environment (`go env`), for the
// places where lspshare must agree with the go command on where things are:
// the module cache, GOROOT, the folders binaries are installed in.
package goenv

import (
	"encoding/json"
	"fmt"
	"os/exec"
)

// Read returns the values of the named variables as `go env` reports them
// (an unset variable is ""). It fails when the go command is missing or
// does not answer: callers decide what a machine without Go means to them.
func Read(names ...string) (map[string]string, error) {
	out, err := exec.Command("go", append([]string{"env", "-json"}, names...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	vars := make(map[string]string, len(names))
	if err := json.Unmarshal(out, &vars); err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	for _, n := range names {
		vars[n] += "" // present even if go env left it out
	}
	return vars, nil
}
