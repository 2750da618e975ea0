package socratatest

// Upload sources: creating them, taking their bytes in one request or in
// chunks, and checking chunked uploads before they are committed.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// sourceLinks are a source's links, with the names of socrata-api.md §5.2
// and the same {placeholders} a real portal uses. socrata-py builds each
// input schema's links from input_schema_links, and each output schema's
// from output_schema_links within them (resource.py, ChildResourceSpec),
// so both nested sets must be there.
func sourceLinks(src *source) map[string]any {
	base := fmt.Sprintf("%s/source/%d", dsmPrefix, src.id)
	return map[string]any{
		"show": base, "bytes": base, "update": base, "add_to_revision": base,
		"initiate":           base + "/initiate",
		"chunk":              base + "/chunk/{seq_num}/{byte_offset}",
		"commit":             base + "/chunk/{seq_num}/{byte_offset}/commit",
		"cancel":             base + "/cancel",
		"load":               base + "/load",
		"input_schema_links": inputSchemaLinks(src.id, "{input_schema_id}"),
	}
}

// inputSchemaLinks are the links of an input schema of source sid: isid
// is its id, or the {input_schema_id} placeholder in a source's links.
func inputSchemaLinks(sid int, isid string) map[string]any {
	base := fmt.Sprintf("%s/source/%d", dsmPrefix, sid)
	schema := base + "/schema/" + isid
	return map[string]any{
		"show": schema, "transform": schema, "latest_output": schema + "/output/latest",
		"row_errors": schema + "/errors",
		"output_schema_links": map[string]any{
			"show":            schema + "/output/{output_schema_id}",
			"rows":            schema + "/rows/{output_schema_id}",
			"schema_errors":   schema + "/errors/{output_schema_id}",
			"validate_row_id": base + "/transform/{transform_id}/validate_row_identifier",
			"build_config":    dsmPrefix + "/config/build_from/{output_schema_id}",
		},
	}
}

// sourceJSON renders a source. The caller holds dsm.mu.
func sourceJSON(src *source) map[string]any {
	schemas := []any{}
	for _, in := range src.schemas {
		schemas = append(schemas, inputSchemaJSON(in))
	}
	var failure any
	if src.failure != "" {
		failure = map[string]any{"message": src.failure}
	}
	size := any(nil)
	if src.committed {
		size = src.size
	}
	return map[string]any{
		"id": src.id, "source_type": map[string]any{"type": "upload", "filename": src.filename},
		"content_type": nilIfEmpty(src.contentType), "parse_options": src.parseOptions,
		"schemas": schemas, "filesize": size, "created_at": ts(src.createdAt), "created_by": creator(src.createdBy),
		"finished_at": ts(src.finishedAt), "failed_at": ts(src.failedAt), "failure_details": failure,
		"export_filename": src.filename, "blob": nil, "locale": "en",
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func inputSchemaJSON(in *inputSchema) map[string]any {
	cols := []any{}
	for i, c := range in.columns {
		cols = append(cols, map[string]any{
			"id": c.id, "input_schema_id": in.id, "field_name": c.fieldName, "display_name": c.displayName,
			"position": i, "soql_type": "text", "guessed_soql_type": c.guessed, "semantic_type": nil,
		})
	}
	outs := []any{}
	for _, sch := range in.outputs {
		outs = append(outs, outputSchemaJSON(sch))
	}
	return map[string]any{
		"id": in.id, "name": in.src.filename, "created_at": ts(in.createdAt), "created_by": creator(in.src.createdBy),
		"total_rows": in.totalRows, "num_row_errors": in.numRowErrors, "input_columns": cols, "output_schemas": outs,
	}
}

func outputSchemaJSON(sch *outputSchema) map[string]any {
	cols := []any{}
	for _, c := range sch.columns {
		var inputs []map[string]any
		var failure any
		if c.expr != nil {
			for _, i := range c.expr.inputs() {
				inputs = append(inputs, map[string]any{"input_column_id": sch.in.columns[i].id})
			}
		}
		failedAt, finishedAt := any(nil), ts(c.transformDone)
		outType := "text"
		if c.compileErr != "" {
			failure = map[string]any{"message": c.compileErr, "type": "compilation_failed"}
			failedAt, finishedAt = ts(sch.createdAt), nil
		} else {
			if outType = c.expr.outType(); outType == nullType {
				outType = "text" // a column of nothing but null
			}
		}
		errCount := any(nil)
		if !sch.finishedAt.IsZero() {
			errCount = c.errorCount
		}
		cols = append(cols, map[string]any{
			"id": c.id, "field_name": c.fieldName, "display_name": c.displayName, "description": c.description,
			"position": c.position, "is_primary_key": c.primaryKey, "format": c.format,
			"initial_output_column_id": nullID(c.initialID),
			"transform": map[string]any{
				"id": c.transformID, "transform_expr": c.exprText, "output_soql_type": outType,
				"error_count": errCount, "finished_at": finishedAt, "failed_at": failedAt,
				"failure_details": failure, "attempts": 0, "transform_input_columns": inputs,
			},
		})
	}
	var errCount, total any
	if !sch.finishedAt.IsZero() {
		errCount, total = sch.errorCount, sch.totalRows
	}
	sorts := sch.sortBys
	if sorts == nil {
		sorts = []sortBy{}
	}
	return map[string]any{
		"id": sch.id, "input_schema_id": sch.in.id, "created_at": ts(sch.createdAt), "created_by": creator(sch.in.src.createdBy),
		"error_count": errCount, "total_rows": total, "finished_at": ts(sch.finishedAt), "completed_at": ts(sch.finishedAt),
		"output_columns": cols, "sort_bys": sorts,
	}
}

// outputSchemaLinks are an output schema's links: those of its input
// schema's output_schema_links, with the ids filled in.
func outputSchemaLinks(sch *outputSchema) map[string]any {
	l := inputSchemaLinks(sch.in.src.id, strconv.Itoa(sch.in.id))["output_schema_links"].(map[string]any)
	for k, v := range l {
		l[k] = strings.ReplaceAll(v.(string), "{output_schema_id}", strconv.Itoa(sch.id))
	}
	return l
}

func (p *Portal) dsmCreateSource(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SourceType struct {
			Type     string `json:"type"`
			Filename string `json:"filename"`
		} `json:"source_type"`
		ParseOptions map[string]any `json:"parse_options"`
	}
	if !decodeDSMBody(w, r, &body) {
		return
	}
	rv := p.findRevision(w, r)
	if rv == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	if !rv.closedAt.IsZero() {
		writeDSMError(w, http.StatusBadRequest, "revision_closed", "This revision is already closed; open a new one.")
		return
	}
	if body.SourceType.Type != "upload" {
		writeDSMError(w, http.StatusBadRequest, "not_supported", fmt.Sprintf(
			"Source type %q is not supported by socratatest; use {\"type\": \"upload\", \"filename\": \"...\"}.", body.SourceType.Type))
		return
	}
	if body.SourceType.Filename == "" {
		writeDSMError(w, http.StatusBadRequest, "invalid_source", "An upload source needs a filename in source_type.")
		return
	}
	opts := map[string]any{
		"parse_source": true, "header_count": 1, "column_header": 1, "encoding": "utf8",
		"column_separator": ",", "quote_char": "\"", "trim_whitespace": true, "remove_empty_rows": true,
	}
	for k, v := range body.ParseOptions {
		opts[k] = v
	}
	if err := checkParseOptions(opts); err != nil {
		writeDSMError(w, http.StatusBadRequest, "invalid_parse_options", err.Error())
		return
	}
	src := &source{
		id: p.dsm.id(), rev: rv, filename: body.SourceType.Filename, parseOptions: opts,
		createdAt: time.Now(), createdBy: requestUser(r), chunks: map[int]chunk{}, sink: rv.ds.spec.Sink,
	}
	p.dsm.sources[src.id] = src
	rv.sources = append(rv.sources, src)
	writeJSON(w, http.StatusCreated, wrap(sourceJSON(src), sourceLinks(src)))
}

func (p *Portal) dsmListSources(w http.ResponseWriter, r *http.Request) {
	rv := p.findRevision(w, r)
	if rv == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	out := []any{}
	for _, src := range rv.sources {
		out = append(out, wrap(sourceJSON(src), sourceLinks(src)))
	}
	writeJSON(w, http.StatusOK, out)
}

// findSource resolves {sid} and checks the caller may use it. It returns
// with dsm.mu held.
func (p *Portal) findSource(w http.ResponseWriter, r *http.Request) *source {
	u := dsmUser(w, r)
	if u == nil {
		return nil
	}
	id, _ := strconv.Atoi(r.PathValue("sid"))
	p.dsm.mu.Lock()
	src := p.dsm.sources[id]
	if src == nil {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusNotFound, "not_found", fmt.Sprintf("There is no source %s.", r.PathValue("sid")))
		return nil
	}
	if !canWrite(u, src.rev.ds) {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("Source %d belongs to a revision of %s, which you cannot change.", id, src.rev.ds.spec.ID))
		return nil
	}
	return src
}

func (p *Portal) dsmShowSource(w http.ResponseWriter, r *http.Request) {
	src := p.findSource(w, r)
	if src == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	writeJSON(w, http.StatusOK, wrap(sourceJSON(src), sourceLinks(src)))
}

// openUpload checks a source can take bytes and makes its spooled file.
// The caller holds dsm.mu.
func (p *Portal) openUpload(src *source) (int, string, string) {
	if src.committed {
		return http.StatusBadRequest, "upload_finished", "This source already has its bytes; create a new source to upload another file."
	}
	if !src.rev.closedAt.IsZero() {
		return http.StatusBadRequest, "revision_closed", "This source's revision is closed; open a new revision."
	}
	if src.sink {
		return 0, "", "" // nothing is spooled
	}
	if src.file == nil {
		dir, err := p.tempDir()
		if err != nil {
			return http.StatusInternalServerError, "internal_error", "socratatest cannot make a temporary directory: " + err.Error()
		}
		f, err := os.CreateTemp(dir, fmt.Sprintf("source-%d-*.upload", src.id))
		if err != nil {
			return http.StatusInternalServerError, "internal_error", "socratatest cannot spool the upload: " + err.Error()
		}
		src.file = f
	}
	return 0, "", ""
}

// receive streams one request body into a source at byte offset off:
// into its spooled file or, for a sink, into a count. It is called with
// dsm.mu held and lets go of it while the bytes arrive, so that chunks
// stream in parallel; it returns with dsm.mu held again.
func (p *Portal) receive(src *source, off int64, body io.Reader) (int64, sinkPiece, error) {
	f := src.file
	src.busy++
	p.dsm.mu.Unlock()
	defer func() {
		p.dsm.mu.Lock()
		// Not src.release: the handler still uses the file after this
		// returns, even when the revision was discarded meanwhile.
		src.busy--
	}()
	if src.sink {
		piece, err := sinkChunk(off, body)
		return piece.size, piece, err
	}
	n, err := io.Copy(io.NewOffsetWriter(f, off), body)
	return n, sinkPiece{}, err
}

func (p *Portal) dsmUploadBytes(w http.ResponseWriter, r *http.Request) {
	src := p.findSource(w, r)
	if src == nil {
		return
	}
	if status, key, msg := p.openUpload(src); status != 0 {
		p.dsm.mu.Unlock()
		writeDSMError(w, status, key, msg)
		return
	}
	if src.initiated {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusBadRequest, "chunked_upload", "A chunked upload was started on this source: send chunks and commit them instead.")
		return
	}
	n, piece, err := p.receive(src, 0, r.Body)
	defer p.dsm.mu.Unlock()
	if err == nil {
		if src.sink {
			src.keep(0, piece)
		} else {
			// An upload sent again after one that broke off must not keep
			// the longer first attempt's tail.
			err = src.file.Truncate(n)
		}
	}
	if err != nil {
		writeDSMError(w, http.StatusBadRequest, "upload_failed", "The upload stopped before the whole file arrived: "+err.Error()+". Upload it again.")
		return
	}
	src.contentType = mediaType(r)
	p.finishUpload(src, n)
	// The Publishing API's spec answers an upload with 201.
	writeJSON(w, http.StatusCreated, wrap(sourceJSON(src), sourceLinks(src)))
}

func (p *Portal) dsmInitiate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ContentType string `json:"content_type"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	src := p.findSource(w, r)
	if src == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	if status, key, msg := p.openUpload(src); status != 0 {
		writeDSMError(w, status, key, msg)
		return
	}
	src.initiated = true
	src.contentType = body.ContentType
	writeJSON(w, http.StatusOK, map[string]any{
		"preferred_chunk_size":         p.chunkSize,
		"preferred_upload_parallelism": p.chunkParallel,
	})
}

func (p *Portal) dsmChunk(w http.ResponseWriter, r *http.Request) {
	seq, err1 := strconv.Atoi(r.PathValue("seq"))
	off, err2 := strconv.ParseInt(r.PathValue("off"), 10, 64)
	if err1 != nil || err2 != nil || seq < 0 || off < 0 {
		writeDSMError(w, http.StatusBadRequest, "invalid_chunk", "The chunk number and byte offset in the path must be whole numbers.")
		return
	}
	src := p.findSource(w, r)
	if src == nil {
		return
	}
	switch {
	case !src.initiated:
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusBadRequest, "not_initiated", "Start a chunked upload with the initiate link before sending chunks.")
		return
	case src.committed:
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusBadRequest, "upload_finished", "This upload was already committed.")
		return
	}
	// Chunks may arrive in parallel and out of order; each is written at
	// its own offset as it streams in (or, for a sink, counted).
	n, piece, err := p.receive(src, off, io.LimitReader(r.Body, p.chunkSize+1))
	defer p.dsm.mu.Unlock()
	switch {
	case err != nil:
		writeDSMError(w, http.StatusBadRequest, "upload_failed", fmt.Sprintf("Chunk %d stopped before it all arrived: %v. Send it again.", seq, err))
	case n > p.chunkSize:
		writeDSMError(w, http.StatusBadRequest, "chunk_too_large", fmt.Sprintf(
			"Chunk %d is larger than the preferred_chunk_size of %d bytes; send smaller chunks.", seq, p.chunkSize))
	case n == 0:
		writeDSMError(w, http.StatusBadRequest, "empty_chunk", fmt.Sprintf("Chunk %d is empty.", seq))
	default:
		if src.sink {
			src.keep(seq, piece)
		} else {
			src.chunks[seq] = chunk{offset: off, size: n}
		}
		writeJSON(w, http.StatusOK, map[string]any{"seq_num": seq, "byte_offset": off, "end_byte_offset": off + n})
	}
}

func (p *Portal) dsmCommit(w http.ResponseWriter, r *http.Request) {
	last, err1 := strconv.Atoi(r.PathValue("seq"))
	total, err2 := strconv.ParseInt(r.PathValue("off"), 10, 64)
	if err1 != nil || err2 != nil || last < 0 || total < 0 {
		writeDSMError(w, http.StatusBadRequest, "invalid_commit", "The last chunk number and total size in the path must be whole numbers.")
		return
	}
	src := p.findSource(w, r)
	if src == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	if !src.initiated || src.committed {
		writeDSMError(w, http.StatusBadRequest, "not_initiated", "There is no chunked upload in progress on this source to commit.")
		return
	}
	if key, msg := checkChunks(src.chunks, last, total); key != "" {
		writeDSMError(w, http.StatusBadRequest, key, msg)
		return
	}
	if src.busy > 0 {
		writeDSMError(w, http.StatusBadRequest, "chunks_in_flight", "Some chunks are still arriving; commit once every chunk has been acknowledged.")
		return
	}
	if !src.sink { // a sink spooled nothing
		// A chunk sent again shorter than before must not leave the first
		// attempt's tail past the end of the file.
		if err := src.file.Truncate(total); err != nil {
			writeDSMError(w, http.StatusInternalServerError, "internal_error", "socratatest cannot finish the upload: "+err.Error())
			return
		}
	}
	p.finishUpload(src, total)
	writeJSON(w, http.StatusOK, wrap(sourceJSON(src), sourceLinks(src)))
}

// checkChunks verifies a chunked upload before commit: chunks 0..last all
// arrived, none after it, every chunk but the last the same size, each at
// the offset its number implies, adding up to total.
func checkChunks(chunks map[int]chunk, last int, total int64) (string, string) {
	for seq := 0; seq <= last; seq++ {
		if _, ok := chunks[seq]; !ok {
			return "missing_chunk", fmt.Sprintf("Chunk %d never arrived; send it, then commit again.", seq)
		}
	}
	for seq := range chunks {
		if seq > last {
			return "unexpected_chunk", fmt.Sprintf("Chunk %d arrived, but the commit says chunk %d is the last.", seq, last)
		}
	}
	size := chunks[0].size
	for seq := 0; seq <= last; seq++ {
		c := chunks[seq]
		if c.offset != int64(seq)*size {
			return "non_uniform_chunks", fmt.Sprintf("Chunk %d starts at byte %d, but with chunks of %d bytes it should start at %d.", seq, c.offset, size, int64(seq)*size)
		}
		if seq < last && c.size != size {
			return "non_uniform_chunks", fmt.Sprintf("Chunk %d has %d bytes but chunk 0 has %d: every chunk but the last must be the same size.", seq, c.size, size)
		}
		if seq == last && c.size > size {
			return "non_uniform_chunks", fmt.Sprintf("The last chunk has %d bytes, more than the %d of the others.", c.size, size)
		}
	}
	if got := chunks[last].offset + chunks[last].size; got != total {
		return "size_mismatch", fmt.Sprintf("The chunks add up to %d bytes, but the commit says %d.", got, total)
	}
	return "", ""
}

// finishUpload records the bytes and starts parsing them. The caller
// holds dsm.mu.
func (p *Portal) finishUpload(src *source, size int64) {
	src.committed, src.size, src.finishedAt = true, size, time.Now()
	if b, _ := src.parseOptions["parse_source"].(bool); !b {
		return
	}
	if src.sink {
		p.sinkParse(src)
		return
	}
	src.busy++
	p.dsm.jobs.Add(1)
	go func() {
		defer p.dsm.jobs.Done()
		p.parseSource(src)
	}()
}

// checkParseOptions refuses options the portal cannot honour.
func checkParseOptions(o map[string]any) error {
	if sep, _ := o["column_separator"].(string); len([]rune(sep)) != 1 {
		return fmt.Errorf("column_separator must be one character, not %q", sep)
	}
	if q, _ := o["quote_char"].(string); q != "\"" && q != "" {
		return fmt.Errorf("quote_char %q is not supported by socratatest; only \" is", q)
	}
	if e, _ := o["encoding"].(string); e != "" {
		switch strings.ToLower(strings.ReplaceAll(e, "-", "")) {
		case "utf8", "ascii", "usascii":
		default:
			return fmt.Errorf("encoding %q is not supported by socratatest; send UTF-8", e)
		}
	}
	for _, k := range []string{"header_count", "column_header"} {
		if v, ok := o[k]; ok {
			n, isNum := v.(float64)
			if i, isInt := v.(int); isInt {
				n, isNum = float64(i), true
			}
			if !isNum || n < 0 || n != float64(int(n)) {
				return fmt.Errorf("%s must be a whole number", k)
			}
		}
	}
	return nil
}

func intOption(o map[string]any, k string) int {
	switch v := o[k].(type) {
	case float64:
		return int(v)
	case int:
		return v
	}
	return 0
}
