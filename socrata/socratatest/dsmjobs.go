package socratatest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Background work of the Data Management API: parsing an upload into an
// input schema, working out output schemas, and applying revisions. Every
// pass streams the spooled file, so memory stays flat however big it is.

// guessRows is how many data rows type guessing looks at, as the platform
// guesses from a sample too.
const guessRows = 1000

// csvReader reads a spooled upload with the source's parse options.
func csvReader(r io.Reader, opts map[string]any) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	if sep, _ := opts["column_separator"].(string); sep != "" {
		cr.Comma = []rune(sep)[0]
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// scanInput calls fn for each data row of an upload after its header
// rows, with its 1-based line number and whether its cell count differs
// from the header's.
func (p *Portal) scanInput(src *source, in *inputSchema, fn func(line int, rec []string, ragged bool) error) error {
	p.dsm.mu.Lock()
	opts, f, size := src.parseOptions, src.file, src.size
	p.dsm.mu.Unlock()
	if f == nil {
		return errors.New("the uploaded file is no longer kept")
	}
	cr := csvReader(io.NewSectionReader(f, 0, size), opts)
	trim, _ := opts["trim_whitespace"].(bool)
	dropEmpty, _ := opts["remove_empty_rows"].(bool)
	headers := intOption(opts, "header_count")
	width := len(in.header)
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n < headers {
			continue
		}
		empty := true
		for i := range rec {
			if trim {
				rec[i] = strings.TrimSpace(rec[i])
			}
			if rec[i] != "" {
				empty = false
			}
		}
		if empty && dropEmpty {
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := fn(line, rec, len(rec) != width); err != nil {
			return err
		}
	}
}

// parseSource reads an upload's header and rows into an input schema,
// guessing each column's type from its first guessRows rows, and adds
// it to the source with its default output schema.
func (p *Portal) parseSource(src *source) {
	defer p.dsm.release(src)
	fail := func(msg string) {
		p.dsm.mu.Lock()
		src.failedAt, src.failure = time.Now(), msg
		p.dsm.mu.Unlock()
	}
	p.dsm.mu.Lock()
	opts, f, size := src.parseOptions, src.file, src.size
	p.dsm.mu.Unlock()

	header, failure := readHeader(io.NewSectionReader(f, 0, size), opts)
	if failure != "" {
		fail(failure)
		return
	}
	in := newInputSchema(src, header)
	// The kinds a column may be guessed as, most particular first: the
	// first that every sampled value fits wins.
	kinds := []kind{kNumber, kCheckbox, kFloating, kFixed, kPoint}
	fits := make([][]bool, len(header)) // fits[i][k]: column i's values all fit kinds[k]
	seen := make([]bool, len(header))   // column i has a value that is not empty
	for i := range fits {
		fits[i] = slices.Repeat([]bool{true}, len(kinds))
	}
	sampled := 0
	err := p.scanInput(src, in, func(_ int, rec []string, ragged bool) error {
		in.totalRows++
		if ragged {
			in.numRowErrors++
			return nil
		}
		if sampled >= guessRows {
			return nil
		}
		sampled++
		for i, v := range rec {
			if v == "" {
				continue
			}
			seen[i] = true
			for k, kd := range kinds {
				if fits[i][k] {
					if _, err := normalize(kd, "", v); err != nil {
						fits[i][k] = false
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		fail("The file is not readable CSV: " + err.Error() + ".")
		return
	}
	for i := range in.columns {
		for k, kd := range kinds {
			if seen[i] && fits[i][k] {
				in.columns[i].guessed = soqlTypeOf(kd)
				break
			}
		}
	}

	p.dsm.mu.Lock()
	defer p.dsm.mu.Unlock()
	p.addInputSchema(in, time.Now())
}

// newInputSchema names an upload's columns after its header cells, as
// the platform does, numbering a name that repeats (name, name_2, ...).
// Every column is guessed to be text until its values say otherwise.
func newInputSchema(src *source, header []string) *inputSchema {
	in := &inputSchema{src: src, header: header, byField: map[string]int{}}
	for i, h := range header {
		name := fieldNameFor(h, i)
		for base, n := name, 2; ; n++ {
			if _, dup := in.byField[name]; !dup {
				break
			}
			name = fmt.Sprintf("%s_%d", base, n)
		}
		in.byField[name] = i
		in.columns = append(in.columns, inputColumn{fieldName: name, displayName: strings.TrimSpace(h), guessed: "text"})
	}
	return in
}

// addInputSchema gives a parsed input schema and its columns their ids,
// adds it to its source, and makes its default output schema: an input
// column that names a dataset field fills that field with the conversion
// the field's type needs, and any other keeps the type guessed for it.
// The caller holds dsm.mu.
func (p *Portal) addInputSchema(in *inputSchema, now time.Time) {
	d := in.src.rev.ds
	in.id, in.createdAt = p.dsm.id(), now
	cols := make([]*outputColumn, 0, len(in.columns))
	for i := range in.columns {
		c := &in.columns[i]
		c.id = p.dsm.id()
		oc := &outputColumn{fieldName: c.fieldName, displayName: c.displayName, position: i}
		typ := c.guessed
		if j, err := d.writableField(c.fieldName); err == nil {
			dc := d.cols[j]
			oc.displayName, oc.description, oc.primaryKey = dc.spec.Name, dc.spec.Description, j == d.keyCol
			typ = soqlTypeOf(dc.kind)
		}
		oc.exprText = conversionFor(typ, c.fieldName)
		cols = append(cols, oc)
	}
	in.src.schemas = append(in.src.schemas, in)
	p.newOutputSchema(in, cols)
}

// readHeader returns the names of an upload's columns: the column_header
// row among the header_count header rows, or column_1, column_2, ... when
// there is no header. When it cannot, it says why in a sentence, which
// becomes the source's failure_details as it is.
func readHeader(r io.Reader, opts map[string]any) (names []string, failure string) {
	cr := csvReader(r, opts)
	cr.ReuseRecord = false
	headers, which := intOption(opts, "header_count"), intOption(opts, "column_header")
	if which < 1 {
		which = 1
	}
	for n := 0; n < max(headers, 1); n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			if n == 0 {
				return nil, "The file is empty: it has no header row and no data."
			}
			break
		}
		if err != nil {
			return nil, fmt.Sprintf("The file is not readable CSV: %v.", err)
		}
		if headers == 0 {
			for i := range rec {
				names = append(names, fmt.Sprintf("column_%d", i+1))
			}
			return names, ""
		}
		if n == which-1 {
			names = rec
		}
	}
	if names == nil {
		return nil, fmt.Sprintf("column_header is %d, but the file has only %d header rows.", which, headers)
	}
	if len(names) > 0 {
		names[0] = strings.TrimPrefix(names[0], "\ufeff")
	}
	return names, ""
}

// fieldNameFor turns a header into a field name as the platform does:
// lower case, with runs of other characters made one underscore.
func fieldNameFor(header string, i int) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header, "\ufeff"))) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
		} else {
			under = true
		}
	}
	s := b.String()
	if s == "" {
		return fmt.Sprintf("column_%d", i+1)
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return s
}

func soqlTypeOf(k kind) string {
	switch k {
	case kNumber:
		return "number"
	case kCheckbox:
		return "checkbox"
	case kFloating:
		return "floating_timestamp"
	case kFixed:
		return "fixed_timestamp"
	case kPoint:
		return "point"
	}
	return "text"
}

// conversionFor is the default transform filling a column of a SoQL type
// from an input column.
func conversionFor(soqlType, field string) string {
	ref := "`" + field + "`"
	switch soqlType {
	case "number":
		return "to_number(" + ref + ")"
	case "checkbox":
		return "to_boolean(" + ref + ")"
	case "floating_timestamp":
		return "to_floating_timestamp(" + ref + ")"
	case "fixed_timestamp":
		return "to_fixed_timestamp(" + ref + ")"
	case "point":
		return "to_point(" + ref + ")"
	}
	return ref
}

// scanOutput runs an output schema's transforms over every well-formed
// row and calls fn with the raw cells, the values per output column, and
// the problem per output column ("" when none). A value that its
// transform produced but that does not fit the dataset column it fills
// is a problem too.
func (p *Portal) scanOutput(sch *outputSchema, fn func(raw, vals, problems []string) error) error {
	d := sch.in.src.rev.ds
	vals := make([]string, len(sch.columns))
	problems := make([]string, len(sch.columns))
	return p.scanInput(sch.in.src, sch.in, func(_ int, rec []string, ragged bool) error {
		if ragged {
			return nil
		}
		for i, c := range sch.columns {
			vals[i], problems[i] = "", ""
			if c.expr == nil {
				continue
			}
			v, err := c.expr.eval(rec)
			if err == nil && c.datasetCol >= 0 {
				dc := d.cols[c.datasetCol]
				v, err = normalize(dc.kind, dc.spec.Type, v)
			}
			if err != nil {
				problems[i] = fmt.Sprintf("%s: %v", c.fieldName, err)
				continue
			}
			vals[i] = v
		}
		return fn(rec, vals, problems)
	})
}

// evaluateOutputSchema counts an output schema's rows and errors, then
// marks it finished.
func (p *Portal) evaluateOutputSchema(sch *outputSchema) {
	perCol := make([]int, len(sch.columns))
	rows, bad := 0, 0
	err := p.scanOutput(sch, func(_, _, problems []string) error {
		rows++
		rowBad := false
		for i, pr := range problems {
			if pr != "" {
				perCol[i]++
				rowBad = true
			}
		}
		if rowBad {
			bad++
		}
		return nil
	})
	p.dsm.mu.Lock()
	defer p.dsm.mu.Unlock()
	now := time.Now()
	src := sch.in.src
	if err != nil && src.failedAt.IsZero() {
		src.failedAt, src.failure = now, "The file could not be read again: "+err.Error()+"."
	}
	for i, c := range sch.columns {
		c.errorCount = perCol[i]
		if c.compileErr == "" {
			c.transformDone = now
		}
	}
	sch.totalRows, sch.errorCount, sch.finishedAt = rows, bad, now
	close(sch.done)
	src.release()
}

// --- Apply --------------------------------------------------------------------

func (p *Portal) dsmApply(w http.ResponseWriter, r *http.Request) {
	var body struct {
		OutputSchemaID int `json:"output_schema_id"`
	}
	if b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			writeDSMError(w, http.StatusBadRequest, "invalid_body", "The body is not a JSON object: "+err.Error()+".")
			return
		}
	}
	rv := p.findRevision(w, r)
	if rv == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	if !rv.closedAt.IsZero() {
		writeDSMError(w, http.StatusBadRequest, "revision_closed", "This revision is already closed (applied or discarded); open a new one.")
		return
	}
	for _, t := range rv.taskSets {
		if t.finishedAt.IsZero() {
			writeDSMError(w, http.StatusBadRequest, "apply_running", "This revision is already being applied; poll its task set.")
			return
		}
	}
	id := body.OutputSchemaID
	if id == 0 {
		id = rv.outputSchemaID
	}
	var sch *outputSchema
	if id != 0 {
		if sch = rv.outputSchema(id); sch == nil {
			writeDSMError(w, http.StatusBadRequest, "invalid_output_schema", fmt.Sprintf("Output schema %d does not belong to a source of this revision.", id))
			return
		}
		rv.outputSchemaID = id
	} else if len(rv.sources) > 0 {
		writeDSMError(w, http.StatusBadRequest, "no_output_schema",
			`The revision has a source but names no output schema: apply with {"output_schema_id": <id>}.`)
		return
	}
	now := time.Now()
	t := &taskSet{
		id: p.dsm.id(), status: "initializing", createdAt: now, updatedAt: now, createdBy: requestUser(r),
		jobUUID: randomHex(16), requestID: w.Header().Get("X-Socrata-RequestId"), outputSchemaID: id, countsOff: answerFault(r).CountsOff,
		log: []map[string]any{{"stage": "initializing", "time": ts(now), "details": map[string]any{}}},
	}
	rv.taskSets = append(rv.taskSets, t)
	if sch != nil {
		sch.in.src.busy++
	}
	if rv.ds.spec.Sink {
		// A sink has nothing to apply: finish before answering, so the
		// reply already says how it ended.
		p.dsm.mu.Unlock()
		p.runApply(rv, t, sch)
		p.dsm.mu.Lock()
		writeJSON(w, http.StatusOK, wrap(taskSetJSON(t), taskSetLinks(rv, t)))
		return
	}
	p.dsm.jobs.Add(1)
	go func() {
		defer p.dsm.jobs.Done()
		p.runApply(rv, t, sch)
	}()
	writeJSON(w, http.StatusOK, wrap(taskSetJSON(t), taskSetLinks(rv, t)))
}

// stage moves a task set on and logs it.
func (p *Portal) stage(t *taskSet, status string, details map[string]any) {
	p.dsm.mu.Lock()
	defer p.dsm.mu.Unlock()
	now := time.Now()
	if details == nil {
		details = map[string]any{}
	}
	t.status, t.updatedAt = status, now
	t.log = append(t.log, map[string]any{"stage": status, "time": ts(now), "details": details})
	if status == "successful" || status == "failure" {
		t.finishedAt = now
	}
}

// runApply applies a revision: it checks the output schema against the
// dataset, turns every row into an upsert, delete or replacement row, and
// only when all of that succeeded changes the dataset, in one step. A
// failure leaves the dataset as it was.
func (p *Portal) runApply(rv *revision, t *taskSet, sch *outputSchema) {
	var src *source
	if sch != nil {
		src = sch.in.src
		defer p.dsm.release(src)
		<-sch.done
	}
	d := rv.ds
	p.dsm.mu.Lock()
	metadata := rv.metadata // PUT on the revision may replace it meanwhile
	p.dsm.mu.Unlock()
	failed := func(msg string) { p.stage(t, "failure", map[string]any{"message": msg}) }
	counts := writeResult{}
	errorRows := 0
	if sch != nil {
		p.dsm.mu.Lock()
		msg := checkApplicable(rv, sch)
		p.dsm.mu.Unlock()
		if msg != "" {
			failed(msg)
			return
		}
		p.stage(t, "creating_columns", nil)
		p.stage(t, "upserting", nil)
		if src.sink {
			// Every row counts; none was looked at.
			if rv.action == "delete" {
				counts.deleted = sch.totalRows
			} else {
				counts.created = sch.totalRows
			}
		} else {
			var msg string
			if counts, errorRows, msg = p.applyRows(rv, sch); msg != "" {
				failed(msg)
				return
			}
		}
	}
	p.stage(t, "finishing", nil)
	p.mu.Lock()
	if metadata != nil {
		if v, ok := metadata["name"].(string); ok && v != "" {
			d.name = v
		}
		if v, ok := metadata["description"].(string); ok {
			d.description = v
		}
		if v, ok := metadata["category"].(string); ok {
			d.category = v
		}
		d.updatedAt = time.Now().UTC()
	}
	p.mu.Unlock()
	alterCounts(&counts, t.countsOff)
	notFound := 0
	for _, e := range counts.errs {
		if e.notFound {
			notFound++
		}
	}
	p.stage(t, "successful", map[string]any{
		"created": counts.created, "updated": counts.updated, "deleted": counts.deleted,
		"error_rows": errorRows + len(counts.errs) - notFound, "not_found": notFound,
	})
	p.dsm.mu.Lock()
	rv.closedAt = time.Now()
	p.dsm.mu.Unlock()
}

// applyRows turns every row of the output schema into an upsert, delete
// or replacement row and applies them, or says why nothing was changed.
// It returns the counts and the rows left out for errors.
func (p *Portal) applyRows(rv *revision, sch *outputSchema) (counts writeResult, errorRows int, failure string) {
	d := rv.ds
	var ops []rowOp
	firstProblem := ""
	index := 0
	err := p.scanOutput(sch, func(_, vals, problems []string) error {
		i := index
		index++
		if msg := strings.Join(nonEmpty(problems), "; "); msg != "" {
			errorRows++
			if firstProblem == "" {
				firstProblem = fmt.Sprintf("row %d: %s", i+1, msg)
			}
			return nil
		}
		op := rowOp{index: i, vals: make([]string, len(d.cols)), set: make([]bool, len(d.cols))}
		for j, c := range sch.columns {
			op.vals[c.datasetCol], op.set[c.datasetCol] = vals[j], true
		}
		if d.keyCol >= 0 {
			op.key = op.vals[d.keyCol]
			if op.key == "" {
				op.err = fmt.Sprintf("the row has no value for the row identifier %s", d.cols[d.keyCol].spec.FieldName)
			}
		}
		op.del = rv.action == "delete"
		if d.spec.DiscardRows {
			counts.countOnly(op)
			return nil
		}
		ops = append(ops, op)
		return nil
	})
	if err != nil {
		return counts, errorRows, "The uploaded file could not be read: " + err.Error() + "."
	}
	if rv.action == "replace" {
		errorRows += len(counts.errs) // rows a discarding dataset refused
		for _, op := range ops {
			if op.err != "" {
				errorRows++
				if firstProblem == "" {
					firstProblem = fmt.Sprintf("row %d: %s", op.index+1, op.err)
				}
			}
		}
		if errorRows > 0 {
			return counts, errorRows, fmt.Sprintf("%d rows have errors (the first is %s). A replace would leave them out, so nothing was changed: "+
				"fix them (the error rows are at the output schema's schema_errors link) and upload again.", errorRows, firstProblem)
		}
	}
	if !d.spec.DiscardRows {
		now := time.Now().UTC()
		p.mu.Lock()
		if rv.action == "replace" {
			counts = p.replaceRows(d, ops, now, false)
		} else {
			counts = p.applyOps(d, ops, now, false)
		}
		p.mu.Unlock()
	}
	return counts, errorRows, ""
}

// checkApplicable says why an output schema cannot be applied to the
// revision's dataset, or "".
func checkApplicable(rv *revision, sch *outputSchema) string {
	d := rv.ds
	hasKey := false
	for _, c := range sch.columns {
		if c.compileErr != "" {
			return fmt.Sprintf("The transform of output column %s failed (%s); fix its transform_expr and apply again.", c.fieldName, c.compileErr)
		}
		if c.datasetCol < 0 {
			return fmt.Sprintf("Output column %s is not a column of dataset %s; socratatest does not add columns, so nothing was changed. "+
				"Map it to one of the dataset's field names, or leave it out of the output schema.", c.fieldName, d.spec.ID)
		}
		if c.datasetCol == d.keyCol {
			hasKey = true
		}
	}
	if d.keyCol >= 0 && !hasKey && rv.action != "replace" {
		return fmt.Sprintf("The output schema has no %s column, the dataset's row identifier, so rows cannot be matched; nothing was changed.",
			d.cols[d.keyCol].spec.FieldName)
	}
	if src := sch.in.src; !src.failedAt.IsZero() {
		return "The upload failed: " + src.failure
	}
	return ""
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// csvOut writes CSV records and remembers the first error, so a stream
// to a client that went away stops quietly.
type csvOut struct {
	w   *csv.Writer
	err error
}

func newCSVOut(w io.Writer) *csvOut { return &csvOut{w: csv.NewWriter(w)} }

func (c *csvOut) write(rec []string) error {
	if c.err == nil {
		c.err = c.w.Write(rec)
	}
	return c.err
}

func (c *csvOut) flush() { c.w.Flush() }
