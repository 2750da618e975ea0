package socratatest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// csvRecordCount is what encoding/csv makes of a body: the reference the
// tally must agree with.
func csvRecordCount(body string) (int64, error) {
	cr := csv.NewReader(strings.NewReader(body))
	cr.FieldsPerRecord = -1
	var n int64
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}

// tallyPieces counts body's records split at the given offsets, scanning
// the pieces in reverse order (as chunks may arrive) and resolving them in
// file order.
func tallyPieces(body string, cuts ...int) int64 {
	var pieces []string
	prev := 0
	for _, c := range cuts {
		pieces = append(pieces, body[prev:c])
		prev = c
	}
	pieces = append(pieces, body[prev:])
	tallies := make([]csvTally, len(pieces))
	for i := range tallies {
		tallies[i] = newCSVTally()
	}
	for i := len(pieces) - 1; i >= 0; i-- {
		tallies[i].add([]byte(pieces[i]))
	}
	var total int64
	q, has := uint8(0), false
	for i := range tallies {
		var n int64
		n, q, has = tallies[i].resolve(q, has)
		total += n
	}
	if has {
		total++
	}
	return total
}

var csvTallyCases = []struct {
	name string
	body string
	want int64
}{
	{"empty", "", 0},
	{"header only", "a,b\n", 1},
	{"header without line feed", "a,b", 1},
	{"plain rows", "a,b\n1,2\n3,4\n", 3},
	{"no final line feed", "a,b\n1,2\n3,4", 3},
	{"CRLF", "a,b\r\n1,2\r\n3,4\r\n", 3},
	{"CRLF without final", "a,b\r\n1,2\r\n3,4", 3},
	{"quoted line feed", "id,note\n1,\"two\nlines\"\n2,x\n", 3},
	{"quoted CRLF", "id,note\r\n1,\"two\r\nlines\"\r\n2,x\r\n", 3},
	{"quoted blank line", "id,note\n1,\"a\n\nb\"\n", 2},
	{"escaped quotes", "id,note\n1,\"he said \"\"hi\"\"\"\n2,\"\"\"\"\n", 3},
	{"escaped quote then line feed", "a\n\"x\"\"\ny\"\n", 2},
	{"blank lines", "a,b\n\n1,2\n\r\n\n3,4\n\n", 3},
	{"leading blank lines", "\n\r\na\n1\n", 2},
	{"only blank lines", "\n\n\r\n", 0},
	{"empty quoted field", "a\n\"\"\n", 2},
	{"empty fields", "a,b\n,\n", 2},
	{"spaces are a record", "a\n \n", 2},
	{"quoted field at the end", "a\n\"x\ny\"", 2},
	{"quote in the last line", "a\n1,\"z\"\r\n", 2},
	{"bom", "\ufeffa,b\n1,2\n", 2},
}

func TestCSVTallyCountsRecords(t *testing.T) {
	for _, tt := range csvTallyCases {
		ref, err := csvRecordCount(tt.body)
		if err != nil || ref != tt.want {
			t.Fatalf("%s: encoding/csv counts %d (%v), the case says %d", tt.name, ref, err, tt.want)
		}
		whole := newCSVTally()
		whole.add([]byte(tt.body))
		if got := whole.records(); got != tt.want {
			t.Errorf("%s: %d records, want %d", tt.name, got, tt.want)
		}
		// Every way of cutting it in two and in three pieces.
		for i := 0; i <= len(tt.body); i++ {
			if got := tallyPieces(tt.body, i); got != tt.want {
				t.Errorf("%s cut at %d: %d records, want %d", tt.name, i, got, tt.want)
			}
			for j := i; j <= len(tt.body); j++ {
				if got := tallyPieces(tt.body, i, j); got != tt.want {
					t.Errorf("%s cut at %d and %d: %d records, want %d", tt.name, i, j, got, tt.want)
				}
			}
		}
	}
}

// FuzzCSVTally checks the tally against encoding/csv on any body that
// encoding/csv reads, whole and cut in two.
func FuzzCSVTally(f *testing.F) {
	for _, tt := range csvTallyCases {
		f.Add(tt.body, len(tt.body)/2)
	}
	f.Fuzz(func(t *testing.T, body string, cut int) {
		want, err := csvRecordCount(body)
		if err != nil || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\r") {
			// A body encoding/csv refuses has no right count, and the
			// tally takes a carriage return outside CRLF for nothing,
			// where encoding/csv sometimes keeps it as a value.
			t.Skip()
		}
		whole := newCSVTally()
		whole.add([]byte(body))
		if got := whole.records(); got != want {
			t.Errorf("%q: %d records, want %d", body, got, want)
		}
		if cut < 0 || cut > len(body) {
			cut = len(body) / 2
		}
		if got := tallyPieces(body, cut); got != want {
			t.Errorf("%q cut at %d: %d records, want %d", body, cut, got, want)
		}
	})
}

var jsonTallyCases = []struct {
	name string
	body string
	want int64
}{
	{"empty array", `[]`, 0},
	{"flat", `[{"a": 1}, {"a": 2}]`, 2},
	{"whitespace", " \r\n\t[\n {\"a\":1} ,\n{}\n]\n", 2},
	{"nested objects", `[{"a": {"b": {"c": 1}}, "d": [{"e": 2}, {"f": 3}]}, {"g": {}}]`, 2},
	{"braces in strings", `[{"note": "{not} [an] {object"}, {"note": "}}]]"}]`, 2},
	{"quotes in strings", `[{"note": "he said \"{hi}\""}, {"note": "\"["}]`, 2},
	{"escaped backslash before a quote", `[{"path": "C:\\"}, {"x": "\\\"{"}]`, 2},
	{"unicode escapes", `[{"a": "\u007b\u0022"}, {"b": 1}]`, 2},
	{"braces in keys", `[{"{": 1, "}": {"[": 2}}]`, 1},
	{"points", `[{"location": {"type": "Point", "coordinates": [-72.6, 41.7]}}, {"location": null}]`, 2},
	{"long strings", `[{"note": "a string longer than a word \\\\\" with {escapes} and \" quotes"}, {"b": "0123456789abcdef\\"}]`, 2},
}

func TestJSONTallyCountsObjects(t *testing.T) {
	for _, tt := range jsonTallyCases {
		var whole jsonTally
		whole.add([]byte(tt.body))
		if !whole.array || whole.objects != tt.want {
			t.Errorf("%s: %d objects (array %v), want %d", tt.name, whole.objects, whole.array, tt.want)
		}
		var rows []map[string]any
		if err := json.Unmarshal([]byte(tt.body), &rows); err != nil || int64(len(rows)) != tt.want {
			t.Fatalf("%s: encoding/json reads %d rows (%v), the case says %d", tt.name, len(rows), err, tt.want)
		}
		for i := 0; i <= len(tt.body); i++ {
			var split jsonTally
			split.add([]byte(tt.body[:i]))
			split.add([]byte(tt.body[i:]))
			if split.objects != tt.want || !split.array {
				t.Errorf("%s cut at %d: %d objects, want %d", tt.name, i, split.objects, tt.want)
			}
		}
	}
	for _, body := range []string{`{"a": 1}`, `  "x"`, `42`} {
		var tl jsonTally
		tl.add([]byte(body))
		if tl.array {
			t.Errorf("%q taken for an array", body)
		}
	}
}

// FuzzJSONTally checks the tally against encoding/json on any JSON array
// of objects (a SODA body), whole and cut in two.
func FuzzJSONTally(f *testing.F) {
	for _, tt := range jsonTallyCases {
		f.Add(tt.body, len(tt.body)/2)
	}
	f.Fuzz(func(t *testing.T, body string, cut int) {
		var elems []json.RawMessage
		if json.Unmarshal([]byte(body), &elems) != nil || !strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "[") {
			t.Skip() // not an array ("null" unmarshals as one)
		}
		for _, e := range elems {
			if e[0] != '{' {
				t.Skip() // not a SODA body
			}
		}
		want := int64(len(elems))
		if cut < 0 || cut > len(body) {
			cut = len(body) / 2
		}
		var whole, split jsonTally
		whole.add([]byte(body))
		split.add([]byte(body[:cut]))
		split.add([]byte(body[cut:]))
		if !whole.array || whole.objects != want || split.objects != want {
			t.Errorf("%q: %d objects whole, %d cut at %d, want %d", body, whole.objects, split.objects, cut, want)
		}
	})
}

// sinkBlock is a few megabytes of whole rows, shaped like the wizard's
// benchmark file (a quoted cell in every row), as CSV with a header or as
// a JSON array's inner objects.
func sinkBlock(format string, size int) []byte {
	var b strings.Builder
	if format == "json" {
		b.WriteString("[")
	}
	agencies := []string{"Department of Transportation", "Energy and Environmental Protection", "Public Health", "Revenue Services"}
	for i := 0; b.Len() < size; i++ {
		if format == "json" {
			fmt.Fprintf(&b, `{"id":"R-%08d","agency":"%s","amount":"%d.%02d","issued":"2024-%02d-%02dT%02d:%02d:00","paid":%t,"notes":"Inspection %d, follow-up \"needed\""},`,
				i, agencies[i%4], i%100000, i%100, 1+i%12, 1+i%28, i%24, i%60, i%3 == 0, i)
			continue
		}
		fmt.Fprintf(&b, "R-%08d,%s,%d.%02d,2024-%02d-%02dT%02d:%02d:00,%t,\"Inspection %d, follow-up needed\"\n",
			i, agencies[i%4], i%100000, i%100, 1+i%12, 1+i%28, i%24, i%60, i%3 == 0, i)
	}
	return []byte(b.String())
}

// BenchmarkSinkCount is the speed of the sink's record counting alone, in
// the bytes of a body per second.
func BenchmarkSinkCount(b *testing.B) {
	for _, format := range []string{"csv", "json"} {
		block := sinkBlock(format, 4<<20)
		b.Run(format, func(b *testing.B) {
			b.SetBytes(int64(len(block)))
			for b.Loop() {
				if format == "csv" {
					t := newCSVTally()
					t.add(block)
					if t.records() == 0 {
						b.Fatal("no records")
					}
				} else {
					var t jsonTally
					t.add(block)
					if t.objects == 0 {
						b.Fatal("no objects")
					}
				}
			}
		})
	}
}
