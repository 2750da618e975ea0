package wizard

import (
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// TestAppendCSVFast holds the encoder's fast path to the converter's: for
// every value it takes, it must write exactly what Convert and
// Value.AppendCSV write, and for the others it must write nothing.
func TestAppendCSVFast(t *testing.T) {
	inputs := []string{
		"", " ", "\t", "0", "-0.5", " 12 ", "+3", "6.02e+23", "1e", ".5", "5.", "1,234", "$10", "(5)", "45%", "NaN", "1 234",
		"true", "TRUE", " False ", "t", "Y", "yes", "0", "1", "no",
		"2024-03-14", "2024-03-14T10:30:00", "2024-03-14t10:30:00", "0999-12-31T23:59:59", "2024-03-14T10:30:00.250", "2024-03-14 10:30", "2024-02-30", "2024-03-14T25:00:00", "2024-03-14T25:10:00",
		"2024-03-14T10:30:00Z", "2024-03-14T10:30:00-05:00", "03/14/2024", "3/4/24", "14-Mar-2024", "03/14/2024 10:30 PM",
		"Hartford", " Hartford ", `say "hi"`, "a,b", "line\nbreak", "\\.", "caf\xe9", strings.Repeat("x", maxTextBytes+1),
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
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{timestamp.ISO8601, "MM/dd/yyyy"}}},
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy", timestamp.ISO8601}}},
		// A value ISO 8601 refuses that a later format reads differently.
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{timestamp.ISO8601, "yyyy-MM-dd'T'mm:HH:ss"}}},
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
			got, ok := conv.AppendCSV([]byte("x,"), in)
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
			if want := string(v.AppendCSV([]byte("x,"))); string(got) != want {
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
