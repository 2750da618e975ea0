package timestamp

import "time"

// Civil is a date and time as read from a value, before any time zone is
// applied: a civil (wall-clock) time, with the offset the value carried
// when HasZone.
type Civil struct {
	Year, Month, Day     int
	Hour, Minute, Second int
	Nanosecond           int
	HasZone              bool
	Offset               int // seconds east of UTC, when HasZone
	// twoDigitYearInYYYY is set when yyyy read only one or two digits,
	// which check refuses as a year before 1000.
	twoDigitYearInYYYY bool
}

// check validates the ranges of a parsed timestamp.
func (c *Civil) check() Problem {
	if c.Month < 1 || c.Month > 12 || c.Day < 1 || c.Day > daysIn(c.Year, c.Month) || c.Year > 9999 {
		return BadDate
	}
	if c.Hour > 23 || c.Minute > 59 || c.Second > 59 {
		return BadTime
	}
	if c.twoDigitYearInYYYY || c.Year < 1000 {
		return ShortYear
	}
	return OK
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

// ReadISO reads yyyy-MM-dd, optionally followed by T and HH:mm, HH:mm:ss
// or HH:mm:ss.fraction, optionally followed by Z or an offset.
func ReadISO(s string) (Civil, Problem) {
	var c Civil
	if len(s) < 10 || !isDigits(s[0:4]) || s[4] != '-' || !isDigits(s[5:7]) || s[7] != '-' || !isDigits(s[8:10]) {
		return c, NoMatch
	}
	c.Year = atoi(s[0:4])
	c.Month = atoi(s[5:7])
	c.Day = atoi(s[8:10])
	rest := s[10:]
	if len(rest) > 0 && (rest[0] == 'T' || rest[0] == 't') {
		rest = rest[1:]
		if len(rest) < 5 || !isDigits(rest[0:2]) || rest[2] != ':' || !isDigits(rest[3:5]) {
			return c, NoMatch
		}
		c.Hour, c.Minute = atoi(rest[0:2]), atoi(rest[3:5])
		rest = rest[5:]
		if len(rest) >= 3 && rest[0] == ':' && isDigits(rest[1:3]) {
			c.Second = atoi(rest[1:3])
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
				c.Nanosecond = v
				rest = rest[n:]
			}
		}
	}
	if len(rest) > 0 {
		off, n, ok := parseOffset(rest)
		if !ok || n != len(rest) {
			return c, NoMatch
		}
		c.HasZone, c.Offset = true, off
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

// AppendFloating writes the timestamp as SODA wants a floating timestamp:
// 2024-03-01T14:30:00, with milliseconds only when there are any.
func (c *Civil) AppendFloating(b []byte) []byte {
	b = appendInt(b, c.Year, 4)
	b = append(b, '-')
	b = appendInt(b, c.Month, 2)
	b = append(b, '-')
	b = appendInt(b, c.Day, 2)
	b = append(b, 'T')
	b = appendInt(b, c.Hour, 2)
	b = append(b, ':')
	b = appendInt(b, c.Minute, 2)
	b = append(b, ':')
	b = appendInt(b, c.Second, 2)
	if ms := c.Nanosecond / 1e6; ms > 0 {
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

// AppendFixed writes a fixed timestamp as it is sent: the wall-clock time
// and its offset, 2024-03-01T14:30:00-05:00, which SODA stores as the same
// instant in UTC.
func (c *Civil) AppendFixed(b []byte) []byte {
	b = c.AppendFloating(b)
	off := c.Offset
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

// Instant is the moment a timestamp with an offset names, or for one
// without the wall-clock time read as UTC.
func (c *Civil) Instant() time.Time {
	return time.Unix(c.wallSeconds()-int64(c.Offset), int64(c.Nanosecond)).UTC()
}

// wallSeconds is the wall-clock time as seconds since 1970 read as UTC.
func (c *Civil) wallSeconds() int64 {
	return daysFromCivil(c.Year, c.Month, c.Day)*86400 + int64(c.Hour*3600+c.Minute*60+c.Second)
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

// IsFloating reports whether t is a floating timestamp written exactly as
// SODA writes them, 2024-03-14T10:30:00, that ISO 8601 reads without a
// problem. It is ReadISO for that one shape, without building the
// value: most timestamp columns hold nothing else, and this is the
// costliest cell of a typical row.
func IsFloating(t string) bool {
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
	c := Civil{
		Year: d[0]*1000 + d[1]*100 + d[2]*10 + d[3], Month: d[5]*10 + d[6], Day: d[8]*10 + d[9],
		Hour: d[11]*10 + d[12], Minute: d[14]*10 + d[15], Second: d[17]*10 + d[18],
	}
	return c.check() == OK
}
