package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
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
	var delaySum, delays float64 // of lspshare_hub_move_delay_seconds, whose buckets are for a scraper
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		switch reason, isDrop := strings.CutPrefix(name, `lspshare_hub_drops_total{reason="`); {
		case isDrop:
			fmt.Fprintf(tw, "dropped: %s\t%s\n", strings.TrimSuffix(reason, `"}`), value)
		case name == "lspshare_hub_move_delay_seconds_sum":
			delaySum, _ = strconv.ParseFloat(value, 64)
		case name == "lspshare_hub_move_delay_seconds_count":
			delays, _ = strconv.ParseFloat(value, 64)
		case strings.HasPrefix(name, "lspshare_hub_move_delay_seconds"):
		default:
			fmt.Fprintf(tw, "%s\t%s\n", strings.TrimPrefix(name, "lspshare_hub_"), value)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the hub's metrics: %w", err)
	}
	fmt.Fprintf(tw, "moves written to followers\t%.0f\n", delays)
	if delays > 0 {
		fmt.Fprintf(tw, "hub's delay per move, mean\t%.2f ms\n", delaySum/delays*1e3)
	}
	return tw.Flush()
}
