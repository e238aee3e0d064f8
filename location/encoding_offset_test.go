package location

import "testing"

func TestOffset(t *testing.T) {
	text := []byte("ab\né𝔤x\nlast")
	for _, c := range []struct {
		p    Position
		enc  Encoding
		want int
	}{
		{Position{0, 1}, UTF16, 1},
		{Position{1, 1}, UTF16, 5},   // after é (2 bytes)
		{Position{1, 3}, UTF16, 9},   // after 𝔤 (a surrogate pair, 4 bytes)
		{Position{1, 2}, UTF32, 9},   // the same place in code points
		{Position{1, 6}, UTF8, 9},    // and in bytes
		{Position{1, 99}, UTF16, 10}, // past the line: its end
		{Position{9, 0}, UTF16, len(text)},
	} {
		if got := Offset(text, c.p, c.enc); got != c.want {
			t.Errorf("Offset(%v, %s) = %d, want %d", c.p, c.enc, got, c.want)
		}
	}
}
