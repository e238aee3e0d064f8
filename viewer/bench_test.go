package viewer

import (
	"strings"
	"testing"
)

// BenchmarkHighlight measures highlighting a Go file of about 100 KB, the
// work the hub does once per file for all the pages watching.
func BenchmarkHighlight(b *testing.B) {
	src := []byte(strings.Repeat(demoFiles(b)["greet/greet.go"], 200))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if html := highlight("greet/greet.go", src); len(html) < len(src) {
			b.Fatal("short output")
		}
	}
}
