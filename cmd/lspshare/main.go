// Command lspshare lets a group read code together, each person in their own
// editor, all following one navigator.
//
// Each participant's editor runs "lspshare lsp" in place of gopls; a session
// hub ("lspshare hub") carries the navigator's moves to everyone else.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand of lspshare.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"lsp", "the language server proxy your editor runs in place of gopls", runLSP},
		{"hub", "run a session hub (ready to use with no arguments)", runHub},
		{"new", "create a session on a hub and print its join links", runNew},
		{"sessions", "list or delete the sessions a hub keeps", runSessions},
		{"notes", "write Markdown notes of a session's walk, with a diagram", runNotes},
		{"version", "print the version and the commit it was built from", runVersion},
	}
}

const usage = `lspshare lets a group read code together: everyone in their own editor,
all following one navigator.

Usage:
  lspshare <command> [flags]

Commands:
%s
Start here:
  lspshare hub                      # a hub on 127.0.0.1:7777 with a first session; prints join links
  LSPSHARE_JOIN=LINK lspshare lsp   # what your editor runs instead of gopls

Run "lspshare <command> --help" for a command's flags.
`

func main() {
	// syscall.SIGTERM exists on every target: on Windows it stands for the
	// console's close, logoff and shutdown events (see os/signal).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "lspshare: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if editorLaunch(args) {
		// An editor set up for gopls runs lspshare in gopls's place, with
		// gopls's arguments (or none, on a pipe): act as "lspshare lsp".
		return runLSP(ctx, args, stdout, stderr)
	}
	if len(args) == 0 {
		printUsage(stderr)
		return errors.New("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return nil
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	printUsage(stderr)
	return fmt.Errorf("unknown command %q", name)
}

// editorLaunch reports whether lspshare was started the way editors start
// gopls: "serve", a gopls flag first, or no arguments with stdin on a pipe.
func editorLaunch(args []string) bool {
	if len(args) == 0 {
		fi, err := os.Stdin.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice == 0
	}
	switch a := args[0]; {
	case a == "serve":
		return true
	case strings.HasPrefix(a, "-"):
		name, _ := flagName(a)
		return name != "h" && name != "help" && name != "version"
	}
	return false
}

func printUsage(w io.Writer) {
	var list string
	for _, c := range commands() {
		list += fmt.Sprintf("  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, usage, list)
}

// parseArgs parses flags wherever they stand among args, so that
// "lspshare notes NAME -o FILE" works as well as "-o FILE NAME" (the flag
// package stops at the first argument that is no flag), and returns the
// other arguments. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// newFlagSet returns a flag set that prints its usage with a summary line and
// returns flag.ErrHelp on -h, so each subcommand teaches itself.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
