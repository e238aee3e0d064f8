package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lspshare/lspshare/hubclient"
	"github.com/lspshare/lspshare/wire"
)

// startHubCommand runs "lspshare hub" in this process on a free loopback
// port, with extra flags, and returns its base URL; the hub stops at the end
// of the test.
func startHubCommand(t *testing.T, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, extra...)
	go func() {
		err := runHub(ctx, args, w, io.Discard)
		w.CloseWithError(io.EOF)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	lines := bufio.NewScanner(out)
	var base string
	for base == "" && lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "lspshare hub on "); ok {
			base, _, _ = strings.Cut(rest, " ")
		}
	}
	if base == "" {
		t.Fatalf("the hub printed no address: %v", lines.Err())
	}
	go io.Copy(io.Discard, out) // the rest of what it prints
	return base
}

func TestNewJSONAgainstRealHub(t *testing.T) {
	hub := startHubCommand(t)
	var stdout, stderr bytes.Buffer
	if err := runNew(context.Background(), []string{"--hub", hub, "team", "--json"}, &stdout, &stderr); err != nil {
		t.Fatalf("new: %v\n%s", err, stderr.String())
	}
	// Exactly one JSON object with exactly these members.
	dec := json.NewDecoder(&stdout)
	var got map[string]string
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output is not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("more than one JSON value printed (%v)", err)
	}
	if len(got) != 4 || got["session"] != "team" || got["view"] != got["attend"] ||
		!strings.HasPrefix(got["drive"], hub+"/s/team?key=") || !strings.HasPrefix(got["attend"], hub+"/s/team?key=") || got["drive"] == got["attend"] {
		t.Fatalf("links: %v", got)
	}

	// The drive link joins the session with the drive role.
	c, err := hubclient.New(hubclient.Config{Link: got["drive"], Name: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go c.Run(ctx)
	for f := range c.Events() {
		if f.Type == wire.TypeConnected {
			if f.Role != wire.RoleDrive || f.Session != "team" {
				t.Errorf("joined as %+v", f)
			}
			break
		}
		if f.Type == wire.TypeRefused {
			t.Fatalf("drive link refused: %s", f.Message)
		}
	}
	cancel()
	for range c.Events() { // until Run ends
	}

	// The same name again is a clear refusal.
	if err := runNew(context.Background(), []string{"--hub", hub, "--json", "team"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second new team: %v", err)
	}
}

func TestNewWithoutHub(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close() // nobody listens there now
	err = runNew(context.Background(), []string{"--hub", addr, "team"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no hub at "+addr+": start one with `lspshare hub`") {
		t.Fatalf("new without a hub: %v", err)
	}
}
