package files

import (
	"os"
	"testing"
)

// mkfifo makes a directory where Unix gets a FIFO: Windows has none, and a
// directory is as far from a regular file.
func mkfifo(t testing.TB, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
}
