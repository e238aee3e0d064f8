package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/wire"
)

const notesSynopsis = `Usage: lspshare notes [flags] NAME|LINK

Writes Markdown notes of a session's walk through the code: every jump in
order, with its symbol, where it went from and to, a short code excerpt and
a permalink at the session's commit, then a Mermaid diagram of the packages
and symbols walked through. The hub makes them; excerpts come from the wheel
holder's files, so make the notes while the navigator is connected to get
them.

The hub wants a join key: give the session's join link, or its name with
--key (env LSPSHARE_KEY); a name alone uses the key of $LSPSHARE_JOIN when
that link is for the same session.

Examples:
  lspshare notes 'http://127.0.0.1:7777/s/main?key=…' -o notes.md
  lspshare notes main --hub https://hub.example.org --key "$KEY"`

func runNotes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lspshare notes", notesSynopsis, stderr)
	hubURL := fs.String("hub", envOr("LSPSHARE_HUB", "http://127.0.0.1:7777"), "the hub's address, with a session name (env LSPSHARE_HUB)")
	key := fs.String("key", os.Getenv("LSPSHARE_KEY"), "a join key of the session (env LSPSHARE_KEY)")
	out := fs.String("o", "", "write the notes to this file instead of stdout")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fs.Usage()
		return errors.New("lspshare notes takes one session name or join link")
	}
	hub, name, k, err := notesTarget(names[0], *hubURL, *key)
	if err != nil {
		return err
	}
	md, err := fetchNotes(ctx, hub, name, k)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(md)
		return err
	}
	if err := os.WriteFile(*out, md, 0o644); err != nil {
		return fmt.Errorf("write notes: %w", err)
	}
	fmt.Fprintf(stderr, "notes of session %s written to %s\n", name, *out)
	return nil
}

// notesTarget finds the hub, session and key the notes come from.
func notesTarget(arg, hubURL, key string) (hub, name, k string, err error) {
	if strings.Contains(arg, "://") {
		return wire.ParseLink(arg)
	}
	if err := wire.CheckSessionName(arg); err != nil {
		return "", "", "", err
	}
	if key == "" {
		if h, n, k, err := wire.ParseLink(os.Getenv("LSPSHARE_JOIN")); err == nil && n == arg {
			return h, n, k, nil
		}
		return "", "", "", fmt.Errorf("notes need a join key of session %s: give its join link, or --key", arg)
	}
	return strings.TrimSuffix(hubURL, "/"), arg, key, nil
}

func fetchNotes(ctx context.Context, hub, name, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hub+"/s/"+url.PathEscape(name)+"/notes.md", nil)
	if err != nil {
		return nil, fmt.Errorf("hub address: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	client, err := certs.HTTPClient()
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the hub at %s: %w", hub, certs.Explain(req.URL.Host, unwrapURL(err)))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the notes: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the hub refused: %s", strings.TrimSpace(string(body)))
	}
	return body, nil
}
