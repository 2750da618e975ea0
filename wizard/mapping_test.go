package wizard

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// permits is a dataset like data.ct.gov's building permits.
func permits() *socrata.Dataset {
	return &socrata.Dataset{
		ID:            "abcd-1234",
		RowIdentifier: "permit_id",
		Columns: []socrata.Column{
			{Name: "Permit ID", FieldName: "permit_id", Type: socrata.Text},
			{Name: "Issue Date", FieldName: "issued", Type: socrata.FloatingTimestamp},
			{Name: "Permit Fee", FieldName: "fee", Type: socrata.Money},
			{Name: "Town", FieldName: "town_name", Type: socrata.Text},
			{Name: "Contractor", FieldName: "contractor", Type: socrata.Text},
			{Name: "Active", FieldName: "active", Type: socrata.Checkbox},
			{Name: "Site", FieldName: "site", Type: socrata.Point},
		},
	}
}

// TestAutoMapDisplayNames maps the corpus file whose header holds display
// names and misspellings, and checks how each column matched.
func TestAutoMapDisplayNames(t *testing.T) {
	f, err := OpenCSV(corpus("display_names.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m := AutoMap(f.Header, permits())
	want := []struct {
		source, field string
		kind          MatchKind
		describe      string
	}{
		{"Permit ID", "permit_id", MatchFieldName, "field name, ignoring case and punctuation"},
		{"Issue Date", "issued", MatchDisplayName, "display name"},
		{"Permit Fee", "fee", MatchDisplayName, "display name"},
		{"Town Name", "town_name", MatchFieldName, "field name, ignoring case and punctuation"},
		{"Contractr", "contractor", MatchClose, "close spelling (1 edit)"},
		{"Notes", "", MatchNone, "no match"},
	}
	for i, w := range want {
		c := m.Columns[i]
		if c.Source != w.source || c.Field != w.field || c.Kind != w.kind || c.Describe() != w.describe {
			t.Errorf("column %d = %q -> %q (%s), want %q -> %q (%s)", i, c.Source, c.Field, c.Describe(), w.source, w.field, w.describe)
		}
	}
}

// TestAutoMapOrder checks that an exact field name wins over a display
// name that normalises to the same text, and that a field is used once.
func TestAutoMapOrder(t *testing.T) {
	ds := &socrata.Dataset{Columns: []socrata.Column{
		{Name: "fee", FieldName: "permit_fee", Type: socrata.Number},
		{Name: "Fee (old)", FieldName: "fee", Type: socrata.Number},
	}}
	m := AutoMap([]string{"FEE", "fee", "Fee"}, ds)
	got := []string{m.Columns[0].Field, m.Columns[1].Field, m.Columns[2].Field}
	// "fee" takes field fee exactly; "FEE" then normalises to the display
	// name of permit_fee; "Fee" finds nothing left.
	if !reflect.DeepEqual(got, []string{"permit_fee", "fee", ""}) {
		t.Errorf("fields = %q", got)
	}
	if m.Columns[1].Kind != MatchExact || m.Columns[0].Kind != MatchDisplayName {
		t.Errorf("kinds = %v %v", m.Columns[1].Kind, m.Columns[0].Kind)
	}
	// Short names are never close matches: "id" is not "ic".
	m = AutoMap([]string{"ic"}, &socrata.Dataset{Columns: []socrata.Column{{Name: "ID", FieldName: "id"}}})
	if m.Columns[0].Field != "" {
		t.Errorf("short name matched %q", m.Columns[0].Field)
	}
}

// TestAutoMapPoints builds the dataset's point from latitude and longitude
// columns.
func TestAutoMapPoints(t *testing.T) {
	f, err := OpenCSV(corpus("points_latlon.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m := AutoMap(f.Header, permits())
	want := []PointSource{{Field: "site", Latitude: "latitude", Longitude: "longitude"}}
	if !reflect.DeepEqual(m.Points, want) {
		t.Errorf("points = %+v", m.Points)
	}
	if _, ok := m.columnFor("site"); ok {
		t.Error("site also filled by a column")
	}
}

// TestMappingEdits exercises the mapping screen's operations: choose a
// field, refuse a field already taken, ignore, restore and undo.
func TestMappingEdits(t *testing.T) {
	ds := permits()
	m := AutoMap([]string{"Permit ID", "Issue Date", "Notes"}, ds)

	if err := m.SetTarget(2, "issued"); err == nil || !strings.Contains(err.Error(), `field issued is already filled by column "Issue Date"`) {
		t.Fatalf("two columns on one field: %v", err)
	}
	if err := m.SetTarget(2, "nope"); err == nil || !strings.Contains(err.Error(), "no field nope") {
		t.Fatalf("unknown field: %v", err)
	}
	if m.canUndo() {
		t.Fatal("refused edits left history")
	}
	if err := m.Ignore(1); err != nil {
		t.Fatal(err)
	}
	if err := m.SetTarget(2, "issued"); err != nil {
		t.Fatal(err)
	}
	if c := m.Columns[2]; c.Field != "issued" || c.Kind != MatchManual {
		t.Fatalf("after SetTarget: %+v", c)
	}
	if err := m.Restore(1); err == nil || !strings.Contains(err.Error(), `field issued is now filled by column "Notes"`) {
		t.Fatalf("restore onto a taken field: %v", err)
	}
	if !m.Undo() { // undo SetTarget(2)
		t.Fatal("nothing to undo")
	}
	if err := m.Restore(1); err != nil {
		t.Fatal(err)
	}
	if c := m.Columns[1]; c.Field != "issued" || c.Kind != MatchDisplayName {
		t.Fatalf("restored: %+v", c)
	}
	m.Undo() // restore
	m.Undo() // ignore
	if c := m.Columns[1]; c.Field != "issued" || c.Kind != MatchDisplayName || m.canUndo() {
		t.Fatalf("after undoing everything: %+v, can undo %v", c, m.canUndo())
	}

	if err := m.SetFormats(1, []string{"MM/dd/yyyy z"}); err == nil {
		t.Error("bad format accepted")
	}
	if err := m.SetTimezone(1, "Mars/Olympus"); err == nil {
		t.Error("bad zone accepted")
	}
	if err := m.SetFormats(1, []string{"M/d/yyyy"}); err != nil {
		t.Fatal(err)
	}
	if err := m.setPoint("site", "Permit ID", "Notes"); err != nil {
		t.Fatal(err)
	}
	if err := m.setPoint("fee", "Permit ID", "Notes"); err == nil || !strings.Contains(err.Error(), "not a point") {
		t.Errorf("point on a money field: %v", err)
	}
	m.Undo()
	if len(m.Points) != 0 {
		t.Errorf("points after undo: %+v", m.Points)
	}
}

// TestMappingCheck checks the whole-mapping rules for each method.
func TestMappingCheck(t *testing.T) {
	ds := permits()
	full := AutoMap([]string{"permit_id", "issued", "fee", "town_name", "contractor", "active", "site", "extra"}, ds)
	noID := AutoMap([]string{"issued", "fee"}, ds)
	tests := []struct {
		name   string
		m      *Mapping
		ds     *socrata.Dataset
		method Method
		want   []string // "severity: part of message", in order for errors
	}{
		{"upsert full", full, ds, Upsert, []string{`note: column "extra" matches no field`}},
		{"upsert no id", noID, ds, Upsert, []string{"error: the row identifier, permit_id, is not mapped: without it an upsert cannot tell", `note: field town_name ("Town") is not in the file: existing rows keep their values`}},
		{"delete no id", noID, ds, Delete, []string{"error: delete needs the row identifier, permit_id"}},
		{"replace no id", noID, ds, Replace, []string{"error: the row identifier, permit_id, is not mapped: a replace needs it", `warning: field town_name ("Town") will be emptied`}},
		{"delete without row id on dataset", noID, &socrata.Dataset{Columns: ds.Columns}, Delete, []string{"error: the dataset has no row identifier, so rows cannot be deleted"}},
		{"append without row id on dataset", noID, &socrata.Dataset{Columns: ds.Columns}, Append, []string{"note: the dataset has no row identifier, so every row in the file will be added as a new row"}},
		{"delete extra columns", full, ds, Delete, []string{`note: column "issued" is not sent: a delete uses only the row identifier`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := tt.m.Check(tt.ds, tt.method)
			var got []string
			for _, is := range issues {
				got = append(got, is.Severity.String()+": "+is.Message)
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					if strings.HasPrefix(g, w) {
						found = true
					}
				}
				if !found {
					t.Errorf("missing %q in\n%s", w, strings.Join(got, "\n"))
				}
			}
			for i := 1; i < len(issues); i++ {
				if issues[i].Severity < issues[i-1].Severity {
					t.Errorf("issues not sorted worst first")
				}
			}
			if tt.name == "upsert full" {
				for _, is := range issues {
					if is.Severity == SeverityError {
						t.Errorf("unexpected error %q", is.Message)
					}
				}
			}
		})
	}
}

// TestColumnMapsRoundTrip turns a mapping into the job's columns and back.
func TestColumnMapsRoundTrip(t *testing.T) {
	ds := permits()
	m := AutoMap([]string{"Permit ID", "Issue Date", "Permit Fee", "Notes"}, ds)
	m.SetClean(2, true)
	m.SetFormats(1, []string{"MM/dd/yyyy"})
	m.Ignore(3)
	cms := m.ColumnMaps()
	want := []ColumnMap{
		{Source: "Permit ID", Field: "permit_id", Type: "text"},
		{Source: "Issue Date", Field: "issued", Type: "floating_timestamp", Formats: []string{"MM/dd/yyyy"}},
		{Source: "Permit Fee", Field: "fee", Type: "money", Clean: true},
		{Source: "Notes"},
	}
	if !reflect.DeepEqual(cms, want) {
		t.Fatalf("ColumnMaps = %+v", cms)
	}
	job := &Job{Columns: cms}
	back := mappingFromJob(job, []string{"Permit ID", "Issue Date", "Permit Fee", "Notes", "New"}, ds)
	if !reflect.DeepEqual(back.ColumnMaps()[:4], want) {
		t.Errorf("round trip = %+v", back.ColumnMaps())
	}
	if back.Columns[0].Kind != MatchJob || back.Columns[3].Kind != MatchIgnored || back.Columns[4].Kind != MatchNone {
		t.Errorf("kinds %v %v %v", back.Columns[0].Kind, back.Columns[3].Kind, back.Columns[4].Kind)
	}
}

// TestSamplesAndFormats reads sample values and detects the date format
// of the corpus's US dates.
func TestSamplesAndFormats(t *testing.T) {
	f, err := OpenCSV(corpus("us_dates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	samples, err := Samples(f, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(samples[1], []string{"01/02/2024", "12/31/2023"}) {
		t.Errorf("samples = %q", samples[1])
	}
	ds := &socrata.Dataset{RowIdentifier: "permit_id", Columns: []socrata.Column{
		{FieldName: "permit_id", Type: socrata.Text},
		{FieldName: "issued", Type: socrata.FloatingTimestamp},
		{FieldName: "inspected", Type: socrata.FixedTimestamp},
	}}
	m := AutoMap(f.Header, ds)
	all, _ := Samples(f, 100, 100)
	guesses := m.DetectFormats(all)
	if !slices.Equal(m.Columns[1].Formats, []string{"MM/dd/yyyy"}) || !slices.Equal(m.Columns[2].Formats, []string{"M/d/yy h:mm a"}) {
		t.Errorf("formats %q %q", m.Columns[1].Formats, m.Columns[2].Formats)
	}
	if g := guesses[1]; g.Note != "" {
		t.Errorf("12/31 settles the order, yet: %q", g.Note)
	}
}
