package socratatest

import (
	"bufio"
	"io"
	"strconv"
	"time"
)

// The park visits history sample: monthly visits at many more parks over
// many years, generated row by row so that neither this package nor the
// file's reader ever holds it whole. Its size (about 7.4 MB) is chosen to
// stay under the wizard's 10 MiB threshold for sending a file through the
// Data Management API, so the automatic route stays on SODA and an upload
// takes long enough to watch its progress, stop it and resume it.
const (
	historyName = "park_visits_history.csv"
	// historyParks parks, P101 to P(100+historyParks), each reporting
	// every month from historyFrom to historyTo.
	historyParks = 360
	// historySeed seeds the visitor counts and report days, so the file
	// is the same on every run.
	historySeed = 0x5eed_9a4c_0f1e_d2b3
)

var (
	historyFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	historyTo   = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
)

// historyMonths is how many months every history park reports.
func historyMonths() int {
	return (historyTo.Year()-historyFrom.Year())*12 + int(historyTo.Month()-historyFrom.Month()) + 1
}

// historyRows is the number of data rows: every park and month, then a
// revision of June 2024 for each of the five sample parks, which are the
// only rows the dataset already has.
func historyRows() int { return historyParks*historyMonths() + len(parks) }

// Words the history parks' names are made of; every pair is a different
// park, so there must be at least historyParks pairs.
var (
	historyFirst = []string{"Cedar", "Maple", "Granite", "Willow", "Fox", "Eagle", "Birch", "Stone",
		"Laurel", "Otter", "Beacon", "Juniper", "Copper", "Hemlock", "Sparrow", "Oak", "Ash", "Alder"}
	historySecond = []string{"Ridge", "Hollow", "Brook", "Point", "Falls", "Meadow", "Glen", "Pond",
		"Bluff", "Cove", "Notch", "Grove", "Harbor", "Hill", "Run", "Woods", "Bend", "Dunes", "Lake", "Spring"}
)

// historySeason is each month's share of a park's peak visitors, in
// percent, January to December.
var historySeason = [12]int{12, 15, 30, 52, 74, 100, 118, 112, 80, 55, 26, 16}

// writeHistory streams the park visits history CSV to w. Each row is
// built in one reused buffer, so memory does not grow with the file.
func writeHistory(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	buf := make([]byte, 0, 128)
	buf = append(buf, "record_id,park_id,park_name,month,Visitor Count,open,report_date\r\n"...)
	if _, err := bw.Write(buf); err != nil {
		return cw.n, err
	}
	type park struct {
		id, name string
		peak     int  // visitors in the busiest month, before growth
		winter   bool // closed in January and February
	}
	ps := make([]park, historyParks)
	for i := range ps {
		h := splitmix(historySeed ^ uint64(i))
		ps[i] = park{
			id:     "P" + strconv.Itoa(101+i),
			name:   historyFirst[i%len(historyFirst)] + " " + historySecond[i/len(historyFirst)] + " State Park",
			peak:   2000 + int(h%38000),
			winter: i%7 == 3,
		}
	}
	months := historyMonths()
	for m := 0; m < months; m++ {
		month := historyFrom.AddDate(0, m, 0)
		for i, pk := range ps {
			h := splitmix(historySeed + uint64(m)<<20 + uint64(i))
			// Visits grow about 1% a year, vary by 10% month to month,
			// and follow the seasons.
			visitors := pk.peak * historySeason[month.Month()-1] / 100 * (100 + m/12) / 100 * (95 + int(h%11)) / 100
			open := true
			if pk.winter && month.Month() <= time.February {
				visitors, open = 0, false
			}
			reported := month.AddDate(0, 1, 2+int(h>>8%7))
			buf = appendHistoryRow(buf[:0], pk.id, pk.name, month, visitors, open, reported)
			if _, err := bw.Write(buf); err != nil {
				return cw.n, err
			}
		}
	}
	// Revised June 2024 figures for the five sample parks: the rows an
	// upsert of this file updates rather than creates.
	june := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for pi, pk := range parks {
		visitors := 120*(100+37*pi) + 150 + 25*pi
		buf = appendHistoryRow(buf[:0], pk.id, pk.name, june, visitors, true, time.Date(2024, 8, 12, 0, 0, 0, 0, time.UTC))
		if _, err := bw.Write(buf); err != nil {
			return cw.n, err
		}
	}
	err := bw.Flush()
	return cw.n, err
}

// appendHistoryRow appends one CSV row in the July file's style: the
// month as yyyy-MM and the report date as M/d/yyyy.
func appendHistoryRow(b []byte, parkID, name string, month time.Time, visitors int, open bool, reported time.Time) []byte {
	b = append(b, parkID...)
	b = append(b, '-')
	b = month.AppendFormat(b, "2006-01")
	b = append(b, ',')
	b = append(b, parkID...)
	b = append(b, ',')
	b = append(b, name...)
	b = append(b, ',')
	b = month.AppendFormat(b, "2006-01")
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(visitors), 10)
	b = append(b, ',')
	b = strconv.AppendBool(b, open)
	b = append(b, ',')
	b = reported.AppendFormat(b, "1/2/2006")
	return append(b, '\r', '\n')
}

// countWriter counts the bytes written through it, for WriteTo's result.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
