package viewer

import (
	"strings"

	"github.com/alecthomas/chroma/v2"
)

// The page highlights Go with lexers and styles of its own, built on chroma's
// core, instead of chroma's lexers and styles packages: those build their
// registries (some 250 lexers, 70 styles) when the program starts, in every
// lspshare command — the editor's proxy included, where they cost 25 ms of
// start-up and several MB of memory for nothing. Files that are not Go are
// shown as plain text.

// goLexer tokenises Go source.
var goLexer = chroma.MustNewLexer(&chroma.Config{Name: "Go", Filenames: []string{"*.go"}}, goRules)

// plainLexer shows any text as it is.
var plainLexer = chroma.MustNewLexer(&chroma.Config{Name: "plain"}, func() chroma.Rules {
	return chroma.Rules{"root": {{Pattern: `[^\n]+|\n`, Type: chroma.Text}}}
})

func words(ws ...string) string { return `\b(?:` + strings.Join(ws, "|") + `)\b` }

func goRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `\s+`, Type: chroma.TextWhitespace},
		{Pattern: `//[^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `/\*[\s\S]*?\*/`, Type: chroma.CommentMultiline},
		{Pattern: words("package", "import"), Type: chroma.KeywordNamespace},
		{Pattern: words("func", "var", "const", "type", "struct", "interface", "map", "chan"), Type: chroma.KeywordDeclaration},
		{Pattern: words("if", "else", "for", "range", "switch", "case", "default", "select", "return",
			"break", "continue", "goto", "fallthrough", "defer", "go"), Type: chroma.Keyword},
		{Pattern: words("true", "false", "nil", "iota"), Type: chroma.KeywordConstant},
		{Pattern: words("bool", "byte", "rune", "string", "error", "any", "comparable", "uintptr",
			"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
			"float32", "float64", "complex64", "complex128"), Type: chroma.KeywordType},
		{Pattern: words("append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len",
			"make", "max", "min", "new", "panic", "print", "println", "real", "recover") + `(?=\()`, Type: chroma.NameBuiltin},
		{Pattern: "`[^`]*`", Type: chroma.LiteralString},
		{Pattern: `"(?:\\.|[^"\\\n])*"`, Type: chroma.LiteralString},
		{Pattern: `'(?:\\.|[^'\\\n])+'`, Type: chroma.LiteralStringChar},
		{Pattern: `0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?i?`, Type: chroma.LiteralNumber},
		{Pattern: `[\p{L}_][\p{L}\p{N}_]*(?=\s*(?:\[[^\]]*\])?\()`, Type: chroma.NameFunction},
		{Pattern: `[\p{L}_][\p{L}\p{N}_]*`, Type: chroma.Name},
		{Pattern: `&\^=?|<<=?|>>=?|&&|\|\||<-|\+\+|--|[-+*/%&|^]=|[=!<>:]=|\.\.\.|[-+*/%&|^<>=!~]`, Type: chroma.Operator},
		{Pattern: `[()\[\]{}.,;:]`, Type: chroma.Punctuation},
		{Pattern: `.`, Type: chroma.Text},
	}}
}

// lexerFor returns the lexer of the file at path.
func lexerFor(path string) chroma.Lexer {
	if strings.HasSuffix(path, ".go") {
		return goLexer
	}
	return plainLexer
}

// The styles of the page's code: light, and dark for browsers that prefer it.
var (
	lightStyle = chroma.MustNewStyle("lspshare-light", chroma.StyleEntries{
		chroma.Background:         "#24292f bg:#ffffff",
		chroma.LineNumbers:        "#8c959f",
		chroma.Comment:            "italic #6e7781",
		chroma.Keyword:            "#cf222e",
		chroma.KeywordType:        "#953800",
		chroma.KeywordConstant:    "#0550ae",
		chroma.NameFunction:       "#8250df",
		chroma.NameBuiltin:        "#8250df",
		chroma.LiteralString:      "#0a3069",
		chroma.LiteralStringChar:  "#0a3069",
		chroma.LiteralNumber:      "#0550ae",
		chroma.Operator:           "#cf222e",
		chroma.GenericEmph:        "italic",
		chroma.KeywordDeclaration: "#cf222e",
	})
	darkStyle = chroma.MustNewStyle("lspshare-dark", chroma.StyleEntries{
		chroma.Background:         "#e6edf3 bg:#0d1117",
		chroma.LineNumbers:        "#6e7681",
		chroma.Comment:            "italic #8b949e",
		chroma.Keyword:            "#ff7b72",
		chroma.KeywordType:        "#ffa657",
		chroma.KeywordConstant:    "#79c0ff",
		chroma.NameFunction:       "#d2a8ff",
		chroma.NameBuiltin:        "#d2a8ff",
		chroma.LiteralString:      "#a5d6ff",
		chroma.LiteralStringChar:  "#a5d6ff",
		chroma.LiteralNumber:      "#79c0ff",
		chroma.Operator:           "#ff7b72",
		chroma.GenericEmph:        "italic",
		chroma.KeywordDeclaration: "#ff7b72",
	})
)
