package wizard

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// MatchKind says how a file column came to fill a field.
type MatchKind int

// The ways a column is matched, best first.
const (
	// MatchNone: no field matched; the column is not sent.
	MatchNone MatchKind = iota
	// MatchExact: the header is the field name.
	MatchExact
	// MatchFieldName: the header is the field name once case, spaces and
	// punctuation are set aside ("Permit ID" and permit_id).
	MatchFieldName
	// MatchDisplayName: the header is the field's display name, likewise.
	MatchDisplayName
	// MatchClose: the header is within a few edits of the field or display
	// name; Distance says how many.
	MatchClose
	// MatchManual: the person chose the field.
	MatchManual
	// MatchJob: the field came from a saved job.
	MatchJob
	// MatchIgnored: the person chose not to send the column.
	MatchIgnored
)

// String describes the match for the mapping screen.
func (k MatchKind) String() string {
	switch k {
	case MatchNone:
		return "no match"
	case MatchExact:
		return "field name"
	case MatchFieldName:
		return "field name, ignoring case and punctuation"
	case MatchDisplayName:
		return "display name"
	case MatchClose:
		return "close spelling"
	case MatchManual:
		return "chosen"
	case MatchJob:
		return "saved job"
	case MatchIgnored:
		return "ignored"
	}
	return fmt.Sprintf("MatchKind(%d)", int(k))
}

// ColumnMatch is one file column and what it fills.
type ColumnMatch struct {
	// Index is the column's 0-based position and Source its header.
	Index  int
	Source string
	// Field is the dataset field, or "" when the column is not sent.
	Field    string
	Kind     MatchKind
	Distance int
	// The column's options, as in [ColumnMap].
	Clean    bool
	YesNo    bool
	Formats  []string
	Timezone string

	// auto is what AutoMap chose, for Restore.
	autoField string
	autoKind  MatchKind
	autoDist  int
	// before is the target before Ignore, for Restore.
	beforeField string
	beforeKind  MatchKind
	beforeDist  int
}

// Describe says how the column is matched, such as "display name" or
// "close spelling (2 edits)".
func (c ColumnMatch) Describe() string {
	if c.Kind == MatchClose {
		return fmt.Sprintf("close spelling (%d %s)", c.Distance, wording.Plural(c.Distance, "edit", "edits"))
	}
	return c.Kind.String()
}

// Mapping is an editable mapping of a file's columns onto a dataset's
// fields, with undo. Each field is filled by at most one column.
type Mapping struct {
	// Columns has one entry per file column, in file order.
	Columns []ColumnMatch
	// Points build point fields from latitude and longitude columns.
	Points []PointSource

	ds      *socrata.Dataset
	history []mappingState
}

type mappingState struct {
	cols   []ColumnMatch
	points []PointSource
}

// normalize reduces a name to lower-case letters and digits, so that
// "Permit ID", "permit_id" and "PERMIT-ID" compare equal.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// closeLimit is the most edits a close match may need: none for names
// under 4 letters, where one edit makes another word, then growing with
// length.
func closeLimit(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	case n < 13:
		return 2
	}
	return 3
}

// editDistance is the Levenshtein distance between two strings, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// AutoMap matches each header to a dataset field: first exact field names,
// then field names and display names with case, spaces and punctuation set
// aside, then close spellings, nearest first. Each field is used once.
// Columns that match nothing are not sent, and say so. When the dataset has
// one point field that nothing fills and the file has latitude and
// longitude columns, they build it.
func AutoMap(header []string, ds *socrata.Dataset) *Mapping {
	m := &Mapping{ds: ds, Columns: make([]ColumnMatch, len(header))}
	for i, h := range header {
		m.Columns[i] = ColumnMatch{Index: i, Source: h}
	}
	used := map[string]bool{}
	assign := func(i int, field string, kind MatchKind, dist int) {
		c := &m.Columns[i]
		c.Field, c.Kind, c.Distance = field, kind, dist
		used[field] = true
	}
	pass := func(kind MatchKind, key func(socrata.Column) string, head func(string) string) {
		for i := range m.Columns {
			if m.Columns[i].Field != "" {
				continue
			}
			h := head(m.Columns[i].Source)
			if h == "" {
				continue
			}
			for _, col := range ds.Columns {
				if !used[col.FieldName] && key(col) == h {
					assign(i, col.FieldName, kind, 0)
					break
				}
			}
		}
	}
	pass(MatchExact, func(c socrata.Column) string { return c.FieldName }, func(s string) string { return s })
	pass(MatchFieldName, func(c socrata.Column) string { return normalize(c.FieldName) }, normalize)
	pass(MatchDisplayName, func(c socrata.Column) string { return normalize(c.Name) }, normalize)

	type cand struct{ col, field, dist int }
	var cands []cand
	for i := range m.Columns {
		if m.Columns[i].Field != "" {
			continue
		}
		h := normalize(m.Columns[i].Source)
		for j, col := range ds.Columns {
			if used[col.FieldName] {
				continue
			}
			best := -1
			for _, name := range []string{normalize(col.FieldName), normalize(col.Name)} {
				if name == "" {
					continue
				}
				d := editDistance(h, name)
				if d <= closeLimit(min(len([]rune(h)), len([]rune(name)))) && (best < 0 || d < best) {
					best = d
				}
			}
			if best > 0 {
				cands = append(cands, cand{i, j, best})
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].dist < cands[b].dist })
	for _, c := range cands {
		f := ds.Columns[c.field].FieldName
		if m.Columns[c.col].Field == "" && !used[f] {
			assign(c.col, f, MatchClose, c.dist)
		}
	}
	for i := range m.Columns {
		c := &m.Columns[i]
		c.autoField, c.autoKind, c.autoDist = c.Field, c.Kind, c.Distance
	}
	m.autoPoints(used)
	return m
}

var latNames = []string{"latitude", "lat"}
var lonNames = []string{"longitude", "lon", "lng", "long"}

func (m *Mapping) autoPoints(used map[string]bool) {
	var open []string
	for _, col := range m.ds.Columns {
		if col.Type == socrata.Point && !used[col.FieldName] {
			open = append(open, col.FieldName)
		}
	}
	if len(open) != 1 {
		return
	}
	find := func(names []string) string {
		for _, n := range names {
			for _, c := range m.Columns {
				if normalize(c.Source) == n {
					return c.Source
				}
			}
		}
		return ""
	}
	lat, lon := find(latNames), find(lonNames)
	if lat != "" && lon != "" {
		m.Points = append(m.Points, PointSource{Field: open[0], Latitude: lat, Longitude: lon})
	}
}

// mappingFromJob rebuilds the mapping a job saved, against the file's
// current header. Columns the job does not mention match nothing.
func mappingFromJob(job *Job, header []string, ds *socrata.Dataset) *Mapping {
	m := &Mapping{ds: ds, Columns: make([]ColumnMatch, len(header))}
	byName := map[string]ColumnMap{}
	for _, cm := range job.Columns {
		byName[cm.Source] = cm
	}
	for i, h := range header {
		c := ColumnMatch{Index: i, Source: h}
		if cm, ok := byName[h]; ok {
			c.Clean, c.YesNo, c.Formats, c.Timezone = cm.Clean, cm.YesNo, slices.Clone(cm.Formats), cm.Timezone
			if cm.Field != "" {
				c.Field, c.Kind = cm.Field, MatchJob
			} else {
				c.Kind = MatchIgnored
			}
		}
		c.autoField, c.autoKind = c.Field, c.Kind
		m.Columns[i] = c
	}
	m.Points = append([]PointSource(nil), job.Points...)
	return m
}

func (m *Mapping) save() {
	st := mappingState{cols: append([]ColumnMatch(nil), m.Columns...), points: append([]PointSource(nil), m.Points...)}
	m.history = append(m.history, st)
}

// Undo reverts the last edit and reports whether there was one.
func (m *Mapping) Undo() bool {
	if len(m.history) == 0 {
		return false
	}
	st := m.history[len(m.history)-1]
	m.history = m.history[:len(m.history)-1]
	m.Columns, m.Points = st.cols, st.points
	return true
}

// canUndo reports whether there is an edit to undo.
func (m *Mapping) canUndo() bool { return len(m.history) > 0 }

// columnFor returns the file column that fills field.
func (m *Mapping) columnFor(field string) (int, bool) {
	for i, c := range m.Columns {
		if c.Field == field {
			return i, true
		}
	}
	return 0, false
}

func (m *Mapping) col(i int) (*ColumnMatch, error) {
	if i < 0 || i >= len(m.Columns) {
		return nil, fmt.Errorf("there is no file column %d", i+1)
	}
	return &m.Columns[i], nil
}

// SetTarget makes file column i fill field. A field already filled by
// another column is refused: ignore that column first.
func (m *Mapping) SetTarget(i int, field string) error {
	c, err := m.col(i)
	if err != nil {
		return err
	}
	if field == "" {
		return m.Ignore(i)
	}
	if m.ds != nil {
		if _, ok := m.ds.Column(field); !ok {
			return fmt.Errorf("the dataset has no field %s", field)
		}
	}
	if j, ok := m.columnFor(field); ok && j != i {
		return fmt.Errorf("field %s is already filled by column %q: ignore that column or give it another field first", field, m.Columns[j].Source)
	}
	if c.Field == field && c.Kind != MatchIgnored {
		return nil
	}
	m.save()
	if c.Field != field {
		c.Formats = nil // formats belong to the old field's data
	}
	c.Field, c.Kind, c.Distance = field, MatchManual, 0
	return nil
}

// Ignore stops sending file column i.
func (m *Mapping) Ignore(i int) error {
	c, err := m.col(i)
	if err != nil {
		return err
	}
	if c.Kind == MatchIgnored {
		return nil
	}
	m.save()
	c.beforeField, c.beforeKind, c.beforeDist = c.Field, c.Kind, c.Distance
	c.Field, c.Kind, c.Distance = "", MatchIgnored, 0
	return nil
}

// Restore undoes Ignore on file column i: it fills the field it filled
// before, or failing that the one AutoMap chose. It is refused when that
// field has since been given to another column.
func (m *Mapping) Restore(i int) error {
	c, err := m.col(i)
	if err != nil {
		return err
	}
	if c.Kind != MatchIgnored {
		return nil
	}
	field, kind, dist := c.beforeField, c.beforeKind, c.beforeDist
	if field == "" && kind == MatchNone {
		field, kind, dist = c.autoField, c.autoKind, c.autoDist
	}
	if kind == MatchIgnored {
		kind = MatchNone
	}
	if field != "" {
		if j, ok := m.columnFor(field); ok && j != i {
			return fmt.Errorf("field %s is now filled by column %q: choose another field for %q", field, m.Columns[j].Source, c.Source)
		}
	}
	m.save()
	c.Field, c.Kind, c.Distance = field, kind, dist
	return nil
}

// SetClean turns cleaning of numbers on or off for column i.
func (m *Mapping) SetClean(i int, on bool) error {
	return m.edit(i, func(c *ColumnMatch) { c.Clean = on })
}

// SetYesNo turns reading Y/N, Yes/No and 1/0 as checkboxes on or off for
// column i.
func (m *Mapping) SetYesNo(i int, on bool) error {
	return m.edit(i, func(c *ColumnMatch) { c.YesNo = on })
}

// SetFormats sets column i's timestamp patterns, in DataSync notation and
// in the order they are tried: a value is read with the first that reads
// it, so a column whose rows come from two systems can accept both their
// date styles. No pattern means ISO8601. A pattern that cannot be read, a
// blank one and one listed twice are refused, and the mapping is left as
// it was.
func (m *Mapping) SetFormats(i int, patterns []string) error {
	if len(patterns) > 0 {
		if _, err := timestamp.ParseFormats(patterns); err != nil {
			return err
		}
	}
	// A copy, so that neither the caller nor the undo history sees later
	// changes to the other's slice.
	fs := slices.Clone(patterns)
	if len(fs) == 0 {
		fs = nil
	}
	return m.edit(i, func(c *ColumnMatch) { c.Formats = fs })
}

// SetTimezone sets the zone column i's fixed timestamps are read in; ""
// means the job's.
func (m *Mapping) SetTimezone(i int, tz string) error {
	if tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return fmt.Errorf("%q is not a time zone this program knows: use a name such as America/New_York or UTC", tz)
		}
	}
	return m.edit(i, func(c *ColumnMatch) { c.Timezone = tz })
}

func (m *Mapping) edit(i int, f func(*ColumnMatch)) error {
	if _, err := m.col(i); err != nil {
		return err
	}
	m.save()
	f(&m.Columns[i])
	return nil
}

// setPoint builds point field from the latitude and longitude columns,
// replacing any earlier source for it. A field that a column already fills
// is refused.
func (m *Mapping) setPoint(field, latitude, longitude string) error {
	if m.ds != nil {
		col, ok := m.ds.Column(field)
		if !ok {
			return fmt.Errorf("the dataset has no field %s", field)
		}
		if col.Type != socrata.Point {
			return fmt.Errorf("field %s is a %s field, not a point", field, col.Type.Label())
		}
	}
	if j, ok := m.columnFor(field); ok {
		return fmt.Errorf("field %s is already filled by column %q: ignore that column first", field, m.Columns[j].Source)
	}
	for _, name := range []string{latitude, longitude} {
		if !slices.ContainsFunc(m.Columns, func(c ColumnMatch) bool { return c.Source == name }) {
			return fmt.Errorf("the file has no column %q", name)
		}
	}
	m.save() // the history keeps a copy, so Points may change in place
	m.Points = slices.DeleteFunc(m.Points, func(p PointSource) bool { return p.Field == field })
	m.Points = append(m.Points, PointSource{Field: field, Latitude: latitude, Longitude: longitude})
	return nil
}

// filled reports the fields a column or a point source fills.
func (m *Mapping) filled() map[string]bool {
	f := map[string]bool{}
	for _, c := range m.Columns {
		if c.Field != "" {
			f[c.Field] = true
		}
	}
	for _, p := range m.Points {
		f[p.Field] = true
	}
	return f
}

// ColumnMaps turns the mapping into the job's column list, with each
// field's type as the dataset has it now.
func (m *Mapping) ColumnMaps() []ColumnMap {
	out := make([]ColumnMap, len(m.Columns))
	for i, c := range m.Columns {
		cm := ColumnMap{Source: c.Source, Field: c.Field, Clean: c.Clean, YesNo: c.YesNo, Formats: slices.Clone(c.Formats), Timezone: c.Timezone}
		if c.Field != "" && m.ds != nil {
			if col, ok := m.ds.Column(c.Field); ok {
				cm.Type = string(col.Type)
			}
		}
		out[i] = cm
	}
	return out
}

// Severity ranks a mapping issue.
type Severity int

// Severities, worst first.
const (
	// SeverityError blocks the upload.
	SeverityError Severity = iota
	// SeverityWarning is allowed, but the person should confirm it.
	SeverityWarning
	// SeverityInfo is worth knowing.
	SeverityInfo
)

// String names the severity.
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo: // below
	}
	return "note"
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MappingIssue is one thing Check found.
type MappingIssue struct {
	Severity Severity `json:"severity"`
	// Field and Source name the dataset field and file column concerned,
	// when there is one.
	Field   string `json:"field,omitempty"`
	Source  string `json:"source,omitempty"`
	Message string `json:"message"`
}

// Check looks at the mapping as a whole for the given method: the row
// identifier must be mapped for upsert, append and delete (and for replace,
// as DataSync requires); replace empties the fields the file does not fill;
// fields that cannot be written are refused; columns that are not sent are
// listed. Errors come first.
func (m *Mapping) Check(ds *socrata.Dataset, method Method) []MappingIssue {
	if ds == nil {
		ds = m.ds
	}
	var out []MappingIssue
	add := func(sev Severity, field, source, format string, args ...any) {
		out = append(out, MappingIssue{Severity: sev, Field: field, Source: source, Message: fmt.Sprintf(format, args...)})
	}
	filled := m.filled()
	mapped := 0
	for _, c := range m.Columns {
		switch {
		case c.Field != "":
			mapped++
			col, ok := ds.Column(c.Field)
			if !ok {
				add(SeverityError, c.Field, c.Source, "column %q fills field %s, which the dataset does not have: choose another field or ignore the column", c.Source, c.Field)
				continue
			}
			if col.Type == socrata.Unsupported {
				add(SeverityError, c.Field, c.Source, "field %s has a type (%s) that cannot be written by upload: ignore column %q", c.Field, col.RawType, c.Source)
			}
			if c.Kind == MatchClose {
				add(SeverityInfo, c.Field, c.Source, "column %q was matched to field %s (%q) by a close spelling: check that it is right", c.Source, c.Field, col.Name)
			}
			if method == Delete && c.Field != ds.RowIdentifier {
				add(SeverityInfo, c.Field, c.Source, "column %q is not sent: a delete uses only the row identifier", c.Source)
			}
		case c.Kind == MatchIgnored:
			add(SeverityInfo, "", c.Source, "column %q is ignored", c.Source)
		default:
			add(SeverityInfo, "", c.Source, "column %q matches no field, so it is not sent: choose a field for it or leave it ignored", c.Source)
		}
	}
	for _, p := range m.Points {
		mapped++
		if col, ok := ds.Column(p.Field); !ok || col.Type != socrata.Point {
			add(SeverityError, p.Field, "", "point %s is built from %q and %q, but the dataset has no point field %s", p.Field, p.Latitude, p.Longitude, p.Field)
		}
	}
	if mapped == 0 {
		add(SeverityError, "", "", "no column is mapped to a field: choose a field for at least one column")
	}

	rid := ds.RowIdentifier
	switch {
	case rid != "" && !filled[rid]:
		switch method {
		case Delete:
			add(SeverityError, rid, "", "delete needs the row identifier, %s, but no column fills it: map the column that holds it", rid)
		case Replace:
			add(SeverityError, rid, "", "the row identifier, %s, is not mapped: a replace needs it in every row", rid)
		default:
			add(SeverityError, rid, "", "the row identifier, %s, is not mapped: without it an %s cannot tell which rows to update; map the column that holds it", rid, method)
		}
	case rid == "" && method == Delete:
		add(SeverityError, "", "", "the dataset has no row identifier, so rows cannot be deleted from a file: set a row identifier on the portal first")
	case rid == "" && (method == Upsert || method == Append):
		add(SeverityInfo, "", "", "the dataset has no row identifier, so every row in the file will be added as a new row")
	}

	if method != Delete {
		for _, col := range ds.Columns {
			if filled[col.FieldName] || col.FieldName == rid {
				continue
			}
			if method == Replace {
				add(SeverityWarning, col.FieldName, "", "field %s (%q) will be emptied: a replace makes the file the whole dataset, and no column fills it", col.FieldName, col.Name)
			} else {
				add(SeverityInfo, col.FieldName, "", "field %s (%q) is not in the file: existing rows keep their values and new rows leave it empty", col.FieldName, col.Name)
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Severity < out[b].Severity })
	return out
}

// Samples reads up to rows data records and returns, for each column, up
// to per distinct non-empty values in the order they first appear.
// Records with the wrong number of fields still give samples for the
// columns they have.
func Samples(f *CSVFile, rows, per int) ([][]string, error) {
	rr, err := f.Records()
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	out := make([][]string, len(f.Header))
	seen := make([]map[string]bool, len(f.Header))
	for i := range seen {
		seen[i] = map[string]bool{}
	}
	for n := 0; n < rows; n++ {
		rec, err := rr.Next()
		if err == io.EOF {
			break
		}
		var ce *CSVError
		if err != nil && !(errors.As(err, &ce) && !ce.Fatal()) {
			return out, err
		}
		for i, v := range rec.Fields {
			if i >= len(out) || len(out[i]) >= per {
				continue
			}
			if t := strings.TrimSpace(v); t != "" && !seen[i][v] {
				seen[i][v] = true
				out[i] = append(out[i], strings.Clone(v))
			}
		}
	}
	return out, nil
}

// DetectFormats sets one pattern on every timestamp column that has none,
// chosen from its sample values, and returns what was found per column index, for
// the mapping screen to show (the note on an ambiguous day and month, say).
func (m *Mapping) DetectFormats(samples [][]string) map[int]timestamp.Guess {
	out := map[int]timestamp.Guess{}
	if m.ds == nil {
		return out
	}
	for i := range m.Columns {
		c := &m.Columns[i]
		if c.Field == "" || i >= len(samples) {
			continue
		}
		col, ok := m.ds.Column(c.Field)
		if !ok || (col.Type != socrata.FloatingTimestamp && col.Type != socrata.FixedTimestamp) {
			continue
		}
		g := timestamp.Detect(samples[i])
		out[i] = g
		if len(c.Formats) == 0 && g.Pattern != "" {
			c.Formats = []string{g.Pattern}
		}
	}
	return out
}
