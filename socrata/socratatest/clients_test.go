package socratatest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The keys that the real client libraries read from each Data Management
// API answer, and the JSON type each expects there. The table in doc.go
// says where each is read; these tests hold the portal to it, so that
// socrata-py (and the program's own client) find what they look for.

// keyRead is one key a client reads: a path into the answer, with "[]"
// standing for every element of an array, and the JSON types it may have
// ("string", "number", "bool", "array", "object", "null", joined by "|").
type keyRead struct {
	path, types string
}

// checkKeys fails the test for every path of want that is missing from
// the answer, or has a type its readers do not expect. An empty array
// satisfies a path through it, so callers make sure the arrays they
// care about have elements.
func checkKeys(t *testing.T, what string, body []byte, want []keyRead) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: not JSON (%v): %s", what, err, body)
	}
	for _, k := range want {
		for _, p := range problemsAt(v, strings.Split(k.path, "."), "", k.types) {
			t.Errorf("%s: %s: %s", what, k.path, p)
		}
	}
}

func problemsAt(v any, path []string, at, types string) []string {
	if len(path) == 0 {
		if got := jsonKind(v); !strings.Contains("|"+types+"|", "|"+got+"|") {
			return []string{fmt.Sprintf("%s is %s, want %s", at, got, types)}
		}
		return nil
	}
	key, each := strings.CutSuffix(path[0], "[]")
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s is %s, not an object", at, jsonKind(v))}
	}
	next, ok := m[key]
	if !ok {
		return []string{fmt.Sprintf("%s has no key %q", at, key)}
	}
	if !each {
		return problemsAt(next, path[1:], at+"."+key, types)
	}
	list, ok := next.([]any)
	if !ok {
		return []string{fmt.Sprintf("%s.%s is %s, not an array", at, key, jsonKind(next))}
	}
	var out []string
	for i, e := range list {
		out = append(out, problemsAt(e, path[1:], fmt.Sprintf("%s.%s[%d]", at, key, i), types)...)
	}
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Key sets by resource, as socrata-py (and the program's client) read them.
var (
	revisionKeys = []keyRead{
		{"resource.id", "number"},
		{"resource.fourfour", "string"},
		{"resource.revision_seq", "number"},
		{"resource.action.type", "string"},
		{"resource.output_schema_id", "number|null"},
		{"resource.metadata", "object|null"},
		{"resource.closed_at", "string|null"},
		{"resource.task_sets", "array"},
		{"links.show", "string"},
		{"links.update", "string"},
		{"links.apply", "string"},
		{"links.discard", "string"},
		{"links.create_source", "string"},
		{"links.list_sources", "string"},
	}
	sourceKeys = []keyRead{
		{"resource.id", "number"},
		{"resource.source_type.type", "string"},
		{"resource.parse_options.parse_source", "bool"},
		{"resource.schemas", "array"},
		{"resource.finished_at", "string|null"},
		{"resource.failed_at", "string|null"},
		{"resource.failure_details", "object|null"},
		{"links.show", "string"},
		{"links.bytes", "string"},
		{"links.initiate", "string"},
		{"links.chunk", "string"},
		{"links.commit", "string"},
		{"links.input_schema_links.show", "string"},
		{"links.input_schema_links.transform", "string"},
		{"links.input_schema_links.latest_output", "string"},
		{"links.input_schema_links.output_schema_links.show", "string"},
		{"links.input_schema_links.output_schema_links.schema_errors", "string"},
	}
	parsedSourceKeys = []keyRead{
		{"resource.schemas[].id", "number"},
		{"resource.schemas[].input_columns[].field_name", "string"},
		{"resource.schemas[].output_schemas[].id", "number"},
		{"resource.schemas[].output_schemas[].completed_at", "string|null"},
		{"resource.schemas[].output_schemas[].sort_bys", "array"},
	}
	inputSchemaKeys = []keyRead{
		{"resource.id", "number"},
		{"resource.total_rows", "number|null"},
		{"resource.num_row_errors", "number"},
		{"resource.input_columns[].field_name", "string"},
		{"resource.output_schemas[].id", "number"},
		{"links.show", "string"},
		{"links.transform", "string"},
		{"links.latest_output", "string"},
		{"links.output_schema_links.show", "string"},
		{"links.output_schema_links.schema_errors", "string"},
	}
	outputSchemaKeys = []keyRead{
		{"resource.id", "number"},
		{"resource.input_schema_id", "number"},
		{"resource.completed_at", "string|null"},
		{"resource.finished_at", "string|null"},
		{"resource.error_count", "number|null"},
		{"resource.total_rows", "number|null"},
		{"resource.sort_bys", "array"},
		{"resource.sort_bys[].field_name", "string"},
		{"resource.sort_bys[].ascending", "bool"},
		{"resource.output_columns[].id", "number"},
		{"resource.output_columns[].field_name", "string"},
		{"resource.output_columns[].position", "number"},
		{"resource.output_columns[].is_primary_key", "bool"},
		{"resource.output_columns[].transform.id", "number"},
		{"resource.output_columns[].transform.transform_expr", "string"},
		{"resource.output_columns[].transform.output_soql_type", "string"},
		{"resource.output_columns[].transform.failed_at", "string|null"},
		{"resource.output_columns[].transform.error_count", "number|null"},
		{"links.show", "string"},
		{"links.schema_errors", "string"},
	}
	taskSetKeys = []keyRead{
		{"resource.id", "number"},
		{"resource.status", "string"},
		{"resource.finished_at", "string|null"},
		{"resource.log", "array"},
		{"resource.log[].stage", "string"},
		{"resource.log[].details", "object"},
		{"links.show", "string"},
	}
	initiateKeys = []keyRead{
		{"preferred_chunk_size", "number"},
		{"preferred_upload_parallelism", "number"},
	}
	dsmErrorKeys = []keyRead{
		{"key", "string"},
		{"message", "string"},
		{"params", "object"},
	}
)

// TestDSMAPIAnswersHaveWhatClientsRead walks one update the way
// socrata-py does (revision, upload source, chunks, schemas, a transform
// that keeps sort_bys, apply, wait for the job), checking at each answer
// the keys the real clients read, and that every "show" link answers
// with the same resource, as socrata-py's wait_for_finish needs.
func TestDSMAPIAnswersHaveWhatClientsRead(t *testing.T) {
	s := newServer(t, WithSamples(), WithChunkSize(128, 2))
	c := dsmClient{t, s, demoKey(s.Portal)}
	expect := func(what string, r reply, status int, keys ...[]keyRead) map[string]any {
		t.Helper()
		if r.status != status {
			t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
		}
		for _, k := range keys {
			checkKeys(t, what, r.body, k)
		}
		return r.object(t)
	}
	// shows follows an answer's show link and checks it answers the same
	// resource with the same keys: how socrata-py's show() and
	// _wait_for_finish refresh a resource.
	shows := func(what string, answer map[string]any, status int, keys ...[]keyRead) map[string]any {
		t.Helper()
		again := expect(what+" (show link)", c.call("GET", link(answer["links"].(map[string]any), "show"), nil), status, keys...)
		if num(again["resource"].(map[string]any)["id"]) != num(answer["resource"].(map[string]any)["id"]) {
			t.Errorf("%s: the show link answers id %v, not %v", what, again["resource"].(map[string]any)["id"], answer["resource"].(map[string]any)["id"])
		}
		return again
	}

	rev := expect("create revision", c.call("POST", dsmPrefix+"/revision/"+ParkVisitsID,
		map[string]any{"metadata": map[string]any{}, "action": map[string]any{"type": "update", "permission": nil}}), 201, revisionKeys)
	shows("revision", rev, 200, revisionKeys)
	revLinks := rev["links"].(map[string]any)
	var list []json.RawMessage
	c.call("GET", dsmPrefix+"/revision/"+ParkVisitsID, nil).json(t, &list)
	if len(list) != 1 {
		t.Fatalf("%d revisions listed", len(list))
	}
	checkKeys(t, "list revisions", list[0], revisionKeys)
	expect("update revision", c.call("PUT", link(revLinks, "update"), map[string]any{"metadata": map[string]any{"name": "Park visits"}}), 202, revisionKeys)

	src := expect("create source", c.call("POST", link(revLinks, "create_source"), map[string]any{
		"source_type": map[string]any{"type": "upload", "filename": "visits.csv"}, "parse_options": map[string]any{}}), 201, sourceKeys)
	srcLinks := src["links"].(map[string]any)
	expect("initiate", c.call("POST", link(srcLinks, "initiate"), map[string]any{"content_type": "text/csv"}), 200, initiateKeys)
	content := sampleFile(t, "park_visits_2024_07.csv").Content
	size := 128
	last := 0
	for off := 0; off < len(content); off += size {
		last = off / size
		r, err := send(s, "POST", link(srcLinks, "chunk", "seq_num", last, "byte_offset", off), c.who, "application/octet-stream",
			strings.NewReader(content[off:min(off+size, len(content))]))
		if err != nil || r.status != 200 {
			t.Fatalf("chunk %d: %v %d %s", last, err, r.status, r.body)
		}
	}
	expect("commit", c.call("POST", link(srcLinks, "commit", "seq_num", last, "byte_offset", len(content)), nil), 200, sourceKeys)
	var parsed map[string]any
	waitFor(t, "the schemas", func() bool {
		parsed = shows("source", src, 200, sourceKeys)
		return len(parsed["resource"].(map[string]any)["schemas"].([]any)) > 0
	})
	checkKeys(t, "parsed source", mustJSON(t, parsed), parsedSourceKeys)
	var sources []json.RawMessage
	c.call("GET", link(revLinks, "list_sources"), nil).json(t, &sources)
	if len(sources) != 1 {
		t.Fatalf("%d sources listed", len(sources))
	}
	checkKeys(t, "list sources", sources[0], append(append([]keyRead{}, sourceKeys...), parsedSourceKeys...))

	// socrata-py builds each input schema's links from the source's
	// input_schema_links, and each output schema's from those.
	isid := num(parsed["resource"].(map[string]any)["schemas"].([]any)[0].(map[string]any)["id"])
	in := expect("input schema", c.call("GET", link(srcLinks, "input_schema_links.show", "input_schema_id", isid), nil), 200, inputSchemaKeys)
	shows("input schema", in, 200, inputSchemaKeys)
	inLinks := in["links"].(map[string]any)
	latest := expect("latest output", c.call("GET", link(inLinks, "latest_output"), nil), 200, outputSchemaKeys)
	var out map[string]any
	waitFor(t, "the output schema", func() bool {
		out = shows("output schema", latest, 200, outputSchemaKeys)
		return out["resource"].(map[string]any)["completed_at"] != nil
	})
	if got := link(inLinks, "output_schema_links.show", "output_schema_id", num(out["resource"].(map[string]any)["id"])); got != link(out["links"].(map[string]any), "show") {
		t.Errorf("the output schema's show link %q is not its input schema's template filled in (%q)", link(out["links"].(map[string]any), "show"), got)
	}

	// A transform the way OutputSchema.run sends it: every column as read,
	// positions from 1, and sort_bys.
	cols := []any{}
	for i, m := range parkMapping("") {
		m["position"] = i + 1
		cols = append(cols, m)
	}
	made := expect("transform", c.call("POST", link(inLinks, "transform"), map[string]any{
		"output_columns": cols, "sort_bys": []any{map[string]any{"field_name": "month", "ascending": false}, map[string]any{"field_name": "park_id"}}}),
		201, outputSchemaKeys)
	var sorts []sortBy
	json.Unmarshal(mustJSON(t, made["resource"].(map[string]any)["sort_bys"]), &sorts)
	if fmt.Sprint(sorts) != "[{month false} {park_id true}]" {
		t.Errorf("sort_bys after a transform: %v", sorts)
	}
	waitFor(t, "the transformed schema", func() bool {
		out = shows("transformed output schema", made, 200, outputSchemaKeys)
		return out["resource"].(map[string]any)["completed_at"] != nil
	})
	if r := c.call("POST", link(inLinks, "transform"), map[string]any{"output_columns": cols, "sort_bys": []any{map[string]any{"field_name": "nope"}}}); r.status != 400 {
		t.Errorf("a sort on no column: %d %s", r.status, r.body)
	} else {
		checkKeys(t, "a sort on no column", r.body, dsmErrorKeys)
	}

	job := expect("apply", c.call("PUT", link(revLinks, "apply"), map[string]any{"output_schema_id": num(out["resource"].(map[string]any)["id"])}), 200, taskSetKeys)
	waitFor(t, "the job", func() bool {
		job = shows("job", job, 202, taskSetKeys)
		return job["resource"].(map[string]any)["finished_at"] != nil
	})
	if st := job["resource"].(map[string]any)["status"]; st != "successful" {
		t.Fatalf("job %v", job)
	}
	rev = shows("applied revision", rev, 200, revisionKeys)
	checkKeys(t, "applied revision", mustJSON(t, rev), []keyRead{{"resource.task_sets[].status", "string"}, {"resource.closed_at", "string"}})

	for _, tt := range []struct {
		what, method, path string
		status             int
	}{
		{"no such revision", "GET", dsmPrefix + "/revision/" + ParkVisitsID + "/99", 404},
		{"closed revision", "PUT", link(revLinks, "apply"), 400},
		{"no such source", "GET", dsmPrefix + "/source/99999", 404},
	} {
		expect(tt.what, c.call(tt.method, tt.path, map[string]any{}), tt.status, dsmErrorKeys)
	}
	other := expect("discard", dsmClient{t, s, demoKey(s.Portal)}.call("POST", dsmPrefix+"/revision/"+ParkVisitsID,
		map[string]any{"action": map[string]any{"type": "update"}}), 201, revisionKeys)
	expect("discard", c.call("DELETE", link(other["links"].(map[string]any), "discard"), nil), 201, revisionKeys)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCheckKeysFails makes sure the key checker above can fail: a
// missing key, a wrong type, and a bad element deep in an array.
func TestCheckKeysFails(t *testing.T) {
	body := []byte(`{"resource": {"id": "7", "cols": [{"n": 1}, {"n": "x"}]}}`)
	v := map[string]any{}
	json.Unmarshal(body, &v)
	for _, tt := range []struct {
		path, types string
		problems    int
	}{
		{"resource.id", "string", 0},
		{"resource.id", "number", 1},
		{"resource.gone", "number", 1},
		{"resource.cols[].n", "number", 1},
		{"resource.cols[].n", "number|string", 0},
		{"resource.id[].n", "number", 1},
	} {
		if got := problemsAt(v, strings.Split(tt.path, "."), "", tt.types); len(got) != tt.problems {
			t.Errorf("%s as %s: %v, want %d problems", tt.path, tt.types, got, tt.problems)
		}
	}
}

// TestWriteAnswersHaveWhatClientsRead checks each SODA write answer shape
// for the keys soda-java (and DataSync through it) reads, typed as it
// reads them, for an upsert with rejected rows and for a replace.
func TestWriteAnswersHaveWhatClientsRead(t *testing.T) {
	replaceBody := `[{"record_id": "P99-2024-01", "park_id": "P99", "visitors": "10"}, {"record_id": "P99-2024-02", "park_id": "P99", "visitors": "20"}]`
	for _, tt := range []struct {
		shape WriteShape
		keys  []keyRead
	}{
		{SnakeCaseShape, []keyRead{
			{"answer.rows_created", "number"}, {"answer.rows_updated", "number"}, {"answer.rows_deleted", "number"},
			{"answer.errors", "array"}, {"answer.errors[].error", "string"}, {"answer.errors[].input_index", "number"},
			{"answer.errors[].primary_key", "string|number|null"},
		}},
		{CoreShape, []keyRead{
			{"answer.Rows Created", "number"}, {"answer.Rows Updated", "number"}, {"answer.Rows Deleted", "number"},
			{"answer.Errors", "number"}, {"answer.By RowIdentifier", "number"}, {"answer.By SID", "number"},
		}},
		{RowArrayShape, []keyRead{
			{"answer", "array"}, {"answer[].typ", "string"}, {"answer[].id", "string|number|null"},
		}},
	} {
		t.Run(tt.shape.String(), func(t *testing.T) {
			s := newServer(t, WithSamples(), WithWriteShape(tt.shape))
			for _, w := range []struct{ method, body string }{{"POST", rejectedBody}, {"PUT", replaceBody}} {
				r := do(t, s, w.method, "/resource/"+ParkVisitsID+".json", demoKey(s.Portal), jsonType, w.body)
				if r.status != 200 {
					t.Fatalf("%s: %d %s", w.method, r.status, r.body)
				}
				checkKeys(t, w.method, []byte(`{"answer": `+string(r.body)+`}`), tt.keys)
				if tt.shape == RowArrayShape {
					var entries []map[string]any
					r.json(t, &entries)
					for i, e := range entries {
						switch {
						case e["typ"] == "error" && e["err"] == nil:
							t.Errorf("%s entry %d is an error without err: %v", w.method, i, e)
						case e["typ"] != "error" && e["typ"] != "delete" && e["ver"] == nil:
							t.Errorf("%s entry %d has no ver: %v", w.method, i, e)
						}
					}
				}
			}
		})
	}
}

func TestParseWriteShape(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want WriteShape
		ok   bool
	}{
		{"legacy", CoreShape, true},
		{"snake", SnakeCaseShape, true},
		{" Stream ", RowArrayShape, true},
		{"snake_case", 0, false},
		{"", 0, false},
	} {
		got, err := ParseWriteShape(tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("ParseWriteShape(%q) = %v, %v", tt.in, got, err)
		}
		if tt.ok && got.String() != strings.ToLower(strings.TrimSpace(tt.in)) {
			t.Errorf("%v.String() = %q, not the name it was parsed from", got, got.String())
		}
	}
}

// TestDSMAPITransformBodies: the transform refuses what it cannot make
// into an output schema, each with a DSMAPI error, and orders the
// columns by position whatever order they come in (socrata-py's
// OutputSchema.run numbers them from 1).
func TestDSMAPITransformBodies(t *testing.T) {
	s := newServer(t, WithSamples())
	c := dsmClient{t, s, demoKey(s.Portal)}
	f := sampleFile(t, "park_visits_2024_07.csv")
	u := c.upload(ParkVisitsID, "update", f.Name, f.Content, false)
	path := link(u.srcLinks, "input_schema_links.transform", "input_schema_id", u.inputID)
	col := func(field, expr string, pos int) map[string]any {
		return map[string]any{"field_name": field, "position": pos, "transform": map[string]any{"transform_expr": expr}}
	}
	for _, tt := range []struct {
		name string
		body any
		key  string
	}{
		{"not JSON", "record_id,x\n", "invalid_body"},
		{"no columns", map[string]any{"output_columns": []any{}}, "invalid_body"},
		{"no transform", map[string]any{"output_columns": []any{map[string]any{"field_name": "record_id"}}}, "invalid_body"},
		{"no field name", map[string]any{"output_columns": []any{col("", "`record_id`", 1)}}, "invalid_body"},
		{"a field twice", map[string]any{"output_columns": []any{col("record_id", "`record_id`", 1), col("record_id", "`park_id`", 2)}}, "duplicate_field_name"},
	} {
		r := c.call("POST", path, tt.body)
		checkKeys(t, tt.name, r.body, dsmErrorKeys)
		if e := r.object(t); r.status != 400 || e["key"] != tt.key {
			t.Errorf("%s: %d %s, want 400 %s", tt.name, r.status, r.body, tt.key)
		}
	}
	made, _ := c.wrapped(c.call("POST", path, map[string]any{"output_columns": []any{
		col("park_id", "`park_id`", 3), col("record_id", "`record_id`", 1), col("month", "`month`", 2)}}), 201)
	var order []string
	for _, oc := range made["output_columns"].([]any) {
		order = append(order, oc.(map[string]any)["field_name"].(string))
	}
	if strings.Join(order, ",") != "record_id,month,park_id" {
		t.Errorf("output columns in the order %v, not by position", order)
	}
}
