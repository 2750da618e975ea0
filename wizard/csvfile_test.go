package wizard

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func corpus(name string) string { return filepath.Join("testdata", "csv", name) }

// readAll reads every record, keeping ragged rows and bad bytes as
// errors beside the records.
func readAll(t *testing.T, f *CSVFile) (recs []Record, soft []*CSVError, fatal error) {
	t.Helper()
	rr, err := f.Records()
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	defer rr.Close()
	for {
		rec, err := rr.Next()
		if err == io.EOF {
			return recs, soft, nil
		}
		var ce *CSVError
		if err != nil && errors.As(err, &ce) && !ce.Fatal() {
			soft = append(soft, ce)
		} else if err != nil {
			return recs, soft, err
		}
		recs = append(recs, Record{Line: rec.Line, Fields: append([]string(nil), rec.Fields...)})
	}
}

// TestOpenCorpus opens each difficult file in testdata/csv and checks what
// the person sees: the dialect chosen, the header, and the records.
func TestOpenCorpus(t *testing.T) {
	tests := []struct {
		file     string
		dialect  Dialect
		header   []string
		first    []string // first data record
		rows     int
		lastLine int // line the last record starts on
	}{
		{"bom.csv", Dialect{",", "utf-8", true, false}, []string{"permit_id", "town", "fee"}, []string{"P-1", "Hartford", "10"}, 2, 3},
		{"utf16le.csv", Dialect{",", "utf-16le", true, false}, []string{"permit_id", "town", "fee"}, []string{"P-1", "Bozrah", "10"}, 2, 3},
		{"cp1252.csv", Dialect{",", "windows-1252", true, false}, []string{"name", "note", "amount"}, []string{"Café Rosé", "\u201cquoted\u201d \u2013 dash", "5"}, 2, 3},
		{"latin1.csv", Dialect{",", "windows-1252", true, false}, []string{"town", "resident"}, []string{"Montréal", "José Nuñez"}, 2, 3},
		{"semicolon.csv", Dialect{";", "utf-8", true, false}, []string{"town", "amount", "note"}, []string{"Hartford", "1,5", "a, b"}, 3, 4},
		{"pipe.csv", Dialect{"|", "utf-8", true, false}, []string{"town", "amount", "note"}, []string{"Hartford", "15", "a, b"}, 3, 4},
		{"tab.tsv", Dialect{"\t", "utf-8", true, false}, []string{"town", "amount", "address"}, []string{"Hartford", "15", "1 Main St, Hartford, CT"}, 2, 3},
		{"crlf.csv", Dialect{",", "utf-8", true, false}, []string{"permit_id", "town"}, []string{"P-1", "Hartford"}, 2, 3},
		{"quoted_newlines.csv", Dialect{",", "utf-8", true, false}, []string{"permit_id", "description", "fee"}, []string{"P-1", "first line\nsecond line", "10"}, 3, 7},
		{"no_header.csv", Dialect{",", "utf-8", false, false}, []string{"column_0", "column_1", "column_2"}, []string{"P-1", "10", "2024-01-02"}, 3, 3},
		{"tsv_bare_quotes.tsv", Dialect{"\t", "utf-8", true, true}, []string{"item", "size"}, []string{`"5" pipe`, "5"}, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := OpenCSV(corpus(tt.file))
			if err != nil {
				t.Fatalf("OpenCSV: %v", err)
			}
			if f.Dialect != tt.dialect {
				t.Errorf("dialect = %+v, want %+v (sniff: %+v)", f.Dialect, tt.dialect, f.Sniff)
			}
			if !reflect.DeepEqual(f.Header, tt.header) {
				t.Errorf("header = %q, want %q", f.Header, tt.header)
			}
			recs, soft, err := readAll(t, f)
			if err != nil || len(soft) > 0 {
				t.Fatalf("read: %v %v", err, soft)
			}
			if len(recs) != tt.rows {
				t.Fatalf("%d rows, want %d", len(recs), tt.rows)
			}
			if !reflect.DeepEqual(recs[0].Fields, tt.first) {
				t.Errorf("first row = %q, want %q", recs[0].Fields, tt.first)
			}
			if got := recs[len(recs)-1].Line; got != tt.lastLine {
				t.Errorf("last row starts on line %d, want %d", got, tt.lastLine)
			}
		})
	}
}

// TestQuotedNewlinesKeepPhysicalLines checks that records after a quoted
// line break are reported on the line a text editor shows, and that CRLF
// inside quotes becomes LF as encoding/csv does.
func TestQuotedNewlinesKeepPhysicalLines(t *testing.T) {
	f, err := OpenCSV(corpus("quoted_newlines.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := readAll(t, f)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, r := range recs {
		lines = append(lines, r.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 4, 7}) {
		t.Errorf("lines = %v, want [2 4 7]", lines)
	}
	if recs[1].Fields[1] != "one\ntwo\nthree" {
		t.Errorf("CRLF inside quotes = %q", recs[1].Fields[1])
	}
}

// TestOpenErrors checks the message a person sees for files that cannot
// be used as they are.
func TestOpenErrors(t *testing.T) {
	tests := []struct {
		file string
		kind CSVErrorKind
		line int
		want []string
	}{
		{"empty.csv", ErrEmptyFile, 0, []string{"empty.csv is empty"}},
		{"blank_lines.csv", ErrEmptyFile, 0, []string{"blank_lines.csv is empty"}},
		{"header_only.csv", ErrHeaderOnly, 1, []string{"has a header row and no data rows"}},
		{"duplicate_header.csv", ErrDuplicateHeader, 1, []string{`columns 2 and 4 are both named "Date"`, "line 1", "rename one"}},
		{"blank_header.csv", ErrBlankHeader, 1, []string{"column 3 has no name", "line 1", "trailing delimiter"}},
		{"missing.csv", ErrRead, 0, []string{"cannot open", "there is no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := OpenCSV(corpus(tt.file))
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CSVError", err)
			}
			if ce.Kind != tt.kind || ce.Line != tt.line {
				t.Errorf("kind %d line %d, want kind %d line %d", ce.Kind, ce.Line, tt.kind, tt.line)
			}
			for _, w := range tt.want {
				if !strings.Contains(ce.Error(), w) {
					t.Errorf("message %q lacks %q", ce.Error(), w)
				}
			}
		})
	}
}

// TestRaggedRows checks that each row with the wrong number of fields is
// reported with its line and a hint, and that reading goes on.
func TestRaggedRows(t *testing.T) {
	f, err := OpenCSV(corpus("ragged.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, soft, err := readAll(t, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 {
		t.Errorf("read %d rows, want all 8", len(recs))
	}
	if len(soft) != 2 {
		t.Fatalf("got %d ragged rows, want 2: %v", len(soft), soft)
	}
	want := []string{
		"line 7 has 5 fields, the header has 6: check for a missing delimiter",
		"line 8 has 7 fields, the header has 6: check for an unquoted comma",
	}
	for i, w := range want {
		if soft[i].Kind != ErrRaggedRow || !strings.HasPrefix(soft[i].Message, w) {
			t.Errorf("ragged %d = %q, want prefix %q", i, soft[i].Message, w)
		}
	}
}

// TestUnclosedQuote checks that a quote never closed names the line it
// opens on.
func TestUnclosedQuote(t *testing.T) {
	f, err := OpenCSV(corpus("unclosed_quote.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(t, f)
	var ce *CSVError
	if !errors.As(err, &ce) || ce.Kind != ErrQuote || ce.Line != 3 {
		t.Fatalf("err = %v, want an unclosed quote on line 3", err)
	}
	if !strings.Contains(ce.Message, "line 3, column 2 (\"note\") opens a quoted value that is never closed") {
		t.Errorf("message = %q", ce.Message)
	}
}

// TestLongField checks that a field past the read limit is refused with its
// line and column, and a line past the record limit with its line, before
// either fills memory.
func TestLongField(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.csv")
	var b strings.Builder
	b.WriteString("id,notes\n1,short\n2,")
	b.WriteString(strings.Repeat("x", 2<<20))
	b.WriteString("\n3,short\n")
	if err := os.WriteFile(long, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := OpenCSV(long)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := readAll(t, f)
	var ce *CSVError
	if !errors.As(err, &ce) || ce.Kind != ErrFieldTooLong {
		t.Fatalf("err = %v, want a field too long", err)
	}
	if len(recs) != 1 || ce.Line != 3 || ce.Column != 2 {
		t.Errorf("after %d rows: line %d column %d, want line 3 column 2", len(recs), ce.Line, ce.Column)
	}
	if !strings.Contains(ce.Message, `line 3, column 2 ("notes") has a value longer than 1 MB`) {
		t.Errorf("message = %q", ce.Message)
	}

	// A line past the record limit is refused before its fields are split.
	f2, err := OpenCSVWith(long, OpenOptions{MaxFieldBytes: 512 << 10, MaxRecordBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(t, f2)
	if !errors.As(err, &ce) || ce.Kind != ErrLineTooLong || ce.Line != 3 {
		t.Fatalf("err = %v, want line 3 too long", err)
	}
}

// TestBadUTF8MidFile checks that a file that starts as UTF-8 and later has
// a Windows-1252 byte is reported on that line, and reading goes on.
func TestBadUTF8MidFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.csv")
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 0; i < 5000; i++ { // past the sniffed prefix
		b.WriteString("1,plain text here\n")
	}
	b.WriteString("2,Caf\xe9\n3,ok\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := OpenCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Dialect.Encoding != EncodingUTF8 {
		t.Fatalf("encoding %s", f.Dialect.Encoding)
	}
	recs, soft, err := readAll(t, f)
	if err != nil || len(soft) != 1 {
		t.Fatalf("err %v soft %v", err, soft)
	}
	if len(recs) != 5002 || soft[0].Line != 5002 || soft[0].Kind != ErrBadEncoding || !strings.Contains(soft[0].Message, "Windows-1252") {
		t.Errorf("rows %d, %+v", len(recs), soft[0])
	}
}

// TestOverrides checks that every sniffed choice can be fixed by the
// caller.
func TestOverrides(t *testing.T) {
	f, err := OpenCSVWith(corpus("latin1.csv"), OpenOptions{Encoding: EncodingISO88591, Header: HeaderNo})
	if err != nil {
		t.Fatal(err)
	}
	if f.Dialect.Encoding != EncodingISO88591 || f.Dialect.Header || f.Sniff.Encoding != "chosen" {
		t.Errorf("dialect %+v sniff %+v", f.Dialect, f.Sniff)
	}
	recs, _, err := readAll(t, f)
	if err != nil || len(recs) != 3 || recs[0].Fields[0] != "town" || recs[1].Fields[0] != "Montréal" {
		t.Errorf("records %v err %v", recs, err)
	}
	f, err = OpenCSVWith(corpus("semicolon.csv"), OpenOptions{Delimiter: ","})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Header) != 1 || f.Header[0] != "town;amount;note" {
		t.Errorf("header with comma forced = %q", f.Header)
	}
	if _, err := OpenCSVWith(corpus("crlf.csv"), OpenOptions{Delimiter: ":"}); err == nil || !strings.Contains(err.Error(), "comma, tab, semicolon or pipe") {
		t.Errorf("bad delimiter: %v", err)
	}
	if _, err := OpenCSVWith(corpus("crlf.csv"), OpenOptions{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), "utf-8") {
		t.Errorf("bad encoding: %v", err)
	}
}

// TestSniffReasons checks that the wizard has words to show for each
// choice.
func TestSniffReasons(t *testing.T) {
	f, err := OpenCSV(corpus("semicolon.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Sniff.Delimiter != "each of the first 4 lines has 3 fields when split on semicolons" {
		t.Errorf("delimiter reason %q", f.Sniff.Delimiter)
	}
	if !strings.Contains(f.Sniff.Header, "names above columns") && !strings.Contains(f.Sniff.Header, "taken as the header") {
		t.Errorf("header reason %q", f.Sniff.Header)
	}
	f, err = OpenCSV(corpus("no_header.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Sniff.Header, "looks like the rows below it") {
		t.Errorf("no-header reason %q", f.Sniff.Header)
	}
	f, err = OpenCSV(corpus("cp1252.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Sniff.Encoding, "Windows-1252") {
		t.Errorf("encoding reason %q", f.Sniff.Encoding)
	}
}
