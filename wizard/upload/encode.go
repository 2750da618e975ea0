package upload

import (
	"errors"
	"sort"
	"strings"
	"unsafe"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/quote"
)

// rowEncoder turns records into SODA JSON row objects with the plan's
// converters, writing straight into the batch buffer so that no row is
// built twice.
type rowEncoder struct {
	plan *wizard.Plan
	// csv writes rows as SODA CSV (a header of field names, then one line
	// a row) instead of a JSON array: bodies are smaller, and cheaper to
	// write and for the portal to read. newRowEncoder sets it when every
	// mapped field has a CSV form SODA reads exactly (see noCSVForm); the
	// Data Management API's converted form always sets it.
	csv bool
	// header is the CSV header line.
	header []byte
	// keys are the `"field":` prefixes, plan columns first, then points.
	keys [][]byte
	send bool // SendBadRows: failing values go as they are
	// del sends only the row identifier (column index idCol in
	// plan.Columns) with ":deleted": true.
	del   bool
	idCol int
	// idField is the index in the record of the row identifier column, or
	// -1, for matching the portal's errors by id.
	idField int

	reasons []string
}

func newRowEncoder(plan *wizard.Plan, send, del bool, idCol int) *rowEncoder {
	e := &rowEncoder{plan: plan, send: send, del: del, idCol: idCol, idField: -1}
	for i, f := range planFields(plan) {
		e.keys = append(e.keys, appendKey(nil, f))
		if i > 0 {
			e.header = append(e.header, ',')
		}
		e.header = quote.AppendCSV(e.header, f)
	}
	e.header = append(e.header, '\n')
	if idCol >= 0 {
		e.idField = plan.Columns[idCol].Index
	}
	e.csv = !del && noCSVForm(plan) == nil
	return e
}

// planFields lists the fields the plan fills in the order rows are
// written: plan columns, then points.
func planFields(plan *wizard.Plan) []string {
	out := make([]string, 0, len(plan.Columns)+len(plan.Points))
	for _, c := range plan.Columns {
		out = append(out, c.Conv.Field)
	}
	for _, p := range plan.Points {
		out = append(out, p.Field)
	}
	return out
}

// noCSVForm returns the first plan column whose values have no CSV form
// that the portal reads exactly as the JSON one, or nil. Geometries other
// than points (GeoJSON in JSON, WKT in CSV), legacy locations and phones
// have none: SODA sends them as JSON, and the Data Management API, which
// takes only CSV here, cannot send them.
func noCSVForm(plan *wizard.Plan) *wizard.PlanColumn {
	for i := range plan.Columns {
		switch plan.Columns[i].Conv.Type {
		case socrata.Text, socrata.Number, socrata.Money, socrata.Percent, socrata.Checkbox,
			socrata.FloatingTimestamp, socrata.FixedTimestamp, socrata.Point, socrata.URL, "":
		default:
			return &plan.Columns[i]
		}
	}
	return nil
}

// format is the SODA payload format the encoder writes.
func (e *rowEncoder) format() socrata.Format {
	if e.csv {
		return socrata.CSV
	}
	return socrata.JSON
}

// begin starts a body: the CSV header, or "[".
func (e *rowEncoder) begin(b []byte) []byte {
	if e.csv {
		return append(b, e.header...)
	}
	return append(b, '[')
}

// sep is what goes between two rows.
func (e *rowEncoder) sep(b []byte) []byte {
	if e.csv {
		return b
	}
	return append(b, ',')
}

// end finishes a body.
func (e *rowEncoder) end(b []byte) []byte {
	if e.csv {
		return b
	}
	return append(b, ']')
}

func appendKey(b []byte, field string) []byte {
	b = quote.AppendJSON(b, field)
	return append(b, ':')
}

// encode appends the record's row to b: a JSON object, or a CSV line
// when e.csv. When a value cannot be converted and bad rows are skipped,
// b comes back as it was, with the reason (every failing column,
// "column: message; ...").
func (e *rowEncoder) encode(b []byte, fields []string) ([]byte, string) {
	if e.csv {
		return e.encodeCSV(b, fields)
	}
	mark := len(b)
	e.reasons = e.reasons[:0]
	b = append(b, '{')
	if e.del {
		c := &e.plan.Columns[e.idCol]
		s := c.Cell(fields)
		b = append(b, e.keys[e.idCol]...)
		v, pr := c.Conv.Convert(s)
		switch {
		case pr == wizard.OK:
			b = v.AppendJSON(b)
		case e.send:
			b = quote.AppendJSON(b, s)
		default:
			return b[:mark], c.Source + ": " + c.Conv.Message(s, pr)
		}
		return append(b, `,":deleted":true}`...), ""
	}
	first := true
	var v wizard.Value
	for i := range e.keys {
		text, ok := e.value(i, fields, &v)
		if len(e.reasons) > 0 {
			continue // the row is rejected; only the reasons matter now
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, e.keys[i]...)
		if ok {
			b = v.AppendJSON(b)
		} else {
			b = quote.AppendJSON(b, text)
		}
	}
	if len(e.reasons) > 0 {
		return b[:mark], strings.Join(e.reasons, "; ")
	}
	return append(b, '}'), ""
}

// encodeCSV is encode for CSV bodies: one line, fields in header order,
// null as an empty cell.
func (e *rowEncoder) encodeCSV(b []byte, fields []string) ([]byte, string) {
	mark := len(b)
	e.reasons = e.reasons[:0]
	var v wizard.Value
	for i := range e.keys {
		if i < len(e.plan.Columns) && len(e.reasons) == 0 {
			// The common cases go straight into the body, without
			// building a Value; the rest take the converter's path.
			c := &e.plan.Columns[i]
			at := len(b)
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = c.Conv.AppendCSV(b, c.Cell(fields)); ok {
				continue
			}
			b = b[:at]
		}
		text, ok := e.value(i, fields, &v)
		if len(e.reasons) > 0 {
			continue
		}
		if i > 0 {
			b = append(b, ',')
		}
		if ok {
			b = v.AppendCSV(b)
		} else {
			b = quote.AppendCSV(b, text)
		}
	}
	if len(e.reasons) > 0 {
		return b[:mark], strings.Join(e.reasons, "; ")
	}
	if len(b) == mark {
		// A lone empty field: quoted, or the line would be skipped as
		// blank and the rows after it would be miscounted.
		b = append(b, '"', '"')
	}
	return append(b, '\n'), ""
}

// value converts the row's value for key i into v: plan column i, or past
// them a point from its two columns. A value that does not convert is
// added to e.reasons, unless bad rows are sent: then ok is false and text
// is what to send as it is, so that the portal says what it makes of it.
// v is the caller's, so that this large struct is not copied once more
// per cell.
func (e *rowEncoder) value(i int, fields []string, v *wizard.Value) (text string, ok bool) {
	var pr wizard.Problem
	if i < len(e.plan.Columns) {
		c := &e.plan.Columns[i]
		text = c.Cell(fields)
		if *v, pr = c.Conv.Convert(text); pr != wizard.OK && !e.send {
			e.reasons = append(e.reasons, c.Source+": "+c.Conv.Message(text, pr))
		}
		return text, pr == wizard.OK
	}
	p := &e.plan.Points[i-len(e.plan.Columns)]
	lat, lon := p.Cells(fields)
	if *v, pr = wizard.LatLonPoint(lat, lon); pr == wizard.OK {
		return "", true
	}
	if !e.send {
		cp := p.Problem(lat, lon, pr)
		e.reasons = append(e.reasons, cp.Source+": "+cp.Message)
	}
	return strings.TrimSpace(lat) + ", " + strings.TrimSpace(lon), false
}

// fieldArena keeps records' fields in one buffer, so that a batch can
// write the rows the portal rejected to the rejected-rows file without
// holding a string per field.
type fieldArena struct {
	data []byte
	ends []int
	rows []int // index in ends of each row's first field
}

func (a *fieldArena) reset() {
	a.data, a.ends, a.rows = a.data[:0], a.ends[:0], a.rows[:0]
}

// Add keeps a row's fields and returns its index. Every row sent is kept,
// so add is on the upload's hot path: the read-ahead hands out fields that
// lie end to end in one buffer, and then their bytes are copied in one
// move rather than one per field.
func (a *fieldArena) add(fields []string) int {
	a.rows = append(a.rows, len(a.ends))
	base, n := len(a.data), 0
	var first *byte
	var next uintptr // where the next field starts if they lie end to end
	adjacent := true
	for _, f := range fields {
		if len(f) > 0 {
			p := unsafe.StringData(f)
			if first == nil {
				first = p
			} else if uintptr(unsafe.Pointer(p)) != next {
				adjacent = false
			}
			next = uintptr(unsafe.Pointer(p)) + uintptr(len(f))
		}
		n += len(f)
		a.ends = append(a.ends, base+n)
	}
	if adjacent && first != nil {
		a.data = append(a.data, unsafe.String(first, n)...)
		return len(a.rows) - 1
	}
	for _, f := range fields {
		a.data = append(a.data, f...)
	}
	return len(a.rows) - 1
}

// row returns row i's fields as new strings.
func (a *fieldArena) row(i int) []string {
	from, to := a.rows[i], len(a.ends)
	if i+1 < len(a.rows) {
		to = a.rows[i+1]
	}
	out := make([]string, 0, to-from)
	start := 0
	if from > 0 {
		start = a.ends[from-1]
	}
	for _, end := range a.ends[from:to] {
		out = append(out, string(a.data[start:end]))
		start = end
	}
	return out
}

// field returns field j of row i without copying, or "".
func (a *fieldArena) field(i, j int) string {
	from, to := a.rows[i], len(a.ends)
	if i+1 < len(a.rows) {
		to = a.rows[i+1]
	}
	if j < 0 || from+j >= to {
		return ""
	}
	start := 0
	if from+j > 0 {
		start = a.ends[from+j-1]
	}
	return string(a.data[start:a.ends[from+j]])
}

// lineTable maps the position of a row in what was sent to the source
// line it came from. Lines only grow, and mostly by one, so it stores
// only the places where they jump (a rejected row left out, a value
// spanning lines, a blank line): a whole file's table stays small.
type lineTable struct {
	marks []lineMark
	n     int
	last  int
}

type lineMark struct{ index, line int }

func (t *lineTable) push(line int) {
	if t.n == 0 || line != t.last+1 {
		t.marks = append(t.marks, lineMark{t.n, line})
	}
	t.last = line
	t.n++
}

// line returns the source line of row i, or 0 when i is out of range.
func (t *lineTable) line(i int) int {
	if i < 0 || i >= t.n {
		return 0
	}
	k := sort.Search(len(t.marks), func(k int) bool { return t.marks[k].index > i }) - 1
	m := t.marks[k]
	return m.line + (i - m.index)
}

// csvProblem returns err as a *CSVError, or nil. Row loops call it rather
// than declaring the errors.As target themselves: a target whose address
// is taken escapes to the heap, one allocation per row even when there is
// no error.
func csvProblem(err error) *wizard.CSVError {
	if err == nil {
		return nil
	}
	var ce *wizard.CSVError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}
