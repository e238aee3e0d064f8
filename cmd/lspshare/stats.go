package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// printStats reads a running hub's /metrics and prints its counters as a
// table: the drops by reason, then the rest. The hub's store is locked while
// it runs, so the counters can only come from the hub itself.
func printStats(ctx context.Context, w io.Writer, hubURL, token string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := hubRequest(ctx, http.MethodGet, hubURL, "/metrics", token, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the hub refused: %s", readReason(resp.Body))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "hub\t%s\n", hubURL)
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 1<<20))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if reason, ok := strings.CutPrefix(name, `lspshare_hub_drops_total{reason="`); ok {
			name = "dropped: " + strings.TrimSuffix(reason, `"}`)
		} else {
			name = strings.TrimPrefix(name, "lspshare_hub_")
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, value)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the hub's metrics: %w", err)
	}
	return tw.Flush()
}
