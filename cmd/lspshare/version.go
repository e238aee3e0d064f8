package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version and commit are stamped by release builds (scripts/dist.sh):
//
//	go build -ldflags "-X main.version=v0.2.0 -X main.commit=1754ad2…" ./cmd/lspshare
//
// Left empty, they come from what the go command records in every binary,
// so that "go install …@v0.2.0" and a plain "go build" in a checkout still
// say what they are.
var (
	version string
	commit  string
)

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	info, _ := debug.ReadBuildInfo()
	v, c := buildVersion(version, commit, info)
	if c == "" {
		c = "unknown: this build has no version control information"
	}
	fmt.Fprintf(stdout, "lspshare %s (commit %s)\n", v, c)
	return nil
}

// buildVersion is the version and commit of a binary: the stamped ones
// where set, else the module version and the vcs.revision the go command
// recorded in info (which may be nil), with "-dirty" when the checkout had
// changes. The commit is empty when nothing names one: module downloads
// ("go install …@v0.2.0") and builds outside a checkout carry no revision.
func buildVersion(stampedVersion, stampedCommit string, info *debug.BuildInfo) (v, c string) {
	v, c = stampedVersion, stampedCommit
	if info == nil {
		info = &debug.BuildInfo{}
	}
	if v == "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" {
		v = "devel"
	}
	if c == "" {
		c = vcsRevision(info.Settings)
	}
	return v, c
}

func vcsRevision(settings []debug.BuildSetting) string {
	var rev, modified string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" && modified == "true" {
		rev += "-dirty"
	}
	return rev
}
