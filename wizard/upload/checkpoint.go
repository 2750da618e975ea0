package upload

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/atomicfile"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// checkpointVersion is the format written; a newer one is refused.
const checkpointVersion = 1

// checkpoint is what a SODA upload has had confirmed so far, written
// beside the job after every confirmed batch so that an interrupted upload
// can continue where it stopped. It names the file, dataset and mapping it
// belongs to, so that a resume against anything else is refused.
type checkpoint struct {
	Version int `json:"version"`
	// Domain and Dataset are the portal and dataset written to.
	Domain  string `json:"domain"`
	Dataset string `json:"dataset"`
	// File is the absolute path of the file, with its size, modification
	// time and a hash of its first 64 KB when the upload started.
	File    string    `json:"file"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	Head    string    `json:"head_sha256"`
	// Mapping is a hash of everything in the job that decides what is
	// sent: method, dialect, columns, points, zone and bad-row policy.
	Mapping string `json:"mapping_sha256"`
	Method  string `json:"method"`
	// LastLine is the last source line confirmed (applied, or rejected
	// and written to the rejected-rows file); Records is how many data
	// records lie up to it, and Offset about how many bytes.
	LastLine int   `json:"last_line"`
	Records  int64 `json:"records"`
	Offset   int64 `json:"offset"`
	Batches  int   `json:"batches"`
	// Counts so far.
	Created  int64 `json:"created"`
	Updated  int64 `json:"updated"`
	Deleted  int64 `json:"deleted"`
	Rejected int64 `json:"rejected"`
	Sent     int64 `json:"sent"`
	// RejectedFile is where rejected rows are written. While an upload
	// runs they go to RejectedTemp, which is renamed to RejectedFile when
	// it ends; RejectedBytes is how much of RejectedTemp matches this
	// checkpoint, so that a resume after a crash continues from it.
	RejectedFile  string `json:"rejected_file,omitempty"`
	RejectedTemp  string `json:"rejected_temp,omitempty"`
	RejectedBytes int64  `json:"rejected_bytes,omitempty"`
	// DatasetRows is how many rows the dataset had before the upload
	// began, and Unsure the batch after LastLine whose fate is unknown.
	// Both are kept for appends to a dataset without a row identifier,
	// where sending a batch again would add its rows twice: a resume
	// counts the dataset's rows, and the count tells whether that batch
	// was added (DatasetRows + Created + its rows) or not (DatasetRows +
	// Created).
	DatasetRows *int64       `json:"dataset_rows_before,omitempty"`
	Unsure      *unsureBatch `json:"unsure,omitempty"`
	Started     time.Time    `json:"started"`
	Saved       time.Time    `json:"saved"`
}

// unsureBatch is a batch the portal may or may not have applied: its
// request failed in a way that leaves that open.
type unsureBatch struct {
	// FirstLine and LastLine are the source lines it covers, Rows the
	// rows it sent, Records the records it covers (rows rejected here
	// included), and Offset about how far into the file it ends.
	FirstLine int   `json:"first_line"`
	LastLine  int   `json:"last_line"`
	Rows      int64 `json:"rows"`
	Records   int64 `json:"records"`
	Offset    int64 `json:"offset"`
}

// CheckpointPath is where the checkpoint of the job saved at jobPath
// lives: beside it, as "<job>.checkpoint".
func CheckpointPath(jobPath string) string { return jobPath + ".checkpoint" }

// readCheckpoint reads a checkpoint. A missing file is an error matching
// os.ErrNotExist, so a caller can tell "nothing to resume" apart.
func readCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("there is no checkpoint at %s, so there is nothing to resume: %w", path, os.ErrNotExist)
		}
		return nil, wording.FileFailed("cannot read the checkpoint", path, err)
	}
	var cp checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("the checkpoint %s is damaged: it is not what this program writes; delete it and upload from the start", path)
	}
	if cp.Version > checkpointVersion {
		return nil, fmt.Errorf("the checkpoint %s was written by a newer version of this program; resume with that version", path)
	}
	return &cp, nil
}

// write saves the checkpoint atomically (see atomicfile.File). The upload
// asks for sync every few seconds rather than after every batch, since
// each costs disk round trips; a checkpoint a power cut damaged is refused
// with a clear message, and upserts can then be sent again from the start.
func (cp *checkpoint) write(path string, sync bool) error {
	cp.Version = checkpointVersion
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	f, err := atomicfile.Create(path, 0o600)
	if err == nil {
		if _, err = f.Write(append(b, '\n')); err != nil {
			f.Abort()
		} else {
			err = f.Commit(sync)
		}
	}
	if err != nil {
		return wording.FileFailed("cannot write the checkpoint", path, err)
	}
	return nil
}

// fileIdentity is what tells one version of a file from another: its
// size, modification time and a hash of its first 64 KB.
type fileIdentity struct {
	path    string
	size    int64
	modTime time.Time
	head    string
}

// identify reads the identity of the file at path now.
func identify(path string) (fileIdentity, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fh, err := os.Open(path)
	if err != nil {
		return fileIdentity{}, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fileIdentity{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(fh, 64<<10)); err != nil {
		return fileIdentity{}, err
	}
	return fileIdentity{path: abs, size: st.Size(), modTime: st.ModTime().UTC(), head: hex.EncodeToString(h.Sum(nil))}, nil
}

// mappingHash hashes the parts of a job that decide what is sent, so that
// a resume with a changed mapping is refused. Batch sizes are left out:
// changing them between runs is harmless.
func mappingHash(job *wizard.Job) string {
	v := struct {
		Dataset  string
		Method   wizard.Method
		CSV      wizard.Dialect
		RowID    string
		Columns  []wizard.ColumnMap
		Points   []wizard.PointSource
		Timezone string
		BadRows  wizard.BadRowPolicy
	}{job.Dataset, job.Method, job.CSV, job.RowIdentifier, job.Columns, job.Points, job.Timezone, job.BadRowPolicy()}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// newCheckpoint starts a checkpoint for an upload of id to the file.
func newCheckpoint(domain, dataset string, id fileIdentity, job *wizard.Job, started time.Time) *checkpoint {
	return &checkpoint{
		Domain:  domain,
		Dataset: dataset,
		File:    id.path,
		Size:    id.size,
		ModTime: id.modTime,
		Head:    id.head,
		Mapping: mappingHash(job),
		Method:  job.Method.String(),
		Started: started,
	}
}

// check says why the checkpoint cannot be resumed for this upload, or nil
// when it can. keyless is true for an append to a dataset without a row
// identifier, which must not start again from the beginning.
func (cp *checkpoint) check(domain, dataset string, id fileIdentity, job *wizard.Job, keyless bool) error {
	var why []string
	if cp.Domain != domain || cp.Dataset != dataset {
		why = append(why, fmt.Sprintf("it is for dataset %s on %s, not %s on %s", cp.Dataset, cp.Domain, dataset, domain))
	}
	if cp.File != id.path {
		why = append(why, fmt.Sprintf("it is for the file %s, not %s", cp.File, id.path))
	} else if cp.Size != id.size || !cp.ModTime.Equal(id.modTime) || cp.Head != id.head {
		why = append(why, fmt.Sprintf("%s has changed since the upload stopped (it was %s, modified %s; it is now %s, modified %s)",
			filepath.Base(id.path), wording.Size(cp.Size), cp.ModTime.Local().Format("2006-01-02 15:04:05"),
			wording.Size(id.size), id.modTime.Local().Format("2006-01-02 15:04:05")))
	}
	if cp.Method != job.Method.String() {
		why = append(why, fmt.Sprintf("it was for %s and the job is now %s", withArticle(cp.Method), withArticle(job.Method.String())))
	} else if cp.Mapping != mappingHash(job) {
		why = append(why, "the job's mapping or settings have changed since")
	}
	if len(why) == 0 {
		return nil
	}
	hint := "Restore the file and job as they were and resume, or upload from the start without --resume: sending the applied rows again is safe, as the portal matches rows by their row identifier."
	if keyless {
		applied := "no line was applied"
		if cp.LastLine > 0 {
			applied = "lines up to " + wording.Count(int64(cp.LastLine)) + " were applied"
		}
		hint = "Restore the file and job as they were and resume. The dataset has no row identifier, so uploading from the start would add the applied rows twice (" + applied + ")."
	}
	return &uploadError{msg: "cannot resume from the checkpoint: " + strings.Join(why, "; "), hint: hint}
}

// withArticle puts "a" or "an" before a method's name.
func withArticle(method string) string {
	if method != "" && strings.ContainsRune("aeiou", rune(method[0])) {
		return "an " + method
	}
	return "a " + method
}
