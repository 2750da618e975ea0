package wizard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/quote"
)

// Plan is a job's column mapping compiled against a file's header: which
// file column fills which field, and the converter for each. The whole-file
// check and the upload use the same Plan, so what is checked is exactly
// what is sent.
type Plan struct {
	// Header is the file's header the plan was compiled against.
	Header []string
	// Columns are the mapped file columns in file order.
	Columns []PlanColumn
	// Points are point fields built from latitude and longitude columns.
	Points []PlanPoint
	// Ignored are file columns the job ignores on purpose.
	Ignored []string
	// Unknown are file columns the job does not mention (the file has
	// gained a column since the job was saved); they are not sent.
	Unknown []string
}

// PlanColumn is one mapped file column.
type PlanColumn struct {
	// Index is the column's 0-based position in the file.
	Index  int
	Source string
	Conv   *Converter
}

// PlanPoint builds one point field from two file columns.
type PlanPoint struct {
	Field                string
	Lat, Lon             int
	LatSource, LonSource string
}

// PlanError lists every reason a job cannot be applied to a file.
type PlanError struct {
	Problems []string
}

// Error joins the problems.
func (e *PlanError) Error() string { return strings.Join(e.Problems, "; ") }

// NewPlan compiles the job's columns against the file's header. File
// columns are matched by name, so a file whose columns were reordered
// still works; a mapped column missing from the file, two columns filling
// one field, a type that cannot be written, a bad timestamp pattern or an
// unknown time zone are errors, all listed in one *PlanError.
func NewPlan(job *Job, header []string) (*Plan, error) {
	p := &Plan{Header: header}
	var probs []string
	index := make(map[string]int, len(header))
	for i, h := range header {
		index[h] = i
	}
	mentioned := map[string]bool{}
	filled := map[string]string{}
	fill := func(field, by string) {
		if prev, ok := filled[field]; ok {
			probs = append(probs, fmt.Sprintf("field %s is filled by both %s and %s: ignore one of them", field, prev, by))
			return
		}
		filled[field] = by
	}
	for _, cm := range job.Columns {
		if mentioned[cm.Source] {
			probs = append(probs, fmt.Sprintf("the job lists column %q twice: save the mapping again", cm.Source))
			continue
		}
		mentioned[cm.Source] = true
		i, ok := index[cm.Source]
		if !ok {
			if cm.Field != "" {
				probs = append(probs, fmt.Sprintf("the file has no column %q, which the job maps to field %s: the file's columns have changed since the job was saved; rename the column back or map the file again", cm.Source, cm.Field))
			}
			continue
		}
		if cm.Field == "" {
			p.Ignored = append(p.Ignored, cm.Source)
			continue
		}
		fill(cm.Field, strconv.Quote(cm.Source))
		conv, err := NewConverter(cm.Field, columnType(cm.Type), cm, job.Timezone)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		p.Columns = append(p.Columns, PlanColumn{Index: i, Source: cm.Source, Conv: conv})
	}
	for _, ps := range job.Points {
		lat, ok1 := index[ps.Latitude]
		lon, ok2 := index[ps.Longitude]
		if !ok1 || !ok2 {
			missing := ps.Latitude
			if ok1 {
				missing = ps.Longitude
			}
			probs = append(probs, fmt.Sprintf("the file has no column %q, which the job uses for point %s: map the file again", missing, ps.Field))
			continue
		}
		fill(ps.Field, fmt.Sprintf("%q and %q", ps.Latitude, ps.Longitude))
		p.Points = append(p.Points, PlanPoint{Field: ps.Field, Lat: lat, Lon: lon, LatSource: ps.Latitude, LonSource: ps.Longitude})
	}
	for _, h := range header {
		if !mentioned[h] {
			p.Unknown = append(p.Unknown, h)
		}
	}
	if len(p.Columns) == 0 && len(p.Points) == 0 && len(probs) == 0 {
		probs = append(probs, "no file column is mapped to a field: map at least one column")
	}
	if len(probs) > 0 {
		return nil, &PlanError{Problems: probs}
	}
	return p, nil
}

// fieldValue is one field of a converted row.
type fieldValue struct {
	Field string
	Value Value
}

// CellProblem is one value that cannot be sent.
type CellProblem struct {
	// Source is the file column (for a point built from two columns, both
	// names) and Field the dataset field.
	Source string
	Field  string
	// Value is the offending text.
	Value   string
	Problem Problem
	// Message is a sentence for people.
	Message string
}

// row converts one record, whose fields are in file order, appending the
// converted fields to dst. Problems come back with their messages; a row
// with any problem must not be sent.
func (p *Plan) row(fields []string, dst []fieldValue) ([]fieldValue, []CellProblem) {
	var probs []CellProblem
	for i := range p.Columns {
		c := &p.Columns[i]
		s := c.Cell(fields)
		v, pr := c.Conv.Convert(s)
		if pr != OK {
			probs = append(probs, CellProblem{Source: c.Source, Field: c.Conv.Field, Value: s, Problem: pr, Message: c.Conv.Message(s, pr)})
			continue
		}
		dst = append(dst, fieldValue{Field: c.Conv.Field, Value: v})
	}
	for i := range p.Points {
		pt := &p.Points[i]
		lat, lon := pt.Cells(fields)
		v, pr := LatLonPoint(lat, lon)
		if pr != OK {
			probs = append(probs, pt.Problem(lat, lon, pr))
			continue
		}
		dst = append(dst, fieldValue{Field: pt.Field, Value: v})
	}
	return dst, probs
}

// Problem words the problem pr of the point read from lat and lon.
func (pt *PlanPoint) Problem(lat, lon string, pr Problem) CellProblem {
	conv := Converter{Field: pt.Field, Type: socrata.Point}
	shown := lat + ", " + lon
	msg := conv.Message(shown, pr)
	if pr == probPoint {
		msg = fmt.Sprintf("latitude %q and longitude %q are not both numbers", lat, lon)
	}
	return CellProblem{Source: pt.LatSource + " + " + pt.LonSource, Field: pt.Field, Value: shown, Problem: pr, Message: msg}
}

// Cell is the column's text in a record, or "" when the record is too
// short to have it.
func (c *PlanColumn) Cell(fields []string) string { return cell(fields, c.Index) }

// Cells are the point's latitude and longitude texts in a record.
func (pt *PlanPoint) Cells(fields []string) (lat, lon string) {
	return cell(fields, pt.Lat), cell(fields, pt.Lon)
}

func cell(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// appendJSONRow appends the record as one SODA JSON row object, fields in
// file order. When the record has problems nothing is appended and the
// problems are returned.
func (p *Plan) appendJSONRow(b []byte, fields []string) ([]byte, []CellProblem) {
	row, probs := p.row(fields, nil)
	if len(probs) > 0 {
		return b, probs
	}
	b = append(b, '{')
	for i, fv := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = quote.AppendJSON(b, fv.Field)
		b = append(b, ':')
		b = fv.Value.AppendJSON(b)
	}
	return append(b, '}'), nil
}

// columnType reads a job column's type; a job without types is read as
// text, which accepts everything.
func columnType(t string) socrata.DataType {
	if strings.TrimSpace(t) == "" {
		return socrata.Text
	}
	return socrata.ParseDataType(t)
}
