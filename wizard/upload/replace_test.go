package upload

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// oldRows are what the dataset holds before a replace.
var oldRows = []map[string]string{
	{"permit_id": "OLD-1", "holder": "Old One", "fee": "1", "issued": "2020-01-01", "paid": "true"},
	{"permit_id": "OLD-2", "holder": "Old Two", "fee": "2", "issued": "2020-01-02", "paid": "false"},
}

func TestUploadReplaceSODAIsAllOrNothing(t *testing.T) {
	tests := []struct {
		name  string
		rows  int
		bad   bool // use the file with two bad fees, sent as they are
		fault socratatest.Fault
		// cancelAt cancels once this many rows have been read.
		cancelAt int64
		// replaced says whether the dataset must hold the file afterwards
		// (else it must be unchanged).
		replaced bool
		wantErr  string
		unknown  bool // the error must wrap socrata.ErrOutcomeUnknown
	}{
		{name: "replaced", rows: 25, replaced: true},
		{name: "a row the portal refuses", bad: true, wantErr: "a replace is all or nothing, so the dataset is unchanged"},
		{name: "reply lost after the portal applied it", rows: 25, fault: socratatest.LoseReply(), replaced: true, wantErr: "may or may not have been applied", unknown: true},
		{name: "gateway answered 503", rows: 25, fault: socratatest.Unavailable(), wantErr: "may or may not have been applied", unknown: true},
		{name: "stopped while the body was being sent", rows: 20_000, cancelAt: progressEvery, wantErr: "before the whole file was sent, so nothing was replaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUploadEnv(t, envOptions{initial: oldRows})
			path := ""
			if tt.bad {
				path = e.badPermits()
			} else {
				path = e.permits(tt.rows)
			}
			f, job := e.open(path, wizard.Replace)
			job.BadRows = wizard.SendBadRows
			if tt.fault.Status != 0 || tt.fault.Drop != socratatest.NoDrop {
				e.srv.Portal.FailNext(1, socratatest.Matching("PUT", "/resource/"), tt.fault)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, err := Run(ctx, e.c, e.ds, f, job, Options{Progress: func(p Progress) {
				if tt.cancelAt > 0 && p.Rows >= tt.cancelAt {
					cancel()
				}
			}})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
			}
			if got := errors.Is(err, socrata.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v", got, tt.unknown)
			}
			if tt.cancelAt > 0 && !errors.Is(err, context.Canceled) {
				t.Errorf("a stop does not wrap context.Canceled: %v", err)
			}
			if n := e.puts; n != 1 {
				t.Errorf("%d PUTs were sent; a replace is sent once and never retried", n)
			}
			if tt.replaced {
				e.wantPermits(0, tt.rows)
			} else {
				got := e.portalRows()
				if len(got) != 2 || got["OLD-1"] == nil || got["OLD-2"] == nil {
					t.Errorf("the dataset changed: %v", got)
				}
			}
			lines := SummaryLines(res)
			switch {
			case tt.unknown:
				if !containsText(lines, "may or may not have been applied: look at the dataset") || res.UnknownFrom != 2 {
					t.Errorf("summary %q (unknown from %d) does not warn that the outcome is unknown", lines, res.UnknownFrom)
				}
			case !tt.replaced:
				if !containsText(lines, "before any row was applied: the dataset is unchanged") {
					t.Errorf("summary %q does not say the dataset is unchanged", lines)
				}
			}
			if tt.bad {
				var got []int
				for _, p := range res.RowErrors {
					got = append(got, p.Line)
				}
				if !slices.Equal(got, []int{5, 9}) {
					t.Errorf("row error lines = %v, want [5 9]", got)
				}
			}
		})
	}
}

func TestUploadReplaceSkipsBadRows(t *testing.T) {
	e := newUploadEnv(t, envOptions{initial: oldRows})
	f, job := e.open(e.badPermits(), wizard.Replace)
	res, err := Run(context.Background(), e.c, e.ds, f, job, Options{})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	got := e.portalRows()
	if len(got) != 6 || got["OLD-1"] != nil || got["P-00002"] != nil || got["P-00001"]["holder"] != "Holder\non two lines" {
		t.Errorf("after the replace the portal holds %v", got)
	}
	if res.Rejected != 2 || res.RejectedFile == "" || res.Created != 6 {
		t.Errorf("result: %+v", res)
	}
	if recs := readRejected(t, res.RejectedFile); len(recs) != 2 || recs[0][0] != "5" || recs[1][0] != "9" {
		t.Errorf("rejected rows = %q", recs)
	}
}

func TestUploadReplaceRefusesToEmptyTheDataset(t *testing.T) {
	for _, route := range []wizard.Route{wizard.RouteSODA, wizard.RouteDSMAPI} {
		t.Run(route.String(), func(t *testing.T) {
			e := dsmEnv(t, envOptions{initial: oldRows})
			path := e.writeCSV("allbad.csv", permitHeader, [][]string{{"P-1", "A", "one", "2024-01-01", "true"}, {"P-2", "B", "two", "2024-01-01", "true"}})
			f, job := e.open(path, wizard.Replace)
			job.Route = route
			res, err := Run(context.Background(), e.c, e.ds, f, job, dsmOpts())
			if err == nil || !strings.Contains(err.Error(), "would empty the dataset") {
				t.Fatalf("err = %v", err)
			}
			if got := e.portalRows(); len(got) != 2 || got["OLD-1"] == nil {
				t.Errorf("the dataset changed: %v", got)
			}
			if res.Rejected != 2 || res.RejectedFile == "" {
				t.Errorf("result: %+v", res)
			}
		})
	}
}

// TestStreamRows checks the streamed body in both forms when rows are
// left out, the first among them, and that each row sent keeps its line.
func TestStreamRows(t *testing.T) {
	e := newUploadEnv(t, envOptions{})
	rows := [][]string{
		{"P-00000", "Holder 0", "ten", "2024-01-01", "true"}, // line 2: bad fee
		permitRow(1), // line 3
		{"P-00002", "Holder\nof two lines", "12.50", "2024-01-03", "false"}, // lines 4–5
		{"P-00003", "Holder 3", "about 13", "2024-01-04", "true"},           // line 6: bad fee
		permitRow(4), // line 7
	}
	path := e.writeCSV("stream.csv", permitHeader, rows)
	for _, csvBody := range []bool{true, false} {
		t.Run(map[bool]string{true: "csv", false: "json"}[csvBody], func(t *testing.T) {
			f, job := e.open(path, wizard.Replace)
			plan, err := wizard.NewPlan(job, f.Header)
			if err != nil {
				t.Fatal(err)
			}
			u := newUploader(context.Background(), e.c, e.ds, f, job, plan, Options{})
			defer u.close()
			enc := newRowEncoder(plan, false, false, -1)
			enc.csv = csvBody
			rej := wizard.NewRejectFile(filepath.Join(e.dir, "stream.rejected.csv"), f)
			defer rej.Abort()
			var body bytes.Buffer
			var st rowStream
			if err := u.streamRows(&body, enc, rej, &st); err != nil {
				t.Fatal(err)
			}
			var ids []string
			if csvBody {
				recs, err := csv.NewReader(&body).ReadAll()
				if err != nil || len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(permitHeader, ",") {
					t.Fatalf("the body is not CSV with the fields as header (%v): %q", err, recs)
				}
				for _, r := range recs[1:] {
					ids = append(ids, r[0])
				}
			} else {
				var objs []map[string]any
				if err := json.Unmarshal(body.Bytes(), &objs); err != nil {
					t.Fatalf("the body is not a JSON array (%v): %s", err, body.Bytes())
				}
				for _, o := range objs {
					ids = append(ids, fmt.Sprint(o["permit_id"]))
				}
			}
			if strings.Join(ids, " ") != "P-00001 P-00002 P-00004" {
				t.Errorf("rows sent %q, want P-00001 P-00002 P-00004", ids)
			}
			if st.rows != 5 || st.sent != 3 || st.lastLine != 7 || u.res.Rejected != 2 {
				t.Errorf("read %d rows, sent %d, last line %d, rejected %d; want 5, 3, 7, 2", st.rows, st.sent, st.lastLine, u.res.Rejected)
			}
			for i, want := range []int{3, 4, 7} {
				if got := st.lines.line(i); got != want {
					t.Errorf("row %d sent is line %d, want %d", i, got, want)
				}
			}
		})
	}
}
