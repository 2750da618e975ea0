package wizard

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	// Time zones are built in so that fixed timestamps convert the same
	// way on a Windows machine with no zone database.
	_ "time/tzdata"
)

// ISO8601 is the DataSync name for ISO-8601 timestamps: 2024-03-01,
// 2024-03-01T14:30, 2024-03-01T14:30:00.000, each optionally followed by Z
// or an offset such as -05:00.
const ISO8601 = "ISO8601"

// DefaultTimezone is the zone fixed timestamps are read in when neither the
// job nor the column names one: data.ct.gov's.
const DefaultTimezone = "America/New_York"

// TimeFormat is a compiled timestamp pattern in DataSync's (Joda) notation.
// It parses the way Joda does, so that a job exported to DataSync reads
// the same values: numbers accept any number of digits unless the next
// element is also a number ("yyyyMMdd"), month names accept the short and
// long forms, and yy reads two digits as a year from 1950 to 2049.
type TimeFormat struct {
	pattern string
	iso     bool
	elems   []timeElem
	hasTime bool
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
	}
	return false
}

// ParseTimeFormat compiles a pattern such as "MM/dd/yyyy hh:mm a" or
// "ISO8601". It accepts the Joda letters y, M, d, H, h, m, s, S, a, Z and
// E, and text in single quotes; the zone-name letter z is refused because
// DataSync refuses it.
func ParseTimeFormat(pattern string) (*TimeFormat, error) {
	if strings.EqualFold(pattern, ISO8601) || pattern == "" {
		return isoFormat, nil
	}
	tf := &TimeFormat{pattern: pattern}
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
		case kind == elemHour24 || kind == elemHour12:
			tf.hasTime = true
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

func (tf *TimeFormat) addLiteral(s string) {
	if n := len(tf.elems); n > 0 && tf.elems[n-1].kind == elemLiteral {
		tf.elems[n-1].lit += s
		return
	}
	tf.elems = append(tf.elems, timeElem{kind: elemLiteral, lit: s})
}

// Pattern returns the pattern as DataSync writes it.
func (tf *TimeFormat) Pattern() string { return tf.pattern }

// HasTime reports whether the pattern includes a time of day.
func (tf *TimeFormat) HasTime() bool { return tf.hasTime }

// HasZone reports whether values read with the pattern may carry their
// own offset: ISO8601 and patterns with Z.
func (tf *TimeFormat) HasZone() bool { return tf.hasZone }

// isoFormat reads ISO-8601; it is what a column without a pattern uses.
var isoFormat = &TimeFormat{pattern: ISO8601, iso: true, hasTime: true, hasZone: true}

// parseTimeFormats compiles a column's patterns, in the order they are
// tried. No pattern means ISO8601. A blank pattern and a pattern listed
// twice are refused: both are slips that would otherwise pass unnoticed.
func parseTimeFormats(patterns []string) ([]*TimeFormat, error) {
	if len(patterns) == 0 {
		return []*TimeFormat{isoFormat}, nil
	}
	out := make([]*TimeFormat, 0, len(patterns))
	for _, p := range patterns {
		if strings.TrimSpace(p) == "" {
			return nil, fmt.Errorf("a timestamp pattern is empty: give a pattern such as MM/dd/yyyy, or remove it")
		}
		tf, err := ParseTimeFormat(p)
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

// civil is a parsed timestamp before any time zone is applied.
type civil struct {
	year, month, day   int
	hour, minute, sec  int
	nsec               int
	hasZone            bool
	offset             int // seconds east of UTC, when hasZone
	twoDigitYearInYYYY bool
}

// timeProblem says why a value did not parse.
type timeProblem uint8

const (
	timeOK timeProblem = iota
	timeNoMatch
	timeBadDate
	timeBadTime
	timeShortYear
)

func (tf *TimeFormat) parse(s string, strict bool) (civil, timeProblem) {
	if tf.iso {
		return parseISO(s)
	}
	var c civil
	c.month, c.day = 1, 1
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
					return c, timeNoMatch
				}
				i++
				continue
			}
			if !strings.HasPrefix(s[i:], e.lit) {
				return c, timeNoMatch
			}
			i += len(e.lit)
		case elemMonthName:
			m, n := matchName(s[i:], monthNames[:])
			if m < 0 {
				return c, timeNoMatch
			}
			c.month = m + 1
			i += n
		case elemWeekday:
			d, n := matchName(s[i:], weekdayNames[:])
			if d < 0 {
				return c, timeNoMatch
			}
			i += n
		case elemAMPM:
			switch {
			case len(s)-i >= 2 && strings.EqualFold(s[i:i+2], "AM"):
			case len(s)-i >= 2 && strings.EqualFold(s[i:i+2], "PM"):
				pm = true
			default:
				return c, timeNoMatch
			}
			hasAMPM = true
			i += 2
		case elemZone:
			off, n, ok := parseOffset(s[i:])
			if !ok {
				return c, timeNoMatch
			}
			c.hasZone, c.offset = true, off
			i += n
		default:
			minD, maxD := 1, 9
			switch {
			case e.fixed:
				minD, maxD = e.width, e.width
			case strict && e.width >= 2 && e.kind != elemFraction:
				minD, maxD = e.width, e.width
			case strict:
				maxD = 2
			}
			v, n := 0, 0
			for n < maxD && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '9' {
				v = v*10 + int(s[i+n]-'0')
				n++
			}
			if n < minD {
				return c, timeNoMatch
			}
			i += n
			switch e.kind {
			case elemYear:
				c.year = v
				if n <= 2 {
					c.twoDigitYearInYYYY = true
				}
			case elemYear2:
				if n == 2 {
					c.year = 1900 + v
					if v < 50 {
						c.year = 2000 + v
					}
				} else {
					c.year = v
				}
			case elemMonth:
				c.month = v
			case elemDay:
				c.day = v
			case elemHour24:
				c.hour = v
			case elemHour12:
				hour12 = v
			case elemMinute:
				c.minute = v
			case elemSecond:
				c.sec = v
			case elemFraction:
				// n digits of a second, scaled to nine.
				for ; n < 9; n++ {
					v *= 10
				}
				for ; n > 9; n-- {
					v /= 10
				}
				c.nsec = v
			}
		}
	}
	if i != len(s) {
		return c, timeNoMatch
	}
	if hour12 >= 0 {
		if hour12 < 1 || hour12 > 12 {
			return c, timeBadTime
		}
		c.hour = hour12 % 12
		if pm {
			c.hour += 12
		}
	} else if hasAMPM && pm && c.hour < 12 {
		c.hour += 12
	}
	return c, c.check()
}

// check validates the ranges of a parsed timestamp.
func (c *civil) check() timeProblem {
	if c.month < 1 || c.month > 12 || c.day < 1 || c.day > daysIn(c.year, c.month) || c.year > 9999 {
		return timeBadDate
	}
	if c.hour > 23 || c.minute > 59 || c.sec > 59 {
		return timeBadTime
	}
	if c.twoDigitYearInYYYY || c.year < 1000 {
		return timeShortYear
	}
	return timeOK
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
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

// parseISO reads yyyy-MM-dd, optionally followed by T and HH:mm, HH:mm:ss
// or HH:mm:ss.fraction, optionally followed by Z or an offset.
func parseISO(s string) (civil, timeProblem) {
	var c civil
	if len(s) < 10 || !isDigits(s[0:4]) || s[4] != '-' || !isDigits(s[5:7]) || s[7] != '-' || !isDigits(s[8:10]) {
		return c, timeNoMatch
	}
	c.year = atoi(s[0:4])
	c.month = atoi(s[5:7])
	c.day = atoi(s[8:10])
	rest := s[10:]
	if len(rest) > 0 && (rest[0] == 'T' || rest[0] == 't') {
		rest = rest[1:]
		if len(rest) < 5 || !isDigits(rest[0:2]) || rest[2] != ':' || !isDigits(rest[3:5]) {
			return c, timeNoMatch
		}
		c.hour, c.minute = atoi(rest[0:2]), atoi(rest[3:5])
		rest = rest[5:]
		if len(rest) >= 3 && rest[0] == ':' && isDigits(rest[1:3]) {
			c.sec = atoi(rest[1:3])
			rest = rest[3:]
			if len(rest) >= 2 && (rest[0] == '.' || rest[0] == ',') && rest[1] >= '0' && rest[1] <= '9' {
				n, v := 1, 0
				for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
					if n <= 9 {
						v = v*10 + int(rest[n]-'0')
					}
					n++
				}
				for d := n - 1; d < 9; d++ {
					v *= 10
				}
				c.nsec = v
				rest = rest[n:]
			}
		}
	}
	if len(rest) > 0 {
		off, n, ok := parseOffset(rest)
		if !ok || n != len(rest) {
			return c, timeNoMatch
		}
		c.hasZone, c.offset = true, off
	}
	return c, c.check()
}

// atoi reads a string of digits already checked by isDigits.
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// appendFloating writes the timestamp as SODA wants a floating timestamp:
// 2024-03-01T14:30:00, with milliseconds only when there are any.
func (c *civil) appendFloating(b []byte) []byte {
	b = appendInt(b, c.year, 4)
	b = append(b, '-')
	b = appendInt(b, c.month, 2)
	b = append(b, '-')
	b = appendInt(b, c.day, 2)
	b = append(b, 'T')
	b = appendInt(b, c.hour, 2)
	b = append(b, ':')
	b = appendInt(b, c.minute, 2)
	b = append(b, ':')
	b = appendInt(b, c.sec, 2)
	if ms := c.nsec / 1e6; ms > 0 {
		b = append(b, '.')
		b = appendInt(b, ms, 3)
	}
	return b
}

func appendInt(b []byte, v, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	for pad := width - (len(tmp) - i); pad > 0; pad-- {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// appendFixed writes a fixed timestamp as it is sent: the wall-clock time
// and its offset, 2024-03-01T14:30:00-05:00, which SODA stores as the same
// instant in UTC.
func (c *civil) appendFixed(b []byte) []byte {
	b = c.appendFloating(b)
	off := c.offset
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = appendInt(b, off/3600, 2)
	b = append(b, ':')
	return appendInt(b, off/60%60, 2)
}

// wallSeconds is the wall-clock time as seconds since 1970 read as UTC.
func (c *civil) wallSeconds() int64 {
	return daysFromCivil(c.year, c.month, c.day)*86400 + int64(c.hour*3600+c.minute*60+c.sec)
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// zoneTable finds the offset of a wall-clock time in a zone without
// time.Date's cost on every value: it lists the zone's transitions from
// 1900 to 2200 once, answers from the list when the time is more than two
// days from any transition, and asks time.Date (which knows about gaps and
// overlaps) near one. It is read-only after it is built, so converters may
// be shared between goroutines.
type zoneTable struct {
	loc   *time.Location
	trans []int64 // instants at which offs[i] starts
	offs  []int
	first int
	lo    int64
	hi    int64
	// byYear[y-1900] is the index of the first transition after the
	// start of year y, so a lookup scans a year's few transitions.
	byYear []int
}

var zoneTables sync.Map // zone name -> *zoneTable

// zoneTableFor returns the table for loc, built once per zone name.
func zoneTableFor(loc *time.Location) *zoneTable {
	if z, ok := zoneTables.Load(loc.String()); ok {
		return z.(*zoneTable)
	}
	z := &zoneTable{loc: loc}
	t := time.Date(1900, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	z.lo, z.hi = t.Unix(), end.Unix()
	_, z.first = t.Zone()
	prev := z.first
	for {
		_, e := t.ZoneBounds()
		if e.IsZero() || e.After(end) {
			break
		}
		if !e.After(t) {
			// ZoneBounds can name the instant it was asked about as the
			// end of a period past the zone's listed rules; step over it.
			t = t.Add(time.Hour)
			continue
		}
		// Only real changes of offset are transitions; the zone data also
		// has year-end entries that change nothing.
		if _, off := e.Zone(); off != prev {
			z.trans = append(z.trans, e.Unix())
			z.offs = append(z.offs, off)
			prev = off
		}
		t = e
	}
	for y := 1900; y <= 2200; y++ {
		start := daysFromCivil(y, 1, 1) * 86400
		k, _ := slices.BinarySearch(z.trans, start)
		z.byYear = append(z.byYear, k)
	}
	zoneTables.Store(loc.String(), z)
	return z
}

const twoDays = 2 * 86400

// offset returns the offset in force at wall-clock time c, and false when
// that time does not exist (the hour skipped when clocks go forward). In
// the hour that repeats when clocks go back, it takes the first.
func (z *zoneTable) offset(c *civil) (int, bool) {
	u := c.wallSeconds()
	if u > z.lo+twoDays && u < z.hi-twoDays {
		// The first transition after u: start from the year before, since
		// u is a wall-clock time up to a day off the instant.
		k := z.byYear[max(c.year-1901, 0)]
		for k < len(z.trans) && z.trans[k] <= u {
			k++
		}
		if (k == 0 || u-z.trans[k-1] > twoDays) && (k == len(z.trans) || z.trans[k]-u > twoDays) {
			if k == 0 {
				return z.first, true
			}
			return z.offs[k-1], true
		}
	}
	t := time.Date(c.year, time.Month(c.month), c.day, c.hour, c.minute, c.sec, c.nsec, z.loc)
	if t.Hour() != c.hour || t.Minute() != c.minute || t.Day() != c.day {
		return 0, false
	}
	_, off := t.Zone()
	return off, true
}

// TimeGuess is what DetectTimeFormat makes of a column's sample values.
type TimeGuess struct {
	// Pattern is the best pattern in DataSync notation, or "" when no
	// pattern reads any sample.
	Pattern string `json:"pattern"`
	// Matched of Total non-empty samples read with Pattern.
	Matched int `json:"matched"`
	Total   int `json:"total"`
	// Unmatched is the first sample Pattern does not read.
	Unmatched string `json:"unmatched,omitempty"`
	// Alternatives are other patterns that read every sample but give
	// different dates, such as dd/MM/yyyy beside MM/dd/yyyy.
	Alternatives []string `json:"alternatives,omitempty"`
	// Note explains an ambiguity in a sentence, or is "".
	Note string `json:"note,omitempty"`
	// HasTime and HasZone describe the samples under Pattern.
	HasTime bool `json:"has_time"`
	HasZone bool `json:"has_zone"`
}

// timeCandidates are the patterns DetectTimeFormat tries, in order of
// preference: ISO first, then US month-first orders before day-first ones,
// zero-padded forms before unpadded ones.
var timeCandidates = buildTimeCandidates()

func buildTimeCandidates() []string {
	dates := []string{
		"yyyy-MM-dd", "yyyy/MM/dd",
		"MM/dd/yyyy", "M/d/yyyy", "MM/dd/yy", "M/d/yy",
		"MM-dd-yyyy", "M-d-yyyy",
		"dd/MM/yyyy", "d/M/yyyy", "dd/MM/yy", "d/M/yy",
		"dd-MM-yyyy", "dd.MM.yyyy", "d.M.yyyy",
		"dd-MMM-yyyy", "d-MMM-yyyy", "dd-MMM-yy", "d-MMM-yy",
		"MMM d, yyyy", "MMMM d, yyyy", "d MMM yyyy", "d MMMM yyyy",
		"yyyyMMdd",
	}
	times := []string{"", " HH:mm:ss", " HH:mm", " H:mm:ss", " H:mm", " hh:mm:ss a", " hh:mm a", " h:mm:ss a", " h:mm a", " HH:mm:ss.SSS", " HH:mm:ssZ", " HH:mm:ss Z"}
	out := []string{ISO8601}
	for _, d := range dates {
		for _, t := range times {
			if d == "yyyyMMdd" && t != "" {
				continue
			}
			out = append(out, d+t)
		}
	}
	return out
}

var compiledCandidates = func() []*TimeFormat {
	out := make([]*TimeFormat, len(timeCandidates))
	for i, p := range timeCandidates {
		tf, err := ParseTimeFormat(p)
		if err != nil {
			panic(err)
		}
		out[i] = tf
	}
	return out
}()

// DetectTimeFormat finds the pattern that reads a column's sample values.
// It prefers the first of its candidate patterns that reads them all,
// and reports other candidates that also read them all but give different
// dates, such as 01/02/2024 under dd/MM/yyyy.
func DetectTimeFormat(samples []string) TimeGuess {
	var vals []string
	for _, s := range samples {
		if s = strings.TrimSpace(s); s != "" {
			vals = append(vals, s)
		}
	}
	g := TimeGuess{Total: len(vals)}
	if len(vals) == 0 {
		return g
	}
	bestI, bestN := -1, 0
	for i, tf := range compiledCandidates {
		if n := readCount(tf, vals, true); n > bestN {
			bestI, bestN = i, n
			if n == len(vals) {
				break
			}
		}
	}
	if bestI < 0 {
		// Nothing reads strictly; try the lenient reading Joda would use.
		for i, tf := range compiledCandidates {
			if n := readCount(tf, vals, false); n > bestN {
				bestI, bestN = i, n
			}
		}
	}
	if bestI < 0 {
		g.Unmatched = vals[0]
		return g
	}
	best := compiledCandidates[bestI]
	g.Pattern, g.Matched = best.pattern, bestN
	parsed := make([]civil, len(vals))
	for i, v := range vals {
		c, p := best.parse(v, false)
		parsed[i] = c
		if p != timeOK && g.Unmatched == "" {
			g.Unmatched = v
		}
		if p == timeOK {
			if c.hour != 0 || c.minute != 0 || c.sec != 0 || c.nsec != 0 {
				g.HasTime = true
			}
			g.HasZone = g.HasZone || c.hasZone
		}
	}
	if bestN < len(vals) {
		return g
	}
	// Other patterns that read every sample but differently.
	var example string
	for i, tf := range compiledCandidates {
		if i == bestI {
			continue
		}
		differs := ""
		all := true
		for j, v := range vals {
			c, p := tf.parse(v, true)
			if p != timeOK {
				all = false
				break
			}
			if differs == "" && (c.year != parsed[j].year || c.month != parsed[j].month || c.day != parsed[j].day || c.hour != parsed[j].hour) {
				differs = v
			}
		}
		if all && differs != "" {
			g.Alternatives = append(g.Alternatives, tf.pattern)
			if example == "" {
				example = differs
			}
		}
	}
	if len(g.Alternatives) > 0 {
		g.Note = fmt.Sprintf("values such as %s fit both %s and %s; %s is assumed (US order, month first): choose %s if the file puts the day first",
			example, g.Pattern, g.Alternatives[0], g.Pattern, g.Alternatives[0])
	}
	return g
}

// readCount is how many of vals tf reads.
func readCount(tf *TimeFormat, vals []string, strict bool) int {
	n := 0
	for _, v := range vals {
		if _, p := tf.parse(v, strict); p == timeOK {
			n++
		}
	}
	return n
}

// looksLikeTimestamp reports whether any candidate pattern reads s; it is
// for guessing a header row, not for validation.
func looksLikeTimestamp(s string) bool {
	if len(s) < 6 || len(s) > 40 || !strings.ContainsAny(s, "0123456789") {
		return false
	}
	for _, tf := range compiledCandidates {
		if _, p := tf.parse(s, false); p == timeOK {
			return true
		}
	}
	return false
}
