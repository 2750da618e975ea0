package socrata_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestRows(t *testing.T) {
	tests := []struct {
		name string
		q    socrata.RowsQuery
		want url.Values
	}{
		{"all", socrata.RowsQuery{Limit: 10, Offset: 20, Order: ":id"}, url.Values{"$limit": {"10"}, "$offset": {"20"}, "$order": {":id"}}},
		{"none", socrata.RowsQuery{}, url.Values{}},
		{"limit", socrata.RowsQuery{Limit: 5}, url.Values{"$limit": {"5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, `[{"permit_id":"P-1","fee":"12.50","count":12345678901234567890,"site":{"type":"Point","coordinates":[-72.68,41.76]}},{"permit_id":"P-2"}]`))
			c, _ := newTestClient(t, f, newCreds(t))
			rows, err := c.Rows(context.Background(), "abcd-1234", tt.q)
			if err != nil {
				t.Fatal(err)
			}
			r := f.last(t)
			if r.Method != "GET" || r.Path != "/resource/abcd-1234.json" || !reflect.DeepEqual(r.Query, tt.want) {
				t.Errorf("request = %s %s %v, want query %v", r.Method, r.Path, r.Query, tt.want)
			}
			if len(rows) != 2 || rows[0]["permit_id"] != "P-1" || rows[1]["permit_id"] != "P-2" {
				t.Fatalf("rows = %v", rows)
			}
			if n, ok := rows[0]["count"].(json.Number); !ok || n.String() != "12345678901234567890" {
				t.Errorf("a large number lost digits: %#v", rows[0]["count"])
			}
			if site, ok := rows[0]["site"].(map[string]any); !ok || site["type"] != "Point" {
				t.Errorf("site = %#v", rows[0]["site"])
			}
		})
	}
}

func TestRowsEmptyAndBad(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `[]`))
	c, _ := newTestClient(t, f, newCreds(t))
	rows, err := c.Rows(context.Background(), "abcd-1234", socrata.RowsQuery{})
	if err != nil || rows == nil || len(rows) != 0 {
		t.Errorf("rows = %#v, %v; want an empty slice", rows, err)
	}
	if _, err := c.Rows(context.Background(), "abcd-1234", socrata.RowsQuery{Limit: -1}); err == nil {
		t.Error("a negative limit was accepted")
	}
	if _, err := c.Rows(context.Background(), "abcd", socrata.RowsQuery{}); err == nil {
		t.Error("a bad id was accepted")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("portal got %d requests, want 1", n)
	}
}

func TestRowCount(t *testing.T) {
	tests := []struct {
		name, body string
		want       int64
		ok         bool
	}{
		{"string", `[{"count":"1234"}]`, 1234, true},
		{"number", `[{"count":98765432109}]`, 98765432109, true},
		{"zero", `[{"count":"0"}]`, 0, true},
		{"no rows", `[]`, 0, false},
		{"no count", `[{"n":"3"}]`, 0, false},
		{"not a number", `[{"count":"many"}]`, 0, false},
		{"negative", `[{"count":"-1"}]`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, tt.body))
			c, _ := newTestClient(t, f, newCreds(t))
			n, err := c.RowCount(context.Background(), "abcd-1234")
			r := f.last(t)
			if r.Path != "/resource/abcd-1234.json" || r.Query.Get("$select") != "count(*)" {
				t.Errorf("request = %s %v", r.Path, r.Query)
			}
			if tt.ok && (err != nil || n != tt.want) {
				t.Fatalf("RowCount = %d, %v; want %d", n, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, socrata.ErrNotSocrata) {
				t.Fatalf("RowCount of %s = %d, %v; want an error matching ErrNotSocrata", tt.body, n, err)
			}
		})
	}
}
