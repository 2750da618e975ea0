package socratatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// kind is a column type as the portal validates it. Legacy and SoQL
// spellings of a dataTypeName map to the same kind.
type kind int

const (
	kText kind = iota
	kNumber
	kCheckbox
	kFloating
	kFixed
	kPoint
	kURL
	kPhone
	kLocation
	kGeometry // multipoint, line, multiline, polygon, multipolygon
	kUnsupported
)

// kindOf maps a dataTypeName to its kind; ok is false for names the portal
// does not know at all.
func kindOf(dataTypeName string) (kind, bool) {
	switch strings.ToLower(dataTypeName) {
	case "text", "html", "email", "flag", "drop_down_list":
		return kText, true
	case "number", "double", "money", "percent", "stars":
		return kNumber, true
	case "checkbox", "boolean":
		return kCheckbox, true
	case "calendar_date", "floating_timestamp":
		return kFloating, true
	case "date", "fixed_timestamp":
		return kFixed, true
	case "point":
		return kPoint, true
	case "url":
		return kURL, true
	case "phone":
		return kPhone, true
	case "location":
		return kLocation, true
	case "multipoint", "line", "multiline", "polygon", "multipolygon":
		return kGeometry, true
	case "photo", "document", "nested_table", "blob", "dataset_link":
		return kUnsupported, true
	}
	return kUnsupported, false
}

// catalogTypeLabel is the human-readable type name the catalog puts in
// columns_datatype.
func catalogTypeLabel(dataTypeName string) string {
	switch strings.ToLower(dataTypeName) {
	case "text":
		return "Text"
	case "html":
		return "Formatted Text"
	case "number", "double":
		return "Number"
	case "money":
		return "Money"
	case "percent":
		return "Percent"
	case "checkbox", "boolean":
		return "Checkbox"
	case "calendar_date", "floating_timestamp":
		return "Calendar date"
	case "date", "fixed_timestamp":
		return "Date"
	case "point":
		return "Point"
	case "url":
		return "URL"
	case "phone":
		return "Phone"
	case "location":
		return "Location"
	case "multipoint":
		return "MultiPoint"
	case "line":
		return "Line"
	case "multiline":
		return "MultiLine"
	case "polygon":
		return "Polygon"
	case "multipolygon":
		return "MultiPolygon"
	}
	return strings.ToUpper(dataTypeName[:1]) + dataTypeName[1:]
}

var (
	numberRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)
	tsRE     = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$`)
	wktRE    = regexp.MustCompile(`(?i)^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$`)
	labelURL = regexp.MustCompile(`^(.*\S)\s*\((\S+)\)$`)
)

const (
	floatingLayout = "2006-01-02T15:04:05.000"
	fixedLayout    = "2006-01-02T15:04:05.000Z"
)

// normalize checks one value written to a column of kind k and returns it
// in the canonical text form rows are stored in ("" is null). v is what
// the payload held: a string from CSV, or a decoded JSON value (string,
// json.Number, bool, nil, map or slice). The error is a sentence saying
// what is wrong with the value.
func normalize(k kind, typeName string, v any) (string, error) {
	if v == nil {
		return "", nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" && k != kText {
		return "", nil
	}
	switch k {
	case kText:
		switch t := v.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case bool:
			return strconv.FormatBool(t), nil
		}
		return "", fmt.Errorf("expected text but got %s", describeJSON(v))
	case kNumber:
		s, ok := scalarText(v)
		if !ok {
			return "", fmt.Errorf("expected a number but got %s", describeJSON(v))
		}
		s = strings.TrimSpace(s)
		if !numberRE.MatchString(s) {
			return "", fmt.Errorf("%q is not a number: write digits with an optional decimal point and no thousands separators, currency symbols or percent signs", s)
		}
		return s, nil
	case kCheckbox:
		switch t := v.(type) {
		case bool:
			return strconv.FormatBool(t), nil
		case string:
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "true":
				return "true", nil
			case "false":
				return "false", nil
			}
			return "", fmt.Errorf("%q is not a checkbox value: write true or false", t)
		}
		return "", fmt.Errorf("expected true or false but got %s", describeJSON(v))
	case kFloating, kFixed:
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("expected an ISO-8601 date and time but got %s", describeJSON(v))
		}
		return normalizeTimestamp(k, strings.TrimSpace(s))
	case kPoint:
		return normalizePoint(v)
	case kURL:
		return normalizeURL(v)
	case kPhone:
		switch t := v.(type) {
		case string:
			return t, nil
		case map[string]any:
			n, _ := t["phone_number"].(string)
			if typ, _ := t["phone_type"].(string); typ != "" {
				return n + ":" + typ, nil
			}
			return n, nil
		}
		return "", fmt.Errorf("expected a phone number but got %s", describeJSON(v))
	case kLocation:
		switch t := v.(type) {
		case string:
			return t, nil
		case map[string]any:
			b, _ := json.Marshal(t)
			return string(b), nil
		}
		return "", fmt.Errorf("expected a location but got %s", describeJSON(v))
	case kGeometry:
		return normalizeGeometry(typeName, v)
	}
	return "", fmt.Errorf("columns of type %s cannot be written through the API", typeName)
}

func normalizeTimestamp(k kind, s string) (string, error) {
	m := tsRE.FindStringSubmatch(s)
	if m == nil {
		if k == kFloating {
			return "", fmt.Errorf("%q is not an ISO-8601 floating timestamp: write it like 2024-03-01 or 2024-03-01T14:30:00, with no time zone", s)
		}
		return "", fmt.Errorf("%q is not an ISO-8601 timestamp with a time zone: write it like 2024-03-01T14:30:00Z or 2024-03-01T14:30:00-05:00", s)
	}
	zone := m[8]
	if k == kFloating && zone != "" {
		return "", fmt.Errorf("%q carries a time zone, but the column is a floating timestamp (Date & Time): drop the %q", s, zone)
	}
	if k == kFixed && zone == "" {
		return "", fmt.Errorf("%q has no time zone, but the column is a fixed timestamp (Date & Time with zone): add Z or an offset such as -05:00", s)
	}
	num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	year, month, day := num(1), num(2), num(3)
	hour, minute, sec := num(4), num(5), num(6)
	nanos := 0
	if m[7] != "" {
		frac := (m[7] + "000000000")[:9]
		nanos, _ = strconv.Atoi(frac)
	}
	loc := time.UTC
	if zone != "" && zone != "Z" {
		z := strings.ReplaceAll(zone, ":", "")
		h, _ := strconv.Atoi(z[1:3])
		mm, _ := strconv.Atoi(z[3:5])
		off := h*3600 + mm*60
		if z[0] == '-' {
			off = -off
		}
		if h > 14 || mm > 59 {
			return "", fmt.Errorf("%q has an impossible time zone offset %s", s, zone)
		}
		loc = time.FixedZone(zone, off)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return "", fmt.Errorf("%q is not a real date or time", s)
	}
	if k == kFloating {
		return t.Format(floatingLayout), nil
	}
	return t.UTC().Format(fixedLayout), nil
}

func normalizePoint(v any) (string, error) {
	var lon, lat float64
	switch t := v.(type) {
	case string:
		m := wktRE.FindStringSubmatch(t)
		if m == nil {
			return "", fmt.Errorf("%q is not a point: write WKT with the longitude first, like POINT (-72.68 41.76)", t)
		}
		var err1, err2 error
		lon, err1 = strconv.ParseFloat(m[1], 64)
		lat, err2 = strconv.ParseFloat(m[2], 64)
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("%q is not a point: its coordinates are not numbers", t)
		}
	case map[string]any:
		typ, _ := t["type"].(string)
		coords, _ := t["coordinates"].([]any)
		if typ != "Point" || len(coords) != 2 {
			return "", errors.New(`expected a GeoJSON point like {"type": "Point", "coordinates": [-72.68, 41.76]}`)
		}
		var ok1, ok2 bool
		lon, ok1 = jsonFloat(coords[0])
		lat, ok2 = jsonFloat(coords[1])
		if !ok1 || !ok2 {
			return "", errors.New("the point's coordinates are not numbers")
		}
	default:
		return "", fmt.Errorf("expected a point but got %s", describeJSON(v))
	}
	if lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return "", fmt.Errorf("POINT (%g %g) is off the globe: the longitude comes first and must be within ±180, the latitude within ±90", lon, lat)
	}
	return formatPoint(lon, lat), nil
}

func formatPoint(lon, lat float64) string {
	return "POINT (" + strconv.FormatFloat(lon, 'f', -1, 64) + " " + strconv.FormatFloat(lat, 'f', -1, 64) + ")"
}

// parsePoint reads a canonical point back.
func parsePoint(s string) (lon, lat float64, ok bool) {
	m := wktRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	lon, err1 := strconv.ParseFloat(m[1], 64)
	lat, err2 := strconv.ParseFloat(m[2], 64)
	return lon, lat, err1 == nil && err2 == nil
}

func jsonFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	}
	return 0, false
}

func normalizeURL(v any) (string, error) {
	var link, desc string
	switch t := v.(type) {
	case string:
		s := strings.TrimSpace(t)
		if m := labelURL.FindStringSubmatch(s); m != nil && validURL(m[2]) {
			desc, link = m[1], m[2]
		} else {
			link = s
		}
	case map[string]any:
		link, _ = t["url"].(string)
		desc, _ = t["description"].(string)
	default:
		return "", fmt.Errorf("expected a URL but got %s", describeJSON(v))
	}
	if !validURL(link) {
		return "", fmt.Errorf("%q is not a URL: write it like https://example.gov/page, or Label (https://example.gov/page)", link)
	}
	if desc != "" {
		return desc + " (" + link + ")", nil
	}
	return link, nil
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \t") {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

// splitURL reads a canonical url value back into its parts.
func splitURL(s string) (link, desc string) {
	if m := labelURL.FindStringSubmatch(s); m != nil && validURL(m[2]) {
		return m[2], m[1]
	}
	return s, ""
}

func normalizeGeometry(typeName string, v any) (string, error) {
	want := strings.ToUpper(typeName)
	if want == "LINE" {
		want = "LINESTRING"
	}
	if want == "MULTILINE" {
		want = "MULTILINESTRING"
	}
	switch t := v.(type) {
	case string:
		s := strings.TrimSpace(t)
		head, _, ok := strings.Cut(s, "(")
		if !ok || !strings.EqualFold(strings.TrimSpace(head), want) || !strings.HasSuffix(s, ")") {
			return "", fmt.Errorf("%q is not a %s: write it as WKT starting %s (", s, typeName, want)
		}
		return s, nil
	case map[string]any:
		typ, _ := t["type"].(string)
		if !strings.EqualFold(typ, want) {
			return "", fmt.Errorf("expected a GeoJSON %s but got type %q", want, typ)
		}
		b, _ := json.Marshal(t)
		return string(b), nil
	}
	return "", fmt.Errorf("expected a %s but got %s", typeName, describeJSON(v))
}

// scalarText is the text of a JSON string or number.
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

func describeJSON(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case json.Number:
		return "the number " + t.String()
	case bool:
		return "the value " + strconv.FormatBool(t)
	case map[string]any:
		return "a JSON object"
	case []any:
		return "a JSON array"
	}
	return fmt.Sprintf("%v", v)
}

// jsonValue renders a stored value as SODA's JSON endpoint does: numbers
// as strings, checkboxes as booleans, points as GeoJSON, urls as objects.
func jsonValue(k kind, s string) any {
	switch k {
	case kCheckbox:
		return s == "true"
	case kPoint:
		if lon, lat, ok := parsePoint(s); ok {
			return map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}
		}
	case kURL:
		link, desc := splitURL(s)
		m := map[string]any{"url": link}
		if desc != "" {
			m["description"] = desc
		}
		return m
	case kGeometry, kLocation:
		if strings.HasPrefix(s, "{") {
			var v any
			if json.Unmarshal([]byte(s), &v) == nil {
				return v
			}
		}
	}
	return s
}
