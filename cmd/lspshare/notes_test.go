package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/store"
	"github.com/lspshare/lspshare/viewer"
	"github.com/lspshare/lspshare/wire"
)

func TestSessionsCommand(t *testing.T) {
	data := t.TempDir()
	db, err := store.OpenBoltStore(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"main", "old"} {
		if err := db.CreateSession(store.SessionRecord{Name: name, Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendTrail("old", store.TrailEntry{Seq: 1, Kind: wire.KindJump, To: []byte(`{}`), At: time.Now()}, nil)
	if err := saveFirstLinks(data, wire.MakeLinks("http://h", "old", "d", "a")); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runSessions(context.Background(), args, &out, &out)
		return out.String(), err
	}
	if _, err := run("--data", data); err == nil || !strings.Contains(err.Error(), "stop the hub first") {
		t.Fatalf("list while the store is open: %v", err)
	}
	db.Close()
	out, err := run("--data", data, "list")
	if err != nil || !strings.Contains(out, "SESSION") || !strings.Contains(out, "main ") || !strings.Contains(out, "old ") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := run("delete", "old", "--data", data); err != nil || out != "deleted session old\n" {
		t.Fatalf("delete: %v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, firstLinksFile)); !os.IsNotExist(err) {
		t.Errorf("the deleted session's links are still kept: %v", err)
	}
	if _, err := run("--data", data, "delete", "old"); err == nil {
		t.Error("deleting a missing session succeeded")
	}
	if out, _ := run("--data", data); strings.Contains(out, "old") {
		t.Errorf("deleted session still listed:\n%s", out)
	}
	if _, err := run("--data", data, "frobnicate"); err == nil {
		t.Error("unknown verb accepted")
	}
}

func TestNotesCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	h := hub.New(hub.Config{BaseURL: base})
	view := viewer.New(h, viewer.Config{})
	links, err := h.CreateSession("team")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: view}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		view.Close()
		h.Close()
	})

	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runNotes(context.Background(), args, &out, &errOut)
		return out.String(), err
	}
	if out, err := run(links.Attend); err != nil || !strings.HasPrefix(out, "# Notes of session team\n") {
		t.Fatalf("notes by link: %v\n%s", err, out)
	}
	_, _, key, _ := wire.ParseLink(links.Drive)
	file := filepath.Join(t.TempDir(), "notes.md")
	if _, err := run("team", "--hub", base, "--key", key, "-o", file); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "No moves yet.") {
		t.Fatalf("notes file: %v %s", err, b)
	}
	t.Setenv("LSPSHARE_JOIN", links.Attend)
	t.Setenv("LSPSHARE_KEY", "")
	if _, err := run("team"); err != nil {
		t.Errorf("notes with the key of $LSPSHARE_JOIN: %v", err)
	}
	if _, err := run("other"); err == nil || !strings.Contains(err.Error(), "join key") {
		t.Errorf("notes without a key: %v", err)
	}
	if _, err := run("team", "--hub", base, "--key", "wrong"); err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Errorf("notes with a wrong key: %v", err)
	}
}
