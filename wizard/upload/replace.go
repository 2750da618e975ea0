package upload

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// errStopped ends a streamed body when the upload is asked to stop before
// the body is complete; errRequestEnded when the request ended before
// reading it all.
var (
	errStopped      = errors.New("stopped at your request")
	errRequestEnded = errors.New("the request ended before its body was read")
	// errAllRejected ends a replace none of whose rows can be sent: it
	// would empty the dataset.
	errAllRejected = errors.New("every row of the file was rejected, and a replace with no rows would empty the dataset; nothing was sent")
)

// replaceSODA sends the whole file as one SODA PUT whose body is made on
// the fly from the streamed file, so memory stays flat however large the
// file is. It is never retried. Stopping before the body is complete
// leaves the dataset unchanged, since the portal never receives a whole
// request; once the body is complete, the request in flight is waited
// for, so its outcome is known.
func (u *uploader) replaceSODA() error {
	r := u.res
	enc := newRowEncoder(u.plan, u.job.BadRowPolicy() == wizard.SendBadRows, false, -1)
	rej := wizard.NewRejectFile(u.rejectedPath(), u.f)
	defer rej.Abort()
	pr, pw := io.Pipe()
	var (
		bodyDone atomic.Bool
		wg       sync.WaitGroup
		readErr  error
		st       rowStream
	)
	u.report(func(p *Progress) { p.Phase = PhaseSending; p.Batch, p.Batches = 1, 1 })
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr = u.streamRows(pw, enc, rej, &st)
		if readErr == nil {
			bodyDone.Store(true)
			u.report(func(p *Progress) {
				p.Phase, p.Stage = PhaseProcessing, "the portal is replacing the rows"
			})
		}
		pw.CloseWithError(readErr)
	}()
	wr, err := u.c.Replace(u.send, u.ds.ID, pr, enc.format())
	// Unblock the writer if the request ended before reading the body.
	pr.CloseWithError(errRequestEnded)
	wg.Wait()
	r.Rows = st.rows

	if path, cerr := rej.Commit(); cerr == nil {
		r.RejectedFile = path
	} else if err == nil {
		err = cerr
	}
	if err == nil {
		u.replaced(wr, &st)
		return nil
	}
	if !bodyDone.Load() {
		if err := u.replaceUnsent(err, readErr); err != nil {
			return err
		}
	}
	return u.replaceFailed(err, &st)
}

// replaced records a replace the portal answered.
func (u *uploader) replaced(wr *socrata.WriteResult, st *rowStream) {
	r := u.res
	r.Created, r.Updated, r.Deleted = int64(wr.Created), int64(wr.Updated), int64(wr.Deleted)
	r.Sent = st.sent
	for _, re := range wr.RowErrors {
		r.Rejected++
		u.addProblem(RowProblem{Line: st.lines.line(re.Index), ID: re.ID, Message: re.Message})
	}
	if hidden := wr.Errors - len(wr.RowErrors); hidden > 0 {
		r.Rejected += int64(hidden)
		r.Notes = append(r.Notes, fmt.Sprintf("The portal rejected %s %s but did not say which: its answer gives only a count.",
			wording.Count(int64(hidden)), wording.Plural(hidden, "row", "rows")))
	}
	r.Complete = true
	r.AppliedThrough = st.lastLine
}

// replaceUnsent explains a replace whose body never ended, which the
// portal therefore cannot have applied, when reading the file or the
// caller ended it; nil leaves err to replaceFailed.
func (u *uploader) replaceUnsent(err, readErr error) error {
	r := u.res
	switch {
	case errors.Is(readErr, errStopped):
		r.Stopped = true
		return &uploadError{msg: "stopped at your request before the whole file was sent, so nothing was replaced: the dataset is unchanged",
			hint: "Upload again to replace the dataset.", err: errors.Join(u.ctx.Err(), errStopped)}
	case errors.Is(readErr, errAllRejected):
		return &uploadError{msg: errAllRejected.Error() + ", and the dataset is unchanged",
			hint: "Fix the rows listed in the rejected-rows file, then upload again.", err: readErr}
	case readErr != nil && !errors.Is(readErr, errRequestEnded):
		var ce *wizard.CSVError
		if errors.As(readErr, &ce) {
			return &uploadError{msg: ce.Message + "; the replace was abandoned before the file was sent whole, so the dataset is unchanged",
				hint: "Fix the file and upload again.", err: readErr}
		}
		return &uploadError{msg: fmt.Sprintf("the replace was abandoned because %s could not be read (%s); the file was not sent whole, so the dataset is unchanged", u.fileName(), wording.OSReason(readErr)), err: readErr}
	case u.send.Err() != nil:
		return &uploadError{msg: "the replace was abandoned before the whole file was sent, so the dataset is unchanged",
			hint: "Upload again to replace the dataset.", err: errors.Join(u.send.Err(), err)}
	}
	return nil
}

// replaceFailed explains a replace that failed once sent, or that the
// portal refused.
func (u *uploader) replaceFailed(err error, st *rowStream) error {
	r := u.res
	lines, lastLine := &st.lines, st.lastLine
	whole := lineRange(r.FirstLine, max(lastLine, r.FirstLine))
	if errors.Is(err, socrata.ErrOutcomeUnknown) || u.send.Err() != nil {
		r.UnknownFrom, r.UnknownTo = r.FirstLine, max(lastLine, r.FirstLine)
		return &uploadError{
			msg: fmt.Sprintf("the replace may or may not have been applied: the whole file was sent, and then %s", wizard.FailureText(err)),
			hint: fmt.Sprintf("Look at the dataset at %s before you try again: if its rows are the file's, the replace worked; if not, upload again.",
				r.Link),
			err: err,
		}
	}
	var ae *socrata.APIError
	if errors.As(err, &ae) {
		bad := rowErrorsOf(ae)
		for _, re := range bad {
			r.Rejected++
			u.addProblem(RowProblem{Line: lines.line(re.Index), ID: re.ID, Message: re.Message})
		}
		if len(bad) > 0 {
			first := bad[0]
			return &uploadError{
				msg: fmt.Sprintf("the portal refused the replace because %s %s cannot be written (the first is line %s: %s); a replace is all or nothing, so the dataset is unchanged",
					wording.Count(int64(len(bad))), wording.Plural(len(bad), "row", "rows"), wording.Count(int64(lines.line(first.Index))), first.Message),
				hint: "Fix those rows (they are listed with their lines), then upload again.",
				err:  err,
			}
		}
		return &uploadError{msg: fmt.Sprintf("the portal refused the replace of %s, so the dataset is unchanged: %s", whole, wizard.FailureText(err)),
			hint: refusalHint(ae), err: err}
	}
	return &uploadError{msg: fmt.Sprintf("the replace failed before the portal received it, so the dataset is unchanged: %s", wizard.FailureText(err)),
		hint: "Check the connection and upload again.", err: err}
}

// rowErrorsOf reads the row errors a refused write lists in its error
// body's data.errors, as the snake_case write answer does.
func rowErrorsOf(ae *socrata.APIError) []socrata.RowError {
	list, _ := ae.Data["errors"].([]any)
	var out []socrata.RowError
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		re := socrata.RowError{Index: -1}
		if f, ok := m["input_index"].(float64); ok {
			re.Index = int(f)
		}
		for _, k := range []string{"error", "message"} {
			if s, ok := m[k].(string); ok && s != "" {
				re.Message = s
				break
			}
		}
		switch id := m["primary_key"].(type) {
		case string:
			re.ID = id
		case float64:
			re.ID = fmt.Sprint(id)
		}
		out = append(out, re)
	}
	return out
}
