package socrata_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// Revision and source answers whose links point somewhere other than the
// documented paths, so that tests can tell a followed link from a fallback.
const revisionBody = `{"resource": {"id": 9, "fourfour": "abcd-1234", "revision_seq": 12,
  "action": {"type": "update", "permission": "public"}, "task_sets": [], "output_schema_id": null,
  "created_at": "2024-05-01T12:00:00.123456", "closed_at": null},
 "links": {"show": "/linked/rev/show", "apply": "/linked/rev/apply", "discard": "/linked/rev/discard",
  "create_source": "/linked/rev/create_source", "list_sources": "/linked/rev/sources"}}`

const sourceBody = `{"resource": {"id": 823, "schemas": [], "source_type": {"type": "upload", "filename": "permits.csv"},
  "content_type": null, "parse_options": {"parse_source": true, "header_count": 1, "column_header": 1,
  "column_separator": ",", "quote_char": "\"", "encoding": "utf-8", "trim_whitespace": true, "remove_empty_rows": true},
  "created_at": "2024-05-01T12:00:01Z", "finished_at": null, "failed_at": null},
 "links": {"show": "/linked/src/show", "bytes": "/linked/src/bytes", "initiate": "/linked/src/initiate",
  "chunk": "/linked/src/chunk/{seq_num}/{byte_offset}", "commit": "/linked/src/chunk/{seq_num}/{byte_offset}/commit",
  "input_schema_links": {"show": "/linked/src/schema/{input_schema_id}", "transform": "/linked/src/schema/{input_schema_id}",
   "output_schema_links": {"show": "/linked/src/schema/{input_schema_id}/output/{output_schema_id}",
    "schema_errors": "/linked/src/schema/{input_schema_id}/errors/{output_schema_id}"}}}}`

const parsedSourceBody = `{"resource": {"id": 823, "source_type": {"type": "upload", "filename": "permits.csv"},
  "content_type": "text/csv", "filesize": 2048, "finished_at": "2024-05-01T12:00:05Z", "failed_at": null,
  "schemas": [
   {"id": 40, "name": null, "total_rows": 10, "num_row_errors": 0, "input_columns": [], "output_schemas": [
     {"id": 100, "input_schema_id": 40, "error_count": 0, "completed_at": "2024-05-01T12:00:06Z", "output_columns": []}]},
   {"id": 41, "name": null, "total_rows": 3, "num_row_errors": 1, "created_at": "2024-05-01T12:00:05",
    "input_columns": [
     {"id": 1, "field_name": "permit_no", "display_name": "Permit No", "position": 0, "soql_type": "text", "guessed_soql_type": "text"},
     {"id": 2, "field_name": "fee_usd", "display_name": "Fee USD", "position": 1, "soql_type": "text", "guessed_soql_type": "number"}],
    "output_schemas": [
     {"id": 1144, "input_schema_id": 41, "error_count": null, "completed_at": null, "output_columns": []},
     {"id": 1145, "input_schema_id": 41, "total_rows": 3, "error_count": 2, "finished_at": "2024-05-01T12:00:07Z",
      "output_columns": [
       {"id": 7, "field_name": "fee", "display_name": "Fee", "position": 1, "description": "",
        "is_primary_key": false, "initial_output_column_id": 1003, "format": {"precision": 2},
        "transform": {"id": 71, "transform_expr": "to_number(` + "`fee_usd`" + `)", "output_soql_type": "number",
         "error_count": 2, "finished_at": "2024-05-01T12:00:07Z", "failed_at": null}},
       {"id": 6, "field_name": "permit_id", "display_name": "Permit ID", "position": 0,
        "is_primary_key": true, "initial_output_column_id": 1001,
        "transform": {"id": 70, "transform_expr": "` + "`permit_no`" + `", "output_soql_type": "text",
         "failed_at": "2024-05-01T12:00:07Z", "failure_details": {"message": "internal error"}}}]}]}]},
 "links": {}}`

func TestOpenRevision(t *testing.T) {
	f := newFake(t, reply(201, jsonType, revisionBody))
	c, s := newTestClient(t, f, newCreds(t))
	rev, err := c.OpenRevision(context.Background(), "abcd-1234", socrata.RevisionUpdate)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != "POST" || r.Path != "/api/publishing/v1/revision/abcd-1234" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %s %s %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	jsonEqual(t, r.Body, `{"action":{"type":"update"}}`)
	if rev.ID != 9 || rev.Dataset != "abcd-1234" || rev.Seq != 12 || rev.Action != "update" || rev.Permission != "public" ||
		rev.OutputSchemaID != 0 || rev.Closed() || !rev.CreatedAt.Equal(time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)) {
		t.Errorf("revision = %+v", rev)
	}
	if _, ok := rev.LatestTaskSet(); ok {
		t.Error("a new revision has a task set")
	}

	for _, bad := range []string{"upsert", "", "Update"} {
		if _, err := c.OpenRevision(context.Background(), "abcd-1234", bad); err == nil {
			t.Errorf("OpenRevision accepted action %q", bad)
		}
	}
	if _, err := c.OpenRevision(context.Background(), "abcd", socrata.RevisionReplace); err == nil {
		t.Error("OpenRevision accepted a bad id")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("portal got %d requests, want 1", n)
	}

	// Opening a revision creates one, so a busy answer is not retried.
	f2 := newFake(t, busy(503, ""))
	c2, s2 := newTestClient(t, f2, newCreds(t))
	if _, err := c2.OpenRevision(context.Background(), "abcd-1234", socrata.RevisionReplace); err == nil {
		t.Error("503 was not an error")
	}
	if len(f2.requests()) != 1 || len(s2.waits()) != 0 || len(s.waits()) != 0 {
		t.Error("OpenRevision was retried")
	}
}

// dsmapiCall is one client call against a canned answer, with the request
// it must send.
type dsmapiCall struct {
	name        string
	status      int
	body        string
	call        func(c *socrata.Client) (any, error)
	method      string
	path        string
	contentType string
	sent        string // JSON body expected, "" for none checked
	check       func(t *testing.T, got any)
}

func linkedRevision(t *testing.T) *socrata.Revision {
	t.Helper()
	f := newFake(t, reply(201, jsonType, revisionBody))
	c, _ := newTestClient(t, f, newCreds(t))
	rev, err := c.OpenRevision(context.Background(), "abcd-1234", socrata.RevisionUpdate)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func linkedSource(t *testing.T) *socrata.Source {
	t.Helper()
	f := newFake(t, reply(200, jsonType, sourceBody))
	c, _ := newTestClient(t, f, newCreds(t))
	src, err := c.GetSource(context.Background(), 823)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestDSMAPICalls(t *testing.T) {
	ctx := context.Background()
	linkedRev := linkedRevision(t)
	bareRev := &socrata.Revision{Dataset: "abcd-1234", Seq: 12}
	linkedSrc := linkedSource(t)
	bareSrc := &socrata.Source{ID: 823}
	opts := socrata.ParseOptions{Encoding: "utf-8", ColumnSeparator: ",", QuoteChar: `"`, TrimWhitespace: true, RemoveEmptyRows: true}
	optsJSON := `{"parse_source":true,"header_count":1,"column_header":1,"encoding":"utf-8","column_separator":",","quote_char":"\"","trim_whitespace":true,"remove_empty_rows":true}`
	cols := []socrata.OutputColumnSpec{
		{FieldName: "permit_id", DisplayName: "Permit ID", Position: 0, IsPrimaryKey: true, InitialOutputColumnID: 1001, TransformExpr: "`permit_no`"},
		{FieldName: "fee", DisplayName: "Fee", Position: 1, Description: "USD", TransformExpr: "to_number(`fee_usd`)", Format: map[string]string{"precision": "2"}},
	}
	colsJSON := `{"output_columns":[
	  {"field_name":"permit_id","display_name":"Permit ID","position":0,"description":"","is_primary_key":true,"initial_output_column_id":1001,"transform":{"transform_expr":"` + "`permit_no`" + `"}},
	  {"field_name":"fee","display_name":"Fee","position":1,"description":"USD","format":{"precision":"2"},"transform":{"transform_expr":"to_number(` + "`fee_usd`" + `)"}}]}`
	outputBody := `{"resource": {"id": 1146, "input_schema_id": 41, "error_count": 0, "completed_at": null,
	  "output_columns": [{"id": 8, "field_name": "fee", "position": 1, "transform": {"transform_expr": "to_number(` + "`fee_usd`" + `)"}}]}}`

	tests := []dsmapiCall{
		{
			name: "create source via link", status: 201, body: sourceBody,
			call:   func(c *socrata.Client) (any, error) { return c.CreateSource(ctx, linkedRev, "permits.csv", opts) },
			method: "POST", path: "/linked/rev/create_source", contentType: "application/json",
			sent: `{"source_type":{"type":"upload","filename":"permits.csv"},"parse_options":` + optsJSON + `}`,
			check: func(t *testing.T, got any) {
				src := got.(*socrata.Source)
				if src.ID != 823 || src.Type != "upload" || src.Filename != "permits.csv" || src.Parsed() || src.Failed() {
					t.Errorf("source = %+v", src)
				}
				want := opts
				want.HeaderCount, want.ColumnHeader = 1, 1 // as the portal reports them
				if !reflect.DeepEqual(src.ParseOptions, want) {
					t.Errorf("parse options = %+v, want %+v", src.ParseOptions, want)
				}
			},
		},
		{
			name: "create source by path", status: 201, body: sourceBody,
			call: func(c *socrata.Client) (any, error) {
				return c.CreateSource(ctx, bareRev, "p.csv", socrata.ParseOptions{})
			},
			method: "POST", path: "/api/publishing/v1/revision/abcd-1234/12/source",
			sent: `{"source_type":{"type":"upload","filename":"p.csv"},"parse_options":{"parse_source":true,"header_count":1,"column_header":1}}`,
		},
		{
			name: "get source", status: 200, body: parsedSourceBody,
			call:   func(c *socrata.Client) (any, error) { return c.GetSource(ctx, 823) },
			method: "GET", path: "/api/publishing/v1/source/823",
			check: func(t *testing.T, got any) { checkParsedSource(t, got.(*socrata.Source)) },
		},
		{
			name: "initiate via link", status: 200, body: `{"preferred_chunk_size": 10240, "preferred_upload_parallelism": 5}`,
			call:   func(c *socrata.Client) (any, error) { return c.InitiateUpload(ctx, linkedSrc, "text/csv") },
			method: "POST", path: "/linked/src/initiate", contentType: "application/json", sent: `{"content_type":"text/csv"}`,
			check: func(t *testing.T, got any) {
				if p := got.(*socrata.UploadPlan); *p != (socrata.UploadPlan{PreferredChunkSize: 10240, Parallelism: 5}) {
					t.Errorf("plan = %+v", p)
				}
			},
		},
		{
			name: "initiate wrapped, by path", status: 200, body: `{"resource": {"preferred_chunk_size": 4096}}`,
			call: func(c *socrata.Client) (any, error) {
				return c.InitiateUpload(ctx, bareSrc, "text/tab-separated-values")
			},
			method: "POST", path: "/api/publishing/v1/source/823/initiate", sent: `{"content_type":"text/tab-separated-values"}`,
			check: func(t *testing.T, got any) {
				if p := got.(*socrata.UploadPlan); *p != (socrata.UploadPlan{PreferredChunkSize: 4096, Parallelism: 1}) {
					t.Errorf("plan = %+v", p)
				}
			},
		},
		{
			name: "chunk via link", status: 200, body: `{"seq_num": 3, "end_byte_offset": 40960}`,
			call: func(c *socrata.Client) (any, error) {
				return nil, c.UploadChunk(ctx, linkedSrc, 3, 30720, []byte("a,b\n1,2\n"))
			},
			method: "POST", path: "/linked/src/chunk/3/30720", contentType: "application/octet-stream",
		},
		{
			name: "chunk by path", status: 200, body: `{}`,
			call:   func(c *socrata.Client) (any, error) { return nil, c.UploadChunk(ctx, bareSrc, 0, 0, []byte("x")) },
			method: "POST", path: "/api/publishing/v1/source/823/chunk/0/0", contentType: "application/octet-stream",
		},
		{
			name: "commit via link", status: 200, body: parsedSourceBody,
			call:   func(c *socrata.Client) (any, error) { return c.CommitUpload(ctx, linkedSrc, 4, 41000) },
			method: "POST", path: "/linked/src/chunk/4/41000/commit",
			check: func(t *testing.T, got any) { checkParsedSource(t, got.(*socrata.Source)) },
		},
		{
			name: "commit by path", status: 200, body: parsedSourceBody,
			call:   func(c *socrata.Client) (any, error) { return c.CommitUpload(ctx, bareSrc, 0, 17) },
			method: "POST", path: "/api/publishing/v1/source/823/chunk/0/17/commit",
		},
		{
			name: "transform via link", status: 201, body: outputBody,
			call:   func(c *socrata.Client) (any, error) { return c.Transform(ctx, linkedSrc, 41, cols) },
			method: "POST", path: "/linked/src/schema/41", contentType: "application/json", sent: colsJSON,
			check: func(t *testing.T, got any) {
				o := got.(*socrata.OutputSchema)
				if o.ID != 1146 || o.InputSchemaID != 41 || o.Done() || len(o.OutputColumns) != 1 {
					t.Errorf("output schema = %+v", o)
				}
			},
		},
		{
			name: "transform by path", status: 201, body: outputBody,
			call:   func(c *socrata.Client) (any, error) { return c.Transform(ctx, bareSrc, 41, nil) },
			method: "POST", path: "/api/publishing/v1/source/823/schema/41", sent: `{"output_columns":null}`,
		},
		{
			name: "output schema", status: 200, body: outputBody,
			call:   func(c *socrata.Client) (any, error) { return c.GetOutputSchema(ctx, linkedSrc, 41, 1146) },
			method: "GET", path: "/api/publishing/v1/source/823/schema/41/output/1146",
		},
		{
			name: "latest output schema", status: 200, body: outputBody,
			call:   func(c *socrata.Client) (any, error) { return c.GetOutputSchema(ctx, bareSrc, 41, 0) },
			method: "GET", path: "/api/publishing/v1/source/823/schema/41/output/latest",
		},
		{
			name: "apply via link", status: 200,
			body:   `{"resource": {"id": 77, "status": "initializing", "log": [], "created_at": "2024-05-01T12:01:00", "finished_at": null, "job_uuid": "u-1", "request_id": "r-1"}, "links": {}}`,
			call:   func(c *socrata.Client) (any, error) { return c.ApplyRevision(ctx, linkedRev, 1145) },
			method: "PUT", path: "/linked/rev/apply", contentType: "application/json", sent: `{"output_schema_id":1145}`,
			check: func(t *testing.T, got any) {
				ts := got.(*socrata.TaskSet)
				if ts.ID != 77 || ts.Status != "initializing" || ts.Done() || ts.JobUUID != "u-1" || ts.RequestID != "r-1" {
					t.Errorf("task set = %+v", ts)
				}
			},
		},
		{
			name: "apply by path with no schema", status: 202,
			body:   `{"resource": {"id": 78, "status": "initializing"}}`,
			call:   func(c *socrata.Client) (any, error) { return c.ApplyRevision(ctx, bareRev, 0) },
			method: "PUT", path: "/api/publishing/v1/revision/abcd-1234/12/apply", sent: `{}`,
		},
		{
			name: "apply into approval", status: 200,
			body:   `{"resource": {"id": 79, "status": "initializing", "key": "approval_submitted"}}`,
			call:   func(c *socrata.Client) (any, error) { return c.ApplyRevision(ctx, bareRev, 0) },
			method: "PUT", path: "/api/publishing/v1/revision/abcd-1234/12/apply",
			check: func(t *testing.T, got any) {
				ts := got.(*socrata.TaskSet)
				if !ts.AwaitingApproval() || !ts.Done() || ts.Succeeded() || ts.Failed() {
					t.Errorf("task set = %+v, want awaiting approval", ts)
				}
			},
		},
		{
			name: "get revision", status: 200,
			body: `{"resource": {"id": 9, "fourfour": "abcd-1234", "revision_seq": 12, "output_schema_id": 1145,
			  "closed_at": "2024-05-01T12:02:00Z", "task_sets": [
			   {"id": 77, "status": "failure", "log": {"stage": "upserting", "time": "2024-05-01T12:01:30", "details": {"rows": 10}}},
			   {"id": 80, "status": "successful", "finished_at": "2024-05-01T12:02:00",
			    "log": [{"stage": "upserting", "details": {"rows": 2}}, {"stage": "successful", "time": "2024-05-01T12:02:00Z"}]}]}}`,
			call:   func(c *socrata.Client) (any, error) { return c.GetRevision(ctx, "abcd-1234", 12) },
			method: "GET", path: "/api/publishing/v1/revision/abcd-1234/12",
			check: func(t *testing.T, got any) {
				rev := got.(*socrata.Revision)
				if !rev.Closed() || rev.OutputSchemaID != 1145 || len(rev.TaskSets) != 2 {
					t.Fatalf("revision = %+v", rev)
				}
				ts, ok := rev.LatestTaskSet()
				if !ok || ts.ID != 80 || !ts.Succeeded() || !ts.Done() || len(ts.Log) != 2 || ts.Log[1].Stage != "successful" {
					t.Errorf("latest task set = %+v", ts)
				}
				first := rev.TaskSets[0]
				if !first.Failed() || len(first.Log) != 1 || first.Log[0].Details["rows"] != float64(10) ||
					!first.Log[0].Time.Equal(time.Date(2024, 5, 1, 12, 1, 30, 0, time.UTC)) {
					t.Errorf("first task set = %+v", first)
				}
			},
		},
		{
			name: "get revision answered 202", status: 202,
			body:   `{"resource": {"id": 9, "fourfour": "abcd-1234", "revision_seq": 12, "task_sets": [{"id": 1, "status": "upserting"}]}}`,
			call:   func(c *socrata.Client) (any, error) { return c.GetRevision(ctx, "abcd-1234", 12) },
			method: "GET", path: "/api/publishing/v1/revision/abcd-1234/12",
		},
		{
			name: "discard", status: 201, body: `{"resource": {"id": 9}}`,
			call:   func(c *socrata.Client) (any, error) { return nil, c.DiscardRevision(ctx, "abcd-1234", 12) },
			method: "DELETE", path: "/api/publishing/v1/revision/abcd-1234/12",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(tt.status, jsonType, tt.body))
			creds := newCreds(t)
			c, _ := newTestClient(t, f, creds)
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			r := f.last(t)
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			if tt.contentType != "" && r.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", r.Header.Get("Content-Type"), tt.contentType)
			}
			if user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || user != creds.ID || pass != creds.Secret {
				t.Error("request lacks the Basic credentials")
			}
			if tt.sent != "" {
				jsonEqual(t, r.Body, tt.sent)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func checkParsedSource(t *testing.T, src *socrata.Source) {
	t.Helper()
	if src.ID != 823 || !src.Parsed() || src.Failed() || src.Filesize != 2048 || src.ContentType != "text/csv" {
		t.Errorf("source = %+v", src)
	}
	is, ok := src.LatestInputSchema()
	if !ok || is.ID != 41 || is.TotalRows != 3 || is.NumRowErrors != 1 || len(is.InputColumns) != 2 {
		t.Fatalf("latest input schema = %+v", is)
	}
	if c := is.InputColumns[1]; c != (socrata.InputColumn{ID: 2, FieldName: "fee_usd", DisplayName: "Fee USD", Position: 1, SoQLType: "text", GuessedSoQLType: "number"}) {
		t.Errorf("input column = %+v", c)
	}
	os, ok := is.LatestOutputSchema()
	if !ok || os.ID != 1145 || !os.Done() || os.ErrorCount != 2 || os.TotalRows != 3 {
		t.Fatalf("latest output schema = %+v", os)
	}
	if !os.CompletedAt.Equal(time.Date(2024, 5, 1, 12, 0, 7, 0, time.UTC)) {
		t.Errorf("finished_at was not read as the completion time: %v", os.CompletedAt)
	}
	if len(os.OutputColumns) != 2 || os.OutputColumns[0].FieldName != "permit_id" {
		t.Fatalf("output columns not in position order: %+v", os.OutputColumns)
	}
	fee := os.OutputColumns[1]
	if fee.Transform.Expr != "to_number(`fee_usd`)" || fee.Transform.ErrorCount != 2 || fee.InitialOutputColumnID != 1003 ||
		fee.Format["precision"] != "2" || fee.Transform.OutputSoQLType != "number" || fee.Transform.ID != 71 {
		t.Errorf("fee column = %+v", fee)
	}
	failed := os.FailedColumns()
	if len(failed) != 1 || failed[0].FieldName != "permit_id" || failed[0].Transform.FailureMessage != "internal error" {
		t.Errorf("failed columns = %+v", failed)
	}
	specs := os.Specs()
	want := []socrata.OutputColumnSpec{
		{FieldName: "permit_id", DisplayName: "Permit ID", Position: 0, IsPrimaryKey: true, InitialOutputColumnID: 1001, TransformExpr: "`permit_no`"},
		{FieldName: "fee", DisplayName: "Fee", Position: 1, InitialOutputColumnID: 1003, TransformExpr: "to_number(`fee_usd`)", Format: map[string]string{"precision": "2"}},
	}
	if !reflect.DeepEqual(specs, want) {
		t.Errorf("specs = %+v\nwant %+v", specs, want)
	}
	older := src.Schemas[0]
	if o, _ := older.LatestOutputSchema(); o.ID != 100 || !o.Done() {
		t.Errorf("older input schema's output = %+v", o)
	}
}

func TestSourceFailure(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{"resource": {"id": 5, "failed_at": "2024-05-01T12:00:00Z",
	  "failure_details": {"message": "Unable to parse file:\n bad quoting"}, "schemas": []}}`))
	c, _ := newTestClient(t, f, newCreds(t))
	src, err := c.GetSource(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if !src.Failed() || src.Parsed() || src.FailureMessage() != "Unable to parse file: bad quoting" {
		t.Errorf("source = %+v, message %q", src, src.FailureMessage())
	}
	if _, ok := src.LatestInputSchema(); ok {
		t.Error("a failed source has an input schema")
	}
	other := &socrata.Source{FailureDetails: map[string]any{"kind": "x"}}
	if other.FailureMessage() != `{"kind":"x"}` {
		t.Errorf("FailureMessage = %q", other.FailureMessage())
	}
}

func TestSchemaErrors(t *testing.T) {
	const csv = "permit_no,fee_usd,error\nP-1,abc,fee: not a number\n"
	f := newFake(t, reply(200, "text/csv", csv))
	c, _ := newTestClient(t, f, newCreds(t))
	for _, src := range []*socrata.Source{linkedSource(t), {ID: 823}} {
		rc, err := c.SchemaErrors(context.Background(), src, 41, 1145)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != csv {
			t.Errorf("error rows = %q", b)
		}
		r := f.last(t)
		want := "/api/publishing/v1/source/823/schema/41/errors/1145"
		if src.ID == 823 && len(f.requests()) == 1 {
			want = "/linked/src/schema/41/errors/1145"
		}
		if r.Method != "GET" || r.Path != want || r.Header.Get("Accept") != "text/csv" {
			t.Errorf("request = %s %s Accept %q, want GET %s text/csv", r.Method, r.Path, r.Header.Get("Accept"), want)
		}
	}

	html := newFake(t, reply(200, "text/html", "<title>Sign in</title>"))
	c2, _ := newTestClient(t, html, newCreds(t))
	if _, err := c2.SchemaErrors(context.Background(), &socrata.Source{ID: 1}, 1, 2); !errors.Is(err, socrata.ErrNotSocrata) {
		t.Errorf("error = %v, want ErrNotSocrata", err)
	}
}

func TestLinksOffThePortalAreNotFollowed(t *testing.T) {
	body := strings.ReplaceAll(revisionBody, `"/linked/rev/create_source"`, `"https://evil.example.org/steal"`)
	body = strings.ReplaceAll(body, `"/linked/rev/apply"`, `"/linked/{unknown}/apply"`)
	f := newFake(t, sequence(reply(201, jsonType, body), reply(201, jsonType, sourceBody), reply(200, jsonType, `{"resource":{"id":1}}`)))
	c, _ := newTestClient(t, f, newCreds(t))
	ctx := context.Background()
	rev, err := c.OpenRevision(ctx, "abcd-1234", socrata.RevisionReplace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSource(ctx, rev, "x.csv", socrata.ParseOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := f.last(t).Path; p != "/api/publishing/v1/revision/abcd-1234/12/source" {
		t.Errorf("create source went to %s, want the documented path", p)
	}
	if _, err := c.ApplyRevision(ctx, rev, 0); err != nil {
		t.Fatal(err)
	}
	if p := f.last(t).Path; p != "/api/publishing/v1/revision/abcd-1234/12/apply" {
		t.Errorf("apply went to %s, want the documented path", p)
	}
}

func TestDSMAPIRetries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func(c *socrata.Client) error
		retried bool
	}{
		{"chunk", func(c *socrata.Client) error {
			return c.UploadChunk(ctx, &socrata.Source{ID: 1}, 2, 20, []byte("same bytes"))
		}, true},
		{"get source", func(c *socrata.Client) error { _, err := c.GetSource(ctx, 1); return err }, true},
		{"get revision", func(c *socrata.Client) error { _, err := c.GetRevision(ctx, "abcd-1234", 1); return err }, true},
		{"output schema", func(c *socrata.Client) error {
			_, err := c.GetOutputSchema(ctx, &socrata.Source{ID: 1}, 2, 3)
			return err
		}, true},
		{"discard", func(c *socrata.Client) error { return c.DiscardRevision(ctx, "abcd-1234", 1) }, true},
		{"create source", func(c *socrata.Client) error {
			_, err := c.CreateSource(ctx, &socrata.Revision{Dataset: "abcd-1234", Seq: 1}, "x.csv", socrata.ParseOptions{})
			return err
		}, false},
		{"initiate", func(c *socrata.Client) error {
			_, err := c.InitiateUpload(ctx, &socrata.Source{ID: 1}, "text/csv")
			return err
		}, false},
		{"commit", func(c *socrata.Client) error { _, err := c.CommitUpload(ctx, &socrata.Source{ID: 1}, 0, 1); return err }, false},
		{"transform", func(c *socrata.Client) error { _, err := c.Transform(ctx, &socrata.Source{ID: 1}, 2, nil); return err }, false},
		{"apply", func(c *socrata.Client) error {
			_, err := c.ApplyRevision(ctx, &socrata.Revision{Dataset: "abcd-1234", Seq: 1}, 5)
			return err
		}, false},
	}
	ok := reply(200, jsonType, `{"resource": {"id": 1, "preferred_chunk_size": 10}}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, sequence(busy(503, "1"), ok))
			c, s := newTestClient(t, f, newCreds(t))
			err := tt.call(c)
			reqs := f.requests()
			if tt.retried {
				if err != nil || len(reqs) != 2 || len(s.waits()) != 1 {
					t.Fatalf("error %v after %d requests; want success on the retry", err, len(reqs))
				}
				if !bytes.Equal(reqs[0].Body, reqs[1].Body) {
					t.Errorf("the retry sent %q, the first try %q", reqs[1].Body, reqs[0].Body)
				}
				return
			}
			if err == nil || len(reqs) != 1 || len(s.waits()) != 0 {
				t.Errorf("error %v after %d requests; want the 503 without a retry", err, len(reqs))
			}
		})
	}
}

func TestApplyOutcomeUnknown(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		unknown bool
	}{
		{"gateway timeout", busy(504, ""), true},
		{"connection cut", func(w http.ResponseWriter, r *http.Request) { hijackAndClose(t, w) }, true},
		{"refused by the portal", reply(400, jsonType, `{"message":"output schema not finished"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c, _ := newTestClient(t, f, newCreds(t))
			_, err := c.ApplyRevision(context.Background(), &socrata.Revision{Dataset: "abcd-1234", Seq: 3}, 9)
			if err == nil {
				t.Fatal("apply succeeded")
			}
			if got := errors.Is(err, socrata.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("ErrOutcomeUnknown = %v, want %v: %v", got, tt.unknown, err)
			}
			if tt.unknown && !strings.Contains(err.Error(), "revision 3 of abcd-1234 may or may not have been applied") {
				t.Errorf("error %q does not say what is unknown", err)
			}
		})
	}
}

func TestInitiateWithoutChunkSize(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{}`))
	c, _ := newTestClient(t, f, newCreds(t))
	if _, err := c.InitiateUpload(context.Background(), &socrata.Source{ID: 1}, "text/csv"); err == nil || !strings.Contains(err.Error(), "chunk size") {
		t.Errorf("error = %v, want one about the missing chunk size", err)
	}
}

func TestDSMAPINilArguments(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{}`))
	c, _ := newTestClient(t, f, newCreds(t))
	ctx := context.Background()
	errs := []error{
		func() error { _, err := c.CreateSource(ctx, nil, "x", socrata.ParseOptions{}); return err }(),
		func() error { _, err := c.InitiateUpload(ctx, nil, "text/csv"); return err }(),
		c.UploadChunk(ctx, nil, 0, 0, nil),
		c.UploadChunk(ctx, &socrata.Source{ID: 1}, -1, 0, nil),
		func() error { _, err := c.CommitUpload(ctx, nil, 0, 0); return err }(),
		func() error { _, err := c.Transform(ctx, nil, 0, nil); return err }(),
		func() error { _, err := c.GetOutputSchema(ctx, nil, 0, 0); return err }(),
		func() error { _, err := c.SchemaErrors(ctx, nil, 0, 0); return err }(),
		func() error { _, err := c.ApplyRevision(ctx, nil, 0); return err }(),
		func() error { _, err := c.GetRevision(ctx, "x", 0); return err }(),
		c.DiscardRevision(ctx, "x", 0),
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d accepted a missing argument", i)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests reached the portal", n)
	}
}

func TestParseOptionsJSON(t *testing.T) {
	tests := []struct {
		name string
		in   socrata.ParseOptions
		want string
	}{
		{"zero value", socrata.ParseOptions{}, `{"parse_source":true,"header_count":1,"column_header":1}`},
		{"no header", socrata.ParseOptions{NoHeader: true, ColumnHeader: 3}, `{"parse_source":true,"header_count":0}`},
		{"two header rows", socrata.ParseOptions{HeaderCount: 2, ColumnHeader: 2}, `{"parse_source":true,"header_count":2,"column_header":2}`},
		{"blob", socrata.ParseOptions{Blob: true}, `{"parse_source":false,"header_count":1,"column_header":1}`},
		{"tsv", socrata.ParseOptions{ColumnSeparator: "\t", QuoteChar: "\u0000", Encoding: "windows-1252"},
			`{"parse_source":true,"header_count":1,"column_header":1,"column_separator":"\t","quote_char":"\u0000","encoding":"windows-1252"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, b, tt.want)
			var back socrata.ParseOptions
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			again, _ := json.Marshal(back)
			jsonEqual(t, again, tt.want)
		})
	}
}

// TestUploadFlow drives a whole DSMAPI update against a small stateful
// portal: open, create source, initiate, parallel chunks, commit, poll the
// source, fetch error rows, apply, poll the revision.
func TestUploadFlow(t *testing.T) {
	p := &flowPortal{t: t, chunks: map[int][]byte{}}
	f := newFake(t, p.serve)
	c, _ := newTestClient(t, f, newCreds(t))
	ctx := context.Background()

	file := bytes.Repeat([]byte("permit_id,fee\nP-1,12.50\n"), 50) // 1,200 bytes
	rev, src, last := startUpload(t, c, "abcd-1234", socrata.RevisionUpdate, file)
	if _, err := c.CommitUpload(ctx, src, last, int64(len(file))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.assembled(), file) {
		t.Fatalf("the portal assembled %d bytes that differ from the %d-byte file", len(p.assembled()), len(file))
	}
	var is *socrata.InputSchema
	for i := 0; ; i++ {
		s, err := c.GetSource(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Failed() {
			t.Fatalf("source failed: %s", s.FailureMessage())
		}
		if s.Parsed() {
			is, _ = s.LatestInputSchema()
			break
		}
		if i > 5 {
			t.Fatal("the source never parsed")
		}
	}
	os, _ := is.LatestOutputSchema()
	if !os.Done() || os.ErrorCount != 1 {
		t.Fatalf("output schema = %+v", os)
	}
	rc, err := c.SchemaErrors(ctx, src, is.ID, os.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.Contains(string(rows), "not a number") {
		t.Errorf("error rows = %q", rows)
	}
	ts, err := c.ApplyRevision(ctx, rev, os.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; !ts.Done(); i++ {
		r, err := c.GetRevision(ctx, rev.Dataset, rev.Seq)
		if err != nil {
			t.Fatal(err)
		}
		latest, _ := r.LatestTaskSet()
		ts = &latest
		if i > 5 {
			t.Fatal("the apply never finished")
		}
	}
	if !ts.Succeeded() {
		t.Errorf("task set = %+v", ts)
	}
	if p.appliedSchema != os.ID {
		t.Errorf("applied output schema %d, want %d", p.appliedSchema, os.ID)
	}
}

// flowPortal is just enough DSMAPI state for TestUploadFlow.
type flowPortal struct {
	t             *testing.T
	mu            sync.Mutex
	chunks        map[int][]byte
	offsets       map[int]int64
	committed     bool
	sourcePolls   int
	revPolls      int
	appliedSchema int
}

func (p *flowPortal) assembled() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	seqs := make([]int, 0, len(p.chunks))
	for s := range p.chunks {
		seqs = append(seqs, s)
	}
	sort.Ints(seqs)
	var out []byte
	for _, s := range seqs {
		if p.offsets[s] != int64(len(out)) {
			p.t.Errorf("chunk %d claims offset %d but starts at %d", s, p.offsets[s], len(out))
		}
		out = append(out, p.chunks[s]...)
	}
	return out
}

func (p *flowPortal) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/publishing/v1/"), "/")
	body, _ := io.ReadAll(r.Body)
	links := `{"create_source":"/api/publishing/v1/revision/abcd-1234/3/source","apply":"/api/publishing/v1/revision/abcd-1234/3/apply"}`
	srcLinks := `{"initiate":"/api/publishing/v1/source/55/initiate","chunk":"/api/publishing/v1/source/55/chunk/{seq_num}/{byte_offset}",
	  "commit":"/api/publishing/v1/source/55/chunk/{seq_num}/{byte_offset}/commit",
	  "input_schema_links":{"output_schema_links":{"schema_errors":"/api/publishing/v1/source/55/schema/{input_schema_id}/errors/{output_schema_id}"}}}`
	switch {
	case r.Method == "POST" && len(parts) == 2 && parts[0] == "revision":
		reply(201, jsonType, `{"resource":{"id":1,"fourfour":"abcd-1234","revision_seq":3,"action":{"type":"update"},"task_sets":[]},"links":`+links+`}`)(w, r)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/revision/abcd-1234/3/source"):
		reply(201, jsonType, `{"resource":{"id":55,"schemas":[]},"links":`+srcLinks+`}`)(w, r)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/source/55/initiate"):
		reply(200, jsonType, `{"preferred_chunk_size":256,"preferred_upload_parallelism":3}`)(w, r)
	case r.Method == "POST" && len(parts) == 5 && parts[2] == "chunk":
		seq, _ := strconv.Atoi(parts[3])
		off, _ := strconv.ParseInt(parts[4], 10, 64)
		if p.offsets == nil {
			p.offsets = map[int]int64{}
		}
		p.chunks[seq] = body
		p.offsets[seq] = off
		reply(200, jsonType, fmt.Sprintf(`{"seq_num":%d,"end_byte_offset":%d}`, seq, off+int64(len(body))))(w, r)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/commit"):
		p.committed = true
		reply(200, jsonType, `{"resource":{"id":55,"schemas":[]},"links":`+srcLinks+`}`)(w, r)
	case r.Method == "GET" && r.URL.Path == "/api/publishing/v1/source/55":
		p.sourcePolls++
		if p.sourcePolls < 2 {
			reply(200, jsonType, `{"resource":{"id":55,"schemas":[]},"links":`+srcLinks+`}`)(w, r)
			return
		}
		reply(200, jsonType, `{"resource":{"id":55,"schemas":[{"id":7,"total_rows":50,"output_schemas":[
		  {"id":70,"input_schema_id":7,"error_count":1,"completed_at":"2024-05-01T00:00:00Z","output_columns":[]}]}]},"links":`+srcLinks+`}`)(w, r)
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/schema/7/errors/70"):
		reply(200, "text/csv", "permit_id,fee,error\nP-9,abc,fee is not a number\n")(w, r)
	case r.Method == "PUT" && strings.HasSuffix(r.URL.Path, "/apply"):
		var v struct {
			OutputSchemaID int `json:"output_schema_id"`
		}
		json.Unmarshal(body, &v)
		p.appliedSchema = v.OutputSchemaID
		reply(200, jsonType, `{"resource":{"id":900,"status":"initializing"}}`)(w, r)
	case r.Method == "GET" && r.URL.Path == "/api/publishing/v1/revision/abcd-1234/3":
		p.revPolls++
		status := "upserting"
		if p.revPolls > 1 {
			status = "successful"
		}
		reply(200, jsonType, `{"resource":{"id":1,"fourfour":"abcd-1234","revision_seq":3,"task_sets":[{"id":900,"status":"`+status+`"}]}}`)(w, r)
	default:
		p.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		reply(404, jsonType, `{"message":"no route"}`)(w, r)
	}
}

// jsonEqual compares JSON documents, ignoring key order and spacing.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s\nwant %s", got, want)
	}
}
