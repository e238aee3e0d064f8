//go:build linux

package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/lspshare/lspshare/internal/lsptest"
)

// benchTarget is a workspace and the place in one of its files where the
// benchmark asks for definitions and hovers.
type benchTarget struct {
	name string
	dir  string
	env  []string
	file string // absolute
	at   protocol.Position
}

// BenchmarkProxy sends the same definition and hover requests straight to
// gopls and through lspshare lsp, alternating, and reports the time of each
// (direct-µs/op, proxy-µs/op), their ratio (proxy/direct), and the proxy's
// resident memory (proxy-RSS-MB, proxy-peak-RSS-MB). ns/op is the time of
// one direct plus one forwarded request.
//
// It runs on the demo workspace, and on the workspace named by the
// environment variable LSPSHARE_BENCH_WORKSPACE if set. There, the file is
// LSPSHARE_BENCH_FILE (relative to the workspace) and the position
// LSPSHARE_BENCH_POS ("LINE:COLUMN", 1-based, columns in UTF-16 units);
// by default the first qualified call (pkg.Name() of the first Go file
// found.
func BenchmarkProxy(b *testing.B) {
	targets := []benchTarget{demoTarget(b)}
	if dir := os.Getenv("LSPSHARE_BENCH_WORKSPACE"); dir != "" {
		targets = append(targets, envTarget(b, dir))
	}
	for _, target := range targets {
		b.Run(target.name, func(b *testing.B) { benchmarkTarget(b, target) })
	}
}

func benchmarkTarget(b *testing.B, target benchTarget) {
	gopls := lsptest.Gopls(b)
	opts := lsptest.Options{Dir: target.dir, Env: target.env}
	direct := lsptest.Start(b, []string{gopls}, opts)
	forwarded := lsptest.Start(b, []string{lsptest.Lspshare(b), "lsp", "--server", gopls}, opts)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	uri := lsptest.FileURI(target.file)
	text, err := os.ReadFile(target.file)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []*lsptest.Process{direct, forwarded} {
		if _, err := c.Initialize(ctx, lsptest.InitializeParams(lsptest.FileURI(target.dir))); err != nil {
			b.Fatal(err)
		}
		since := c.Since()
		c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
			"uri": uri, "languageId": "go", "version": 1, "text": string(text),
		}})
		// Diagnostics come once the workspace is loaded.
		if _, err := c.Await(ctx, since, lsptest.Diagnostics(uri, 1)); err != nil {
			b.Fatal(err)
		}
	}
	params := protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(uri)},
		Position:     target.at,
	}
	for _, method := range []string{"textDocument/definition", "textDocument/hover"} {
		b.Run(strings.TrimPrefix(method, "textDocument/"), func(b *testing.B) {
			call := func(c *lsptest.Process) time.Duration {
				start := time.Now()
				res, err := c.Call(ctx, method, params)
				if err != nil || string(res) == "null" {
					b.Fatalf("%s at %s:%d:%d: %s, %v", method, target.file, target.at.Line+1, target.at.Character+1, res, err)
				}
				return time.Since(start)
			}
			for range 20 { // warm both: caches, type-checking
				call(direct)
				call(forwarded)
			}
			var straight, through time.Duration
			cpu0 := cpuTime(b, forwarded)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%2 == 0 { // alternate who goes first
					straight += call(direct)
					through += call(forwarded)
				} else {
					through += call(forwarded)
					straight += call(direct)
				}
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64((cpuTime(b, forwarded)-cpu0).Microseconds())/n, "proxy-cpu-µs/op")
			b.ReportMetric(float64(straight.Microseconds())/n, "direct-µs/op")
			b.ReportMetric(float64(through.Microseconds())/n, "proxy-µs/op")
			b.ReportMetric(float64(through)/float64(straight), "proxy/direct")
			mem, err := lsptest.MemoryOf(forwarded.PID())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(mem.RSS)/(1<<20), "proxy-RSS-MB")
			b.ReportMetric(float64(mem.PeakRSS)/(1<<20), "proxy-peak-RSS-MB")
		})
	}
}

func demoTarget(b *testing.B) benchTarget {
	sb := lsptest.NewDemo(b)
	return benchTarget{
		name: "demo",
		dir:  sb.Workdir,
		env:  sb.Env(),
		file: sb.Path("main.go"),
		at:   sb.Pos(b, "main.go", "Hello("),
	}
}

// envTarget reads the workspace to measure from LSPSHARE_BENCH_*.
func envTarget(b *testing.B, dir string) benchTarget {
	dir, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	t := benchTarget{name: "env", dir: dir, env: lsptest.HostEnv(b)}
	if f := os.Getenv("LSPSHARE_BENCH_FILE"); f != "" {
		t.file = filepath.Join(dir, f)
	} else if t.file, err = firstGoFile(dir); err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(t.file)
	if err != nil {
		b.Fatal(err)
	}
	if pos := os.Getenv("LSPSHARE_BENCH_POS"); pos != "" {
		line, col, ok := strings.Cut(pos, ":")
		l, err1 := strconv.Atoi(line)
		c, err2 := strconv.Atoi(col)
		if !ok || err1 != nil || err2 != nil || l < 1 || c < 1 {
			b.Fatalf("LSPSHARE_BENCH_POS=%q, want LINE:COLUMN, 1-based", pos)
		}
		t.at = protocol.Position{Line: uint32(l - 1), Character: uint32(c - 1)}
	} else if t.at, err = firstQualifiedCall(string(text)); err != nil {
		b.Fatalf("%s: %v; set LSPSHARE_BENCH_POS", t.file, err)
	}
	b.Logf("LSPSHARE_BENCH_WORKSPACE: %s:%d:%d", t.file, t.at.Line+1, t.at.Character+1)
	return t
}

// firstGoFile returns the first Go file, in walk order, outside testdata
// and vendor folders that is not a test and has a qualified call.
func firstGoFile(dir string) (string, error) {
	var found string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != dir && (d.Name() == "testdata" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".")):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := firstQualifiedCall(string(text)); err == nil {
			found = path
			return fs.SkipAll
		}
		return nil
	})
	if err == nil && found == "" {
		err = fmt.Errorf("no Go file with a qualified call in %s", dir)
	}
	return found, err
}

var qualifiedCall = regexp.MustCompile(`\b[a-z][A-Za-z0-9_]*\.([A-Z][A-Za-z0-9_]*)\(`)

// firstQualifiedCall returns the position of Name in the first pkg.Name( of
// a function body.
func firstQualifiedCall(text string) (protocol.Position, error) {
	body := strings.Index(text, "\nfunc ")
	if body < 0 {
		return protocol.Position{}, fmt.Errorf("no function")
	}
	m := qualifiedCall.FindStringSubmatchIndex(text[body:])
	if m == nil {
		return protocol.Position{}, fmt.Errorf("no qualified call")
	}
	return lsptest.PositionOf(text, body+m[2]), nil
}

// BenchmarkRelay measures what the proxy alone adds to a round trip: the
// same small request, of a method the proxy does not look into, to the
// scripted fake server, straight and through lspshare lsp, alternating.
func BenchmarkRelay(b *testing.B) {
	argv, _ := lsptest.FakeServer(b)
	direct := lsptest.Start(b, argv, lsptest.Options{})
	forwarded := lsptest.Start(b, append([]string{lsptest.Lspshare(b), "lsp", "--server"}, strings.Join(argv, " ")), lsptest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	params := map[string]any{"textDocument": map[string]string{"uri": "file:///a.go"}, "position": map[string]int{"line": 1, "character": 2}}
	call := func(c *lsptest.Process) time.Duration {
		start := time.Now()
		if _, err := c.Call(ctx, "textDocument/foldingRange", params); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var straight, through time.Duration
	cpu0 := cpuTime(b, forwarded)
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			straight += call(direct)
			through += call(forwarded)
		} else {
			through += call(forwarded)
			straight += call(direct)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64((cpuTime(b, forwarded)-cpu0).Microseconds())/n, "proxy-cpu-µs/op")
	b.ReportMetric(float64(straight.Microseconds())/n, "direct-µs/op")
	b.ReportMetric(float64(through.Microseconds())/n, "proxy-µs/op")
	b.ReportMetric(float64(through-straight)/n/1e3, "added-µs/op")
}

// cpuTime is the CPU time the lspshare process (not its server) has used.
func cpuTime(b *testing.B, p *lsptest.Process) time.Duration {
	d, err := lsptest.CPUTime(p.PID())
	if err != nil {
		b.Fatal(err)
	}
	return d
}
