package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/lspshare/lspshare/store"
)

const sessionsSynopsis = `Usage: lspshare sessions [--data DIR] [list | delete NAME]

Lists the sessions a hub keeps, or deletes one with its trail. It works on
the hub's store directly, so stop the hub first (a running hub holds the
store).`

func runSessions(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lspshare sessions", sessionsSynopsis, stderr)
	data := fs.String("data", defaultDataDir(), "directory of the hub's store")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	verb := "list"
	if len(rest) > 0 {
		verb, rest = rest[0], rest[1:]
	}
	switch {
	case verb == "list" && len(rest) == 0:
	case verb == "delete" && len(rest) == 1:
	default:
		fs.Usage()
		return errors.New("say list, or delete NAME")
	}
	db, err := store.OpenBoltStore(*data)
	if errors.Is(err, store.ErrStoreBusy) {
		return fmt.Errorf("%w: stop the hub first", err)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	if verb == "delete" {
		if err := db.DeleteSession(rest[0]); err != nil {
			return err
		}
		if err := forgetFirstLinks(*data, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted session %s\n", rest[0])
		return nil
	}
	list, err := db.Sessions()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "no sessions in %s\n", *data)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION\tCREATED\tMOVES\tLAST MOVE\tPEOPLE")
	for _, s := range list {
		last := "-"
		if !s.LastMove.IsZero() {
			last = s.LastMove.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\n", s.Name, s.Created.Local().Format(time.DateTime), s.Moves, last, s.People)
	}
	return tw.Flush()
}
