package wizard

import (
	"path/filepath"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestDraftJob(t *testing.T) {
	ds := &socrata.Dataset{ID: "park-vis1", Name: "Parks", RowIdentifier: "record_id",
		Columns: []socrata.Column{{FieldName: "record_id", Type: socrata.Text}, {FieldName: "visitors", Type: socrata.Number}}}
	m := AutoMap([]string{"record_id", "Visitors"}, ds)
	if err := m.SetClean(1, true); err != nil {
		t.Fatal(err)
	}
	d := Draft{
		Domain:      "data.ct.gov",
		Creds:       socrata.Credentials{Kind: socrata.APIKey, ID: "key-id", Secret: "never-in-a-job"},
		Dataset:     ds,
		FilePath:    "visits.csv",
		File:        &CSVFile{Dialect: Dialect{Delimiter: ",", Encoding: "utf-8", Header: true}},
		Mapping:     m,
		Method:      Replace,
		Route:       RouteDSMAPI,
		SendBadRows: true,
	}
	j := d.Job()
	abs, _ := filepath.Abs("visits.csv")
	switch {
	case j.Domain != "data.ct.gov" || j.Auth != (AuthRef{Kind: "api_key", Login: "key-id"}):
		t.Errorf("account: %+v %+v", j.Domain, j.Auth)
	case j.Dataset != "park-vis1" || j.DatasetName != "Parks" || j.RowIdentifier != "record_id":
		t.Errorf("dataset: %+v", j)
	case j.File != abs:
		t.Errorf("file = %q, want %q", j.File, abs)
	case j.Method != Replace || j.Route != RouteDSMAPI || j.BadRows != SendBadRows:
		t.Errorf("method %v, route %v, bad rows %q: the choices made in the wizard were not kept", j.Method, j.Route, j.BadRows)
	case j.CSV.Delimiter != "," || !j.CSV.Header:
		t.Errorf("dialect: %+v", j.CSV)
	case len(j.Columns) != 2 || j.Columns[1].Field != "visitors" || !j.Columns[1].Clean || j.Columns[1].Type != "number":
		t.Errorf("columns: %+v", j.Columns)
	}
	if err := j.Validate(); err != nil {
		t.Errorf("the draft's job does not validate: %v", err)
	}
}
