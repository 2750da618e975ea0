package quote

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCSVScan holds the eight-bytes-at-a-time scan to the byte-by-byte
// table it stands for, with each byte that matters at every position of
// strings long and short.
func TestCSVScan(t *testing.T) {
	slow := func(s string) byte {
		var seen byte
		for i := 0; i < len(s); i++ {
			seen |= csvByte[s[i]]
		}
		return seen
	}
	var cases []string
	for n := 0; n <= 19; n++ {
		base := strings.Repeat("a", n)
		cases = append(cases, base)
		for i := 0; i < n; i++ {
			for _, c := range []byte{',', '"', '\n', '\r', 0x80, 0xe9, 0xff, '+', '-', 0x01, 0x7f, '\t', ' '} {
				b := []byte(base)
				b[i] = c
				cases = append(cases, string(b))
			}
		}
	}
	cases = append(cases, "Inspection 12, follow-up needed", "Département", "\x2c\x2c\x2c\x2c\x2c\x2c\x2c\x2c", "--------,", "\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d")
	for _, s := range cases {
		if got, want := csvScan(s), slow(s); got != want {
			t.Errorf("csvScan(%q) = %b, want %b", s, got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"plain", "quote \" and \\ back", "tab\tnew\nline\r", "bell \a and nul \x00 and esc \x1b", "é ü 東京 🙂", "bad \xff byte", "line\u2028sep", ""} {
		b := AppendJSON(nil, s)
		if !json.Valid(b) {
			t.Errorf("AppendJSON(%q) = %s, not valid JSON", s, b)
			continue
		}
		var back string
		json.Unmarshal(b, &back)
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want {
			t.Errorf("AppendJSON(%q) reads back as %q", s, back)
		}
	}
}
