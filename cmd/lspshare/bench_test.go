//go:build linux

package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
// gopls, through a relay that only copies bytes (lsptest.CopyRelay: the
// floor of any process in between), and through lspshare lsp, in turn, and
// reports the time of each (direct-µs/op, copy-µs/op, proxy-µs/op, and
// their medians, NAME-p50-µs), the ratios to direct, the relays' own CPU
// time per request (copy-cpu-µs/op, proxy-cpu-µs/op) and the proxy's
// resident memory (proxy-RSS-MB, proxy-peak-RSS-MB). ns/op is the time of
// one request to each.
//
// With LSPSHARE_BENCH_SOCAT=1 a fourth contender relays through socat (a C
// program that only copies: apt-get install socat), and the benchmark
// reports the proxy's ratio to it, of the means (proxy/socat) and of the
// medians (proxy/socat-p50).
//
// With LSPSHARE_BENCH_BASE=PATH, one more contender runs PATH lsp, an
// lspshare built from another commit, so that a change is measured against
// what it changes in the same run: the benchmark then reports base-µs/op,
// base-p50-µs, base-cpu-µs/op and the proxy's ratio of medians to it
// (proxy/base-p50).
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
	sides := startContenders(b, []string{lsptest.Gopls(b)}, lsptest.Options{Dir: target.dir, Env: target.env})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	uri := lsptest.FileURI(target.file)
	text, err := os.ReadFile(target.file)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range sides {
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
	awaitQuiet(b, sides)
	params := protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(uri)},
		Position:     target.at,
	}
	for _, method := range []string{"textDocument/definition", "textDocument/hover"} {
		b.Run(strings.TrimPrefix(method, "textDocument/"), func(b *testing.B) {
			race(b, sides, func(c *lsptest.Process) {
				res, err := c.Call(ctx, method, params)
				if err != nil || string(res) == "null" {
					b.Fatalf("%s at %s:%d:%d: %s, %v", method, target.file, target.at.Line+1, target.at.Character+1, res, err)
				}
			})
		})
	}
}

// contender is a way to reach a server.
type contender struct {
	name string // "direct", "copy" or "proxy"
	*lsptest.Process
}

// race makes b.N rounds of call on each contender in turn, rotating who goes
// first, after a warm-up. It reports each one's time per call (NAME-µs/op),
// its ratio to the first one's (NAME/direct) and, for the relays after the
// first, their own CPU time per call (NAME-cpu-µs/op, without the server's),
// and the memory of the last one, the proxy.
func race(b *testing.B, cs []contender, call func(*lsptest.Process)) {
	for range 20 { // warm all: caches, type-checking
		for _, c := range cs {
			call(c.Process)
		}
	}
	spent := make([]time.Duration, len(cs))
	times := make([][]time.Duration, len(cs))
	cpu := make([]time.Duration, len(cs))
	for j, c := range cs {
		cpu[j] = -cpuTime(b, c.Process)
		times[j] = make([]time.Duration, 0, b.N)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range cs {
			j := (i + k) % len(cs)
			start := time.Now()
			call(cs[j].Process)
			d := time.Since(start)
			spent[j] += d
			times[j] = append(times[j], d)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	p50 := make(map[string]time.Duration, len(cs))
	mean := make(map[string]time.Duration, len(cs))
	for j, c := range cs {
		slices.Sort(times[j])
		p50[c.name], mean[c.name] = times[j][len(times[j])/2], spent[j]
		b.ReportMetric(float64(spent[j].Microseconds())/n, c.name+"-µs/op")
		b.ReportMetric(float64(p50[c.name].Nanoseconds())/1e3, c.name+"-p50-µs")
		if j > 0 {
			b.ReportMetric(float64(spent[j])/float64(spent[0]), c.name+"/direct")
			cpu[j] += cpuTime(b, c.Process)
			b.ReportMetric(float64(cpu[j].Microseconds())/n, c.name+"-cpu-µs/op")
		}
	}
	if _, ok := p50["socat"]; ok {
		b.ReportMetric(float64(mean["proxy"])/float64(mean["socat"]), "proxy/socat")
		b.ReportMetric(float64(p50["proxy"])/float64(p50["socat"]), "proxy/socat-p50")
	}
	if _, ok := p50["base"]; ok {
		b.ReportMetric(float64(p50["proxy"])/float64(p50["base"]), "proxy/base-p50")
	}
	mem, err := lsptest.MemoryOf(cs[len(cs)-1].PID())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(mem.RSS)/(1<<20), "proxy-RSS-MB")
	b.ReportMetric(float64(mem.PeakRSS)/(1<<20), "proxy-peak-RSS-MB")
}

// startContenders starts server straight, behind a copy relay, behind
// socat if LSPSHARE_BENCH_SOCAT=1, behind the lspshare of
// LSPSHARE_BENCH_BASE if set, and behind lspshare lsp, in that order.
func startContenders(b *testing.B, server []string, opts lsptest.Options) []contender {
	cs := []contender{
		{"direct", lsptest.Start(b, server, opts)},
		{"copy", lsptest.Start(b, lsptest.CopyRelay(b, server), opts)},
	}
	if os.Getenv("LSPSHARE_BENCH_SOCAT") == "1" {
		cs = append(cs, contender{"socat", lsptest.Start(b, socatRelay(b, server), opts)})
	}
	if base := os.Getenv("LSPSHARE_BENCH_BASE"); base != "" {
		cs = append(cs, contender{"base", lsptest.Start(b, []string{base, "lsp", "--server", strings.Join(server, " ")}, opts)})
	}
	return append(cs, contender{"proxy", lsptest.Start(b, []string{lsptest.Lspshare(b), "lsp", "--server", strings.Join(server, " ")}, opts)})
}

// socatRelay is server behind socat, which copies stdio to the server's
// and back (EXEC splits its command at spaces, as --server does).
func socatRelay(b *testing.B, server []string) []string {
	socat, err := exec.LookPath("socat")
	if err != nil {
		b.Fatalf("LSPSHARE_BENCH_SOCAT=1 needs socat (apt-get install socat): %v", err)
	}
	return []string{socat, "STDIO", "EXEC:" + strings.Join(server, " ")}
}

// awaitQuiet waits until the contenders' servers have finished the work
// they do after the file's diagnostics (gopls goes on loading and checking a
// large workspace for a while), so that one contender's server does not
// take the CPU from another's round trips: until all their processes
// together use less than 2% of a core over a second, for at most 5 minutes.
func awaitQuiet(b *testing.B, cs []contender) {
	used := func() (d time.Duration) {
		for _, c := range cs {
			d += treeCPU(c.PID())
		}
		return d
	}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); {
		before := used()
		time.Sleep(time.Second)
		if used()-before < 20*time.Millisecond {
			return
		}
	}
	b.Log("the servers were still busy after 5 minutes; measuring anyway")
}

// treeCPU is the CPU time pid and its descendants have used (0 for those
// gone meanwhile).
func treeCPU(pid int) time.Duration {
	d, _ := lsptest.CPUTime(pid)
	kids, _ := lsptest.Children(pid)
	for _, k := range kids {
		d += treeCPU(k.PID)
	}
	return d
}

// cpuTime is the CPU time a process (not its children) has used.
func cpuTime(b *testing.B, p *lsptest.Process) time.Duration {
	d, err := lsptest.CPUTime(p.PID())
	if err != nil {
		b.Fatal(err)
	}
	return d
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
// scripted fake server, straight, through a copy relay and through
// lspshare lsp.
func BenchmarkRelay(b *testing.B) {
	argv, _ := lsptest.FakeServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	params := map[string]any{"textDocument": map[string]string{"uri": "file:///a.go"}}
	race(b, startContenders(b, argv, lsptest.Options{}), func(c *lsptest.Process) {
		if _, err := c.Call(ctx, "textDocument/foldingRange", params); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkStartup measures the time from starting the server process to
// the answer to the editor's initialize, straight to gopls (direct-ms/op)
// and through lspshare lsp (proxy-ms/op), in turn (rotating who goes
// first), on the demo workspace, outside a session; and the difference of
// their medians (added-p50-ms), which is what an editor waits for more.
// Each process is shut down before the next starts.
func BenchmarkStartup(b *testing.B) {
	sb := lsptest.NewDemo(b)
	gopls := lsptest.Gopls(b)
	contenders := []struct {
		name string
		argv []string
	}{
		{"direct", []string{gopls}},
		{"proxy", []string{lsptest.Lspshare(b), "lsp", "--server", gopls}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	opts := lsptest.Options{Dir: sb.Workdir, Env: sb.Env()}
	params := lsptest.InitializeParams(lsptest.FileURI(sb.Workdir))
	took := make([][]time.Duration, len(contenders))
	i := 0
	for b.Loop() {
		for k := range contenders {
			j := (i + k) % len(contenders)
			start := time.Now()
			p := lsptest.Start(b, contenders[j].argv, opts)
			if _, err := p.Initialize(ctx, params); err != nil {
				b.Fatalf("%s: %v", contenders[j].name, err)
			}
			took[j] = append(took[j], time.Since(start))
			if err := p.Shutdown(ctx); err != nil {
				b.Fatalf("%s: shutdown: %v", contenders[j].name, err)
			}
		}
		i++
	}
	p50 := make([]time.Duration, len(contenders))
	for j, c := range contenders {
		slices.Sort(took[j])
		p50[j] = took[j][len(took[j])/2]
		b.ReportMetric(float64(p50[j].Microseconds())/1e3, c.name+"-p50-ms")
	}
	b.ReportMetric(float64((p50[1]-p50[0]).Microseconds())/1e3, "added-p50-ms")
}
