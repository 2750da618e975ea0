package socratatest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// The Data Management API (/api/publishing/v1): revisions on existing
// datasets, upload sources (single-shot or chunked, spooled to a temporary
// file), input and output schemas worked out in the background,
// transforms, error rows, and applies that run as task sets.

const dsmPrefix = "/api/publishing/v1"

// dsmState holds every revision, source and schema. Its mutex is never
// held while Portal.mu is taken, or the other way round.
type dsmState struct {
	mu        sync.Mutex
	next      int // one counter for every id, so ids never collide
	revisions map[string][]*revision
	sources   map[int]*source
	jobs      sync.WaitGroup
}

func (s *dsmState) init() {
	s.revisions = map[string][]*revision{}
	s.sources = map[int]*source{}
	s.next = 100
}

func (s *dsmState) id() int {
	s.next++
	return s.next
}

// closeAll waits for background jobs and closes every spooled file.
func (s *dsmState) closeAll() {
	s.jobs.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, src := range s.sources {
		src.closeFile()
	}
}

type revision struct {
	id, seq        int
	ds             *dataset
	action         string
	permission     string
	metadata       map[string]any
	outputSchemaID int
	createdAt      time.Time
	createdBy      *user
	closedAt       time.Time
	discardedAt    time.Time
	taskSets       []*taskSet
	sources        []*source
}

type taskSet struct {
	id             int
	status         string
	log            []map[string]any
	createdAt      time.Time
	updatedAt      time.Time
	finishedAt     time.Time
	createdBy      *user
	jobUUID        string
	requestID      string
	outputSchemaID int
	countsOff      int // an injected fault's change to the counts reported
}

type source struct {
	id           int
	rev          *revision
	filename     string
	contentType  string
	parseOptions map[string]any
	createdAt    time.Time
	createdBy    *user
	finishedAt   time.Time
	failedAt     time.Time
	failure      string
	size         int64

	file      *os.File
	initiated bool
	committed bool
	busy      int // background jobs reading the file
	chunks    map[int]chunk
	schemas   []*inputSchema

	// sink is set for sources of a DatasetSpec.Sink dataset: their bytes
	// are counted as they arrive and never spooled, and only head, the
	// start of the file, is kept.
	sink bool
	head []byte
}

type chunk struct {
	offset, size int64
	tally        csvTally // a sink source's count of the chunk's records
}

func (src *source) closeFile() {
	if src.file != nil {
		src.file.Close()
		os.Remove(src.file.Name())
		src.file = nil
	}
}

// maybeRemoveFile drops the spooled file once the revision is over and no
// job reads it. The caller holds dsm.mu.
func (src *source) maybeRemoveFile() {
	if src.busy == 0 && src.rev != nil && !src.rev.closedAt.IsZero() {
		src.closeFile()
	}
}

// release ends a job's use of the source's file, which src.busy++
// began, and removes the file if it was the last use after the
// revision closed. The caller holds dsm.mu.
func (src *source) release() {
	src.busy--
	src.maybeRemoveFile()
}

// release is [source.release] for a caller that does not hold dsm.mu.
func (s *dsmState) release(src *source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src.release()
}

type inputSchema struct {
	id           int
	src          *source
	createdAt    time.Time
	header       []string // the header cells as written
	columns      []inputColumn
	byField      map[string]int
	totalRows    int
	numRowErrors int
	outputs      []*outputSchema
}

type inputColumn struct {
	id          int
	fieldName   string
	displayName string
	guessed     string
}

type outputSchema struct {
	id         int
	in         *inputSchema
	createdAt  time.Time
	columns    []*outputColumn
	sortBys    []sortBy // never nil: socrata-py reads sort_bys as a list
	errorCount int      // rows with an error
	totalRows  int
	finishedAt time.Time
	done       chan struct{}
}

// sortBy is one entry of an output schema's sort_bys.
type sortBy struct {
	FieldName string `json:"field_name"`
	Ascending bool   `json:"ascending"`
}

type outputColumn struct {
	id            int
	fieldName     string
	displayName   string
	description   string
	position      int
	primaryKey    bool
	format        map[string]any
	initialID     int
	transformID   int
	exprText      string
	expr          *expr
	compileErr    string
	errorCount    int
	datasetCol    int // index of the dataset column it fills, or -1
	transformDone time.Time
}

func (p *Portal) dsmRoutes(mux *http.ServeMux) {
	r := dsmPrefix + "/revision/{ff}"
	s := dsmPrefix + "/source/{sid}"
	mux.HandleFunc("POST "+dsmPrefix+"/revision", p.dsmNewDataset)
	mux.HandleFunc("POST "+r, p.dsmCreateRevision)
	mux.HandleFunc("GET "+r, p.dsmListRevisions)
	mux.HandleFunc("GET "+r+"/{seq}", p.dsmShowRevision)
	mux.HandleFunc("PUT "+r+"/{seq}", p.dsmUpdateRevision)
	mux.HandleFunc("PATCH "+r+"/{seq}", p.dsmUpdateRevision)
	mux.HandleFunc("DELETE "+r+"/{seq}", p.dsmDiscardRevision)
	mux.HandleFunc("PUT "+r+"/{seq}/apply", p.dsmApply)
	mux.HandleFunc("GET "+r+"/{seq}/apply/{tid}", p.dsmShowTaskSet)
	mux.HandleFunc("POST "+r+"/{seq}/source", p.dsmCreateSource)
	mux.HandleFunc("GET "+r+"/{seq}/source", p.dsmListSources)
	mux.HandleFunc("GET "+s, p.dsmShowSource)
	mux.HandleFunc("POST "+s, p.dsmUploadBytes)
	mux.HandleFunc("POST "+s+"/initiate", p.dsmInitiate)
	mux.HandleFunc("POST "+s+"/chunk/{seq}/{off}", p.dsmChunk)
	mux.HandleFunc("POST "+s+"/chunk/{seq}/{off}/commit", p.dsmCommit)
	mux.HandleFunc("GET "+s+"/schema/{isid}", p.dsmShowInputSchema)
	mux.HandleFunc("POST "+s+"/schema/{isid}", p.dsmTransform)
	mux.HandleFunc("GET "+s+"/schema/{isid}/output/{osid}", p.dsmShowOutputSchema)
	mux.HandleFunc("GET "+s+"/schema/{isid}/errors/{osid}", p.dsmSchemaErrors)
	mux.HandleFunc("GET "+s+"/schema/{isid}/errors", p.dsmInputRowErrors)
}

// writeDSMError writes DSMAPI's error body, {"key", "message", "params"}.
func writeDSMError(w http.ResponseWriter, status int, key, message string) {
	writeJSON(w, status, map[string]any{"key": key, "message": message, "params": map[string]any{}})
}

// decodeDSMBody reads an optional JSON body into v, leaving v as it is
// when the body is empty. When the body is not JSON it answers 400 itself
// and returns false.
func decodeDSMBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil && err != io.EOF {
		writeDSMError(w, http.StatusBadRequest, "invalid_body", "The body is not a JSON object: "+err.Error()+".")
		return false
	}
	return true
}

func wrap(resource any, links map[string]any) map[string]any {
	return map[string]any{"resource": resource, "links": links}
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func nullID(id int) any {
	if id == 0 {
		return nil
	}
	return id
}

func creator(u *user) map[string]any {
	if u == nil {
		return nil
	}
	return map[string]any{"user_id": u.id(), "display_name": u.spec.DisplayName, "email": u.spec.Email}
}

// dsmUser answers 403 for anonymous DSMAPI calls, which always need a
// publisher.
func dsmUser(w http.ResponseWriter, r *http.Request) *user {
	u := requestUser(r)
	if u == nil {
		writeDSMError(w, http.StatusForbidden, "authentication_required",
			"The Data Management API needs a signed-in publisher: send a username and password or an API key id and secret.")
	}
	return u
}

func (p *Portal) dsmNewDataset(w http.ResponseWriter, r *http.Request) {
	if dsmUser(w, r) == nil {
		return
	}
	writeDSMError(w, http.StatusNotImplemented, "not_supported",
		"socratatest does not create new datasets through the Data Management API; add one with Portal.AddDataset and open a revision on it.")
}

// --- Revisions -------------------------------------------------------------

func revisionLinks(rv *revision) map[string]any {
	base := fmt.Sprintf("%s/revision/%s/%d", dsmPrefix, rv.ds.spec.ID, rv.seq)
	return map[string]any{
		"show": base, "update": base, "discard": base, "apply": base + "/apply",
		"create_source": base + "/source", "list_sources": base + "/source", "plan": base + "/plan",
	}
}

// revisionJSON renders a revision. The caller holds dsm.mu.
func revisionJSON(rv *revision) map[string]any {
	tasks := []any{}
	for _, t := range rv.taskSets {
		tasks = append(tasks, taskSetJSON(t))
	}
	return map[string]any{
		"id": rv.id, "fourfour": rv.ds.spec.ID, "revision_seq": rv.seq,
		"action":           map[string]any{"type": rv.action, "permission": rv.permission},
		"metadata":         rv.metadata, // null until set
		"task_sets":        tasks,
		"output_schema_id": nullID(rv.outputSchemaID),
		"blob_id":          nil,
		"created_at":       ts(rv.createdAt),
		"created_by":       creator(rv.createdBy),
		"closed_at":        ts(rv.closedAt),
		"discarded_at":     ts(rv.discardedAt),
		"is_parent":        false,
		"attachments":      []any{},
		"href":             []any{},
	}
}

// taskSetLinks are a task set's links. socrata-py makes a Job of the
// apply answer and waits for it by calling its "show" link, which must
// answer with the task set again.
func taskSetLinks(rv *revision, t *taskSet) map[string]any {
	return map[string]any{"show": fmt.Sprintf("%s/revision/%s/%d/apply/%d", dsmPrefix, rv.ds.spec.ID, rv.seq, t.id)}
}

func taskSetJSON(t *taskSet) map[string]any {
	return map[string]any{
		"id": t.id, "status": t.status, "log": append([]map[string]any{}, t.log...),
		"created_at": ts(t.createdAt), "updated_at": ts(t.updatedAt), "finished_at": ts(t.finishedAt),
		"created_by": creator(t.createdBy), "job_uuid": t.jobUUID, "request_id": t.requestID,
		"output_schema_id": nullID(t.outputSchemaID),
	}
}

func (p *Portal) dsmCreateRevision(w http.ResponseWriter, r *http.Request) {
	if dsmUser(w, r) == nil {
		return
	}
	d := p.writableDataset(w, r, r.PathValue("ff"))
	if d == nil {
		return
	}
	var body struct {
		Action struct {
			Type       string `json:"type"`
			Permission string `json:"permission"`
		} `json:"action"`
		Metadata map[string]any `json:"metadata"`
		Config   string         `json:"config"`
	}
	if !decodeDSMBody(w, r, &body) {
		return
	}
	if body.Config != "" {
		writeDSMError(w, http.StatusBadRequest, "not_supported", "socratatest has no import configs; open the revision with an action instead.")
		return
	}
	switch body.Action.Type {
	case "update", "replace":
	case "delete":
		if d.keyCol < 0 {
			writeDSMError(w, http.StatusBadRequest, "no_row_identifier", fmt.Sprintf(
				"A delete revision needs a row identifier, and dataset %s has none: set one on the dataset, or delete rows by :id with SODA.", d.spec.ID))
			return
		}
	case "":
		writeDSMError(w, http.StatusBadRequest, "invalid_action", `The revision needs an action: {"action": {"type": "update"}} (or "replace" or "delete").`)
		return
	default:
		writeDSMError(w, http.StatusBadRequest, "invalid_action", fmt.Sprintf("Action type %q is not update, replace or delete.", body.Action.Type))
		return
	}
	perm := body.Action.Permission
	if perm == "" {
		perm = "public"
		if d.spec.Private {
			perm = "private"
		}
	}
	p.dsm.mu.Lock()
	defer p.dsm.mu.Unlock()
	list := p.dsm.revisions[d.spec.ID]
	rv := &revision{
		id: p.dsm.id(), seq: len(list) + 1, ds: d, action: body.Action.Type, permission: perm,
		metadata: body.Metadata, createdAt: time.Now(), createdBy: requestUser(r),
	}
	p.dsm.revisions[d.spec.ID] = append(list, rv)
	writeJSON(w, http.StatusCreated, wrap(revisionJSON(rv), revisionLinks(rv)))
}

// findRevision resolves {ff}/{seq} and checks the caller may use it,
// answering the request itself when not. It returns with dsm.mu held.
func (p *Portal) findRevision(w http.ResponseWriter, r *http.Request) *revision {
	u := dsmUser(w, r)
	if u == nil {
		return nil
	}
	ff := r.PathValue("ff")
	seq, err := strconv.Atoi(r.PathValue("seq"))
	p.dsm.mu.Lock()
	list := p.dsm.revisions[ff]
	if err != nil || seq < 1 || seq > len(list) {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Dataset %s has no revision %s.", ff, r.PathValue("seq")))
		return nil
	}
	rv := list[seq-1]
	if !canWrite(u, rv.ds) {
		p.dsm.mu.Unlock()
		writeDSMError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("You cannot use revisions of %s: you neither own it nor have it shared to you as an editor.", ff))
		return nil
	}
	return rv
}

func (p *Portal) dsmListRevisions(w http.ResponseWriter, r *http.Request) {
	u := dsmUser(w, r)
	if u == nil {
		return
	}
	d := p.writableDataset(w, r, r.PathValue("ff"))
	if d == nil {
		return
	}
	open := r.URL.Query().Get("open")
	p.dsm.mu.Lock()
	defer p.dsm.mu.Unlock()
	out := []any{}
	list := p.dsm.revisions[d.spec.ID]
	for i := len(list) - 1; i >= 0; i-- {
		rv := list[i]
		if open == "true" && !rv.closedAt.IsZero() || open == "false" && rv.closedAt.IsZero() {
			continue
		}
		out = append(out, wrap(revisionJSON(rv), revisionLinks(rv)))
	}
	writeJSON(w, http.StatusOK, out)
}

func (p *Portal) dsmShowRevision(w http.ResponseWriter, r *http.Request) {
	rv := p.findRevision(w, r)
	if rv == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	writeJSON(w, http.StatusOK, wrap(revisionJSON(rv), revisionLinks(rv)))
}

func (p *Portal) dsmUpdateRevision(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Metadata       map[string]any `json:"metadata"`
		OutputSchemaID *int           `json:"output_schema_id"`
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
	if body.OutputSchemaID != nil {
		if rv.outputSchema(*body.OutputSchemaID) == nil {
			writeDSMError(w, http.StatusBadRequest, "invalid_output_schema", fmt.Sprintf("Output schema %d does not belong to a source of this revision.", *body.OutputSchemaID))
			return
		}
		rv.outputSchemaID = *body.OutputSchemaID
	}
	if body.Metadata != nil {
		rv.metadata = body.Metadata
	}
	// The Publishing API's spec answers an update with 202.
	writeJSON(w, http.StatusAccepted, wrap(revisionJSON(rv), revisionLinks(rv)))
}

// outputSchema finds an output schema among the revision's sources. The
// caller holds dsm.mu.
func (rv *revision) outputSchema(id int) *outputSchema {
	for _, src := range rv.sources {
		for _, in := range src.schemas {
			for _, sch := range in.outputs {
				if sch.id == id {
					return sch
				}
			}
		}
	}
	return nil
}

func (p *Portal) dsmDiscardRevision(w http.ResponseWriter, r *http.Request) {
	rv := p.findRevision(w, r)
	if rv == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	if rv.closedAt.IsZero() {
		for _, t := range rv.taskSets {
			if t.finishedAt.IsZero() {
				writeDSMError(w, http.StatusBadRequest, "apply_running", "The revision is being applied and cannot be discarded now; wait for the apply to finish.")
				return
			}
		}
		now := time.Now()
		rv.closedAt, rv.discardedAt = now, now
		for _, src := range rv.sources {
			src.maybeRemoveFile()
		}
	}
	// The Publishing API's spec answers a discard with 201.
	writeJSON(w, http.StatusCreated, wrap(revisionJSON(rv), revisionLinks(rv)))
}

func (p *Portal) dsmShowTaskSet(w http.ResponseWriter, r *http.Request) {
	rv := p.findRevision(w, r)
	if rv == nil {
		return
	}
	defer p.dsm.mu.Unlock()
	id, _ := strconv.Atoi(r.PathValue("tid"))
	for _, t := range rv.taskSets {
		if t.id == id {
			// The Publishing API's spec answers this with 202, finished
			// or not.
			writeJSON(w, http.StatusAccepted, wrap(taskSetJSON(t), taskSetLinks(rv, t)))
			return
		}
	}
	writeDSMError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Revision %d has no task set %s.", rv.seq, r.PathValue("tid")))
}
