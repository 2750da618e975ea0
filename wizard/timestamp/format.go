// Package timestamp reads and writes the timestamps a CSV file holds, in
// DataSync's (Joda) pattern notation, so that a job means the same thing
// here, in DataSync, and in the scripts exported for socrata-py and
// RSocrata. A [Format] is a compiled pattern; reading a value gives a
// [Civil] date and time (with an offset when the value has one), which
// a [Zone] places in a time zone and which is written as SODA takes it.
// [Detect] guesses a column's pattern from sample values, and [Strftime]
// translates a pattern for the programs that read dates with strftime.
package timestamp

import (
	"fmt"
	"strings"

	// Time zones are built in so that fixed timestamps convert the same
	// way on a Windows machine with no zone database.
	_ "time/tzdata"
)

// ISO8601 is the DataSync name for ISO-8601 timestamps: 2024-03-01,
// 2024-03-01T14:30, 2024-03-01T14:30:00.000, each optionally followed by Z
// or an offset such as -05:00.
const ISO8601 = "ISO8601"

// Format is a compiled timestamp pattern in DataSync's (Joda) notation.
// It parses the way Joda does, so that a job exported to DataSync reads
// the same values: numbers accept any number of digits unless the next
// element is also a number ("yyyyMMdd"), month names accept the short and
// long forms, and yy reads two digits as a year from 1950 to 2049.
type Format struct {
	pattern string
	iso     bool
	elems   []timeElem
	hasZone bool
}

type elemKind uint8

const (
	elemLiteral elemKind = iota
	elemYear
	elemYear2
	elemMonth
	elemMonthName
	elemDay
	elemHour24
	elemHour12
	elemMinute
	elemSecond
	elemFraction
	elemAMPM
	elemZone
	elemWeekday
)

type timeElem struct {
	kind  elemKind
	width int
	lit   string
	// fixed is set when the next element is also numeric, so this one
	// takes exactly width digits.
	fixed bool
}

func (k elemKind) numeric() bool {
	switch k {
	case elemYear, elemYear2, elemMonth, elemDay, elemHour24, elemHour12, elemMinute, elemSecond, elemFraction:
		return true
	case elemLiteral, elemMonthName, elemAMPM, elemZone, elemWeekday:
	}
	return false
}

// parseFormat compiles a pattern such as "MM/dd/yyyy hh:mm a" or
// "ISO8601". It accepts the Joda letters y, M, d, H, h, m, s, S, a, Z and
// E, and text in single quotes; the zone-name letter z is refused because
// DataSync refuses it.
func parseFormat(pattern string) (*Format, error) {
	if strings.EqualFold(pattern, ISO8601) || pattern == "" {
		return isoFormat, nil
	}
	tf := &Format{pattern: pattern}
	rs := []rune(pattern)
	for i := 0; i < len(rs); {
		r := rs[i]
		if r == '\'' {
			j := i + 1
			var lit strings.Builder
			for ; j < len(rs); j++ {
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						lit.WriteRune('\'')
						j++
						continue
					}
					break
				}
				lit.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("timestamp pattern %q has an unclosed quote", pattern)
			}
			if lit.Len() == 0 {
				lit.WriteRune('\'')
			}
			tf.addLiteral(lit.String())
			i = j + 1
			continue
		}
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			tf.addLiteral(string(r))
			i++
			continue
		}
		n := 1
		for i+n < len(rs) && rs[i+n] == r {
			n++
		}
		kind, ok := patternLetters[r]
		switch {
		case r == 'z':
			return nil, fmt.Errorf("timestamp pattern %q uses z (a zone name), which DataSync does not allow: use Z for an offset such as -0500, or set the time zone instead", pattern)
		case !ok:
			return nil, fmt.Errorf("timestamp pattern %q uses the letter %q, which this program does not read: use y, M, d, H, h, m, s, S, a, Z or E, and put other text in single quotes", pattern, string(r))
		case kind == elemYear && n == 2:
			kind = elemYear2
		case kind == elemMonth && n >= 3:
			kind = elemMonthName
		case kind == elemZone:
			tf.hasZone = true
		}
		tf.elems = append(tf.elems, timeElem{kind: kind, width: n})
		i += n
	}
	var hasYear, hasMonth, hasDay bool
	for i := range tf.elems {
		switch tf.elems[i].kind {
		case elemYear, elemYear2:
			hasYear = true
		case elemMonth, elemMonthName:
			hasMonth = true
		case elemDay:
			hasDay = true
		case elemLiteral, elemHour24, elemHour12, elemMinute, elemSecond, elemFraction, elemAMPM, elemZone, elemWeekday:
		}
		if i+1 < len(tf.elems) && tf.elems[i].kind.numeric() && tf.elems[i+1].kind.numeric() {
			tf.elems[i].fixed = true
		}
	}
	if !hasYear || !hasMonth || !hasDay {
		return nil, fmt.Errorf("timestamp pattern %q needs a year (yyyy), a month (MM) and a day (dd)", pattern)
	}
	return tf, nil
}

// patternLetters are the Joda letters a pattern may use. yy and MMM or
// longer change the kind of y and M; z, a zone name, is refused apart.
var patternLetters = map[rune]elemKind{
	'y': elemYear, 'Y': elemYear, 'M': elemMonth, 'd': elemDay,
	'H': elemHour24, 'h': elemHour12, 'm': elemMinute, 's': elemSecond,
	'S': elemFraction, 'a': elemAMPM, 'Z': elemZone, 'E': elemWeekday,
}

func (tf *Format) addLiteral(s string) {
	if n := len(tf.elems); n > 0 && tf.elems[n-1].kind == elemLiteral {
		tf.elems[n-1].lit += s
		return
	}
	tf.elems = append(tf.elems, timeElem{kind: elemLiteral, lit: s})
}

// Pattern returns the pattern as DataSync writes it.
func (tf *Format) Pattern() string { return tf.pattern }

// HasZone reports whether values read with the pattern may carry their
// own offset: ISO8601 and patterns with Z.
func (tf *Format) HasZone() bool { return tf.hasZone }

// IsISO reports whether the format is ISO8601's.
func (tf *Format) IsISO() bool { return tf.iso }

// Read reads s with the format, leniently as Joda does: numbers of any
// width unless the next element is also a number, month names short or
// long.
func (tf *Format) Read(s string) (Civil, Problem) { return tf.parse(s, false) }

// isoFormat reads ISO-8601; it is what a column without a pattern uses.
var isoFormat = &Format{pattern: ISO8601, iso: true, hasZone: true}

// ParseFormats compiles a column's patterns, in the order they are
// tried. No pattern means ISO8601. A blank pattern and a pattern listed
// twice are refused: both are slips that would otherwise pass unnoticed.
func ParseFormats(patterns []string) ([]*Format, error) {
	if len(patterns) == 0 {
		return []*Format{isoFormat}, nil
	}
	out := make([]*Format, 0, len(patterns))
	for _, p := range patterns {
		if strings.TrimSpace(p) == "" {
			return nil, fmt.Errorf("a timestamp pattern is empty: give a pattern such as MM/dd/yyyy, or remove it")
		}
		tf, err := parseFormat(p)
		if err != nil {
			return nil, err
		}
		for _, prev := range out {
			if prev.pattern == tf.pattern {
				return nil, fmt.Errorf("timestamp pattern %q is listed twice: list each pattern once", p)
			}
		}
		out = append(out, tf)
	}
	return out, nil
}

// Problem says why a value did not parse.
type Problem uint8

// The problems a value can have.
const (
	// OK: the value was read.
	OK Problem = iota
	// NoMatch: the value is not written in the format.
	NoMatch
	// BadDate: no such date, such as February 30th.
	BadDate
	// BadTime: no such time of day, such as 25:00.
	BadTime
	// ShortYear: a year of one or two digits where yyyy wants four, or
	// a year before 1000.
	ShortYear
)

// parse reads s. strict reads numbers only as wide as the pattern writes
// them, for guessing a column's format; otherwise they may be any width,
// as Joda reads them.
func (tf *Format) parse(s string, strict bool) (Civil, Problem) {
	if tf.iso {
		return ReadISO(s)
	}
	var c Civil
	c.Month, c.Day = 1, 1
	pm, hasAMPM := false, false
	hour12 := -1
	i := 0
	// By index, not by value: copying each element costs more than the
	// comparisons most of them need.
	for k := range tf.elems {
		e := &tf.elems[k]
		switch e.kind {
		case elemLiteral:
			if len(e.lit) == 1 {
				// Most literals are one separator, such as / or -.
				if i >= len(s) || s[i] != e.lit[0] {
					return c, NoMatch
				}
				i++
				continue
			}
			if !strings.HasPrefix(s[i:], e.lit) {
				return c, NoMatch
			}
			i += len(e.lit)
		case elemMonthName:
			m, n := matchName(s[i:], monthNames[:])
			if m < 0 {
				return c, NoMatch
			}
			c.Month = m + 1
			i += n
		case elemWeekday:
			d, n := matchName(s[i:], weekdayNames[:])
			if d < 0 {
				return c, NoMatch
			}
			i += n
		case elemAMPM:
			switch {
			case len(s)-i >= 2 && strings.EqualFold(s[i:i+2], "AM"):
			case len(s)-i >= 2 && strings.EqualFold(s[i:i+2], "PM"):
				pm = true
			default:
				return c, NoMatch
			}
			hasAMPM = true
			i += 2
		case elemZone:
			off, n, ok := parseOffset(s[i:])
			if !ok {
				return c, NoMatch
			}
			c.HasZone, c.Offset = true, off
			i += n
		default:
			minD, maxD := e.digits(strict)
			v, n := readDigits(s[i:], maxD)
			if n < minD {
				return c, NoMatch
			}
			i += n
			c.setNumber(e.kind, v, n, &hour12)
		}
	}
	if i != len(s) {
		return c, NoMatch
	}
	if hour12 >= 0 {
		if hour12 < 1 || hour12 > 12 {
			return c, BadTime
		}
		c.Hour = hour12 % 12
		if pm {
			c.Hour += 12
		}
	} else if hasAMPM && pm && c.Hour < 12 {
		c.Hour += 12
	}
	return c, c.check()
}

// digits is how many digits number element e may be written with:
// exactly its width when the next element is also a number (yyyyMMdd)
// or, when strict, as wide as the pattern writes it (one or two for one
// letter); otherwise one to nine, as Joda reads them.
func (e *timeElem) digits(strict bool) (minD, maxD int) {
	switch {
	case e.fixed:
		return e.width, e.width
	case strict && e.width >= 2 && e.kind != elemFraction:
		return e.width, e.width
	case strict:
		return 1, 2
	}
	return 1, 9
}

// readDigits reads up to maxD digits at the start of s: their value, and
// how many there were.
func readDigits(s string, maxD int) (v, n int) {
	for n < maxD && n < len(s) && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, n
}

// setNumber sets the part of c that number element k read: v, written
// with n digits. An hour on the 12-hour clock goes to hour12, to be read
// with am or pm once the whole value is.
func (c *Civil) setNumber(k elemKind, v, n int, hour12 *int) {
	switch k {
	case elemYear:
		c.Year = v
		if n <= 2 {
			c.twoDigitYearInYYYY = true
		}
	case elemYear2:
		if n == 2 {
			c.Year = 1900 + v
			if v < 50 {
				c.Year = 2000 + v
			}
		} else {
			c.Year = v
		}
	case elemMonth:
		c.Month = v
	case elemDay:
		c.Day = v
	case elemHour24:
		c.Hour = v
	case elemHour12:
		*hour12 = v
	case elemMinute:
		c.Minute = v
	case elemSecond:
		c.Second = v
	case elemFraction:
		// n digits of a second, scaled to nine.
		for ; n < 9; n++ {
			v *= 10
		}
		for ; n > 9; n-- {
			v /= 10
		}
		c.Nanosecond = v
	case elemLiteral, elemMonthName, elemAMPM, elemZone, elemWeekday: // not numbers
	}
}

var monthNames = [...]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
var weekdayNames = [...]string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// matchName matches a full or three-letter name at the start of s, case
// insensitively, and returns its index and length.
func matchName(s string, names []string) (int, int) {
	for i, n := range names {
		if len(s) >= len(n) && strings.EqualFold(s[:len(n)], n) {
			return i, len(n)
		}
	}
	for i, n := range names {
		if len(s) >= 3 && strings.EqualFold(s[:3], n[:3]) {
			// "Sept" is common enough to read.
			if n == "september" && len(s) >= 4 && (s[3] == 't' || s[3] == 'T') {
				return i, 4
			}
			return i, 3
		}
	}
	return -1, 0
}

// parseOffset reads Z, ±hh, ±hhmm or ±hh:mm.
func parseOffset(s string) (int, int, bool) {
	if len(s) >= 1 && (s[0] == 'Z' || s[0] == 'z') {
		return 0, 1, true
	}
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') || !isDigits(s[1:3]) {
		return 0, 0, false
	}
	h := int(s[1]-'0')*10 + int(s[2]-'0')
	m, n := 0, 3
	switch {
	case len(s) >= 6 && s[3] == ':' && isDigits(s[4:6]):
		m, n = int(s[4]-'0')*10+int(s[5]-'0'), 6
	case len(s) >= 5 && isDigits(s[3:5]):
		m, n = int(s[3]-'0')*10+int(s[4]-'0'), 5
	}
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, n, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
