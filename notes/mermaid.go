package notes

import (
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/lspshare/lspshare/location"
	"github.com/lspshare/lspshare/wire"
)

// maxMapped bounds the moves drawn: Mermaid refuses diagrams of more than
// 500 edges, and a bigger map is unreadable anyway.
const maxMapped = 200

// Flowchart returns a Mermaid flowchart of the walk: a subgraph per package,
// a node per symbol (or file, when the symbol is unknown), and an edge per
// move, numbered in the order taken. The first move starts from where it
// was made, when that is known.
func Flowchart(steps []Step) string {
	g := &graph{ids: map[nodeKey]string{}, pkgIDs: map[string]string{}, nodes: map[string][]nodeKey{}}
	prev := ""
	for i, s := range steps[:min(len(steps), maxMapped)] {
		if i == 0 && s.From != nil {
			prev = g.node(pkgOf(*s.From), fmt.Sprintf("%s:%d", path.Base(s.From.Path), s.From.Range.Start.Line+1))
		}
		cur := g.node(pkgOf(s.To), nodeName(s))
		if prev != "" {
			g.edges = append(g.edges, fmt.Sprintf("  %s -->|%d| %s\n", prev, i+1, cur))
		}
		prev = cur
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, pkg := range g.pkgs {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", g.pkgIDs[pkg], label(pkg))
		for _, n := range g.nodes[pkg] {
			fmt.Fprintf(&b, "    %s[\"%s\"]\n", g.ids[n], label(n.name))
		}
		b.WriteString("  end\n")
	}
	for _, e := range g.edges {
		b.WriteString(e)
	}
	return b.String()
}

type nodeKey struct{ pkg, name string }

// graph collects the flowchart's packages, nodes and edges in order of
// first appearance.
type graph struct {
	pkgs   []string
	pkgIDs map[string]string
	nodes  map[string][]nodeKey
	ids    map[nodeKey]string
	edges  []string
}

// node returns the id of the node name in package pkg, adding it if new.
func (g *graph) node(pkg, name string) string {
	k := nodeKey{pkg, name}
	if id, ok := g.ids[k]; ok {
		return id
	}
	if _, ok := g.pkgIDs[pkg]; !ok {
		g.pkgs = append(g.pkgs, pkg)
		g.pkgIDs[pkg] = fmt.Sprintf("p%d", len(g.pkgs))
	}
	id := fmt.Sprintf("n%d", len(g.ids)+1)
	g.ids[k] = id
	g.nodes[pkg] = append(g.nodes[pkg], k)
	return id
}

// nodeName names what a move went to: its symbol, else its file (and line,
// for a jump).
func nodeName(s Step) string {
	switch {
	case s.Symbol != "":
		return s.Symbol
	case s.Kind == wire.KindOpen:
		return path.Base(s.To.Path)
	}
	return fmt.Sprintf("%s:%d", path.Base(s.To.Path), s.To.Range.Start.Line+1)
}

// pkgOf names the package (directory) of a location: the workspace-relative
// directory, the module's path and directory, or the standard library's
// import path.
func pkgOf(l location.Location) string {
	dir := path.Dir(l.Path)
	switch l.Space {
	case location.Module:
		mod, _, _ := strings.Cut(l.Module, "@")
		if dir == "." {
			return mod
		}
		return mod + "/" + dir
	case location.GOROOT:
		if pkg, ok := strings.CutPrefix(dir, "src/"); ok {
			return pkg
		}
		return "GOROOT/" + dir
	}
	if dir == "." {
		return "(workspace root)"
	}
	return dir
}

// label escapes s for a quoted Mermaid label with entity codes: quotes,
// markup and Mermaid's own markers cannot end the label or change its
// meaning.
func label(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString("#quot;")
		case r == '#':
			b.WriteString("#35;")
		case r == '&':
			b.WriteString("#amp;")
		case r == '<':
			b.WriteString("#lt;")
		case r == '>':
			b.WriteString("#gt;")
		case r == '`':
			b.WriteString("#96;")
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
