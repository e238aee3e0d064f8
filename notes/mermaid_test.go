package notes

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The flowchart grammar the checker accepts: Mermaid's own rules for the
// statements notes emit (a header with a direction, subgraphs with quoted
// titles, quoted node declarations, arrows with a plain label).
var (
	mmHeader   = regexp.MustCompile(`^flowchart (LR|RL|TB|TD|BT)$`)
	mmSubgraph = regexp.MustCompile(`^subgraph ([A-Za-z][A-Za-z0-9_]*)\["([^"]*)"\]$`)
	mmNode     = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)\["([^"]*)"\]$`)
	mmEdge     = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*) -->\|([0-9]+)\| ([A-Za-z][A-Za-z0-9_]*)$`)
	// A label may hold entity codes (#quot;, #35;) but no raw markup,
	// backtick (which would make it a Markdown label) or control
	// character.
	mmEntity = regexp.MustCompile(`#([a-z]+|[0-9]+);`)
)

// mmReserved are words Mermaid's flowchart lexer takes as keywords.
var mmReserved = map[string]bool{
	"end": true, "subgraph": true, "graph": true, "flowchart": true, "direction": true,
	"style": true, "class": true, "classDef": true, "click": true, "linkStyle": true, "default": true,
}

// checkFlowchart parses a Mermaid flowchart as notes write it and reports
// the first structural error: a bad statement, an unquoted or unescaped
// label, an unbalanced subgraph, a node declared twice or outside a
// subgraph, an id used as both node and subgraph, or an edge to an
// undeclared node. Edge numbers must count up from where they start.
func checkFlowchart(src string) error {
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if len(lines) == 0 || !mmHeader.MatchString(lines[0]) {
		return fmt.Errorf("line 1: want a flowchart header, got %q", lines[0])
	}
	nodes, subgraphs := map[string]bool{}, map[string]bool{}
	depth, lastEdge := 0, 0
	for i, line := range lines[1:] {
		n := i + 2
		stmt := strings.TrimSpace(line)
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d (%q): %s", n, line, fmt.Sprintf(format, args...))
		}
		switch m := []([]string){mmSubgraph.FindStringSubmatch(stmt), mmNode.FindStringSubmatch(stmt), mmEdge.FindStringSubmatch(stmt)}; {
		case stmt == "end":
			if depth == 0 {
				return fail("end without subgraph")
			}
			depth--
		case m[0] != nil:
			if err := checkID(m[0][1], nodes, subgraphs); err != nil {
				return fail("%v", err)
			}
			if err := checkLabel(m[0][2]); err != nil {
				return fail("%v", err)
			}
			subgraphs[m[0][1]] = true
			depth++
		case m[1] != nil:
			if depth == 0 {
				return fail("node outside any subgraph")
			}
			if err := checkID(m[1][1], nodes, subgraphs); err != nil {
				return fail("%v", err)
			}
			if err := checkLabel(m[1][2]); err != nil {
				return fail("%v", err)
			}
			nodes[m[1][1]] = true
		case m[2] != nil:
			if depth != 0 {
				return fail("edge inside a subgraph")
			}
			if !nodes[m[2][1]] || !nodes[m[2][3]] {
				return fail("edge between undeclared nodes")
			}
			var num int
			fmt.Sscan(m[2][2], &num)
			if lastEdge != 0 && num != lastEdge+1 {
				return fail("edge %d after edge %d", num, lastEdge)
			}
			lastEdge = num
		default:
			return fail("not a statement of the flowchart grammar")
		}
	}
	if depth != 0 {
		return errors.New("subgraph without end")
	}
	return nil
}

func checkID(id string, nodes, subgraphs map[string]bool) error {
	switch {
	case mmReserved[id]:
		return fmt.Errorf("id %q is a keyword", id)
	case nodes[id] || subgraphs[id]:
		return fmt.Errorf("id %q declared twice", id)
	}
	return nil
}

func checkLabel(l string) error {
	rest := mmEntity.ReplaceAllString(l, "")
	if i := strings.IndexAny(rest, "\"#<>&`"); i >= 0 {
		return fmt.Errorf("label %q has a raw %q", l, rest[i])
	}
	for _, r := range rest {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("label %q has a control character", l)
		}
	}
	return nil
}

func TestCheckFlowchartRejects(t *testing.T) {
	for _, bad := range []string{
		"graph LR\n",
		"flowchart LR\n  n1[\"a\"]\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    n1[\"a\"b\"]\n  end\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    n1[\"<b>\"]\n  end\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    n1[\"a\"]\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    n1[\"a\"]\n  end\n  n1 -->|1| n2\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    end[\"a\"]\n  end\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    n1[\"a\"]\n    n1[\"b\"]\n  end\n",
		"flowchart LR\n  subgraph p1[\"a\"]\n    n1[\"a\"]\n    n2[\"b\"]\n  end\n  n1 -->|2| n2\n  n2 -->|1| n1\n",
	} {
		if checkFlowchart(bad) == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}
