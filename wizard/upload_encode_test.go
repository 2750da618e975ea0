package wizard

import (
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// TestAppendCSVFast holds the encoder's fast path to the converter's: for
// every value it takes, it must write exactly what Convert and
// appendValueCSV write, and for the others it must write nothing.
func TestAppendCSVFast(t *testing.T) {
	inputs := []string{
		"", " ", "\t", "0", "-0.5", " 12 ", "+3", "6.02e+23", "1e", ".5", "5.", "1,234", "$10", "(5)", "45%", "NaN", "1 234",
		"true", "TRUE", " False ", "t", "Y", "yes", "0", "1", "no",
		"2024-03-14", "2024-03-14T10:30:00", "2024-03-14t10:30:00", "0999-12-31T23:59:59", "2024-03-14T10:30:00.250", "2024-03-14 10:30", "2024-02-30", "2024-03-14T25:00:00",
		"2024-03-14T10:30:00Z", "2024-03-14T10:30:00-05:00", "03/14/2024", "3/4/24", "14-Mar-2024", "03/14/2024 10:30 PM",
		"Hartford", " Hartford ", `say "hi"`, "a,b", "line\nbreak", "\\.", "caf\xe9", strings.Repeat("x", MaxTextBytes+1),
	}
	convs := []struct {
		typ socrata.DataType
		cm  ColumnMap
	}{
		{socrata.Text, ColumnMap{}},
		{"", ColumnMap{}},
		{socrata.Number, ColumnMap{}},
		{socrata.Number, ColumnMap{Clean: true}},
		{socrata.Money, ColumnMap{}},
		{socrata.Percent, ColumnMap{Clean: true}},
		{socrata.Checkbox, ColumnMap{}},
		{socrata.Checkbox, ColumnMap{YesNo: true}},
		{socrata.FloatingTimestamp, ColumnMap{}},
		{socrata.FloatingTimestamp, ColumnMap{Format: "MM/dd/yyyy"}},
		{socrata.FloatingTimestamp, ColumnMap{Format: "MM/dd/yyyy hh:mm a"}},
		{socrata.FloatingTimestamp, ColumnMap{Format: "dd-MMM-yyyy"}},
		{socrata.FixedTimestamp, ColumnMap{}},
		{socrata.URL, ColumnMap{}},
	}
	taken := 0
	for _, cv := range convs {
		conv, err := NewConverter("f", cv.typ, cv.cm, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range inputs {
			got, ok := appendCSVFast([]byte("x,"), conv, in)
			if !ok {
				if string(got) != "x," {
					t.Errorf("%s %+v %q: declined but wrote %q", cv.typ, cv.cm, in, got)
				}
				continue
			}
			taken++
			v, p := conv.Convert(in)
			if p != OK {
				t.Errorf("%s %+v %q: fast path wrote %q, but the converter rejects it (%s)", cv.typ, cv.cm, in, got, conv.Message(in, p))
				continue
			}
			if want := string(appendValueCSV([]byte("x,"), &v)); string(got) != want {
				t.Errorf("%s %+v %q: fast path wrote %q, converter %q", cv.typ, cv.cm, in, got, want)
			}
		}
	}
	// The fast path must actually be taken for the common types, or the
	// comparison above proves nothing.
	if taken < 60 {
		t.Errorf("the fast path took only %d values", taken)
	}
}

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
