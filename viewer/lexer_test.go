package viewer

import (
	"testing"

	"github.com/alecthomas/chroma/v2"
)

// TestGoLexer checks the token types of the Go constructs the page colours,
// and that the tokens give back the text unchanged.
func TestGoLexer(t *testing.T) {
	src := "package main\n\n// Hello says hi.\nfunc Hello(n int) string {\n\t/* multi\n line */\n\tif n > 0x1F {\n\t\treturn `raw` + \"q\\\"s\" + string('x')\n\t}\n\treturn fmt.Sprint(len(\"é\"), 1.5e3, nil)\n}\n"
	it, err := chroma.Coalesce(goLexer).Tokenise(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]chroma.TokenType{}
	text := ""
	for _, tok := range it.Tokens() {
		text += tok.Value
		got[tok.Value] = tok.Type
	}
	if text != src {
		t.Errorf("tokens give back %q, want %q", text, src)
	}
	for value, want := range map[string]chroma.TokenType{
		"package":            chroma.KeywordNamespace,
		"// Hello says hi.":  chroma.CommentSingle,
		"func":               chroma.KeywordDeclaration,
		"Hello":              chroma.NameFunction,
		"int":                chroma.KeywordType,
		"/* multi\n line */": chroma.CommentMultiline,
		"if":                 chroma.Keyword,
		"0x1F":               chroma.LiteralNumber,
		"`raw`":              chroma.LiteralString,
		`"q\"s"`:             chroma.LiteralString,
		"'x'":                chroma.LiteralStringChar,
		"Sprint":             chroma.NameFunction,
		"len":                chroma.NameBuiltin,
		"1.5e3":              chroma.LiteralNumber,
		"nil":                chroma.KeywordConstant,
		"fmt":                chroma.Name,
	} {
		if got[value] != want {
			t.Errorf("%q is %v, want %v", value, got[value], want)
		}
	}
}
