package timestamp

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDetect checks the pattern found for typical columns and
// the note shown when day and month could be either way round.
func TestDetect(t *testing.T) {
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
			g := Detect(tt.samples)
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
	g := Detect([]string{"01/02/2024", "March 5th"})
	if g.Unmatched != "March 5th" {
		t.Errorf("unmatched %q", g.Unmatched)
	}
}

// TestParseFormat checks the patterns refused, and with what words.
func TestParseFormat(t *testing.T) {
	bad := map[string]string{
		"MM/dd/yyyy z":    "uses z (a zone name), which DataSync does not allow",
		"MM/dd/yyyy Q":    `uses the letter "Q"`,
		"HH:mm":           "needs a year (yyyy), a month (MM) and a day (dd)",
		"yyyy-MM-dd'T":    "unclosed quote",
		"yyyy-MM-dd 'at'": "needs",
	}
	for p, want := range bad {
		_, err := parseFormat(p)
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
	tf, err := parseFormat("yyyy-MM-dd'T'HH:mm:ss")
	if err != nil {
		t.Fatal(err)
	}
	c, p := tf.parse("2024-03-01T10:20:30", false)
	if p != OK || c.Hour != 10 || c.Second != 30 {
		t.Errorf("quoted T: %+v %v", c, p)
	}
	// Joda reads any number of digits where the pattern is padded.
	tf, _ = parseFormat("MM/dd/yyyy")
	if _, p := tf.parse("3/1/2024", false); p != OK {
		t.Errorf("MM/dd/yyyy refused 3/1/2024: %v", p)
	}
	if _, p := tf.parse("3/1/2024", true); p == OK {
		t.Error("strict MM/dd/yyyy accepted 3/1/2024")
	}
	if !reflect.DeepEqual(timeCandidates[0], ISO8601) {
		t.Errorf("ISO8601 is not the first candidate")
	}
}

// TestIsFloating holds IsFloating to ReadISO for every date and time at the
// edges of their ranges, and for strings of the right length but the
// wrong shape: it must accept exactly what ReadISO reads without a
// problem and writes back unchanged.
func TestIsFloating(t *testing.T) {
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
		cv, p := ReadISO(s)
		want := p == OK && !cv.HasZone && string(cv.AppendFloating(nil)) == s
		if got := IsFloating(s); got != want {
			t.Errorf("IsFloating(%q) = %v, want %v", s, got, want)
		}
		if want {
			accepted++
		}
	}
	if accepted < 500 {
		t.Errorf("only %d of %d cases were valid timestamps", accepted, len(cases))
	}
}

// TestZoneTableMatchesTimeDate holds the fast offset lookup to what
// time.Date says, over random wall-clock times and around every
// transition.
func TestZoneTableMatchesTimeDate(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		z := ZoneOf(loc)
		check := func(y, mo, d, h, mi int) {
			c := Civil{Year: y, Month: mo, Day: d, Hour: h, Minute: mi}
			off, ok := z.Offset(&c)
			tm := time.Date(y, time.Month(mo), d, h, mi, 0, 0, loc)
			exists := tm.Hour() == h && tm.Minute() == mi && tm.Day() == d
			_, want := tm.Zone()
			if ok != exists || (ok && off != want) {
				t.Fatalf("%s %d-%02d-%02d %02d:%02d: offset %d %v, want %d %v", name, y, mo, d, h, mi, off, ok, want, exists)
			}
		}
		rng := rand.New(rand.NewSource(1))
		for i := 0; i < 20000; i++ {
			check(1901+rng.Intn(250), 1+rng.Intn(12), 1+rng.Intn(28), rng.Intn(24), rng.Intn(60))
		}
		for _, tr := range z.trans {
			for d := -3 * 3600; d <= 3*3600; d += 900 {
				w := time.Unix(tr+int64(d), 0).UTC()
				check(w.Year(), int(w.Month()), w.Day(), w.Hour(), w.Minute())
			}
		}
	}
}
