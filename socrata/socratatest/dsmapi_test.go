package socratatest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// dsmClient drives the Data Management API the way an uploader does,
// following the links the portal hands back.
type dsmClient struct {
	t   *testing.T
	s   *Server
	who *who
}

func (c dsmClient) call(method, path string, body any) reply {
	c.t.Helper()
	var b string
	ctype := ""
	switch v := body.(type) {
	case nil:
	case string:
		b, ctype = v, "text/csv"
	default:
		j, _ := json.Marshal(v)
		b, ctype = string(j), jsonType
	}
	return do(c.t, c.s, method, path, c.who, ctype, b)
}

// wrapped decodes a {"resource", "links"} answer.
func (c dsmClient) wrapped(r reply, status int) (map[string]any, map[string]any) {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var v struct {
		Resource map[string]any `json:"resource"`
		Links    map[string]any `json:"links"`
	}
	r.json(c.t, &v)
	if v.Resource == nil || v.Links == nil {
		c.t.Fatalf("answer is not {resource, links}: %s", r.body)
	}
	return v.Resource, v.Links
}

func link(links map[string]any, path string, vars ...any) string {
	var v any = links
	for _, k := range strings.Split(path, ".") {
		v = v.(map[string]any)[k]
	}
	s := v.(string)
	for i := 0; i+1 < len(vars); i += 2 {
		s = strings.ReplaceAll(s, "{"+vars[i].(string)+"}", fmt.Sprint(vars[i+1]))
	}
	return s
}

func num(v any) int { f, _ := v.(float64); return int(f) }

// waitFor polls until ok, failing the test if it never is. It waits for
// the portal's background work; it asserts nothing about time.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if ok() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// upload is one run of open revision, create source, send the file, and
// wait for the default output schema.
type upload struct {
	rev, revLinks     map[string]any
	src, srcLinks     map[string]any
	inputSchema       map[string]any
	outputSchema      map[string]any
	inputID, sourceID int
}

func (c dsmClient) open(id, action string) (map[string]any, map[string]any) {
	c.t.Helper()
	return c.wrapped(c.call("POST", dsmPrefix+"/revision/"+id, map[string]any{"action": map[string]any{"type": action}}), 201)
}

func (c dsmClient) upload(id, action, filename, content string, chunked bool) upload {
	c.t.Helper()
	var u upload
	u.rev, u.revLinks = c.open(id, action)
	u.src, u.srcLinks = c.wrapped(c.call("POST", link(u.revLinks, "create_source"), map[string]any{
		"source_type":   map[string]any{"type": "upload", "filename": filename},
		"parse_options": map[string]any{"header_count": 1, "column_header": 1, "parse_source": true},
	}), 201)
	u.sourceID = num(u.src["id"])
	if chunked {
		c.sendChunks(u.srcLinks, content)
	} else {
		c.wrapped(c.call("POST", link(u.srcLinks, "bytes"), content), 201)
	}
	waitFor(c.t, "the source to be parsed", func() bool {
		u.src, _ = c.wrapped(c.call("GET", link(u.srcLinks, "show"), nil), 200)
		return len(u.src["schemas"].([]any)) > 0 || u.src["failed_at"] != nil
	})
	if u.src["failed_at"] != nil {
		c.t.Fatalf("source failed: %v", u.src["failure_details"])
	}
	u.inputSchema = u.src["schemas"].([]any)[0].(map[string]any)
	u.inputID = num(u.inputSchema["id"])
	u.outputSchema = c.waitOutput(u, "latest")
	return u
}

// sendChunks uploads content in chunks of the preferred size, all at
// once and last chunk first, then commits.
func (c dsmClient) sendChunks(links map[string]any, content string) {
	c.t.Helper()
	r := c.call("POST", link(links, "initiate"), map[string]any{"content_type": "text/csv"})
	var plan struct {
		Size int `json:"preferred_chunk_size"`
		Par  int `json:"preferred_upload_parallelism"`
	}
	r.json(c.t, &plan)
	if plan.Size <= 0 || plan.Par <= 0 {
		c.t.Fatalf("initiate: %s", r.body)
	}
	var chunks []string
	for off := 0; off < len(content); off += plan.Size {
		chunks = append(chunks, content[off:min(off+plan.Size, len(content))])
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(chunks))
	for i := len(chunks) - 1; i >= 0; i-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := link(links, "chunk", "seq_num", i, "byte_offset", i*plan.Size)
			r, _ := send(c.s, "POST", path, c.who, "application/octet-stream", strings.NewReader(chunks[i]))
			statuses[i] = r.status
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			c.t.Fatalf("chunk %d: status %d", i, st)
		}
	}
	c.wrapped(c.call("POST", link(links, "commit", "seq_num", len(chunks)-1, "byte_offset", len(content)), nil), 200)
}

func (c dsmClient) waitOutput(u upload, which any) map[string]any {
	c.t.Helper()
	var out map[string]any
	waitFor(c.t, "the output schema", func() bool {
		path := link(u.srcLinks, "input_schema_links.output_schema_links.show", "input_schema_id", u.inputID, "output_schema_id", which)
		if which == "latest" {
			path = link(u.srcLinks, "input_schema_links.latest_output", "input_schema_id", u.inputID)
		}
		out, _ = c.wrapped(c.call("GET", path, nil), 200)
		return out["completed_at"] != nil
	})
	return out
}

func (c dsmClient) transform(u upload, cols []map[string]any) map[string]any {
	c.t.Helper()
	path := link(u.srcLinks, "input_schema_links.transform", "input_schema_id", u.inputID)
	created, _ := c.wrapped(c.call("POST", path, map[string]any{"output_columns": cols}), 201)
	return c.waitOutput(u, num(created["id"]))
}

// apply applies an output schema and polls the revision until its task
// set stops, returning the task set.
func (c dsmClient) apply(u upload, outputSchemaID int) map[string]any {
	c.t.Helper()
	body := map[string]any{}
	if outputSchemaID != 0 {
		body["output_schema_id"] = outputSchemaID
	}
	task, _ := c.wrapped(c.call("PUT", link(u.revLinks, "apply"), body), 200)
	if task["status"] != "initializing" {
		t := task["status"]
		c.t.Errorf("a new task set has status %v", t)
	}
	var ts map[string]any
	waitFor(c.t, "the apply", func() bool {
		rev, _ := c.wrapped(c.call("GET", link(u.revLinks, "show"), nil), 200)
		sets := rev["task_sets"].([]any)
		ts = sets[len(sets)-1].(map[string]any)
		return ts["status"] == "successful" || ts["status"] == "failure"
	})
	return ts
}

func lastDetails(task map[string]any) map[string]any {
	log := task["log"].([]any)
	return log[len(log)-1].(map[string]any)["details"].(map[string]any)
}

func sampleFile(t *testing.T, name string) SampleFile {
	for _, f := range SampleFiles() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no sample file %s", name)
	return SampleFile{}
}

// cleanSalt is the salt deliveries sample with its two planted values
// fixed as the wizard's check would fix them, for tests that need every
// row to load.
func cleanSalt(t *testing.T) SampleFile {
	f := sampleFile(t, "salt_deliveries_2024_03.csv")
	fixed := strings.NewReplacer(`"1,250.5"`, "1250.5", ",Y\r\n", ",true\r\n").Replace(f.Content)
	if strings.Count(fixed, "1250.5") != 1 || strings.Contains(fixed, ",Y\r\n") {
		t.Fatal("the salt sample's planted values have moved: update cleanSalt")
	}
	f.Content = fixed
	return f
}

// parkMapping maps park_visits_2024_07.csv onto the park visits dataset:
// "Visitor Count" to visitors, and report dates with dateExpr (M/d/yyyy
// alone when it is "").
func parkMapping(dateExpr string) []map[string]any {
	if dateExpr == "" {
		dateExpr = "to_floating_timestamp(`report_date`, '%m/%d/%Y')"
	}
	col := func(field, expr string, pk bool) map[string]any {
		return map[string]any{"field_name": field, "display_name": field, "is_primary_key": pk,
			"transform": map[string]any{"transform_expr": expr}}
	}
	return []map[string]any{
		col("record_id", "`record_id`", true),
		col("park_id", "`park_id`", false),
		col("park_name", "`park_name`", false),
		col("month", "`month`", false),
		col("visitors", "to_number(`visitor_count`)", false),
		col("open", "to_boolean(`open`)", false),
		col("report_date", dateExpr, false),
	}
}

func TestDSMAPIUpdateEndToEnd(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			s := newServer(t, WithSamples(), WithChunkSize(64, 3))
			c := dsmClient{t, s, demoKey(s.Portal)}
			f := sampleFile(t, "park_visits_2024_07.csv")
			u := c.upload(ParkVisitsID, "update", f.Name, f.Content, chunked)

			if u.src["filesize"] != float64(len(f.Content)) {
				t.Errorf("filesize %v, want %d", u.src["filesize"], len(f.Content))
			}
			var fields, guessed []string
			for _, ic := range u.inputSchema["input_columns"].([]any) {
				m := ic.(map[string]any)
				fields = append(fields, m["field_name"].(string))
				guessed = append(guessed, m["guessed_soql_type"].(string))
			}
			if strings.Join(fields, ",") != "record_id,park_id,park_name,month,visitor_count,open,report_date" {
				t.Errorf("input field names %v", fields)
			}
			if strings.Join(guessed, ",") != "text,text,text,text,number,checkbox,text" {
				t.Errorf("guessed types %v", guessed)
			}
			if num(u.inputSchema["total_rows"]) != 7 || num(u.inputSchema["num_row_errors"]) != 0 {
				t.Errorf("input schema counts %v %v", u.inputSchema["total_rows"], u.inputSchema["num_row_errors"])
			}
			// The default output schema keeps visitor_count (no such field)
			// and reads dates as ISO: every row but the one ISO-dated
			// correction has an error.
			if num(u.outputSchema["error_count"]) != 6 {
				t.Errorf("default output schema error_count %v, want 6", u.outputSchema["error_count"])
			}
			bad := c.apply(u, num(u.outputSchema["id"]))
			if bad["status"] != "failure" || !strings.Contains(fmt.Sprint(lastDetails(bad)["message"]), "visitor_count") {
				t.Errorf("applying the unmapped schema: %v", bad)
			}
			if r := rowByKey(s.Portal.Rows(ParkVisitsID), "record_id", "P01-2024-07"); r != nil {
				t.Fatal("a failed apply changed the dataset")
			}

			mapped := c.transform(u, parkMapping(""))
			if num(mapped["error_count"]) != 1 || num(mapped["total_rows"]) != 7 {
				t.Errorf("mapped output schema: errors %v rows %v", mapped["error_count"], mapped["total_rows"])
			}
			for _, oc := range mapped["output_columns"].([]any) {
				m := oc.(map[string]any)
				tr := m["transform"].(map[string]any)
				want := 0
				if m["field_name"] == "report_date" {
					want = 1
					if tr["output_soql_type"] != "floating_timestamp" {
						t.Errorf("report_date output type %v", tr["output_soql_type"])
					}
				}
				if num(tr["error_count"]) != want || num(m["initial_output_column_id"]) == 0 {
					t.Errorf("output column %v: error_count %v, initial id %v", m["field_name"], tr["error_count"], m["initial_output_column_id"])
				}
			}
			errs := c.call("GET", link(u.srcLinks, "input_schema_links.output_schema_links.schema_errors",
				"input_schema_id", u.inputID, "output_schema_id", num(mapped["id"])), nil)
			recs, err := csv.NewReader(strings.NewReader(string(errs.body))).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][6] != "2024-08-07" || !strings.Contains(recs[1][7], "report_date") {
				t.Errorf("error rows CSV: %v %v", recs, err)
			}

			task := c.apply(u, num(mapped["id"]))
			if task["status"] != "successful" {
				t.Fatalf("apply: %v", task)
			}
			var stages []string
			for _, e := range task["log"].([]any) {
				stages = append(stages, e.(map[string]any)["stage"].(string))
			}
			if strings.Join(stages, ",") != "initializing,creating_columns,upserting,finishing,successful" {
				t.Errorf("stages %v", stages)
			}
			d := lastDetails(task)
			if num(d["created"]) != 5 || num(d["updated"]) != 1 || num(d["error_rows"]) != 1 {
				t.Errorf("apply counts %v", d)
			}
			rows := s.Portal.Rows(ParkVisitsID)
			if r := rowByKey(rows, "record_id", "P01-2024-07"); r["visitors"] != "16430" || r["report_date"] != "2024-08-05T00:00:00.000" {
				t.Errorf("new row %v", r)
			}
			if r := rowByKey(rows, "record_id", "P05-2024-06"); r["visitors"] != "29012" {
				t.Errorf("updated row %v", r)
			}
			if r := rowByKey(rows, "record_id", "P02-2024-02"); r["report_date"] != "2024-03-05T00:00:00.000" {
				t.Errorf("the error row was applied: %v", r)
			}
			rev, _ := c.wrapped(c.call("GET", link(u.revLinks, "show"), nil), 200)
			if rev["closed_at"] == nil || num(rev["output_schema_id"]) != num(mapped["id"]) {
				t.Errorf("revision after apply: %v", rev)
			}
			if r := c.call("PUT", link(u.revLinks, "apply"), map[string]any{}); r.status != 400 {
				t.Errorf("applying a closed revision: %d", r.status)
			}
			tid := num(task["id"])
			if ts, _ := c.wrapped(c.call("GET", fmt.Sprintf("%s/%d", link(u.revLinks, "apply"), tid), nil), 202); ts["status"] != "successful" {
				t.Errorf("task set by id: %v", ts)
			}
		})
	}
}

// TestDSMAPITwoDateFormats is the fix of issue 5's walk-through done
// through DSMAPI: the park visits sample's one ISO-dated row is an error
// under M/d/yyyy alone and passes once the column also accepts
// yyyy-MM-dd.
func TestDSMAPITwoDateFormats(t *testing.T) {
	const (
		us  = "to_floating_timestamp(`report_date`, '%m/%d/%Y')"
		iso = "to_floating_timestamp(`report_date`, '%Y-%m-%d')"
	)
	s := newServer(t, WithSamples())
	c := dsmClient{t, s, demoKey(s.Portal)}
	f := sampleFile(t, "park_visits_2024_07.csv")
	u := c.upload(ParkVisitsID, "update", f.Name, f.Content, false)
	errorRows := func(sch map[string]any) [][]string {
		r := c.call("GET", link(u.srcLinks, "input_schema_links.output_schema_links.schema_errors",
			"input_schema_id", u.inputID, "output_schema_id", num(sch["id"])), nil)
		recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("error rows CSV: %v %s", err, r.body)
		}
		return recs[1:]
	}
	for _, tt := range []struct {
		name, expr string
		errors     int
		message    string // in the one error row's message
	}{
		{"M/d/yyyy alone", us, 1, `"2024-08-07" does not match the date format "%m/%d/%Y"`},
		{"coalesce without forgive stops at the error", "coalesce(" + us + ", " + iso + ")", 1, "forgive"},
		{"two formats", "coalesce(forgive(" + us + "), " + iso + ")", 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sch := c.transform(u, parkMapping(tt.expr))
			if num(sch["error_count"]) != tt.errors {
				t.Fatalf("error_count %v, want %d", sch["error_count"], tt.errors)
			}
			rows := errorRows(sch)
			if len(rows) != tt.errors || (tt.errors == 1 && (rows[0][0] != "P02-2024-02" || !strings.Contains(rows[0][7], tt.message))) {
				t.Errorf("error rows %q", rows)
			}
			for _, oc := range sch["output_columns"].([]any) {
				m := oc.(map[string]any)
				if tr := m["transform"].(map[string]any); m["field_name"] == "report_date" && tr["output_soql_type"] != "floating_timestamp" {
					t.Errorf("report_date output type %v", tr["output_soql_type"])
				}
			}
			if tt.errors > 0 {
				return
			}
			task := c.apply(u, num(sch["id"]))
			if d := lastDetails(task); task["status"] != "successful" || num(d["created"]) != 5 || num(d["updated"]) != 2 || num(d["error_rows"]) != 0 {
				t.Fatalf("apply: %v", task)
			}
			rows2 := s.Portal.Rows(ParkVisitsID)
			if r := rowByKey(rows2, "record_id", "P02-2024-02"); r["report_date"] != "2024-08-07T00:00:00.000" || r["visitors"] != "3010" {
				t.Errorf("the ISO-dated correction: %v", r)
			}
			if r := rowByKey(rows2, "record_id", "P04-2024-07"); r["report_date"] != "2024-08-06T00:00:00.000" {
				t.Errorf("a US-dated row: %v", r)
			}
		})
	}
}

func TestDSMAPIReplace(t *testing.T) {
	s := newServer(t, WithSamples())
	c := dsmClient{t, s, demoKey(s.Portal)}
	before := s.Portal.Rows(SaltDeliveriesID)

	bad := "delivery_date,garage,district,tons,vendor,emergency_order\n" +
		"2024-04-01,Milford Garage,3,10,Sample Salt Co.,false\n" +
		"2024-04-02,Milford Garage,3,ten,Sample Salt Co.,false\n"
	u := c.upload(SaltDeliveriesID, "replace", "bad.csv", bad, false)
	if num(u.outputSchema["error_count"]) != 1 {
		t.Errorf("error_count %v", u.outputSchema["error_count"])
	}
	task := c.apply(u, num(u.outputSchema["id"]))
	if task["status"] != "failure" || !strings.Contains(fmt.Sprint(lastDetails(task)["message"]), "nothing was changed") {
		t.Errorf("replace with an error row: %v", task)
	}
	if !reflect.DeepEqual(s.Portal.Rows(SaltDeliveriesID), before) {
		t.Fatal("a failed replace changed the dataset")
	}
	rev, _ := c.wrapped(c.call("GET", link(u.revLinks, "show"), nil), 200)
	if rev["closed_at"] != nil {
		t.Error("a failed apply closed the revision")
	}

	good := strings.Replace(bad, ",ten,", ",12.5,", 1)
	u = c.upload(SaltDeliveriesID, "replace", "good.csv", good, true)
	task = c.apply(u, num(u.outputSchema["id"]))
	if task["status"] != "successful" {
		t.Fatalf("replace: %v", task)
	}
	rows := s.Portal.Rows(SaltDeliveriesID)
	if len(rows) != 2 || rows[1]["tons"] != "12.5" || rows[0]["emergency_order"] != "false" {
		t.Errorf("rows after replace %v", rows)
	}
}

func TestDSMAPIDelete(t *testing.T) {
	s := newServer(t, WithSamples())
	c := dsmClient{t, s, demoKey(s.Portal)}
	if r := c.call("POST", dsmPrefix+"/revision/"+SaltDeliveriesID, map[string]any{"action": map[string]any{"type": "delete"}}); r.status != 400 ||
		!strings.Contains(string(r.body), "row identifier") {
		t.Errorf("delete revision without a row identifier: %d %s", r.status, r.body)
	}
	f := sampleFile(t, "park_visits_withdrawn.csv")
	u := c.upload(ParkVisitsID, "delete", f.Name, f.Content+"P00-0000-00\r\n", false)
	task := c.apply(u, num(u.outputSchema["id"]))
	d := lastDetails(task)
	if task["status"] != "successful" || num(d["deleted"]) != 2 || num(d["not_found"]) != 1 {
		t.Errorf("delete: %v", task)
	}
	rows := s.Portal.Rows(ParkVisitsID)
	if len(rows) != 28 || rowByKey(rows, "record_id", "P03-2024-01") != nil {
		t.Errorf("%d rows after deleting two", len(rows))
	}
}

func TestDSMAPIDiscardRowsDataset(t *testing.T) {
	s := newServer(t, WithSamples(), WithChunkSize(100, 4))
	if err := s.Portal.AddDataset(DatasetSpec{
		ID: "bulk-0002", Name: "Bulk", Owner: DemoPublisherID, DiscardRows: true,
		Columns: []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "n", Type: "number"}},
	}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,n\n")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "r%d,%d\n", i, i)
	}
	c := dsmClient{t, s, demoKey(s.Portal)}
	u := c.upload("bulk-0002", "update", "bulk.csv", b.String(), true)
	task := c.apply(u, num(u.outputSchema["id"]))
	if task["status"] != "successful" || num(lastDetails(task)["created"]) != 500 {
		t.Errorf("discarding apply: %v", task)
	}
	if rows := s.Portal.Rows("bulk-0002"); len(rows) != 0 {
		t.Errorf("stored %d rows", len(rows))
	}
}

func TestDSMAPIChunkChecks(t *testing.T) {
	s := newServer(t, WithSamples(), WithChunkSize(10, 2))
	c := dsmClient{t, s, demoKey(s.Portal)}
	newSource := func() map[string]any {
		_, rl := c.open(ParkVisitsID, "update")
		_, sl := c.wrapped(c.call("POST", link(rl, "create_source"), map[string]any{
			"source_type": map[string]any{"type": "upload", "filename": "x.csv"}}), 201)
		return sl
	}
	chunk := func(sl map[string]any, seq, off int, body string) int {
		r := do(t, s, "POST", link(sl, "chunk", "seq_num", seq, "byte_offset", off), c.who, "application/octet-stream", body)
		return r.status
	}
	commit := func(sl map[string]any, last, total int) reply {
		return c.call("POST", link(sl, "commit", "seq_num", last, "byte_offset", total), nil)
	}

	sl := newSource()
	if st := chunk(sl, 0, 0, "0123456789"); st != 400 {
		t.Errorf("chunk before initiate: %d", st)
	}
	c.call("POST", link(sl, "initiate"), map[string]any{"content_type": "text/csv"})
	if st := chunk(sl, 0, 0, "0123456789X"); st != 400 {
		t.Errorf("chunk over the preferred size: %d", st)
	}
	chunk(sl, 0, 0, "0123456789")
	chunk(sl, 2, 20, "abc")
	if r := commit(sl, 2, 23); r.status != 400 || !strings.Contains(string(r.body), "Chunk 1 never arrived") {
		t.Errorf("commit with a missing chunk: %d %s", r.status, r.body)
	}
	chunk(sl, 1, 10, "01234")
	if r := commit(sl, 2, 23); r.status != 400 || !strings.Contains(string(r.body), "same size") {
		t.Errorf("commit with a short middle chunk: %d %s", r.status, r.body)
	}
	chunk(sl, 1, 10, "0123456789") // a resend fixes it
	if r := commit(sl, 2, 24); r.status != 400 || !strings.Contains(string(r.body), "23") {
		t.Errorf("commit with the wrong total: %d %s", r.status, r.body)
	}
	if r := commit(sl, 1, 20); r.status != 400 {
		t.Errorf("commit that leaves out a chunk: %d %s", r.status, r.body)
	}
	if r := commit(sl, 2, 23); r.status != 200 {
		t.Errorf("good commit: %d %s", r.status, r.body)
	}
	if st := chunk(sl, 3, 30, "x"); st != 400 {
		t.Errorf("chunk after commit: %d", st)
	}
}

func TestDSMAPIRefusals(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	open := func(c *who, id string) reply {
		return do(t, s, "POST", dsmPrefix+"/revision/"+id, c, jsonType, `{"action": {"type": "update"}}`)
	}
	for _, tt := range []struct {
		name   string
		who    *who
		id     string
		status int
		has    string
	}{
		{"anonymous", nil, ParkVisitsID, 403, "signed-in"},
		{"viewer", userKey(t, p, ViewerID), ParkVisitsID, 403, "permission"},
		{"synced copy", demoKey(p), SyncedCopyID, 403, "Cannot update a synced dataset manually"},
		{"story", demoKey(p), StoryID, 400, "story"},
		{"unknown", demoKey(p), "abcd-0000", 404, "abcd-0000"},
		{"shared editor", demoKey(p), SharedDatasetID, 201, "revision_seq"},
	} {
		if r := open(tt.who, tt.id); r.status != tt.status || !strings.Contains(string(r.body), tt.has) {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	if r := do(t, s, "POST", dsmPrefix+"/revision/"+ParkVisitsID, demoKey(p), jsonType, `{"action": {"type": "merge"}}`); r.status != 400 {
		t.Errorf("unknown action: %d", r.status)
	}

	c := dsmClient{t, s, demoKey(p)}
	rev, rl := c.open(ParkVisitsID, "update")
	other := dsmClient{t, s, userKey(t, p, OtherPublisherID)}
	if r := other.call("GET", link(rl, "show"), nil); r.status != 403 {
		t.Errorf("another publisher reading the revision: %d", r.status)
	}
	if r := c.call("PUT", link(rl, "apply"), map[string]any{"output_schema_id": 99999}); r.status != 400 {
		t.Errorf("apply with a foreign output schema: %d", r.status)
	}
	if num(rev["revision_seq"]) != 1 {
		t.Errorf("first revision seq %v", rev["revision_seq"])
	}
	if r := c.call("DELETE", link(rl, "discard"), nil); r.status != 201 {
		t.Fatalf("discard: %d %s", r.status, r.body)
	}
	discarded, _ := c.wrapped(c.call("GET", link(rl, "show"), nil), 200)
	if discarded["closed_at"] == nil || discarded["discarded_at"] == nil {
		t.Errorf("discarded revision %v", discarded)
	}
	if r := c.call("POST", link(rl, "create_source"), map[string]any{"source_type": map[string]any{"type": "upload", "filename": "x.csv"}}); r.status != 400 {
		t.Errorf("source on a discarded revision: %d", r.status)
	}
	var list []map[string]any
	c.call("GET", dsmPrefix+"/revision/"+ParkVisitsID+"?open=false", nil).json(t, &list)
	if len(list) != 1 {
		t.Errorf("%d closed revisions listed", len(list))
	}

	// Metadata-only revision: apply with no source.
	_, ml := c.wrapped(c.call("POST", dsmPrefix+"/revision/"+ParkVisitsID, map[string]any{
		"action": map[string]any{"type": "update"}, "metadata": map[string]any{"description": "Updated by a revision."}}), 201)
	task, _ := c.wrapped(c.call("PUT", link(ml, "apply"), map[string]any{}), 200)
	waitFor(t, "the metadata apply", func() bool {
		ts, _ := c.wrapped(c.call("GET", fmt.Sprintf("%s/%d", link(ml, "apply"), num(task["id"])), nil), 202)
		return ts["status"] == "successful"
	})
	var v map[string]any
	get(t, s, "/api/views/"+ParkVisitsID+".json", nil).json(t, &v)
	if v["description"] != "Updated by a revision." {
		t.Errorf("description after a metadata revision: %v", v["description"])
	}
}

func TestDSMAPITransforms(t *testing.T) {
	s := newServer(t, WithSamples())
	c := dsmClient{t, s, demoKey(s.Portal)}
	content := "id,when,where,ok,note\n" +
		"INS-2024-001,07/15/2024 10:30 AM -0400,POINT (-72.5 41.5),yes,a\n" +
		"INS-2024-002,7/16/2024 1:05 PM -0400,POINT (-72.6 41.6),no,b\n" +
		"INS-2024-003,7/16/2024 13:05 PM -0400,POINT (-72.7 41.7),maybe,c\n" +
		"ragged,row\n"
	u := c.upload(BridgeInspectionsID, "update", "t.csv", content, false)
	if num(u.inputSchema["num_row_errors"]) != 1 || num(u.inputSchema["total_rows"]) != 4 {
		t.Errorf("input schema %v", u.inputSchema)
	}
	col := func(field, expr string) map[string]any {
		return map[string]any{"field_name": field, "transform": map[string]any{"transform_expr": expr}}
	}
	out := c.transform(u, []map[string]any{
		col("inspection_id", "`id`"),
		col("inspected_at", "to_fixed_timestamp(`when`, '%m/%d/%Y %I:%M %p %z')"),
		col("location", "to_point(where)"),
		col("town", "to_text(forgive(to_boolean(`ok`)))"),
	})
	if num(out["error_count"]) != 1 || num(out["total_rows"]) != 3 {
		t.Errorf("transformed schema: errors %v rows %v", out["error_count"], out["total_rows"])
	}
	task := c.apply(u, num(out["id"]))
	if task["status"] != "successful" || num(lastDetails(task)["updated"]) != 2 {
		t.Fatalf("apply %v", task)
	}
	rows := s.Portal.Rows(BridgeInspectionsID)
	r1, r2 := rowByKey(rows, "inspection_id", "INS-2024-001"), rowByKey(rows, "inspection_id", "INS-2024-002")
	if r1["inspected_at"] != "2024-07-15T14:30:00.000Z" || r2["inspected_at"] != "2024-07-16T17:05:00.000Z" ||
		r1["location"] != "POINT (-72.5 41.5)" || r1["town"] != "true" || r2["town"] != "false" {
		t.Errorf("transformed rows %v %v", r1, r2)
	}
	// A transform that does not compile fails its column, and the apply.
	u = c.upload(BridgeInspectionsID, "update", "t.csv", content, false)
	bad := c.transform(u, []map[string]any{col("inspection_id", "`id`"), col("town", "upper(`note`)")})
	for _, oc := range bad["output_columns"].([]any) {
		m := oc.(map[string]any)
		tr := m["transform"].(map[string]any)
		if (m["field_name"] == "town") != (tr["failed_at"] != nil) {
			t.Errorf("column %v failed_at %v", m["field_name"], tr["failed_at"])
		}
	}
	if task := c.apply(u, num(bad["id"])); task["status"] != "failure" || !strings.Contains(fmt.Sprint(lastDetails(task)["message"]), "upper") {
		t.Errorf("apply with a failed transform: %v", task)
	}
	for _, tt := range []struct {
		expr string
		ok   bool
	}{
		{"`id`", true}, {"id", true}, {"to_number(`n`)", false}, {"to_number(`id`", false},
		{"to_floating_timestamp(`when`, when)", false}, {"to_text()", false}, {"'lit'", true},
		{"to_text(`id`) extra", false},
	} {
		_, err := compileTransform(tt.expr, map[string]int{"id": 0, "when": 1})
		if (err == nil) != tt.ok {
			t.Errorf("compile %q: %v", tt.expr, err)
		}
	}
}

func TestStrftime(t *testing.T) {
	for _, tt := range []struct{ in, format, want string }{
		{"8/5/2024", "%m/%d/%Y", "2024-08-05T00:00:00"},
		{"08/05/24", "%m/%d/%y", "2024-08-05T00:00:00"},
		{"5-Aug-2024", "%d-%b-%Y", "2024-08-05T00:00:00"},
		{"2024-08-05 12:15:09", "%Y-%m-%d %H:%M:%S", "2024-08-05T12:15:09"},
		{"12:30 AM 8/5/2024", "%I:%M %p %m/%d/%Y", "2024-08-05T00:30:00"},
		{"8/5/2024 3:00 PM Z", "%m/%d/%Y %I:%M %p %z", "2024-08-05T15:00:00Z"},
		{"2024/8/5", "%m/%d/%Y", ""},
		{"8/5/2024 extra", "%m/%d/%Y", ""},
		{"13:00 PM 8/5/2024", "%I:%M %p %m/%d/%Y", ""},
	} {
		got, err := strftimeToISO(tt.in, tt.format)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("%q with %q: %q %v, want %q", tt.in, tt.format, got, err, tt.want)
		}
	}
}

func TestDSMAPIRequestLogHasNoSecrets(t *testing.T) {
	s := newServer(t, WithSamples())
	c := dsmClient{t, s, demoKey(s.Portal)}
	f := cleanSalt(t)
	u := c.upload(SaltDeliveriesID, "update", f.Name, f.Content, false)
	c.apply(u, num(u.outputSchema["id"]))
	d := s.Portal.Demo()
	for _, e := range s.Portal.Requests() {
		line := fmt.Sprintf("%+v", e)
		if strings.Contains(line, d.KeySecret) || strings.Contains(line, d.KeyID) {
			t.Fatalf("secret in the request log: %s", line)
		}
	}
	if n := len(s.Portal.Rows(SaltDeliveriesID)); n != 26 {
		t.Errorf("%d salt rows after appending 6 by DSMAPI", n)
	}
}

func TestDSMAPIChunkRetryAfterLostReply(t *testing.T) {
	s := newServer(t, WithSamples(), WithChunkSize(32, 2))
	p := s.Portal
	c := dsmClient{t, s, demoKey(p)}
	f := cleanSalt(t)
	_, rl := c.open(SaltDeliveriesID, "update")
	src, sl := c.wrapped(c.call("POST", link(rl, "create_source"), map[string]any{
		"source_type": map[string]any{"type": "upload", "filename": f.Name}}), 201)
	c.call("POST", link(sl, "initiate"), map[string]any{"content_type": "text/csv"})
	p.FailNext(1, Matching("POST", fmt.Sprintf("%s/source/%d/chunk/1/", dsmPrefix, num(src["id"]))), LoseReply())
	last := (len(f.Content) - 1) / 32
	for seq := 0; seq <= last; seq++ {
		body := f.Content[seq*32 : min(seq*32+32, len(f.Content))]
		path := link(sl, "chunk", "seq_num", seq, "byte_offset", seq*32)
		r, err := send(s, "POST", path, c.who, "application/octet-stream", strings.NewReader(body))
		if seq == 1 {
			if err == nil {
				t.Fatalf("chunk 1 got a reply (%d) despite the lost-reply fault", r.status)
			}
			r, err = send(s, "POST", path, c.who, "application/octet-stream", strings.NewReader(body)) // resend, as a client should
		}
		if r.status != 200 {
			t.Fatalf("chunk %d: %d %v", seq, r.status, err)
		}
	}
	c.wrapped(c.call("POST", link(sl, "commit", "seq_num", last, "byte_offset", len(f.Content)), nil), 200)
	u := upload{revLinks: rl, srcLinks: sl, sourceID: num(src["id"])}
	waitFor(t, "parsing", func() bool {
		u.src, _ = c.wrapped(c.call("GET", link(sl, "show"), nil), 200)
		return len(u.src["schemas"].([]any)) > 0
	})
	u.inputSchema = u.src["schemas"].([]any)[0].(map[string]any)
	u.inputID = num(u.inputSchema["id"])
	out := c.waitOutput(u, "latest")
	if num(out["total_rows"]) != 6 || num(out["error_count"]) != 0 {
		t.Errorf("after a resent chunk: rows %v errors %v", out["total_rows"], out["error_count"])
	}
}

// TestDSMAPIRowErrorsAndFailedSources covers files the portal cannot use
// whole, on a dataset that spools uploads and on a sink: a row with the
// wrong number of cells is a row error that the input schema's
// row_errors CSV lists with its line, and a file without the header its
// parse options name fails the source with a sentence saying why.
func TestDSMAPIRowErrorsAndFailedSources(t *testing.T) {
	s := newServer(t, WithSamples())
	addSink(t, s, "sink-0005")
	c := dsmClient{t, s, demoKey(s.Portal)}
	const ragged = "record_id,visitors\r\nP01-2024-01,5\r\nP01-2024-02\r\nP01-2024-03,7,extra\r\n"
	for _, tt := range []struct {
		name, dataset, content string
		options                map[string]any
		failure                string // "" when the source parses
		rows, rowErrors        int
		errorsCSV              string // the input schema's row_errors
	}{
		{"ragged rows", ParkVisitsID, ragged, nil, "", 3, 2,
			"record_id,visitors,error\n" +
				"P01-2024-02,line 3 has 1 cells but the header has 2\n" +
				"P01-2024-03,7,extra,line 4 has 3 cells but the header has 2\n"},
		{"empty file", ParkVisitsID, "", nil, "The file is empty: it has no header row and no data.", 0, 0, ""},
		{"header row past the header rows", ParkVisitsID, "a,b\r\n1,2\r\n", map[string]any{"header_count": 1, "column_header": 2},
			"column_header is 2, but the file has only 1 header rows.", 0, 0, ""},
		{"sink: ragged rows are not looked at", "sink-0005", ragged, nil, "", 3, 0, "record_id,visitors,error\n"},
		{"sink: empty file", "sink-0005", "", nil, "The file is empty: it has no header row and no data.", 0, 0, ""},
		{"sink: header row past the header rows", "sink-0005", "a,b\r\n1,2\r\n", map[string]any{"header_count": 1, "column_header": 2},
			"column_header is 2, but the file has only 1 header rows.", 0, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, revLinks := c.open(tt.dataset, "update")
			body := map[string]any{"source_type": map[string]any{"type": "upload", "filename": "bad.csv"}}
			if tt.options != nil {
				body["parse_options"] = tt.options
			}
			_, srcLinks := c.wrapped(c.call("POST", link(revLinks, "create_source"), body), 201)
			c.wrapped(c.call("POST", link(srcLinks, "bytes"), tt.content), 201)
			var src map[string]any
			waitFor(t, "the source to be parsed", func() bool {
				src, _ = c.wrapped(c.call("GET", link(srcLinks, "show"), nil), 200)
				return len(src["schemas"].([]any)) > 0 || src["failed_at"] != nil
			})
			if tt.failure != "" {
				details, _ := src["failure_details"].(map[string]any)
				if src["failed_at"] == nil || details["message"] != tt.failure {
					t.Fatalf("source %v, want the failure %q", src, tt.failure)
				}
				return
			}
			in := src["schemas"].([]any)[0].(map[string]any)
			path := link(srcLinks, "input_schema_links.show", "input_schema_id", num(in["id"]))
			shown, _ := c.wrapped(c.call("GET", path, nil), 200)
			if num(shown["total_rows"]) != tt.rows || num(shown["num_row_errors"]) != tt.rowErrors {
				t.Errorf("input schema %v, want %d rows and %d row errors", shown, tt.rows, tt.rowErrors)
			}
			errs := get(t, s, link(srcLinks, "input_schema_links.row_errors", "input_schema_id", num(in["id"])), c.who)
			if errs.status != 200 || string(errs.body) != tt.errorsCSV {
				t.Errorf("row errors %d %q, want %q", errs.status, errs.body, tt.errorsCSV)
			}
		})
	}
}
