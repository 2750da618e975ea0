package upload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
)

func TestResolveRoute(t *testing.T) {
	tests := []struct {
		m    wizard.Method
		r    wizard.Route
		size int64
		want wizard.Route
	}{
		{wizard.Upsert, wizard.RouteAuto, 1 << 20, wizard.RouteSODA},
		{wizard.Upsert, wizard.RouteAuto, largeFile, wizard.RouteSODA},
		{wizard.Upsert, wizard.RouteAuto, largeFile + 1, wizard.RouteDSMAPI},
		{wizard.Append, wizard.RouteAuto, 0, wizard.RouteSODA},
		{wizard.Delete, wizard.RouteAuto, 50 << 20, wizard.RouteDSMAPI},
		{wizard.Replace, wizard.RouteAuto, 10, wizard.RouteDSMAPI},
		{wizard.Replace, wizard.RouteSODA, 10, wizard.RouteSODA},
		{wizard.Upsert, wizard.RouteDSMAPI, 10, wizard.RouteDSMAPI},
		{wizard.Upsert, wizard.RouteSODA, 1 << 30, wizard.RouteSODA},
	}
	for _, tt := range tests {
		if got := resolveRoute(tt.m, tt.r, tt.size); got != tt.want {
			t.Errorf("ResolveRoute(%v, %v, %d) = %v, want %v", tt.m, tt.r, tt.size, got, tt.want)
		}
	}
}

func TestDescribeRoute(t *testing.T) {
	tests := []struct {
		m    wizard.Method
		r    wizard.Route
		size int64
		want []string
	}{
		{wizard.Upsert, wizard.RouteAuto, 2 << 20, []string{"SODA in batches", "small (2 MB)", "resumed"}},
		{wizard.Upsert, wizard.RouteAuto, 120 << 20, []string{"Data Management API", "120 MB (over 10 MB)"}},
		{wizard.Replace, wizard.RouteAuto, 1 << 10, []string{"Data Management API", "all or nothing"}},
		{wizard.Replace, wizard.RouteSODA, 1 << 10, []string{"SODA, as the job asks", "one streamed request", "safer"}},
		{wizard.Upsert, wizard.RouteSODA, 200 << 20, []string{"SODA in batches, as the job asks", "usually better"}},
		{wizard.Upsert, wizard.RouteDSMAPI, 1 << 20, []string{"Data Management API, as the job asks"}},
	}
	for _, tt := range tests {
		got := DescribeRoute(tt.m, tt.r, tt.size)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("DescribeRoute(%v, %v, %d) = %q, want it to say %q", tt.m, tt.r, tt.size, got, w)
			}
		}
	}
}

func TestDescribeProgress(t *testing.T) {
	tests := []struct {
		name    string
		p       Progress
		elapsed time.Duration
		want    string
	}{
		{"sending", Progress{Phase: PhaseSending, Batch: 3, Batches: 12, Rows: 30_000, Bytes: 4_299_161, TotalBytes: 12_582_912}, 2 * time.Second,
			"batch 3 of 12 · 30,000 rows · 4.1 of 12.0 MB · 2.0 MB/s · about 0:04 left"},
		{"estimate too low", Progress{Phase: PhaseSending, Batch: 13, Batches: 12, Rows: 1, Bytes: 10, TotalBytes: 100}, 0,
			"batch 13 · 1 row · 10 of 100 bytes"},
		{"chunks", Progress{Phase: PhaseSending, Route: wizard.RouteDSMAPI, Batch: 2, Batches: 25, Bytes: 8 << 20, TotalBytes: 100 << 20}, 0,
			"chunk 2 of 25 · 8.0 of 100.0 MB"},
		{"resumed: the rate counts this run", Progress{Phase: PhaseSending, Batch: 9, Rows: 90, Bytes: 3 << 20, StartBytes: 2 << 20, TotalBytes: 4 << 20}, time.Second,
			"batch 9 · 90 rows · 3.0 of 4.0 MB · 1.0 MB/s · about 0:01 left"},
		{"retrying", Progress{Phase: PhaseSending, Batch: 1, Batches: 2, Note: "portal busy (503): retrying in 4 s (attempt 2 of 5)"}, 0,
			"batch 1 of 2 · portal busy (503): retrying in 4 s (attempt 2 of 5)"},
		{"processing", Progress{Phase: PhaseProcessing, Stage: "the portal is checking 12,000 rows", Bytes: 5, TotalBytes: 5}, time.Minute,
			"the portal is checking 12,000 rows · 5 of 5 bytes"},
		{"stopping", Progress{Phase: PhaseStopping, Batch: 4, Batches: 9}, 0, "stopping after the request in flight · batch 4 of 9"},
		{"minutes left", Progress{Phase: PhaseSending, Bytes: 1 << 30, TotalBytes: 4 << 30}, 1000 * time.Second,
			"1.0 of 4.0 GB · 1.0 MB/s · about 50:00 left"},
		{"hours left", Progress{Phase: PhaseSending, Bytes: 1 << 30, TotalBytes: 8 << 30}, 1000 * time.Second,
			"1.0 of 8.0 GB · 1.0 MB/s · about 1:56:40 left"},
	}
	for _, tt := range tests {
		if got := DescribeProgress(tt.p, tt.elapsed); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestSummaryLines(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want []string
	}{
		{"complete", Result{Created: 1180, Updated: 24, Rejected: 1, Duration: 3200 * time.Millisecond, Link: "https://data.ct.gov/d/abcd-1234",
			RejectedFile: "/tmp/p.rejected.csv", Complete: true, FirstLine: 2, AppliedThrough: 1206},
			[]string{"Created 1,180 rows, updated 24, deleted 0, rejected 1.", "Took 3.2 seconds.", "Dataset: https://data.ct.gov/d/abcd-1234",
				"Rejected rows were written to /tmp/p.rejected.csv, each with its line number and the reason."}},
		{"stopped", Result{Created: 20_000, Duration: 75 * time.Second, FirstLine: 2, AppliedThrough: 20_001, Stopped: true, Resumable: true,
			ResumeHint: "socrata-wizard run --resume p.job.json"},
			[]string{"Created 20,000 rows, updated 0, deleted 0, rejected 0.", "Took 1 minute 15 seconds.",
				"Stopped after line 20,001: lines 2–20,001 were applied; nothing after.",
				"Resume with socrata-wizard run --resume p.job.json to continue from line 20,002."}},
		{"failed with a batch in doubt", Result{Created: 10, FirstLine: 2, AppliedThrough: 11, UnknownFrom: 12, UnknownTo: 21, Duration: 2 * time.Hour},
			[]string{"Took 2 hours.", "The upload failed after line 11: lines 2–11 were applied; nothing after.",
				"Lines 12–21 may or may not have been applied: look at the dataset before you send them again."}},
		{"failed with a batch in doubt, resumable", Result{Method: wizard.Upsert, Created: 10, FirstLine: 2, AppliedThrough: 11, UnknownFrom: 12, UnknownTo: 21,
			Resumable: true, Duration: 40 * time.Millisecond},
			[]string{"Took less than a second.",
				"Lines 12–21 may or may not have been applied; a resume sends them again, which is safe for rows the portal matches by their row identifier.",
				"Resume (--resume) to continue from line 12."}},
		{"append without a row identifier, in doubt", Result{Method: wizard.Append, Created: 10, FirstLine: 2, AppliedThrough: 11, UnknownFrom: 12, UnknownTo: 21,
			Resumable: true, ResumeChecksUnknown: true},
			[]string{"Lines 12–21 may or may not have been added. The dataset has no row identifier, so a resume first counts its rows to tell, and sends them only if they were not."}},
		{"nothing applied", Result{FirstLine: 2, Stopped: true},
			[]string{"Created 0 rows, updated 0, deleted 0, rejected 0.", "Stopped before any row was applied: the dataset is unchanged."}},
		{"one row", Result{Created: 1, FirstLine: 1, AppliedThrough: 1, Complete: true, AwaitingApproval: true, Notes: []string{"A note."}},
			[]string{"Created 1 row, updated 0, deleted 0, rejected 0.", "The portal sent the change to its approval queue: the rows appear once someone approves it.", "A note."}},
	}
	for _, tt := range tests {
		got := SummaryLines(&tt.r)
		for _, w := range tt.want {
			if !containsText(got, w) {
				t.Errorf("%s: summary %q lacks %q", tt.name, got, w)
			}
		}
		if tt.r.Complete {
			for _, l := range got {
				if strings.Contains(l, "Stopped") || strings.Contains(l, "failed") {
					t.Errorf("%s: a complete upload's summary says %q", tt.name, l)
				}
			}
		}
	}
	if SummaryLines(nil) != nil {
		t.Error("SummaryLines(nil) is not nil")
	}
}

func TestRetryNote(t *testing.T) {
	tests := []struct {
		e    socrata.RetryEvent
		want string
	}{
		{socrata.RetryEvent{Attempt: 2, Max: 5, Wait: 4 * time.Second, Err: &socrata.APIError{Status: http.StatusServiceUnavailable}}, "portal busy (503): retrying in 4 s (attempt 2 of 5)"},
		{socrata.RetryEvent{Attempt: 3, Max: 5, Wait: 90 * time.Second, Err: &socrata.APIError{Status: http.StatusTooManyRequests}}, "portal asks to slow down (429): retrying in 1 min 30 s (attempt 3 of 5)"},
		{socrata.RetryEvent{Attempt: 2, Max: 4, Wait: 300 * time.Millisecond, Err: errors.New("reset")}, "connection failed: retrying in 0.3 s (attempt 2 of 4)"},
	}
	for _, tt := range tests {
		if got := retryNote(tt.e); got != tt.want {
			t.Errorf("retryNote = %q, want %q", got, tt.want)
		}
	}
}

func TestLineTable(t *testing.T) {
	var lt lineTable
	lines := []int{2, 3, 4, 7, 8, 12, 13, 14, 15, 40}
	for _, l := range lines {
		lt.push(l)
	}
	for i, want := range lines {
		if got := lt.line(i); got != want {
			t.Errorf("line(%d) = %d, want %d", i, got, want)
		}
	}
	if lt.line(-1) != 0 || lt.line(len(lines)) != 0 {
		t.Error("out-of-range indexes give a line")
	}
	if len(lt.marks) != 4 {
		t.Errorf("%d marks for %d lines with 3 jumps", len(lt.marks), len(lines))
	}
}

func TestProgressFraction(t *testing.T) {
	tests := []struct {
		p    Progress
		want float64
	}{
		{Progress{Phase: PhaseSending, Bytes: 25, TotalBytes: 100}, 0.25},
		{Progress{Phase: PhaseSending, Bytes: 150, TotalBytes: 100}, 1},
		{Progress{Phase: PhasePreparing}, 0},
		{Progress{Phase: PhaseProcessing, Bytes: 10, TotalBytes: 100}, 1},
	}
	for _, tt := range tests {
		if got := tt.p.Fraction(); got != tt.want {
			t.Errorf("%+v: Fraction() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

// TestUploadErrorExplain checks that Explain and Hint show an upload's
// failure as written, whatever wraps it, and never the cause's own words.
func TestUploadErrorExplain(t *testing.T) {
	e := &uploadError{msg: "stopped at your request after line 31: lines 2–31 were applied; nothing after", hint: "Resume to continue from line 32.",
		err: errors.Join(context.Canceled, errors.New("socrata: POST /resource/x.json on h failed"))}
	for _, err := range []error{e, fmt.Errorf("run: %w", e), errors.Join(e, errors.New("cannot write the rejected rows"))} {
		if got, want := wizard.Explain(err), "Stopped at your request after line 31: lines 2–31 were applied; nothing after."; got != want {
			t.Errorf("Explain = %q, want %q", got, want)
		}
		if got, want := wizard.Hint(err), "Resume to continue from line 32."; got != want {
			t.Errorf("Hint = %q, want %q", got, want)
		}
	}
}

func TestLongDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "less than a second"},
		{40 * time.Millisecond, "less than a second"},
		{999 * time.Millisecond, "less than a second"},
		{time.Second, "1 second"},
		{1049 * time.Millisecond, "1 second"},
		{3200 * time.Millisecond, "3.2 seconds"},
		{9960 * time.Millisecond, "10 seconds"},
		{42 * time.Second, "42 seconds"},
		{60 * time.Second, "1 minute"},
		{61 * time.Second, "1 minute 1 second"},
		{75 * time.Second, "1 minute 15 seconds"},
		{59*time.Minute + 59700*time.Millisecond, "1 hour"},
		{2 * time.Hour, "2 hours"},
		{time.Hour + 4*time.Minute, "1 hour 4 minutes"},
		{1001 * time.Hour, "1,001 hours"},
	}
	for _, tt := range tests {
		if got := longDuration(tt.d); got != tt.want {
			t.Errorf("longDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
