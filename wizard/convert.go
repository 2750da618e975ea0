package wizard

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/quote"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// maxTextBytes is the longest text value the check lets through. Socrata
// documents a limit of about 4 KB per text cell.
const maxTextBytes = 4096

// ValueKind says what a converted [Value] holds.
type ValueKind uint8

// The kinds of [Value].
const (
	// ValueNull is an empty cell. It is sent as JSON null, so that an empty
	// cell empties the field on upsert as it does in a SODA CSV upload and
	// in the Data Management API: the file is the truth.
	ValueNull ValueKind = iota
	// ValueText is text, email, html and the like, sent as a JSON string.
	ValueText
	// ValueNumber is a number, money or percent, sent as a JSON string of
	// its digits so that no precision is lost.
	ValueNumber
	// ValueBool is a checkbox, sent as JSON true or false.
	ValueBool
	// ValueFloating is a timestamp without a zone, sent as
	// "2024-03-01T14:30:00".
	ValueFloating
	// ValueFixed is an instant, sent as "2024-03-01T14:30:00-05:00".
	ValueFixed
	// ValuePoint is a point, sent as GeoJSON.
	ValuePoint
	// ValueGeometry is a line or polygon read from WKT, sent as GeoJSON.
	ValueGeometry
	// ValueURL is a url with an optional description, sent as
	// {"url": ..., "description": ...}.
	ValueURL
	// ValuePhone is a legacy phone value, sent as {"phone_number": ...,
	// "phone_type": ...}.
	ValuePhone
	// ValueLocation is a legacy location, sent as {"latitude", "longitude",
	// "human_address"}.
	ValueLocation
)

// Value is one cell converted to what the portal is sent. Its zero value is
// null.
type Value struct {
	Kind ValueKind
	// Text is the text, the number's digits, the url, the phone number,
	// the location's address, or (for geometry) the GeoJSON coordinates.
	Text string
	// Desc is the url's description or the phone's type.
	Desc string
	Bool bool
	// Lon and Lat are a point's or location's coordinates; HasCoords says
	// whether a location has them.
	Lon, Lat  float64
	HasCoords bool
	// Geom is the GeoJSON type of a geometry ("LineString", ...).
	Geom string

	// civil is a timestamp's wall-clock time; for a fixed timestamp its
	// offset is the one in force there, from the value or the zone.
	civil timestamp.Civil
}

// Instant is the moment a fixed timestamp names, or for a floating one the
// wall-clock time read as UTC.
func (v Value) Instant() time.Time {
	return v.civil.Instant()
}

// AppendJSON appends the value as it goes into a SODA JSON row. Strings
// are written by quote.AppendJSON rather than strconv.AppendQuote, whose Go
// escapes (\v, \x00, \U0001D173) are not JSON and would spoil a whole
// batch.
func (v Value) AppendJSON(b []byte) []byte {
	switch v.Kind {
	case ValueText, ValueNumber:
		return quote.AppendJSON(b, v.Text)
	case ValueBool:
		return strconv.AppendBool(b, v.Bool)
	case ValueFloating:
		b = append(b, '"')
		b = v.civil.AppendFloating(b)
		return append(b, '"')
	case ValueFixed:
		b = append(b, '"')
		b = v.civil.AppendFixed(b)
		return append(b, '"')
	case ValuePoint:
		b = append(b, `{"type":"Point","coordinates":[`...)
		b = strconv.AppendFloat(b, v.Lon, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, v.Lat, 'f', -1, 64)
		return append(b, "]}"...)
	case ValueGeometry:
		b = append(b, `{"type":`...)
		b = quote.AppendJSON(b, v.Geom)
		b = append(b, `,"coordinates":`...)
		b = append(b, v.Text...)
		return append(b, '}')
	case ValueURL:
		b = append(b, `{"url":`...)
		b = quote.AppendJSON(b, v.Text)
		if v.Desc != "" {
			b = append(b, `,"description":`...)
			b = quote.AppendJSON(b, v.Desc)
		}
		return append(b, '}')
	case ValuePhone:
		b = append(b, `{"phone_number":`...)
		b = quote.AppendJSON(b, v.Text)
		if v.Desc != "" {
			b = append(b, `,"phone_type":`...)
			b = quote.AppendJSON(b, v.Desc)
		}
		return append(b, '}')
	case ValueLocation:
		b = append(b, '{')
		if v.HasCoords {
			b = append(b, `"latitude":`...)
			b = quote.AppendJSON(b, strconv.FormatFloat(v.Lat, 'f', -1, 64))
			b = append(b, `,"longitude":`...)
			b = quote.AppendJSON(b, strconv.FormatFloat(v.Lon, 'f', -1, 64))
		}
		if v.Text != "" {
			if v.HasCoords {
				b = append(b, ',')
			}
			addr, _ := json.Marshal(map[string]string{"address": v.Text})
			b = append(b, `"human_address":`...)
			b = quote.AppendJSON(b, string(addr))
		}
		return append(b, '}')
	case ValueNull: // below
	}
	return append(b, "null"...)
}

// MarshalJSON lets encoding/json write a Value as AppendJSON does.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// String is the value as a cell of a SODA CSV upload: numbers as digits,
// timestamps in ISO-8601, points as WKT, urls as "description (url)", and
// "" for null.
func (v Value) String() string {
	switch v.Kind {
	case ValueText, ValueNumber:
		return v.Text
	case ValueBool:
		return strconv.FormatBool(v.Bool)
	case ValueFloating:
		return string(v.civil.AppendFloating(nil))
	case ValueFixed:
		return string(v.civil.AppendFixed(nil))
	case ValuePoint:
		return "POINT (" + strconv.FormatFloat(v.Lon, 'f', -1, 64) + " " + strconv.FormatFloat(v.Lat, 'f', -1, 64) + ")"
	case ValueGeometry:
		return string(v.AppendJSON(nil))
	case ValueURL:
		if v.Desc != "" {
			return v.Desc + " (" + v.Text + ")"
		}
		return v.Text
	case ValuePhone:
		if v.Desc != "" {
			return v.Text + ":" + v.Desc
		}
		return v.Text
	case ValueLocation:
		s := v.Text
		if v.HasCoords {
			s = strings.TrimSpace(s + " (" + strconv.FormatFloat(v.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(v.Lon, 'f', -1, 64) + ")")
		}
		return s
	case ValueNull: // below
	}
	return ""
}

// Problem says why a value cannot be sent. Its zero value, [OK], means
// there is none; [Converter.Message] turns a Problem into a sentence.
type Problem uint8

// The problems a value can have.
const (
	OK Problem = iota
	probNumber
	probThousands
	probCurrency
	probPercentSign
	probCommaDecimal
	probParens
	probNaN
	probCheckbox
	probCheckboxYesNo
	probTimeFormat
	probTimeDate
	probTimeOfDay
	probTimeShortYear
	probTimeZoneOnFloating
	probTimeGap
	probPoint
	probPointLatLon
	probPointRange
	probPointSwapped
	probPointHalf
	probGeometry
	probURL
	probURLNoScheme
	probTextLong
	probPhone
	probLocation
)

// Converter turns one column's text values into what the portal is sent,
// or into a [Problem]. It does not allocate for valid values except where
// the value must be rewritten (a cleaned number, a url's parts), so a
// whole-file check runs near the speed of reading.
type Converter struct {
	// Field is the dataset field and Type its type.
	Field string
	Type  socrata.DataType
	// Clean strips separators, currency symbols and percent signs from
	// numbers; YesNo reads Y/N, Yes/No and 1/0 as checkboxes.
	Clean, YesNo bool
	// Formats read timestamps: a value is read with the first that reads
	// it, and none means ISO8601. Location places fixed timestamps that
	// have no offset of their own.
	Formats  []*timestamp.Format
	Location *time.Location

	zones *timestamp.Zone
	kind  convKind
}

// convKind is the converter's type as a small integer, so that Convert
// switches on a byte rather than comparing type names for every value.
type convKind uint8

const (
	convText convKind = iota + 1
	convNumber
	convCheckbox
	convFloating
	convFixed
	convPoint
	convGeometry
	convURL
	convPhone
	convLocation
	convOther
)

func convKindOf(t socrata.DataType) convKind {
	switch t {
	case socrata.Text, "":
		return convText
	case socrata.Number, socrata.Money, socrata.Percent:
		return convNumber
	case socrata.Checkbox:
		return convCheckbox
	case socrata.FloatingTimestamp:
		return convFloating
	case socrata.FixedTimestamp:
		return convFixed
	case socrata.Point:
		return convPoint
	case socrata.MultiPoint, socrata.Line, socrata.MultiLine, socrata.Polygon, socrata.MultiPolygon:
		return convGeometry
	case socrata.URL:
		return convURL
	case socrata.Phone:
		return convPhone
	case socrata.Location:
		return convLocation
	case socrata.Unsupported:
	}
	return convOther
}

// NewConverter compiles a converter for a field of the given type with a
// column's options. defaultTZ is the job's zone, used when the column names
// none; "" means [DefaultTimezone].
func NewConverter(field string, typ socrata.DataType, cm ColumnMap, defaultTZ string) (*Converter, error) {
	c := &Converter{Field: field, Type: typ, Clean: cm.Clean, YesNo: cm.YesNo, kind: convKindOf(typ)}
	switch typ {
	case socrata.FloatingTimestamp, socrata.FixedTimestamp:
		tfs, err := timestamp.ParseFormats(cm.Formats)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", field, err)
		}
		c.Formats = tfs
		if typ == socrata.FixedTimestamp {
			tz := cm.Timezone
			if tz == "" {
				tz = defaultTZ
			}
			if tz == "" {
				tz = DefaultTimezone
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return nil, fmt.Errorf("field %s: %q is not a time zone this program knows: use a name such as America/New_York or UTC", field, tz)
			}
			c.Location = loc
			c.zones = timestamp.ZoneOf(loc)
		}
	case socrata.Unsupported:
		return nil, fmt.Errorf("field %s has a type (%s) that cannot be written by upload: ignore the column that fills it", field, cm.Type)
	default:
		// The other types need nothing compiled beyond their kind.
	}
	return c, nil
}

// trimSpace trims ASCII spaces and tabs, which every tool trims around
// values that are not text.
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// Convert converts one value. An empty (or, for types other than text,
// blank) value is null.
func (c *Converter) Convert(s string) (Value, Problem) {
	k := c.kind
	if k == 0 {
		// A Converter built as a struct literal, not by NewConverter.
		k = convKindOf(c.Type)
	}
	if k == convText {
		if s == "" {
			return Value{}, OK
		}
		if len(s) > maxTextBytes {
			return Value{}, probTextLong
		}
		return Value{Kind: ValueText, Text: s}, OK
	}
	t := trimSpace(s)
	if t == "" {
		return Value{}, OK
	}
	switch k {
	case convNumber:
		if validNumber(t) {
			return Value{Kind: ValueNumber, Text: t}, OK
		}
		if c.Clean {
			if n, ok := cleanNumber(t); ok {
				return Value{Kind: ValueNumber, Text: n}, OK
			}
		}
		return Value{}, diagnoseNumber(t)
	case convCheckbox:
		switch {
		case strings.EqualFold(t, "true"):
			return Value{Kind: ValueBool, Bool: true}, OK
		case strings.EqualFold(t, "false"):
			return Value{Kind: ValueBool}, OK
		}
		yes, no := isYes(t), isNo(t)
		if yes || no {
			if c.YesNo {
				return Value{Kind: ValueBool, Bool: yes}, OK
			}
			return Value{}, probCheckboxYesNo
		}
		return Value{}, probCheckbox
	case convFloating:
		cv, p := c.readTime(t)
		if p != timestamp.OK {
			return Value{}, timeProblemOf(p)
		}
		if cv.HasZone {
			return Value{}, probTimeZoneOnFloating
		}
		return Value{Kind: ValueFloating, civil: cv}, OK
	case convFixed:
		cv, p := c.readTime(t)
		if p != timestamp.OK {
			return Value{}, timeProblemOf(p)
		}
		if !cv.HasZone {
			off, ok := c.zones.Offset(&cv)
			if !ok {
				return Value{}, probTimeGap
			}
			cv.Offset = off
		}
		return Value{Kind: ValueFixed, civil: cv}, OK
	case convPoint:
		x, y, p := parsePoint(t)
		if p != OK {
			return Value{}, p
		}
		return Value{Kind: ValuePoint, Lon: x, Lat: y}, OK
	case convGeometry:
		return parseGeometry(t, c.Type)
	case convURL:
		return parseURL(t)
	case convPhone:
		return parsePhone(t)
	case convLocation:
		return parseLocation(t)
	case convText, convOther: // below
	}
	return Value{Kind: ValueText, Text: t}, OK
}

// readTime reads a timestamp with the first of the column's formats that
// reads it. When none does, the problem is the first that says more than
// "does not match" (a 31st of April, say), since that format is most
// likely the one the value was written in.
func (c *Converter) readTime(t string) (timestamp.Civil, timestamp.Problem) {
	fs := c.Formats
	if len(fs) == 0 {
		return timestamp.ReadISO(t)
	}
	cv, p := fs[0].Read(t)
	if p == timestamp.OK || len(fs) == 1 {
		return cv, p
	}
	first := p
	for _, tf := range fs[1:] {
		cv, p = tf.Read(t)
		if p == timestamp.OK {
			return cv, p
		}
		if first == timestamp.NoMatch {
			first = p
		}
	}
	return timestamp.Civil{}, first
}

// patternOf is the pattern of the format that gave value s the time
// problem p, for messages: the one readTime took its problem from.
func (c *Converter) patternOf(s string, p Problem) string {
	if len(c.Formats) == 0 {
		return timestamp.ISO8601
	}
	t := trimSpace(s)
	for _, tf := range c.Formats {
		if _, tp := tf.Read(t); tp != timestamp.OK && timeProblemOf(tp) == p {
			return tf.Pattern()
		}
	}
	return c.Formats[0].Pattern()
}

// patterns are the converter's timestamp patterns in DataSync notation.
func (c *Converter) patterns() []string {
	if len(c.Formats) == 0 {
		return []string{timestamp.ISO8601}
	}
	out := make([]string, len(c.Formats))
	for i, tf := range c.Formats {
		out[i] = tf.Pattern()
	}
	return out
}

func timeProblemOf(p timestamp.Problem) Problem {
	switch p {
	case timestamp.BadDate:
		return probTimeDate
	case timestamp.BadTime:
		return probTimeOfDay
	case timestamp.ShortYear:
		return probTimeShortYear
	case timestamp.OK, timestamp.NoMatch: // below; OK is never asked
	}
	return probTimeFormat
}

func isYes(s string) bool {
	return s == "1" || strings.EqualFold(s, "y") || strings.EqualFold(s, "yes") || strings.EqualFold(s, "t")
}

func isNo(s string) bool {
	return s == "0" || strings.EqualFold(s, "n") || strings.EqualFold(s, "no") || strings.EqualFold(s, "f")
}

// validNumber accepts what Socrata accepts: an optional sign, digits with
// an optional decimal point, and an optional exponent.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

const currencySymbols = "$€£¥"

// cleanNumber removes what people add to numbers: currency symbols, a
// percent sign, thousands separators in their proper places, and
// accounting parentheses for negatives. It refuses anything ambiguous,
// such as a comma that could be a decimal mark.
func cleanNumber(s string) (string, bool) {
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, trimSpace(s[1:len(s)-1])
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(currencySymbols, r) || r == '%' || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	t := b.String()
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		if neg && t[0] == '-' {
			return "", false
		}
		if t[0] == '-' {
			neg = true
		}
		t = t[1:]
	}
	if strings.Contains(t, ",") {
		var ok bool
		if t, ok = stripThousands(t); !ok {
			return "", false
		}
	}
	if neg {
		t = "-" + t
	}
	if !validNumber(t) {
		return "", false
	}
	return t, true
}

// stripThousands removes commas that group an integer part in threes.
func stripThousands(s string) (string, bool) {
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if strings.Contains(frac, ",") {
		return "", false
	}
	groups := strings.Split(intPart, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 || !digitsOnly(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !digitsOnly(g) {
			return "", false
		}
	}
	return strings.Join(groups, "") + frac, true
}

// diagnoseNumber says why a value is not a number, as specifically as it
// can.
func diagnoseNumber(s string) Problem {
	low := strings.ToLower(s)
	switch low {
	case "nan", "inf", "+inf", "-inf", "infinity", "-infinity", "+infinity":
		return probNaN
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		return probParens
	}
	if strings.ContainsAny(s, currencySymbols) {
		return probCurrency
	}
	if strings.HasSuffix(s, "%") || strings.HasPrefix(s, "%") {
		return probPercentSign
	}
	if strings.Contains(s, ",") {
		t := strings.TrimLeft(s, "+-")
		if _, ok := stripThousands(t); ok {
			return probThousands
		}
		// 1,5 or 1.234,5: a comma as the decimal mark.
		if i := strings.LastIndexByte(t, ','); i > 0 && i < len(t)-1 && digitsOnly(t[i+1:]) && !strings.Contains(t[i:], ".") {
			if _, ok := stripThousands(strings.ReplaceAll(t[:i], ".", ",")); ok || digitsOnly(t[:i]) {
				return probCommaDecimal
			}
		}
	}
	if strings.Contains(s, " ") {
		if _, ok := stripThousands(strings.ReplaceAll(strings.TrimLeft(s, "+-"), " ", ",")); ok {
			return probThousands
		}
	}
	return probNumber
}

// parsePoint reads WKT (POINT (lon lat)) or a GeoJSON point. It returns
// the coordinates rather than a Value so that Convert builds its result
// once: a Value is large enough that copying it shows in a whole-file
// check.
func parsePoint(s string) (lon, lat float64, p Problem) {
	if strings.HasPrefix(s, "{") {
		var g struct {
			Type        string    `json:"type"`
			Coordinates []float64 `json:"coordinates"`
		}
		if err := json.Unmarshal([]byte(s), &g); err != nil || !strings.EqualFold(g.Type, "point") || len(g.Coordinates) != 2 {
			return 0, 0, probPoint
		}
		return g.Coordinates[0], g.Coordinates[1], pointProblemOf(g.Coordinates[0], g.Coordinates[1])
	}
	if hasPointWord(s) {
		rest := trimSpace(s[5:])
		if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
			return 0, 0, probPoint
		}
		inner := trimSpace(rest[1 : len(rest)-1])
		sp := indexSpace(inner)
		if sp < 0 {
			return 0, 0, probPoint
		}
		xs, ys := inner[:sp], trimSpace(inner[sp:])
		if indexSpace(ys) >= 0 {
			return 0, 0, probPoint
		}
		x, ok1 := parseFloat(xs)
		y, ok2 := parseFloat(ys)
		if !ok1 || !ok2 {
			return 0, 0, probPoint
		}
		return x, y, pointProblemOf(x, y)
	}
	// "(41.76, -72.68)" or "41.76, -72.68": latitude first, as people and
	// legacy location columns write it.
	t := strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
	if a, b, ok := strings.Cut(t, ","); ok {
		if _, err := strconv.ParseFloat(trimSpace(a), 64); err == nil {
			if _, err := strconv.ParseFloat(trimSpace(b), 64); err == nil {
				return 0, 0, probPointLatLon
			}
		}
	}
	return 0, 0, probPoint
}

// hasPointWord reports whether s starts with "point" in any case, without
// strings.EqualFold's Unicode folding, which costs more than the rest of
// reading a point.
func hasPointWord(s string) bool {
	return len(s) >= 5 && s[0]|0x20 == 'p' && s[1]|0x20 == 'o' && s[2]|0x20 == 'i' && s[3]|0x20 == 'n' && s[4]|0x20 == 't'
}

// pointProblemOf says whether coordinates are on the map, and if not,
// whether they look swapped.
func pointProblemOf(lon, lat float64) Problem {
	if lon != lon || lat != lat || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		if lat >= -180 && lat <= 180 && lon >= -90 && lon <= 90 {
			return probPointSwapped
		}
		return probPointRange
	}
	return OK
}

func indexSpace(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			return i
		}
	}
	return -1
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat reads a coordinate. Plain decimals of up to 15 digits take a
// fast path that is exact (an integer below 2^53 divided by an exact power
// of ten rounds once, as strconv does); anything else, and anything that is
// not a plain decimal, goes to strconv.ParseFloat, so the result is always
// strconv's. NaN and infinities are refused.
func parseFloat(s string) (float64, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	digits, frac := 0, -1
	for ; i < len(s); i++ {
		ch := s[i]
		if ch >= '0' && ch <= '9' {
			mant = mant*10 + uint64(ch-'0')
			digits++
			if frac >= 0 {
				frac++
			}
			continue
		}
		if ch == '.' && frac < 0 {
			frac = 0
			continue
		}
		break
	}
	if i == len(s) && digits > 0 && digits <= 15 {
		f := float64(mant)
		if frac > 0 {
			f /= pow10[frac]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e308 || f < -1e308 {
		return 0, false
	}
	return f, true
}

// LatLonPoint builds a point from separate latitude and longitude values,
// for a [PointSource]. Both empty is null; one empty is a problem.
func LatLonPoint(lat, lon string) (Value, Problem) {
	lat, lon = trimSpace(lat), trimSpace(lon)
	if lat == "" && lon == "" {
		return Value{}, OK
	}
	if lat == "" || lon == "" {
		return Value{}, probPointHalf
	}
	y, ok1 := parseFloat(lat)
	x, ok2 := parseFloat(lon)
	if !ok1 || !ok2 {
		return Value{}, probPoint
	}
	if y < -90 || y > 90 || x < -180 || x > 180 || x != x || y != y {
		return Value{}, probPointRange
	}
	return Value{Kind: ValuePoint, Lon: x, Lat: y}, OK
}

var geoTypes = map[socrata.DataType][2]string{
	socrata.MultiPoint:   {"MULTIPOINT", "MultiPoint"},
	socrata.Line:         {"LINESTRING", "LineString"},
	socrata.MultiLine:    {"MULTILINESTRING", "MultiLineString"},
	socrata.Polygon:      {"POLYGON", "Polygon"},
	socrata.MultiPolygon: {"MULTIPOLYGON", "MultiPolygon"},
}

// parseGeometry reads the WKT of a line or polygon type and turns its
// coordinates into GeoJSON's nested arrays.
func parseGeometry(s string, typ socrata.DataType) (Value, Problem) {
	names := geoTypes[typ]
	if len(s) < len(names[0]) || !strings.EqualFold(s[:len(names[0])], names[0]) {
		return Value{}, probGeometry
	}
	rest := trimSpace(s[len(names[0]):])
	var b []byte
	n, ok := wktToJSON(rest, &b)
	if !ok || trimSpace(rest[n:]) != "" {
		return Value{}, probGeometry
	}
	return Value{Kind: ValueGeometry, Geom: names[1], Text: string(b)}, OK
}

// wktToJSON converts one parenthesised WKT list, such as ((1 2, 3 4)),
// into JSON arrays and returns how many bytes it read.
func wktToJSON(s string, b *[]byte) (int, bool) {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	skip()
	if i >= len(s) || s[i] != '(' {
		return 0, false
	}
	i++
	*b = append(*b, '[')
	for first := true; ; first = false {
		skip()
		if !first {
			if i < len(s) && s[i] == ')' {
				i++
				*b = append(*b, ']')
				return i, true
			}
			if i >= len(s) || s[i] != ',' {
				return 0, false
			}
			i++
			*b = append(*b, ',')
			skip()
		}
		if i < len(s) && s[i] == '(' {
			n, ok := wktToJSON(s[i:], b)
			if !ok {
				return 0, false
			}
			i += n
			continue
		}
		// A coordinate: two or more numbers separated by spaces.
		*b = append(*b, '[')
		nums := 0
		for {
			skip()
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != ',' && s[j] != ')' && s[j] != '\t' {
				j++
			}
			if j == i {
				break
			}
			f, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil || f != f {
				return 0, false
			}
			if nums > 0 {
				*b = append(*b, ',')
			}
			*b = strconv.AppendFloat(*b, f, 'f', -1, 64)
			nums++
			i = j
		}
		if nums < 2 {
			return 0, false
		}
		*b = append(*b, ']')
	}
}

// parseURL reads "http://x" or "Label (http://x)".
func parseURL(s string) (Value, Problem) {
	desc, u := "", s
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i >= 0 {
			if inner := trimSpace(s[i+1 : len(s)-1]); hasScheme(inner) {
				desc, u = trimSpace(s[:i]), inner
			}
		}
	}
	if !hasScheme(u) {
		if strings.HasPrefix(strings.ToLower(u), "www.") || (strings.Contains(u, ".") && !strings.Contains(u, " ")) {
			return Value{}, probURLNoScheme
		}
		return Value{}, probURL
	}
	if strings.ContainsAny(u, " \t\n") {
		return Value{}, probURL
	}
	return Value{Kind: ValueURL, Text: u, Desc: desc}, OK
}

func hasScheme(u string) bool {
	l := strings.ToLower(u)
	for _, p := range []string{"http://", "https://", "ftp://", "mailto:"} {
		if strings.HasPrefix(l, p) && len(u) > len(p) {
			return true
		}
	}
	return false
}

var phoneTypes = []string{"Home", "Cell", "Work", "Fax", "Other"}

// parsePhone reads the legacy number[:type] form.
func parsePhone(s string) (Value, Problem) {
	num, typ, _ := strings.Cut(s, ":")
	num = trimSpace(num)
	digits := 0
	for _, r := range num {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" -+().xX", r):
		default:
			return Value{}, probPhone
		}
	}
	if digits == 0 {
		return Value{}, probPhone
	}
	if typ = trimSpace(typ); typ != "" {
		found := false
		for _, t := range phoneTypes {
			if strings.EqualFold(t, typ) {
				typ, found = t, true
				break
			}
		}
		if !found {
			return Value{}, probPhone
		}
	}
	return Value{Kind: ValuePhone, Text: num, Desc: typ}, OK
}

// parseLocation reads the legacy "address (lat, lon)" form, each part
// optional.
func parseLocation(s string) (Value, Problem) {
	v := Value{Kind: ValueLocation, Text: s}
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i >= 0 {
			a, b, ok := strings.Cut(s[i+1:len(s)-1], ",")
			if ok {
				lat, err1 := strconv.ParseFloat(trimSpace(a), 64)
				lon, err2 := strconv.ParseFloat(trimSpace(b), 64)
				// NaN passes the range check below, and the portal
				// cannot store it.
				if err1 != nil || err2 != nil || lat != lat || lon != lon {
					return Value{}, probLocation
				}
				if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
					return Value{}, probPointRange
				}
				v.Lat, v.Lon, v.HasCoords = lat, lon, true
				v.Text = trimSpace(s[:i])
			}
		}
	}
	return v, OK
}

// Message explains a problem with value s in one sentence that says what
// to do about it.
func (c *Converter) Message(s string, p Problem) string {
	q := strconv.Quote(truncateRunes(trimSpace(s), 60))
	switch p {
	case probNumber:
		return fmt.Sprintf("%s is not a number: use digits with an optional decimal point, such as 1234.5", q)
	case probThousands:
		return fmt.Sprintf("%s has a thousands separator: turn on clean for this column or remove it", q)
	case probCurrency:
		return fmt.Sprintf("%s has a currency symbol: turn on clean for this column or remove it", q)
	case probPercentSign:
		return fmt.Sprintf("%s has a percent sign: turn on clean for this column, or write 45%% as 45", q)
	case probCommaDecimal:
		return fmt.Sprintf("%s uses a comma as the decimal mark: Socrata needs a point, such as 1.5", q)
	case probParens:
		return fmt.Sprintf("%s uses parentheses for a negative number: turn on clean for this column, or write it with a minus sign", q)
	case probNaN:
		return fmt.Sprintf("%s is not a number the portal accepts: leave the cell empty instead", q)
	case probCheckbox:
		return fmt.Sprintf("%s is not true or false", q)
	case probCheckboxYesNo:
		return fmt.Sprintf("%s is not true or false: turn on yes/no for this column to read Y/N, Yes/No and 1/0", q)
	case probTimeFormat:
		if ps := c.patterns(); len(ps) > 1 {
			return fmt.Sprintf("%s does not match the date formats %s: add the format it is written in", q, wording.OrList(ps))
		}
		return fmt.Sprintf("%s does not match the date format %s: choose the format the file uses, or add a second format for values written like this one", q, c.patterns()[0])
	case probTimeDate:
		return fmt.Sprintf("%s is not a real date (check the day and month, and the format %s)", q, c.patternOf(s, p))
	case probTimeOfDay:
		return fmt.Sprintf("%s is not a real time of day", q)
	case probTimeShortYear:
		return fmt.Sprintf("%s has a two-digit year, which %s would read as a year before 1000: choose a format with yy", q, c.patternOf(s, p))
	case probTimeZoneOnFloating:
		return fmt.Sprintf("%s has a time zone, but %s is a date and time without one: remove the zone, or change the column's type on the portal", q, c.Field)
	case probTimeGap:
		return fmt.Sprintf("%s does not exist in %s (the clocks go forward that hour): correct the time or choose another time zone", q, c.Location)
	case probPoint:
		return fmt.Sprintf("%s is not a point: write POINT (longitude latitude), such as POINT (-72.68 41.76)", q)
	case probPointLatLon:
		return fmt.Sprintf("%s looks like latitude, longitude: write POINT (longitude latitude), or map separate latitude and longitude columns to this point", q)
	case probPointRange:
		return fmt.Sprintf("%s is off the map: longitude must be within ±180 and latitude within ±90", q)
	case probPointSwapped:
		return fmt.Sprintf("%s has latitude first: WKT puts longitude first, as in POINT (-72.68 41.76)", q)
	case probPointHalf:
		return "only one of latitude and longitude is given: give both, or leave both empty"
	case probGeometry:
		return fmt.Sprintf("%s is not %s WKT", q, strings.ToLower(geoTypes[c.Type][0]))
	case probURL:
		return fmt.Sprintf("%s is not a web address: write https://... or Label (https://...)", q)
	case probURLNoScheme:
		return fmt.Sprintf("%s has no http:// or https:// at the start: add it", q)
	case probTextLong:
		return fmt.Sprintf("the text is %d bytes long, more than the portal's %d: shorten it", len(s), maxTextBytes)
	case probPhone:
		return fmt.Sprintf("%s is not a phone number: write the number, optionally followed by :Home, :Cell, :Work, :Fax or :Other", q)
	case probLocation:
		return fmt.Sprintf("%s is not a location: write an address, optionally followed by (latitude, longitude)", q)
	case OK: // never asked: below
	}
	return fmt.Sprintf("%s cannot be sent", q)
}

// truncateRunes shortens s to n runes with an ellipsis, for messages.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// digitsOnly reports whether s is one or more ASCII digits.
func digitsOnly(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
