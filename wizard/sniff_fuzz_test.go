package wizard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// The fuzz tests run their seed corpus in every `go test`; run one with
// -fuzz=FuzzName -fuzztime=30s to search further.

var parserSeeds = []string{
	"a,b,c\n1,2,3\n",
	"a,b\r\n\"x\r\ny\",2\r\n",
	"\"a\"\"b\",c\n",
	"a,\"b\nc\",d\n\n\ne,f,g",
	"a;b;c\n1,5;2;3\n",
	"x\ty\n\"5\" pipe\t5\n",
	"\"unclosed\n",
	"a,b\"c,d\n",
	",,\n,\n",
	"\r\n\r\n",
	"a\rb,c\n",
	"\"a\"x,b\n",
}

// FuzzParser holds our record parser to encoding/csv: wherever encoding/csv
// reads a file without error, ours must read the same records, with the
// same line numbers.
func FuzzParser(f *testing.F) {
	for _, s := range parserSeeds {
		f.Add(s, byte(','))
		f.Add(s, byte(';'))
		f.Add(s, byte('\t'))
	}
	f.Fuzz(func(t *testing.T, in string, delim byte) {
		if delim != ',' && delim != ';' && delim != '\t' && delim != '|' {
			return
		}
		std := csv.NewReader(strings.NewReader(in))
		std.Comma = rune(delim)
		std.FieldsPerRecord = -1
		var want [][]string
		var wantLines []int
		for {
			rec, err := std.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // only files encoding/csv accepts are compared
			}
			line, _ := std.FieldPos(0)
			want = append(want, rec)
			wantLines = append(wantLines, line)
		}
		p := newRecordParser(strings.NewReader(in), delim, true, 0, 0)
		p.buf = make([]byte, 16) // small, to exercise refills and growth
		var got [][]string
		var gotLines []int
		for {
			rec, err := p.read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("our parser failed where encoding/csv did not: %v\ninput %q", err, in)
			}
			got = append(got, append([]string(nil), rec...))
			gotLines = append(gotLines, p.recordLine)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("records differ\ninput %q\ngot  %q\nwant %q", in, got, want)
		}
		if !reflect.DeepEqual(gotLines, wantLines) {
			t.Fatalf("lines differ\ninput %q\ngot  %v\nwant %v", in, gotLines, wantLines)
		}
	})
}

// FuzzSniff feeds arbitrary bytes to the sniffer and the reader: they must
// never panic, and whatever they accept must read to the end or stop with
// a *CSVError that names a line.
func FuzzSniff(f *testing.F) {
	for _, s := range parserSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("\xef\xbb\xbfa,b\n1,2\n"))
	f.Add([]byte("\xff\xfea\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00"))
	f.Add([]byte("caf\xe9,b\n1,2\n"))
	f.Add([]byte("a,b,\n1,2,\n"))
	f.Add([]byte("a,a\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := t.TempDir() + "/f.csv"
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := OpenCSV(path)
		if err != nil {
			var ce *CSVError
			if !errors.As(err, &ce) || ce.Message == "" {
				t.Fatalf("OpenCSV error is not a *CSVError with a message: %v", err)
			}
			return
		}
		if !slices.Contains(delimiters, file.Dialect.Delimiter) || !slices.Contains(encodings, file.Dialect.Encoding) || len(file.Header) == 0 {
			t.Fatalf("bad dialect %+v header %q", file.Dialect, file.Header)
		}
		rr, err := file.Records()
		if err != nil {
			t.Fatal(err)
		}
		defer rr.Close()
		prev := 0
		for {
			rec, err := rr.Next()
			if err == io.EOF {
				return
			}
			var ce *CSVError
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("not a *CSVError: %v", err)
			}
			if err != nil && ce.Fatal() {
				if ce.Line < 1 && ce.Kind != ErrRead {
					t.Fatalf("error without a line: %+v", ce)
				}
				return
			}
			if rec.Line <= prev {
				t.Fatalf("line %d after %d", rec.Line, prev)
			}
			prev = rec.Line
		}
	})
}

// FuzzNumber checks the number rules: whatever is accepted is what
// strconv reads as a finite number (so the portal will take it), and
// cleaning never turns a value into a different number than its digits
// say.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"1234.5", "1,234", "$1,200.50", "(5.00)", "45%", "1,5", "NaN", "-0", "+.5", "6.02e+23", "1e", "1 234", "€5", "--1"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, clean bool) {
		c, _ := NewConverter("f", socrata.Number, ColumnMap{Clean: clean}, "")
		v, p := c.Convert(s)
		if p != OK {
			if msg := c.Message(s, p); msg == "" {
				t.Fatal("empty message")
			}
			return
		}
		if v.Kind == ValueNull {
			if trimSpace(s) != "" {
				t.Fatalf("%q became null", s)
			}
			return
		}
		x, err := strconv.ParseFloat(v.Text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			t.Fatalf("%q sent as %q, which is not a number: %v", s, v.Text, err)
		}
		if math.IsNaN(x) || strings.ContainsAny(v.Text, ",$%() ") {
			t.Fatalf("%q sent as %q", s, v.Text)
		}
		if !clean && v.Text != trimSpace(s) {
			t.Fatalf("%q changed to %q without clean", s, v.Text)
		}
	})
}

// FuzzTimestamp parses arbitrary values with several patterns: what is
// accepted must come out as ISO-8601 that reads back to the same time.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2024-03-01", "03/01/2024", "3/1/24 2:30 PM", "2024-03-10T02:30:00", "2024-02-30", "01-Sep-2024", "2024-03-01T00:00:00.123-05:00", "20240301", "13/13/2024"} {
		for i := range 4 {
			f.Add(s, uint8(i))
		}
	}
	patterns := []string{timestamp.ISO8601, "MM/dd/yyyy", "M/d/yy h:mm a", "dd-MMM-yyyy", "yyyyMMdd", "yyyy-MM-dd HH:mm:ss.SSSZ"}
	types := []socrata.DataType{socrata.FloatingTimestamp, socrata.FixedTimestamp}
	// What is sent is read back as ISO8601, in the same default zone.
	readBack := map[socrata.DataType]*Converter{}
	for _, typ := range types {
		c, err := NewConverter("f", typ, ColumnMap{}, "")
		if err != nil {
			f.Fatal(err)
		}
		readBack[typ] = c
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		pattern := patterns[int(which)%len(patterns)]
		for _, typ := range types {
			c, err := NewConverter("f", typ, ColumnMap{Formats: []string{pattern}}, "")
			if err != nil {
				t.Fatal(err)
			}
			v, p := c.Convert(s)
			if p != OK || v.Kind == ValueNull {
				continue
			}
			out := v.String()
			back, p2 := readBack[typ].Convert(out)
			if p2 != OK || back.String() != out {
				t.Fatalf("%q (%s) sent as %q, which reads back as %q (%s)", s, pattern, out, back.String(), p2.name())
			}
		}
	})
}

// FuzzPoint checks that every accepted point is on the map and its WKT
// reads back the same.
func FuzzPoint(f *testing.F) {
	for _, s := range []string{"POINT (-72.68 41.76)", "point(1 2)", "(41.76, -72.68)", `{"type":"Point","coordinates":[1,2]}`, "POINT (1e3 2)", "POINT ( 1  2 )", "POINT (NaN 1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, _ := NewConverter("f", socrata.Point, ColumnMap{}, "")
		v, p := c.Convert(s)
		if p != OK || v.Kind == ValueNull {
			return
		}
		if v.Lon < -180 || v.Lon > 180 || v.Lat < -90 || v.Lat > 90 {
			t.Fatalf("%q accepted off the map: %v %v", s, v.Lon, v.Lat)
		}
		back, p2 := c.Convert(v.String())
		if p2 != OK || back.Lon != v.Lon || back.Lat != v.Lat {
			t.Fatalf("%q -> %q -> %v %v", s, v.String(), back, p2)
		}
	})
}

// FuzzParseFloat holds the fast coordinate parser to strconv.
func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"-72.68", "41.7600000000001", "0.1", "123456789012345", "1234567890123456", "1e5", ".5", "5.", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkParseFloat(t, s) })
}

func checkParseFloat(t *testing.T, s string) {
	t.Helper()
	got, ok := parseFloat(s)
	want, err := strconv.ParseFloat(s, 64)
	wantOK := err == nil && !math.IsNaN(want) && !math.IsInf(want, 0) && math.Abs(want) <= 1e308
	if ok != wantOK || (ok && got != want) {
		t.Fatalf("parseFloat(%q) = %v %v, strconv says %v %v", s, got, ok, want, err)
	}
}

// FuzzOtherTypes checks that the remaining parsers never panic, that what
// they accept is written as JSON, and that it survives a round trip
// through its CSV form.
func FuzzOtherTypes(f *testing.F) {
	for _, s := range []string{"https://x.org", "A (http://x)", "www.x", "860-555-0100:Cell", "1 Main (41, -72)", "1 Main (NaN, -72)", "POLYGON ((0 0, 1 1, 0 0))", "LINESTRING (1 2, 3 4)", "true", "Y", "http://x.org/\v", "caf\xe9 (http://x)"} {
		f.Add(s)
	}
	types := []socrata.DataType{socrata.Text, socrata.URL, socrata.Phone, socrata.Location, socrata.Polygon, socrata.Line, socrata.Checkbox, socrata.MultiPolygon}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range types {
			c, err := NewConverter("f", typ, ColumnMap{YesNo: true}, "")
			if err != nil {
				t.Fatal(err)
			}
			v, p := c.Convert(s)
			if p != OK {
				if c.Message(s, p) == "" {
					t.Fatal("empty message")
				}
				continue
			}
			if b := v.AppendJSON(nil); !json.Valid(b) {
				t.Fatalf("%s %q written as %s, which is not JSON", typ, s, b)
			}
			if math.IsNaN(v.Lat) || math.IsNaN(v.Lon) {
				t.Fatalf("%s %q accepted with a coordinate that is not a number: %s", typ, s, v.AppendJSON(nil))
			}
			if v.Kind == ValueNull || typ == socrata.Polygon || typ == socrata.Line || typ == socrata.MultiPolygon {
				continue
			}
			back, p2 := c.Convert(v.String())
			if p2 != OK || !bytes.Equal(back.AppendJSON(nil), v.AppendJSON(nil)) {
				t.Fatalf("%s %q -> %q -> %s (%s)", typ, s, v.String(), back.AppendJSON(nil), p2.name())
			}
		}
	})
}
