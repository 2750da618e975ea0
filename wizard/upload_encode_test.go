package wizard

import (
	"fmt"
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
		"2024-03-14", "2024-03-14T10:30:00", "2024-03-14t10:30:00", "0999-12-31T23:59:59", "2024-03-14T10:30:00.250", "2024-03-14 10:30", "2024-02-30", "2024-03-14T25:00:00", "2024-03-14T25:10:00",
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
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy"}}},
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy hh:mm a"}}},
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{"dd-MMM-yyyy"}}},
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{ISO8601, "MM/dd/yyyy"}}},
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy", ISO8601}}},
		// A value ISO 8601 refuses that a later format reads differently.
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{ISO8601, "yyyy-MM-dd'T'mm:HH:ss"}}},
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

// TestFieldArena checks that rows come back as they went in, whether
// their fields lie end to end in one buffer (as the read-ahead hands
// them out), apart, or overlapping, with empty fields anywhere.
func TestFieldArena(t *testing.T) {
	buf := "R-1Public Health12.5true" + "R-2" + "xyz"
	tests := [][]string{
		{buf[0:3], buf[3:16], buf[16:20], buf[20:24]}, // end to end
		{buf[0:3], buf[3:3], buf[3:16], "", buf[16:24]},
		{"", "", buf[0:3]},
		{buf[24:27], buf[0:3]}, // out of order
		{buf[0:3], buf[1:4]},   // overlapping
		{buf[0:3], buf[4:6]},   // a gap
		{"a", "b", "c"},        // separate strings
		{},
		{"", ""},
		{strings.Repeat("long ", 100), buf[27:30]},
	}
	var a fieldArena
	for round := range 2 {
		a.reset()
		for i, row := range tests {
			if got := a.add(row); got != i {
				t.Fatalf("round %d: add returned %d, want %d", round, got, i)
			}
		}
		if a.len() != len(tests) {
			t.Fatalf("len = %d, want %d", a.len(), len(tests))
		}
		for i, want := range tests {
			got := a.row(i)
			if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Errorf("row %d = %q, want %q", i, got, want)
			}
			for j := range want {
				if f := a.field(i, j); f != want[j] {
					t.Errorf("field(%d, %d) = %q, want %q", i, j, f, want[j])
				}
			}
			if f := a.field(i, len(want)); f != "" {
				t.Errorf("field(%d, %d) past the end = %q", i, len(want), f)
			}
		}
	}
}

// TestISOValid holds isoValid to parseISO for every date and time at the
// edges of their ranges, and for strings of the right length but the
// wrong shape: it must accept exactly what parseISO reads without a
// problem and writes back unchanged.
func TestISOValid(t *testing.T) {
	var cases []string
	for _, y := range []int{999, 1000, 1900, 2000, 2023, 2024, 9999} {
		for m := 0; m <= 13; m++ {
			for _, d := range []int{0, 1, 28, 29, 30, 31, 32} {
				for _, hms := range [][3]int{{0, 0, 0}, {23, 59, 59}, {24, 0, 0}, {12, 60, 0}, {12, 0, 60}} {
					cases = append(cases, fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hms[0], hms[1], hms[2]))
				}
			}
		}
	}
	cases = append(cases, "2024-03-14t10:30:00", "2024-03-14 10:30:00", "2024/03/14T10:30:00", "2024-03-14T10.30.00",
		"2024-0a-14T10:30:00", "2024-03-14T10:30:0Z", "+024-03-14T10:30:00", "2024-03-14T10:30:00Z", "2024-03-14T10:30")
	accepted := 0
	for _, s := range cases {
		cv, p := parseISO(s)
		want := p == timeOK && !cv.hasZone && string(cv.appendFloating(nil)) == s
		if got := isoValid(s); got != want {
			t.Errorf("isoValid(%q) = %v, want %v", s, got, want)
		}
		if want {
			accepted++
		}
	}
	if accepted < 500 {
		t.Errorf("only %d of %d cases were valid timestamps", accepted, len(cases))
	}
}
