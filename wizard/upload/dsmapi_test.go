package upload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// dsmOpts are the options every Data Management API test uses: polls
// that wait a millisecond, so the portal's background work can run.
func dsmOpts() Options {
	return Options{Sleep: func(ctx context.Context, d time.Duration) error {
		time.Sleep(time.Millisecond)
		return ctx.Err()
	}}
}

// dsmEnv is an upload environment whose portal takes 256-byte chunks, so
// that small files go up in many.
func dsmEnv(t *testing.T, o envOptions) *uploadEnv {
	o.portal = append(o.portal, socratatest.WithChunkSize(256, 3))
	return newUploadEnv(t, o)
}

// dsmRequests counts the Data Management API requests by kind.
func (e *uploadEnv) dsmRequests() map[string]int {
	out := map[string]int{}
	for _, r := range e.srv.Portal.Requests() {
		p := r.Path
		switch {
		case !strings.HasPrefix(p, "/api/publishing/v1/"):
			continue
		case strings.Contains(p, "/commit"):
			out["commit"]++
		case strings.Contains(p, "/chunk/"):
			out["chunk"]++
		case r.Method == "POST" && strings.Contains(p, "/schema/"):
			out["transform"]++
		case strings.HasSuffix(p, "/apply"):
			out["apply"]++
		case r.Method == "DELETE":
			out["discard"]++
		}
	}
	return out
}

func TestUploadDSMAPIUpsert(t *testing.T) {
	tests := []struct {
		name      string
		header    []string // the file's header; nil for the field names
		clean     bool     // write fees as "$1,234.50" with cleaning on
		transform bool     // a transform must be sent
	}{
		{name: "headers are the field names"},
		// "Permit ID" would become permit_id on the portal by itself;
		// these need a transform.
		{name: "headers differ from the field names", header: []string{"Permit No", "Name", "Fee USD", "Issue Date", "Paid?"}, transform: true},
		{name: "cleaned numbers go converted", clean: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := dsmEnv(t, envOptions{})
			const rows = 40
			recs := make([][]string, rows)
			for i := range recs {
				recs[i] = permitRow(i)
				if tt.clean {
					recs[i][2] = fmt.Sprintf("$1,%03d.50", 10+i)
				}
			}
			header := tt.header
			if header == nil {
				header = permitHeader
			}
			f, job := e.open(e.writeCSV("permits.csv", header, recs), wizard.Upsert)
			job.Route = wizard.RouteDSMAPI
			for i := range job.Columns {
				job.Columns[i].Field, job.Columns[i].Type = permitHeader[i], string(socrata.ParseDataType(testColumns[i].Type))
				job.Columns[i].Clean = tt.clean && i == 2
			}
			var log progressLog
			opts := dsmOpts()
			opts.Progress = log.add
			res, err := Run(context.Background(), e.c, e.ds, f, job, opts)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			got := e.portalRows()
			if len(got) != rows {
				t.Fatalf("the portal holds %d rows, want %d", len(got), rows)
			}
			for i := range rows {
				want := permitRow(i)
				if tt.clean {
					want[2] = fmt.Sprintf("1%03d.50", 10+i)
				}
				r := got[want[0]]
				if r["holder"] != want[1] || r["fee"] != want[2] || !strings.HasPrefix(r["issued"], want[3]) || r["paid"] != want[4] {
					t.Errorf("row %s = %v, want %v", want[0], r, want)
				}
			}
			if res.Route != wizard.RouteDSMAPI || !res.Complete || res.Created != rows || res.Revision == 0 || res.AppliedThrough != rows+1 {
				t.Errorf("result: %+v", res)
			}
			reqs := e.dsmRequests()
			if reqs["chunk"] < 2 || reqs["commit"] != 1 || reqs["apply"] != 1 || reqs["discard"] != 0 {
				t.Errorf("requests: %v", reqs)
			}
			if (reqs["transform"] > 0) != tt.transform {
				t.Errorf("transform sent: %d, want %v", reqs["transform"], tt.transform)
			}
			if lines := SummaryLines(res); !containsText(lines, "Created 40 rows, updated 0, deleted 0, rejected 0.") {
				t.Errorf("summary %q", lines)
			}
			stages := map[string]bool{}
			for _, p := range log.list {
				stages[p.Stage] = true
			}
			if !stages["the portal is reading the file"] || !stages["the portal is applying the change"] {
				t.Errorf("progress stages %v", stages)
			}
		})
	}
}

func TestUploadDSMAPIRowErrorsHaveLines(t *testing.T) {
	tests := []struct {
		name   string
		policy wizard.BadRowPolicy
		method wizard.Method
	}{
		// The file goes as it is and the portal finds the bad fees.
		{"portal finds them", wizard.SendBadRows, wizard.Upsert},
		{"portal finds them, skip policy", wizard.SkipBadRows, wizard.Upsert},
		// A replace that skips bad rows goes converted: they are found here.
		{"found here in a replace", wizard.SkipBadRows, wizard.Replace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := dsmEnv(t, envOptions{initial: oldRows})
			f, job := e.open(e.badPermits(), tt.method)
			job.Route, job.BadRows = wizard.RouteDSMAPI, tt.policy
			res, err := Run(context.Background(), e.c, e.ds, f, job, dsmOpts())
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			var lines []int
			for _, p := range res.RowErrors {
				lines = append(lines, p.Line)
				if !strings.Contains(p.Message, "fee") {
					t.Errorf("line %d: %q does not name the column", p.Line, p.Message)
				}
			}
			if !slices.Equal(lines, []int{5, 9}) || res.Rejected != 2 {
				t.Errorf("row error lines %v, rejected %d; want [5 9]", lines, res.Rejected)
			}
			recs := readRejected(t, res.RejectedFile)
			if len(recs) != 2 || recs[0][0] != "5" || recs[0][3] != "12,50" || recs[1][0] != "9" {
				t.Errorf("rejected rows %q", recs)
			}
			want := 6
			if tt.method == wizard.Upsert {
				want += len(oldRows)
			}
			if got := len(e.portalRows()); got != want {
				t.Errorf("the portal holds %d rows, want %d", got, want)
			}
		})
	}
}

func TestUploadDSMAPIReplaceIsAllOrNothing(t *testing.T) {
	tests := []struct {
		name     string
		bad      bool
		fault    func(p *socratatest.Portal)
		cancelAt int // cancel after this many chunks were acknowledged
		replaced bool
		wantErr  string
		discard  bool
	}{
		{name: "replaced", replaced: true},
		{name: "rows the portal cannot convert", bad: true, wantErr: "a replace through the Data Management API is all or nothing", discard: true},
		{name: "apply answer lost, apply went ahead", replaced: true, fault: func(p *socratatest.Portal) {
			p.FailNext(1, matchApply, socratatest.LoseReply())
		}},
		{name: "apply refused by a busy gateway", wantErr: "nothing was applied and the dataset is unchanged", discard: true, fault: func(p *socratatest.Portal) {
			p.FailNext(1, matchApply, socratatest.Unavailable())
		}},
		{name: "chunks retried after 503s and a dropped connection", replaced: true, fault: func(p *socratatest.Portal) {
			p.FailNext(2, matchChunk, socratatest.Unavailable())
			p.FailNext(1, matchChunk, socratatest.DropConnection())
		}},
		{name: "stopped during the upload", cancelAt: 2, wantErr: "stopped at your request before the change was applied", discard: true},
		{name: "a chunk refused", discard: true,
			wantErr: "uploading chunk 1 of 10 (bytes 0–255) failed, so nothing was applied and the dataset is unchanged: the portal refused the request: Bad Request",
			fault: func(p *socratatest.Portal) {
				p.FailNext(1, matchChunk, socratatest.Fault{Status: http.StatusBadRequest})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := dsmEnv(t, envOptions{initial: oldRows})
			path := e.permits(60)
			if tt.bad {
				path = e.badPermits()
			}
			f, job := e.open(path, wizard.Replace)
			job.Route, job.BadRows = wizard.RouteDSMAPI, wizard.SendBadRows
			if tt.fault != nil {
				tt.fault(e.srv.Portal)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := dsmOpts()
			opts.Parallelism = 1
			opts.Progress = func(p Progress) {
				if tt.cancelAt > 0 && p.Phase == PhaseSending && p.Batch >= tt.cancelAt {
					cancel()
				}
			}
			res, err := Run(ctx, e.c, e.ds, f, job, opts)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
			}
			if tt.cancelAt > 0 && !errors.Is(err, context.Canceled) {
				t.Errorf("a stop does not wrap context.Canceled: %v", err)
			}
			if tt.replaced {
				e.wantPermits(0, 60)
				if !res.Complete {
					t.Errorf("result: %+v", res)
				}
			} else {
				got := e.portalRows()
				if len(got) != 2 || got["OLD-1"] == nil {
					t.Errorf("the dataset changed: %v", got)
				}
				if lines := SummaryLines(res); !containsText(lines, "the dataset is unchanged") {
					t.Errorf("summary %q does not say the dataset is unchanged", lines)
				}
			}
			if got := e.dsmRequests()["discard"] > 0; got != tt.discard {
				t.Errorf("revision discarded: %v, want %v", got, tt.discard)
			}
		})
	}
}

func matchApply(r *http.Request) bool {
	return r.Method == "PUT" && strings.HasSuffix(r.URL.Path, "/apply")
}

func matchChunk(r *http.Request) bool {
	return r.Method == "POST" && strings.Contains(r.URL.Path, "/chunk/") && !strings.HasSuffix(r.URL.Path, "/commit")
}

func TestUploadDSMAPIConvertedForms(t *testing.T) {
	e := dsmEnv(t, envOptions{})
	// Windows-1252, semicolons, no quoting: the portal reads none of it
	// as this program does, so the rows go converted.
	body := "permit_id;holder;fee;issued;paid\nP-00001;Caf\xe9 \"Le\" Bon;12.50;2024-03-01;true\nP-00002;Na\xefve;13;2024-03-02;false\n"
	path := filepath.Join(e.dir, "latin.csv")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := wizard.OpenCSVWith(path, wizard.OpenOptions{Encoding: wizard.EncodingWindows1252, Delimiter: ";", Header: wizard.HeaderYes, Quote: false, QuoteSet: true})
	if err != nil {
		t.Fatal(err)
	}
	_, job := e.open(path, wizard.Upsert)
	job.CSV = f.Dialect
	job.Route = wizard.RouteDSMAPI
	res, err := Run(context.Background(), e.c, e.ds, f, job, dsmOpts())
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	got := e.portalRows()
	if got["P-00001"]["holder"] != `Café "Le" Bon` || got["P-00002"]["holder"] != "Naïve" || got["P-00002"]["fee"] != "13" || res.Created != 2 {
		t.Errorf("portal rows %v, result %+v", got, res)
	}
}

// TestRawTimestampExpr checks the transforms that convert a timestamp
// column of the file as it is, and that a pattern a transform would read
// differently from the check keeps the column off the raw path.
func TestRawTimestampExpr(t *testing.T) {
	tests := []struct {
		typ      socrata.DataType
		patterns []string
		want     string // "" when the column cannot go raw
	}{
		{socrata.FloatingTimestamp, []string{"MM/dd/yyyy"}, "to_floating_timestamp(%s, '%m/%d/%Y')"},
		{socrata.FloatingTimestamp, []string{"M/d/yyyy h:mm a"}, "to_floating_timestamp(%s, '%m/%d/%Y %I:%M %p')"},
		{socrata.FloatingTimestamp, []string{"dd-MMM-yyyy"}, "to_floating_timestamp(%s, '%d-%b-%Y')"},
		{socrata.FloatingTimestamp, []string{"'100%' yyyy-MM-dd"}, "to_floating_timestamp(%s, '100%% %Y-%m-%d')"},
		{socrata.FloatingTimestamp, []string{"M/d/yyyy 'o''clock'"}, "to_floating_timestamp(%s, '%m/%d/%Y o''clock')"},
		{socrata.FloatingTimestamp, nil, "to_floating_timestamp(%s)"},
		{socrata.FloatingTimestamp, []string{"M/d/yyyy", "yyyy-MM-dd"},
			"coalesce(forgive(to_floating_timestamp(%s, '%m/%d/%Y')), to_floating_timestamp(%s, '%Y-%m-%d'))"},
		// An offset has nowhere to go in a floating timestamp.
		{socrata.FloatingTimestamp, []string{"yyyy-MM-dd'T'HH:mm:ssZ"}, ""},
		{socrata.FixedTimestamp, []string{"yyyy-MM-dd'T'HH:mm:ssZ"}, "to_fixed_timestamp(%s, '%Y-%m-%dT%H:%M:%S%z')"},
		{socrata.FixedTimestamp, []string{"MM/dd/yyyy"}, "to_fixed_timestamp(to_floating_timestamp(%s, '%m/%d/%Y'), 'America/New_York')"},
		{socrata.FloatingTimestamp, []string{"MM/dd/yy"}, ""},                // two-digit years
		{socrata.FloatingTimestamp, []string{"yyyyMMdd"}, ""},                // numbers that run together
		{socrata.FloatingTimestamp, []string{"yyyy-MM-dd HH:mm:ss.SSS"}, ""}, // fractions
		{socrata.FloatingTimestamp, []string{"EEE, d MMMM yyyy"}, ""},        // weekday, full month
		{socrata.FloatingTimestamp, []string{"M/d/yyyy", "M/d/yy"}, ""},      // any pattern that cannot go keeps the column off
	}
	for _, tt := range tests {
		conv, err := wizard.NewConverter("issued", tt.typ, wizard.ColumnMap{Formats: tt.patterns}, "")
		if err != nil {
			t.Fatalf("%v: %v", tt.patterns, err)
		}
		got, ok := rawExpr(&wizard.PlanColumn{Conv: conv})
		if ok != (tt.want != "") || ok && got != tt.want {
			t.Errorf("%s %q: rawExpr = %q, %v; want %q", tt.typ, tt.patterns, got, ok, tt.want)
		}
	}
}

func TestUploadAutoRouteFallsBackToSODA(t *testing.T) {
	e := newUploadEnv(t, envOptions{})
	path := e.permits(3)
	tests := []struct {
		name   string
		method wizard.Method
		edit   func(job *wizard.Job)
		want   string // why SODA, or "" to stay
	}{
		{"every field filled", wizard.Upsert, func(*wizard.Job) {}, ""},
		{"a field left out of an upsert", wizard.Upsert, func(j *wizard.Job) { j.Columns[4].Field = "" }, "does not fill field paid, which SODA leaves as they are"},
		{"a field left out of a replace", wizard.Replace, func(j *wizard.Job) { j.Columns[4].Field = "" }, ""},
		{"a type the API route does not carry", wizard.Upsert, func(j *wizard.Job) { j.Columns[1].Type = "polygon" }, "field holder is a Polygon column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, job := e.open(path, tt.method)
			job.Route = wizard.RouteAuto
			tt.edit(job)
			plan, err := wizard.NewPlan(job, f.Header)
			if err != nil {
				t.Fatal(err)
			}
			u := newUploader(context.Background(), e.c, e.ds, f, job, plan, Options{})
			defer u.close()
			if got := u.sodaInstead(); (tt.want == "" && got != "") || !strings.Contains(got, tt.want) {
				t.Errorf("sodaInstead() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUploadDSMAPIFileWithoutHeader(t *testing.T) {
	e := dsmEnv(t, envOptions{})
	var b strings.Builder
	for i := range 12 {
		b.WriteString(strings.Join(permitRow(i), ",") + "\n")
	}
	path := filepath.Join(e.dir, "noheader.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	f, err := wizard.OpenCSVWith(path, wizard.OpenOptions{Header: wizard.HeaderNo})
	if err != nil {
		t.Fatal(err)
	}
	job := &wizard.Job{Version: wizard.JobVersion, Dataset: testDatasetID, File: path, Method: wizard.Upsert, Route: wizard.RouteDSMAPI, CSV: f.Dialect, RowIdentifier: "permit_id"}
	for i, h := range f.Header {
		job.Columns = append(job.Columns, wizard.ColumnMap{Source: h, Field: permitHeader[i], Type: string(socrata.ParseDataType(testColumns[i].Type))})
	}
	res, err := Run(context.Background(), e.c, e.ds, f, job, dsmOpts())
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	e.wantPermits(0, 12)
	if res.FirstLine != 1 || res.AppliedThrough != 12 {
		t.Errorf("lines %d–%d", res.FirstLine, res.AppliedThrough)
	}
}

// TestUploadDSMAPILastLine checks, for the file sent as it is, that the
// result names the file's last line however the file ends (the lines are
// counted while the portal reads the file), and that progress reports
// every byte and every chunk sent.
func TestUploadDSMAPILastLine(t *testing.T) {
	tests := []struct {
		name string
		eol  string
		tail string // what follows the last row
		want int
	}{
		{"line break at the end", "\n", "\n", 31},
		{"no line break at the end", "\n", "", 31},
		{"CRLF", "\r\n", "\r\n", 31},
		{"a blank line at the end", "\n", "\n\n", 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := dsmEnv(t, envOptions{})
			var lines []string
			lines = append(lines, strings.Join(permitHeader, ","))
			for i := range 30 {
				lines = append(lines, strings.Join(permitRow(i), ","))
			}
			path := filepath.Join(e.dir, "permits.csv")
			if err := os.WriteFile(path, []byte(strings.Join(lines, tt.eol)+tt.tail), 0o600); err != nil {
				t.Fatal(err)
			}
			f, job := e.open(path, wizard.Upsert)
			job.Route = wizard.RouteDSMAPI
			var log progressLog
			opts := dsmOpts()
			opts.Progress = log.add
			res, err := Run(context.Background(), e.c, e.ds, f, job, opts)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if res.AppliedThrough != tt.want || res.Created != 30 {
				t.Errorf("applied through line %d with %d rows created, want line %d and 30", res.AppliedThrough, res.Created, tt.want)
			}
			var last Progress
			for _, p := range log.list {
				if p.Phase == PhaseSending {
					last = p
				}
			}
			if last.Bytes != f.Size || last.Batch != last.Batches || last.Batches != int((f.Size+255)/256) {
				t.Errorf("last progress while sending: %d of %d bytes, chunk %d of %d", last.Bytes, last.TotalBytes, last.Batch, last.Batches)
			}
		})
	}
}
