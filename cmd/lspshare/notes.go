package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/wire"
)

const notesSynopsis = `Usage: lspshare notes [flags] NAME|LINK

Writes Markdown notes of a session's walk through the code: every jump and
every note and question (open or resolved, with its replies), in time
order, each with its place and a permalink at the session's commit, the
jumps with their symbol and a short code excerpt; then a Mermaid diagram of
the packages and symbols walked through. The hub makes them; excerpts come
from the wheel holder's files, so make the notes while the navigator is
connected to get them.

--format tour writes the walk as a CodeTour file instead, to replay it in
VS Code with the CodeTour extension: one step per jump at its file and line,
holding the notes and questions posted there, at the session's commit.
Places outside the repository (module cache, GOROOT) become steps without a
file, their permalink and excerpt in the text. Save it in the checkout's
.tours folder.

The hub wants a join key: give the session's join link, or its name with
--key (env LSPSHARE_KEY); a name alone uses the key of $LSPSHARE_JOIN when
that link is for the same session.

Examples:
  lspshare notes 'http://127.0.0.1:7777/s/main?key=…' -o notes.md
  lspshare notes main --hub https://hub.example.org --key "$KEY"
  lspshare notes --format tour 'http://127.0.0.1:7777/s/main?key=…' -o .tours/main.tour`

// notesFormats are the --format values and the hub's file for each.
var notesFormats = map[string]string{"markdown": "notes.md", "tour": "notes.tour"}

func runNotes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lspshare notes", notesSynopsis, stderr)
	hubURL := fs.String("hub", envOr("LSPSHARE_HUB", "http://127.0.0.1:7777"), "the hub's address, with a session name (env LSPSHARE_HUB)")
	key := fs.String("key", os.Getenv("LSPSHARE_KEY"), "a join key of the session (env LSPSHARE_KEY)")
	out := fs.String("o", "", "write the notes to this file instead of stdout")
	format := fs.String("format", "markdown", "markdown, or tour for a CodeTour file (.tour) to replay the walk in VS Code")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fs.Usage()
		return errors.New("lspshare notes takes one session name or join link")
	}
	file, ok := notesFormats[*format]
	if !ok {
		return fmt.Errorf("no notes format %q: use markdown or tour", *format)
	}
	hub, name, k, err := notesTarget(names[0], *hubURL, *key)
	if err != nil {
		return err
	}
	notes, err := fetchNotes(ctx, hub, name, file, k)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(notes)
		return err
	}
	// .tours/NAME.tour works in a checkout that has no tour yet.
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fmt.Errorf("write notes: %w", err)
	}
	if err := os.WriteFile(*out, notes, 0o644); err != nil {
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

// fetchNotes gets the notes the hub writes in a file of the session's.
func fetchNotes(ctx context.Context, hub, name, file, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hub+"/s/"+url.PathEscape(name)+"/"+file, nil)
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
