package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// upload sends the file (or its converted form) in chunks of the same
// size, several at a time, and commits them. The file as it is goes up in
// sections read straight from the disk as they are sent (see
// socrata.Client.UploadFileChunk); the converted form is written into
// chunk buffers that are used over and over.
func (d *dsmRun) upload(plan *socrata.UploadPlan) error {
	u := d.u
	source, closeSource, err := d.openSource()
	if err != nil {
		return err
	}
	defer closeSource()
	s := newChunkSender(d, plan, source)
	u.report(func(p *Progress) {
		p.Phase, p.Stage, p.Batches, p.Bytes = PhaseSending, "", s.batches, 0
	})
	s.start()
	seq, size, readErr := s.produce()
	s.wait()
	if !d.raw && readErr == nil && s.failure == nil && !u.stopping() {
		<-source.genDone
		readErr = source.genErr
	}
	if err := d.chunksEnded(s, seq, readErr); err != nil {
		return err
	}
	d.stage("finishing the upload")
	committed, err := u.c.CommitUpload(u.send, d.src, seq-1, size)
	if err != nil {
		return d.failed("finishing the upload", err)
	}
	d.src = committed
	d.committed = true
	return nil
}

// chunkSource is what the chunks are cut from: the file as it is (fh, of
// size bytes), or its converted form (r), which streamRows writes on a
// goroutine of its own until genDone is closed, ending with genErr.
type chunkSource struct {
	fh      *os.File
	size    int64
	r       io.Reader
	genDone chan struct{}
	genErr  error
}

// openSource opens the file, or starts converting it. The function it
// returns ends that once the upload is over, whatever happened.
func (d *dsmRun) openSource() (*chunkSource, func(), error) {
	u := d.u
	src := &chunkSource{genDone: make(chan struct{})}
	if d.raw {
		fh, err := os.Open(u.f.Path)
		if err == nil {
			var st os.FileInfo
			if st, err = fh.Stat(); err == nil {
				src.fh, src.size = fh, st.Size()
			} else {
				fh.Close()
			}
		}
		if err != nil {
			return nil, nil, &uploadError{msg: fmt.Sprintf("cannot read %s: %s", u.f.Path, wording.OSReason(err)), err: err}
		}
		return src, func() {
			// The summary needs the file's last line. Counting them
			// takes a pass over the file, made while the portal reads it,
			// so that the upload never waits for it; it closes fh.
			if d.committed {
				d.countLines(src.fh, src.size)
			} else {
				src.fh.Close()
			}
		}, nil
	}
	pr, pw := io.Pipe()
	var st rowStream
	go func() {
		defer close(src.genDone)
		src.genErr = u.streamRows(pw, d.enc, d.rej, &st)
		pw.CloseWithError(src.genErr)
	}()
	src.r = pr
	return src, func() {
		// Unblock the converter if reading stopped early.
		pr.CloseWithError(errRequestEnded)
		<-src.genDone
		u.res.Rows, u.res.Sent, d.lastLine = st.rows, st.sent, st.lastLine
	}, nil
}

// chunkJob is one chunk to send: a section of the file, or (buf set) a
// buffer of the converted form.
type chunkJob struct {
	seq int
	off int64
	n   int64
	buf []byte
}

// chunkSender cuts a source into chunks and sends them, par at a time,
// stopping at the first that fails.
type chunkSender struct {
	d       *dsmRun
	src     *chunkSource
	chunk   int64
	par     int
	batches int // how many chunks the file as it is makes; 0 when not known

	jobs chan chunkJob
	free chan []byte // chunk buffers of the converted form
	wg   sync.WaitGroup

	failMu  sync.Mutex
	failure error
	// failedChunk names the chunk that failed, for the message.
	failedChunk string
	failed      chan struct{}

	sent  atomic.Int64 // bytes the portal has acknowledged
	acked atomic.Int64 // chunks the portal has acknowledged
}

// newChunkSender sizes the chunks and the chunks in flight as the portal
// prefers, within the caller's bound and, for the converted form, about
// 32 MB of buffers however large the portal's chunks.
func newChunkSender(d *dsmRun, plan *socrata.UploadPlan, src *chunkSource) *chunkSender {
	s := &chunkSender{d: d, src: src, chunk: min(plan.PreferredChunkSize, 8<<20), failed: make(chan struct{})}
	s.par = plan.Parallelism
	if d.u.opts.Parallelism > 0 {
		s.par = min(s.par, d.u.opts.Parallelism)
	} else {
		s.par = min(s.par, 4)
	}
	if !d.raw {
		s.par = min(s.par, int((32<<20)/s.chunk))
	}
	s.par = max(s.par, 1)
	if d.raw {
		s.batches = int((src.size + s.chunk - 1) / s.chunk)
	}
	s.jobs = make(chan chunkJob)
	s.free = make(chan []byte, s.par+1)
	if !d.raw {
		for range s.par + 1 {
			s.free <- make([]byte, s.chunk)
		}
	}
	return s
}

// fail records the first failure and tells every sender to stop.
func (s *chunkSender) fail(chunk string, err error) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if s.failure == nil {
		s.failure, s.failedChunk = err, chunk
		close(s.failed)
	}
}

// start starts the senders.
func (s *chunkSender) start() {
	for range s.par {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for j := range s.jobs {
				s.send(j)
			}
		}()
	}
}

// send sends one chunk, unless another has failed, and reports it.
func (s *chunkSender) send(j chunkJob) {
	u, d := s.d.u, s.d
	var err error
	select {
	case <-s.failed:
		err = errRequestEnded
	default:
		if j.buf == nil {
			err = u.c.UploadFileChunk(u.send, d.src, j.seq, s.src.fh, j.off, j.n)
		} else {
			err = u.c.UploadChunk(u.send, d.src, j.seq, j.off, j.buf)
		}
		if err != nil {
			of := ""
			if s.batches > 0 {
				of = " of " + wording.Count(int64(s.batches))
			}
			s.fail(fmt.Sprintf("chunk %s%s (%s)", wording.Count(int64(j.seq+1)), of, byteRange(j.off, j.off+j.n)), err)
		}
	}
	if j.buf != nil {
		s.free <- j.buf[:cap(j.buf)]
	}
	if err != nil {
		return
	}
	done, n := s.sent.Add(j.n), s.acked.Add(1)
	if d.raw {
		u.report(func(p *Progress) { p.Bytes, p.Batch, p.Note = done, int(n), "" })
	} else {
		u.report(func(p *Progress) { p.Batch, p.Note = int(n), "" })
	}
}

// produce cuts the source into chunks for the senders until it ends, a
// chunk fails or the upload is asked to stop. It returns how many chunks
// it handed out and how many bytes they hold, and why reading the
// converted form failed, if it did.
func (s *chunkSender) produce() (seq int, off int64, readErr error) {
	u, raw := s.d.u, s.d.raw
	for !u.stopping() {
		j := chunkJob{seq: seq, off: off}
		if raw {
			if off >= s.src.size {
				break
			}
			j.n = min(s.chunk, s.src.size-off)
		} else {
			select {
			case j.buf = <-s.free:
			case <-s.failed:
				return seq, off, nil
			}
			n, err := io.ReadFull(s.src.r, j.buf[:s.chunk])
			j.buf, j.n = j.buf[:n], int64(n)
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				return seq, off, err
			}
			if n == 0 {
				break
			}
		}
		select {
		case s.jobs <- j:
		case <-s.failed:
			return seq, off, nil
		}
		seq++
		off += j.n
		if !raw && j.n < s.chunk {
			break // the converted form has ended
		}
	}
	return seq, off, nil
}

// wait waits for the chunks in flight.
func (s *chunkSender) wait() {
	close(s.jobs)
	s.wg.Wait()
}

// chunksEnded says why the chunks cannot be committed, or nil when they
// can: seq were sent and the source was read to its end.
func (d *dsmRun) chunksEnded(s *chunkSender, seq int, readErr error) error {
	u := d.u
	switch {
	case u.stopping() || errors.Is(readErr, errStopped):
		return d.stopped()
	case s.failure != nil:
		if u.send.Err() != nil {
			return &uploadError{msg: "abandoned the upload while chunks were in flight; nothing was applied and the dataset is unchanged", err: errors.Join(context.Canceled, s.failure)}
		}
		return d.failed("uploading "+s.failedChunk, s.failure)
	case errors.Is(readErr, errAllRejected):
		return &uploadError{msg: errAllRejected.Error() + ", and the dataset is unchanged",
			hint: "Fix the rows listed in the rejected-rows file, then upload again.", err: readErr}
	case readErr != nil:
		var ce *wizard.CSVError
		if errors.As(readErr, &ce) {
			return &uploadError{msg: ce.Message + "; the upload was abandoned, so nothing was applied and the dataset is unchanged",
				hint: "Fix the file and upload again.", err: readErr}
		}
		return &uploadError{msg: fmt.Sprintf("cannot read %s: %s; nothing was applied and the dataset is unchanged", u.f.Path, wording.OSReason(readErr)), err: readErr}
	case seq == 0:
		// Only the file as it is can come to nothing: the converted form
		// always has its header.
		return &uploadError{msg: fmt.Sprintf("%s is empty, so there is nothing to send", u.fileName()), hint: "Choose a file with rows in it."}
	}
	return nil
}
