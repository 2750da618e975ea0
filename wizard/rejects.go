package wizard

import (
	"bufio"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ctopendata/socrata-wizard/wizard/internal/atomicfile"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// RejectedPath is where the bad rows of the file at path are written:
// beside it, as <name>.rejected.csv.
func RejectedPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".rejected.csv"
}

// RejectFile writes rejected rows as CSV, for the check (--write-rejects)
// and for an upload alike, so that a person gets the same file from both:
// a header of "line", the file's columns and "problem", then per row the
// source line, the row's fields as they are in the file, and the reason.
// A row with fewer fields than the header is padded with empty cells, so
// that its reason stands under "problem" like every other; a row with more
// keeps them all, its reason after the last. It writes to a temporary file
// and renames it into place on commit (see atomicfile.File), so a crash never
// leaves half a file; a resumed upload continues the file an earlier run
// committed.
type RejectFile struct {
	path   string
	header []string
	mode   os.FileMode // see rejectsMode
	// prior is a file an earlier run wrote, whose first priorLen bytes
	// (all of it when priorLen < 0) are copied in first.
	prior    string
	priorLen int64

	tmp *atomicfile.File
	bw  *bufio.Writer
	cw  *csv.Writer
	row []string
	n   int64
}

// NewRejectFile writes the rejected rows of f to path.
func NewRejectFile(path string, f *CSVFile) *RejectFile {
	return &RejectFile{path: path, header: f.Header, mode: rejectsMode(f.Path), priorLen: -1}
}

// Path is where the rows are written.
func (r *RejectFile) Path() string { return r.path }

// ContinueFrom makes the file start with the first n bytes of prior (all
// of it when n < 0), the rows an earlier run rejected.
func (r *RejectFile) ContinueFrom(prior string, n int64) {
	r.prior, r.priorLen = prior, n
}

// Open starts the file under its temporary name: the rows an earlier run
// rejected (see ContinueFrom), or else the header. Add opens it when it is
// not open yet; a resume opens it first, so that the earlier rows are
// safe before anything is sent.
func (r *RejectFile) Open() error {
	tmp, err := atomicfile.Create(r.path, r.mode)
	if err != nil {
		return wording.FileFailed("cannot write the rejected rows to", r.path, err)
	}
	r.tmp = tmp
	r.bw = bufio.NewWriterSize(tmp, 64<<10)
	r.cw = csv.NewWriter(r.bw)
	if r.prior != "" {
		if old, err := os.Open(r.prior); err == nil {
			var src io.Reader = old
			if r.priorLen >= 0 {
				src = io.LimitReader(old, r.priorLen)
			}
			_, err = io.Copy(r.bw, src)
			old.Close()
			if err != nil {
				return wording.FileFailed("cannot copy the earlier rejected rows from", r.prior, err)
			}
			return nil
		}
	}
	head := make([]string, 0, len(r.header)+2)
	head = append(head, "line")
	head = append(head, r.header...)
	head = append(head, "problem")
	return r.cw.Write(head)
}

// Add writes one rejected row. line 0 means the portal did not say which
// line it was.
func (r *RejectFile) Add(line int, fields []string, reason string) error {
	if r.tmp == nil {
		if err := r.Open(); err != nil {
			r.Abort()
			return err
		}
	}
	r.row = r.row[:0]
	if line > 0 {
		r.row = append(r.row, strconv.Itoa(line))
	} else {
		r.row = append(r.row, "")
	}
	r.row = append(r.row, fields...)
	for len(r.row) < len(r.header)+1 {
		r.row = append(r.row, "")
	}
	r.row = append(r.row, reason)
	r.n++
	return r.cw.Write(r.row)
}

// Flush writes what is buffered to the temporary file and returns its
// name and length, for the checkpoint: after a crash, a resume continues
// from that much of it.
func (r *RejectFile) Flush() (string, int64, error) {
	if r.tmp == nil {
		return "", 0, nil
	}
	r.cw.Flush()
	if err := r.cw.Error(); err != nil {
		return "", 0, err
	}
	if err := r.bw.Flush(); err != nil {
		return "", 0, err
	}
	n, err := r.tmp.Seek(0, io.SeekCurrent)
	return r.tmp.Name(), n, err
}

// Commit renames the file into place and returns its path, or "" when no
// row was written this run (then an earlier run's file, if any, stays as
// it was and its path is returned).
func (r *RejectFile) Commit() (string, error) {
	if r.tmp == nil {
		if r.prior != "" {
			if _, err := os.Stat(r.prior); err == nil {
				return r.prior, nil
			}
		}
		return "", nil
	}
	r.cw.Flush()
	err := r.cw.Error()
	if err == nil {
		err = r.bw.Flush()
	}
	if err == nil {
		err = r.tmp.Commit(true)
	} else {
		r.tmp.Abort()
	}
	r.tmp = nil
	if err != nil {
		return "", wording.FileFailed("cannot write the rejected rows to", r.path, err)
	}
	r.prior, r.priorLen = r.path, -1
	return r.path, nil
}

// Abort removes the temporary file.
func (r *RejectFile) Abort() {
	if r.tmp != nil {
		r.tmp.Abort()
		r.tmp = nil
	}
}

// rejectsMode is the mode of the rejected-rows file of the data file at
// src: the data file's own, so that the rows are as private as they were
// there, but never executable and always writable by its owner, who will
// fix the rows in it. When src cannot be looked at, it is 0600, the safe
// side.
func rejectsMode(src string) os.FileMode {
	info, err := os.Stat(src)
	if err != nil {
		return 0o600
	}
	return info.Mode().Perm()&0o666 | 0o600
}
