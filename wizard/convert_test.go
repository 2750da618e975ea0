package wizard

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// TestConvert checks, per type, what is sent for good values and what a
// person is told for bad ones.
func TestConvert(t *testing.T) {
	tests := []struct {
		name string
		typ  socrata.DataType
		cm   ColumnMap
		in   string
		json string // what is sent, when OK
		prob Problem
		msg  string // part of the message, when not OK
	}{
		{"text", socrata.Text, ColumnMap{}, " Hartford ", `" Hartford "`, OK, ""},
		{"text empty is null", socrata.Text, ColumnMap{}, "", `null`, OK, ""},
		{"text too long", socrata.Text, ColumnMap{}, strings.Repeat("a", maxTextBytes+1), "", probTextLong, "more than the portal's 4096"},
		{"number", socrata.Number, ColumnMap{}, "1234.5", `"1234.5"`, OK, ""},
		{"number blank is null", socrata.Number, ColumnMap{}, "  ", `null`, OK, ""},
		{"number trimmed", socrata.Number, ColumnMap{}, " -0.5 ", `"-0.5"`, OK, ""},
		{"number exponent", socrata.Number, ColumnMap{}, "6.02e+23", `"6.02e+23"`, OK, ""},
		{"thousands", socrata.Number, ColumnMap{}, "1,234", "", probThousands, `"1,234" has a thousands separator: turn on clean for this column or remove it`},
		{"thousands cleaned", socrata.Number, ColumnMap{Clean: true}, "1,234,567.89", `"1234567.89"`, OK, ""},
		{"space thousands", socrata.Number, ColumnMap{}, "1 234", "", probThousands, "thousands separator"},
		{"currency", socrata.Money, ColumnMap{}, "$10.00", "", probCurrency, "currency symbol: turn on clean"},
		{"currency cleaned", socrata.Money, ColumnMap{Clean: true}, "$1,200.50", `"1200.50"`, OK, ""},
		{"accounting negative cleaned", socrata.Money, ColumnMap{Clean: true}, "($5.00)", `"-5.00"`, OK, ""},
		{"accounting negative", socrata.Money, ColumnMap{}, "(5.00)", "", probParens, "parentheses for a negative"},
		{"percent sign", socrata.Percent, ColumnMap{}, "45%", "", probPercentSign, "write 45% as 45"},
		{"percent cleaned", socrata.Percent, ColumnMap{Clean: true}, "45%", `"45"`, OK, ""},
		{"comma decimal", socrata.Number, ColumnMap{}, "1,5", "", probCommaDecimal, "comma as the decimal mark"},
		{"comma decimal not cleaned", socrata.Number, ColumnMap{Clean: true}, "1,5", "", probCommaDecimal, "comma as the decimal mark"},
		{"european", socrata.Number, ColumnMap{}, "1.234,56", "", probCommaDecimal, "decimal mark"},
		{"nan", socrata.Number, ColumnMap{}, "NaN", "", probNaN, "leave the cell empty"},
		{"word", socrata.Number, ColumnMap{}, "N/A", "", probNumber, `"N/A" is not a number`},
		{"checkbox", socrata.Checkbox, ColumnMap{}, "TRUE", `true`, OK, ""},
		{"checkbox false", socrata.Checkbox, ColumnMap{}, "false", `false`, OK, ""},
		{"checkbox Y", socrata.Checkbox, ColumnMap{}, "Y", "", probCheckboxYesNo, "turn on yes/no"},
		{"checkbox Y opted in", socrata.Checkbox, ColumnMap{YesNo: true}, "Y", `true`, OK, ""},
		{"checkbox 0 opted in", socrata.Checkbox, ColumnMap{YesNo: true}, "0", `false`, OK, ""},
		{"checkbox No opted in", socrata.Checkbox, ColumnMap{YesNo: true}, "No", `false`, OK, ""},
		{"checkbox maybe", socrata.Checkbox, ColumnMap{YesNo: true}, "maybe", "", probCheckbox, `"maybe" is not true or false`},
		{"floating ISO date", socrata.FloatingTimestamp, ColumnMap{}, "2024-03-01", `"2024-03-01T00:00:00"`, OK, ""},
		{"floating ISO millis", socrata.FloatingTimestamp, ColumnMap{}, "2014-10-13T01:02:03.450", `"2014-10-13T01:02:03.450"`, OK, ""},
		{"floating US", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy"}}, "3/1/2024", `"2024-03-01T00:00:00"`, OK, ""},
		{"floating US time", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"M/d/yy h:mm a"}}, "12/1/23 12:05 AM", `"2023-12-01T00:05:00"`, OK, ""},
		{"floating PM", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"M/d/yy h:mm a"}}, "3/4/24 2:30 PM", `"2024-03-04T14:30:00"`, OK, ""},
		{"floating month name", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"dd-MMM-yyyy"}}, "05-Sep-2024", `"2024-09-05T00:00:00"`, OK, ""},
		{"floating with zone", socrata.FloatingTimestamp, ColumnMap{}, "2024-03-01T00:00:00Z", "", probTimeZoneOnFloating, "has a time zone, but f is a date and time without one"},
		{"floating wrong format", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy"}}, "2024-03-01", "", probTimeFormat, `"2024-03-01" does not match the date format MM/dd/yyyy`},
		{"floating impossible", socrata.FloatingTimestamp, ColumnMap{}, "2024-02-30", "", probTimeDate, "is not a real date"},
		{"floating leap day", socrata.FloatingTimestamp, ColumnMap{}, "2024-02-29", `"2024-02-29T00:00:00"`, OK, ""},
		{"floating two-digit year", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy"}}, "3/1/24", "", probTimeShortYear, "choose a format with yy"},
		{"fixed winter", socrata.FixedTimestamp, ColumnMap{}, "2024-01-15T10:00:00", `"2024-01-15T10:00:00-05:00"`, OK, ""},
		{"fixed summer", socrata.FixedTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy HH:mm"}}, "07/15/2024 10:00", `"2024-07-15T10:00:00-04:00"`, OK, ""},
		{"fixed own offset", socrata.FixedTimestamp, ColumnMap{}, "2024-07-15T10:00:00Z", `"2024-07-15T10:00:00+00:00"`, OK, ""},
		{"fixed column zone", socrata.FixedTimestamp, ColumnMap{Timezone: "America/Los_Angeles"}, "2024-07-15T10:00", `"2024-07-15T10:00:00-07:00"`, OK, ""},
		{"fixed after spring forward", socrata.FixedTimestamp, ColumnMap{}, "2024-03-10T03:30:00", `"2024-03-10T03:30:00-04:00"`, OK, ""},
		{"fixed before spring forward", socrata.FixedTimestamp, ColumnMap{}, "2024-03-10T01:59:00", `"2024-03-10T01:59:00-05:00"`, OK, ""},
		{"fixed in the gap", socrata.FixedTimestamp, ColumnMap{}, "2024-03-10T02:30:00", "", probTimeGap, "does not exist in America/New_York"},
		{"point", socrata.Point, ColumnMap{}, "POINT (-72.68 41.76)", `{"type":"Point","coordinates":[-72.68,41.76]}`, OK, ""},
		{"point lower case", socrata.Point, ColumnMap{}, "point(-72.5  41.9)", `{"type":"Point","coordinates":[-72.5,41.9]}`, OK, ""},
		{"point geojson", socrata.Point, ColumnMap{}, `{"type": "Point", "coordinates": [-72.68, 41.76]}`, `{"type":"Point","coordinates":[-72.68,41.76]}`, OK, ""},
		{"point lat lon", socrata.Point, ColumnMap{}, "(41.76, -72.68)", "", probPointLatLon, "looks like latitude, longitude"},
		{"point swapped", socrata.Point, ColumnMap{}, "POINT (41.76 -172.68)", "", probPointSwapped, "has latitude first"},
		{"point off map", socrata.Point, ColumnMap{}, "POINT (-272.68 141.76)", "", probPointRange, "off the map"},
		{"point junk", socrata.Point, ColumnMap{}, "Hartford", "", probPoint, "write POINT (longitude latitude)"},
		{"line", socrata.Line, ColumnMap{}, "LINESTRING (-72 41, -72.5 41.5)", `{"type":"LineString","coordinates":[[-72,41],[-72.5,41.5]]}`, OK, ""},
		{"polygon", socrata.Polygon, ColumnMap{}, "POLYGON ((0 0, 1 0, 1 1, 0 0))", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, OK, ""},
		{"polygon as point", socrata.Polygon, ColumnMap{}, "POINT (1 2)", "", probGeometry, "is not polygon WKT"},
		{"url", socrata.URL, ColumnMap{}, "https://data.ct.gov", `{"url":"https://data.ct.gov"}`, OK, ""},
		{"url labelled", socrata.URL, ColumnMap{}, "CT Data (https://data.ct.gov)", `{"url":"https://data.ct.gov","description":"CT Data"}`, OK, ""},
		{"url no scheme", socrata.URL, ColumnMap{}, "www.ct.gov", "", probURLNoScheme, "no http:// or https://"},
		{"phone", socrata.Phone, ColumnMap{}, "860-555-0100:cell", `{"phone_number":"860-555-0100","phone_type":"Cell"}`, OK, ""},
		{"phone bad type", socrata.Phone, ColumnMap{}, "860-555-0100:pager", "", probPhone, "not a phone number"},
		{"location", socrata.Location, ColumnMap{}, "1 Main St (41.76, -72.68)", `{"latitude":"41.76","longitude":"-72.68","human_address":"{\"address\":\"1 Main St\"}"}`, OK, ""},
		{"location NaN", socrata.Location, ColumnMap{}, "1 Main St (NaN, -72.68)", "", probLocation, "is not a location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewConverter("f", tt.typ, tt.cm, "")
			if err != nil {
				t.Fatal(err)
			}
			v, p := c.Convert(tt.in)
			if p != tt.prob {
				t.Fatalf("problem = %s, want %s (%s)", p.name(), tt.prob.name(), c.Message(tt.in, p))
			}
			if p != OK {
				if msg := c.Message(tt.in, p); !strings.Contains(msg, tt.msg) {
					t.Errorf("message %q lacks %q", msg, tt.msg)
				}
				return
			}
			if got := string(v.AppendJSON(nil)); got != tt.json {
				t.Errorf("json = %s, want %s", got, tt.json)
			}
		})
	}
}

// TestAppendJSONIsJSON checks that values holding control characters,
// bytes that are not UTF-8 and runes past U+FFFF, which strconv.Quote
// writes in Go's own escapes, are written as JSON that reads back.
func TestAppendJSONIsJSON(t *testing.T) {
	tests := []struct {
		typ socrata.DataType
		in  string
	}{
		{socrata.Text, "bell\x07 and tab\v"},
		{socrata.Text, "caf\xe9"},
		{socrata.Text, "beam \U0001D173"},
		{socrata.URL, "http://x.org/\v"},
		{socrata.URL, "Caf\xe9 (http://x.org)"},
		{socrata.Location, "1 Main \U0001D173 St (41.76, -72.68)"},
	}
	for _, tt := range tests {
		c, err := NewConverter("f", tt.typ, ColumnMap{}, "")
		if err != nil {
			t.Fatal(err)
		}
		v, p := c.Convert(tt.in)
		if p != OK {
			t.Fatalf("%s %q: %s", tt.typ, tt.in, c.Message(tt.in, p))
		}
		b := v.AppendJSON(nil)
		if !json.Valid(b) {
			t.Errorf("%s %q written as %s, which is not JSON", tt.typ, tt.in, b)
		}
		if tt.typ == socrata.Text && utf8.ValidString(tt.in) {
			var back string
			if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
				t.Errorf("%q reads back as %q, %v", tt.in, back, err)
			}
		}
	}
}

// TestValueString checks the CSV form of values, used when a file is sent
// as CSV.
func TestValueString(t *testing.T) {
	tests := []struct {
		typ  socrata.DataType
		cm   ColumnMap
		in   string
		want string
	}{
		{socrata.Point, ColumnMap{}, `{"type":"Point","coordinates":[-72.68,41.76]}`, "POINT (-72.68 41.76)"},
		{socrata.FixedTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy hh:mm a"}}, "01/15/2024 01:00 PM", "2024-01-15T13:00:00-05:00"},
		{socrata.FloatingTimestamp, ColumnMap{Formats: []string{"yyyyMMdd"}}, "20240301", "2024-03-01T00:00:00"},
		{socrata.URL, ColumnMap{}, "Site (http://x.org)", "Site (http://x.org)"},
		{socrata.Checkbox, ColumnMap{YesNo: true}, "yes", "true"},
		{socrata.Number, ColumnMap{Clean: true}, "$1,000", "1000"},
	}
	for _, tt := range tests {
		c, err := NewConverter("f", tt.typ, tt.cm, "")
		if err != nil {
			t.Fatal(err)
		}
		v, p := c.Convert(tt.in)
		if p != OK || v.String() != tt.want {
			t.Errorf("%s %q: %q %s, want %q", tt.typ, tt.in, v.String(), p.name(), tt.want)
		}
	}
}

// TestFixedInstant checks that Instant names the right moment.
func TestFixedInstant(t *testing.T) {
	c, err := NewConverter("f", socrata.FixedTimestamp, ColumnMap{}, "")
	if err != nil {
		t.Fatal(err)
	}
	v, p := c.Convert("2024-07-15T10:00:00")
	if p != OK {
		t.Fatal(p)
	}
	if want := time.Date(2024, 7, 15, 14, 0, 0, 0, time.UTC); !v.Instant().Equal(want) {
		t.Errorf("instant %v, want %v", v.Instant(), want)
	}
}

// TestLatLonPoint checks points built from two columns.
func TestLatLonPoint(t *testing.T) {
	tests := []struct {
		lat, lon string
		want     string
		prob     Problem
	}{
		{"41.76", "-72.68", `{"type":"Point","coordinates":[-72.68,41.76]}`, OK},
		{"", "", "null", OK},
		{"41.9", "", "", probPointHalf},
		{"95", "-72", "", probPointRange},
		{"north", "-72", "", probPoint},
	}
	for _, tt := range tests {
		v, p := LatLonPoint(tt.lat, tt.lon)
		if p != tt.prob || (p == OK && string(v.AppendJSON(nil)) != tt.want) {
			t.Errorf("%q,%q: %s %s", tt.lat, tt.lon, v.AppendJSON(nil), p.name())
		}
	}
}

// TestParseFloatMatchesStrconv holds the fast coordinate parser to
// strconv.
func TestParseFloatMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 100000; i++ {
		s := randomDecimal(rng)
		checkParseFloat(t, s)
	}
}

func randomDecimal(rng *rand.Rand) string {
	var b strings.Builder
	if rng.Intn(2) == 0 {
		b.WriteByte('-')
	}
	for n := 1 + rng.Intn(4); n > 0; n-- {
		b.WriteByte(byte('0' + rng.Intn(10)))
	}
	if rng.Intn(4) > 0 {
		b.WriteByte('.')
		for n := rng.Intn(16); n > 0; n-- {
			b.WriteByte(byte('0' + rng.Intn(10)))
		}
	}
	return b.String()
}
