package wizard

import (
	"strconv"
	"strings"

	"github.com/ctopendata/socrata-wizard/wizard/internal/quote"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// AppendCSV appends s converted as a SODA CSV cell, exactly as Convert
// and then [Value.AppendCSV] would, for the values most files are made of:
// text, valid numbers, true/false and floating timestamps, without
// building a Value. It reports false, having appended nothing, for
// everything else (null included for timestamps), which then takes the
// path through Convert; TestAppendCSVFast holds the two paths to the same
// output.
func (c *Converter) AppendCSV(b []byte, s string) ([]byte, bool) {
	k := c.kind
	if k == 0 {
		k = convKindOf(c.Type)
	}
	switch k {
	case convText:
		if len(s) <= maxTextBytes {
			return quote.AppendCSV(b, s), true
		}
	case convNumber:
		t := trimSpace(s)
		if t == "" {
			return b, true
		}
		if validNumber(t) {
			// Signs, digits, a point and an exponent never need quotes.
			return append(b, t...), true
		}
	case convCheckbox:
		t := trimSpace(s)
		switch {
		case t == "":
			return b, true
		case strings.EqualFold(t, "true"):
			return append(b, "true"...), true
		case strings.EqualFold(t, "false"):
			return append(b, "false"...), true
		}
	case convFloating:
		t := trimSpace(s)
		if t == "" {
			break
		}
		if len(c.Formats) == 0 || c.Formats[0].IsISO() {
			// Most files write ISO 8601. A value ISO reads is sent from
			// here; one it does not goes to Convert, which tries the
			// column's other formats.
			if timestamp.IsFloating(t) {
				// Already 2024-03-14T10:30:00, digit for digit what
				// appendFloating would write.
				return append(b, t...), true
			}
			cv, p := timestamp.ReadISO(t)
			if p == timestamp.OK && !cv.HasZone {
				return cv.AppendFloating(b), true
			}
			break
		}
		if cv, p := c.readTime(t); p == timestamp.OK && !cv.HasZone {
			return cv.AppendFloating(b), true
		}
	case convFixed, convPoint, convGeometry, convURL, convPhone, convLocation, convOther: // the converter's path
	}
	return b, false
}

// AppendCSV appends the value as a SODA CSV cell: null as an empty cell,
// text quoted as CSV needs, timestamps as their ISO text.
func (v *Value) AppendCSV(b []byte) []byte {
	switch v.Kind {
	case ValueNull:
		return b
	case ValueText, ValueNumber:
		return quote.AppendCSV(b, v.Text)
	case ValueBool:
		return strconv.AppendBool(b, v.Bool)
	case ValueFloating, ValueFixed:
		// The JSON form is the ISO text in quotes, which CSV does not need.
		mark := len(b)
		b = v.AppendJSON(b)
		n := copy(b[mark:], b[mark+1:len(b)-1])
		return b[:mark+n]
	case ValuePoint, ValueGeometry, ValueURL, ValuePhone, ValueLocation: // their text, below
	}
	return quote.AppendCSV(b, v.String())
}
