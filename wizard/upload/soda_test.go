package upload

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

func TestUploadBatchBoundaries(t *testing.T) {
	tests := []struct {
		name      string
		rows      int
		batchRows int
		// batchBytes, when set, bounds each request's body.
		batchBytes int64
		wantSizes  []int // rows per request
	}{
		{"exact multiple", 20, 10, 0, []int{10, 10}},
		{"one over", 21, 10, 0, []int{10, 10, 1}},
		{"one under", 19, 10, 0, []int{10, 9}},
		{"one row a batch", 3, 1, 0, []int{1, 1, 1}},
		{"file smaller than a batch", 7, 10_000, 0, []int{7}},
		{"single row", 1, 10, 0, []int{1}},
		// These fields go as CSV: a 33-byte header and rows of about 48
		// bytes, so 250 bytes hold four rows.
		{"bytes bound first", 10, 100, 250, []int{4, 4, 2}},
		{"a row larger than the bound goes alone", 3, 100, 10, []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUploadEnv(t, envOptions{})
			f, job := e.open(e.permits(tt.rows), wizard.Upsert)
			res, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: tt.batchRows, BatchBytes: tt.batchBytes})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			for _, w := range e.writes() {
				if tt.batchBytes > 0 && w.Size > tt.batchBytes && tt.name != "a row larger than the bound goes alone" {
					t.Errorf("a request of %d bytes passed the %d-byte bound", w.Size, tt.batchBytes)
				}
			}
			sizes := batchRowCounts(t, e)
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("rows per request = %v, want %v", sizes, tt.wantSizes)
			}
			e.wantPermits(0, tt.rows)
			if res.Created != int64(tt.rows) || res.Sent != int64(tt.rows) || !res.Complete || res.AppliedThrough != tt.rows+1 {
				t.Errorf("result: created %d sent %d complete %v applied through %d; want %d rows through line %d",
					res.Created, res.Sent, res.Complete, res.AppliedThrough, tt.rows, tt.rows+1)
			}
		})
	}
}

// batchRowCounts is how many rows each write carried.
func batchRowCounts(t *testing.T, e *uploadEnv) []int {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int(nil), e.rowsPerWrite...)
}

func TestUploadRetriesLoseAndDuplicateNothing(t *testing.T) {
	const rows = 50
	tests := []struct {
		name  string
		fault socratatest.Fault
		times int
		// keyless uses a dataset without a row identifier.
		keyless bool
		note    string // a progress note expected
		// wantErr, when set, is the failure expected, with only the
		// first batch (lines 2–11) applied and the second in doubt.
		wantErr string
	}{
		{name: "rate limited", fault: socratatest.RateLimited(2), times: 3, note: "slow down (429): retrying in 2 s"},
		{name: "unavailable", fault: socratatest.Unavailable(), times: 2, note: "portal busy (503)"},
		{name: "gateway timeout page", fault: socratatest.ProxyTimeout(), times: 1, note: "gateway timed out (504)"},
		{name: "connection dropped on arrival", fault: socratatest.DropConnection(), times: 2, note: "connection failed"},
		{name: "reply lost after the rows were applied", fault: socratatest.LoseReply(), times: 2, note: "connection failed"},
		{name: "rate limited, no row identifier", fault: socratatest.RateLimited(2), times: 2, keyless: true, note: "slow down (429)"},
		// Without a row identifier a request that may have arrived is
		// never sent again: the upload stops and says which lines are in
		// doubt.
		{name: "dropped, no row identifier", fault: socratatest.DropConnection(), times: 1, keyless: true,
			wantErr: "the request carrying lines 12–21 failed, and the portal may or may not have applied those lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUploadEnv(t, envOptions{keyless: tt.keyless})
			f, job := e.open(e.permits(rows), wizard.Upsert)
			// Fail the second batch's first attempts.
			var n int
			e.srv.Portal.SetFault(func(r *http.Request) socratatest.Fault {
				if r.Method != "POST" || !strings.HasPrefix(r.URL.Path, "/resource/") {
					return socratatest.Fault{}
				}
				n++
				if n >= 2 && n < 2+tt.times {
					return tt.fault
				}
				return socratatest.Fault{}
			})
			var log progressLog
			opts := Options{BatchRows: 10, Progress: log.add, Retries: e.notes, Sleep: noSleep}
			res, err := Run(context.Background(), e.c, e.ds, f, job, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				if res.AppliedThrough != 11 || res.UnknownFrom != 12 || res.UnknownTo != 21 || res.Created != 10 {
					t.Errorf("result: %+v", res)
				}
				if got := len(e.srv.Portal.Rows(testDatasetID)); got != 10 {
					t.Errorf("the portal holds %d rows, want the first batch's 10", got)
				}
				if lines := SummaryLines(res); !containsText(lines, "Lines 12–21 may or may not have been applied") {
					t.Errorf("summary %q", lines)
				}
				return
			}
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if tt.keyless {
				if got := len(e.srv.Portal.Rows(testDatasetID)); got != rows {
					t.Errorf("the portal holds %d rows, want %d", got, rows)
				}
			} else {
				e.wantPermits(0, rows)
			}
			// A batch whose reply was lost is applied twice: its rows are
			// created, then updated.
			if res.Created+res.Updated != rows || res.Rejected != 0 || !res.Complete {
				t.Errorf("result: created %d, updated %d, rejected %d, complete %v", res.Created, res.Updated, res.Rejected, res.Complete)
			}
			if tt.fault.Drop == socratatest.DropAfterHandling && !containsText(res.Notes, "count as updated") {
				t.Errorf("notes %q do not explain the updates", res.Notes)
			}
			if notes := log.notes(); !containsText(notes, tt.note) {
				t.Errorf("progress notes %q do not say %q", notes, tt.note)
			}
		})
	}
}

func containsText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func TestUploadCancelThenResume(t *testing.T) {
	const rows = 100
	e := newUploadEnv(t, envOptions{})
	path := e.permits(rows)
	cp := filepath.Join(e.dir, "permits.job.json.checkpoint")
	f, job := e.open(path, wizard.Upsert)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopAt := 31 // the last line of the third batch
	res, err := Run(ctx, e.c, e.ds, f, job, Options{BatchRows: 10, Checkpoint: cp, ResumeHint: "socrata-wizard run --resume permits.job.json",
		Progress: func(p Progress) {
			if p.AppliedThrough >= stopAt {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want one wrapping context.Canceled", err)
	}
	if res == nil || !res.Stopped || res.Complete || res.AppliedThrough != stopAt || !res.Resumable || res.Checkpoint != cp {
		t.Fatalf("result after the stop: %+v", res)
	}
	e.wantPermits(0, stopAt-1)
	want := "Stopped after line 31: lines 2–31 were applied; nothing after."
	if lines := SummaryLines(res); !containsText(lines, want) || !containsText(lines, "Resume with socrata-wizard run --resume permits.job.json to continue from line 32.") {
		t.Errorf("summary %q does not say %q and how to resume", lines, want)
	}
	saved, err := readCheckpoint(cp)
	if err != nil {
		t.Fatal(err)
	}
	if saved.LastLine != stopAt || saved.Created != 30 || saved.Records != 30 {
		t.Errorf("checkpoint: last line %d, created %d, records %d", saved.LastLine, saved.Created, saved.Records)
	}

	e.mu.Lock()
	e.rowsPerWrite = nil
	e.mu.Unlock()
	res, err = Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 10, Checkpoint: cp, Resume: true})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	e.wantPermits(0, rows)
	sent := 0
	for _, n := range batchRowCounts(t, e) {
		sent += n
	}
	if sent != rows-30 {
		t.Errorf("the resume sent %d rows, want the %d not yet applied", sent, rows-30)
	}
	if !res.Complete || res.ResumedFrom != stopAt || res.Created != rows || res.AppliedThrough != rows+1 {
		t.Errorf("result after the resume: complete %v, resumed from %d, created %d, applied through %d", res.Complete, res.ResumedFrom, res.Created, res.AppliedThrough)
	}
	if _, err := os.Stat(cp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the checkpoint is still there after success: %v", err)
	}
}

func TestUploadResumeRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *uploadEnv, path string, job *wizard.Job)
		want   string
	}{
		{"no checkpoint", func(e *uploadEnv, path string, job *wizard.Job) {
			os.Remove(filepath.Join(e.dir, "job.checkpoint"))
		}, "there is no checkpoint"},
		{"file changed", func(e *uploadEnv, path string, job *wizard.Job) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, append(b, []byte("P-99999,Late,1,2024-02-01,true\n")...), 0o644)
		}, "has changed since the upload stopped"},
		{"mapping changed", func(e *uploadEnv, path string, job *wizard.Job) {
			job.Columns[1].Field = ""
		}, "mapping or settings have changed"},
		{"method changed", func(e *uploadEnv, path string, job *wizard.Job) {
			job.Method = wizard.Append
		}, "it was for an upsert and the job is now an append"},
		{"replace is all or nothing", func(e *uploadEnv, path string, job *wizard.Job) {
			job.Method = wizard.Replace
		}, "a replace is all or nothing, so there is nothing to resume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUploadEnv(t, envOptions{})
			path := e.permits(30)
			cp := filepath.Join(e.dir, "job.checkpoint")
			f, job := e.open(path, wizard.Upsert)
			ctx, cancel := context.WithCancel(context.Background())
			_, err := Run(ctx, e.c, e.ds, f, job, Options{BatchRows: 10, Checkpoint: cp, Progress: func(p Progress) {
				if p.AppliedThrough > 0 {
					cancel()
				}
			}})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v", err)
			}
			tt.change(e, path, job)
			f, err = wizard.OpenCSV(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 10, Checkpoint: cp, Resume: true})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("resume: err = %v, want it to say %q", err, tt.want)
			}
			if res != nil && res.Sent > 10 {
				t.Errorf("a refused resume sent rows: %+v", res)
			}
			if got := len(e.srv.Portal.Rows(testDatasetID)); got != 10 {
				t.Errorf("the portal holds %d rows after a refused resume, want the 10 of the first run", got)
			}
		})
	}
}

// badPermits is a file with a value spanning two lines (so lines and
// record numbers differ) and two fees the portal cannot read, on lines 5
// and 9.
func (e *uploadEnv) badPermits() string {
	rows := [][]string{
		permitRow(0), // line 2
		{"P-00001", "Holder\non two lines", "11.50", "2024-01-02", "true"}, // lines 3–4
		{"P-00002", "Holder 2", "12,50", "2024-01-03", "false"},            // line 5: bad fee
		permitRow(3), // line 6
		permitRow(4), // line 7
		permitRow(5), // line 8
		{"P-00006", "Holder 6", "about 16", "2024-01-07", "true"}, // line 9: bad fee
		permitRow(7), // line 10
	}
	return e.writeCSV("bad.csv", permitHeader, rows)
}

func TestUploadRowErrorsHaveLines(t *testing.T) {
	tests := []struct {
		name      string
		shape     socratatest.WriteShape
		policy    wizard.BadRowPolicy
		wantLines []int
		wantFile  []int // lines in the rejected-rows file
		wantNote  string
	}{
		{"portal errors, snake_case answer", socratatest.SnakeCaseShape, wizard.SendBadRows, []int{5, 9}, []int{5, 9}, ""},
		{"portal errors, one entry per row", socratatest.RowArrayShape, wizard.SendBadRows, []int{5, 9}, []int{5, 9}, ""},
		{"portal errors, count only", socratatest.CoreShape, wizard.SendBadRows, nil, nil, "rejected 1 row among lines 2–5 but did not say which"},
		{"checked here and skipped", socratatest.SnakeCaseShape, wizard.SkipBadRows, []int{5, 9}, []int{5, 9}, ""},
		{"skipped, count-only portal", socratatest.CoreShape, "", []int{5, 9}, []int{5, 9}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUploadEnv(t, envOptions{shape: tt.shape})
			f, job := e.open(e.badPermits(), wizard.Upsert)
			job.BadRows = tt.policy
			res, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 3})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			var lines []int
			for _, p := range res.RowErrors {
				lines = append(lines, p.Line)
				if !strings.Contains(p.Message, "fee") && !strings.Contains(p.Message, "number") {
					t.Errorf("line %d: message %q does not name the problem", p.Line, p.Message)
				}
			}
			if !slices.Equal(lines, tt.wantLines) {
				t.Errorf("row error lines = %v, want %v (%+v)", lines, tt.wantLines, res.RowErrors)
			}
			if res.Rejected != 2 {
				t.Errorf("rejected = %d, want 2", res.Rejected)
			}
			if tt.wantNote != "" && !containsText(res.Notes, tt.wantNote) {
				t.Errorf("notes %q do not say %q", res.Notes, tt.wantNote)
			}
			if got := len(e.srv.Portal.Rows(testDatasetID)); got != 6 {
				t.Errorf("the portal holds %d rows, want the 6 good ones", got)
			}
			if tt.wantFile == nil {
				if res.RejectedFile != "" {
					t.Errorf("a rejected-rows file %s was written though no row could be named", res.RejectedFile)
				}
				return
			}
			recs := readRejected(t, res.RejectedFile)
			var fileLines []int
			for _, r := range recs {
				n, _ := strconv.Atoi(r[0])
				fileLines = append(fileLines, n)
				if len(r) != len(permitHeader)+2 || !strings.HasPrefix(r[1], "P-0000") || r[len(r)-1] == "" {
					t.Errorf("rejected row %q is not line, fields, reason", r)
				}
			}
			if !slices.Equal(fileLines, tt.wantFile) {
				t.Errorf("rejected file lines = %v, want %v", fileLines, tt.wantFile)
			}
		})
	}
}

// readRejected reads a rejected-rows file, checking its header, and
// returns its rows.
func readRejected(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatalf("rejected-rows file: %v", err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("rejected-rows file %s: %v", path, err)
	}
	if len(recs) == 0 || recs[0][0] != "line" || recs[0][len(recs[0])-1] != "problem" {
		t.Fatalf("rejected-rows file header = %q", recs)
	}
	return recs[1:]
}

func TestUploadDeleteAndAppend(t *testing.T) {
	e := newUploadEnv(t, envOptions{})
	f, job := e.open(e.permits(30), wizard.Upsert)
	if _, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 7}); err != nil {
		t.Fatal(err)
	}
	// Delete the first ten by a file of ids only.
	ids := make([][]string, 10)
	for i := range ids {
		ids[i] = []string{permitRow(i)[0]}
	}
	f, job = e.open(e.writeCSV("gone.csv", []string{"permit_id"}, ids), wizard.Delete)
	res, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 4})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if res.Deleted != 10 || !res.Complete {
		t.Errorf("delete result: %+v", res)
	}
	e.wantPermits(10, 30)
	e.mu.Lock()
	last := string(e.bodies[len(e.bodies)-1])
	e.mu.Unlock()
	if last != `[{"permit_id":"P-00008",":deleted":true},{"permit_id":"P-00009",":deleted":true}]` {
		t.Errorf("last delete body = %s", last)
	}

	// A delete needs the row identifier mapped.
	f, job = e.open(e.writeCSV("names.csv", []string{"holder"}, [][]string{{"Holder 12"}}), wizard.Delete)
	if _, err := Run(context.Background(), e.c, e.ds, f, job, Options{}); err == nil || !strings.Contains(err.Error(), "no file column is mapped to it") {
		t.Errorf("delete without the id column: %v", err)
	}
}

func TestUploadAppendWithoutRowIdentifier(t *testing.T) {
	e := newUploadEnv(t, envOptions{keyless: true})
	path := e.permits(12)
	for range 2 {
		f, job := e.open(path, wizard.Append)
		res, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 5})
		if err != nil || res.Created != 12 {
			t.Fatalf("append: %v, %+v", err, res)
		}
	}
	if n := len(e.srv.Portal.Rows(testDatasetID)); n != 24 {
		t.Errorf("two appends left %d rows, want 24", n)
	}
	// A delete is refused before anything is sent.
	f, job := e.open(path, wizard.Delete)
	if _, err := Run(context.Background(), e.c, e.ds, f, job, Options{}); err == nil || !strings.Contains(err.Error(), "has no row identifier") {
		t.Errorf("delete on a dataset without a row identifier: %v", err)
	}
}

func TestUploadStopsAtABrokenFile(t *testing.T) {
	e := newUploadEnv(t, envOptions{})
	rows := make([][]string, 0, 25)
	for i := range 25 {
		rows = append(rows, permitRow(i))
	}
	path := e.writeCSV("broken.csv", permitHeader, rows)
	b, _ := os.ReadFile(path)
	// Line 27 opens a quote that is never closed.
	os.WriteFile(path, append(b, []byte("P-00025,\"Holder 25,1,2024-01-01,true\n")...), 0o644)
	f, job := e.open(path, wizard.Upsert)
	res, err := Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 10, Checkpoint: filepath.Join(e.dir, "cp")})
	if err == nil || !strings.Contains(err.Error(), "line 27") || !strings.Contains(err.Error(), "lines 2–21 were applied; nothing after") {
		t.Fatalf("err = %v", err)
	}
	var ue *uploadError
	if !errors.As(err, &ue) || !strings.Contains(ue.Hint(), "sending lines 2–21 again is safe, as the portal matches rows by their row identifier (permit_id)") {
		t.Errorf("advice %q does not say that sending the applied lines again is safe", ue.Hint())
	}
	// The batch cut short by the broken line (lines 22–26) is never sent.
	e.wantPermits(0, 20)
	if res.AppliedThrough != 21 || res.Complete || !res.Resumable {
		t.Errorf("result: %+v", res)
	}
}

func TestUploadRejectedRowsSurviveAResume(t *testing.T) {
	e := newUploadEnv(t, envOptions{})
	f, job := e.open(e.badPermits(), wizard.Upsert)
	cp := filepath.Join(e.dir, "cp")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Stop after the batch holding line 5: lines 2, 3 and 6 are sent and
	// 5 is rejected here.
	res, err := Run(ctx, e.c, e.ds, f, job, Options{BatchRows: 3, Checkpoint: cp, Progress: func(p Progress) {
		if p.AppliedThrough >= 5 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || res.AppliedThrough != 6 {
		t.Fatalf("first run: %v, applied through %d", err, res.AppliedThrough)
	}
	if recs := readRejected(t, res.RejectedFile); len(recs) != 1 || recs[0][0] != "5" {
		t.Errorf("after the stop the rejected rows are %q, want line 5", recs)
	}
	res, err = Run(context.Background(), e.c, e.ds, f, job, Options{BatchRows: 3, Checkpoint: cp, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	recs := readRejected(t, res.RejectedFile)
	if len(recs) != 2 || recs[0][0] != "5" || recs[1][0] != "9" {
		t.Errorf("after the resume the rejected rows are %q, want lines 5 and 9 once each", recs)
	}
	if res.Rejected != 2 || len(e.srv.Portal.Rows(testDatasetID)) != 6 {
		t.Errorf("result: rejected %d; portal rows %d", res.Rejected, len(e.srv.Portal.Rows(testDatasetID)))
	}
}

func TestUploadRefusedBySyncedCopy(t *testing.T) {
	e := newUploadEnv(t, envOptions{synced: true})
	f, job := e.open(e.permits(3), wizard.Upsert)
	res, err := Run(context.Background(), e.c, e.ds, f, job, Options{})
	if err == nil {
		t.Fatal("an upload to a synced copy succeeded")
	}
	if got := wizard.Explain(err); !strings.Contains(got, "synced copy") || !strings.Contains(got, "lines 2–4") {
		t.Errorf("Explain = %q, want the synced copy and the lines named", got)
	}
	if got := wizard.Hint(err); got != wizard.SyncedCopyAdvice {
		t.Errorf("Hint = %q, want %q", got, wizard.SyncedCopyAdvice)
	}
	if res == nil || res.AppliedThrough != 0 || res.Created+res.Updated != 0 {
		t.Errorf("result = %+v, want nothing applied", res)
	}
}
