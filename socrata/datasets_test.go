package socrata_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

const viewBody = `{"id":"abcd-1234","name":"Example Permits","description":"All permits","category":"Housing",
 "attribution":"Dept. of Example","publicationStage":"published","viewType":"tabular","displayType":"table",
 "rowIdentifierColumnId":1001,"rights":["read","write","add","delete"],
 "createdAt":1546300800,"viewLastModified":"1714564800","rowsUpdatedAt":1714564800.5,"newBackend":true,
 "owner":{"id":"ab12-cd34","displayName":"Jane Analyst"},
 "columns":[
  {"id":1003,"name":"Fee","fieldName":"fee","dataTypeName":"number","renderTypeName":"number","position":3,"format":{"precisionStyle":"standard","noCommas":"true","decimalPlaces":2}},
  {"id":1001,"name":"Permit ID","fieldName":"permit_id","dataTypeName":"text","renderTypeName":"text","position":1,"description":"The permit number"},
  {"id":1,"name":"Row ID","fieldName":":id","dataTypeName":"meta_data","position":0},
  {"id":1002,"name":"Issued","fieldName":"issued","dataTypeName":"calendar_date","renderTypeName":"calendar_date","position":2,"format":{"view":"date"}},
  {"id":1004,"name":"Site","fieldName":"site","dataTypeName":"point","renderTypeName":"point","position":4},
  {"id":1005,"name":"Towns","fieldName":":@computed_region_abcd_efgh","dataTypeName":"number","position":5,"computationStrategy":{"type":"georegion_match_on_point"}},
  {"id":1006,"name":"Region","fieldName":"region","dataTypeName":"text","position":6,"computationStrategy":{"type":"georegion"}},
  {"id":1007,"name":"Photo","fieldName":"photo","dataTypeName":"photo","position":7,"computationStrategy":null}]}`

func TestDataset(t *testing.T) {
	f := newFake(t, reply(200, jsonType, viewBody))
	c, _ := newTestClient(t, f, newCreds(t))
	d, err := c.Dataset(context.Background(), "abcd-1234")
	if err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Method != "GET" || r.Path != "/api/views/abcd-1234.json" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	want := &socrata.Dataset{
		ID: "abcd-1234", Name: "Example Permits", Description: "All permits", Category: "Housing",
		Attribution: "Dept. of Example", ViewType: "tabular", DisplayType: "table", PublicationStage: "published",
		Columns: []socrata.Column{
			{ID: 1001, Name: "Permit ID", FieldName: "permit_id", Type: socrata.Text, RawType: "text", Position: 1, Description: "The permit number"},
			{ID: 1002, Name: "Issued", FieldName: "issued", Type: socrata.FloatingTimestamp, RawType: "calendar_date", Position: 2, Format: map[string]string{"view": "date"}},
			{ID: 1003, Name: "Fee", FieldName: "fee", Type: socrata.Number, RawType: "number", Position: 3,
				Format: map[string]string{"precisionStyle": "standard", "noCommas": "true", "decimalPlaces": "2"}},
			{ID: 1004, Name: "Site", FieldName: "site", Type: socrata.Point, RawType: "point", Position: 4},
			{ID: 1007, Name: "Photo", FieldName: "photo", Type: socrata.Unsupported, RawType: "photo", Position: 7},
		},
		RowIdentifier:     "permit_id",
		Rights:            []string{"read", "write", "add", "delete"},
		OwnerID:           "ab12-cd34",
		OwnerName:         "Jane Analyst",
		CreatedAt:         time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		MetadataUpdatedAt: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		RowsUpdatedAt:     time.Date(2024, 5, 1, 12, 0, 0, 500_000_000, time.UTC),
		NewBackend:        true,
		Link:              f.URL + "/d/abcd-1234",
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("dataset = %+v\nwant %+v", d, want)
	}
	if !d.CanWrite() || !d.Tabular() {
		t.Errorf("CanWrite, Tabular = %v, %v", d.CanWrite(), d.Tabular())
	}
	if col, ok := d.Column("fee"); !ok || col.ID != 1003 {
		t.Errorf("Column(fee) = %+v, %v", col, ok)
	}
	if _, ok := d.Column(":id"); ok {
		t.Error("a system column survived")
	}
}

func TestDatasetWithoutRowIdentifier(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{"id":"abcd-1234","viewType":"tabular","columns":[{"id":1,"fieldName":"a","dataTypeName":"text","position":1}]}`))
	c, _ := newTestClient(t, f, newCreds(t))
	d, err := c.Dataset(context.Background(), "abcd-1234")
	if err != nil {
		t.Fatal(err)
	}
	if d.RowIdentifier != "" || !d.CreatedAt.IsZero() || d.CanWrite() {
		t.Errorf("dataset = %+v", d)
	}
}

func TestDatasetErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		is      error
	}{
		{"not found", reply(404, jsonType, `{"code":"not_found","error":true,"message":"Cannot find view with id abcd-1234"}`), socrata.ErrNotFound},
		{"private", reply(403, jsonType, `{"code":"permission_denied","error":true,"message":"User must have read rights"}`), socrata.ErrForbidden},
		{"login page", reply(200, "text/html", "<title>Log In</title>"), socrata.ErrNotSocrata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c, _ := newTestClient(t, f, newCreds(t))
			if _, err := c.Dataset(context.Background(), "abcd-1234"); !errors.Is(err, tt.is) {
				t.Errorf("error = %v, want %v", err, tt.is)
			}
		})
	}
	f := newFake(t, reply(200, jsonType, `{}`))
	c, _ := newTestClient(t, f, newCreds(t))
	if _, err := c.Dataset(context.Background(), "not-an-id"); err == nil || len(f.requests()) != 0 {
		t.Errorf("a bad id was sent (error %v)", err)
	}
}

func TestCanWrite(t *testing.T) {
	tests := []struct {
		rights []string
		want   bool
	}{
		{nil, false},
		{[]string{"read"}, false},
		{[]string{"read", "view"}, false},
		{[]string{"read", "view_others_datasets", "read_private"}, false},
		{[]string{"read", "write"}, true},
		{[]string{"read", "add"}, true},
		{[]string{"read", "delete"}, true},
		{[]string{"read", "update_view"}, true},
		{[]string{"READ", " Write "}, true},
		{[]string{"grant"}, true},
	}
	for _, tt := range tests {
		d := &socrata.Dataset{Rights: tt.rights}
		if got := d.CanWrite(); got != tt.want {
			t.Errorf("CanWrite(%q) = %v, want %v", tt.rights, got, tt.want)
		}
	}
}

func TestTabular(t *testing.T) {
	for viewType, want := range map[string]bool{"tabular": true, "": true, "geo": false, "story": false, "blobby": false, "href": false} {
		if got := (&socrata.Dataset{ViewType: viewType}).Tabular(); got != want {
			t.Errorf("Tabular(%q) = %v, want %v", viewType, got, want)
		}
	}
}
