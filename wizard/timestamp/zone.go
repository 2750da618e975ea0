package timestamp

import (
	"slices"
	"sync"
	"time"
)

// Zone finds the offset of a wall-clock time in a zone without
// time.Date's cost on every value: it lists the zone's transitions from
// 1900 to 2200 once, answers from the list when the time is more than two
// days from any transition, and asks time.Date (which knows about gaps and
// overlaps) near one. It is read-only after it is built, so converters may
// be shared between goroutines.
type Zone struct {
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

var zoneTables sync.Map // zone name -> *Zone

// ZoneOf returns the table for loc, built once per zone name.
func ZoneOf(loc *time.Location) *Zone {
	if z, ok := zoneTables.Load(loc.String()); ok {
		return z.(*Zone)
	}
	z := &Zone{loc: loc}
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

// Offset returns the offset in force at wall-clock time c, and false when
// that time does not exist (the hour skipped when clocks go forward). In
// the hour that repeats when clocks go back, it takes the first.
func (z *Zone) Offset(c *Civil) (int, bool) {
	u := c.wallSeconds()
	if u > z.lo+twoDays && u < z.hi-twoDays {
		// The first transition after u: start from the year before, since
		// u is a wall-clock time up to a day off the instant.
		k := z.byYear[max(c.Year-1901, 0)]
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
	t := time.Date(c.Year, time.Month(c.Month), c.Day, c.Hour, c.Minute, c.Second, c.Nanosecond, z.loc)
	if t.Hour() != c.Hour || t.Minute() != c.Minute || t.Day() != c.Day {
		return 0, false
	}
	_, off := t.Zone()
	return off, true
}
