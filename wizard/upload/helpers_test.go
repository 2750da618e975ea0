package upload

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// testDatasetID is the dataset every upload test writes to.
const testDatasetID = "upld-0001"

// uploadEnv is a test portal with one publisher and one dataset, a
// client signed in as that publisher, and a folder for files.
type uploadEnv struct {
	t     *testing.T
	srv   *socratatest.Server
	c     *socrata.Client
	notes *RetryNotes
	ds    *socrata.Dataset
	dir   string

	mu           sync.Mutex
	rowsPerWrite []int // rows in each SODA write sent, retries included
	bodies       [][]byte
	puts         int // SODA PUTs sent
}

// recorder counts the rows in each SODA POST on its way out. It leaves
// PUTs alone, so that a streamed replace stays streamed.
type recorder struct {
	e    *uploadEnv
	next http.RoundTripper
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasPrefix(req.URL.Path, "/resource/") && req.Method == "PUT" {
		r.e.mu.Lock()
		r.e.puts++
		r.e.mu.Unlock()
	}
	if req.Body != nil && strings.HasPrefix(req.URL.Path, "/resource/") && req.Method == "POST" {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		n := 0
		if strings.HasPrefix(req.Header.Get("Content-Type"), "text/csv") {
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(recs) == 0 {
				r.e.t.Errorf("a write's body is not CSV with a header (%v): %.200s", err, b)
			}
			n = max(len(recs)-1, 0)
		} else {
			var rows []json.RawMessage
			if err := json.Unmarshal(b, &rows); err != nil {
				r.e.t.Errorf("a write's body is not a JSON array (%v): %.200s", err, b)
			}
			n = len(rows)
		}
		r.e.mu.Lock()
		r.e.rowsPerWrite = append(r.e.rowsPerWrite, n)
		r.e.bodies = append(r.e.bodies, b)
		r.e.mu.Unlock()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.ContentLength = int64(len(b))
	}
	return r.next.RoundTrip(req)
}

type envOptions struct {
	keyless bool // no row identifier
	discard bool // the dataset discards rows
	synced  bool // the dataset is a synced copy that refuses writes
	shape   socratatest.WriteShape
	initial []map[string]string
	portal  []socratatest.Option
}

// testColumns is the test dataset's schema.
var testColumns = []socratatest.ColumnSpec{
	{FieldName: "permit_id", Name: "Permit ID", Type: "text"},
	{FieldName: "holder", Name: "Holder", Type: "text"},
	{FieldName: "fee", Name: "Fee", Type: "number"},
	{FieldName: "issued", Name: "Issued", Type: "calendar_date"},
	{FieldName: "paid", Name: "Paid", Type: "checkbox"},
}

func newUploadEnv(t *testing.T, o envOptions) *uploadEnv {
	t.Helper()
	srv := socratatest.NewServer(append([]socratatest.Option{socratatest.WithWriteShape(o.shape)}, o.portal...)...)
	t.Cleanup(srv.Close)
	u := srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Test Publisher", Email: "pub@example.gov", Role: "publisher"})
	spec := socratatest.DatasetSpec{
		ID: testDatasetID, Name: "Permits", Owner: u.ID, Columns: testColumns,
		RowIdentifier: "permit_id", DiscardRows: o.discard, Rows: o.initial, SyncedCopy: o.synced,
	}
	if o.keyless {
		spec.RowIdentifier = ""
	}
	if err := srv.Portal.AddDataset(spec); err != nil {
		t.Fatal(err)
	}
	notes := &RetryNotes{}
	e := &uploadEnv{t: t, srv: srv, notes: notes, dir: t.TempDir()}
	hc := &http.Client{Transport: recorder{e, srv.Client().Transport}}
	c, err := socrata.NewClient(srv.URL, socrata.Credentials{Kind: socrata.APIKey, ID: u.KeyID, Secret: u.KeySecret}, hc,
		socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 5, Sleep: noSleep}), socrata.WithOnRetry(notes.OnRetry))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.Dataset(context.Background(), testDatasetID)
	if err != nil {
		t.Fatal(err)
	}
	e.c, e.ds = c, ds
	return e
}

func noSleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

// permitRow is the i-th row of a generated permit file.
func permitRow(i int) []string {
	return []string{fmt.Sprintf("P-%05d", i), fmt.Sprintf("Holder %d", i), fmt.Sprintf("%d.50", 10+i), fmt.Sprintf("2024-01-%02d", 1+i%28), fmt.Sprint(i%2 == 0)}
}

var permitHeader = []string{"permit_id", "holder", "fee", "issued", "paid"}

// writeCSV writes rows under the header to a file in the test folder.
func (e *uploadEnv) writeCSV(name string, header []string, rows [][]string) string {
	e.t.Helper()
	var b strings.Builder
	write := func(rec []string) {
		for i, f := range rec {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteByte('\n')
	}
	write(header)
	for _, r := range rows {
		write(r)
	}
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// permits writes n generated permit rows and returns the file's path.
func (e *uploadEnv) permits(n int) string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = permitRow(i)
	}
	return e.writeCSV("permits.csv", permitHeader, rows)
}

// Open opens a CSV file and makes a job that maps each column to the
// field of the same name.
func (e *uploadEnv) open(path string, m wizard.Method) (*wizard.CSVFile, *wizard.Job) {
	e.t.Helper()
	f, err := wizard.OpenCSV(path)
	if err != nil {
		e.t.Fatal(err)
	}
	job := &wizard.Job{Version: wizard.JobVersion, Domain: e.c.Domain().String(), Dataset: testDatasetID, File: path, Method: m, Route: wizard.RouteSODA,
		CSV: f.Dialect, RowIdentifier: e.ds.RowIdentifier}
	for _, h := range f.Header {
		cm := wizard.ColumnMap{Source: h}
		if col, ok := e.ds.Column(h); ok {
			cm.Field, cm.Type = col.FieldName, string(col.Type)
		}
		job.Columns = append(job.Columns, cm)
	}
	return f, job
}

// progressLog keeps every progress report, safely.
type progressLog struct {
	mu   sync.Mutex
	list []Progress
}

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	l.list = append(l.list, p)
	l.mu.Unlock()
}

func (l *progressLog) notes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, p := range l.list {
		if p.Note != "" && (len(out) == 0 || out[len(out)-1] != p.Note) {
			out = append(out, p.Note)
		}
	}
	return out
}

// portalRows returns the rows the portal holds by permit id, and fails
// the test when any id is there twice.
func (e *uploadEnv) portalRows() map[string]map[string]string {
	e.t.Helper()
	out := map[string]map[string]string{}
	for _, r := range e.srv.Portal.Rows(testDatasetID) {
		k := r["permit_id"]
		if _, dup := out[k]; dup {
			e.t.Errorf("the portal holds permit %s twice", k)
		}
		out[k] = r
	}
	return out
}

// wantPermits checks that the portal holds exactly rows lo..hi-1 of the
// generated file, each once and with the file's values.
func (e *uploadEnv) wantPermits(lo, hi int) {
	e.t.Helper()
	got := e.portalRows()
	if n := len(e.srv.Portal.Rows(testDatasetID)); n != hi-lo {
		e.t.Errorf("the portal holds %d rows, want %d", n, hi-lo)
	}
	for i := lo; i < hi; i++ {
		want := permitRow(i)
		r, ok := got[want[0]]
		if !ok {
			e.t.Errorf("row %d (%s, line %d) is missing", i, want[0], i+2)
			continue
		}
		if r["holder"] != want[1] || r["fee"] != want[2] || !strings.HasPrefix(r["issued"], want[3]) || r["paid"] != want[4] {
			e.t.Errorf("row %s = %v, want %v", want[0], r, want)
		}
	}
	var extra []string
	for k := range got {
		var i int
		if _, err := fmt.Sscanf(k, "P-%05d", &i); err != nil || i < lo || i >= hi {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		e.t.Errorf("the portal holds rows that should not be there: %v", extra)
	}
}

// writes returns the SODA write requests the portal saw.
func (e *uploadEnv) writes() []socratatest.Request {
	var out []socratatest.Request
	for _, r := range e.srv.Portal.Requests() {
		if strings.HasPrefix(r.Path, "/resource/") && (r.Method == "POST" || r.Method == "PUT") {
			out = append(out, r)
		}
	}
	return out
}
