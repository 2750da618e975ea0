// Package quote writes text as a CSV field or a JSON string straight into
// a byte buffer, for the bodies an upload sends and the values the
// converter writes: quicker than encoding/csv and encoding/json for one
// value, and never writing bytes that are not UTF-8.
package quote

import (
	"strings"
	"unicode/utf8"
)

// csvByte classes bytes for AppendCSV: those that make a field need
// quotes, and those past ASCII.
var csvByte = func() (t [256]byte) {
	for _, c := range []byte{',', '"', '\n', '\r'} {
		t[c] = csvQuote
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = csvHigh
	}
	return t
}()

const (
	csvQuote = 1 << iota
	csvHigh
)

// Masks for csvScan: a byte of ones, and each byte's top bit.
const (
	ones = 0x0101010101010101
	tops = 0x8080808080808080
)

// csvScan ors together the csvByte classes of s's bytes. Most cells are
// plain ASCII, so it looks at eight bytes at a time: a word holds one of
// the four bytes that need quotes when xor-ing it with that byte leaves a
// zero byte, and a byte past ASCII when any top bit is set.
func csvScan(s string) byte {
	var seen byte
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&tops != 0 {
			seen |= csvHigh
		}
		if hasZeroByte(w^(ones*',')) || hasZeroByte(w^(ones*'"')) || hasZeroByte(w^(ones*'\n')) || hasZeroByte(w^(ones*'\r')) {
			seen |= csvQuote
		}
	}
	for ; i < len(s); i++ {
		seen |= csvByte[s[i]]
	}
	return seen
}

// hasZeroByte reports whether any byte of w is zero (exactly: a borrow
// can misplace which byte, never whether there is one).
func hasZeroByte(w uint64) bool { return (w-ones)&^w&tops != 0 }

// AppendCSV appends s as a CSV field, quoted when it holds a comma,
// a quote or a line break or starts with a space, as encoding/csv reads
// it back. Bytes that are not UTF-8 become U+FFFD.
func AppendCSV(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	quote := s[0] == ' ' || s[0] == '\t' || s == `\.`
	seen := csvScan(s)
	quote = quote || seen&csvQuote != 0
	if seen&csvHigh != 0 && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// AppendJSON appends s as a JSON string. Unlike strconv.Quote it
// writes only escapes JSON knows, and bytes that are not UTF-8 become
// U+FFFD, so the portal never sees a body it cannot parse.
func AppendJSON(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break some JavaScript
		// readers; escaping them costs nothing.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
