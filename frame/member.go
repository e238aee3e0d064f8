package frame

import (
	"bytes"
	"iter"
)

// Member returns the raw value of the member key of the JSON object obj, or
// nil if obj is not an object or has no such member. Keys match as
// encoding/json matches them to struct fields: case-insensitively, the
// last of duplicates winning. It reads only as much of obj as it must, so
// the proxy can look into messages without decoding them.
func Member(obj []byte, key string) []byte {
	var value []byte
	members(obj, func(k, v []byte) {
		if bytes.EqualFold(k, []byte(key)) {
			value = v
		}
	})
	return value
}

// Elements yields the raw elements of the JSON array arr; nothing if arr is
// not an array.
func Elements(arr []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		i := skipSpace(arr, 0)
		if i == len(arr) || arr[i] != '[' {
			return
		}
		for i = skipSpace(arr, i+1); i < len(arr) && arr[i] != ']'; {
			end := skipValue(arr, i)
			if end <= i || !yield(arr[i:end]) {
				return
			}
			if i = skipSpace(arr, end); i < len(arr) && arr[i] == ',' {
				i = skipSpace(arr, i+1)
			}
		}
	}
}

// members calls f with each member of the JSON object obj, its key unquoted,
// until obj ends or turns out not to be JSON. It reports whether obj is an
// object.
func members(obj []byte, f func(key, value []byte)) bool {
	i := skipSpace(obj, 0)
	if i == len(obj) || obj[i] != '{' {
		return false
	}
	for i = skipSpace(obj, i+1); i < len(obj) && obj[i] == '"'; {
		end := skipString(obj, i)
		if end < 0 {
			return true
		}
		key := unquote(obj[i:end])
		if i = skipSpace(obj, end); i == len(obj) || obj[i] != ':' {
			return true
		}
		i = skipSpace(obj, i+1)
		if end = skipValue(obj, i); end <= i {
			return true
		}
		f(key, obj[i:end])
		if i = skipSpace(obj, end); i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return true
}

// String returns the text of the JSON string raw, and false if raw is not
// a JSON string.
func String(raw []byte) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' || skipString(raw, 0) != len(raw) {
		return "", false
	}
	return string(unquote(raw)), true
}
