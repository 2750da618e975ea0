package wizard

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// TestConvertSeveralFormats checks columns that accept more than one
// timestamp pattern: the first pattern that reads a value wins, and a value
// none reads is explained with all of them.
func TestConvertSeveralFormats(t *testing.T) {
	usOrISO := []string{"M/d/yyyy", "yyyy-MM-dd"}
	tests := []struct {
		name    string
		typ     socrata.DataType
		formats []string
		in      string
		want    string // what is sent, when OK
		prob    Problem
		msg     string // part of the message, when not OK
	}{
		{"first format", socrata.FloatingTimestamp, usOrISO, "8/5/2024", "2024-08-05T00:00:00", OK, ""},
		{"second format", socrata.FloatingTimestamp, usOrISO, "2024-08-07", "2024-08-07T00:00:00", OK, ""},
		{"neither", socrata.FloatingTimestamp, usOrISO, "Aug 7", "", probTimeFormat,
			`"Aug 7" does not match the date formats M/d/yyyy or yyyy-MM-dd: add the format it is written in`},
		{"three named", socrata.FloatingTimestamp, []string{"M/d/yyyy", "yyyy-MM-dd", "dd-MMM-yyyy"}, "Aug 7", "", probTimeFormat,
			"does not match the date formats M/d/yyyy, yyyy-MM-dd or dd-MMM-yyyy"},
		{"one named", socrata.FloatingTimestamp, []string{"M/d/yyyy"}, "2024-08-07", "", probTimeFormat,
			`"2024-08-07" does not match the date format M/d/yyyy: choose the format the file uses, or add a second format`},
		{"order decides", socrata.FloatingTimestamp, []string{"dd/MM/yyyy", "MM/dd/yyyy"}, "01/02/2024", "2024-02-01T00:00:00", OK, ""},
		{"order decides, the other way", socrata.FloatingTimestamp, []string{"MM/dd/yyyy", "dd/MM/yyyy"}, "01/02/2024", "2024-01-02T00:00:00", OK, ""},
		{"day past the month's end falls to the next format", socrata.FloatingTimestamp, []string{"MM/dd/yyyy", "dd/MM/yyyy"}, "13/02/2024", "2024-02-13T00:00:00", OK, ""},
		{"impossible date named by its format", socrata.FloatingTimestamp, usOrISO, "2024-02-30", "", probTimeDate,
			"check the day and month, and the format yyyy-MM-dd"},
		{"two-digit year read by yy next", socrata.FloatingTimestamp, []string{"M/d/yyyy", "M/d/yy"}, "3/1/24", "2024-03-01T00:00:00", OK, ""},
		{"two-digit year named by its format", socrata.FloatingTimestamp, []string{"yyyy-MM-dd", "M/d/yyyy"}, "3/1/24", "", probTimeShortYear,
			"which M/d/yyyy would read as a year before 1000"},
		{"fixed, pattern in the zone", socrata.FixedTimestamp, []string{"MM/dd/yyyy HH:mm", timestamp.ISO8601}, "07/15/2024 10:00", "2024-07-15T10:00:00-04:00", OK, ""},
		{"fixed, ISO with its own offset", socrata.FixedTimestamp, []string{"MM/dd/yyyy HH:mm", timestamp.ISO8601}, "2024-07-15T10:00:00Z", "2024-07-15T10:00:00+00:00", OK, ""},
		{"no formats is ISO8601", socrata.FloatingTimestamp, nil, "2024-08-07", "2024-08-07T00:00:00", OK, ""},
		{"no formats named as ISO8601", socrata.FloatingTimestamp, nil, "8/7/2024", "", probTimeFormat, "does not match the date format ISO8601"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewConverter("report_date", tt.typ, ColumnMap{Formats: tt.formats}, "")
			if err != nil {
				t.Fatal(err)
			}
			v, p := c.Convert(tt.in)
			if p != tt.prob {
				t.Fatalf("problem %s, want %s (value %q)", p.name(), tt.prob.name(), v.String())
			}
			if p != OK {
				if msg := c.Message(tt.in, p); !strings.Contains(msg, tt.msg) {
					t.Errorf("message %q\nwant it to contain %q", msg, tt.msg)
				}
				return
			}
			if v.String() != tt.want {
				t.Errorf("sent %q, want %q", v.String(), tt.want)
			}
		})
	}
}

// TestSeveralFormatsRefused checks the lists a converter refuses.
func TestSeveralFormatsRefused(t *testing.T) {
	tests := []struct {
		name    string
		formats []string
		errWith string
	}{
		{"blank", []string{"M/d/yyyy", " "}, "a timestamp pattern is empty"},
		{"twice", []string{"M/d/yyyy", "yyyy-MM-dd", "M/d/yyyy"}, `"M/d/yyyy" is listed twice`},
		{"ISO8601 twice in two spellings", []string{"ISO8601", "iso8601"}, "listed twice"},
		{"bad second", []string{"M/d/yyyy", "MM/dd/yyyy z"}, "z (a zone name)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewConverter("report_date", socrata.FloatingTimestamp, ColumnMap{Formats: tt.formats}, "")
			if err == nil || !strings.Contains(err.Error(), tt.errWith) || !strings.HasPrefix(err.Error(), "field report_date: ") {
				t.Errorf("err = %v, want one about field report_date saying %q", err, tt.errWith)
			}
		})
	}
}

// TestSetFormats checks editing a column's formats: validation, undo, and
// that the mapping keeps its own copy.
func TestSetFormats(t *testing.T) {
	m := AutoMap([]string{"Permit ID", "Issue Date", "Permit Fee", "Notes"}, permits())
	if err := m.SetFormats(1, []string{"M/d/yyyy"}); err != nil {
		t.Fatal(err)
	}
	mine := []string{"M/d/yyyy", "yyyy-MM-dd"}
	if err := m.SetFormats(1, mine); err != nil {
		t.Fatal(err)
	}
	mine[1] = "changed by the caller"
	if !slices.Equal(m.Columns[1].Formats, []string{"M/d/yyyy", "yyyy-MM-dd"}) {
		t.Fatalf("formats = %q", m.Columns[1].Formats)
	}
	for _, bad := range [][]string{{"M/d/yyyy", "M/d/yyyy"}, {"M/d/yyyy", ""}, {"HH:mm"}} {
		if err := m.SetFormats(1, bad); err == nil {
			t.Errorf("SetFormats(%q) accepted", bad)
		}
	}
	if !slices.Equal(m.Columns[1].Formats, []string{"M/d/yyyy", "yyyy-MM-dd"}) {
		t.Fatalf("a refused edit changed the formats to %q", m.Columns[1].Formats)
	}
	if err := m.SetFormats(9, nil); err == nil {
		t.Error("column 10 of 4 accepted")
	}

	cms := m.ColumnMaps()
	if !slices.Equal(cms[1].Formats, []string{"M/d/yyyy", "yyyy-MM-dd"}) {
		t.Errorf("ColumnMaps formats = %q", cms[1].Formats)
	}
	cms[1].Formats[0] = "changed in the job"
	back := mappingFromJob(&Job{Columns: cms}, []string{"Permit ID", "Issue Date", "Permit Fee", "Notes"}, permits())
	cms[1].Formats[1] = "changed in the job again"
	if !slices.Equal(m.Columns[1].Formats, []string{"M/d/yyyy", "yyyy-MM-dd"}) || !slices.Equal(back.Columns[1].Formats, []string{"changed in the job", "yyyy-MM-dd"}) {
		t.Errorf("shared slices: mapping %q, rebuilt %q", m.Columns[1].Formats, back.Columns[1].Formats)
	}

	if err := m.SetFormats(1, nil); err != nil {
		t.Fatal(err)
	}
	if m.Columns[1].Formats != nil || m.ColumnMaps()[1].Formats != nil {
		t.Errorf("cleared formats = %q", m.Columns[1].Formats)
	}
	m.Undo()
	if !slices.Equal(m.Columns[1].Formats, []string{"M/d/yyyy", "yyyy-MM-dd"}) {
		t.Errorf("after one undo = %q", m.Columns[1].Formats)
	}
	m.Undo()
	if !slices.Equal(m.Columns[1].Formats, []string{"M/d/yyyy"}) {
		t.Errorf("after two undos = %q", m.Columns[1].Formats)
	}

	// Formats belong to the field's data: another field starts without.
	if err := m.SetTarget(1, "town_name"); err != nil {
		t.Fatal(err)
	}
	if m.Columns[1].Formats != nil {
		t.Errorf("formats kept on a new field: %q", m.Columns[1].Formats)
	}
	m.Undo()
	if !slices.Equal(m.Columns[1].Formats, []string{"M/d/yyyy"}) {
		t.Errorf("undoing the new field = %q", m.Columns[1].Formats)
	}
}

// TestJobFormatsField checks the job file's "formats" list, and that the
// old single "format" is refused clearly rather than ignored.
func TestJobFormatsField(t *testing.T) {
	dir := t.TempDir()
	job := sampleJob(filepath.Join(dir, "permits.csv"))
	job.Columns[1].Formats = []string{"MM/dd/yyyy", "yyyy-MM-dd"}
	path := filepath.Join(dir, "permits"+JobFileExt)
	if err := SaveJob(path, job); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"formats": [`)) {
		t.Errorf("saved job has no formats list:\n%s", data)
	}
	back, err := LoadJob(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Columns[1].Formats, job.Columns[1].Formats) {
		t.Errorf("loaded formats %q", back.Columns[1].Formats)
	}

	for _, bad := range []struct {
		formats []string
		errWith string
	}{
		{[]string{"MM/dd/yyyy", "MM/dd/yyyy"}, `column "Issued": timestamp pattern "MM/dd/yyyy" is listed twice`},
		{[]string{"MM/dd/yyyy", ""}, `column "Issued": a timestamp pattern is empty`},
		{[]string{"MM/dd/yyyy", "HH:mm"}, `column "Issued": timestamp pattern "HH:mm" needs a year`},
	} {
		j := sampleJob(filepath.Join(dir, "permits.csv"))
		j.Columns[1].Formats = bad.formats
		if err := j.Validate(); err == nil || !strings.Contains(err.Error(), bad.errWith) {
			t.Errorf("formats %q: err = %v, want %q", bad.formats, err, bad.errWith)
		}
	}

	tests := []struct {
		name, from, to string
		errWith        []string
	}{
		{"old single format", `"formats": [
        "MM/dd/yyyy",
        "yyyy-MM-dd"
      ]`, `"format": "MM/dd/yyyy"`, []string{`field "format" is not part of a job file`, "line "}},
		{"a string, not a list", `"formats": [
        "MM/dd/yyyy",
        "yyyy-MM-dd"
      ]`, `"formats": "MM/dd/yyyy"`, []string{`"columns.formats" must be a list [...]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(data, []byte(tt.from)) {
				t.Fatalf("saved job does not hold %s:\n%s", tt.from, data)
			}
			p := filepath.Join(t.TempDir(), "old"+JobFileExt)
			if err := os.WriteFile(p, bytes.Replace(data, []byte(tt.from), []byte(tt.to), 1), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadJob(p)
			for _, w := range tt.errWith {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			}
		})
	}
}

// TestSampleFileTwoDateStyles is the walk-through of the demo's park
// visits file: its renamed header is mapped, its one ISO date is reported
// with its line and a suggested format, and accepting that format as a
// second one makes the check pass.
func TestSampleFileTwoDateStyles(t *testing.T) {
	srv := socratatest.NewServer(socratatest.WithSamples())
	defer srv.Close()
	demo := srv.Portal.Demo()
	client, err := socrata.NewClient(srv.URL, socrata.Credentials{Kind: socrata.APIKey, ID: demo.KeyID, Secret: demo.KeySecret}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ds, err := client.Dataset(context.Background(), socratatest.ParkVisitsID)
	if err != nil {
		t.Fatal(err)
	}
	var sample socratatest.SampleFile
	for _, f := range socratatest.SampleFiles() {
		if f.Name == "park_visits_2024_07.csv" {
			sample = f
		}
	}
	if sample.Content == "" {
		t.Fatal("no park_visits_2024_07.csv among the sample files")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, sample.Name)
	if err := os.WriteFile(path, []byte(sample.Content), 0o600); err != nil {
		t.Fatal(err)
	}

	f, err := OpenCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	m := AutoMap(f.Header, ds)
	visitors := slices.Index(f.Header, "Visitor Count")
	date := slices.Index(f.Header, "report_date")
	if visitors < 0 || date < 0 || m.Columns[visitors].Field != "visitors" || m.Columns[visitors].Kind != MatchDisplayName {
		t.Fatalf("Visitor Count mapped as %+v", m.Columns[visitors])
	}
	samples, err := Samples(f, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	guess := m.DetectFormats(samples)[date]
	if !slices.Equal(m.Columns[date].Formats, []string{"M/d/yyyy"}) || guess.Unmatched != "2024-08-07" {
		t.Fatalf("detected %q, unmatched %q", m.Columns[date].Formats, guess.Unmatched)
	}

	job := &Job{
		Version: JobVersion, Domain: "data.ct.gov", Dataset: string(ds.ID), File: sample.Name,
		Method: Upsert, RowIdentifier: ds.RowIdentifier,
		CSV:     f.Dialect,
		Columns: m.ColumnMaps(), Points: m.Points,
	}
	check := func() *Report {
		t.Helper()
		rep, err := Check(context.Background(), job, CheckOptions{BaseDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	rep := check()
	var text bytes.Buffer
	rep.WriteText(&text)
	want := `report_date (from "report_date", Date & Time, format M/d/yyyy): 1 bad value
  line 7: "2024-08-07" does not match the date format M/d/yyyy: choose the format the file uses, or add a second format for values written like this one
  "2024-08-07" fits the format yyyy-MM-dd: add it to the column's formats if some rows are written that way
1 of 7 rows cannot be sent.
`
	if rep.OK() || !strings.Contains(text.String(), want) {
		t.Fatalf("first check:\n%s\nwant it to contain:\n%s", text.String(), want)
	}
	var js struct {
		Columns []struct {
			Field           string   `json:"field"`
			Formats         []string `json:"formats"`
			SuggestedFormat string   `json:"suggested_format"`
			SuggestedFor    string   `json:"suggested_for"`
		} `json:"columns"`
	}
	var raw bytes.Buffer
	rep.WriteJSON(&raw)
	if err := json.Unmarshal(raw.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	var dateReport = js.Columns[len(js.Columns)-1]
	if dateReport.Field != "report_date" || !slices.Equal(dateReport.Formats, []string{"M/d/yyyy"}) ||
		dateReport.SuggestedFormat != "yyyy-MM-dd" || dateReport.SuggestedFor != "2024-08-07" {
		t.Errorf("JSON report of report_date: %+v", dateReport)
	}

	// The person accepts the suggestion as a second format.
	if err := m.SetFormats(date, append(m.Columns[date].Formats, rep.Columns[len(rep.Columns)-1].SuggestedFormat)); err != nil {
		t.Fatal(err)
	}
	job.Columns = m.ColumnMaps()
	rep = check()
	text.Reset()
	rep.WriteText(&text)
	if !rep.OK() || rep.Rows != 7 || !strings.Contains(text.String(), "No problems found") {
		t.Fatalf("second check:\n%s", text.String())
	}

	// What would be sent for line 7 and for a US date.
	plan, err := NewPlan(job, f.Header)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := f.Records()
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	var sent []string
	for {
		rec, err := rr.Next()
		if err != nil {
			break
		}
		row, probs := plan.row(rec.Fields, nil)
		if probs != nil {
			t.Fatalf("line %d: %+v", rec.Line, probs)
		}
		for _, fv := range row {
			if fv.Field == "report_date" {
				sent = append(sent, fv.Value.String())
			}
		}
	}
	if want := []string{"2024-08-05T00:00:00", "2024-08-05T00:00:00", "2024-08-05T00:00:00", "2024-08-06T00:00:00", "2024-08-06T00:00:00", "2024-08-07T00:00:00", "2024-07-05T00:00:00"}; !reflect.DeepEqual(sent, want) {
		t.Errorf("report dates sent %q\nwant %q", sent, want)
	}
}
