package wizard

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// copyCorpus copies a corpus file into a temporary folder, so that a
// rejected-rows file can be written beside it.
func copyCorpus(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(corpus(name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestValidateCorpus validates the corpus files with bad values and checks
// what the report tells the person: the count per column and the first
// examples with their lines.
func TestValidateCorpus(t *testing.T) {
	type col struct {
		field    string
		bad      int64
		examples []string // "line: message prefix"
	}
	tests := []struct {
		name    string
		file    string
		columns []ColumnMap
		points  []PointSource
		rows    int64
		badRows int64
		want    []col
	}{
		{"separators", "separators.csv", []ColumnMap{
			{Source: "permit_id", Field: "permit_id", Type: "text"},
			{Source: "fee", Field: "fee", Type: "number"},
			{Source: "rate", Field: "rate", Type: "percent"},
			{Source: "balance", Field: "balance", Type: "money"},
		}, nil, 4, 4, []col{
			{"fee", 3, []string{`2: "1,234" has a thousands separator: turn on clean for this column or remove it`, `4: "1,5" uses a comma as the decimal mark`, `5: "NaN" is not a number the portal accepts`}},
			{"rate", 2, []string{`2: "45%" has a percent sign`, `4: "10%" has a percent sign`}},
			{"balance", 3, []string{`2: "$10.00" has a currency symbol`, `3: "(5.00)" uses parentheses`, `4: "$1,200.50" has a currency symbol`}},
		}},
		{"separators cleaned", "separators.csv", []ColumnMap{
			{Source: "permit_id", Field: "permit_id", Type: "text"},
			{Source: "fee", Field: "fee", Type: "number", Clean: true},
			{Source: "rate", Field: "rate", Type: "percent", Clean: true},
			{Source: "balance", Field: "balance", Type: "money", Clean: true},
		}, nil, 4, 2, []col{
			{"fee", 2, []string{`4: "1,5" uses a comma`, `5: "NaN" is not a number`}},
			{"rate", 0, nil},
			{"balance", 0, nil},
		}},
		{"yes/no off", "yesno.csv", []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "active", Field: "active", Type: "checkbox"}}, nil, 6, 5, []col{
			{"active", 5, []string{`2: "Y" is not true or false: turn on yes/no`, `3: "N" is not`, `5: "Yes" is not`, `6: "0" is not`, `7: "maybe" is not true or false`}},
		}},
		{"yes/no on", "yesno.csv", []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "active", Field: "active", Type: "checkbox", YesNo: true}}, nil, 6, 1, []col{
			{"active", 1, []string{`7: "maybe" is not true or false`}},
		}},
		{"US dates", "us_dates.csv", []ColumnMap{
			{Source: "permit_id", Field: "permit_id"},
			{Source: "issued", Field: "issued", Type: "floating_timestamp", Formats: []string{"MM/dd/yyyy"}},
			{Source: "inspected", Field: "inspected", Type: "fixed_timestamp", Formats: []string{"M/d/yy h:mm a"}},
		}, nil, 3, 0, []col{{"issued", 0, nil}, {"inspected", 0, nil}}},
		{"bad dates", "bad_date.csv", []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "issued", Field: "issued", Type: "calendar_date"}}, nil, 4, 3, []col{
			{"issued", 3, []string{`3: "2024-02-30" is not a real date`, `4: "March 5th" does not match the date format ISO8601`, `5: "2024-03-01T10:00:00Z" has a time zone`}},
		}},
		{"WKT points", "points_wkt.csv", []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "site", Field: "site", Type: "point"}}, nil, 5, 2, []col{
			{"site", 2, []string{`4: "(41.76, -72.68)" looks like latitude, longitude`, `5: "POINT (41.76 -172.68)" has latitude first`}},
		}},
		{"lat/lon points", "points_latlon.csv", []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "latitude"}, {Source: "longitude"}},
			[]PointSource{{Field: "site", Latitude: "latitude", Longitude: "longitude"}}, 4, 2, []col{
				{"site", 2, []string{`3: only one of latitude and longitude is given`, `5: "95, -72" is off the map`}},
			}},
		{"ragged", "ragged.csv", []ColumnMap{{Source: "a", Field: "a"}, {Source: "b"}, {Source: "c"}, {Source: "d"}, {Source: "e"}, {Source: "f"}}, nil, 8, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := OpenCSV(corpus(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := NewPlan(&Job{Columns: tt.columns, Points: tt.points}, f.Header)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Validate(context.Background(), f, plan, ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rows != tt.rows || rep.BadRows != tt.badRows || !rep.Complete {
				t.Errorf("rows %d bad %d complete %v, want %d %d", rep.Rows, rep.BadRows, rep.Complete, tt.rows, tt.badRows)
			}
			if rep.OK() != (tt.badRows == 0) || rep.ExitCode() != map[bool]int{true: 0, false: 1}[tt.badRows == 0] {
				t.Errorf("OK %v exit %d", rep.OK(), rep.ExitCode())
			}
			for _, w := range tt.want {
				var cr *ColumnReport
				for i := range rep.Columns {
					if rep.Columns[i].Field == w.field {
						cr = &rep.Columns[i]
					}
				}
				if cr == nil {
					t.Fatalf("no report for %s", w.field)
				}
				if cr.Bad != w.bad || len(cr.Examples) != len(w.examples) {
					t.Errorf("%s: %d bad, %d examples %+v; want %d, %d", w.field, cr.Bad, len(cr.Examples), cr.Examples, w.bad, len(w.examples))
					continue
				}
				for i, e := range cr.Examples {
					got := strconv.Itoa(e.Line) + ": " + e.Message
					if !strings.HasPrefix(got, w.examples[i]) {
						t.Errorf("%s example %d = %q, want prefix %q", w.field, i, got, w.examples[i])
					}
				}
			}
		})
	}
}

// TestRejectedFile checks that every bad row lands in <name>.rejected.csv
// beside the source, with its line and reason, and nothing else is left
// behind.
func TestRejectedFile(t *testing.T) {
	path := copyCorpus(t, "separators.csv")
	f, err := OpenCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(&Job{Columns: []ColumnMap{
		{Source: "permit_id", Field: "permit_id"},
		{Source: "fee", Field: "fee", Type: "number", Clean: true},
		{Source: "rate"}, {Source: "balance"},
	}}, f.Header)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Validate(context.Background(), f, plan, ValidateOptions{WriteRejects: true})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(filepath.Dir(path), "separators.rejected.csv")
	if rep.Rejected != want {
		t.Fatalf("rejected file %q, want %q", rep.Rejected, want)
	}
	fh, err := os.Open(want)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		{"line", "permit_id", "fee", "rate", "balance", "problem"},
		{"4", "P-3", "1,5", "10%", "$1,200.50", `fee: "1,5" uses a comma as the decimal mark: Socrata needs a point, such as 1.5`},
		{"5", "P-4", "NaN", "7", "8", `fee: "NaN" is not a number the portal accepts: leave the cell empty instead`},
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("rejected rows:\n%q\nwant\n%q", rows, wantRows)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 {
		t.Errorf("files left beside the source: %v", entries)
	}

	// A clean file writes no rejected file.
	clean := copyCorpus(t, "crlf.csv")
	f, _ = OpenCSV(clean)
	plan, _ = NewPlan(&Job{Columns: []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "town", Field: "town"}}}, f.Header)
	rep, err = Validate(context.Background(), f, plan, ValidateOptions{WriteRejects: true})
	if err != nil || rep.Rejected != "" || !rep.OK() {
		t.Fatalf("clean file: %+v %v", rep, err)
	}
	if _, err := os.Stat(RejectedPath(clean)); !os.IsNotExist(err) {
		t.Errorf("clean file left a rejected file: %v", err)
	}
}

// bigFile writes n rows of which every tenth has a bad number.
func bigFile(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("id,amount\n")
	for i := 0; i < n; i++ {
		if i%10 == 9 {
			b.WriteString("x,\"1,000\"\n")
		} else {
			b.WriteString("x,12.5\n")
		}
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestValidateProgressAndCancel checks that progress is reported as the
// file is read, that a cancelled check stops and leaves no rejected file,
// and that examples stop at the limit while counting goes on.
func TestValidateProgressAndCancel(t *testing.T) {
	path := bigFile(t, 50000)
	f, err := OpenCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(&Job{Columns: []ColumnMap{{Source: "id", Field: "id"}, {Source: "amount", Field: "amount", Type: "number"}}}, f.Header)
	if err != nil {
		t.Fatal(err)
	}
	var seen []ValidateProgress
	rep, err := Validate(context.Background(), f, plan, ValidateOptions{Progress: func(p ValidateProgress) { seen = append(seen, p) }, MaxExamples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 5 || seen[len(seen)-1].Rows != 50000 || seen[len(seen)-1].Bytes != f.Size || seen[0].Total != f.Size {
		t.Errorf("progress %+v", seen)
	}
	if rep.Columns[1].Bad != 5000 || len(rep.Columns[1].Examples) != 3 || rep.Columns[1].Problems["thousands_separator"] != 5000 {
		t.Errorf("column report %+v", rep.Columns[1])
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	rep, err = Validate(ctx, f, plan, ValidateOptions{WriteRejects: true, Progress: func(ValidateProgress) {
		calls++
		if calls == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || rep == nil || rep.Complete || rep.Rows >= 50000 {
		t.Fatalf("cancelled: err %v report %+v", err, rep)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("cancelled check left files: %v", entries)
	}
}

// TestValidateFatal checks that a file that cannot be read to the end
// says where, and is not OK.
func TestValidateFatal(t *testing.T) {
	f, err := OpenCSV(corpus("unclosed_quote.csv"))
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := NewPlan(&Job{Columns: []ColumnMap{{Source: "permit_id", Field: "permit_id"}, {Source: "note", Field: "note"}}}, f.Header)
	rep, err := Validate(context.Background(), f, plan, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(rep.Fatal, "line 3") || rep.Rows != 1 {
		t.Errorf("report %+v", rep)
	}
}

// TestNewPlanErrors checks the job mistakes NewPlan refuses, all at once.
func TestNewPlanErrors(t *testing.T) {
	job := &Job{Columns: []ColumnMap{
		{Source: "a", Field: "x"},
		{Source: "b", Field: "x"},
		{Source: "gone", Field: "y"},
		{Source: "c", Field: "when", Type: "date", Timezone: "Nowhere/Special"},
		{Source: "d", Field: "photo", Type: "photo"},
		{Source: "e", Field: "day", Type: "calendar_date", Formats: []string{"HH:mm"}},
	}}
	_, err := NewPlan(job, []string{"a", "b", "c", "d", "e", "new"})
	var pe *PlanError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`field x is filled by both "a" and "b"`,
		`the file has no column "gone", which the job maps to field y`,
		`field when: "Nowhere/Special" is not a time zone`,
		"field photo has a type (photo) that cannot be written",
		"field day: timestamp pattern \"HH:mm\" needs a year",
	}
	if len(pe.Problems) != len(want) {
		t.Fatalf("problems %q", pe.Problems)
	}
	for i, w := range want {
		if !strings.Contains(pe.Problems[i], w) {
			t.Errorf("problem %d = %q, want %q", i, pe.Problems[i], w)
		}
	}
}

// TestPlanRowJSON checks the JSON row the upload will send.
func TestPlanRowJSON(t *testing.T) {
	plan, err := NewPlan(&Job{
		Columns: []ColumnMap{
			{Source: "id", Field: "permit_id", Type: "text"},
			{Source: "fee", Field: "fee", Type: "number", Clean: true},
			{Source: "on", Field: "active", Type: "checkbox", YesNo: true},
			{Source: "when", Field: "issued", Type: "calendar_date", Formats: []string{"MM/dd/yyyy"}},
			{Source: "lat"}, {Source: "lon"},
			{Source: "note", Field: "note", Type: "text"},
		},
		Points: []PointSource{{Field: "site", Latitude: "lat", Longitude: "lon"}},
	}, []string{"id", "fee", "on", "when", "lat", "lon", "note"})
	if err != nil {
		t.Fatal(err)
	}
	b, probs := plan.appendJSONRow(nil, []string{"P-1", "$1,234.50", "Y", "03/01/2024", "41.76", "-72.68", ""})
	want := `{"permit_id":"P-1","fee":"1234.50","active":true,"issued":"2024-03-01T00:00:00","note":null,"site":{"type":"Point","coordinates":[-72.68,41.76]}}`
	if probs != nil || string(b) != want {
		t.Errorf("row = %s %v\nwant  %s", b, probs, want)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Errorf("not JSON: %v", err)
	}
	b, probs = plan.appendJSONRow([]byte("x"), []string{"P-2", "1,5", "maybe", "3/1/24", "", "", ""})
	if string(b) != "x" || len(probs) != 3 || probs[0].Field != "fee" || probs[2].Field != "issued" {
		t.Errorf("bad row: %s %+v", b, probs)
	}
}

// TestValidateAllocationsDoNotGrowWithRows checks that checking a file
// allocates the same whether it has a thousand rows or twenty thousand:
// an allocation per row (or per value) would make the check's speed depend
// on the garbage collector, and its memory on the file.
func TestValidateAllocationsDoNotGrowWithRows(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two files of a few megabytes")
	}
	allocs := func(rows int) float64 {
		var b strings.Builder
		b.WriteString("permit_id,town,description,fee,issued,inspected,active,site\n")
		for i := range rows {
			b.WriteString("P-" + strconv.Itoa(i) + ",Hartford,\"Renovation, phase 1\",12.50,03/14/2024,2024-03-14T10:30:00,true,POINT (-72.68 41.76)\n")
		}
		path := filepath.Join(t.TempDir(), "rows.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		job := benchJob(path)
		return testing.AllocsPerRun(3, func() {
			rep, err := Check(context.Background(), job, CheckOptions{})
			if err != nil || !rep.OK() || rep.Rows != int64(rows) {
				t.Fatalf("check of %d rows: %v %+v", rows, err, rep)
			}
		})
	}
	small, large := allocs(1000), allocs(20000)
	if large-small > 10 {
		t.Errorf("checking 20,000 rows allocates %.0f times, 1,000 rows %.0f: something allocates per row", large, small)
	}
}
