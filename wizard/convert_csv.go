package wizard

import (
	"strconv"
	"strings"

	"github.com/ctopendata/socrata-wizard/wizard/internal/quote"
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
		if len(s) <= MaxTextBytes {
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
		if len(c.Formats) == 0 || c.Formats[0].iso {
			// Most files write ISO 8601. A value ISO reads is sent from
			// here; one it does not goes to Convert, which tries the
			// column's other formats.
			if isoValid(t) {
				// Already 2024-03-14T10:30:00, digit for digit what
				// appendFloating would write.
				return append(b, t...), true
			}
			cv, p := isoFormat.parse(t, false)
			if p == timeOK && !cv.hasZone {
				return cv.appendFloating(b), true
			}
			break
		}
		if cv, p := c.readTime(t); p == timeOK && !cv.hasZone {
			return cv.appendFloating(b), true
		}
	}
	return b, false
}

// isoValid reports whether t is a floating timestamp written exactly as
// SODA writes them, 2024-03-14T10:30:00, that ISO 8601 reads without a
// problem. It is parseISO for that one shape, without building the
// value: most timestamp columns hold nothing else, and this is the
// costliest cell of a typical row.
func isoValid(t string) bool {
	if len(t) != 19 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' {
		return false
	}
	var d [19]int
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
		d[i] = int(t[i] - '0')
	}
	c := civil{
		year: d[0]*1000 + d[1]*100 + d[2]*10 + d[3], month: d[5]*10 + d[6], day: d[8]*10 + d[9],
		hour: d[11]*10 + d[12], minute: d[14]*10 + d[15], sec: d[17]*10 + d[18],
	}
	return c.check() == timeOK
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
	}
	return quote.AppendCSV(b, v.String())
}
