package socratatest

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Counting the records of a body without parsing it, for datasets made
// with DatasetSpec.Sink. A benchmark of the client uploads hundreds of
// megabytes to such a dataset, so these scanners look at each byte once
// and keep nothing but a few counters.

// csvTally counts the records in a run of CSV bytes that may begin
// anywhere in a file: a chunk of a Data Management API upload arrives on
// its own, in any order, before the chunks in front of it are known. So
// it counts as if it began outside a quoted field and as if it began
// inside one at the same time, and [csvTally.resolve] picks the right
// count once the state at its start is known.
//
// A record ends at a line feed outside quotes (CRLF ends one too: the
// carriage return is ignored); a line with nothing on it is no record,
// as encoding/csv skips it; the last record needs no line feed.
//
// Counts are kept per "class": the number of quotes seen in the run so
// far, modulo 2, at a line feed. A line feed of class c ends a record
// when the run began inside quotes exactly when c is 1. It finds quotes
// and line feeds with bytes.IndexByte, which is many times faster than
// looking at each byte in a loop; whether a line is blank is told by the
// byte before its line feed.
type csvTally struct {
	n      int64    // bytes scanned
	parity uint8    // quotes in the run, modulo 2
	seen   uint8    // bit c: a line feed of class c occurred
	lead   uint8    // bit c: something but carriage returns came before the first line feed of class c
	ends   [2]int64 // line feeds of class c, after the first, that ended a record with content
	lastNL [2]int64 // where the last line feed of class c is
	// The last byte of the run that is not a carriage return, and where
	// it is (-1 for none yet).
	lastByte byte
	lastAt   int64
}

func newCSVTally() csvTally { return csvTally{lastAt: -1} }

// indexFrom is bytes.IndexByte from an offset, -1 when c is not there.
func indexFrom(b []byte, from int, c byte) int {
	if from >= len(b) {
		return -1
	}
	if k := bytes.IndexByte(b[from:], c); k >= 0 {
		return from + k
	}
	return -1
}

// add scans more bytes of the run.
func (t *csvTally) add(b []byte) {
	nq, nl := indexFrom(b, 0, '"'), indexFrom(b, 0, '\n')
	for nl >= 0 {
		if nq >= 0 && nq < nl {
			t.parity ^= 1
			nq = indexFrom(b, nq+1, '"')
			continue
		}
		r := t.parity
		bit := uint8(1) << r
		// The byte before the line feed, carriage returns skipped: none,
		// another line feed (so the line is blank), or content.
		j := nl - 1
		for j >= 0 && b[j] == '\r' {
			j--
		}
		before, some := t.lastByte, t.lastAt >= 0
		if j >= 0 {
			before, some = b[j], true
		}
		switch {
		case t.seen&bit == 0:
			t.seen |= bit
			if some {
				t.lead |= bit
			}
		case before != '\n':
			t.ends[r]++
		}
		t.lastNL[r] = t.n + int64(nl)
		nl = indexFrom(b, nl+1, '\n')
	}
	for nq >= 0 {
		t.parity ^= 1
		nq = indexFrom(b, nq+1, '"')
	}
	for j := len(b) - 1; j >= 0; j-- {
		if b[j] != '\r' {
			t.lastByte, t.lastAt = b[j], t.n+int64(j)
			break
		}
	}
	t.n += int64(len(b))
}

// resolve says how many records end in the run, given whether it began
// inside quotes (q 1) and whether the record it began in already had
// content; it returns the same two facts for the end of the run.
func (t *csvTally) resolve(q uint8, has bool) (records int64, qEnd uint8, hasEnd bool) {
	bit := uint8(1) << q
	records = t.ends[q]
	if t.seen&bit != 0 {
		if has || t.lead&bit != 0 {
			records++
		}
		hasEnd = t.lastAt > t.lastNL[q]
	} else {
		hasEnd = has || t.lastAt >= 0
	}
	return records, q ^ t.parity, hasEnd
}

// records counts the records in a whole CSV body scanned into t from its
// first byte, the last one included when no line feed ends it.
func (t *csvTally) records() int64 {
	n, _, has := t.resolve(0, false)
	if has {
		n++
	}
	return n
}

// jsonTally counts the rows of a SODA JSON body, an array of objects: the
// objects that are not inside another object. It looks only at braces,
// quotes and backslashes, so nested objects and braces or quotes inside
// strings are not counted, and it checks nothing else.
//
// It reads eight bytes at a time: a word's quotes and braces become bit
// masks, a running XOR of the quote bits tells which bytes are inside a
// string, and only braces outside strings are looked at one by one. A word
// with a backslash in it (an escape) is read byte by byte.
type jsonTally struct {
	depth   int // braces open
	inStr   bool
	escape  bool // the next byte is escaped
	started bool // the first byte that is not white space was seen
	array   bool // and it was '['
	objects int64
}

// Every byte 0x01, and every byte 0x80.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// matchBytes sets the high bit of exactly the bytes of x that are c.
func matchBytes(x uint64, c byte) uint64 {
	y := x ^ uint64(c)*lowBits
	// A byte of y is zero when adding 0x7f to its low seven bits leaves
	// the high bit clear and its own high bit is clear too.
	return ^((y&^highBits + (highBits - lowBits)) | y) & highBits
}

func (t *jsonTally) add(b []byte) {
	i := 0
	if !t.started {
		for ; i < len(b); i++ {
			if c := b[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				t.started, t.array = true, c == '['
				break
			}
		}
	}
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if t.escape || matchBytes(x, '\\') != 0 {
			t.bytes(b[i : i+8])
			continue
		}
		q := matchBytes(x, '"')
		// Bit 8k+7 of in: the quotes in bytes 0..k are odd in number, so
		// byte k is inside a string if the word did not begin in one.
		in := q ^ q<<8
		in ^= in << 16
		in ^= in << 32
		if t.inStr {
			in = ^in
		}
		for br := (matchBytes(x, '{') | matchBytes(x, '}')) &^ in & highBits; br != 0; br &= br - 1 {
			if b[i+bits.TrailingZeros64(br)>>3] == '{' {
				if t.depth == 0 {
					t.objects++
				}
				t.depth++
			} else {
				t.depth--
			}
		}
		if bits.OnesCount64(q)%2 == 1 {
			t.inStr = !t.inStr
		}
	}
	t.bytes(b[i:])
}

// bytes reads b one byte at a time.
func (t *jsonTally) bytes(b []byte) {
	for _, c := range b {
		switch {
		case t.escape:
			t.escape = false
		case t.inStr:
			if c == '\\' {
				t.escape = true
			} else if c == '"' {
				t.inStr = false
			}
		case c == '"':
			t.inStr = true
		case c == '{':
			if t.depth == 0 {
				t.objects++
			}
			t.depth++
		case c == '}':
			t.depth--
		}
	}
}
