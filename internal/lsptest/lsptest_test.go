package lsptest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/internal/lsptest"
)

func TestMain(m *testing.M) { lsptest.Main(m) }

// TestDemoWithGopls checks the sandbox against real gopls: the dependency
// resolves into the sandbox's module cache, the standard library into GOROOT.
func TestDemoWithGopls(t *testing.T) {
	gopls := lsptest.Gopls(t)
	sb := lsptest.NewDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := lsptest.Start(t, []string{gopls}, lsptest.Options{Dir: sb.Workdir, Env: sb.Env()})
	if _, err := srv.Initialize(ctx, lsptest.InitializeParams(sb.RootURI())); err != nil {
		t.Fatal(err)
	}
	if err := srv.Notify("textDocument/didOpen", sb.OpenParams(t, "main.go")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ at, want string }{
		{"Answer()", lsptest.FileURI(sb.GOMODCACHE) + "/example.com/dep@v1.0.0/dep.go"},
		{"Println(msg", "/src/fmt/print.go"},
		{"Hello(", sb.URI("greet/greet.go")},
	} {
		res, err := srv.Call(ctx, "textDocument/definition", sb.At(t, "main.go", c.at))
		if err != nil {
			t.Fatal(err)
		}
		var locs []struct{ URI string }
		if err := json.Unmarshal(res, &locs); err != nil || len(locs) != 1 || !strings.HasSuffix(locs[0].URI, c.want) {
			t.Errorf("definition of %s = %s, want one location in %s", c.at, res, c.want)
		}
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("gopls exit: %v", err)
	}
}

func TestFakeServerEcho(t *testing.T) {
	argv, rec := lsptest.FakeServer(t)
	srv := lsptest.Start(t, argv, lsptest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := srv.Call(ctx, "any/thing", json.RawMessage(`{"b":1, "a":[2]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"method":"any/thing","params":{"b":1, "a":[2]}}`; string(res) != want {
		t.Errorf("echo = %s, want %s", res, want)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	methods, err := rec.Methods()
	if err != nil || strings.Join(methods, " ") != "any/thing shutdown exit" {
		t.Errorf("recorded %q, %v", methods, err)
	}
}
