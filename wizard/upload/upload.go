package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// Defaults for SODA batches and for choosing a route. They follow
// DataSync: 10,000 rows per request, and files over 10 MB are sent in a way
// built for large files (socrata-api.md §4.4).
const (
	defaultBatchRows  = 10_000
	defaultBatchBytes = 10 << 20
	// largeFile is the size above which [wizard.RouteAuto] picks the Data
	// Management API.
	largeFile = 10 << 20
	// defaultMaxRowErrors bounds the row problems a [Result] keeps;
	// every one of them is in the rejected-rows file.
	defaultMaxRowErrors = 100
)

// progressEvery is how many rows pass between progress reports and
// checks for a stop, as in the check.
const progressEvery = 8192

// Phase says what an upload is doing.
type Phase int

// The phases of an upload, in the order they happen.
const (
	// PhasePreparing: checking the checkpoint, opening a revision.
	PhasePreparing Phase = iota
	// PhaseSending: rows (SODA) or file bytes (Data Management API) are
	// going up.
	PhaseSending
	// PhaseProcessing: the portal is parsing, checking or applying what it
	// was sent (Data Management API, or a SODA replace awaiting its
	// answer).
	PhaseProcessing
	// PhaseStopping: asked to stop; the request in flight is finishing so
	// that what was applied is known exactly.
	PhaseStopping
	// PhaseDone: finished, stopped or failed; the result says which.
	PhaseDone
)

// String names the phase for logs.
func (p Phase) String() string {
	switch p {
	case PhasePreparing:
		return "preparing"
	case PhaseSending:
		return "sending"
	case PhaseProcessing:
		return "processing"
	case PhaseStopping:
		return "stopping"
	case PhaseDone:
		return "done"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Options tune [Run]. The zero value uploads with the job's
// settings, no checkpoint and no progress reports.
type Options struct {
	// Progress, if set, is told how the upload is going: every few
	// thousand rows, after each batch, at each step of the Data Management
	// API, and on each retry. Calls come from the upload's goroutines one
	// at a time and must not block long.
	Progress func(Progress)
	// Resume continues from the checkpoint instead of starting again. It
	// is refused, with a message saying why, when there is no checkpoint
	// or the file, dataset or mapping changed since it was written.
	Resume bool
	// Checkpoint is the checkpoint file ([CheckpointPath] of the job
	// file); "" keeps none, and then a stopped upload cannot be resumed.
	Checkpoint string
	// ResumeHint is the command that resumes, quoted by [SummaryLines]
	// when an upload stops early, such as "socrata-wizard run --resume
	// permits.job.json".
	ResumeHint string
	// BatchRows and BatchBytes bound each SODA request; zero takes the
	// job's Batch, then DataSync's 10,000 rows and 10 MB.
	BatchRows  int
	BatchBytes int64
	// RejectedPath is where rejected rows are written; "" means
	// [wizard.RejectedPath] of the file, beside it.
	RejectedPath string
	// Parallelism bounds the Data Management API chunks in flight; zero
	// takes the portal's preference, at most 4.
	Parallelism int
	// Retries, when the client was made with
	// socrata.WithOnRetry(retries.OnRetry), carries the client's retry
	// events into Progress notes.
	Retries *RetryNotes
	// Abort, when closed, abandons even the request in flight. Cancelling
	// the context passed to Upload lets that request finish so that what
	// was applied is known; Abort is for a second ctrl+c.
	Abort <-chan struct{}
	// Sleep waits between polls of the Data Management API, between
	// attempts of a keyless append, and before a resume counts a
	// dataset's rows again; nil waits in real time. Tests make it return
	// at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxRowErrors bounds Result.RowErrors; zero means 100.
	MaxRowErrors int
}

// Progress is how far an upload has got.
type Progress struct {
	Phase Phase
	// Route is the route the upload takes: SODA sends batches of rows,
	// the Data Management API chunks of the file.
	Route wizard.Route
	// Rows is the data rows read so far, including those a resumed upload
	// skipped; Sent and Rejected count rows sent and rows rejected.
	Rows     int64
	Sent     int64
	Rejected int64
	// Bytes is how far into the file reading (or, on the Data Management
	// API, uploading) has got, of TotalBytes. StartBytes is where this run
	// started (after a resume), so that rates count this run only.
	Bytes      int64
	TotalBytes int64
	StartBytes int64
	// Batch is the batch (SODA) or chunk (Data Management API) in flight,
	// of about Batches; Batches is 0 until it can be estimated.
	Batch, Batches int
	// AppliedThrough is the last source line the portal confirmed.
	AppliedThrough int
	// Stage says what the portal is doing in PhaseProcessing, such as
	// "the portal is reading the file".
	Stage string
	// Note is a passing remark, such as "portal busy (503): retrying in 4 s
	// (attempt 2 of 5)"; it is cleared when the next request succeeds.
	Note string
}

// Fraction is how far the upload is, from 0 to 1, for a progress bar:
// the share of the file read or sent, and 1 once the portal is working on
// what it was sent.
func (p Progress) Fraction() float64 {
	switch {
	case p.Phase == PhaseProcessing || p.Phase == PhaseDone:
		return 1
	case p.TotalBytes <= 0:
		return 0
	}
	return min(max(float64(p.Bytes)/float64(p.TotalBytes), 0), 1)
}

// RowProblem is one rejected row: by the portal, or here before sending.
type RowProblem struct {
	// Line is the 1-based line of the file the row starts on, or 0 when
	// the portal did not say which row it meant.
	Line int
	// ID is the row identifier value, when known.
	ID      string
	Message string
}

// Result says exactly what an upload did.
type Result struct {
	Route  wizard.Route
	Method wizard.Method
	// Created, Updated and Deleted are as the portal reported them;
	// Rejected counts rows rejected here or by the portal. After a resume
	// they include the earlier runs.
	Created, Updated, Deleted, Rejected int64
	// Sent is the rows sent to the portal; Rows the data rows read.
	Sent int64
	Rows int64
	// RowErrors are the first rejected rows, with their lines; the
	// rejected-rows file has them all.
	RowErrors []RowProblem
	// RejectedFile is where every rejected row was written, or "".
	RejectedFile string
	Duration     time.Duration
	// Link is the dataset's web page.
	Link string
	// FirstLine is the file's first data line (2 with a header row).
	FirstLine int
	// AppliedThrough is the last source line confirmed applied (rows that
	// were rejected count as dealt with), or 0 when none was. Lines from
	// FirstLine to AppliedThrough were applied; nothing after.
	AppliedThrough int
	// Complete is true when the whole file was dealt with.
	Complete bool
	// Stopped is true when the upload stopped because it was asked to.
	Stopped bool
	// Resumable is true when a checkpoint was kept to continue from;
	// Checkpoint is its path.
	Resumable  bool
	Checkpoint string
	// ResumeHint is Options.ResumeHint, for SummaryLines.
	ResumeHint string
	// ResumedFrom is the last line an earlier run had applied, when this
	// run continued from a checkpoint.
	ResumedFrom int
	// UnknownFrom and UnknownTo are lines whose fate is unknown: the
	// request carrying them failed in a way that may or may not have
	// applied them. ResumeChecksUnknown is true when a resume will count
	// the dataset's rows to tell, before sending them again (an append to
	// a dataset without a row identifier, where sending them twice would
	// Add them twice).
	UnknownFrom, UnknownTo int
	ResumeChecksUnknown    bool
	// Revision is the Data Management API revision number, or 0.
	Revision int
	// AwaitingApproval is true when the portal sent the revision to its
	// approval queue instead of applying it.
	AwaitingApproval bool
	// Notes are further facts a person should read, each a sentence.
	Notes []string
}

// uploadError is an upload that failed or stopped, explained for a
// person: Error says what happened and what was applied, Hint what to do
// ([wizard.Explain] and [wizard.Hint] show them). It wraps the cause, so errors.Is finds
// context.Canceled, socrata.ErrOutcomeUnknown and the like.
type uploadError struct {
	msg  string
	hint string
	err  error
}

// Error says what happened, as a sentence without the final period.
func (e *uploadError) Error() string { return e.msg }

// Hint says what to do about it, or "".
func (e *uploadError) Hint() string { return e.hint }

// Unwrap returns the cause.
func (e *uploadError) Unwrap() error { return e.err }

// resolveRoute is the route an upload takes: r itself unless it is
// [wizard.RouteAuto], in which case a replace and any file over largeFile
// go through the Data Management API and the rest through SODA.
func resolveRoute(m wizard.Method, r wizard.Route, fileSize int64) wizard.Route {
	if r != wizard.RouteAuto {
		return r
	}
	if m == wizard.Replace || fileSize > largeFile {
		return wizard.RouteDSMAPI
	}
	return wizard.RouteSODA
}

// DescribeRoute says in a sentence or two which route an upload takes and
// why, for the confirmation screen and the headless log.
func DescribeRoute(m wizard.Method, r wizard.Route, fileSize int64) string {
	got := resolveRoute(m, r, fileSize)
	auto := resolveRoute(m, wizard.RouteAuto, fileSize)
	size := wording.Size(fileSize)
	switch {
	case r != wizard.RouteAuto && got != auto:
		if got == wizard.RouteSODA {
			if m == wizard.Replace {
				return fmt.Sprintf("Sending through SODA, as the job asks: the %s file goes up in one streamed request that replaces every row. The Data Management API would be safer: a replace through it changes nothing unless it succeeds.", size)
			}
			return fmt.Sprintf("Sending through SODA in batches, as the job asks. For a file this size (%s) the Data Management API is usually better: it uploads in chunks and the portal checks every row before applying.", size)
		}
		return fmt.Sprintf("Sending through the Data Management API, as the job asks: the %s file goes up in chunks, the portal checks every row, and nothing changes unless the revision is applied.", size)
	case got == wizard.RouteDSMAPI && m == wizard.Replace:
		return fmt.Sprintf("Sending through the Data Management API, because a replace through it is all or nothing: the dataset stays as it is unless the whole %s file is applied.", size)
	case got == wizard.RouteDSMAPI:
		return fmt.Sprintf("Sending through the Data Management API, because the file is %s (over %s): it goes up in chunks, and the portal checks every row before applying any. An interrupted upload changes nothing and starts again from the beginning.", size, wording.Size(largeFile))
	case m == wizard.Replace:
		return fmt.Sprintf("Sending through SODA as one streamed request that replaces every row (%s).", size)
	}
	return fmt.Sprintf("Sending through SODA in batches, because the file is small (%s): each batch is confirmed before the next, and an interrupted upload can be resumed.", size)
}

// RetryNotes carries a client's retry events to the upload in progress,
// so they show as notes in its progress. Make the client with
// socrata.WithOnRetry(notes.OnRetry) and pass notes in
// Options.Retries. The zero value is ready to use, and one RetryNotes
// may serve uploads one after another.
type RetryNotes struct {
	mu sync.Mutex
	f  func(socrata.RetryEvent)
}

// OnRetry passes e to the upload in progress, if any.
func (n *RetryNotes) OnRetry(e socrata.RetryEvent) {
	n.mu.Lock()
	f := n.f
	n.mu.Unlock()
	if f != nil {
		f(e)
	}
}

func (n *RetryNotes) attach(f func(socrata.RetryEvent)) (detach func()) {
	if n == nil {
		return func() {}
	}
	n.mu.Lock()
	n.f = f
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		n.f = nil
		n.mu.Unlock()
	}
}

// retryNote words a retry event for a progress line, such as "portal busy
// (503): retrying in 4 s (attempt 2 of 5)".
func retryNote(e socrata.RetryEvent) string {
	why := "the request failed"
	var ae *socrata.APIError
	switch {
	case errors.As(e.Err, &ae) && ae.Status == 429:
		why = "portal asks to slow down (429)"
	case errors.As(e.Err, &ae) && ae.Status == 504:
		why = "portal gateway timed out (504)"
	case errors.As(e.Err, &ae) && ae.Status >= 500:
		why = fmt.Sprintf("portal busy (%d)", ae.Status)
	case errors.As(e.Err, &ae) && ae.Status == 202:
		why = "portal still working"
	case e.Err != nil:
		why = "connection failed"
	}
	return fmt.Sprintf("%s: retrying in %s (attempt %d of %d)", why, shortDuration(e.Wait), e.Attempt, e.Max)
}

// Run publishes the job's file to the dataset through the route the
// job asks for (when the job leaves it to the wizard, the Data Management
// API for a replace or a file over 10 MB, SODA otherwise; [DescribeRoute]
// words it), streaming the file so that memory stays flat however large
// it is.
//
// The result is non-nil whenever anything was attempted and says exactly
// what was applied, also when err is not nil. Cancelling ctx stops the
// upload after the request in flight, whose outcome is then known: err
// wraps context.Canceled, and with a checkpoint the upload can be resumed.
// A failure is an error whose message says what happened and what was
// applied, with advice for [wizard.Hint].
func Run(ctx context.Context, c *socrata.Client, ds *socrata.Dataset, f *wizard.CSVFile, job *wizard.Job, opts Options) (*Result, error) {
	if c == nil || ds == nil || f == nil || job == nil {
		return nil, errors.New("upload needs a client, a dataset, a file and a job")
	}
	plan, err := wizard.NewPlan(job, f.Header)
	if err != nil {
		var pe *wizard.PlanError
		if errors.As(err, &pe) {
			return nil, &uploadError{msg: "the job's mapping does not fit the file: " + pe.Error(), hint: "Map the file again, then upload.", err: err}
		}
		return nil, err
	}
	u := newUploader(ctx, c, ds, f, job, plan, opts)
	defer u.close()
	res := u.res
	if res.Route == wizard.RouteDSMAPI && job.Route == wizard.RouteAuto {
		if why := u.sodaInstead(); why != "" {
			res.Route = wizard.RouteSODA
			u.prog.Route = wizard.RouteSODA
			res.Notes = append(res.Notes, "Sent through SODA rather than the Data Management API: "+why+".")
		}
	}
	if err := u.checkMethod(); err != nil {
		return nil, err
	}
	switch {
	case res.Route == wizard.RouteDSMAPI:
		err = u.dsmapi()
	case job.Method == wizard.Replace:
		err = u.replaceSODA()
	default:
		err = u.batchSODA()
	}
	res.Duration = u.now().Sub(u.start)
	u.report(func(p *Progress) { p.Phase = PhaseDone; p.Note = "" })
	return res, err
}

// uploader is the state one upload shares between its routes.
type uploader struct {
	// ctx is the caller's: when it ends, the upload stops after the
	// request in flight. send carries requests in flight; it ends only
	// when Abort is closed.
	ctx      context.Context
	send     context.Context
	stopSend context.CancelFunc

	c    *socrata.Client
	ds   *socrata.Dataset
	f    *wizard.CSVFile
	job  *wizard.Job
	plan *wizard.Plan
	opts Options
	res  *Result

	start   time.Time
	rowID   string // the dataset's row identifier field, or ""
	maxErrs int

	progMu sync.Mutex
	prog   Progress
	detach func()

	// retried holds the client's retries since takeRetries last took
	// them: a batch's retries tell whether its request may have been
	// applied twice.
	retryMu sync.Mutex
	retried []socrata.RetryEvent
}

func newUploader(ctx context.Context, c *socrata.Client, ds *socrata.Dataset, f *wizard.CSVFile, job *wizard.Job, plan *wizard.Plan, opts Options) *uploader {
	u := &uploader{ctx: ctx, c: c, ds: ds, f: f, job: job, plan: plan, opts: opts}
	u.send, u.stopSend = context.WithCancel(context.WithoutCancel(ctx))
	if opts.Abort != nil {
		go func() {
			select {
			case <-opts.Abort:
				u.stopSend()
			case <-u.send.Done():
			}
		}()
	}
	u.start = u.now()
	u.rowID = ds.RowIdentifier
	if u.rowID == "" {
		u.rowID = job.RowIdentifier
	}
	u.maxErrs = opts.MaxRowErrors
	if u.maxErrs <= 0 {
		u.maxErrs = defaultMaxRowErrors
	}
	link := ds.Link
	if link == "" {
		link = c.BaseURL() + "/d/" + string(ds.ID)
	}
	u.res = &Result{
		Route:      resolveRoute(job.Method, job.Route, f.Size),
		Method:     job.Method,
		Link:       link,
		FirstLine:  1,
		ResumeHint: opts.ResumeHint,
	}
	if f.Dialect.Header {
		u.res.FirstLine = 2
	}
	u.prog = Progress{Phase: PhasePreparing, Route: u.res.Route, TotalBytes: f.Size}
	u.detach = opts.Retries.attach(u.onRetry)
	return u
}

func (u *uploader) close() {
	u.detach()
	u.stopSend()
}

func (u *uploader) now() time.Time {
	if u.opts.Now != nil {
		return u.opts.Now()
	}
	return time.Now()
}

// sleep waits d or until ctx ends.
func (u *uploader) sleep(ctx context.Context, d time.Duration) error {
	if u.opts.Sleep != nil {
		return u.opts.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// report changes the progress under the lock and passes a copy on.
func (u *uploader) report(change func(p *Progress)) {
	u.progMu.Lock()
	defer u.progMu.Unlock()
	change(&u.prog)
	if u.opts.Progress != nil {
		u.opts.Progress(u.prog)
	}
}

func (u *uploader) onRetry(e socrata.RetryEvent) {
	u.retryMu.Lock()
	u.retried = append(u.retried, e)
	u.retryMu.Unlock()
	note := retryNote(e)
	u.report(func(p *Progress) { p.Note = note })
}

// takeRetries returns and forgets the retries seen since the last call.
func (u *uploader) takeRetries() []socrata.RetryEvent {
	u.retryMu.Lock()
	defer u.retryMu.Unlock()
	r := u.retried
	u.retried = nil
	return r
}

// stopping reports whether the caller asked the upload to stop.
func (u *uploader) stopping() bool { return u.ctx.Err() != nil }

// checkMethod refuses what cannot work before anything is sent.
func (u *uploader) checkMethod() error {
	switch u.job.Method {
	case wizard.Upsert, wizard.Append, wizard.Replace:
	case wizard.Delete:
		if u.rowID == "" {
			return &uploadError{msg: fmt.Sprintf("dataset %s has no row identifier, so rows cannot be deleted by a file of ids", u.ds.ID),
				hint: "Give the dataset a row identifier on the portal, or use replace."}
		}
		if u.idColumn() < 0 {
			return &uploadError{msg: fmt.Sprintf("a delete needs the row identifier %s, and no file column is mapped to it", u.rowID),
				hint: "Map the column that holds the ids of the rows to delete to " + u.rowID + "."}
		}
	default:
		return &uploadError{msg: "the job asks for a method this program does not know", hint: "Choose upsert, replace, append or delete."}
	}
	if (u.job.Method == wizard.Replace || u.res.Route == wizard.RouteDSMAPI) && u.opts.Resume {
		what := "a replace"
		if u.res.Route == wizard.RouteDSMAPI {
			what = "an upload through the Data Management API"
		}
		return &uploadError{msg: what + " is all or nothing, so there is nothing to resume",
			hint: "Run the upload again from the start, without --resume."}
	}
	return nil
}

// sodaInstead says why an upload the wizard would send through the Data
// Management API should go through SODA after all, or "". That is when
// the API cannot carry a mapped field, and when an upsert or append leaves
// some of the dataset's fields unfilled: SODA keeps such fields as they
// are, while a revision whose file lacks a field may drop or empty it.
func (u *uploader) sodaInstead() string {
	if _, _, err := dsmapiPlan(u.job, u.plan, u.f.Dialect); err != nil {
		return err.Error()
	}
	if u.job.Method != wizard.Upsert && u.job.Method != wizard.Append {
		return ""
	}
	if missing := u.unfilled(); len(missing) > 0 {
		return fmt.Sprintf("the file does not fill %s %s, which SODA leaves as they are", wording.Plural(len(missing), "field", "fields"), strings.Join(missing, ", "))
	}
	return ""
}

// unfilled lists the dataset's fields that the plan does not fill.
func (u *uploader) unfilled() []string {
	filled := map[string]bool{}
	for _, c := range u.plan.Columns {
		filled[c.Conv.Field] = true
	}
	for _, p := range u.plan.Points {
		filled[p.Field] = true
	}
	var out []string
	for _, c := range u.ds.Columns {
		if !filled[c.FieldName] {
			out = append(out, c.FieldName)
		}
	}
	return out
}

// idColumn is the index in plan.Columns of the column that fills the row
// identifier, or -1.
func (u *uploader) idColumn() int {
	if u.rowID == "" {
		return -1
	}
	for i, c := range u.plan.Columns {
		if c.Conv.Field == u.rowID {
			return i
		}
	}
	return -1
}

// rejectedPath is where rejected rows go.
func (u *uploader) rejectedPath() string {
	if u.opts.RejectedPath != "" {
		return u.opts.RejectedPath
	}
	return wizard.RejectedPath(u.f.Path)
}

// addProblem keeps a row problem for the result, up to the bound.
func (u *uploader) addProblem(p RowProblem) {
	if len(u.res.RowErrors) < u.maxErrs {
		u.res.RowErrors = append(u.res.RowErrors, p)
	}
}

// fileName is the file's name without its directory, for messages.
func (u *uploader) fileName() string { return filepath.Base(u.f.Path) }

// lineRange writes "lines 2–10,001", or "line 7" for one line.
func lineRange(from, to int) string {
	if from >= to {
		return "line " + wording.Count(int64(to))
	}
	return "lines " + wording.Count(int64(from)) + "–" + wording.Count(int64(to))
}

// rowStream is what streamRows has read and sent; its caller reads it
// once the stream has ended.
type rowStream struct {
	rows     int64     // data rows read
	sent     int64     // rows written to the body
	lastLine int       // the last source line read
	lines    lineTable // the source line of each row written
}

// streamRows writes the file's rows, converted by enc, to w as one body:
// a CSV with the dataset's field names as header, or a JSON array. Rows
// that cannot be converted (when bad rows are skipped) and rows of the
// wrong shape go to rej instead. A replace none of whose rows can be sent
// ends with errAllRejected, since it would empty the dataset.
func (u *uploader) streamRows(w io.Writer, enc *rowEncoder, rej *wizard.RejectFile, st *rowStream) error {
	rr, err := u.f.Records()
	if err != nil {
		return err
	}
	defer rr.Close()
	ahead := wizard.ReadAhead(rr)
	defer ahead.Stop()
	const flushAt = 256 << 10
	buf := enc.begin(make([]byte, 0, flushAt+4096))
	for {
		if u.stopping() {
			return errStopped
		}
		rec, err := ahead.Next()
		if err == io.EOF {
			break
		}
		ce := csvProblem(err)
		if err != nil && (ce == nil || ce.Fatal()) {
			return err
		}
		st.rows++
		st.lastLine = rec.Line
		if st.rows%progressEvery == 0 {
			n, at := st.rows, ahead.BytesRead()
			u.report(func(p *Progress) { p.Rows, p.Bytes = n, at })
		}
		mark := len(buf)
		if st.sent > 0 {
			buf = enc.sep(buf)
		}
		reason := ""
		if ce != nil {
			reason = ce.Message
		} else {
			buf, reason = enc.encode(buf, rec.Fields)
		}
		if reason != "" {
			buf = buf[:mark]
			u.res.Rejected++
			u.addProblem(RowProblem{Line: rec.Line, Message: reason})
			if err := rej.Add(rec.Line, rec.Fields, reason); err != nil {
				return err
			}
			continue
		}
		st.lines.push(rec.Line)
		st.sent++
		if len(buf) >= flushAt {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if st.sent == 0 && u.job.Method == wizard.Replace {
		return errAllRejected
	}
	if _, err := w.Write(enc.end(buf)); err != nil {
		return err
	}
	n, at := st.rows, ahead.BytesRead()
	u.report(func(p *Progress) { p.Rows, p.Bytes = n, at })
	return nil
}
