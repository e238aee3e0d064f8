package location

import "testing"

func TestConvertPosition(t *testing.T) {
	// Line 1: "aé😀b" is a (1 byte), é (2 bytes, 1 UTF-16 unit), 😀 (4 bytes,
	// a surrogate pair), b. Line 2 has an invalid byte.
	text := []byte("package p\naé😀b\nx\xffy\n")
	for _, tc := range []struct {
		name     string
		in       Position
		from, to Encoding
		want     Position
	}{
		{"ascii 16->8", Position{0, 4}, UTF16, UTF8, Position{0, 4}},
		{"before é", Position{1, 1}, UTF16, UTF8, Position{1, 1}},
		{"after é 16->8", Position{1, 2}, UTF16, UTF8, Position{1, 3}},
		{"after é 8->16", Position{1, 3}, UTF8, UTF16, Position{1, 2}},
		{"after 😀 16->8", Position{1, 4}, UTF16, UTF8, Position{1, 7}},
		{"after 😀 16->32", Position{1, 4}, UTF16, UTF32, Position{1, 3}},
		{"after 😀 32->16", Position{1, 3}, UTF32, UTF16, Position{1, 4}},
		{"after 😀 8->32", Position{1, 7}, UTF8, UTF32, Position{1, 3}},
		{"end 16->8", Position{1, 5}, UTF16, UTF8, Position{1, 8}},
		{"inside surrogate pair", Position{1, 3}, UTF16, UTF8, Position{1, 3}},
		{"inside é bytes", Position{1, 2}, UTF8, UTF16, Position{1, 1}},
		{"inside 😀 bytes", Position{1, 5}, UTF8, UTF16, Position{1, 2}},
		{"past line end", Position{1, 99}, UTF16, UTF8, Position{1, 8}},
		{"past line end same enc", Position{1, 99}, UTF16, UTF16, Position{1, 5}},
		{"invalid byte 8->16", Position{2, 2}, UTF8, UTF16, Position{2, 2}},
		{"after invalid byte 16->8", Position{2, 3}, UTF16, UTF8, Position{2, 3}},
		{"empty last line", Position{3, 0}, UTF16, UTF8, Position{3, 0}},
		{"past last line", Position{9, 4}, UTF16, UTF8, Position{3, 0}},
		{"max values", Position{^uint32(0), ^uint32(0)}, UTF8, UTF16, Position{3, 0}},
		{"unknown encoding is utf-16", Position{1, 4}, "utf-7", UTF8, Position{1, 7}},
	} {
		if got := ConvertPosition(text, tc.in, tc.from, tc.to); got != tc.want {
			t.Errorf("%s: ConvertPosition(%v, %s->%s) = %v, want %v", tc.name, tc.in, tc.from, tc.to, got, tc.want)
		}
	}
}

func TestConvertPositionEdgeTexts(t *testing.T) {
	for _, tc := range []struct {
		text string
		in   Position
		want Position
	}{
		{"", Position{0, 0}, Position{0, 0}},
		{"", Position{3, 7}, Position{0, 0}},
		{"😀", Position{5, 0}, Position{0, 4}},      // end of text, in UTF-8
		{"a\r\nb", Position{0, 9}, Position{0, 2}}, // '\r' is content, as in gopls
		{"\n\n", Position{1, 3}, Position{1, 0}},
	} {
		if got := ConvertPosition([]byte(tc.text), tc.in, UTF16, UTF8); got != tc.want {
			t.Errorf("ConvertPosition(%q, %v) = %v, want %v", tc.text, tc.in, got, tc.want)
		}
	}
}

func TestConvertRange(t *testing.T) {
	text := []byte("😀x😀")
	got := ConvertRange(text, Range{Start: Position{0, 2}, End: Position{0, 5}}, UTF16, UTF8)
	want := Range{Start: Position{0, 4}, End: Position{0, 9}}
	if got != want {
		t.Errorf("ConvertRange = %v, want %v", got, want)
	}
}
