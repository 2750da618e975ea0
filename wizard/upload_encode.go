package wizard

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// rowEncoder turns records into SODA JSON row objects with the plan's
// converters, writing straight into the batch buffer so that no row is
// built twice.
type rowEncoder struct {
	plan *Plan
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

func newRowEncoder(plan *Plan, send, del bool, idCol int) *rowEncoder {
	e := &rowEncoder{plan: plan, send: send, del: del, idCol: idCol, idField: -1}
	for i, f := range planFields(plan) {
		e.keys = append(e.keys, appendKey(nil, f))
		if i > 0 {
			e.header = append(e.header, ',')
		}
		e.header = appendCSVField(e.header, f)
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
func planFields(plan *Plan) []string {
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
func noCSVForm(plan *Plan) *PlanColumn {
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
	b = appendJSONString(b, field)
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
		s := cell(fields, c.Index)
		b = append(b, e.keys[e.idCol]...)
		v, pr := c.Conv.Convert(s)
		switch {
		case pr == OK:
			b = v.AppendJSON(b)
		case e.send:
			b = appendJSONString(b, s)
		default:
			return b[:mark], c.Source + ": " + c.Conv.Message(s, pr)
		}
		return append(b, `,":deleted":true}`...), ""
	}
	first := true
	var v Value
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
			b = appendJSONString(b, text)
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
	var v Value
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
			if b, ok = appendCSVFast(b, c.Conv, cell(fields, c.Index)); ok {
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
			b = appendValueCSV(b, &v)
		} else {
			b = appendCSVField(b, text)
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
func (e *rowEncoder) value(i int, fields []string, v *Value) (text string, ok bool) {
	var pr Problem
	if i < len(e.plan.Columns) {
		c := &e.plan.Columns[i]
		text = cell(fields, c.Index)
		if *v, pr = c.Conv.Convert(text); pr != OK && !e.send {
			e.reasons = append(e.reasons, c.Source+": "+c.Conv.Message(text, pr))
		}
		return text, pr == OK
	}
	p := &e.plan.Points[i-len(e.plan.Columns)]
	lat, lon := cell(fields, p.Lat), cell(fields, p.Lon)
	if *v, pr = LatLonPoint(lat, lon); pr == OK {
		return "", true
	}
	if !e.send {
		cp := pointProblem(p, lat, lon, pr)
		e.reasons = append(e.reasons, cp.Source+": "+cp.Message)
	}
	return strings.TrimSpace(lat) + ", " + strings.TrimSpace(lon), false
}

// appendCSVFast appends s converted by conv as a SODA CSV cell, exactly as
// Convert and appendValueCSV would, for the values most files are made
// of: text, valid numbers, true/false and floating timestamps. It
// reports false, having appended nothing, for everything else (null
// included for timestamps), which then takes the converter's path;
// TestAppendCSVFast holds the two paths to the same output.
func appendCSVFast(b []byte, conv *Converter, s string) ([]byte, bool) {
	k := conv.kind
	if k == 0 {
		k = convKindOf(conv.Type)
	}
	switch k {
	case convText:
		if len(s) <= MaxTextBytes {
			return appendCSVField(b, s), true
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
		if len(conv.Formats) == 0 || conv.Formats[0].iso {
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
		if cv, p := conv.readTime(t); p == timeOK && !cv.hasZone {
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

// appendValueCSV appends a converted value as a SODA CSV cell.
func appendValueCSV(b []byte, v *Value) []byte {
	switch v.Kind {
	case ValueNull:
		return b
	case ValueText, ValueNumber:
		return appendCSVField(b, v.Text)
	case ValueBool:
		return strconv.AppendBool(b, v.Bool)
	case ValueFloating, ValueFixed:
		// The JSON form is the ISO text in quotes, which CSV does not need.
		mark := len(b)
		b = v.AppendJSON(b)
		n := copy(b[mark:], b[mark+1:len(b)-1])
		return b[:mark+n]
	}
	return appendCSVField(b, v.String())
}

// csvByte classes bytes for appendCSVField: those that make a field need
// quotes, and those past ASCII.
var csvByte = func() (t [256]byte) {
	for _, c := range []byte{',', '"', '\n', '\r'} {
		t[c] = csvQuote
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = csvHigh
	}
	return t
}()

const (
	csvQuote = 1 << iota
	csvHigh
)

// Masks for csvScan: a byte of ones, and each byte's top bit.
const (
	ones = 0x0101010101010101
	tops = 0x8080808080808080
)

// csvScan ors together the csvByte classes of s's bytes. Most cells are
// plain ASCII, so it looks at eight bytes at a time: a word holds one of
// the four bytes that need quotes when xor-ing it with that byte leaves a
// zero byte, and a byte past ASCII when any top bit is set.
func csvScan(s string) byte {
	var seen byte
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&tops != 0 {
			seen |= csvHigh
		}
		if hasZeroByte(w^(ones*',')) || hasZeroByte(w^(ones*'"')) || hasZeroByte(w^(ones*'\n')) || hasZeroByte(w^(ones*'\r')) {
			seen |= csvQuote
		}
	}
	for ; i < len(s); i++ {
		seen |= csvByte[s[i]]
	}
	return seen
}

// hasZeroByte reports whether any byte of w is zero (exactly: a borrow
// can misplace which byte, never whether there is one).
func hasZeroByte(w uint64) bool { return (w-ones)&^w&tops != 0 }

// appendCSVField appends s as a CSV field, quoted when it holds a comma,
// a quote or a line break or starts with a space, as encoding/csv reads
// it back. Bytes that are not UTF-8 become U+FFFD.
func appendCSVField(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	quote := s[0] == ' ' || s[0] == '\t' || s == `\.`
	seen := csvScan(s)
	quote = quote || seen&csvQuote != 0
	if seen&csvHigh != 0 && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Unlike strconv.Quote it
// writes only escapes JSON knows, and bytes that are not UTF-8 become
// U+FFFD, so the portal never sees a body it cannot parse.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break some JavaScript
		// readers; escaping them costs nothing.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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

// add keeps a row's fields and returns its index. Every row sent is kept,
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

// aheadReader reads a file's records on a second goroutine, so that
// parsing and converting run side by side. It wraps the read-ahead the
// check uses; the upload would rather have it exported by the CSV reader.
type aheadReader struct{ br *batchReader }

func readRecordsAhead(rr *RecordReader) aheadReader { return aheadReader{readAhead(rr)} }

// Next is RecordReader.Next; the fields are valid until the next call.
func (a aheadReader) Next() (Record, error) { return a.br.Next() }

// BytesRead is how far into the file reading has got.
func (a aheadReader) BytesRead() int64 { return a.br.bytes }

// stop ends the reading goroutine.
func (a aheadReader) stop() { a.br.stop() }

// csvProblem returns err as a *CSVError, or nil. Row loops call it rather
// than declaring the errors.As target themselves: a target whose address
// is taken escapes to the heap, one allocation per row even when there is
// no error.
func csvProblem(err error) *CSVError {
	if err == nil {
		return nil
	}
	var ce *CSVError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}
