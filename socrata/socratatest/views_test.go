package socratatest

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

type viewReply struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	ViewType              string   `json:"viewType"`
	NewBackend            bool     `json:"newBackend"`
	Rights                []string `json:"rights"`
	RowIdentifierColumnID *int     `json:"rowIdentifierColumnId"`
	RowsUpdatedAt         int64    `json:"rowsUpdatedAt"`
	Owner                 struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"owner"`
	Columns []struct {
		ID                  int               `json:"id"`
		Name                string            `json:"name"`
		FieldName           string            `json:"fieldName"`
		DataTypeName        string            `json:"dataTypeName"`
		Position            int               `json:"position"`
		Format              map[string]string `json:"format"`
		ComputationStrategy map[string]any    `json:"computationStrategy"`
	} `json:"columns"`
}

func TestViews(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	demo, other, viewer := demoKey(p), userKey(t, p, OtherPublisherID), userKey(t, p, ViewerID)
	ownerRights := []string{"read", "write", "add", "delete", "update_view"}

	tests := []struct {
		name       string
		id         string
		who        *who
		status     int
		code       string
		rights     []string // must all be present
		onlyRead   bool
		rowID      string // field name of the row identifier, "" for none
		viewType   string
		newBackend bool
	}{
		{"owner", ParkVisitsID, demo, 200, "", ownerRights, false, "record_id", "tabular", false},
		{"anonymous reads public", ParkVisitsID, nil, 200, "", []string{"read"}, true, "record_id", "tabular", false},
		{"viewer reads only", ParkVisitsID, viewer, 200, "", []string{"read"}, true, "record_id", "tabular", false},
		{"other publisher reads only", ParkVisitsID, other, 200, "", []string{"read"}, true, "record_id", "tabular", false},
		{"shared editor", SharedDatasetID, demo, 200, "", []string{"read", "write", "add", "delete", "update_view"}, false, "record_id", "tabular", false},
		{"no row identifier", SaltDeliveriesID, demo, 200, "", ownerRights, false, "", "tabular", false},
		{"synced copy", SyncedCopyID, demo, 200, "", ownerRights, false, "record_id", "tabular", true},
		{"story", StoryID, nil, 200, "", []string{"read"}, true, "", "story", false},
		{"map", MapID, nil, 200, "", []string{"read"}, true, "", "geo", false},
		{"private to its owner", PrivateDatasetID, other, 200, "", ownerRights, false, "application_id", "tabular", false},
		{"private to another user", PrivateDatasetID, demo, 403, "permission_denied", nil, false, "", "", false},
		{"private to anonymous", PrivateDatasetID, nil, 403, "authentication_required", nil, false, "", "", false},
		{"unknown id", "zzzz-9999", demo, 404, "not_found", nil, false, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, "/api/views/"+tt.id+".json", tt.who)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				m := r.object(t)
				if m["code"] != tt.code || m["error"] != true || m["message"] == "" {
					t.Errorf("error body %s, want code %s", r.body, tt.code)
				}
				return
			}
			var v viewReply
			r.json(t, &v)
			if v.ID != tt.id || v.ViewType != tt.viewType || v.NewBackend != tt.newBackend {
				t.Errorf("id %s viewType %s newBackend %v", v.ID, v.ViewType, v.NewBackend)
			}
			for _, right := range tt.rights {
				if !slices.Contains(v.Rights, right) {
					t.Errorf("rights %v lack %s", v.Rights, right)
				}
			}
			if tt.onlyRead && !slices.Equal(v.Rights, []string{"read"}) {
				t.Errorf("rights %v, want only read", v.Rights)
			}
			gotRowID := ""
			if v.RowIdentifierColumnID != nil {
				for _, c := range v.Columns {
					if c.ID == *v.RowIdentifierColumnID {
						gotRowID = c.FieldName
					}
				}
			}
			if gotRowID != tt.rowID {
				t.Errorf("row identifier %q, want %q", gotRowID, tt.rowID)
			}
			if v.Owner.ID == "" || v.Owner.DisplayName == "" {
				t.Errorf("owner %+v", v.Owner)
			}
		})
	}
}

func TestViewColumns(t *testing.T) {
	s := newServer(t, WithSamples())
	var v viewReply
	get(t, s, "/api/views/"+BridgeInspectionsID, nil).json(t, &v)
	var system, computed, writable []string
	for _, c := range v.Columns {
		switch {
		case c.ComputationStrategy != nil:
			computed = append(computed, c.FieldName)
			if src, _ := c.ComputationStrategy["source_columns"].([]any); len(src) != 1 || src[0] != "location" {
				t.Errorf("computed column sources %v", c.ComputationStrategy)
			}
		case strings.HasPrefix(c.FieldName, ":"):
			system = append(system, c.FieldName)
		default:
			writable = append(writable, c.FieldName+":"+c.DataTypeName)
		}
	}
	if !slices.Equal(system, []string{":id", ":created_at", ":updated_at"}) {
		t.Errorf("system columns %v", system)
	}
	if !slices.Equal(computed, []string{":@computed_region_smpl_twns"}) {
		t.Errorf("computed columns %v", computed)
	}
	want := []string{"inspection_id:text", "bridge_id:text", "town:text", "location:point", "inspected_at:date",
		"condition_rating:number", "deck_area_sqft:number", "report_url:url"}
	if !slices.Equal(writable, want) {
		t.Errorf("writable columns %v, want %v", writable, want)
	}
	var park viewReply
	get(t, s, "/api/views/"+ParkVisitsID+".json", nil).json(t, &park)
	for _, c := range park.Columns {
		if c.FieldName == "visitors" && (c.Name != "Visitor Count" || c.DataTypeName != "number" || c.Position != 5) {
			t.Errorf("visitors column %+v", c)
		}
		if c.FieldName == "report_date" && (c.DataTypeName != "calendar_date" || c.Format["view"] != "date") {
			t.Errorf("report_date column %+v", c)
		}
	}
	if park.RowsUpdatedAt != day(2024, 7, 8).Unix() {
		t.Errorf("rowsUpdatedAt %d is not epoch seconds of the sample date", park.RowsUpdatedAt)
	}
}

func TestReadRows(t *testing.T) {
	s := newServer(t, WithSamples())
	demo := demoKey(s.Portal)
	var all []map[string]any
	get(t, s, "/resource/"+ParkVisitsID+".json", nil).json(t, &all)
	if len(all) != 30 {
		t.Fatalf("%d rows, want 30", len(all))
	}
	if all[0]["record_id"] != "P01-2024-01" || all[0]["visitors"] != "1800" || all[0]["open"] != true ||
		all[0]["report_date"] != "2024-02-05T00:00:00.000" {
		t.Errorf("first row %v", all[0])
	}
	if _, ok := all[0][":id"]; ok {
		t.Error("system fields returned without $select=:*")
	}

	tests := []struct {
		name, query string
		status      int
		n           int
		first, last string // record_id of the first and last row
	}{
		{"limit", "$limit=5", 200, 5, "P01-2024-01", "P05-2024-01"},
		{"offset", "$limit=5&$offset=25", 200, 5, "P01-2024-06", "P05-2024-06"},
		{"offset past the end", "$offset=40", 200, 0, "", ""},
		{"order by number desc", "$order=visitors+DESC&$limit=3", 200, 3, "P05-2024-06", "P05-2024-05"},
		{"order by text", "$order=record_id&$limit=2", 200, 2, "P01-2024-01", "P01-2024-02"},
		{"order by two keys", "$order=park_id+DESC,month+ASC&$limit=1", 200, 1, "P05-2024-01", "P05-2024-01"},
		{"order by :id", "$order=:id&$limit=30", 200, 30, "", ""},
		{"simple filter", "park_id=P02", 200, 6, "P02-2024-01", "P02-2024-06"},
		{"checkbox filter", "open=false", 200, 2, "P05-2024-01", "P05-2024-02"},
		{"unknown order column", "$order=nope", 400, 0, "", ""},
		{"bad limit", "$limit=ten", 400, 0, "", ""},
		{"unsupported where", "$where=visitors>5", 400, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, "/resource/"+ParkVisitsID+".json?"+tt.query, demo)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if r.status != 200 {
				if m := r.object(t); m["error"] != true {
					t.Errorf("error body %s", r.body)
				}
				return
			}
			var rows []map[string]any
			r.json(t, &rows)
			if len(rows) != tt.n {
				t.Fatalf("%d rows, want %d", len(rows), tt.n)
			}
			if tt.first != "" && (rows[0]["record_id"] != tt.first || rows[len(rows)-1]["record_id"] != tt.last) {
				t.Errorf("rows run %v .. %v, want %s .. %s", rows[0]["record_id"], rows[len(rows)-1]["record_id"], tt.first, tt.last)
			}
		})
	}

	var bridges []map[string]any
	get(t, s, "/resource/"+BridgeInspectionsID+".json?$limit=1&$select=:*,*", nil).json(t, &bridges)
	b := bridges[0]
	loc, _ := b["location"].(map[string]any)
	if loc["type"] != "Point" || len(loc["coordinates"].([]any)) != 2 {
		t.Errorf("point is not GeoJSON: %v", b["location"])
	}
	if u, _ := b["report_url"].(map[string]any); u["url"] != "https://example.gov/bridges/01234/2024-01" || u["description"] != "Report 1" {
		t.Errorf("url is not {url, description}: %v", b["report_url"])
	}
	if b["inspected_at"] != "2024-01-03T14:00:00.000Z" {
		t.Errorf("fixed timestamp %v is not UTC with Z", b["inspected_at"])
	}
	if b[":@computed_region_smpl_twns"] == nil || b[":id"] == nil || b[":created_at"] == nil {
		t.Errorf("computed or system fields missing: %v", b)
	}

	r := get(t, s, "/resource/"+SaltDeliveriesID+".csv?$limit=3", nil)
	recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(recs) != 4 || strings.Join(recs[0], ",") != "delivery_date,garage,district,tons,vendor,emergency_order" {
		t.Errorf("CSV rows: %v %v", recs, err)
	}
	r = get(t, s, "/api/views/"+SaltDeliveriesID+"/rows.csv?accessType=DOWNLOAD", nil)
	recs, _ = csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if len(recs) != 21 || recs[0][3] != "Tons Delivered" {
		t.Errorf("rows.csv export: %d records, header %v", len(recs), recs[0])
	}
	for _, tt := range []struct {
		path   string
		who    *who
		status int
	}{
		{"/resource/" + PrivateDatasetID + ".json", nil, 403},
		{"/resource/" + PrivateDatasetID + ".json", demo, 403},
		{"/resource/" + PrivateDatasetID + ".json", userKey(t, s.Portal, OtherPublisherID), 200},
		{"/resource/" + StoryID + ".json", nil, 404},
		{"/resource/abcd-0000.json", nil, 404},
	} {
		if r := get(t, s, tt.path, tt.who); r.status != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, r.status, tt.status)
		}
	}
}

func TestReadCount(t *testing.T) {
	s := newServer(t, WithSamples())
	demo := demoKey(s.Portal)
	q := func(sel string) string { return "$select=" + url.QueryEscape(sel) }
	tests := []struct {
		name, query string
		status      int
		want        string // the JSON body, or a part of the error message
	}{
		{"all rows", q("count(*)"), 200, `[{"count":"30"}]`},
		{"text filter", q("count(*)") + "&park_id=P02", 200, `[{"count":"6"}]`},
		{"checkbox filter", q("count(*)") + "&open=false", 200, `[{"count":"2"}]`},
		{"two filters", q("count(*)") + "&park_id=P05&open=true", 200, `[{"count":"4"}]`},
		{"number filter normalized", q("count(*)") + "&visitors=1800.0", 200, `[{"count":"1"}]`},
		{"no match counts zero", q("count(*)") + "&park_id=P99", 200, `[{"count":"0"}]`},
		{"alias", q("count(*) AS n"), 200, `[{"n":"30"}]`},
		{"any case and spacing", q(" COUNT( * ) as total "), 200, `[{"total":"30"}]`},
		{"limit and order leave the one row", q("count(*)") + "&$limit=5&$order=visitors+DESC", 200, `[{"count":"30"}]`},
		{"offset pages past the one row", q("count(*)") + "&$offset=1", 200, `[]`},
		{"limit zero", q("count(*)") + "&$limit=0", 200, `[]`},
		{"count beside a field needs $group", q("park_id,count(*)"), 400, "only term"},
		{"count of a column is not supported", q("count(record_id)"), 400, "no such column: count(record_id)"},
		{"bad alias", q("count(*) as 9x"), 400, "no such column"},
		{"filter on an unknown column", q("count(*)") + "&nope=1", 400, "no such column: nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, "/resource/"+ParkVisitsID+".json?"+tt.query, demo)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if r.status != 200 {
				if m := r.object(t); m["error"] != true || !strings.Contains(fmt.Sprint(m["message"]), tt.want) {
					t.Errorf("error body %s, want a message with %q", r.body, tt.want)
				}
				return
			}
			if got := strings.TrimSpace(string(r.body)); got != tt.want {
				t.Errorf("body %s, want %s", got, tt.want)
			}
		})
	}

	r := get(t, s, "/resource/"+ParkVisitsID+".csv?"+q("count(*)")+"&park_id=P01", demo)
	if r.status != 200 || string(r.body) != "count\n6\n" {
		t.Errorf("CSV count: %d %q", r.status, r.body)
	}

	// Deleted rows are not counted.
	del := do(t, s, http.MethodPost, "/resource/"+ParkVisitsID+".json", demo, "application/json",
		`[{"record_id":"P01-2024-01",":deleted":true},{"record_id":"P02-2024-01",":deleted":true}]`)
	if del.status != 200 {
		t.Fatalf("delete: %d %s", del.status, del.body)
	}
	for query, want := range map[string]string{
		q("count(*)"):                  `[{"count":"28"}]`,
		q("count(*)") + "&park_id=P01": `[{"count":"5"}]`,
	} {
		if got := strings.TrimSpace(string(get(t, s, "/resource/"+ParkVisitsID+".json?"+query, demo).body)); got != want {
			t.Errorf("after deletes, %s: %s, want %s", query, got, want)
		}
	}
}
