package location

import (
	"bytes"
	"unicode/utf8"
)

// Encoding is the unit Position.Character counts in, as LSP's
// positionEncoding negotiates it. The wire between machines uses UTF16.
type Encoding string

const (
	UTF8  Encoding = "utf-8"  // bytes
	UTF16 Encoding = "utf-16" // UTF-16 code units, LSP's default
	UTF32 Encoding = "utf-32" // code points
)

// ConvertPosition converts p, whose Character counts in from, to count in
// to, using the document's text. It never fails: a line past the end of
// text becomes the end of text, a character past the end of its line
// becomes the end of the line, and a character inside a rune (half a
// surrogate pair, the middle of a UTF-8 sequence) moves back to the start
// of that rune. Lines end at '\n' only, as in go/token and gopls. Invalid
// UTF-8 counts one unit per byte. An unknown encoding counts as UTF16.
func ConvertPosition(text []byte, p Position, from, to Encoding) Position {
	line, lineText := lineAt(text, p.Line)
	if line != p.Line {
		// Clamped to the last line: the position is the end of text.
		return Position{Line: line, Character: countUnits(lineText, to)}
	}
	prefix := lineText[:byteOffset(lineText, p.Character, from)]
	return Position{Line: line, Character: countUnits(prefix, to)}
}

// Offset returns the byte offset in text of p, whose Character counts in
// enc, clamped as ConvertPosition clamps: a line past the end of text is
// the end of text, a character past the end of its line the end of the line.
func Offset(text []byte, p Position, enc Encoding) int {
	start := 0
	for line := uint32(0); line < p.Line; line++ {
		i := bytes.IndexByte(text[start:], '\n')
		if i < 0 {
			return len(text)
		}
		start += i + 1
	}
	lineText := text[start:]
	if i := bytes.IndexByte(lineText, '\n'); i >= 0 {
		lineText = lineText[:i]
	}
	return start + byteOffset(lineText, p.Character, enc)
}

// ConvertRange converts both ends of r with ConvertPosition.
func ConvertRange(text []byte, r Range, from, to Encoding) Range {
	return Range{
		Start: ConvertPosition(text, r.Start, from, to),
		End:   ConvertPosition(text, r.End, from, to),
	}
}

// lineAt returns the content (without '\n') of the zero-based line n, or
// of the last line and its number if text has fewer lines.
func lineAt(text []byte, n uint32) (uint32, []byte) {
	var line uint32
	for line < n {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		text = text[i+1:]
		line++
	}
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	return line, text
}

// byteOffset returns the offset in line of the rune boundary at or before
// units code units of enc.
func byteOffset(line []byte, units uint32, enc Encoding) int {
	var n uint64
	offset := 0
	for offset < len(line) {
		r, size := utf8.DecodeRune(line[offset:])
		n += uint64(runeUnits(r, size, enc))
		if n > uint64(units) {
			break
		}
		offset += size
	}
	return offset
}

// countUnits returns the length of s in code units of enc.
func countUnits(s []byte, enc Encoding) uint32 {
	var n uint32
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		n += runeUnits(r, size, enc)
		s = s[size:]
	}
	return n
}

// runeUnits returns how many units of enc the rune r, encoded in size
// bytes of the text, takes.
func runeUnits(r rune, size int, enc Encoding) uint32 {
	switch enc {
	case UTF8:
		return uint32(size)
	case UTF32:
		return 1
	}
	if r >= 0x10000 {
		return 2 // surrogate pair
	}
	return 1
}
