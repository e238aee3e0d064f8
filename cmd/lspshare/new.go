package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/wire"
)

const newSynopsis = `Usage: lspshare new [flags] NAME

Makes a session on a hub and prints its join links: the drive link may
navigate, the attend link follows (and, in a browser, is the session's web
page). The hub keeps only hashes of the keys, so keep the links.

A hub accepts new sessions from its own machine, or with its admin token
(--admin-token, env LSPSHARE_ADMIN_TOKEN).

Examples:
  lspshare new reading-group
  lspshare new --hub https://hub.example.org --json team`

func runNew(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lspshare new", newSynopsis, stderr)
	hubURL := fs.String("hub", envOr("LSPSHARE_HUB", "http://127.0.0.1:7777"), "the hub's address (env LSPSHARE_HUB)")
	token := fs.String("admin-token", os.Getenv("LSPSHARE_ADMIN_TOKEN"), "the hub's admin token, when not on its machine (env LSPSHARE_ADMIN_TOKEN)")
	asJSON := fs.Bool("json", false, "print the links as JSON")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fs.Usage()
		return errors.New("lspshare new takes one session name")
	}
	name := names[0]
	if err := wire.CheckSessionName(name); err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"name": name})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := hubRequest(ctx, http.MethodPost, *hubURL, "/api/sessions", *token, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("the hub refused: %s", readReason(resp.Body))
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read the hub's answer: %w", err)
	}
	var links wire.Links
	if err := json.Unmarshal(reply, &links); err != nil {
		return fmt.Errorf("the hub's answer: %w", err)
	}
	if *asJSON {
		_, err := stdout.Write(reply)
		return err
	}
	printLinks(stdout, links)
	return nil
}

// hubRequest sends an administrative request (JSON body, or none) to the
// hub at hubURL, with its admin token if one is given. Not reaching the hub
// at all is told apart from everything else, since it usually means no hub
// was started.
func hubRequest(ctx context.Context, method, hubURL, path, token string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(hubURL, "/")+path, body)
	if err != nil {
		return nil, fmt.Errorf("hub address: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client, err := certs.HTTPClient()
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		var dial *net.OpError
		if errors.As(err, &dial) && dial.Op == "dial" {
			return nil, fmt.Errorf("no hub at %s: start one with `lspshare hub` (%v)", hubURL, dial.Err)
		}
		return nil, fmt.Errorf("reach the hub at %s: %w", hubURL, certs.Explain(req.URL.Host, unwrapURL(err)))
	}
	return resp, nil
}

// unwrapURL drops a *url.Error's method and URL: the callers say which hub
// they tried to reach, and a URL of the hub's may hold a key.
func unwrapURL(err error) error {
	if u, ok := err.(*url.Error); ok {
		return u.Err
	}
	return err
}

// readReason reads a refusal's plain-text reason.
func readReason(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 4<<10))
	return strings.TrimSpace(string(b))
}
