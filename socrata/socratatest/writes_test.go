package socratatest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const jsonType = "application/json"

func TestUpsert(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		ctype   string
		body    string
		created int
		updated int
		deleted int
		check   func(t *testing.T, rows []map[string]string)
	}{
		{
			name: "update by row identifier keeps fields left out", id: ParkVisitsID, ctype: jsonType,
			body:    `[{"record_id": "P01-2024-01", "visitors": "1950"}]`,
			updated: 1,
			check: func(t *testing.T, rows []map[string]string) {
				r := rowByKey(rows, "record_id", "P01-2024-01")
				if r["visitors"] != "1950" || r["park_name"] != "Hollow Pine State Park" || r["open"] != "true" {
					t.Errorf("row after partial update: %v", r)
				}
			},
		},
		{
			name: "insert by row identifier", id: ParkVisitsID, ctype: jsonType,
			body: `[{"record_id": "P01-2024-07", "park_id": "P01", "visitors": 16430, "open": true,
			         "report_date": "2024-08-05"}]`,
			created: 1,
			check: func(t *testing.T, rows []map[string]string) {
				if len(rows) != 31 {
					t.Errorf("%d rows, want 31", len(rows))
				}
				r := rowByKey(rows, "record_id", "P01-2024-07")
				if r["visitors"] != "16430" || r["open"] != "true" || r["report_date"] != "2024-08-05T00:00:00.000" {
					t.Errorf("inserted row %v", r)
				}
				if rows[len(rows)-1]["record_id"] != "P01-2024-07" {
					t.Error("a new row is not appended at the end")
				}
			},
		},
		{
			name: "csv upsert with empty cell setting null", id: ParkVisitsID, ctype: "text/csv; charset=utf-8",
			body:    "\ufeffrecord_id,visitors,open\r\nP02-2024-03,5000,\r\nP09-2024-01,12,false\r\n",
			created: 1, updated: 1,
			check: func(t *testing.T, rows []map[string]string) {
				r := rowByKey(rows, "record_id", "P02-2024-03")
				if _, set := r["open"]; set || r["visitors"] != "5000" {
					t.Errorf("empty CSV cell did not null the value: %v", r)
				}
			},
		},
		{
			name: "delete by row identifier", id: ParkVisitsID, ctype: jsonType,
			body:    `[{"record_id": "P03-2024-01", ":deleted": true}, {"record_id": "P03-2024-02", ":deleted": "true"}]`,
			deleted: 2,
			check: func(t *testing.T, rows []map[string]string) {
				if len(rows) != 28 || rowByKey(rows, "record_id", "P03-2024-01") != nil {
					t.Errorf("%d rows after deleting two", len(rows))
				}
			},
		},
		{
			name: "csv delete column", id: ParkVisitsID, ctype: "text/csv",
			body:    "record_id,:deleted\nP04-2024-01,true\nP04-2024-02,false\n",
			deleted: 1, updated: 1,
		},
		{
			name: "append without a row identifier", id: SaltDeliveriesID, ctype: jsonType,
			body: `[{"delivery_date": "2024-03-04", "garage": "Wethersfield Garage", "tons": "96.5"},
			        {"delivery_date": "2024-03-04", "garage": "Wethersfield Garage", "tons": "96.5"}]`,
			created: 2,
			check: func(t *testing.T, rows []map[string]string) {
				if len(rows) != 22 {
					t.Errorf("%d rows, want 22: identical rows append twice", len(rows))
				}
			},
		},
		{
			name: "points and fixed timestamps", id: BridgeInspectionsID, ctype: jsonType,
			body: `[{"inspection_id": "INS-2024-001", "location": {"type": "Point", "coordinates": [-72.0759, 41.5243]},
			         "inspected_at": "2024-07-15T10:30:00-04:00", "report_url": {"url": "https://example.gov/r", "description": "Report"}},
			        {"inspection_id": "INS-2024-900", "location": "POINT (-73.5 41.1)", "inspected_at": "2024-07-16T09:00:00Z"}]`,
			updated: 1, created: 1,
			check: func(t *testing.T, rows []map[string]string) {
				r := rowByKey(rows, "inspection_id", "INS-2024-001")
				if r["location"] != "POINT (-72.0759 41.5243)" || r["inspected_at"] != "2024-07-15T14:30:00.000Z" ||
					r["report_url"] != "Report (https://example.gov/r)" {
					t.Errorf("row %v", r)
				}
				if r[":@computed_region_smpl_twns"] != "7" {
					t.Errorf("computed region %q was not recomputed from the new point", r[":@computed_region_smpl_twns"])
				}
			},
		},
		{
			name: "shared editor writes", id: SharedDatasetID, ctype: jsonType,
			body:    `[{"record_id": "B1-2024-01", "checkouts": "2300"}]`,
			updated: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, WithSamples())
			r := do(t, s, "POST", "/resource/"+tt.id+".json", demoKey(s.Portal), tt.ctype, tt.body)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var res snakeResult
			r.json(t, &res)
			if res.Created != tt.created || res.Updated != tt.updated || res.Deleted != tt.deleted || len(res.Errors) != 0 {
				t.Errorf("result %s, want created %d updated %d deleted %d", r.body, tt.created, tt.updated, tt.deleted)
			}
			if tt.check != nil {
				tt.check(t, s.Portal.Rows(tt.id))
			}
		})
	}
}

// rejectedBody has four rows: one good, three whose values do not fit.
const rejectedBody = `[
 {"record_id": "P01-2024-01", "visitors": "2000"},
 {"record_id": "P01-2024-02", "visitors": "1,234"},
 {"record_id": "P01-2024-03", "open": "yes"},
 {"record_id": "P01-2024-04", "report_date": "2024-05-05T00:00:00Z"}
]`

func TestRejectedRowsInEachShape(t *testing.T) {
	tests := []struct {
		shape WriteShape
		check func(t *testing.T, r reply)
	}{
		{SnakeCaseShape, func(t *testing.T, r reply) {
			var res struct {
				Updated int `json:"rows_updated"`
				Errors  []struct {
					Error      string `json:"error"`
					InputIndex int    `json:"input_index"`
					PrimaryKey string `json:"primary_key"`
				} `json:"errors"`
			}
			r.json(t, &res)
			if res.Updated != 1 || len(res.Errors) != 3 {
				t.Fatalf("result %s", r.body)
			}
			for i, e := range res.Errors {
				if e.InputIndex != i+1 || e.PrimaryKey != fmt.Sprintf("P01-2024-%02d", i+2) || e.Error == "" {
					t.Errorf("error %d: %+v", i, e)
				}
			}
			if !strings.Contains(res.Errors[0].Error, "thousands separators") ||
				!strings.Contains(res.Errors[1].Error, "true or false") ||
				!strings.Contains(res.Errors[2].Error, "time zone") {
				t.Errorf("messages do not say what is wrong: %+v", res.Errors)
			}
		}},
		{CoreShape, func(t *testing.T, r reply) {
			var res map[string]int
			r.json(t, &res)
			want := map[string]int{"By RowIdentifier": 1, "Rows Updated": 1, "Rows Deleted": 0, "Rows Created": 0, "Errors": 3, "By SID": 0}
			if !reflect.DeepEqual(res, want) {
				t.Errorf("core result %v, want %v", res, want)
			}
		}},
		{RowArrayShape, func(t *testing.T, r reply) {
			var res []map[string]any
			r.json(t, &res)
			if len(res) != 4 {
				t.Fatalf("%d entries for 4 rows: %s", len(res), r.body)
			}
			typs := []string{"update", "error", "error", "error"}
			for i, e := range res {
				if e["typ"] != typs[i] {
					t.Errorf("entry %d typ %v, want %s", i, e["typ"], typs[i])
				}
				if typs[i] == "error" && (e["err"] == nil || e["id"] != fmt.Sprintf("P01-2024-%02d", i+1)) {
					t.Errorf("error entry %d: %v", i, e)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.shape.String(), func(t *testing.T) {
			s := newServer(t, WithSamples(), WithWriteShape(tt.shape))
			r := do(t, s, "POST", "/resource/"+ParkVisitsID+".json", demoKey(s.Portal), jsonType, rejectedBody)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			tt.check(t, r)
			rows := s.Portal.Rows(ParkVisitsID)
			if rowByKey(rows, "record_id", "P01-2024-01")["visitors"] != "2000" ||
				rowByKey(rows, "record_id", "P01-2024-02")["visitors"] != "2200" {
				t.Error("the good row was not applied, or a rejected one was")
			}
		})
	}
}

func TestValueChecks(t *testing.T) {
	tests := []struct {
		typ  string
		in   any
		want string // canonical value, or "" with ok false
		ok   bool
	}{
		{"number", "12", "12", true},
		{"number", "-0.5", "-0.5", true},
		{"number", "6.02e+23", "6.02e+23", true},
		{"number", json.Number("42"), "42", true},
		{"number", "1,234", "", false},
		{"number", "$12", "", false},
		{"number", "45%", "", false},
		{"number", "N/A", "", false},
		{"money", "19.99", "19.99", true},
		{"money", "$19.99", "", false},
		{"percent", "45", "45", true},
		{"checkbox", "true", "true", true},
		{"checkbox", "FALSE", "false", true},
		{"checkbox", true, "true", true},
		{"checkbox", "1", "", false},
		{"checkbox", "yes", "", false},
		{"calendar_date", "2024-03-01", "2024-03-01T00:00:00.000", true},
		{"calendar_date", "2024-03-01T14:30", "2024-03-01T14:30:00.000", true},
		{"floating_timestamp", "2014-10-13T00:00:00.000", "2014-10-13T00:00:00.000", true},
		{"calendar_date", "2024-03-01T00:00:00Z", "", false},
		{"calendar_date", "2024-02-30", "", false},
		{"calendar_date", "3/1/2024", "", false},
		{"calendar_date", "13/45/2024", "", false},
		{"date", "2014-10-13T00:00:00Z", "2014-10-13T00:00:00.000Z", true},
		{"date", "2014-10-13T00:00:00-0800", "2014-10-13T08:00:00.000Z", true},
		{"fixed_timestamp", "2014-10-13T00:00:00-08:00", "2014-10-13T08:00:00.000Z", true},
		{"date", "2014-10-13T00:00:00", "", false},
		{"date", "2014-10-13", "", false},
		{"point", "POINT (-72.68 41.76)", "POINT (-72.68 41.76)", true},
		{"point", "point(-72.68 41.76)", "POINT (-72.68 41.76)", true},
		{"point", map[string]any{"type": "Point", "coordinates": []any{json.Number("-72.68"), json.Number("41.76")}}, "POINT (-72.68 41.76)", true},
		{"point", "41.76, -72.68", "", false},
		{"point", "POINT (41.76 -172.68)", "", false},
		{"point", "POINT (-200 41.76)", "", false},
		{"url", "https://example.gov/x", "https://example.gov/x", true},
		{"url", "Annual report (https://example.gov/x)", "Annual report (https://example.gov/x)", true},
		{"url", map[string]any{"url": "http://example.gov", "description": "Home"}, "Home (http://example.gov)", true},
		{"url", "example.gov", "", false},
		{"text", "anything at all", "anything at all", true},
		{"text", map[string]any{}, "", false},
		{"multipolygon", "MULTIPOLYGON (((1 1, 2 2, 1 2, 1 1)))", "MULTIPOLYGON (((1 1, 2 2, 1 2, 1 1)))", true},
		{"line", "POINT (1 2)", "", false},
		{"photo", "x.jpg", "", false},
		{"number", "", "", true}, // empty is null
	}
	for _, tt := range tests {
		k, known := kindOf(tt.typ)
		if !known {
			t.Fatalf("type %s unknown", tt.typ)
		}
		got, err := normalize(k, tt.typ, tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s %v: got %q, %v; want %q ok=%v", tt.typ, tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && err.Error() == "" {
			t.Errorf("%s %v: empty error message", tt.typ, tt.in)
		}
	}
}

func TestWriteRefusals(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	before := len(p.Rows(ParkVisitsID))
	body := `[{"record_id": "P01-2024-01", "visitors": "1"}]`
	tests := []struct {
		name, id string
		who      *who
		ctype    string
		body     string
		status   int
		code     string // "" for the codeless Core body
		message  string // expected substring
	}{
		{"anonymous", ParkVisitsID, nil, jsonType, body, 403, "authentication_required", "signed in"},
		{"viewer", ParkVisitsID, userKey(t, p, ViewerID), jsonType, body, 403, "permission_denied", "permission"},
		{"other publisher", ParkVisitsID, userKey(t, p, OtherPublisherID), jsonType, body, 403, "permission_denied", "share"},
		{"private of another user", PrivateDatasetID, demoKey(p), jsonType, `[]`, 403, "permission_denied", "permission"},
		{"synced copy", SyncedCopyID, demoKey(p), jsonType, body, 403, "", "Cannot update a synced dataset manually"},
		{"story", StoryID, demoKey(p), jsonType, body, 400, "not_tabular", "story"},
		{"unknown dataset", "abcd-0000", demoKey(p), jsonType, body, 404, "not_found", "abcd-0000"},
		{"unknown field", ParkVisitsID, demoKey(p), jsonType, `[{"record_id": "P01-2024-01", "visitor_count": "5"}]`, 400, "column_not_found", "visitor_count"},
		{"unknown csv header", ParkVisitsID, demoKey(p), "text/csv", "record_id,Visitor Count\nP01-2024-01,5\n", 400, "column_not_found", "Visitor Count"},
		{"computed column", BridgeInspectionsID, demoKey(p), jsonType, `[{"inspection_id": "x", ":@computed_region_smpl_twns": "3"}]`, 400, "invalid_request", "computed"},
		{"system field", ParkVisitsID, demoKey(p), jsonType, `[{"record_id": "x", ":updated_at": "2024-01-01"}]`, 400, "invalid_request", "system field"},
		{"not an array", ParkVisitsID, demoKey(p), jsonType, `{"record_id": "x"}`, 400, "invalid_json", "array"},
		{"broken json", ParkVisitsID, demoKey(p), jsonType, `[{"record_id": "x"`, 400, "invalid_json", "JSON"},
		{"ragged csv", ParkVisitsID, demoKey(p), "text/csv", "record_id,visitors\nP01-2024-01,5,6\n", 400, "invalid_csv", "line 2"},
		{"media type", ParkVisitsID, demoKey(p), "application/xml", "<rows/>", 415, "unsupported_media_type", "text/csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", "/resource/"+tt.id+".json", tt.who, tt.ctype, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			m := r.object(t)
			if m["error"] != true || !strings.Contains(fmt.Sprint(m["message"]), tt.message) {
				t.Errorf("body %s, want a message containing %q", r.body, tt.message)
			}
			if tt.code == "" {
				if _, has := m["code"]; has || len(m) != 2 {
					t.Errorf("body %s, want exactly {error, message}", r.body)
				}
			} else if m["code"] != tt.code {
				t.Errorf("code %v, want %s", m["code"], tt.code)
			}
		})
	}
	if rows := p.Rows(ParkVisitsID); len(rows) != before || rowByKey(rows, "record_id", "P01-2024-01")["visitors"] != "1800" {
		t.Error("a refused write changed the dataset")
	}
}

func TestRowErrorsForKeysAndDeletes(t *testing.T) {
	s := newServer(t, WithSamples())
	demo := demoKey(s.Portal)
	var salt []map[string]any
	get(t, s, "/resource/"+SaltDeliveriesID+".json?$select=:*,*&$limit=1", nil).json(t, &salt)
	sid := salt[0][":id"].(string)
	r := do(t, s, "POST", "/resource/"+SaltDeliveriesID+".json", demo, jsonType, fmt.Sprintf(
		`[{":id": %q, ":deleted": true}, {":id": "row-nope.nope~nope", ":deleted": true}, {":deleted": true, "tons": "1"}, {":id": %q, "tons": "5"}]`, sid, sid))
	var res struct {
		Deleted int `json:"rows_deleted"`
		Errors  []struct {
			Error      string `json:"error"`
			InputIndex int    `json:"input_index"`
		} `json:"errors"`
	}
	r.json(t, &res)
	if res.Deleted != 1 || len(res.Errors) != 3 {
		t.Fatalf("result %s", r.body)
	}
	for i, want := range []string{"no record is found", ":id", "no record is found"} {
		if !strings.Contains(res.Errors[i].Error, want) || res.Errors[i].InputIndex != i+1 {
			t.Errorf("error %d: %+v, want %q", i, res.Errors[i], want)
		}
	}
	if n := len(s.Portal.Rows(SaltDeliveriesID)); n != 19 {
		t.Errorf("%d salt rows, want 19", n)
	}
	r = do(t, s, "POST", "/resource/"+ParkVisitsID+".json", demo, jsonType,
		`[{"visitors": "5"}, {"record_id": "P00-0000-00", ":deleted": true}]`)
	r.json(t, &res)
	if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Error, "row identifier record_id") {
		t.Errorf("keyless upsert and missing delete: %s", r.body)
	}
	if r := do(t, s, "DELETE", "/resource/"+ParkVisitsID+"/P05-2024-06.json", demo, "", ""); r.status != 200 {
		t.Errorf("single-row delete: %d %s", r.status, r.body)
	}
	if r := do(t, s, "DELETE", "/resource/"+ParkVisitsID+"/P05-2024-06.json", demo, "", ""); r.status != 404 {
		t.Errorf("deleting a deleted row: %d %s", r.status, r.body)
	}
}

func TestReplace(t *testing.T) {
	s := newServer(t, WithSamples())
	demo := demoKey(s.Portal)
	before := s.Portal.Rows(SaltDeliveriesID)

	bad := "delivery_date,garage,tons\n2024-04-01,Milford Garage,10\n2024-04-02,Milford Garage,ten\n"
	r := do(t, s, "PUT", "/resource/"+SaltDeliveriesID+".json", demo, "text/csv", bad)
	if r.status != 400 {
		t.Fatalf("replace with a bad row: status %d, want 400: %s", r.status, r.body)
	}
	m := r.object(t)
	if !strings.Contains(m["message"].(string), "nothing was changed") {
		t.Errorf("message %q does not say nothing changed", m["message"])
	}
	if errs, _ := m["data"].(map[string]any)["errors"].([]any); len(errs) != 1 {
		t.Errorf("data.errors %v", m["data"])
	}
	if !reflect.DeepEqual(s.Portal.Rows(SaltDeliveriesID), before) {
		t.Fatal("a failed replace changed the rows")
	}

	good := "delivery_date,garage,tons\n2024-04-01,Milford Garage,10\n2024-04-02,Milford Garage,12.5\n"
	r = do(t, s, "PUT", "/resource/"+SaltDeliveriesID+".json", demo, "text/csv", good)
	if r.status != 200 {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	after := s.Portal.Rows(SaltDeliveriesID)
	want := []map[string]string{
		{"delivery_date": "2024-04-01T00:00:00.000", "garage": "Milford Garage", "tons": "10"},
		{"delivery_date": "2024-04-02T00:00:00.000", "garage": "Milford Garage", "tons": "12.5"},
	}
	if !reflect.DeepEqual(after, want) {
		t.Errorf("rows after replace %v, want %v", after, want)
	}
	r = do(t, s, "PUT", "/resource/"+ParkVisitsID+".json", demo, jsonType, `[{"record_id": "A"}, {"record_id": "A", "visitors": "3"}, {"record_id": "B"}]`)
	if rows := s.Portal.Rows(ParkVisitsID); r.status != 200 || len(rows) != 2 || rows[0]["visitors"] != "3" {
		t.Errorf("replace with a repeated key: %d %s %v", r.status, r.body, rows)
	}
	if r := do(t, s, "PUT", "/resource/"+ParkVisitsID+".json", demo, jsonType, `[{"record_id": "A", ":deleted": true}]`); r.status != 400 {
		t.Errorf("replace with a delete: %d", r.status)
	}
}

func TestDiscardRows(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	if err := p.AddDataset(DatasetSpec{
		ID: "bulk-0001", Name: "Bulk", Owner: DemoPublisherID, DiscardRows: true, RowIdentifier: "id",
		Columns: []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "n", Type: "number"}},
	}); err != nil {
		t.Fatal(err)
	}
	body := "id,n\na,1\nb,2\nc,three\nd,4\n"
	for _, method := range []string{"POST", "PUT"} {
		r := do(t, s, method, "/resource/bulk-0001.json", demoKey(p), "text/csv", body)
		var res map[string]any
		r.json(t, &res)
		switch method {
		case "POST":
			if r.status != 200 || res["rows_created"] != 3.0 || len(res["errors"].([]any)) != 1 {
				t.Errorf("discarding upsert: %d %s", r.status, r.body)
			}
		case "PUT":
			if r.status != 400 {
				t.Errorf("discarding replace with a bad row: %d %s", r.status, r.body)
			}
		}
	}
	if rows := p.Rows("bulk-0001"); len(rows) != 0 {
		t.Errorf("a discarding dataset stored %d rows", len(rows))
	}
}

func TestAddDatasetChecksSpec(t *testing.T) {
	p := NewPortal(WithSamples())
	defer p.Close()
	cols := []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "n", Type: "number"}}
	for _, tt := range []struct {
		name string
		spec DatasetSpec
		want string
	}{
		{"bad id", DatasetSpec{ID: "ABCD-1234", Owner: DemoPublisherID}, "4x4"},
		{"taken id", DatasetSpec{ID: ParkVisitsID, Owner: DemoPublisherID}, "taken"},
		{"unknown owner", DatasetSpec{Owner: "nobo-dy00"}, "owner"},
		{"unknown type", DatasetSpec{Owner: DemoPublisherID, Columns: []ColumnSpec{{FieldName: "x", Type: "blob2"}}}, "unknown type"},
		{"unknown row id", DatasetSpec{Owner: DemoPublisherID, Columns: cols, RowIdentifier: "nope"}, "row identifier"},
		{"bad row", DatasetSpec{Owner: DemoPublisherID, Columns: cols, Rows: []map[string]string{{"n": "x"}}}, "not a number"},
		{"duplicate field", DatasetSpec{Owner: DemoPublisherID, Columns: append(cols, cols[0])}, "twice"},
	} {
		err := p.AddDataset(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	if err := p.AddDataset(DatasetSpec{Owner: DemoPublisherID, Columns: cols, Rows: []map[string]string{{"id": "a", "n": "1"}}}); err != nil {
		t.Errorf("a valid spec without an id: %v", err)
	}
}
