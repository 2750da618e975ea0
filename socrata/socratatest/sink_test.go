package socratatest

import (
	"fmt"
	"strings"
	"testing"
)

func addSink(t *testing.T, s *Server, id string) {
	t.Helper()
	if err := s.Portal.AddDataset(DatasetSpec{
		ID: id, Name: "Sink", Owner: DemoPublisherID, Sink: true, RowIdentifier: "id",
		Columns: []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "n", Type: "number"}, {FieldName: "note", Type: "text"}},
	}); err != nil {
		t.Fatal(err)
	}
}

// sinkCSV has a quoted line feed, a quoted CRLF, escaped quotes, a blank
// line, CRLF line ends and no final line end: 5 rows under the header.
const sinkCSV = "id,n,note\r\n" +
	"a,1,\"two\nlines\"\r\n" +
	"b,2,\"he said \"\"hi,\r\nthere\"\"\"\r\n" +
	"\r\n" +
	"c,three,plain\n" + // a value a number column would refuse: a sink does not look
	"d,4,\"\"\n" +
	"e,5,\"last, \"\"quoted\"\"\""

// sinkJSON has nested objects and strings with braces, brackets, quotes
// and backslashes: 4 rows.
const sinkJSON = `[
 {"id": "a", "n": 1, "note": "{not a row}"},
 {"id": "b", "n": 2, "note": "he said \"{[hi]}\"", "extra": {"nested": {"deep": [1, {"x": 2}]}}},
 {"id": "c", "n": "three", "note": "C:\\"},
 {"id": "d", "note": "}]\\\"{"}
]`

func TestSinkSODACountsRows(t *testing.T) {
	for _, shape := range []WriteShape{SnakeCaseShape, CoreShape, RowArrayShape} {
		for _, tt := range []struct {
			method, ctype, body string
			want                int
		}{
			{"POST", "text/csv", sinkCSV, 5},
			{"PUT", "text/csv; charset=utf-8", sinkCSV, 5},
			{"POST", "text/csv", "id,n,note\n", 0},
			{"POST", "text/csv", "", 0},
			{"POST", jsonType, sinkJSON, 4},
			{"PUT", jsonType, sinkJSON, 4},
			{"POST", jsonType, "[]", 0},
		} {
			name := fmt.Sprintf("%s %s %s %.12q", shape, tt.method, tt.ctype, tt.body)
			s := newServer(t, WithSamples(), WithWriteShape(shape))
			addSink(t, s, "sink-0001")
			r := do(t, s, tt.method, "/resource/sink-0001.json", demoKey(s.Portal), tt.ctype, tt.body)
			if r.status != 200 {
				t.Errorf("%s: status %d: %s", name, r.status, r.body)
				continue
			}
			var created, other int
			switch shape {
			case SnakeCaseShape:
				var res snakeResult
				r.json(t, &res)
				created, other = res.Created, res.Updated+res.Deleted+len(res.Errors)
			case CoreShape:
				res := r.object(t)
				created, other = num(res["Rows Created"]), num(res["Rows Updated"])+num(res["Rows Deleted"])+num(res["Errors"])
			case RowArrayShape:
				var res []streamEntry
				r.json(t, &res)
				seen := map[any]bool{}
				for _, e := range res {
					if e.Typ == "insert" && !seen[e.ID] {
						created++
						seen[e.ID] = true
					} else {
						other++
					}
				}
			}
			if created != tt.want || other != 0 {
				t.Errorf("%s: %d created and %d other results, want %d created: %s", name, created, other, tt.want, r.body)
			}
		}
	}
}

func TestSinkSODAStoresNothingAndStillRefuses(t *testing.T) {
	s := newServer(t, WithSamples())
	addSink(t, s, "sink-0002")
	key := demoKey(s.Portal)
	if r := do(t, s, "POST", "/resource/sink-0002.json", key, "text/csv", sinkCSV); r.status != 200 {
		t.Fatalf("upsert: %d %s", r.status, r.body)
	}
	if rows := s.Portal.Rows("sink-0002"); len(rows) != 0 {
		t.Errorf("a sink stored %d rows", len(rows))
	}
	for _, tt := range []struct {
		name        string
		who         *who
		ctype, body string
		want        int
	}{
		{"anonymous", nil, "text/csv", sinkCSV, 403},
		{"not an editor", userKey(t, s.Portal, OtherPublisherID), "text/csv", sinkCSV, 403},
		{"another media type", key, "application/xml", "<rows/>", 415},
		{"JSON that is not an array", key, jsonType, `{"id": "a"}`, 400},
	} {
		if r := do(t, s, "POST", "/resource/sink-0002.json", tt.who, tt.ctype, tt.body); r.status != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.name, r.status, tt.want, r.body)
		}
	}
}

func TestSinkDSMAPICountsRowsAtOnce(t *testing.T) {
	// Chunks of 7 bytes cut the quoted fields and the CRLFs.
	s := newServer(t, WithSamples(), WithChunkSize(7, 4))
	addSink(t, s, "sink-0003")
	c := dsmClient{t, s, demoKey(s.Portal)}
	for _, tt := range []struct {
		action  string
		chunked bool
		want    string // the count in the task set's details
	}{
		{"update", true, "created"},
		{"update", false, "created"},
		{"replace", true, "created"},
		{"delete", true, "deleted"},
	} {
		name := fmt.Sprintf("%s chunked %v", tt.action, tt.chunked)
		_, revLinks := c.open("sink-0003", tt.action)
		_, srcLinks := c.wrapped(c.call("POST", link(revLinks, "create_source"), map[string]any{
			"source_type": map[string]any{"type": "upload", "filename": "sink.csv"}}), 201)
		if tt.chunked {
			c.sendChunks(srcLinks, sinkCSV)
		} else {
			c.wrapped(c.call("POST", link(srcLinks, "bytes"), sinkCSV), 201)
		}
		// No waiting: the schemas are made when the upload is complete.
		src, _ := c.wrapped(c.call("GET", link(srcLinks, "show"), nil), 200)
		schemas, _ := src["schemas"].([]any)
		if len(schemas) != 1 {
			t.Fatalf("%s: source has %d input schemas right after the upload: %v", name, len(schemas), src)
		}
		in := schemas[0].(map[string]any)
		outs, _ := in["output_schemas"].([]any)
		if num(in["total_rows"]) != 5 || num(in["num_row_errors"]) != 0 || len(outs) != 1 {
			t.Fatalf("%s: input schema %v", name, in)
		}
		out := outs[0].(map[string]any)
		var fields []string
		for _, oc := range out["output_columns"].([]any) {
			fields = append(fields, oc.(map[string]any)["field_name"].(string))
		}
		if out["completed_at"] == nil || num(out["total_rows"]) != 5 || num(out["error_count"]) != 0 || strings.Join(fields, ",") != "id,n,note" {
			t.Fatalf("%s: output schema %v", name, out)
		}
		errs := get(t, s, link(srcLinks, "input_schema_links.output_schema_links.schema_errors",
			"input_schema_id", num(in["id"]), "output_schema_id", num(out["id"])), c.who)
		if errs.status != 200 || string(errs.body) != "id,n,note,error\n" {
			t.Errorf("%s: error rows %d %q", name, errs.status, errs.body)
		}
		// The apply is over when its reply comes.
		task, _ := c.wrapped(c.call("PUT", link(revLinks, "apply"), map[string]any{"output_schema_id": num(out["id"])}), 200)
		d := lastDetails(task)
		if task["status"] != "successful" || num(d[tt.want]) != 5 || num(d["error_rows"]) != 0 {
			t.Errorf("%s: task set %v", name, task)
		}
		rev, _ := c.wrapped(c.call("GET", link(revLinks, "show"), nil), 200)
		if rev["closed_at"] == nil {
			t.Errorf("%s: the revision is still open after the apply", name)
		}
	}
	if rows := s.Portal.Rows("sink-0003"); len(rows) != 0 {
		t.Errorf("a sink stored %d rows", len(rows))
	}
}

func TestSinkDSMAPITransformAndLongHeader(t *testing.T) {
	s := newServer(t, WithSamples(), WithChunkSize(1<<20, 4))
	addSink(t, s, "sink-0004")
	c := dsmClient{t, s, demoKey(s.Portal)}
	u := c.upload("sink-0004", "update", "sink.csv", sinkCSV, true)
	path := link(u.srcLinks, "input_schema_links.transform", "input_schema_id", u.inputID)
	out, _ := c.wrapped(c.call("POST", path, map[string]any{"output_columns": []map[string]any{
		{"field_name": "id", "transform": map[string]any{"transform_expr": "`id`"}},
		{"field_name": "note", "transform": map[string]any{"transform_expr": "to_text(`note`)"}},
	}}), 201)
	if out["completed_at"] == nil || num(out["total_rows"]) != 5 || num(out["error_count"]) != 0 {
		t.Errorf("the transformed output schema is not finished when made: %v", out)
	}
	task, _ := c.wrapped(c.call("PUT", link(u.revLinks, "apply"), map[string]any{"output_schema_id": num(out["id"])}), 200)
	if task["status"] != "successful" || num(lastDetails(task)["created"]) != 5 {
		t.Errorf("apply of the transformed schema: %v", task)
	}

	// A header longer than the part of an upload a sink keeps is refused
	// rather than cut.
	long := strings.Repeat("x", sinkHeadSize) + ",n\n" + strings.Repeat("a,1\n", 10)
	_, revLinks := c.open("sink-0004", "update")
	_, srcLinks := c.wrapped(c.call("POST", link(revLinks, "create_source"), map[string]any{
		"source_type": map[string]any{"type": "upload", "filename": "long.csv"}}), 201)
	src, _ := c.wrapped(c.call("POST", link(srcLinks, "bytes"), long), 201)
	if msg, _ := src["failure_details"].(map[string]any)["message"].(string); src["failed_at"] == nil || !strings.Contains(msg, "header is longer") {
		t.Errorf("long header: %v", src)
	}
}
