package socratatest

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WriteShape is one of the three response shapes SODA writes come back
// in (socrata-api.md §4.2). A client must accept all three.
type WriteShape int

const (
	// SnakeCaseShape ("snake") is {"rows_created", "rows_updated",
	// "rows_deleted", "errors": [{"error", "input_index",
	// "primary_key"}]}, as soda-java's UpsertResult reads it. The
	// default.
	SnakeCaseShape WriteShape = iota
	// CoreShape ("legacy") is the documented Core summary: {"By
	// RowIdentifier", "Rows Updated", "Rows Deleted", "Rows Created",
	// "Errors", "By SID"}, where Errors is only a count.
	CoreShape
	// RowArrayShape ("stream") is the new-backend array with one entry
	// per input row, in input order: {"typ": "insert"|"update"|"delete"|
	// "error", "id", "ver"} with "err" on errors, as soda-java's
	// Soda2Producer reads it.
	RowArrayShape
)

// String names the shape as [ParseWriteShape] and `portal --answer`
// take it: "snake", "legacy" or "stream".
func (s WriteShape) String() string {
	switch s {
	case SnakeCaseShape:
		return "snake"
	case CoreShape:
		return "legacy"
	case RowArrayShape:
		return "stream"
	}
	return fmt.Sprintf("WriteShape(%d)", int(s))
}

// ParseWriteShape reads a shape's name: "legacy", "snake" or "stream".
func ParseWriteShape(name string) (WriteShape, error) {
	for _, s := range []WriteShape{CoreShape, SnakeCaseShape, RowArrayShape} {
		if strings.EqualFold(strings.TrimSpace(name), s.String()) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown answer shape %q: use legacy (\"Rows Created\", \"Errors\"...), snake (rows_created, errors...) or stream (one entry per row)", name)
}

// rowOp is one parsed input row of a write.
type rowOp struct {
	index int
	del   bool
	// key is the row identifier value, or the :id when bySID; "" appends.
	key   string
	bySID bool
	vals  []string
	set   []bool // which columns the row named (omitted ones keep their value)
	err   string // why the row is rejected, or ""
}

// requestError is a problem with a whole write (an unknown field, bad
// JSON): nothing is applied and the portal answers 400.
type requestError struct {
	code string
	msg  string
}

func (e *requestError) Error() string { return e.msg }

// writableField finds the column a payload field names, or says why the
// field cannot be written.
func (d *dataset) writableField(field string) (int, error) {
	i, ok := d.byField[field]
	if !ok {
		if strings.HasPrefix(field, ":") {
			return 0, &requestError{"invalid_request", fmt.Sprintf("%q is a system field and cannot be written.", field)}
		}
		return 0, &requestError{"column_not_found", fmt.Sprintf(
			"Unknown field name %q: dataset %s has no column with that API field name. Map it to one of its fields or leave it out.",
			field, d.spec.ID)}
	}
	if d.cols[i].computedFrom >= 0 {
		return 0, &requestError{"invalid_request", fmt.Sprintf("%q is a computed column; the portal fills it in and it cannot be written.", field)}
	}
	return i, nil
}

// parseRow turns one input row (field name to value) into a rowOp. A
// value that does not fit its column makes a row error; a field the
// dataset does not have makes a request error.
func (d *dataset) parseRow(in map[string]any, index int) (rowOp, error) {
	op := rowOp{index: index, vals: make([]string, len(d.cols)), set: make([]bool, len(d.cols))}
	var sid string
	problems := map[int]string{}
	for field, v := range in {
		switch field {
		case ":id":
			s, _ := scalarText(v)
			sid = strings.TrimSpace(s)
			continue
		case ":deleted":
			switch t := v.(type) {
			case bool:
				op.del = t
			case string:
				op.del = strings.EqualFold(strings.TrimSpace(t), "true")
			}
			continue
		}
		i, err := d.writableField(field)
		if err != nil {
			return op, err
		}
		c := d.cols[i]
		val, err := normalize(c.kind, c.spec.Type, v)
		if err != nil {
			problems[i] = fmt.Sprintf("column %s: %v", field, err)
			continue
		}
		op.vals[i], op.set[i] = val, true
	}
	if len(problems) > 0 {
		// In column order, so the message is the same on every run.
		var msgs []string
		for i := range d.cols {
			if m, ok := problems[i]; ok {
				msgs = append(msgs, m)
			}
		}
		op.err = strings.Join(msgs, "; ")
	}
	if d.keyCol >= 0 {
		op.key = op.vals[d.keyCol]
	}
	if op.key == "" && sid != "" {
		op.key, op.bySID = sid, true
	}
	if op.err == "" && op.key == "" {
		switch {
		case op.del && d.keyCol >= 0:
			op.err = fmt.Sprintf("a row to delete needs its row identifier %s (or its :id)", d.cols[d.keyCol].spec.FieldName)
		case op.del:
			op.err = "a row to delete needs its :id, because the dataset has no row identifier"
		case d.keyCol >= 0:
			op.err = fmt.Sprintf("the row has no value for the row identifier %s", d.cols[d.keyCol].spec.FieldName)
		}
	}
	return op, nil
}

type rowErr struct {
	index int
	key   string
	msg   string
	// notFound marks a delete or :id update of a row that is not there,
	// which the Data Management API counts apart from error rows.
	notFound bool
}

type streamEntry struct {
	Typ string `json:"typ"`
	ID  any    `json:"id"`
	Ver string `json:"ver,omitempty"`
	Err string `json:"err,omitempty"`
}

// writeResult counts what a write did. It keeps one entry per input row
// only when the response needs them (the row-array shape), so that a
// huge write to a dataset that discards rows keeps memory flat.
type writeResult struct {
	created, updated, deleted int
	byRowID, bySID            int
	errs                      []rowErr
	keepEntries               bool
	entries                   []streamEntry
}

func (res *writeResult) fail(op rowOp, msg string) {
	res.failRow(rowErr{index: op.index, key: op.key, msg: msg})
}

// missing records an op that names a row the dataset does not have.
func (res *writeResult) missing(d *dataset, op rowOp) {
	res.failRow(rowErr{index: op.index, key: op.key, msg: "no record is found for " + keyDescription(d, op), notFound: true})
}

func (res *writeResult) failRow(e rowErr) {
	res.errs = append(res.errs, e)
	if !res.keepEntries {
		return
	}
	var id any
	if e.key != "" {
		id = e.key
	}
	res.entries = append(res.entries, streamEntry{Typ: "error", ID: id, Err: e.msg})
}

func (res *writeResult) ok(typ, id, ver string) {
	if res.keepEntries {
		res.entries = append(res.entries, streamEntry{Typ: typ, ID: id, Ver: ver})
	}
	switch typ {
	case "insert":
		res.created++
	case "update":
		res.updated++
	case "delete":
		res.deleted++
	}
}

// countOnly records an op against a dataset that discards rows: it is
// validated but nothing is stored, so every upsert counts as a create.
func (res *writeResult) countOnly(op rowOp) {
	switch {
	case op.err != "":
		res.fail(op, op.err)
	case op.del:
		res.ok("delete", op.key, "")
	default:
		res.ok("insert", op.key, "rv-0")
	}
}

// applyOps applies upsert and delete ops in order. The caller holds p.mu
// for writing.
func (p *Portal) applyOps(d *dataset, ops []rowOp, now time.Time, keepEntries bool) writeResult {
	res := writeResult{keepEntries: keepEntries}
	for _, op := range ops {
		if op.err != "" {
			res.fail(op, op.err)
			continue
		}
		var existing *row
		if op.key != "" {
			if op.bySID {
				existing = d.bySID[op.key]
				res.bySID++
			} else {
				existing = d.byKey[op.key]
				res.byRowID++
			}
			if existing != nil && existing.deleted {
				existing = nil
			}
		}
		if op.del {
			if existing == nil {
				res.missing(d, op)
				continue
			}
			existing.deleted = true
			delete(d.byKey, d.keyOf(existing))
			delete(d.bySID, existing.sid)
			d.dirty = true
			res.ok("delete", op.key, "")
			continue
		}
		d.version++
		ver := "rv-" + strconv.Itoa(d.version)
		if existing == nil && op.bySID {
			res.missing(d, op)
			continue
		}
		if existing != nil {
			vals := append([]string(nil), existing.vals...)
			for i, set := range op.set {
				if set {
					vals[i] = op.vals[i]
				}
			}
			d.compute(vals)
			existing.vals, existing.updated = vals, now
			res.ok("update", d.idOf(existing), ver)
			continue
		}
		res.ok("insert", d.idOf(p.insertRow(d, op.vals, now)), ver)
	}
	d.compact()
	if res.created+res.updated+res.deleted > 0 {
		d.rowsUpdatedAt, d.updatedAt = now, now
	}
	return res
}

func keyDescription(d *dataset, op rowOp) string {
	if op.bySID || d.keyCol < 0 {
		return fmt.Sprintf(":id %q", op.key)
	}
	return fmt.Sprintf("row identifier %s %q", d.cols[d.keyCol].spec.FieldName, op.key)
}

// keyOf is a row's row identifier value, or "" without one.
func (d *dataset) keyOf(r *row) string {
	if d.keyCol < 0 {
		return ""
	}
	return r.vals[d.keyCol]
}

// idOf is how write responses name a row: its row identifier value, or
// its :id.
func (d *dataset) idOf(r *row) string {
	if k := d.keyOf(r); k != "" {
		return k
	}
	return r.sid
}

// compute fills computed columns from their source columns.
func (d *dataset) compute(vals []string) {
	for i, c := range d.cols {
		if c.computedFrom >= 0 {
			vals[i] = computeRegion(vals[c.computedFrom])
		}
	}
}

// compact drops deleted rows once a write is done.
func (d *dataset) compact() {
	if !d.dirty {
		return
	}
	live := d.rows[:0]
	for _, r := range d.rows {
		if !r.deleted {
			live = append(live, r)
		}
	}
	clear(d.rows[len(live):])
	d.rows = live
	d.dirty = false
}

// replaceRows swaps in a whole new set of rows. ops were all checked
// valid by the caller. The caller holds p.mu for writing.
func (p *Portal) replaceRows(d *dataset, ops []rowOp, now time.Time, keepEntries bool) writeResult {
	res := writeResult{keepEntries: keepEntries}
	d.rows, d.byKey, d.bySID, d.dirty = nil, map[string]*row{}, map[string]*row{}, false
	for _, op := range ops {
		d.version++
		ver := "rv-" + strconv.Itoa(d.version)
		if op.key != "" && !op.bySID {
			if r := d.byKey[op.key]; r != nil { // a key given twice: the later row wins
				d.compute(op.vals)
				r.vals = op.vals
				res.ok("update", op.key, ver)
				continue
			}
		}
		res.ok("insert", d.idOf(p.insertRow(d, op.vals, now)), ver)
	}
	d.rowsUpdatedAt, d.updatedAt = now, now
	return res
}

// insertRow adds a new row with the next :id, its computed columns filled
// in. The caller holds p.mu for writing.
func (p *Portal) insertRow(d *dataset, vals []string, now time.Time) *row {
	p.nextSID++
	r := &row{sid: sidFor(p.nextSID), vals: vals, created: now, updated: now}
	d.compute(r.vals)
	d.rows = append(d.rows, r)
	d.bySID[r.sid] = r
	if k := d.keyOf(r); k != "" {
		d.byKey[k] = r
	}
	return r
}

// sidFor makes a row's :id from a counter, in the row-xxxx.xxxx~xxxx
// style of the platform.
func sidFor(n uint64) string {
	x := n*0x9E3779B97F4A7C15 ^ 0x5bd1e995
	s := strconv.FormatUint(x, 36)
	for len(s) < 12 {
		s = "0" + s
	}
	s = s[len(s)-12:]
	return "row-" + s[0:4] + "." + s[4:8] + "~" + s[8:12]
}

// readOps streams the rows of a write body (a JSON array or CSV with a
// header of field names) and hands each parsed row to sink.
func readOps(d *dataset, r *http.Request, sink func(rowOp)) error {
	switch mediaType(r) {
	case "application/json", "":
		return readJSONOps(d, r.Body, sink)
	case "text/csv", "application/csv":
		return readCSVOps(d, r.Body, sink)
	}
	return &requestError{"unsupported_media_type", fmt.Sprintf(
		"Content-Type %q is not accepted: send application/json (an array of row objects) or text/csv (a header of field names).",
		r.Header.Get("Content-Type"))}
}

func readJSONOps(d *dataset, body io.Reader, sink func(rowOp)) error {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return &requestError{"invalid_json", "The body is not valid JSON: " + err.Error() + "."}
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '[' {
		return &requestError{"invalid_json", "The body must be a JSON array of row objects."}
	}
	for i := 0; dec.More(); i++ {
		var v any
		if err := dec.Decode(&v); err != nil {
			return &requestError{"invalid_json", fmt.Sprintf("Row %d is not valid JSON: %v.", i, err)}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return &requestError{"invalid_json", fmt.Sprintf("Row %d is not a JSON object of field names and values.", i)}
		}
		op, err := d.parseRow(m, i)
		if err != nil {
			return err
		}
		sink(op)
	}
	if _, err := dec.Token(); err != nil {
		return &requestError{"invalid_json", "The JSON array is not closed: " + err.Error() + "."}
	}
	return nil
}

func readCSVOps(d *dataset, body io.Reader, sink func(rowOp)) error {
	cr := csv.NewReader(body)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return &requestError{"invalid_csv", "The CSV header cannot be read: " + err.Error() + "."}
	}
	fields := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		fields[i] = h
		if h != ":id" && h != ":deleted" {
			if _, err := d.writableField(h); err != nil {
				return err
			}
		}
	}
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &requestError{"invalid_csv", fmt.Sprintf("CSV line %d: %v.", pe.Line, pe.Err)}
			}
			return &requestError{"invalid_csv", "The CSV cannot be read: " + err.Error() + "."}
		}
		m := make(map[string]any, len(rec))
		for j, v := range rec {
			m[fields[j]] = v
		}
		op, err := d.parseRow(m, i)
		if err != nil {
			return err
		}
		sink(op)
	}
}

// writableDataset resolves the dataset a write names and checks that the
// caller may write to it, answering the request itself when not.
func (p *Portal) writableDataset(w http.ResponseWriter, r *http.Request, id string) *dataset {
	d := p.lookup(id)
	u := requestUser(r)
	switch {
	case d == nil:
		writeSODAError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Cannot find dataset %s: check the dataset id (the 4x4 in its address).", id))
	case !canSee(u, d) && u == nil:
		writeSODAError(w, http.StatusForbidden, "authentication_required", "You must be signed in to write to this dataset.")
	case !canSee(u, d):
		writeSODAError(w, http.StatusForbidden, "permission_denied", fmt.Sprintf("You do not have permission to see %s: ask its owner to share it with you.", id))
	case !d.tabular():
		writeSODAError(w, http.StatusBadRequest, "not_tabular", fmt.Sprintf("%s is a %s, not a dataset: it has no rows to write.", id, assetType(d.spec.ViewType)))
	case u == nil:
		writeSODAError(w, http.StatusForbidden, "authentication_required", "You must be signed in to write to this dataset.")
	case !canWrite(u, d):
		writeSODAError(w, http.StatusForbidden, "permission_denied", fmt.Sprintf(
			"You do not have permission to change dataset %s: ask its owner to share it with you as an editor.", id))
	case d.spec.SyncedCopy:
		writeCoreError(w, http.StatusForbidden, "Cannot update a synced dataset manually")
	default:
		return d
	}
	return nil
}

func (p *Portal) handleResourceWrite(w http.ResponseWriter, r *http.Request) {
	id, _ := trimExt(r.PathValue("file"))
	d := p.writableDataset(w, r, id)
	if d == nil {
		return
	}
	if d.spec.Sink {
		p.sinkWrite(w, r, d)
		return
	}
	replace := r.Method == http.MethodPut
	p.mu.RLock()
	shape := p.shape
	p.mu.RUnlock()
	// An injected fault may alter the answer, in a shape it needs.
	af := answerFault(r)
	switch {
	case af.UnknownTyp != 0 || af.MissingEntries != 0:
		shape = RowArrayShape
	case af.CountsOff != 0 && shape == RowArrayShape:
		shape = SnakeCaseShape
	}
	keep := shape == RowArrayShape
	var ops []rowOp
	counted := writeResult{keepEntries: keep}
	discard := d.spec.DiscardRows
	err := readOps(d, r, func(op rowOp) {
		if replace && op.del && op.err == "" {
			op.err = "a replace cannot delete rows: leave the :deleted rows out"
		}
		if discard {
			counted.countOnly(op)
			return
		}
		ops = append(ops, op)
	})
	var re *requestError
	if errors.As(err, &re) {
		status := http.StatusBadRequest
		if re.code == "unsupported_media_type" {
			status = http.StatusUnsupportedMediaType
		}
		writeSODAError(w, status, re.code, re.msg+" Nothing was changed.")
		return
	}
	if err != nil {
		writeSODAError(w, http.StatusBadRequest, "invalid_request", "The body cannot be read: "+err.Error())
		return
	}
	if replace {
		var bad []rowErr
		if discard {
			bad = counted.errs
		} else {
			for _, op := range ops {
				if op.err != "" {
					bad = append(bad, rowErr{index: op.index, key: op.key, msg: op.err})
				}
			}
		}
		if len(bad) > 0 {
			writeSODAErrorData(w, http.StatusBadRequest, "row_errors", fmt.Sprintf(
				"%d of the rows cannot be written (the first is input row %d: %s). A replace is all or nothing, so nothing was changed.",
				len(bad), bad[0].index, bad[0].msg), map[string]any{"errors": snakeErrors(bad)})
			return
		}
	}
	res := counted
	if !discard {
		now := time.Now().UTC()
		p.mu.Lock()
		if replace {
			res = p.replaceRows(d, ops, now, keep)
		} else {
			res = p.applyOps(d, ops, now, keep)
		}
		p.mu.Unlock()
	} else if counted.created+counted.deleted > 0 {
		// Nothing was stored, but the dataset reports that it changed.
		now := time.Now().UTC()
		p.mu.Lock()
		d.rowsUpdatedAt, d.updatedAt = now, now
		p.mu.Unlock()
	}
	alterCounts(&res, af.CountsOff)
	res.entries = af.alterStream(res.entries)
	writeResultShape(w, shape, res)
}

func snakeErrors(errs []rowErr) []map[string]any {
	out := make([]map[string]any, 0, len(errs))
	for _, e := range errs {
		m := map[string]any{"error": e.msg, "input_index": e.index}
		if e.key != "" {
			m["primary_key"] = e.key
		} else {
			m["primary_key"] = nil
		}
		out = append(out, m)
	}
	return out
}

func writeResultShape(w http.ResponseWriter, shape WriteShape, res writeResult) {
	switch shape {
	case CoreShape:
		writeJSON(w, http.StatusOK, map[string]any{
			"By RowIdentifier": res.byRowID,
			"Rows Updated":     res.updated,
			"Rows Deleted":     res.deleted,
			"Rows Created":     res.created,
			"Errors":           len(res.errs),
			"By SID":           res.bySID,
		})
	case RowArrayShape:
		entries := res.entries
		if entries == nil {
			entries = []streamEntry{}
		}
		writeJSON(w, http.StatusOK, entries)
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"rows_created": res.created,
			"rows_updated": res.updated,
			"rows_deleted": res.deleted,
			"errors":       snakeErrors(res.errs),
		})
	}
}

func (p *Portal) handleResourceDeleteRow(w http.ResponseWriter, r *http.Request) {
	d := p.writableDataset(w, r, r.PathValue("id"))
	if d == nil {
		return
	}
	key, _ := trimExt(r.PathValue("row"))
	op := rowOp{del: true, key: key, vals: make([]string, len(d.cols)), set: make([]bool, len(d.cols))}
	p.mu.Lock()
	if d.keyCol < 0 || d.byKey[key] == nil && d.bySID[key] != nil {
		op.bySID = true
	}
	res := p.applyOps(d, []rowOp{op}, time.Now().UTC(), false)
	p.mu.Unlock()
	if len(res.errs) > 0 {
		writeSODAError(w, http.StatusNotFound, "not_found", "Cannot delete: "+res.errs[0].msg+".")
		return
	}
	writeJSON(w, http.StatusOK, []streamEntry{{Typ: "delete", ID: key}})
}
