package timestamp

import (
	"fmt"
	"strings"
)

// Reader is a program that reads dates with a strftime pattern, into
// which a job's DataSync patterns are translated. They do not all read the
// same elements as this program does, so the translation takes the reader
// and refuses what it would read differently.
type Reader uint8

const (
	// PortalTransform is the Data Management API's to_floating_timestamp
	// and to_fixed_timestamp, which the upload uses to let the portal
	// convert a column exactly as the check reads it: "%m/%d/%Y" for
	// M/d/yyyy. They read ISO-8601 when given no format. Elements without
	// an exact equivalent are refused, so that a transform never reads a
	// date differently from the check: two-digit years (yy reads 1950 to
	// 2049 here), fractions of a second, weekdays, full month names, and
	// numbers written together without a separator (yyyyMMdd). A column
	// with several patterns is converted by trying each in turn:
	// coalesce(forgive(to_floating_timestamp(`c`, '%m/%d/%Y')),
	// to_floating_timestamp(`c`, '%Y-%m-%d')), every argument but the last
	// wrapped in forgive.
	PortalTransform Reader = iota
	// PythonStrptime is Python's datetime.strptime, in the socrata-py
	// export.
	PythonStrptime
	// RStrptime is R's strptime, in the RSocrata export.
	RStrptime
)

// String names the reader for messages.
func (r Reader) String() string {
	switch r {
	case PythonStrptime:
		return "the socrata-py script"
	case RStrptime:
		return "the RSocrata script"
	case PortalTransform: // below
	}
	return "a transform"
}

// script reports whether the reader is an exported script. Python's and
// R's strptime read every element a transform does and more: two-digit
// years (%y, which both scripts then move into 1950–2049 as this program
// does; see their convert functions), full month names, weekdays, and
// numbers written together (yyyyMMdd), since %Y reads four digits there.
// A transform reads none of these exactly.
func (r Reader) script() bool { return r == PythonStrptime || r == RStrptime }

// Strftime compiles pattern and translates it for reader.
func Strftime(pattern string, reader Reader) (string, error) {
	tf, err := parseFormat(pattern)
	if err != nil {
		return "", err
	}
	return tf.Strftime(reader)
}

// Strftime translates the pattern into the strftime notation reader takes
// ("%m/%d/%Y %I:%M %p" for MM/dd/yyyy hh:mm a), or "" for ISO8601, which
// every reader reads without a pattern. An element the reader would read
// differently from this program is an error naming it, since a date read
// wrongly is worse than a job refused.
func (tf *Format) Strftime(reader Reader) (string, error) {
	if tf.iso {
		return "", nil
	}
	refuse := func(what string) (string, error) {
		todo := "convert this column locally"
		if reader.script() {
			todo = "use a simpler pattern, or ISO8601"
		}
		return "", fmt.Errorf("timestamp pattern %q has %s, which %s cannot read exactly as this program does: %s", tf.pattern, what, reader, todo)
	}
	var b strings.Builder
	for _, e := range tf.elems {
		if e.fixed && !reader.script() {
			return refuse("numbers written together without a separator")
		}
		spec := ""
		switch e.kind {
		case elemLiteral:
			b.WriteString(strings.ReplaceAll(e.lit, "%", "%%"))
			continue
		case elemYear:
			spec = "%Y"
		case elemYear2:
			if reader.script() {
				spec = "%y"
			}
		case elemMonth:
			spec = "%m"
		case elemMonthName:
			switch {
			case e.width == 3:
				spec = "%b"
			case reader.script():
				spec = "%B"
			}
		case elemDay:
			spec = "%d"
		case elemHour24:
			spec = "%H"
		case elemHour12:
			spec = "%I"
		case elemMinute:
			spec = "%M"
		case elemSecond:
			spec = "%S"
		case elemAMPM:
			spec = "%p"
		case elemZone:
			spec = "%z"
		case elemWeekday:
			switch {
			case !reader.script():
			case e.width >= 4:
				spec = "%A"
			default:
				spec = "%a"
			}
		case elemFraction: // no reader has it: refused below
		}
		if spec == "" {
			return refuse(elemDescription(e))
		}
		b.WriteString(spec)
	}
	return b.String(), nil
}

// elemDescription names an element a reader refuses.
func elemDescription(e timeElem) string {
	switch e.kind {
	case elemYear2:
		return "a two-digit year (yy)"
	case elemMonthName:
		return "a full month name (MMMM)"
	case elemFraction:
		return "fractions of a second (S)"
	case elemWeekday:
		return "a weekday (E)"
	case elemLiteral, elemYear, elemMonth, elemDay, elemHour24, elemHour12, elemMinute, elemSecond, elemAMPM, elemZone:
	}
	return "an element"
}
