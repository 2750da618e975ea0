package upload

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// TestUploadAppendResumeAddsEachRowOnce stops an append to a dataset
// without a row identifier part-way, in every way it can stop, resumes it,
// and checks that the dataset then holds each row of the file exactly
// once: a resume must never send again rows the portal already added,
// even when the answer saying so was lost.
func TestUploadAppendResumeAddsEachRowOnce(t *testing.T) {
	const rows = 60 // six batches of ten: lines 2–11, 12–21, ...
	tests := []struct {
		name string
		// stopAt cancels the upload when progress reports it; fault is
		// injected into the third batch's request.
		stopAt func(p Progress) bool
		fault  *socratatest.Fault
		// meddle changes the dataset between the runs.
		meddle func(t *testing.T, e *uploadEnv)
		// staleCount answers the resume's first count of the dataset's
		// rows with the count it would have without the batch in doubt,
		// as a count lagging the write would. stopWhileRecounting stops
		// a first resume while it waits to count again.
		staleCount          bool
		stopWhileRecounting bool
		// abandon holds the third batch's request until the upload is
		// stopped and then told to abandon the request in flight (its
		// Abort option, a second ctrl+c); the portal never adds it.
		abandon bool
		// bad is a row (by index) whose fee is not a number, so that it
		// is rejected here and never sent; -1 for none.
		bad int
		// wantNote is part of a note the resume leaves; wantRefusal, when
		// set, is part of the resume's error instead.
		wantNote    string
		wantRefusal string
	}{
		{name: "stopped between batches", bad: -1, stopAt: func(p Progress) bool { return p.AppliedThrough >= 31 }},
		{name: "stopped while a batch is in flight", bad: -1, stopAt: func(p Progress) bool { return p.Batch == 3 && p.AppliedThrough < 31 }},
		{name: "answer lost after the portal added the rows", bad: -1, fault: fault(socratatest.LoseReply()),
			wantNote: "Lines 22–31 had been added by the earlier run, though its answer was lost, so they were not sent again."},
		// The third batch then covers lines 22–32: ten rows sent and
		// line 25 left out.
		{name: "answer lost for rows one of which was rejected here", bad: 23, fault: fault(socratatest.LoseReply()),
			wantNote: "Lines 22–32 had been added by the earlier run, though its answer was lost, so they were not sent again."},
		{name: "answer lost, and the first count lags the write", bad: -1, fault: fault(socratatest.LoseReply()), staleCount: true,
			wantNote: "Lines 22–31 had been added by the earlier run, though its answer was lost, so they were not sent again."},
		{name: "request in flight abandoned by a second stop", bad: -1, abandon: true,
			wantNote: "Lines 22–31 had not been added by the earlier run, so they were sent again."},
		{name: "connection dropped before the portal read the rows", bad: 23, fault: fault(socratatest.DropConnection()),
			wantNote: "Lines 22–32 had not been added by the earlier run, so they were sent again."},
		{name: "stopped while counting again", bad: -1, fault: fault(socratatest.DropConnection()), stopWhileRecounting: true,
			wantNote: "Lines 22–31 had not been added by the earlier run, so they were sent again."},
		{name: "gateway timed out without passing the rows on", bad: -1, fault: fault(socratatest.ProxyTimeout()),
			wantNote: "Lines 22–31 had not been added by the earlier run, so they were sent again."},
		{name: "answer lost, and someone else added a row meanwhile", bad: -1, fault: fault(socratatest.LoseReply()),
			meddle: func(t *testing.T, e *uploadEnv) {
				if _, err := e.c.Append(context.Background(), testDatasetID, []byte(`[{"permit_id":"X-1","holder":"Someone else"}]`), socrata.JSON); err != nil {
					t.Fatal(err)
				}
			},
			wantRefusal: "cannot tell whether lines 22–31 were added"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUploadEnv(t, envOptions{keyless: true})
			recs := make([][]string, rows)
			for i := range recs {
				recs[i] = permitRow(i)
			}
			if tt.bad >= 0 {
				recs[tt.bad][2] = "N/A"
			}
			path := e.writeCSV("permits.csv", permitHeader, recs)
			cp := filepath.Join(e.dir, "permits.job.json.checkpoint")
			f, job := e.open(path, wizard.Append)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := Options{BatchRows: 10, Checkpoint: cp}
			// third is what the portal does with the third batch's
			// request, if anything special.
			var third func() socratatest.Fault
			if tt.fault != nil {
				third = func() socratatest.Fault { return *tt.fault }
			}
			releaseHeld := func() {}
			if tt.abandon {
				// The portal holds the request until the first run has
				// returned; the hook must not read the body, so the
				// portal never sees the client give up.
				held, release, abort := make(chan struct{}), make(chan struct{}), make(chan struct{})
				var once sync.Once
				releaseHeld = func() { once.Do(func() { close(release) }) }
				t.Cleanup(releaseHeld) // before the portal closes, which waits for it
				third = func() socratatest.Fault {
					close(held)
					<-release
					return socratatest.DropConnection()
				}
				go func() {
					<-held
					cancel()
					close(abort)
				}()
				opts.Abort = abort
			}
			if third != nil {
				var mu sync.Mutex
				posts := 0
				e.srv.Portal.SetFault(func(r *http.Request) socratatest.Fault {
					if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/resource/") {
						return socratatest.Fault{}
					}
					mu.Lock()
					posts++
					n := posts
					mu.Unlock()
					if n != 3 {
						return socratatest.Fault{}
					}
					return third()
				})
			}
			if tt.stopAt != nil {
				opts.Progress = func(p Progress) {
					if tt.stopAt(p) {
						cancel()
					}
				}
			}
			res, err := Run(ctx, e.c, e.ds, f, job, opts)
			releaseHeld()
			if err == nil || res == nil || res.Complete || !res.Resumable {
				t.Fatalf("the first run did not stop part-way with a checkpoint: %v, %+v", err, res)
			}
			if tt.abandon {
				saved, err := readCheckpoint(cp)
				if err != nil {
					t.Fatal(err)
				}
				if u := saved.Unsure; u == nil || u.FirstLine != 22 || u.LastLine != 31 || res.UnknownFrom != 22 || !res.ResumeChecksUnknown {
					t.Fatalf("the abandoned batch is not recorded as unsure: checkpoint %+v, result %+v", saved.Unsure, res)
				}
			}
			e.srv.Portal.SetFault(nil)
			if tt.meddle != nil {
				tt.meddle(t, e)
			}
			before := len(e.srv.Portal.Rows(testDatasetID))
			resume := Options{BatchRows: 10, Checkpoint: cp, Resume: true, Sleep: noSleep}
			if tt.stopWhileRecounting {
				stop := resume
				stop.Sleep = func(context.Context, time.Duration) error { return context.Canceled }
				res, err := Run(context.Background(), e.c, e.ds, f, job, stop)
				if !errors.Is(err, context.Canceled) || res == nil || !res.Stopped || !res.Resumable || res.UnknownFrom != 22 || !res.ResumeChecksUnknown {
					t.Fatalf("a resume stopped while counting again: %v, %+v", err, res)
				}
				if n := len(e.srv.Portal.Rows(testDatasetID)); n != before {
					t.Errorf("the stopped resume changed the dataset from %d rows to %d", before, n)
				}
			}
			if tt.staleCount {
				saved, err := readCheckpoint(cp)
				if err != nil {
					t.Fatal(err)
				}
				stale := *saved.DatasetRows + saved.Created
				var mu sync.Mutex
				counts := 0
				e.srv.Portal.SetFault(func(r *http.Request) socratatest.Fault {
					if r.URL.Query().Get("$select") != "count(*)" {
						return socratatest.Fault{}
					}
					mu.Lock()
					defer mu.Unlock()
					if counts++; counts == 1 {
						return socratatest.Fault{Status: http.StatusOK, Body: `[{"count":"` + strconv.FormatInt(stale, 10) + `"}]`}
					}
					return socratatest.Fault{}
				})
			}

			res, err = Run(context.Background(), e.c, e.ds, f, job, resume)
			if tt.wantRefusal != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantRefusal) {
					t.Fatalf("resume: %v, want a refusal saying %q", err, tt.wantRefusal)
				}
				var ue *uploadError
				if !errors.As(err, &ue) || !strings.Contains(ue.Hint(), e.ds.Link) && !strings.Contains(ue.Hint(), "/d/"+testDatasetID) {
					t.Errorf("the refusal's advice %q does not point at the dataset", ue.Hint())
				}
				if n := len(e.srv.Portal.Rows(testDatasetID)); n != before {
					t.Errorf("the refused resume changed the dataset from %d rows to %d", before, n)
				}
				return
			}
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			good, rejected := int64(rows), int64(0)
			if tt.bad >= 0 {
				good, rejected = rows-1, 1
			}
			if !res.Complete || res.AppliedThrough != rows+1 || res.Created != good || res.Rejected != rejected {
				t.Errorf("after the resume: complete %v, applied through %d, created %d, rejected %d", res.Complete, res.AppliedThrough, res.Created, res.Rejected)
			}
			seen := map[string]int{}
			for _, r := range e.srv.Portal.Rows(testDatasetID) {
				seen[r["permit_id"]]++
			}
			for i := range rows {
				want := 1
				if i == tt.bad {
					want = 0
				}
				if id := permitRow(i)[0]; seen[id] != want {
					t.Errorf("%s (line %d) is in the dataset %d times, want %d", id, i+2, seen[id], want)
				}
			}
			if len(seen) != int(good) {
				t.Errorf("the dataset holds %d distinct rows, want %d", len(seen), good)
			}
			if tt.bad >= 0 {
				b, err := os.ReadFile(res.RejectedFile)
				if err != nil {
					t.Fatal(err)
				}
				if n := strings.Count(string(b), "\n"+strconv.Itoa(tt.bad+2)+",P-"); n != 1 {
					t.Errorf("the rejected-rows file lists line %d %d times, want once:\n%s", tt.bad+2, n, b)
				}
			}
			if tt.wantNote != "" && !containsText(res.Notes, tt.wantNote) {
				t.Errorf("notes %q lack %q", res.Notes, tt.wantNote)
			}
		})
	}
}

func fault(f socratatest.Fault) *socratatest.Fault { return &f }
