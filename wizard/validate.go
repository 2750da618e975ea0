package wizard

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// defaultMaxExamples is how many bad values a report keeps per column.
const defaultMaxExamples = 5

// progressEvery is how many rows pass between progress reports and
// cancellation checks.
const progressEvery = 8192

// ValidateOptions tune a whole-file check.
type ValidateOptions struct {
	// Progress, if set, is called every few thousand rows and once at the
	// end, on the checking goroutine.
	Progress func(ValidateProgress)
	// WriteRejects writes every bad row, with its line number and the
	// reason, to <name>.rejected.csv beside the file. The file is written
	// whole or not at all, and only when there are bad rows.
	WriteRejects bool
	// MaxExamples bounds the bad values kept per column; zero means 5.
	MaxExamples int
}

// ValidateProgress is how far a check has got.
type ValidateProgress struct {
	Rows  int64
	Bytes int64
	Total int64
}

// Report is the outcome of checking a file against a job.
type Report struct {
	// File is the path checked; Encoding, Delimiter and Header how it was
	// read.
	File      string `json:"file"`
	Encoding  string `json:"encoding"`
	Delimiter string `json:"delimiter"`
	Header    bool   `json:"header"`
	// Rows is the number of data records read and BadRows how many of
	// them cannot be sent.
	Rows    int64 `json:"rows"`
	BadRows int64 `json:"bad_rows"`
	// Bytes is how much of the file was read, of Size.
	Bytes int64 `json:"bytes"`
	Size  int64 `json:"size"`
	// Complete is true when every row was read.
	Complete bool `json:"complete"`
	// Columns reports each mapped field.
	Columns []ColumnReport `json:"columns"`
	// Structure is rows whose shape is wrong: a wrong number of fields, or
	// bytes that are not text in the file's encoding.
	Structure      int64     `json:"structure_problems"`
	StructureFirst []Example `json:"structure_examples,omitempty"`
	// Fatal is set when the file could not be read to the end (a quote
	// that is never closed, say) or could not be read at all.
	Fatal string `json:"fatal,omitempty"`
	// Mapping lists problems with the job's mapping itself.
	Mapping []MappingIssue `json:"mapping,omitempty"`
	// Rejected is the file every bad row was written to, if any.
	Rejected string `json:"rejected_file,omitempty"`
}

// ColumnReport is what the check found in one field.
type ColumnReport struct {
	Source string `json:"source"`
	Field  string `json:"field"`
	Type   string `json:"type"`
	// Formats are a timestamp column's patterns, in the order they are
	// tried.
	Formats []string `json:"formats,omitempty"`
	Clean   bool     `json:"clean,omitempty"`
	YesNo   bool     `json:"yes_no,omitempty"`
	// Bad counts the values that cannot be sent; Examples are the first.
	Bad      int64     `json:"bad"`
	Examples []Example `json:"examples,omitempty"`
	// Problems counts the bad values by kind, so that the screen can
	// offer the fix that covers most of them (turn on clean, say).
	Problems map[string]int64 `json:"problems,omitempty"`
	// SuggestedFormat is a pattern that reads SuggestedFor, the first
	// value that none of a timestamp column's formats reads, so that the
	// screen can offer to add it when rows come from two systems.
	SuggestedFormat string `json:"suggested_format,omitempty"`
	SuggestedFor    string `json:"suggested_for,omitempty"`

	// suggested is set once a suggestion has been looked for.
	suggested bool
}

// Example is one bad value or row.
type Example struct {
	Line    int    `json:"line"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

// OK reports whether the file can be sent as it is: it was read to the
// end, has rows, and nothing is wrong with it or the mapping.
func (r *Report) OK() bool {
	if r.Fatal != "" || !r.Complete || r.BadRows > 0 || r.Structure > 0 || r.Rows == 0 {
		return false
	}
	for _, m := range r.Mapping {
		if m.Severity == SeverityError {
			return false
		}
	}
	return true
}

// ExitCode is the headless check's exit status: 0 when the file can be
// sent, 1 when values, rows or the mapping are bad.
func (r *Report) ExitCode() int {
	if r.OK() {
		return 0
	}
	return 1
}

// problemNames are short stable names for problems in JSON reports.
var problemNames = map[Problem]string{
	probNumber: "not_a_number", probThousands: "thousands_separator", probCurrency: "currency_symbol",
	probPercentSign: "percent_sign", probCommaDecimal: "comma_decimal", probParens: "parentheses",
	probNaN: "nan", probCheckbox: "not_a_checkbox", probCheckboxYesNo: "yes_no",
	probTimeFormat: "date_format", probTimeDate: "impossible_date", probTimeOfDay: "impossible_time",
	probTimeShortYear: "two_digit_year", probTimeZoneOnFloating: "zone_on_floating", probTimeGap: "time_in_dst_gap",
	probPoint: "not_a_point", probPointLatLon: "lat_lon_order", probPointRange: "off_the_map",
	probPointSwapped: "latitude_first", probPointHalf: "half_a_point", probGeometry: "not_wkt",
	probURL: "not_a_url", probURLNoScheme: "url_without_scheme", probTextLong: "text_too_long",
	probPhone: "not_a_phone", probLocation: "not_a_location",
}

// name is the problem's stable short name, as JSON reports write it.
func (p Problem) name() string {
	if n, ok := problemNames[p]; ok {
		return n
	}
	return "problem_" + strconv.Itoa(int(p))
}

// Validate reads the whole file and converts every mapped value with the
// plan, counting per column the values that cannot be sent and keeping the
// first examples with their line numbers. Memory stays flat however large
// the file. It stops early, returning what it has and ctx.Err(), when ctx
// is cancelled. A file that cannot be read to the end (a quote never
// closed) is reported in Report.Fatal rather than as an error; the error
// is for failures to open or write files.
func Validate(ctx context.Context, f *CSVFile, plan *Plan, opts ValidateOptions) (*Report, error) {
	c := &checker{plan: plan, rep: newReport(f, plan), maxEx: opts.MaxExamples, width: len(f.Header)}
	if c.maxEx <= 0 {
		c.maxEx = defaultMaxExamples
	}
	rep := c.rep
	rr, err := f.Records()
	if err != nil {
		return reportUnreadable(rep, err)
	}
	defer rr.Close()
	// Reading runs on its own goroutine, a batch ahead of the checking, so
	// a check takes the time of the slower of the two rather than their
	// sum. It stops before rr is closed.
	it := ReadAhead(rr)
	defer it.Stop()

	if opts.WriteRejects {
		c.rej = NewRejectFile(RejectedPath(f.Path), f)
		defer c.rej.Abort()
	}
	progress := func() {
		rep.Bytes = it.BytesRead()
		if opts.Progress != nil {
			opts.Progress(ValidateProgress{Rows: rep.Rows, Bytes: rep.Bytes, Total: f.Size})
		}
	}
	for n := 0; ; n++ {
		if n%progressEvery == 0 && n > 0 {
			progress()
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		rec, err := it.Next()
		if err == io.EOF {
			rep.Complete = true
			break
		}
		if err != nil {
			fatal, err := c.badRecord(rec, err)
			if err != nil {
				return rep, err
			}
			if fatal {
				break
			}
			continue
		}
		if err := c.record(rec); err != nil {
			return rep, err
		}
	}
	progress()
	if c.rej != nil && rep.BadRows > 0 && rep.Fatal == "" {
		path, err := c.rej.Commit()
		if err != nil {
			return rep, err
		}
		rep.Rejected = path
	}
	return rep, nil
}

// newReport starts the report of checking f with plan: one column report
// per mapped column, then one per point, in the plan's order, so that
// plan index i counts into Columns[i].
func newReport(f *CSVFile, plan *Plan) *Report {
	rep := &Report{File: f.Path, Encoding: f.Dialect.Encoding, Delimiter: f.Dialect.Delimiter, Header: f.Dialect.Header, Size: f.Size}
	rep.Columns = make([]ColumnReport, 0, len(plan.Columns)+len(plan.Points))
	for _, c := range plan.Columns {
		cr := ColumnReport{Source: c.Source, Field: c.Conv.Field, Type: string(c.Conv.Type), Clean: c.Conv.Clean, YesNo: c.Conv.YesNo}
		if len(c.Conv.Formats) > 0 {
			cr.Formats = c.Conv.patterns()
		}
		rep.Columns = append(rep.Columns, cr)
	}
	for _, p := range plan.Points {
		rep.Columns = append(rep.Columns, ColumnReport{Source: p.LatSource + " + " + p.LonSource, Field: p.Field, Type: "point"})
	}
	return rep
}

// checker is one run of Validate: what it counts into, and the bad rows'
// file when it writes one.
type checker struct {
	plan    *Plan
	rep     *Report
	maxEx   int
	width   int         // the header's fields
	rej     *RejectFile // nil unless the bad rows are written
	reasons []string    // the current row's problems, for rej
}

// badRecord counts a record the reader could not read as a row: fatal
// when reading cannot go on (Report.Fatal says why), an error when the
// file cannot be read at all.
func (c *checker) badRecord(rec Record, err error) (fatal bool, _ error) {
	rep := c.rep
	var ce *CSVError
	if !errors.As(err, &ce) || ce.Kind == ErrRead {
		return true, err
	}
	if ce.Fatal() {
		rep.Fatal = ce.Message
		return true, nil
	}
	rep.Rows++
	rep.BadRows++
	rep.Structure++
	if len(rep.StructureFirst) < c.maxEx {
		rep.StructureFirst = append(rep.StructureFirst, Example{Line: ce.Line, Message: ce.Message})
	}
	if c.rej != nil {
		return false, c.rej.Add(rec.Line, rec.Fields, ce.Message)
	}
	return false, nil
}

// record converts every mapped value of a row, counting those that
// cannot be sent.
func (c *checker) record(rec Record) error {
	rep, plan := c.rep, c.plan
	rep.Rows++
	fields := rec.Fields
	if len(fields) < c.width {
		return nil // cannot happen: short rows are structure problems
	}
	bad := false
	c.reasons = c.reasons[:0]
	for i := range plan.Columns {
		// Most values convert: only the others leave this loop.
		pc := &plan.Columns[i]
		s := fields[pc.Index]
		if _, pr := pc.Conv.Convert(s); pr != OK {
			bad = true
			c.badValue(i, rec.Line, s, pr)
		}
	}
	for i := range plan.Points {
		p := &plan.Points[i]
		lat, lon := fields[p.Lat], fields[p.Lon]
		if _, pr := LatLonPoint(lat, lon); pr != OK {
			bad = true
			cp := p.Problem(lat, lon, pr)
			rep.Columns[len(plan.Columns)+i].record(rec.Line, cp.Value, cp.Message, pr, c.maxEx)
			if c.rej != nil {
				c.reasons = append(c.reasons, cp.Source+": "+cp.Message)
			}
		}
	}
	if !bad {
		return nil
	}
	rep.BadRows++
	if c.rej != nil {
		return c.rej.Add(rec.Line, rec.Fields, strings.Join(c.reasons, "; "))
	}
	return nil
}

// badValue counts value s of plan column i on line, which has problem
// pr: an example while there are few, a suggested format for a date that
// none of the column's reads, and the reason for the bad rows' file.
func (c *checker) badValue(i, line int, s string, pr Problem) {
	pc := &c.plan.Columns[i]
	msg := ""
	cr := &c.rep.Columns[i]
	if len(cr.Examples) < c.maxEx || c.rej != nil {
		msg = pc.Conv.Message(s, pr)
	}
	cr.record(line, s, msg, pr, c.maxEx)
	if pr == probTimeFormat && !cr.suggested {
		cr.suggested = true
		cr.SuggestedFormat = timestamp.Suggest(trimSpace(s))
		if cr.SuggestedFormat != "" {
			cr.SuggestedFor = strings.Clone(truncateRunes(trimSpace(s), 200))
		}
	}
	if c.rej != nil {
		c.reasons = append(c.reasons, pc.Source+": "+msg)
	}
}

// reportUnreadable reports a file that cannot be read as CSV (empty, a bad
// header, a quote never closed) in rep.Fatal, as a finding of the check;
// a file the system cannot open or read is an error.
func reportUnreadable(rep *Report, err error) (*Report, error) {
	var ce *CSVError
	if errors.As(err, &ce) && ce.Kind != ErrRead {
		rep.Fatal = ce.Message
		return rep, nil
	}
	return nil, err
}

func (cr *ColumnReport) record(line int, value, msg string, p Problem, maxEx int) {
	cr.Bad++
	if cr.Problems == nil {
		cr.Problems = map[string]int64{}
	}
	cr.Problems[p.name()]++
	if len(cr.Examples) < maxEx {
		cr.Examples = append(cr.Examples, Example{Line: line, Value: strings.Clone(truncateRunes(value, 200)), Message: msg})
	}
}
