package socrata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The Data Management API (DSMAPI, /api/publishing/v1) changes a dataset
// through a revision: open a revision, add a source, upload the file to it
// in chunks, wait for the portal to parse it into an input schema and
// transform that into an output schema, look at the error count (and the
// error rows), optionally change the transforms, apply the revision, and
// poll its task set until it succeeds or fails. A revision that is not
// applied is discarded.
//
// Answers carry "links" to the next steps; the client follows them when a
// value came from the portal and falls back to the documented paths when
// it did not (a Revision built by hand, say).

// Revision actions for [Client.OpenRevision].
const (
	// RevisionUpdate upserts by row identifier, or appends when the dataset
	// has none.
	RevisionUpdate = "update"
	// RevisionReplace makes the file the dataset's complete contents.
	RevisionReplace = "replace"
	// RevisionDelete deletes the rows whose identifiers the file lists; the
	// dataset must have a row identifier.
	RevisionDelete = "delete"
)

// Task set statuses. Others ("initializing", "creating_columns",
// "upserting", "finishing") mean the apply is still running.
const (
	TaskSucceeded = "successful"
	TaskFailed    = "failure"
	// TaskAwaitingApproval is set by the client when the portal answers
	// that the revision went to the site's approval queue instead of being
	// applied.
	TaskAwaitingApproval = "submitted_for_approval"
)

// publishing is the root of every DSMAPI path.
const publishing = "/api/publishing/v1"

// Revision is a draft of changes to one dataset.
type Revision struct {
	// ID is the revision's own id; Seq is its number within the dataset,
	// which the paths use.
	ID      int
	Dataset DatasetID
	Seq     int
	// Action is "update", "replace" or "delete"; Permission is "public" or
	// "private" when set.
	Action     string
	Permission string
	// OutputSchemaID is the output schema the revision will apply, or 0.
	OutputSchemaID int
	TaskSets       []TaskSet
	CreatedAt      time.Time
	// ClosedAt is set once the revision has been applied or discarded.
	ClosedAt time.Time

	links links
}

// Closed reports whether the revision was applied or discarded.
func (r *Revision) Closed() bool { return !r.ClosedAt.IsZero() }

// LatestTaskSet returns the task set with the highest id: the most recent
// attempt to apply the revision.
func (r *Revision) LatestTaskSet() (TaskSet, bool) {
	t, ok := latest(r.TaskSets, func(t *TaskSet) int { return t.ID })
	if !ok {
		return TaskSet{}, false
	}
	return *t, true
}

// latest returns the element of xs with the highest id, the first such
// one on a tie. The portal adds a task set for each try at applying a
// revision and a schema for each parse or transform, and keeps the old
// ones, so the newest is the one that counts.
func latest[T any](xs []T, id func(*T) int) (*T, bool) {
	if len(xs) == 0 {
		return nil, false
	}
	best := &xs[0]
	for i := range xs {
		if id(&xs[i]) > id(best) {
			best = &xs[i]
		}
	}
	return best, true
}

// TaskSet is the job that applies a revision.
type TaskSet struct {
	ID int
	// Status is one of the Task* constants or an in-progress stage.
	Status     string
	Log        []TaskLogEntry
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time
	JobUUID    string
	RequestID  string
}

// Done reports whether the task set has stopped: succeeded, failed or gone
// to approval.
func (t TaskSet) Done() bool {
	return t.Succeeded() || t.Failed() || t.AwaitingApproval()
}

// Succeeded reports whether the revision was applied.
func (t TaskSet) Succeeded() bool { return t.Status == TaskSucceeded }

// Failed reports whether applying the revision failed.
func (t TaskSet) Failed() bool { return t.Status == TaskFailed }

// AwaitingApproval reports whether the revision went to the site's
// approval queue; it is applied when someone approves it.
func (t TaskSet) AwaitingApproval() bool { return t.Status == TaskAwaitingApproval }

// TaskLogEntry is one step in a task set's log.
type TaskLogEntry struct {
	Stage string
	Time  time.Time
	// Details holds counts and messages, such as rows done so far.
	Details map[string]any
}

// ParseOptions say how the portal reads an uploaded file. The zero value
// is a comma-separated file with one header row, parsed into a schema,
// with the portal's defaults for everything else.
type ParseOptions struct {
	// Encoding, such as "utf-8"; "" leaves the portal to detect it.
	Encoding string
	// ColumnSeparator, such as "," or "\t"; "" is the portal's default.
	ColumnSeparator string
	// QuoteChar, such as `"`; "" is the portal's default.
	QuoteChar string
	// HeaderCount is how many rows at the top are headers; 0 means 1.
	// NoHeader says there are none, and the portal names the columns.
	HeaderCount int
	NoHeader    bool
	// ColumnHeader is the 1-based header row that names the columns; 0
	// means 1.
	ColumnHeader int
	// TrimWhitespace and RemoveEmptyRows are sent when true; false leaves
	// the portal's default.
	TrimWhitespace  bool
	RemoveEmptyRows bool
	// Blob stores the file as is, without parsing it into rows.
	Blob bool
}

// MarshalJSON writes the parse_options object, spelling out the defaults
// the zero value stands for.
func (p ParseOptions) MarshalJSON() ([]byte, error) {
	m := map[string]any{"parse_source": !p.Blob}
	switch {
	case p.NoHeader:
		m["header_count"] = 0
	case p.HeaderCount > 0:
		m["header_count"] = p.HeaderCount
	default:
		m["header_count"] = 1
	}
	if !p.NoHeader {
		m["column_header"] = max(p.ColumnHeader, 1)
	}
	if p.Encoding != "" {
		m["encoding"] = p.Encoding
	}
	if p.ColumnSeparator != "" {
		m["column_separator"] = p.ColumnSeparator
	}
	if p.QuoteChar != "" {
		m["quote_char"] = p.QuoteChar
	}
	if p.TrimWhitespace {
		m["trim_whitespace"] = true
	}
	if p.RemoveEmptyRows {
		m["remove_empty_rows"] = true
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads a parse_options object as the portal reports it.
func (p *ParseOptions) UnmarshalJSON(b []byte) error {
	var v struct {
		Encoding        string `json:"encoding"`
		ColumnSeparator string `json:"column_separator"`
		QuoteChar       string `json:"quote_char"`
		HeaderCount     *int   `json:"header_count"`
		ColumnHeader    int    `json:"column_header"`
		TrimWhitespace  bool   `json:"trim_whitespace"`
		RemoveEmptyRows bool   `json:"remove_empty_rows"`
		ParseSource     *bool  `json:"parse_source"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = ParseOptions{
		Encoding:        v.Encoding,
		ColumnSeparator: v.ColumnSeparator,
		QuoteChar:       v.QuoteChar,
		ColumnHeader:    v.ColumnHeader,
		TrimWhitespace:  v.TrimWhitespace,
		RemoveEmptyRows: v.RemoveEmptyRows,
		Blob:            v.ParseSource != nil && !*v.ParseSource,
	}
	if v.HeaderCount != nil {
		p.HeaderCount = *v.HeaderCount
		p.NoHeader = *v.HeaderCount == 0
	}
	return nil
}

// Source is a file (or other input) attached to a revision.
type Source struct {
	ID int
	// Type is "upload" for a file; Filename is its name.
	Type         string
	Filename     string
	ContentType  string
	ParseOptions ParseOptions
	// Schemas appear once the portal has parsed the bytes.
	Schemas   []InputSchema
	Filesize  int64
	CreatedAt time.Time
	// FinishedAt is when bytes stopped flowing in; FailedAt is set when
	// the portal could not read the file, with FailureDetails saying why.
	FinishedAt     time.Time
	FailedAt       time.Time
	FailureDetails map[string]any

	links links
}

// Parsed reports whether the portal has read the file into an input
// schema.
func (s *Source) Parsed() bool { return len(s.Schemas) > 0 }

// Failed reports whether the portal gave up reading the file.
func (s *Source) Failed() bool { return !s.FailedAt.IsZero() }

// FailureMessage is the portal's reason for a failed source, or "".
func (s *Source) FailureMessage() string {
	if len(s.FailureDetails) == 0 {
		return ""
	}
	for _, k := range []string{"message", "error", "reason", "english"} {
		if v, ok := s.FailureDetails[k].(string); ok && v != "" {
			return oneLine(v)
		}
	}
	b, _ := json.Marshal(s.FailureDetails)
	return oneLine(string(b))
}

// LatestInputSchema returns the input schema with the highest id.
func (s *Source) LatestInputSchema() (*InputSchema, bool) {
	return latest(s.Schemas, func(is *InputSchema) int { return is.ID })
}

// InputSchema is the file's columns as the portal read them: every column
// arrives as text, with a guessed type.
type InputSchema struct {
	ID   int
	Name string
	// TotalRows is 0 until the portal has counted them.
	TotalRows int64
	// NumRowErrors counts rows with too many or too few cells.
	NumRowErrors  int64
	InputColumns  []InputColumn
	OutputSchemas []OutputSchema
	CreatedAt     time.Time
}

// LatestOutputSchema returns the output schema with the highest id.
func (is *InputSchema) LatestOutputSchema() (*OutputSchema, bool) {
	return latest(is.OutputSchemas, func(o *OutputSchema) int { return o.ID })
}

// InputColumn is one column of the uploaded file.
type InputColumn struct {
	ID int
	// FieldName is the header normalised to a field name; transform
	// expressions refer to it in backticks.
	FieldName       string
	DisplayName     string
	Position        int
	SoQLType        string
	GuessedSoQLType string
}

// OutputSchema is the dataset as it will be once the revision is applied:
// each output column is computed from input columns by a transform.
type OutputSchema struct {
	ID            int
	InputSchemaID int
	TotalRows     int64
	// ErrorCount is the number of cells the transforms could not convert.
	// It is meaningful once Done reports true.
	ErrorCount    int64
	OutputColumns []OutputColumn
	CreatedAt     time.Time
	// CompletedAt is set when every transform has run (the portal calls it
	// completed_at or finished_at).
	CompletedAt time.Time
}

// Done reports whether every transform has finished.
func (o *OutputSchema) Done() bool { return !o.CompletedAt.IsZero() }

// FailedColumns lists the columns whose transform failed outright (as
// opposed to producing cell errors).
func (o *OutputSchema) FailedColumns() []OutputColumn {
	var out []OutputColumn
	for _, c := range o.OutputColumns {
		if !c.Transform.FailedAt.IsZero() {
			out = append(out, c)
		}
	}
	return out
}

// Specs returns the schema's columns as specs for [Client.Transform], so
// that a caller can change some and send the whole list back.
func (o *OutputSchema) Specs() []OutputColumnSpec {
	out := make([]OutputColumnSpec, 0, len(o.OutputColumns))
	for _, c := range o.OutputColumns {
		out = append(out, OutputColumnSpec{
			FieldName:             c.FieldName,
			DisplayName:           c.DisplayName,
			Position:              c.Position,
			Description:           c.Description,
			IsPrimaryKey:          c.IsPrimaryKey,
			InitialOutputColumnID: c.InitialOutputColumnID,
			TransformExpr:         c.Transform.Expr,
			Format:                c.Format,
		})
	}
	return out
}

// OutputColumn is one column of an output schema.
type OutputColumn struct {
	ID           int
	FieldName    string
	DisplayName  string
	Position     int
	Description  string
	IsPrimaryKey bool
	// InitialOutputColumnID is the dataset column this one came from.
	InitialOutputColumnID int
	Format                map[string]string
	Transform             ColumnTransform
}

// ColumnTransform is the expression that fills an output column, and how
// running it went.
type ColumnTransform struct {
	ID             int
	Expr           string
	OutputSoQLType string
	// ErrorCount is the number of cells it could not convert.
	ErrorCount int64
	FinishedAt time.Time
	FailedAt   time.Time
	// FailureMessage says why the transform failed, when it did.
	FailureMessage string
}

// OutputColumnSpec is one column of the output schema asked for in
// [Client.Transform].
type OutputColumnSpec struct {
	FieldName   string
	DisplayName string
	// Position is 0-based.
	Position     int
	Description  string
	IsPrimaryKey bool
	// InitialOutputColumnID keeps the link to an existing dataset column;
	// 0 leaves it out.
	InitialOutputColumnID int
	// TransformExpr computes the column, such as "to_number(`fee_usd`)";
	// backticked names are input columns.
	TransformExpr string
	Format        map[string]string
}

// MarshalJSON writes the column as the output_columns entry DSMAPI takes.
func (s OutputColumnSpec) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"field_name":   s.FieldName,
		"display_name": s.DisplayName,
		"position":     s.Position,
		"description":  s.Description,
		"transform":    map[string]string{"transform_expr": s.TransformExpr},
	}
	if s.IsPrimaryKey {
		m["is_primary_key"] = true
	}
	if s.InitialOutputColumnID != 0 {
		m["initial_output_column_id"] = s.InitialOutputColumnID
	}
	if len(s.Format) > 0 {
		m["format"] = s.Format
	}
	return json.Marshal(m)
}

// UploadPlan is how the portal wants a chunked upload sent. Both are
// maximums: every chunk but the last must be exactly the same size, no
// larger than PreferredChunkSize, with at most Parallelism in flight.
type UploadPlan struct {
	PreferredChunkSize int64
	Parallelism        int
}

// OpenRevision opens a revision on an existing dataset. action is
// [RevisionUpdate], [RevisionReplace] or [RevisionDelete]. It is not
// retried, since each call opens a new revision.
func (c *Client) OpenRevision(ctx context.Context, id DatasetID, action string) (*Revision, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	switch action {
	case RevisionUpdate, RevisionReplace, RevisionDelete:
	default:
		return nil, fmt.Errorf("socrata: unknown revision action %q: use update, replace or delete", clip(action))
	}
	body, _ := json.Marshal(map[string]any{"action": map[string]string{"type": action}})
	var v revisionJSON
	path := publishing + "/revision/" + string(id)
	l, err := c.dsmapi(ctx, &request{method: http.MethodPost, path: path, body: body, contentType: "application/json"}, &v)
	if err != nil {
		return nil, err
	}
	if v.ID == 0 {
		return nil, c.badShape(http.MethodPost, path, "it has no revision id", nil)
	}
	return v.revision(l), nil
}

// GetRevision fetches a revision; poll it to follow its task sets.
func (c *Client) GetRevision(ctx context.Context, id DatasetID, seq int) (*Revision, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var v revisionJSON
	l, err := c.dsmapi(ctx, &request{method: http.MethodGet, path: revisionPath(id, seq), retry: true}, &v)
	if err != nil {
		return nil, err
	}
	return v.revision(l), nil
}

// DiscardRevision closes a revision without applying it. It is retried,
// since discarding twice changes nothing. Call it with a fresh context when
// the one that ran the upload has been cancelled.
func (c *Client) DiscardRevision(ctx context.Context, id DatasetID, seq int) error {
	if err := checkID(id); err != nil {
		return err
	}
	resp, err := c.do(ctx, &request{method: http.MethodDelete, path: revisionPath(id, seq), retry: true, accept202: true})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// CreateSource adds an upload source for a file named filename to the
// revision.
func (c *Client) CreateSource(ctx context.Context, rev *Revision, filename string, opts ParseOptions) (*Source, error) {
	if rev == nil {
		return nil, errors.New("socrata: creating a source needs a revision")
	}
	body, err := json.Marshal(map[string]any{
		"source_type":   map[string]string{"type": "upload", "filename": filename},
		"parse_options": opts,
	})
	if err != nil {
		return nil, fmt.Errorf("socrata: encoding the source: %w", err)
	}
	path := c.follow(rev.links, "create_source", nil, revisionPath(rev.Dataset, rev.Seq)+"/source")
	var v sourceJSON
	l, err := c.dsmapi(ctx, &request{method: http.MethodPost, path: path, body: body, contentType: "application/json"}, &v)
	if err != nil {
		return nil, err
	}
	if v.ID == 0 {
		return nil, c.badShape(http.MethodPost, path, "it has no source id", nil)
	}
	return v.source(l), nil
}

// GetSource fetches a source; poll it until Parsed or Failed.
func (c *Client) GetSource(ctx context.Context, sourceID int) (*Source, error) {
	var v sourceJSON
	l, err := c.dsmapi(ctx, &request{method: http.MethodGet, path: sourcePath(sourceID), retry: true}, &v)
	if err != nil {
		return nil, err
	}
	return v.source(l), nil
}

// InitiateUpload starts a chunked upload of a file of the given MIME type
// (such as "text/csv") and returns the portal's limits for the chunks.
func (c *Client) InitiateUpload(ctx context.Context, src *Source, contentType string) (*UploadPlan, error) {
	if src == nil {
		return nil, errors.New("socrata: starting an upload needs a source")
	}
	body, _ := json.Marshal(map[string]string{"content_type": contentType})
	path := c.follow(src.links, "initiate", nil, sourcePath(src.ID)+"/initiate")
	var v struct {
		PreferredChunkSize int64 `json:"preferred_chunk_size"`
		Parallelism        int   `json:"preferred_upload_parallelism"`
	}
	if _, err := c.dsmapi(ctx, &request{method: http.MethodPost, path: path, body: body, contentType: "application/json"}, &v); err != nil {
		return nil, err
	}
	if v.PreferredChunkSize <= 0 {
		return nil, errors.New("socrata: the portal did not say what chunk size to upload in (preferred_chunk_size); it may not support chunked uploads")
	}
	return &UploadPlan{PreferredChunkSize: v.PreferredChunkSize, Parallelism: max(v.Parallelism, 1)}, nil
}

// UploadChunk sends chunk number seq (from 0), which starts at byte offset
// of the file. Sending the same bytes at the same offset again is
// harmless, so the call is retried. Chunks may be sent in parallel.
func (c *Client) UploadChunk(ctx context.Context, src *Source, seq int, offset int64, data []byte) error {
	if src == nil {
		return errors.New("socrata: uploading a chunk needs a source")
	}
	if seq < 0 || offset < 0 {
		return fmt.Errorf("socrata: chunk number and offset cannot be negative (chunk %d, offset %d)", seq, offset)
	}
	vars := map[string]string{"seq_num": strconv.Itoa(seq), "byte_offset": strconv.FormatInt(offset, 10)}
	path := c.follow(src.links, "chunk", vars, fmt.Sprintf("%s/chunk/%d/%d", sourcePath(src.ID), seq, offset))
	resp, err := c.do(ctx, &request{method: http.MethodPost, path: path, body: data, contentType: "application/octet-stream", retry: true, accept202: true})
	if err != nil {
		return err
	}
	// Reading the acknowledgement to the end lets the connection carry the
	// next chunk.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	return nil
}

// UploadFileChunk is [Client.UploadChunk] for a chunk that is a section
// of an open file: the size bytes of f that start at offset. The bytes
// are read from the file as they are sent, never held in memory whole.
// Each attempt opens f's file afresh by name, when that is still the same
// file, so that chunks of one file can be sent in parallel and, where the
// connection allows it (plain http on Linux, say), go from the file to
// the connection without passing through this program (sendfile(2));
// otherwise the section is read through f itself. A retry sends the same
// bytes again. f must stay open until the call returns.
func (c *Client) UploadFileChunk(ctx context.Context, src *Source, seq int, f *os.File, offset, size int64) error {
	if src == nil {
		return errors.New("socrata: uploading a chunk needs a source")
	}
	if f == nil {
		return errors.New("socrata: uploading a chunk of a file needs the file")
	}
	if seq < 0 || offset < 0 || size < 0 {
		return fmt.Errorf("socrata: chunk number, offset and size cannot be negative (chunk %d, offset %d, size %d)", seq, offset, size)
	}
	vars := map[string]string{"seq_num": strconv.Itoa(seq), "byte_offset": strconv.FormatInt(offset, 10)}
	path := c.follow(src.links, "chunk", vars, fmt.Sprintf("%s/chunk/%d/%d", sourcePath(src.ID), seq, offset))
	open := func() (io.ReadCloser, error) { return openSection(f, offset, size), nil }
	resp, err := c.do(ctx, &request{method: http.MethodPost, path: path, open: open, length: size,
		contentType: "application/octet-stream", retry: true, accept202: true})
	if err != nil {
		return err
	}
	// Reading the acknowledgement to the end lets the connection carry the
	// next chunk.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	return nil
}

// openSection returns a reader of size bytes of f from offset: through a
// handle of its own (see fileSection) when f's name still opens the same
// file, or else through f itself, which never moves f's offset.
func openSection(f *os.File, offset, size int64) io.ReadCloser {
	if own, err := os.Open(f.Name()); err == nil {
		st1, err1 := f.Stat()
		st2, err2 := own.Stat()
		if err1 == nil && err2 == nil && os.SameFile(st1, st2) {
			if _, err := own.Seek(offset, io.SeekStart); err == nil {
				return &fileSection{f: own, end: offset + size, name: f.Name()}
			}
		}
		own.Close()
	}
	return &sharedSection{io.NewSectionReader(f, offset, size), size, f.Name()}
}

// fileSection reads a section of a file through a handle of its own. It
// reads at the handle's own offset, so that when net/http hands the
// section to sendfile(2) (it unwraps the io.LimitedReader around a body
// whose reader offers SyscallConn), the bytes the kernel sent count as
// read; Read then finds the section's end from the offset.
type fileSection struct {
	f    *os.File
	end  int64
	name string
}

func (s *fileSection) Read(p []byte) (int, error) {
	pos, err := s.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if pos >= s.end {
		return 0, io.EOF
	}
	if int64(len(p)) > s.end-pos {
		p = p[:s.end-pos]
	}
	n, err := s.f.Read(p)
	if err == io.EOF {
		err = shrunk(s.name, s.end-pos)
	}
	return n, err
}

// SyscallConn lets net/http send the section with sendfile(2).
func (s *fileSection) SyscallConn() (syscall.RawConn, error) { return s.f.SyscallConn() }

func (s *fileSection) Close() error { return s.f.Close() }

// sharedSection reads a section through the caller's handle, by offset.
type sharedSection struct {
	r    *io.SectionReader
	size int64
	name string
}

func (s *sharedSection) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		if pos, _ := s.r.Seek(0, io.SeekCurrent); pos < s.size {
			err = shrunk(s.name, s.size-pos)
		}
	}
	return n, err
}

func (s *sharedSection) Close() error { return nil }

// shrunk is the error for a file that ended missing bytes before the
// chunk's end.
func shrunk(name string, missing int64) error {
	return fmt.Errorf("socrata: %s ended %d bytes before the chunk did; was it changed during the upload?", name, missing)
}

// CommitUpload finishes a chunked upload: lastSeq is the number of the last
// chunk and total the file's size in bytes. The portal then parses the
// file; poll [Client.GetSource] until it is Parsed or Failed. A commit is
// not retried.
func (c *Client) CommitUpload(ctx context.Context, src *Source, lastSeq int, total int64) (*Source, error) {
	if src == nil {
		return nil, errors.New("socrata: committing an upload needs a source")
	}
	vars := map[string]string{"seq_num": strconv.Itoa(lastSeq), "byte_offset": strconv.FormatInt(total, 10)}
	path := c.follow(src.links, "commit", vars, fmt.Sprintf("%s/chunk/%d/%d/commit", sourcePath(src.ID), lastSeq, total))
	var v sourceJSON
	l, err := c.dsmapi(ctx, &request{method: http.MethodPost, path: path, contentType: "application/json"}, &v)
	if err != nil {
		return nil, err
	}
	if v.ID == 0 {
		// Some portals answer the commit with a bare acknowledgement.
		return c.GetSource(ctx, src.ID)
	}
	return v.source(l), nil
}

// Transform asks for a new output schema computed from the input schema
// by cols, the complete list of output columns wanted. The portal runs the
// transforms in the background; poll [Client.GetOutputSchema] until Done.
func (c *Client) Transform(ctx context.Context, src *Source, inputSchemaID int, cols []OutputColumnSpec) (*OutputSchema, error) {
	if src == nil {
		return nil, errors.New("socrata: a transform needs a source")
	}
	body, err := json.Marshal(map[string]any{"output_columns": cols})
	if err != nil {
		return nil, fmt.Errorf("socrata: encoding the output columns: %w", err)
	}
	vars := map[string]string{"input_schema_id": strconv.Itoa(inputSchemaID)}
	path := c.follow(src.links, "input_schema_links.transform", vars, fmt.Sprintf("%s/schema/%d", sourcePath(src.ID), inputSchemaID))
	var v outputSchemaJSON
	if _, err := c.dsmapi(ctx, &request{method: http.MethodPost, path: path, body: body, contentType: "application/json"}, &v); err != nil {
		return nil, err
	}
	return v.outputSchema(), nil
}

// GetOutputSchema fetches an output schema; outputSchemaID 0 asks for the
// input schema's latest one.
func (c *Client) GetOutputSchema(ctx context.Context, src *Source, inputSchemaID, outputSchemaID int) (*OutputSchema, error) {
	if src == nil {
		return nil, errors.New("socrata: reading an output schema needs a source")
	}
	which := "latest"
	if outputSchemaID != 0 {
		which = strconv.Itoa(outputSchemaID)
	}
	path := fmt.Sprintf("%s/schema/%d/output/%s", sourcePath(src.ID), inputSchemaID, which)
	var v outputSchemaJSON
	if _, err := c.dsmapi(ctx, &request{method: http.MethodGet, path: path, retry: true}, &v); err != nil {
		return nil, err
	}
	return v.outputSchema(), nil
}

// SchemaErrors streams the rows of an output schema that have errors, as
// CSV with the problems described, so that a publisher can fix the file.
// The caller closes the reader.
func (c *Client) SchemaErrors(ctx context.Context, src *Source, inputSchemaID, outputSchemaID int) (io.ReadCloser, error) {
	if src == nil {
		return nil, errors.New("socrata: reading error rows needs a source")
	}
	vars := map[string]string{"input_schema_id": strconv.Itoa(inputSchemaID), "output_schema_id": strconv.Itoa(outputSchemaID)}
	path := c.follow(src.links, "input_schema_links.output_schema_links.schema_errors", vars,
		fmt.Sprintf("%s/schema/%d/errors/%d", sourcePath(src.ID), inputSchemaID, outputSchemaID))
	resp, err := c.do(ctx, &request{method: http.MethodGet, path: path, accept: "text/csv", retry: true, accept202: true})
	if err != nil {
		return nil, err
	}
	if strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html") {
		defer resp.Body.Close()
		return nil, c.notSocrataError(resp, resp.Body)
	}
	return resp.Body, nil
}

// ApplyRevision starts applying the revision with the given output schema
// (0 applies the one the revision already names). Poll
// [Client.GetRevision] until its latest task set is Done. An apply is not
// retried; when it fails after the request may have reached the portal,
// the error wraps [ErrOutcomeUnknown].
func (c *Client) ApplyRevision(ctx context.Context, rev *Revision, outputSchemaID int) (*TaskSet, error) {
	if rev == nil {
		return nil, errors.New("socrata: applying needs a revision")
	}
	body := []byte("{}")
	if outputSchemaID != 0 {
		body, _ = json.Marshal(map[string]int{"output_schema_id": outputSchemaID})
	}
	path := c.follow(rev.links, "apply", nil, revisionPath(rev.Dataset, rev.Seq)+"/apply")
	var v taskSetJSON
	if _, err := c.dsmapi(ctx, &request{method: http.MethodPut, path: path, body: body, contentType: "application/json"}, &v); err != nil {
		return nil, c.maybeApplied(err, fmt.Sprintf("revision %d of %s", rev.Seq, rev.Dataset),
			fmt.Sprintf("Check the dataset at %s (or the revision's status) before you try again", c.datasetLink(rev.Dataset)))
	}
	t := v.taskSet()
	return &t, nil
}

// revisionPath and sourcePath are the documented paths, used when an
// answer offered no link to follow.
func revisionPath(id DatasetID, seq int) string {
	return fmt.Sprintf("%s/revision/%s/%d", publishing, id, seq)
}

func sourcePath(id int) string { return fmt.Sprintf("%s/source/%d", publishing, id) }

// links are the URLs a DSMAPI answer offers, flattened so that nested sets
// read as "input_schema_links.transform".
type links map[string]string

func flattenLinks(prefix string, m map[string]any, out links) {
	for k, v := range m {
		switch t := v.(type) {
		case string:
			out[prefix+k] = t
		case map[string]any:
			flattenLinks(prefix+k+".", t, out)
		}
	}
}

// follow returns the link called name with its {placeholders} filled from
// vars, or fallback when there is no such link, a placeholder is left
// unfilled, or the link points off the portal.
func (c *Client) follow(l links, name string, vars map[string]string, fallback string) string {
	link, ok := l[name]
	if !ok || link == "" {
		return fallback
	}
	for k, v := range vars {
		link = strings.ReplaceAll(link, "{"+k+"}", v)
	}
	if strings.ContainsAny(link, "{}") {
		return fallback
	}
	if _, err := c.resolve(link, nil); err != nil {
		return fallback
	}
	return link
}

// dsmapi sends r and decodes the answer's resource (or the whole answer,
// when it is not wrapped) into v, returning the answer's links. A 202
// Accepted counts as success, since DSMAPI answers so to revision
// updates and applies.
func (c *Client) dsmapi(ctx context.Context, r *request, v any) (links, error) {
	r.accept202 = true
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := c.decodeJSON(resp, &raw); err != nil {
		return nil, err
	}
	l := links{}
	if lr, ok := raw["links"]; ok {
		var m map[string]any
		if json.Unmarshal(lr, &m) == nil {
			flattenLinks("", m, l)
		}
	}
	body, ok := raw["resource"]
	if !ok || bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		body, _ = json.Marshal(raw)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, c.decodeError(r.method, resp.Request.URL.Path, err)
	}
	return l, nil
}

// dsTime reads DSMAPI timestamps, which come with or without a zone.
type dsTime struct{ time.Time }

func (t *dsTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		t.Time = time.Time{}
		return nil
	}
	t.Time = parseTime(s)
	return nil
}

// dsInt reads an integer that may be null, a number or a numeric string.
type dsInt int64

func (n *dsInt) UnmarshalJSON(b []byte) error {
	var f flexInt
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = dsInt(f.n)
	return nil
}

type revisionJSON struct {
	ID          dsInt  `json:"id"`
	Fourfour    string `json:"fourfour"`
	RevisionSeq dsInt  `json:"revision_seq"`
	Action      struct {
		Type       string `json:"type"`
		Permission string `json:"permission"`
	} `json:"action"`
	OutputSchemaID dsInt         `json:"output_schema_id"`
	TaskSets       []taskSetJSON `json:"task_sets"`
	CreatedAt      dsTime        `json:"created_at"`
	ClosedAt       dsTime        `json:"closed_at"`
}

func (v *revisionJSON) revision(l links) *Revision {
	r := &Revision{
		ID:             int(v.ID),
		Dataset:        DatasetID(v.Fourfour),
		Seq:            int(v.RevisionSeq),
		Action:         v.Action.Type,
		Permission:     v.Action.Permission,
		OutputSchemaID: int(v.OutputSchemaID),
		CreatedAt:      v.CreatedAt.Time,
		ClosedAt:       v.ClosedAt.Time,
		links:          l,
	}
	for _, t := range v.TaskSets {
		r.TaskSets = append(r.TaskSets, t.taskSet())
	}
	return r
}

type taskSetJSON struct {
	ID         dsInt           `json:"id"`
	Status     string          `json:"status"`
	Key        string          `json:"key"`
	Log        json.RawMessage `json:"log"`
	CreatedAt  dsTime          `json:"created_at"`
	UpdatedAt  dsTime          `json:"updated_at"`
	FinishedAt dsTime          `json:"finished_at"`
	JobUUID    string          `json:"job_uuid"`
	RequestID  string          `json:"request_id"`
}

type taskLogJSON struct {
	Stage   string         `json:"stage"`
	Time    dsTime         `json:"time"`
	Details map[string]any `json:"details"`
}

func (v *taskSetJSON) taskSet() TaskSet {
	t := TaskSet{
		ID:         int(v.ID),
		Status:     v.Status,
		CreatedAt:  v.CreatedAt.Time,
		UpdatedAt:  v.UpdatedAt.Time,
		FinishedAt: v.FinishedAt.Time,
		JobUUID:    v.JobUUID,
		RequestID:  v.RequestID,
	}
	if v.Key == "approval_submitted" {
		t.Status = TaskAwaitingApproval
	}
	// The log is a list of entries; the spec describes a single object.
	var entries []taskLogJSON
	if json.Unmarshal(v.Log, &entries) != nil {
		var one taskLogJSON
		if json.Unmarshal(v.Log, &one) == nil && one.Stage != "" {
			entries = []taskLogJSON{one}
		}
	}
	for _, e := range entries {
		t.Log = append(t.Log, TaskLogEntry{Stage: e.Stage, Time: e.Time.Time, Details: e.Details})
	}
	return t
}

type sourceJSON struct {
	ID         dsInt `json:"id"`
	SourceType struct {
		Type     string `json:"type"`
		Filename string `json:"filename"`
	} `json:"source_type"`
	ContentType    string            `json:"content_type"`
	ParseOptions   ParseOptions      `json:"parse_options"`
	Schemas        []inputSchemaJSON `json:"schemas"`
	Filesize       dsInt             `json:"filesize"`
	CreatedAt      dsTime            `json:"created_at"`
	FinishedAt     dsTime            `json:"finished_at"`
	FailedAt       dsTime            `json:"failed_at"`
	FailureDetails map[string]any    `json:"failure_details"`
}

func (v *sourceJSON) source(l links) *Source {
	s := &Source{
		ID:             int(v.ID),
		Type:           v.SourceType.Type,
		Filename:       v.SourceType.Filename,
		ContentType:    v.ContentType,
		ParseOptions:   v.ParseOptions,
		Filesize:       int64(v.Filesize),
		CreatedAt:      v.CreatedAt.Time,
		FinishedAt:     v.FinishedAt.Time,
		FailedAt:       v.FailedAt.Time,
		FailureDetails: v.FailureDetails,
		links:          l,
	}
	for _, is := range v.Schemas {
		s.Schemas = append(s.Schemas, is.inputSchema())
	}
	return s
}

type inputSchemaJSON struct {
	ID           dsInt  `json:"id"`
	Name         string `json:"name"`
	TotalRows    dsInt  `json:"total_rows"`
	NumRowErrors dsInt  `json:"num_row_errors"`
	InputColumns []struct {
		ID              dsInt  `json:"id"`
		FieldName       string `json:"field_name"`
		DisplayName     string `json:"display_name"`
		Position        dsInt  `json:"position"`
		SoQLType        string `json:"soql_type"`
		GuessedSoQLType string `json:"guessed_soql_type"`
	} `json:"input_columns"`
	OutputSchemas []outputSchemaJSON `json:"output_schemas"`
	CreatedAt     dsTime             `json:"created_at"`
}

func (v *inputSchemaJSON) inputSchema() InputSchema {
	is := InputSchema{
		ID:           int(v.ID),
		Name:         v.Name,
		TotalRows:    int64(v.TotalRows),
		NumRowErrors: int64(v.NumRowErrors),
		CreatedAt:    v.CreatedAt.Time,
	}
	for _, c := range v.InputColumns {
		is.InputColumns = append(is.InputColumns, InputColumn{
			ID: int(c.ID), FieldName: c.FieldName, DisplayName: c.DisplayName, Position: int(c.Position),
			SoQLType: c.SoQLType, GuessedSoQLType: c.GuessedSoQLType,
		})
	}
	for _, o := range v.OutputSchemas {
		is.OutputSchemas = append(is.OutputSchemas, *o.outputSchema())
	}
	return is
}

type outputSchemaJSON struct {
	ID            dsInt  `json:"id"`
	InputSchemaID dsInt  `json:"input_schema_id"`
	TotalRows     dsInt  `json:"total_rows"`
	ErrorCount    dsInt  `json:"error_count"`
	CreatedAt     dsTime `json:"created_at"`
	CompletedAt   dsTime `json:"completed_at"`
	FinishedAt    dsTime `json:"finished_at"`
	OutputColumns []struct {
		ID                    dsInt          `json:"id"`
		FieldName             string         `json:"field_name"`
		DisplayName           string         `json:"display_name"`
		Position              dsInt          `json:"position"`
		Description           string         `json:"description"`
		IsPrimaryKey          bool           `json:"is_primary_key"`
		InitialOutputColumnID dsInt          `json:"initial_output_column_id"`
		Format                map[string]any `json:"format"`
		Transform             struct {
			ID             dsInt  `json:"id"`
			TransformExpr  string `json:"transform_expr"`
			OutputSoQLType string `json:"output_soql_type"`
			ErrorCount     dsInt  `json:"error_count"`
			FinishedAt     dsTime `json:"finished_at"`
			FailedAt       dsTime `json:"failed_at"`
			FailureDetails struct {
				Message string `json:"message"`
			} `json:"failure_details"`
		} `json:"transform"`
	} `json:"output_columns"`
}

func (v *outputSchemaJSON) outputSchema() *OutputSchema {
	o := &OutputSchema{
		ID:            int(v.ID),
		InputSchemaID: int(v.InputSchemaID),
		TotalRows:     int64(v.TotalRows),
		ErrorCount:    int64(v.ErrorCount),
		CreatedAt:     v.CreatedAt.Time,
		CompletedAt:   v.CompletedAt.Time,
	}
	if o.CompletedAt.IsZero() {
		o.CompletedAt = v.FinishedAt.Time
	}
	for _, c := range v.OutputColumns {
		o.OutputColumns = append(o.OutputColumns, OutputColumn{
			ID:                    int(c.ID),
			FieldName:             c.FieldName,
			DisplayName:           c.DisplayName,
			Position:              int(c.Position),
			Description:           c.Description,
			IsPrimaryKey:          c.IsPrimaryKey,
			InitialOutputColumnID: int(c.InitialOutputColumnID),
			Format:                formatStrings(c.Format),
			Transform: ColumnTransform{
				ID:             int(c.Transform.ID),
				Expr:           c.Transform.TransformExpr,
				OutputSoQLType: c.Transform.OutputSoQLType,
				ErrorCount:     int64(c.Transform.ErrorCount),
				FinishedAt:     c.Transform.FinishedAt.Time,
				FailedAt:       c.Transform.FailedAt.Time,
				FailureMessage: c.Transform.FailureDetails.Message,
			},
		})
	}
	slices.SortStableFunc(o.OutputColumns, func(a, b OutputColumn) int { return a.Position - b.Position })
	return o
}
