package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// sodaBatch is one SODA request being built or sent, with what is needed
// to map the portal's answer back to source lines.
type sodaBatch struct {
	n    int    // 1-based batch number
	body []byte // enc.begin, then the rows (enc.end is added when sent)
	rows int
	// lines has the source line of each row in body, and sent its fields
	// as they are in the file.
	lines []int
	sent  fieldArena
	// local are rows rejected before sending, with their fields in
	// localRows.
	local     []localReject
	localRows fieldArena
	// first and last are the source lines the batch covers, rejected rows
	// included; records is how many records that is, and endBytes how far
	// into the file reading was when it closed.
	first, last int
	records     int64
	endBytes    int64
}

type localReject struct {
	line   int
	reason string
}

func (b *sodaBatch) reset(n int, enc *rowEncoder) {
	b.n = n
	b.body = enc.begin(b.body[:0])
	b.rows = 0
	b.lines = b.lines[:0]
	b.sent.reset()
	b.local = b.local[:0]
	b.localRows.reset()
	b.first, b.last, b.records, b.endBytes = 0, 0, 0, 0
}

func (b *sodaBatch) empty() bool { return b.records == 0 }

// reject keeps a record that is not sent, with the reason, for the
// rejected-rows file once the batch is confirmed.
func (b *sodaBatch) reject(rec wizard.Record, reason string) {
	b.cover(rec.Line)
	b.localRows.add(rec.Fields)
	b.local = append(b.local, localReject{rec.Line, reason})
}

// cover extends the lines the batch covers to line.
func (b *sodaBatch) cover(line int) {
	if b.first == 0 {
		b.first = line
	}
	b.last = line
	b.records++
}

// sodaRun is one batched SODA upload: a reader that builds batches and a
// sender that sends them one at a time, so that the next batch is built
// while the portal works on the last. Only one request is ever in flight,
// so rows reach the portal in file order.
type sodaRun struct {
	u        *uploader
	enc      *rowEncoder
	maxRows  int
	maxBytes int

	cp     *checkpoint // nil without a checkpoint file
	cpPath string
	synced time.Time // when the checkpoint was last synced to disk
	rej    *wizard.RejectFile
	// keyless is true for appends to a dataset without a row identifier,
	// where a batch sent twice adds its rows twice. unsure is then the
	// batch whose request failed in a way that may or may not have
	// applied it, kept in the checkpoint so that a resume can tell.
	keyless bool
	unsure  *unsureBatch

	free  chan *sodaBatch
	ready chan *sodaBatch
	quit  chan struct{} // closed when the sender fails
	done  chan struct{} // closed when the sender has returned

	// Set by the sender; read by the reader after done is closed.
	failure   error
	discarded bool
	confirmed int // batches confirmed this run

	// Confirmed totals, including earlier runs.
	lastLine int
	records  int64
	offset   int64
	batches  int
}

// batchSODA sends upserts, appends and deletes in batches.
func (u *uploader) batchSODA() error {
	s := &sodaRun{u: u, cpPath: u.opts.Checkpoint}
	s.maxRows = u.opts.BatchRows
	if s.maxRows <= 0 {
		s.maxRows = u.job.Batch.Rows
	}
	if s.maxRows <= 0 {
		s.maxRows = defaultBatchRows
	}
	maxBytes := u.opts.BatchBytes
	if maxBytes <= 0 {
		maxBytes = u.job.Batch.Bytes
	}
	if maxBytes <= 0 {
		maxBytes = defaultBatchBytes
	}
	s.maxBytes = int(min(maxBytes, 1<<30))
	del := u.job.Method == wizard.Delete
	s.enc = newRowEncoder(u.plan, u.job.BadRowPolicy() == wizard.SendBadRows, del, u.idColumn())
	s.keyless = u.rowID == "" && !del
	s.rej = wizard.NewRejectFile(u.rejectedPath(), u.f)
	defer s.rej.Abort()

	if err := s.prepare(); err != nil {
		return err
	}
	return s.run()
}

// prepare reads the checkpoint on a resume, and starts a new one.
func (s *sodaRun) prepare() error {
	u := s.u
	if s.cpPath == "" && !u.opts.Resume {
		return nil
	}
	if s.cpPath == "" {
		return &uploadError{msg: "cannot resume: no checkpoint file was given", hint: "Resume a job that was saved to a file."}
	}
	id, err := identify(u.f.Path)
	if err != nil {
		return &uploadError{msg: fmt.Sprintf("cannot read %s: %s", u.f.Path, wording.OSReason(err)), err: err}
	}
	domain := u.c.Domain().String()
	if !u.opts.Resume {
		s.cp = newCheckpoint(domain, string(u.ds.ID), id, u.job, u.now())
		if s.keyless {
			// Should a batch's answer be lost, a resume compares the
			// dataset's rows with this count to tell whether it was
			// added. Without it such a resume is refused, so a failure
			// here is no reason to stop.
			if n, err := u.c.RowCount(u.send, u.ds.ID); err == nil {
				s.cp.DatasetRows = &n
			}
		}
		return nil
	}
	cp, err := readCheckpoint(s.cpPath)
	if err != nil {
		return &uploadError{msg: "cannot resume: " + err.Error(), hint: "Upload from the start, without --resume.", err: err}
	}
	if err := cp.check(domain, string(u.ds.ID), id, u.job, s.keyless); err != nil {
		return err
	}
	s.cp = cp
	s.lastLine, s.records, s.offset, s.batches = cp.LastLine, cp.Records, cp.Offset, cp.Batches
	r := u.res
	r.Created, r.Updated, r.Deleted, r.Rejected, r.Sent = cp.Created, cp.Updated, cp.Deleted, cp.Rejected, cp.Sent
	r.ResumedFrom = cp.LastLine
	r.AppliedThrough = cp.LastLine
	// Carry on the rejected-rows file: from the temporary file a crashed
	// run left, or the file a stopped run committed.
	switch {
	case cp.RejectedTemp != "" && fileAtLeast(cp.RejectedTemp, cp.RejectedBytes):
		s.rej.ContinueFrom(cp.RejectedTemp, cp.RejectedBytes)
		if err := s.rej.Open(); err != nil {
			return &uploadError{msg: err.Error(), err: err}
		}
	case cp.RejectedFile != "" && fileAtLeast(cp.RejectedFile, 1):
		s.rej.ContinueFrom(cp.RejectedFile, -1)
	}
	if cp.Unsure != nil {
		return s.settle(cp)
	}
	return nil
}

// recountWait is how long settle waits before counting a dataset's rows a
// second time.
const recountWait = 5 * time.Second

// settle decides, on a resume, whether the batch an earlier run was
// unsure of was added to the dataset, by counting the dataset's rows:
// with it there are DatasetRows + Created + its rows, without it
// DatasetRows + Created. An added batch counts as applied (its rows
// rejected here go to the rejected-rows file now) and is not sent again;
// one that was not is sent again. Any other count, or none, means the
// dataset changed some other way, and the resume is refused rather than
// risk adding rows twice.
//
// A count can lag a write the portal is still applying, and a stale count
// looks exactly like a batch that was not added. So "not added" needs the
// same count twice, a few seconds apart; a second count that has grown by
// the batch's rows means it was added after all.
func (s *sodaRun) settle(cp *checkpoint) error {
	u := s.u
	r := u.res
	b := cp.Unsure
	lines := lineRange(b.FirstLine, b.LastLine)
	refuse := func(why string, err error) error {
		applied := "no line was applied"
		if cp.LastLine >= r.FirstLine {
			applied = lineRange(r.FirstLine, cp.LastLine) + " " + wording.Plural(cp.LastLine-r.FirstLine+1, "is", "are") + " in it"
		}
		return &uploadError{
			msg: fmt.Sprintf("cannot tell whether %s were added to the dataset by the earlier run: %s", lines, why),
			hint: fmt.Sprintf("The dataset has no row identifier, so sending them again could add them twice. Look at the dataset at %s to see whether it holds %s (%s), then upload the lines after those it holds as a new append.",
				r.Link, lines, applied),
			err: err,
		}
	}
	if cp.DatasetRows == nil {
		return refuse("the dataset's rows were not counted when the upload began", nil)
	}
	n, err := u.c.RowCount(u.send, u.ds.ID)
	if err != nil {
		return refuse("its rows cannot be counted now ("+wizard.FailureText(err)+")", err)
	}
	without := *cp.DatasetRows + cp.Created
	if n == without {
		u.report(func(p *Progress) {
			p.Note = "counting the dataset's rows again in " + shortDuration(recountWait) + ", to be sure the count is up to date"
		})
		if err := u.sleep(u.ctx, recountWait); err != nil {
			// The checkpoint is as the earlier run left it.
			r.Stopped, r.Resumable, r.Checkpoint = true, true, s.cpPath
			r.UnknownFrom, r.UnknownTo, r.ResumeChecksUnknown = b.FirstLine, b.LastLine, true
			return &uploadError{msg: fmt.Sprintf("stopped at your request while checking whether %s were added by the earlier run; nothing was sent", lines),
				hint: "Resume to check again and continue.", err: err}
		}
		if n, err = u.c.RowCount(u.send, u.ds.ID); err != nil {
			return refuse("its rows cannot be counted now ("+wizard.FailureText(err)+")", err)
		}
		u.report(func(p *Progress) { p.Note = "" })
	}
	switch n {
	case without:
		r.Notes = append(r.Notes, fmt.Sprintf("%s had not been added by the earlier run, so they were sent again.", wording.Capital(lines)))
		return nil
	case without + b.Rows:
	default:
		return refuse(fmt.Sprintf("it has %s %s, and would have %s without them or %s with them, so it has changed some other way since",
			wording.Count(n), wording.Plural(int(min(n, 2)), "row", "rows"), wording.Count(without), wording.Count(without+b.Rows)), nil)
	}
	// The batch was added: write the rows it left out to the
	// rejected-rows file, as its confirmation would have, and go on after
	// it.
	rr, err := u.f.Records()
	if err != nil {
		return s.fileError(err, cp.LastLine)
	}
	defer rr.Close()
	var scratch []byte
	for {
		rec, err := rr.Next()
		if err == io.EOF {
			break
		}
		ce := csvProblem(err)
		if err != nil && (ce == nil || ce.Fatal()) {
			return s.fileError(err, cp.LastLine)
		}
		if rec.Line <= cp.LastLine {
			continue
		}
		if rec.Line > b.LastLine {
			break
		}
		reason := ""
		if ce != nil {
			reason = ce.Message
		} else {
			scratch, reason = s.enc.encode(scratch[:0], rec.Fields)
		}
		if reason == "" {
			continue
		}
		r.Rejected++
		u.addProblem(RowProblem{Line: rec.Line, Message: reason})
		if err := s.rej.Add(rec.Line, rec.Fields, reason); err != nil {
			return &uploadError{msg: err.Error(), hint: "Make room or fix the folder's permissions, then resume.", err: err}
		}
	}
	s.lastLine, s.records, s.offset = b.LastLine, s.records+b.Records, b.Offset
	s.batches++
	r.Created += b.Rows
	r.Sent += b.Rows
	r.AppliedThrough, r.ResumedFrom = b.LastLine, b.LastLine
	r.Notes = append(r.Notes, fmt.Sprintf("%s had been added by the earlier run, though its answer was lost, so they were not sent again.", wording.Capital(lines)))
	return s.saveCheckpoint(true)
}

func fileAtLeast(path string, n int64) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() >= n
}

// run reads the file and feeds the sender.
func (s *sodaRun) run() error {
	u := s.u
	rr, err := u.f.Records()
	if err != nil {
		return s.fileError(err, 0)
	}
	defer rr.Close()
	ahead := wizard.ReadAhead(rr)
	defer ahead.Stop()

	s.free = make(chan *sodaBatch, 2)
	s.free <- &sodaBatch{}
	s.free <- &sodaBatch{}
	s.ready = make(chan *sodaBatch)
	s.quit = make(chan struct{})
	s.done = make(chan struct{})
	go s.sender()

	r := &batcher{s: s, ahead: ahead, n: s.batches, startBatches: s.batches, startOffset: s.offset}
	r.b = <-s.free
	r.n++
	r.b.reset(r.n, s.enc)
	u.report(func(p *Progress) {
		p.Phase = PhaseSending
		p.StartBytes = s.offset
		p.Bytes = s.offset
	})
	eof, readErr := r.read()
	lost := false
	if !r.b.empty() {
		// At the end of the file the last batch goes too, unless the
		// upload was asked to stop; a batch cut short by a stop or a file
		// error is never sent.
		lost = !(eof && !u.stopping() && r.next())
	}
	close(s.ready)
	<-s.done
	u.res.Rows = r.rows

	return s.finish(eof && !lost, readErr)
}

// batcher is run's reading side: it reads records into batches and hands
// each full one to the sender.
type batcher struct {
	s     *sodaRun
	ahead *wizard.AheadReader
	b     *sodaBatch // the batch being filled
	n     int        // its number
	rows  int64      // data rows read, those a resume skips included
	// startBatches and startOffset are where this run started; estimate
	// is how many batches the whole file makes, from those sent so far.
	startBatches int
	startOffset  int64
	estimate     int
}

// read reads the file to its end (eof), a stop, a failed batch or a
// file error (readErr), adding each record after the checkpoint's last
// line to a batch.
func (r *batcher) read() (eof bool, readErr error) {
	s := r.s
	u := s.u
	skipTo := s.lastLine
	for !u.stopping() {
		rec, err := r.ahead.Next()
		if err == io.EOF {
			return true, nil
		}
		ce := csvProblem(err)
		if err != nil && (ce == nil || ce.Fatal()) {
			return false, err
		}
		r.rows++
		if r.rows%progressEvery == 0 {
			read, at, est := r.rows, r.ahead.BytesRead(), r.estimate
			u.report(func(p *Progress) { p.Rows, p.Bytes, p.Batches = read, at, est })
		}
		if rec.Line <= skipTo {
			continue
		}
		if ce != nil {
			// A ragged row or bytes not in the encoding: its fields cannot
			// be matched to columns, so it is never sent.
			r.b.reject(rec, ce.Message)
			continue
		}
		if !r.add(rec) {
			return false, nil
		}
	}
	return false, nil
}

// add encodes a record into the batch, or rejects it, and hands the
// batch over once it is full; false means the sender has failed.
func (r *batcher) add(rec wizard.Record) bool {
	s, b := r.s, r.b
	mark := len(b.body)
	if b.rows > 0 {
		b.body = s.enc.sep(b.body)
	}
	rowStart := len(b.body)
	var reason string
	b.body, reason = s.enc.encode(b.body, rec.Fields)
	if reason != "" {
		b.body = b.body[:mark]
		b.reject(rec, reason)
		return true
	}
	if len(b.body)+1 > s.maxBytes && b.rows > 0 {
		// The row would make the batch too large: it starts the next.
		row := append([]byte(nil), b.body[rowStart:]...)
		b.body = b.body[:mark]
		if !r.next() {
			return false
		}
		b = r.b
		b.body = append(b.body, row...)
	}
	b.cover(rec.Line)
	b.rows++
	b.lines = append(b.lines, rec.Line)
	b.sent.add(rec.Fields)
	if b.rows >= s.maxRows || len(b.body)+1 >= s.maxBytes {
		return r.next()
	}
	return true
}

// next hands the batch to the sender and takes a free one; false means
// the sender has failed and reading should stop.
func (r *batcher) next() bool {
	s := r.s
	r.b.endBytes = r.ahead.BytesRead()
	select {
	case s.ready <- r.b:
	case <-s.quit:
		return false
	}
	if r.estimate == 0 || r.n%8 == 0 {
		// Batches so far tell how many bytes a batch covers.
		per := float64(r.b.endBytes-r.startOffset) / float64(r.n-r.startBatches)
		if per > 0 {
			r.estimate = int(float64(s.u.f.Size-r.startOffset)/per+0.999) + r.startBatches
		}
	}
	select {
	case r.b = <-s.free:
	case <-s.quit:
		return false
	}
	r.n++
	r.b.reset(r.n, s.enc)
	return true
}

// sender sends batches in order until ready is closed, stopping at the
// first failure or when the upload is asked to stop.
func (s *sodaRun) sender() {
	defer close(s.done)
	failed := false
	for b := range s.ready {
		if failed || s.u.stopping() {
			s.discarded = s.discarded || !b.empty()
			s.free <- b
			continue
		}
		if err := s.send(b); err != nil {
			s.failure = err
			failed = true
			close(s.quit)
		}
		s.free <- b
	}
}

// send sends one batch and records what the portal made of it.
func (s *sodaRun) send(b *sodaBatch) error {
	u := s.u
	u.report(func(p *Progress) { p.Batch = b.n })
	var wr *socrata.WriteResult
	if b.rows > 0 {
		u.takeRetries() // those of earlier requests
		var err error
		body := s.enc.end(b.body)
		if s.keyless {
			wr, err = s.appendRows(body)
		} else {
			wr, err = u.c.Upsert(u.send, u.ds.ID, body, s.enc.format())
		}
		retries := u.takeRetries()
		if err != nil {
			return s.batchFailed(b, err, retries)
		}
		if mayHaveRunTwice(retries) && wr.Updated > 0 {
			u.res.Notes = append(u.res.Notes, fmt.Sprintf(
				"The request carrying %s was sent again after its first answer was lost; rows the first attempt created count as updated.",
				lineRange(b.first, b.last)))
		}
	}
	return s.confirm(b, wr)
}

// appendRows sends rows to a dataset without a row identifier, where
// sending them twice would add them twice. The client never repeats such
// a request; it is sent again here only when the portal certainly did not
// apply it: it asked to slow down (429), or the connection failed before
// the request went out.
func (s *sodaRun) appendRows(body []byte) (*socrata.WriteResult, error) {
	u := s.u
	const attempts = 5
	wait := time.Second
	for n := 1; ; n++ {
		wr, err := u.c.Append(u.send, u.ds.ID, body, s.enc.format())
		if err == nil || n == attempts || errors.Is(err, socrata.ErrOutcomeUnknown) || u.send.Err() != nil {
			return wr, err
		}
		var ae *socrata.APIError
		if errors.As(err, &ae) && ae.Status != http.StatusTooManyRequests {
			return wr, err
		}
		d := time.Duration(rand.Int64N(int64(wait))) + wait/2
		u.onRetry(socrata.RetryEvent{Attempt: n + 1, Max: attempts, Wait: d, Err: err})
		if err := u.sleep(u.send, d); err != nil {
			return nil, err
		}
		wait = min(wait*2, time.Minute)
	}
}

// mayHaveRunTwice reports whether any retry followed a failure after
// which the portal may already have applied the request: a broken
// connection, or a gateway's 502 or 504.
func mayHaveRunTwice(retries []socrata.RetryEvent) bool {
	for _, e := range retries {
		var ae *socrata.APIError
		if !errors.As(e.Err, &ae) || ae.Status == http.StatusBadGateway || ae.Status == http.StatusGatewayTimeout {
			return true
		}
	}
	return false
}

// confirm records a batch the portal answered (wr is nil when nothing had
// to be sent): counts, rejected rows with their lines, and the
// checkpoint.
func (s *sodaRun) confirm(b *sodaBatch, wr *socrata.WriteResult) error {
	u := s.u
	r := u.res
	type rejRow struct {
		line   int
		id     string
		fields []string
		reason string
	}
	var rejs []rejRow
	for i, lr := range b.local {
		rejs = append(rejs, rejRow{lr.line, "", b.localRows.row(i), lr.reason})
	}
	if wr != nil {
		r.Created += int64(wr.Created)
		r.Updated += int64(wr.Updated)
		r.Deleted += int64(wr.Deleted)
		r.Sent += int64(b.rows)
		for _, re := range wr.RowErrors {
			i := re.Index
			if (i < 0 || i >= b.rows) && re.ID != "" && s.enc.idField >= 0 {
				i = -1
				for j := 0; j < b.rows; j++ {
					if b.sent.field(j, s.enc.idField) == re.ID {
						i = j
						break
					}
				}
			}
			rj := rejRow{id: re.ID, reason: re.Message}
			if i >= 0 && i < b.rows {
				rj.line = b.lines[i]
				rj.fields = b.sent.row(i)
			}
			if rj.reason == "" {
				rj.reason = "the portal rejected the row without saying why"
			}
			rejs = append(rejs, rj)
		}
		if hidden := wr.Errors - len(wr.RowErrors); hidden > 0 {
			r.Rejected += int64(hidden)
			r.Notes = append(r.Notes, fmt.Sprintf(
				"The portal rejected %s %s among %s but did not say which: its answer gives only a count. Check those lines against the dataset.",
				wording.Count(int64(hidden)), wording.Plural(hidden, "row", "rows"), lineRange(b.first, b.last)))
		}
	}
	slices.SortStableFunc(rejs, func(a, b rejRow) int { return a.line - b.line })
	for _, rj := range rejs {
		r.Rejected++
		u.addProblem(RowProblem{Line: rj.line, ID: rj.id, Message: rj.reason})
		if err := s.rej.Add(rj.line, rj.fields, rj.reason); err != nil {
			return &uploadError{msg: fmt.Sprintf("%s (the portal had answered for %s, and they count as applied)", err.Error(), lineRange(b.first, b.last)),
				hint: "Make room or fix the folder's permissions, then resume.", err: err}
		}
	}
	s.lastLine, s.records, s.offset = b.last, s.records+b.records, b.endBytes
	s.batches++
	s.confirmed++
	r.AppliedThrough = b.last
	if err := s.saveCheckpoint(false); err != nil {
		return err
	}
	sent, rejected, applied := r.Sent, r.Rejected, b.last
	u.report(func(p *Progress) {
		p.Sent, p.Rejected, p.AppliedThrough, p.Note = sent, rejected, applied, ""
	})
	return nil
}

// checkpointSync is how often the checkpoint is flushed to the disk.
const checkpointSync = 10 * time.Second

// saveCheckpoint writes what is confirmed so far; final forces it to the
// disk.
func (s *sodaRun) saveCheckpoint(final bool) error {
	if s.cp == nil {
		return nil
	}
	r := s.u.res
	cp := s.cp
	cp.LastLine, cp.Records, cp.Offset, cp.Batches = s.lastLine, s.records, s.offset, s.batches
	cp.Created, cp.Updated, cp.Deleted, cp.Rejected, cp.Sent = r.Created, r.Updated, r.Deleted, r.Rejected, r.Sent
	cp.RejectedFile = s.rej.Path()
	cp.Unsure = s.unsure
	name, n, err := s.rej.Flush()
	if err != nil {
		return &uploadError{msg: wording.FileFailed("cannot write the rejected rows to", s.rej.Path(), err).Error(),
			hint: "Make room or fix the folder's permissions, then resume; the rows sent so far were applied.", err: err}
	}
	if name != "" {
		cp.RejectedTemp, cp.RejectedBytes = name, n
	}
	cp.Saved = s.u.now()
	sync := final || cp.Saved.Sub(s.synced) >= checkpointSync
	if sync {
		s.synced = cp.Saved
	}
	if err := cp.write(s.cpPath, sync); err != nil {
		return &uploadError{msg: err.Error(), hint: "Make room or fix the folder's permissions; the rows sent so far were applied.", err: err}
	}
	return nil
}

// batchFailed explains a batch the portal did not confirm.
func (s *sodaRun) batchFailed(b *sodaBatch, err error, retries []socrata.RetryEvent) error {
	u := s.u
	r := u.res
	lines := lineRange(b.first, b.last)
	var ae *socrata.APIError
	refused := errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 &&
		ae.Status != http.StatusTooManyRequests && ae.Status != http.StatusRequestTimeout && !mayHaveRunTwice(retries)
	if !refused {
		r.UnknownFrom, r.UnknownTo = b.first, b.last
		if s.keyless {
			s.unsure = &unsureBatch{FirstLine: b.first, LastLine: b.last, Rows: int64(b.rows), Records: b.records, Offset: b.endBytes}
			r.ResumeChecksUnknown = s.cp != nil && s.cp.DatasetRows != nil
		}
	}
	switch {
	case u.send.Err() != nil:
		return &uploadError{msg: fmt.Sprintf("abandoned the request carrying %s while it was in flight, so the portal may or may not have applied them", lines),
			hint: s.unknownHint(), err: errors.Join(context.Canceled, err)}
	case refused:
		return &uploadError{msg: fmt.Sprintf("the portal refused the batch carrying %s, so none of them were applied: %s", lines, wizard.FailureText(err)),
			hint: refusalHint(ae), err: err}
	}
	return &uploadError{msg: fmt.Sprintf("the request carrying %s failed, and the portal may or may not have applied those lines: %s", lines, wizard.FailureText(err)),
		hint: s.unknownHint(), err: err}
}

// resumable reports whether a stopped or failed run keeps its checkpoint:
// when a batch was confirmed, or one is in doubt that a resume must
// settle.
func (s *sodaRun) resumable() bool {
	return s.cp != nil && (s.batches > 0 || s.unsure != nil)
}

// unknownHint says what to do about lines the portal may or may not have
// applied.
func (s *sodaRun) unknownHint() string {
	r := s.u.res
	switch {
	case s.keyless && r.ResumeChecksUnknown:
		return "Resume when the portal is reachable: it first counts the dataset's rows to tell whether those lines were added, and sends them only if they were not."
	case s.keyless:
		return fmt.Sprintf("The dataset has no row identifier, so look at it (%s) to see whether those lines were added before you send them again, or they may be added twice.", r.Link)
	case s.resumable():
		return fmt.Sprintf("Resume when the portal is reachable. Sending those lines again is safe: the portal matches rows by their row identifier (%s).", s.u.rowID)
	}
	return fmt.Sprintf("Upload again when the portal is reachable. Sending those lines again is safe: the portal matches rows by their row identifier (%s).", s.u.rowID)
}

// refusalHint says what to do about a request the portal refused.
func refusalHint(ae *socrata.APIError) string {
	switch ae.Status {
	case http.StatusUnauthorized:
		return "Sign in again: the portal no longer accepts the credentials."
	case http.StatusForbidden:
		if wizard.SyncedCopy(ae) {
			return wizard.SyncedCopyAdvice
		}
		return "Ask the dataset's owner to share it with you as an editor."
	case http.StatusNotFound:
		return "Check the dataset id: the portal cannot find it."
	case http.StatusRequestEntityTooLarge:
		return "Make the batches smaller (batch rows or bytes in the job)."
	}
	return "Fix what the portal names, then upload again."
}

// finish ends the run: it commits the rejected rows and keeps or removes
// the checkpoint, and says what happened.
func (s *sodaRun) finish(eof bool, readErr error) error {
	u := s.u
	r := u.res
	path, cerr := s.rej.Commit()
	if cerr == nil && path != "" {
		r.RejectedFile = path
		if s.cp != nil && s.cp.RejectedTemp != "" && s.cp.RejectedTemp != path {
			os.Remove(s.cp.RejectedTemp)
		}
		if s.cp != nil {
			s.cp.RejectedTemp, s.cp.RejectedBytes = "", 0
		}
	}
	complete := eof && s.failure == nil && !s.discarded && readErr == nil
	if complete {
		r.Complete = true
		r.AppliedThrough = s.lastLine
		if s.cpPath != "" {
			if err := os.Remove(s.cpPath); err != nil && !errors.Is(err, os.ErrNotExist) {
				r.Notes = append(r.Notes, fmt.Sprintf("The checkpoint %s could not be removed (%s); delete it, or a later --resume will find it.", s.cpPath, wording.OSReason(err)))
			}
		}
		if cerr != nil {
			return &uploadError{msg: cerr.Error() + " (every row was dealt with; only the rejected rows could not be saved)", err: cerr}
		}
		return nil
	}
	// Stopped or failed: keep the checkpoint if anything was confirmed,
	// or is in doubt.
	if s.resumable() {
		if err := s.saveCheckpoint(true); err == nil {
			r.Resumable = true
			r.Checkpoint = s.cpPath
		}
	}
	var err error
	switch {
	case s.failure != nil:
		err = s.failure
	case readErr != nil:
		err = s.fileError(readErr, s.lastLine)
	case u.stopping() || s.discarded:
		r.Stopped = true
		err = &uploadError{msg: "stopped at your request " + s.appliedText(), hint: s.resumeText(), err: u.ctx.Err()}
	default:
		err = &uploadError{msg: "the upload ended early " + s.appliedText(), hint: s.resumeText()}
	}
	if cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}

// appliedText says which lines were applied: "after line 20,001: lines
// 2–20,001 were applied; nothing after".
func (s *sodaRun) appliedText() string {
	r := s.u.res
	if s.lastLine == 0 {
		return "before any row was applied: the dataset is unchanged"
	}
	return fmt.Sprintf("after line %s: %s %s applied; nothing after", wording.Count(int64(s.lastLine)),
		lineRange(r.FirstLine, s.lastLine), wording.Plural(s.lastLine-r.FirstLine+1, "was", "were"))
}

func (s *sodaRun) resumeText() string {
	if !s.u.res.Resumable {
		return "Upload again to send the rest."
	}
	return fmt.Sprintf("Resume to continue from line %s.", wording.Count(int64(s.lastLine+1)))
}

// fileError explains a file that could not be read to the end.
func (s *sodaRun) fileError(err error, applied int) error {
	r := s.u.res
	what := "no row was applied"
	hint := "Fix the file and upload it again."
	if applied >= r.FirstLine {
		lines := lineRange(r.FirstLine, applied)
		what = lines + " " + wording.Plural(applied-r.FirstLine+1, "was", "were") + " applied; nothing after"
		if s.keyless {
			hint = fmt.Sprintf("Fix the file, then upload the lines after %s as a new append: the dataset has no row identifier, so sending %s again would add them twice.",
				wording.Count(int64(applied)), lines)
		} else {
			hint = fmt.Sprintf("Fix the file and upload it again: sending %s again is safe, as the portal matches rows by their row identifier (%s).", lines, s.u.rowID)
		}
	}
	var ce *wizard.CSVError
	if errors.As(err, &ce) {
		return &uploadError{msg: fmt.Sprintf("%s stopped the upload (%s)", ce.Message, what), hint: hint, err: err}
	}
	return &uploadError{msg: fmt.Sprintf("cannot read %s: %s (%s)", s.u.f.Path, wording.OSReason(err), what), hint: hint, err: err}
}
