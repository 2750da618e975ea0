package socratatest

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DatasetSpec describes an asset to add with [Portal.AddDataset].
type DatasetSpec struct {
	// ID is the asset's 4x4; one is generated when empty.
	ID string
	// Name, Description, Category, Attribution and Tags are the metadata
	// the catalog searches and /api/views reports.
	Name        string
	Description string
	Category    string
	Attribution string
	Tags        []string
	// Owner is the owning user's id; it must have been added already.
	Owner string
	// SharedTo lists ids of users the asset is shared to with edit
	// rights.
	SharedTo []string
	// Columns are the writable (and computed) columns in display order.
	// System columns (:id, :created_at, :updated_at) are added by the
	// portal.
	Columns []ColumnSpec
	// RowIdentifier is the field name of the row identifier column, or ""
	// for none (upserts then append).
	RowIdentifier string
	// Rows are the initial rows, field name to value in the text form a
	// CSV cell would hold. They are validated like a write.
	Rows []map[string]string
	// Private hides the asset from everyone but its owner, the users it
	// is shared to, and administrators.
	Private bool
	// SyncedCopy makes this a synced new-backend copy: it reports
	// newBackend true and refuses writes with 403 "Cannot update a synced
	// dataset manually".
	SyncedCopy bool
	// ViewType is "tabular" (the default) for a dataset; "story", "geo"
	// (a map), "href", "blobby" (a file) or "measure" make a non-tabular
	// asset that has no rows.
	ViewType string
	// DiscardRows makes writes validate and count rows without storing
	// them, so memory stays flat when a benchmark uploads 100 MB. Every
	// value is still parsed and checked, so the portal's own work shows
	// in such a benchmark; Sink leaves it out.
	DiscardRows bool
	// Sink makes the dataset a sink for benchmarks: counts rows, checks
	// nothing. A SODA write's body is read once and its records counted
	// by a byte scan (CSV records, or the objects of a JSON array), every
	// one reported as created, and nothing is converted or stored. A Data
	// Management API upload is counted as its chunks arrive and never
	// spooled; its schemas are ready when the upload is committed, with
	// no errors, and an apply succeeds before its reply is sent. So the
	// portal costs a benchmark of the client next to nothing, and memory
	// stays flat. Only the header (the first 64 KB of an upload) is kept.
	// Sink takes precedence over DiscardRows.
	Sink bool
	// CreatedAt and UpdatedAt default to the time the dataset is added.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ColumnSpec describes one column of a [DatasetSpec].
type ColumnSpec struct {
	// FieldName is the API field name; Name is the display name (the
	// field name when empty); Description is shown with the column.
	FieldName   string
	Name        string
	Description string
	// Type is the dataTypeName, legacy or SoQL spelling: text, number,
	// money, percent, checkbox, calendar_date or floating_timestamp, date
	// or fixed_timestamp, point, url, phone, location, multipoint, line,
	// multiline, polygon, multipolygon, photo, document.
	Type string
	// Format is the column's display format, such as {"noCommas":
	// "true"}, reported as it is and never applied.
	Format map[string]string
	// ComputedFrom makes this a computed region column fed by the named
	// point column: it reports a computationStrategy, takes no writes,
	// and its value is worked out from the point. Its field name should
	// start with ":@computed_region_".
	ComputedFrom string
}

type column struct {
	id           int
	spec         ColumnSpec
	kind         kind
	position     int
	computedFrom int // index of the source column, or -1
}

type row struct {
	sid     string
	vals    []string
	created time.Time
	updated time.Time
	deleted bool
}

// dataset is an asset's state. Fields set by newDataset are never changed
// afterwards except where noted, so validation can read them without the
// portal lock; rows and the mutable metadata are guarded by Portal.mu.
type dataset struct {
	spec    DatasetSpec
	owner   *user
	shared  map[string]bool
	cols    []*column
	byField map[string]int
	keyCol  int // index of the row identifier column, or -1

	// Guarded by Portal.mu.
	name, description, category string
	updatedAt, rowsUpdatedAt    time.Time
	rowsUpdatedBy               string
	rows                        []*row
	byKey                       map[string]*row
	bySID                       map[string]*row
	dirty                       bool // rows holds deleted entries
	version                     int
}

var fourByFourRE = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}$`)

// AddDataset adds an asset. It fails when the spec is inconsistent: a bad
// or taken id, an unknown owner, type or row identifier, or an initial
// row that does not fit the columns.
func (p *Portal) AddDataset(spec DatasetSpec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.addDatasetLocked(spec)
	return err
}

func (p *Portal) addDatasetLocked(spec DatasetSpec) (*dataset, error) {
	if spec.ID == "" {
		for {
			spec.ID = randomFourByFour()
			if !p.idTakenLocked(spec.ID) {
				break
			}
		}
	}
	if !fourByFourRE.MatchString(spec.ID) {
		return nil, fmt.Errorf("dataset id %q is not a 4x4 such as abcd-1234", spec.ID)
	}
	if p.idTakenLocked(spec.ID) {
		return nil, fmt.Errorf("dataset id %s is already taken", spec.ID)
	}
	d, err := p.newDataset(spec)
	if err != nil {
		return nil, err
	}
	p.datasets[spec.ID] = d
	p.order = append(p.order, spec.ID)
	return d, nil
}

func (p *Portal) idTakenLocked(id string) bool {
	if _, ok := p.datasets[id]; ok {
		return true
	}
	return p.gen != nil && p.gen.has(id)
}

// newDataset builds a dataset from its spec. The caller holds p.mu.
func (p *Portal) newDataset(spec DatasetSpec) (*dataset, error) {
	owner, ok := p.users[spec.Owner]
	if !ok {
		return nil, fmt.Errorf("dataset %s: owner %q is not a user of this portal; add the user first", spec.ID, spec.Owner)
	}
	if spec.ViewType == "" {
		spec.ViewType = "tabular"
	}
	now := time.Now().UTC().Truncate(time.Second)
	if spec.CreatedAt.IsZero() {
		spec.CreatedAt = now
	}
	if spec.UpdatedAt.IsZero() {
		spec.UpdatedAt = spec.CreatedAt
	}
	d := &dataset{
		spec:          spec,
		owner:         owner,
		shared:        map[string]bool{},
		byField:       map[string]int{},
		keyCol:        -1,
		name:          spec.Name,
		description:   spec.Description,
		category:      spec.Category,
		updatedAt:     spec.UpdatedAt,
		rowsUpdatedAt: spec.UpdatedAt,
		rowsUpdatedBy: owner.id(),
		byKey:         map[string]*row{},
		bySID:         map[string]*row{},
	}
	for _, id := range spec.SharedTo {
		if _, ok := p.users[id]; !ok {
			return nil, fmt.Errorf("dataset %s: shared-to user %q is not a user of this portal", spec.ID, id)
		}
		d.shared[id] = true
	}
	for i, cs := range spec.Columns {
		if cs.FieldName == "" || strings.HasPrefix(cs.FieldName, ":") && cs.ComputedFrom == "" {
			return nil, fmt.Errorf("dataset %s: column %d needs a field name that does not start with \":\"", spec.ID, i+1)
		}
		if _, dup := d.byField[cs.FieldName]; dup {
			return nil, fmt.Errorf("dataset %s: field name %q is used twice", spec.ID, cs.FieldName)
		}
		k, known := kindOf(cs.Type)
		if !known {
			return nil, fmt.Errorf("dataset %s: column %q has unknown type %q", spec.ID, cs.FieldName, cs.Type)
		}
		if cs.Name == "" {
			cs.Name = cs.FieldName
		}
		c := &column{id: p.nextCol, spec: cs, kind: k, position: i + 1, computedFrom: -1}
		p.nextCol++
		if cs.ComputedFrom != "" {
			src, ok := d.byField[cs.ComputedFrom]
			if !ok || d.cols[src].kind != kPoint {
				return nil, fmt.Errorf("dataset %s: computed column %q must name an earlier point column", spec.ID, cs.FieldName)
			}
			c.computedFrom = src
		}
		d.byField[cs.FieldName] = len(d.cols)
		d.cols = append(d.cols, c)
	}
	if spec.RowIdentifier != "" {
		i, ok := d.byField[spec.RowIdentifier]
		if !ok || d.cols[i].computedFrom >= 0 {
			return nil, fmt.Errorf("dataset %s: row identifier %q is not one of its columns", spec.ID, spec.RowIdentifier)
		}
		d.keyCol = i
	}
	if len(spec.Rows) > 0 {
		if !d.tabular() {
			return nil, fmt.Errorf("dataset %s: a %s asset has no rows", spec.ID, spec.ViewType)
		}
		ops := make([]rowOp, 0, len(spec.Rows))
		for i, r := range spec.Rows {
			vals := make(map[string]any, len(r))
			for k, v := range r {
				vals[k] = v
			}
			op, err := d.parseRow(vals, i)
			if err != nil {
				return nil, fmt.Errorf("dataset %s: initial row %d: %w", spec.ID, i+1, err)
			}
			if op.err != "" {
				return nil, fmt.Errorf("dataset %s: initial row %d: %s", spec.ID, i+1, op.err)
			}
			ops = append(ops, op)
		}
		res := p.applyOps(d, ops, spec.CreatedAt, false)
		if len(res.errs) > 0 {
			return nil, fmt.Errorf("dataset %s: initial row %d: %s", spec.ID, res.errs[0].index+1, res.errs[0].msg)
		}
		d.rowsUpdatedAt, d.updatedAt = spec.UpdatedAt, spec.UpdatedAt
	}
	return d, nil
}

func (d *dataset) tabular() bool { return d.spec.ViewType == "tabular" }

// assetType is the catalog's type for the asset.
func assetType(viewType string) string {
	switch viewType {
	case "tabular", "":
		return "dataset"
	case "geo":
		return "map"
	case "blobby":
		return "file"
	}
	return viewType
}

// Rows returns the current rows of a dataset, in row order, as field name
// to canonical text: numbers as written, checkboxes "true"/"false",
// floating timestamps 2024-03-01T00:00:00.000, fixed timestamps in UTC
// with a Z, points as POINT (lon lat), urls as "Label (url)" or the bare
// url. Null values are left out; computed columns are included. It
// returns nil for unknown ids, and no rows but the initial ones for
// datasets that discard rows or are sinks.
func (p *Portal) Rows(id string) []map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.lookupLocked(id)
	if d == nil {
		return nil
	}
	out := make([]map[string]string, 0, len(d.rows))
	for _, r := range d.rows {
		if r.deleted {
			continue
		}
		m := map[string]string{}
		for i, c := range d.cols {
			if v := r.vals[i]; v != "" {
				m[c.spec.FieldName] = v
			}
		}
		out = append(out, m)
	}
	return out
}

// lookupLocked finds a dataset by id, materialising a generated one on
// first use. The caller holds p.mu for writing.
func (p *Portal) lookupLocked(id string) *dataset {
	if d, ok := p.datasets[id]; ok {
		return d
	}
	if p.gen == nil {
		return nil
	}
	spec, ok := p.gen.spec(id)
	if !ok {
		return nil
	}
	d, err := p.newDataset(spec)
	if err != nil {
		panic("socratatest: generated dataset is invalid: " + err.Error())
	}
	p.datasets[id] = d
	return d
}

// lookup is lookupLocked for callers that hold no lock.
func (p *Portal) lookup(id string) *dataset {
	p.mu.RLock()
	d, ok := p.datasets[id]
	p.mu.RUnlock()
	if ok {
		return d
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lookupLocked(id)
}

// canSee reports whether u (nil for anonymous) may read d.
func canSee(u *user, d *dataset) bool {
	if !d.spec.Private {
		return true
	}
	return canWrite(u, d)
}

// canWrite reports whether u may change d: its owner, a user it is shared
// to, or an administrator.
func canWrite(u *user, d *dataset) bool { return u.canEdit(d.owner, d.shared) }

// viewRights are the caller's rights on a view, as /api/views reports
// them.
func viewRights(u *user, d *dataset) []string {
	switch {
	case u != nil && (u == d.owner || u.admin()):
		return []string{"read", "write", "add", "delete", "grant", "add_column", "remove_column",
			"update_column", "update_view", "delete_view"}
	case canWrite(u, d):
		return []string{"read", "write", "add", "delete", "update_view"}
	}
	return []string{"read"}
}

// computeRegion works out a computed region column's value from a point:
// a made-up region number from the longitude, stable for a given point.
func computeRegion(point string) string {
	lon, _, ok := parsePoint(point)
	if !ok {
		return ""
	}
	n := int((lon+73.75)/0.25) + 1
	if n < 1 {
		n = 1
	}
	if n > 8 {
		n = 8
	}
	return fmt.Sprint(n)
}

// randomFourByFour makes a random asset or user id.
func randomFourByFour() string {
	var b [8]byte
	rand.Read(b[:]) // never fails, as of Go 1.24
	return fourByFour(binary.LittleEndian.Uint64(b[:]))
}

// idAlphabet is what 4x4 ids are made of: 32 letters and digits, none
// that reads as another (no l, o, 0 or 1).
const idAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// fourByFour spells the low 40 bits of x as a 4x4 such as abcd-2345.
func fourByFour(x uint64) string {
	b := make([]byte, 0, 9)
	for j := 0; j < 8; j++ {
		if j == 4 {
			b = append(b, '-')
		}
		b = append(b, idAlphabet[x%32])
		x /= 32
	}
	return string(b)
}
