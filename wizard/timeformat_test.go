package wizard

import (
	"reflect"
	"strings"
	"testing"
)

// TestDetectTimeFormat checks the pattern found for typical columns and
// the note shown when day and month could be either way round.
func TestDetectTimeFormat(t *testing.T) {
	tests := []struct {
		name    string
		samples []string
		pattern string
		matched int
		alt     string // first alternative, if any
		note    string
		hasTime bool
	}{
		{"iso dates", []string{"2024-03-01", "2024-12-31"}, ISO8601, 2, "", "", false},
		{"iso with time", []string{"2024-03-01T10:00:00", "2024-03-02T11:30:00"}, ISO8601, 2, "", "", true},
		{"space time", []string{"2024-03-01 10:00:00"}, "yyyy-MM-dd HH:mm:ss", 1, "", "", true},
		{"US padded, ambiguous", []string{"01/02/2024", "03/04/2024"}, "MM/dd/yyyy", 2, "dd/MM/yyyy", "values such as 01/02/2024 fit both MM/dd/yyyy and dd/MM/yyyy; MM/dd/yyyy is assumed (US order, month first)", false},
		{"US padded, settled by a 31", []string{"01/02/2024", "12/31/2023"}, "MM/dd/yyyy", 2, "", "", false},
		{"US unpadded", []string{"3/1/2024", "12/31/2023"}, "M/d/yyyy", 2, "", "", false},
		{"US two-digit year with time", []string{"3/14/24 2:30 PM", "12/1/23 11:05 AM"}, "M/d/yy h:mm a", 2, "", "", true},
		{"Excel default", []string{"3/1/2024 0:00", "3/22/2024 13:45"}, "M/d/yyyy H:mm", 2, "", "", true},
		{"day first", []string{"31/01/2024", "01/02/2024"}, "dd/MM/yyyy", 2, "", "", false},
		{"month names", []string{"05-Sep-2024", "12-Jan-2023"}, "dd-MMM-yyyy", 2, "", "", false},
		{"compact", []string{"20240301", "20231231"}, "yyyyMMdd", 2, "", "", false},
		{"one bad value", []string{"01/02/2024", "March 5th", "12/31/2023"}, "MM/dd/yyyy", 2, "", "", false},
		{"nothing", []string{"soon", "later"}, "", 0, "", "", false},
		{"blanks ignored", []string{"", " ", "2024-03-01"}, ISO8601, 1, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := DetectTimeFormat(tt.samples)
			if g.Pattern != tt.pattern || g.Matched != tt.matched {
				t.Fatalf("got %q matching %d, want %q matching %d (%+v)", g.Pattern, g.Matched, tt.pattern, tt.matched, g)
			}
			alt := ""
			if len(g.Alternatives) > 0 {
				alt = g.Alternatives[0]
			}
			if alt != tt.alt || !strings.HasPrefix(g.Note, tt.note) || (tt.note == "" && g.Note != "") {
				t.Errorf("alternative %q note %q, want %q %q", alt, g.Note, tt.alt, tt.note)
			}
			if g.HasTime != tt.hasTime {
				t.Errorf("HasTime %v", g.HasTime)
			}
		})
	}
	g := DetectTimeFormat([]string{"01/02/2024", "March 5th"})
	if g.Unmatched != "March 5th" {
		t.Errorf("unmatched %q", g.Unmatched)
	}
}

// TestParseTimeFormat checks the patterns refused, and with what words.
func TestParseTimeFormat(t *testing.T) {
	bad := map[string]string{
		"MM/dd/yyyy z":    "uses z (a zone name), which DataSync does not allow",
		"MM/dd/yyyy Q":    `uses the letter "Q"`,
		"HH:mm":           "needs a year (yyyy), a month (MM) and a day (dd)",
		"yyyy-MM-dd'T":    "unclosed quote",
		"yyyy-MM-dd 'at'": "needs",
	}
	for p, want := range bad {
		_, err := ParseTimeFormat(p)
		if p == "yyyy-MM-dd 'at'" {
			if err != nil {
				t.Errorf("%q refused: %v", p, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", p, err, want)
		}
	}
	tf, err := ParseTimeFormat("yyyy-MM-dd'T'HH:mm:ss")
	if err != nil {
		t.Fatal(err)
	}
	c, p := tf.parse("2024-03-01T10:20:30", false)
	if p != timeOK || c.hour != 10 || c.sec != 30 {
		t.Errorf("quoted T: %+v %v", c, p)
	}
	// Joda reads any number of digits where the pattern is padded.
	tf, _ = ParseTimeFormat("MM/dd/yyyy")
	if _, p := tf.parse("3/1/2024", false); p != timeOK {
		t.Errorf("MM/dd/yyyy refused 3/1/2024: %v", p)
	}
	if _, p := tf.parse("3/1/2024", true); p == timeOK {
		t.Error("strict MM/dd/yyyy accepted 3/1/2024")
	}
	if !reflect.DeepEqual(timeCandidates[0], ISO8601) {
		t.Errorf("ISO8601 is not the first candidate")
	}
}
