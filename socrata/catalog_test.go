package socrata_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

const catalogBody = `{
  "resultSetSize": 137,
  "timings": {"serviceMillis": 12},
  "results": [{
    "resource": {
      "id": "abcd-1234", "name": "Example Permits", "description": "Permits issued",
      "attribution": "Dept. of Example", "type": "dataset",
      "updatedAt": "2024-05-01T12:00:00.000Z", "createdAt": "2019-01-01T00:00:00.000Z",
      "columns_field_name": ["permit_id", "issued", "town"],
      "columns_name": ["Permit ID", "Issued", "Town"],
      "columns_datatype": ["Text", "Calendar date", "Text"]
    },
    "classification": {"categories": [], "tags": [], "domain_category": "Housing", "domain_tags": ["permits"]},
    "metadata": {"domain": "data.ct.gov", "license": "Public Domain"},
    "permalink": "https://data.ct.gov/d/abcd-1234",
    "link": "https://data.ct.gov/Housing/Example-Permits/abcd-1234",
    "owner": {"id": "ab12-cd34", "displayName": "Jane Analyst"},
    "published_copy": null
  }, {
    "resource": {"id": "wxyz-9876", "name": "Spec Spelling", "type": "dataset",
      "updatedAt": "2023-02-03T04:05:06Z", "columns_dataytpe": ["Number"], "columns_field_name": ["n"], "columns_name": ["N"]},
    "classification": {},
    "metadata": {"domain": "data.ct.gov"},
    "owner": {"id": "ef56-gh78", "display_name": "Snake Owner"}
  }]
}`

func TestSearch(t *testing.T) {
	f := newFake(t, reply(200, jsonType, catalogBody))
	c, _ := newTestClient(t, f, newCreds(t))
	page, err := c.Search(context.Background(), socrata.CatalogQuery{
		Query: "permits & fees", ForUser: "ab12-cd34", Order: "updatedAt DESC", Limit: 50, Offset: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	host := strings.TrimPrefix(f.URL, "http://")
	want := url.Values{
		"domains": {host}, "search_context": {host}, "only": {"dataset"}, "q": {"permits & fees"},
		"for_user": {"ab12-cd34"}, "order": {"updatedAt DESC"}, "limit": {"50"}, "offset": {"100"},
	}
	if r.Method != "GET" || r.Path != "/api/catalog/v1" || !reflect.DeepEqual(r.Query, want) {
		t.Errorf("request = %s %s %v\nwant query %v", r.Method, r.Path, r.Query, want)
	}
	if page.Total != 137 || len(page.Results) != 2 {
		t.Fatalf("page = %d total, %d results", page.Total, len(page.Results))
	}
	got := page.Results[0]
	wantEntry := socrata.CatalogEntry{
		ID: "abcd-1234", Name: "Example Permits", Description: "Permits issued", Type: "dataset",
		UpdatedAt:        time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		CreatedAt:        time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		ColumnFieldNames: []string{"permit_id", "issued", "town"},
		ColumnNames:      []string{"Permit ID", "Issued", "Town"},
		ColumnTypes:      []string{"Text", "Calendar date", "Text"},
		OwnerID:          "ab12-cd34", OwnerName: "Jane Analyst",
		Domain: "data.ct.gov", Category: "Housing",
		Link:      "https://data.ct.gov/Housing/Example-Permits/abcd-1234",
		Permalink: "https://data.ct.gov/d/abcd-1234",
	}
	if !reflect.DeepEqual(got, wantEntry) {
		t.Errorf("entry = %+v\nwant %+v", got, wantEntry)
	}
	second := page.Results[1]
	if !reflect.DeepEqual(second.ColumnTypes, []string{"Number"}) || second.OwnerName != "Snake Owner" {
		t.Errorf("second entry = %+v", second)
	}
}

func TestSearchQueryVariants(t *testing.T) {
	tests := []struct {
		name string
		q    socrata.CatalogQuery
		want url.Values
	}{
		{"defaults", socrata.CatalogQuery{}, url.Values{"only": {"dataset"}, "limit": {"100"}, "offset": {"0"}}},
		{"shared to", socrata.CatalogQuery{SharedTo: "ab12-cd34", Limit: 10}, url.Values{"only": {"dataset"}, "shared_to": {"ab12-cd34"}, "limit": {"10"}, "offset": {"0"}}},
		{"other type", socrata.CatalogQuery{Only: "map", Offset: 9990, Limit: 10}, url.Values{"only": {"map"}, "limit": {"10"}, "offset": {"9990"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, `{"resultSetSize":0,"results":[]}`))
			c, _ := newTestClient(t, f, newCreds(t))
			page, err := c.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Results == nil || len(page.Results) != 0 {
				t.Errorf("empty page results = %#v, want an empty slice", page.Results)
			}
			got := f.last(t).Query
			host := strings.TrimPrefix(f.URL, "http://")
			tt.want.Set("domains", host)
			tt.want.Set("search_context", host)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("query = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestSearchWindow(t *testing.T) {
	tests := []struct {
		q    socrata.CatalogQuery
		sent bool
	}{
		{socrata.CatalogQuery{Offset: 9900, Limit: 100}, true},
		{socrata.CatalogQuery{Offset: 0, Limit: socrata.CatalogWindow}, true},
		{socrata.CatalogQuery{Offset: 9901, Limit: 100}, false},
		{socrata.CatalogQuery{Offset: 9950}, false}, // the default limit of 100
		{socrata.CatalogQuery{Offset: 10000, Limit: 1}, false},
		{socrata.CatalogQuery{Limit: socrata.CatalogWindow + 1}, false},
	}
	for _, tt := range tests {
		f := newFake(t, reply(200, jsonType, `{"resultSetSize":20000,"results":[]}`))
		c, _ := newTestClient(t, f, newCreds(t))
		_, err := c.Search(context.Background(), tt.q)
		if tt.sent {
			if err != nil || len(f.requests()) != 1 {
				t.Errorf("%+v: error %v, %d requests; want it sent", tt.q, err, len(f.requests()))
			}
			continue
		}
		if !errors.Is(err, socrata.ErrCatalogWindow) || !strings.Contains(err.Error(), "narrow the search") {
			t.Errorf("%+v: error = %v, want ErrCatalogWindow with advice", tt.q, err)
		}
		if len(f.requests()) != 0 {
			t.Errorf("%+v: refused page was sent anyway", tt.q)
		}
	}
}

func TestSearchPortalRefusesWindow(t *testing.T) {
	f := newFake(t, reply(400, jsonType, `{"error":"Paging beyond 10000 results is not supported; use scroll_id"}`))
	c, _ := newTestClient(t, f, newCreds(t))
	_, err := c.Search(context.Background(), socrata.CatalogQuery{Offset: 9000, Limit: 100})
	var ae *socrata.APIError
	if !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Message, "Paging beyond 10000") {
		t.Fatalf("error = %v, want the portal's 400 as *APIError", err)
	}
}

func TestSearchNegative(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{}`))
	c, _ := newTestClient(t, f, newCreds(t))
	for _, q := range []socrata.CatalogQuery{{Limit: -1}, {Offset: -5}} {
		if _, err := c.Search(context.Background(), q); err == nil {
			t.Errorf("Search(%+v) accepted a negative value", q)
		}
	}
}
