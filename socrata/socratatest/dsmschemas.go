package socratatest

// Input and output schemas: showing them, transforms that make new output
// schemas, and the error rows a publisher downloads to fix a file.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// findInputSchema resolves {sid}/schema/{isid}. It returns with dsm.mu
// held.
func (p *Portal) findInputSchema(w http.ResponseWriter, r *http.Request) *inputSchema {
	src := p.findSource(w, r)
	if src == nil {
		return nil
	}
	id, _ := strconv.Atoi(r.PathValue("isid"))
	for _, in := range src.schemas {
		if in.id == id {
			return in
		}
	}
	p.dsm.mu.Unlock()
	writeDSMError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Source %d has no input schema %s.", src.id, r.PathValue("isid")))
	return nil
}

// findOutputSchema resolves .../{isid}/.../{osid}, where osid may be
// "latest". It returns with dsm.mu held.
func (p *Portal) findOutputSchema(w http.ResponseWriter, r *http.Request) *outputSchema {
	in := p.findInputSchema(w, r)
	if in == nil {
		return nil
	}
	want := r.PathValue("osid")
	if want == "latest" && len(in.outputs) > 0 {
		return in.outputs[len(in.outputs)-1]
	}
	id, _ := strconv.Atoi(want)
	for _, sch := range in.outputs {
		if sch.id == id {
			return sch
		}
	}
	p.dsm.mu.Unlock()
	writeDSMError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Input schema %d has no output schema %s.", in.id, want))
	return nil
}

func (p *Portal) dsmShowInputSchema(w http.ResponseWriter, r *http.Request) {
	in := p.findInputSchema(w, r)
	if in == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	writeJSON(w, http.StatusOK, wrap(inputSchemaJSON(in), inputSchemaLinks(in.src.id, strconv.Itoa(in.id))))
}

func (p *Portal) dsmShowOutputSchema(w http.ResponseWriter, r *http.Request) {
	sch := p.findOutputSchema(w, r)
	if sch == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	writeJSON(w, http.StatusOK, wrap(outputSchemaJSON(sch), outputSchemaLinks(sch)))
}

// dsmTransform makes a new output schema from the input schema with the
// output columns asked for, and works it out in the background.
func (p *Portal) dsmTransform(w http.ResponseWriter, r *http.Request) {
	var body struct {
		OutputColumns []struct {
			FieldName             string         `json:"field_name"`
			DisplayName           string         `json:"display_name"`
			Description           string         `json:"description"`
			Position              *int           `json:"position"`
			IsPrimaryKey          bool           `json:"is_primary_key"`
			InitialOutputColumnID int            `json:"initial_output_column_id"`
			Format                map[string]any `json:"format"`
			Transform             struct {
				Expr string `json:"transform_expr"`
			} `json:"transform"`
		} `json:"output_columns"`
		// socrata-py's OutputSchema.run sends the sorts it read from the
		// schema it started from, changed as the columns were.
		SortBys []struct {
			FieldName string `json:"field_name"`
			Ascending *bool  `json:"ascending"`
		} `json:"sort_bys"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeDSMError(w, http.StatusBadRequest, "invalid_body", `The body must be {"output_columns": [...]}: `+err.Error()+".")
		return
	}
	in := p.findInputSchema(w, r)
	if in == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	if !in.src.rev.closedAt.IsZero() {
		writeDSMError(w, http.StatusBadRequest, "revision_closed", "This source's revision is closed; open a new revision.")
		return
	}
	if len(body.OutputColumns) == 0 {
		writeDSMError(w, http.StatusBadRequest, "invalid_body", "output_columns is empty: list every column the output schema should have.")
		return
	}
	seen := map[string]bool{}
	var cols []*outputColumn
	for i, oc := range body.OutputColumns {
		if oc.FieldName == "" || oc.Transform.Expr == "" {
			writeDSMError(w, http.StatusBadRequest, "invalid_body", fmt.Sprintf("Output column %d needs a field_name and a transform.transform_expr.", i))
			return
		}
		if seen[oc.FieldName] {
			writeDSMError(w, http.StatusBadRequest, "duplicate_field_name", fmt.Sprintf("Field name %q is used by two output columns.", oc.FieldName))
			return
		}
		seen[oc.FieldName] = true
		pos := i
		if oc.Position != nil {
			pos = *oc.Position
		}
		display := oc.DisplayName
		if display == "" {
			display = oc.FieldName
		}
		cols = append(cols, &outputColumn{
			fieldName: oc.FieldName, displayName: display, description: oc.Description, position: pos,
			primaryKey: oc.IsPrimaryKey, format: oc.Format, initialID: oc.InitialOutputColumnID, exprText: oc.Transform.Expr,
		})
	}
	sorts := []sortBy{}
	for _, sb := range body.SortBys {
		if !seen[sb.FieldName] {
			writeDSMError(w, http.StatusBadRequest, "invalid_sort", fmt.Sprintf("sort_bys names %q, which is not one of the output columns.", sb.FieldName))
			return
		}
		sorts = append(sorts, sortBy{FieldName: sb.FieldName, Ascending: sb.Ascending == nil || *sb.Ascending})
	}
	sort.SliceStable(cols, func(a, b int) bool { return cols[a].position < cols[b].position })
	sch := p.newOutputSchema(in, cols)
	sch.sortBys = sorts
	writeJSON(w, http.StatusCreated, wrap(outputSchemaJSON(sch), outputSchemaLinks(sch)))
}

// newOutputSchema compiles the columns, adds the schema to its input
// schema and starts working it out. The caller holds dsm.mu.
func (p *Portal) newOutputSchema(in *inputSchema, cols []*outputColumn) *outputSchema {
	d := in.src.rev.ds
	sch := &outputSchema{id: p.dsm.id(), in: in, createdAt: time.Now(), columns: cols, done: make(chan struct{})}
	for _, c := range cols {
		c.id, c.transformID = p.dsm.id(), p.dsm.id()
		c.datasetCol = -1
		if i, err := d.writableField(c.fieldName); err == nil {
			c.datasetCol = i
			if c.initialID == 0 {
				c.initialID = d.cols[i].id
			}
		}
		e, err := compileTransform(c.exprText, in.byField)
		if err != nil {
			c.compileErr = err.Error()
		} else {
			c.expr = e
		}
	}
	in.outputs = append(in.outputs, sch)
	if in.src.sink {
		finishSinkOutputSchema(sch)
		return sch
	}
	in.src.busy++
	p.dsm.jobs.Add(1)
	go func() {
		defer p.dsm.jobs.Done()
		p.evaluateOutputSchema(sch)
	}()
	return sch
}

func (p *Portal) dsmSchemaErrors(w http.ResponseWriter, r *http.Request) {
	sch := p.findOutputSchema(w, r)
	if sch == nil {
		return
	}
	if sch.finishedAt.IsZero() {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusBadRequest, "not_finished", "The output schema is still being worked out; fetch its errors once finished_at is set.")
		return
	}
	p.writeErrorRows(w, sch.in, func(cw *csvOut) {
		_ = p.scanOutput(sch, func(raw []string, _ []string, problems []string) error {
			msgs := nonEmpty(problems)
			if len(msgs) == 0 {
				return nil
			}
			return cw.write(append(append([]string{}, raw...), strings.Join(msgs, "; ")))
		})
	})
}

func (p *Portal) dsmInputRowErrors(w http.ResponseWriter, r *http.Request) {
	in := p.findInputSchema(w, r)
	if in == nil {
		return
	}
	p.writeErrorRows(w, in, func(cw *csvOut) {
		_ = p.scanInput(in.src, in, func(line int, rec []string, ragged bool) error {
			if !ragged {
				return nil
			}
			return cw.write(append(append([]string{}, rec...), fmt.Sprintf("line %d has %d cells but the header has %d", line, len(rec), len(in.header))))
		})
	})
}

// writeErrorRows answers with an error rows CSV: the upload's header with
// an "error" column, then the rows that rows writes. A sink keeps no rows,
// so its CSV is the header alone. It is called with dsm.mu held and lets
// go of it before reading the file, which it keeps until it is done.
func (p *Portal) writeErrorRows(w http.ResponseWriter, in *inputSchema, rows func(*csvOut)) {
	src := in.src
	if src.sink && src.rev.closedAt.IsZero() {
		p.dsm.mu.Unlock()
		writeSinkErrors(w, in)
		return
	}
	if src.file == nil {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusGone, "gone", "The uploaded file is no longer kept, because its revision is closed.")
		return
	}
	src.busy++
	p.dsm.mu.Unlock()
	defer p.dsm.release(src)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := newCSVOut(w)
	cw.write(append(append([]string{}, in.header...), "error"))
	rows(cw)
	cw.flush()
}
