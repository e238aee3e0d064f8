package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/lspshare/lspshare/wire"
)

// TestHubStats: --stats reads a running hub's counters over HTTP; a frame
// the hub cannot take shows up as a drop.
func TestHubStats(t *testing.T) {
	hub := startHubProcess(t, "127.0.0.1:0", t.TempDir())
	c := runClient(t, hub.attend, "ann")
	for f := range c.Events() {
		if f.Type == wire.TypeConnected {
			break
		}
	}
	addr := strings.TrimPrefix(hub.url, "http://")

	var out bytes.Buffer
	if err := runHub(context.Background(), []string{"--stats", "--addr", addr}, &out, io.Discard); err != nil {
		t.Fatalf("--stats: %v", err)
	}
	for _, want := range []string{`(?m)^hub\s+` + regexp.QuoteMeta(hub.url) + `$`, `(?m)^connections\s+1$`, `(?m)^dropped: send_queue_full\s+0$`, `(?m)^dropped: malformed_frame\s+0$`, `(?m)^moves written to followers\s+0$`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("--stats output lacks %s:\n%s", want, out.String())
		}
	}
}

func TestHubStatsWithoutHub(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = runHub(context.Background(), []string{"--stats", "--addr", addr}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no hub at http://"+addr) {
		t.Fatalf("--stats without a hub: %v", err)
	}
}
