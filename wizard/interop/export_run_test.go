package interop

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// scriptRun is one run of an exported script against the fakes in
// testdata/exports/fakes.
type scriptRun struct {
	name     string
	edit     func(j *wizard.Job)
	csv      string            // replaces the sample data when set
	env      map[string]string // besides the fakes' settings
	creds    map[string]string // nil means an API key pair
	wantExit int
	wantOut  []string          // each must appear in the script's output
	wantLog  []string          // each must appear in calls.log, in this order
	notLog   []string          // none may appear in calls.log
	sent     map[string]string // file in FAKE_OUT -> exact content
}

// scriptEnv is the environment for a script run: the caller's, without
// any SOCRATA_ variable that could leak in, plus env.
func scriptEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SOCRATA_") && !strings.HasPrefix(kv, "FAKE_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// runScript exports the job with export, runs the script with interpreter
// and checks the outcome.
func runScript(t *testing.T, tt scriptRun, export func(*wizard.Job, string) (*Export, error), interpreter []string, extraEnv map[string]string) {
	t.Helper()
	j, out, _ := exportFixture(t)
	if tt.csv != "" {
		if err := os.WriteFile(j.File, []byte(tt.csv), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if tt.edit != nil {
		tt.edit(j)
	}
	ex, err := export(j, out)
	if err != nil {
		t.Fatal(err)
	}
	fakeOut := t.TempDir()
	secret := "s3cr3t-" + rand.Text()
	scratch := t.TempDir()
	env := map[string]string{"FAKE_OUT": fakeOut, "TMPDIR": scratch}
	for k, v := range extraEnv {
		env[k] = v
	}
	creds := tt.creds
	if creds == nil {
		creds = map[string]string{account.EnvKeyID: "key1", account.EnvKeySecret: "SECRET"}
	}
	for k, v := range creds {
		env[k] = strings.ReplaceAll(v, "SECRET", secret)
	}
	for k, v := range tt.env {
		env[k] = v
	}
	cmd := exec.Command(interpreter[0], append(interpreter[1:], ex.Files[0])...)
	cmd.Env = scriptEnv(env)
	output, err := cmd.CombinedOutput()
	exit := 0
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if exit != tt.wantExit {
		t.Errorf("exit status %d, want %d; output:\n%s", exit, tt.wantExit, output)
	}
	for _, want := range tt.wantOut {
		if !strings.Contains(string(output), want) {
			t.Errorf("output does not say %q:\n%s", want, output)
		}
	}
	if strings.Contains(string(output), secret) {
		t.Error("the script printed the secret")
	}
	if left, _ := os.ReadDir(scratch); len(left) != 0 {
		t.Errorf("the script left temporary files behind: %v", left)
	}
	calls, _ := os.ReadFile(filepath.Join(fakeOut, "calls.log"))
	rest := string(calls)
	for _, want := range tt.wantLog {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Errorf("calls.log lacks %q (in order):\n%s", want, calls)
			break
		}
		rest = rest[i+len(want):]
	}
	for _, not := range tt.notLog {
		if strings.Contains(string(calls), not) {
			t.Errorf("calls.log has %q:\n%s", not, calls)
		}
	}
	if strings.Contains(string(calls), secret) {
		t.Error("the secret reached the log")
	}
	for name, want := range tt.sent {
		got, err := os.ReadFile(filepath.Join(fakeOut, name))
		if err != nil {
			t.Errorf("%s was not sent: %v", name, err)
			continue
		}
		if string(got) != want {
			t.Errorf("%s =\n%q\nwant\n%q", name, got, want)
		}
	}
}

// zonedJob turns the sample job's Issued column into a fixed timestamp read
// in New York time and its Notes column into a Y/N checkbox.
func zonedJob(j *wizard.Job) {
	j.Columns[1] = wizard.ColumnMap{Source: "Issued", Field: "issued", Type: "date", Formats: []string{"MM/dd/yyyy HH:mm"}}
	j.Columns[3] = wizard.ColumnMap{Source: "Notes", Field: "reviewed", Type: "checkbox", YesNo: true}
}

// twoPatternJob reads the sample job's Issued column as US dates or, in
// rows from another system, as yyyy-MM-dd.
func twoPatternJob(j *wizard.Job) { j.Columns[1].Formats = []string{"MM/dd/yyyy", "yyyy-MM-dd"} }

// twoPatternCSV is data for twoPatternJob: one date in each pattern.
const twoPatternCSV = "Permit No,Issued,Fee,Notes,Lat,Lon\nP-1,03/04/2024,75,,,\nP-2,2024-03-05,76,,,\n"

// neitherPatternCSV has a date that neither of twoPatternJob's patterns reads.
const neitherPatternCSV = twoPatternCSV + "P-3,March 6,77,,,\n"

// zonedCSV is data for zonedJob: one date in summer time, one in winter.
const zonedCSV = "Permit No,Issued,Fee,Notes,Lat,Lon\nP-1,07/04/2024 09:30,5,Y,,\nP-2,01/15/2024 23:00,6,no,,\n"

// noQuoteJob reads the sample file as tab-separated text whose quotes are
// ordinary characters.
func noQuoteJob(j *wizard.Job) {
	j.CSV = wizard.Dialect{Delimiter: "\t", Encoding: "utf-8", Header: true, NoQuote: true}
}

// noQuoteTSV is data for noQuoteJob with quotes inside values.
const noQuoteTSV = "Permit No\tIssued\tFee\tNotes\tLat\tLon\n\"P1\t03/04/2024\t5\t\"hi\t\t\n"

// headerChanged is the sample data with a renamed column.
const headerChanged = "Permit Number,Issued,Fee,Notes,Lat,Lon\nP-1,03/04/2024,75,,,\n"

// badDate is the sample data with a date in the wrong pattern.
const badDate = "Permit No,Issued,Fee,Notes,Lat,Lon\nP-1,2024-03-04,75,,,\n"

// twoDigitYears are dates a yy pattern reads, with how the check reads
// them: two digits as a year from 1950 to 2049 (Joda's window, which
// DataSync uses), where strptime's %y alone reads 69-99 as 19xx and 00-68
// as 20xx; four digits as written.
var twoDigitYears = [][2]string{
	{"03/04/24", "2024-03-04T00:00:00"},
	{"12/31/49", "2049-12-31T00:00:00"},
	{"01/01/50", "1950-01-01T00:00:00"}, // strptime alone: 2050
	{"12/31/68", "1968-12-31T00:00:00"}, // strptime alone: 2068
	{"07/04/69", "1969-07-04T00:00:00"},
	{"02/29/52", "1952-02-29T00:00:00"}, // a leap day on both sides of the move
	{"01/02/2050", "2050-01-02T00:00:00"},
}

// twoDigitYearRuns makes the script runs for yy patterns: each value goes
// in a row of its own, and the script must send what the check reads,
// written by row (the script's row format) and fixed (its format for
// fixed timestamps).
func twoDigitYearRuns(t *testing.T, header string, row func(id, date string) string, fixed func(wizard.Value) string) []scriptRun {
	t.Helper()
	var dates []string
	for _, d := range twoDigitYears {
		dates = append(dates, d[0])
	}
	tests := []struct {
		name   string
		column wizard.ColumnMap
		values []string
	}{
		{"two-digit years", wizard.ColumnMap{Type: "floating_timestamp", Formats: []string{"MM/dd/yy"}}, dates},
		// In New York, April 10th is summer time in 2055 and 2024 but was
		// not yet in 1955, and July 4th was: a script that kept the offset
		// or summer-time flag of the year it first read would be an hour
		// out.
		{"two-digit years in a zone", wizard.ColumnMap{Type: "date", Formats: []string{"MM/dd/yy HH:mm"}},
			[]string{"04/10/55 12:00", "07/04/55 09:30", "04/10/24 12:00", "01/15/2049 23:00"}},
		// A % before y in quotes is text, not a two-digit year: nothing moves.
		{"a literal %y", wizard.ColumnMap{Type: "floating_timestamp", Formats: []string{"MM/dd/yyyy '%y'"}},
			[]string{"03/04/2055 %y", "03/04/1955 %y"}},
	}
	var runs []scriptRun
	for _, tt := range tests {
		cm := tt.column
		cm.Source, cm.Field = "Issued", "issued"
		conv, err := wizard.NewConverter("issued", socrata.ParseDataType(cm.Type), cm, "America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		csv := "Permit No,Issued,Fee,Notes,Lat,Lon\n"
		sent := header
		for i, value := range tt.values {
			v, p := conv.Convert(value)
			if p != wizard.OK {
				t.Fatalf("the check does not read %q with %v: %s", value, cm.Formats, conv.Message(value, p))
			}
			want := v.String()
			if i < len(twoDigitYears) && value == twoDigitYears[i][0] && want != twoDigitYears[i][1] {
				t.Fatalf("the check reads %q as %s, want %s", value, want, twoDigitYears[i][1])
			}
			if v.Kind == wizard.ValueFixed {
				want = fixed(v)
			}
			id := fmt.Sprintf("P-%d", i+1)
			csv += id + "," + value + ",1,,,\n"
			sent += row(id, want)
		}
		runs = append(runs, scriptRun{name: tt.name, csv: csv, sent: map[string]string{"": sent},
			edit: func(j *wizard.Job) { j.Columns[1] = cm }})
	}
	return runs
}

func TestSocrataPyScriptRuns(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	fakes, err := filepath.Abs(filepath.Join("testdata", "exports", "fakes", "python"))
	if err != nil {
		t.Fatal(err)
	}
	dataset := "permit_id:text,issued:calendar_date,fee:money,location:point"
	uploaded := "permit_id,issued,fee,location\r\n" +
		"P-1,2024-03-04T00:00:00,1234.50,POINT (-72.67 41.76)\r\n" +
		"P-2,2023-12-31T00:00:00,75,\r\n"
	tests := []scriptRun{
		{
			name:    "upsert",
			wantOut: []string{"Revision update on abcd-1234: successful"},
			wantLog: []string{"auth domain=data.ct.gov login=key1", "lookup abcd-1234", "revision update", "upload permits.csv",
				"transform permit_id = to_text(`permit_id`)", "transform issued = to_floating_timestamp(`issued`)",
				"transform fee = to_number(`fee`)", "transform location = to_point(`location`)", "apply"},
			notLog: []string{"discard"},
			sent:   map[string]string{"uploaded.csv": uploaded},
		},
		{
			name:    "fixed timestamps and a Y/N checkbox",
			edit:    zonedJob,
			csv:     zonedCSV,
			env:     map[string]string{"FAKE_DATASET_COLUMNS": "permit_id:text,issued:date,fee:money,reviewed:checkbox,location:point"},
			wantLog: []string{"transform issued = to_fixed_timestamp(`issued`)", "transform reviewed = to_boolean(`reviewed`)", "apply"},
			sent: map[string]string{"uploaded.csv": "permit_id,issued,fee,reviewed,location\r\n" +
				"P-1,2024-07-04T09:30:00-04:00,5,true,\r\n" +
				"P-2,2024-01-15T23:00:00-05:00,6,false,\r\n"},
		},
		{
			name: "tab-separated without quoting",
			edit: noQuoteJob,
			csv:  noQuoteTSV,
			sent: map[string]string{"uploaded.csv": "permit_id,issued,fee,location\r\n\"\"\"P1\",2024-03-04T00:00:00,5,\r\n"},
		},
		{
			name:    "replace with a username and password",
			edit:    func(j *wizard.Job) { j.Method = wizard.Replace },
			creds:   map[string]string{account.EnvUsername: "jane@ct.gov", account.EnvPassword: "SECRET"},
			wantLog: []string{"login=jane@ct.gov", "revision replace", "apply"},
		},
		{
			name:     "header changed",
			csv:      headerChanged,
			wantExit: 1,
			wantOut:  []string{"have changed since the job was made", "found:    ['Permit Number'"},
			notLog:   []string{"revision"},
		},
		{
			name:     "date in the wrong pattern",
			csv:      badDate,
			wantExit: 1,
			wantOut:  []string{"line 2, column 'Issued': '2024-03-04' does not match the date pattern %m/%d/%Y"},
			notLog:   []string{"revision"},
		},
		{
			name: "two date patterns",
			edit: twoPatternJob,
			csv:  twoPatternCSV,
			sent: map[string]string{"uploaded.csv": "permit_id,issued,fee,location\r\n" +
				"P-1,2024-03-04T00:00:00,75,\r\nP-2,2024-03-05T00:00:00,76,\r\n"},
		},
		{
			name: "ISO8601 beside a pattern",
			edit: func(j *wizard.Job) { j.Columns[1].Formats = []string{"MM/dd/yyyy", "ISO8601"} },
			csv:  twoPatternCSV,
			sent: map[string]string{"uploaded.csv": "permit_id,issued,fee,location\r\n" +
				"P-1,2024-03-04T00:00:00,75,\r\nP-2,2024-03-05T00:00:00,76,\r\n"},
		},
		{
			name:     "a date neither pattern reads",
			edit:     twoPatternJob,
			csv:      neitherPatternCSV,
			wantExit: 1,
			wantOut:  []string{"line 4, column 'Issued': 'March 6' does not match the date pattern %m/%d/%Y or %Y-%m-%d"},
			notLog:   []string{"revision"},
		},
		{
			name:     "no credentials",
			creds:    map[string]string{},
			wantExit: 1,
			wantOut:  []string{"set SOCRATA_KEY_ID and SOCRATA_KEY_SECRET"},
		},
		{
			name:     "half a key",
			creds:    map[string]string{account.EnvKeyID: "key1"},
			wantExit: 1,
			wantOut:  []string{"SOCRATA_KEY_ID and SOCRATA_KEY_SECRET must be set together"},
		},
		{
			name:     "dataset has a column the file lacks",
			env:      map[string]string{"FAKE_DATASET_COLUMNS": dataset + ",inspector:text"},
			wantExit: 1,
			wantOut:  []string{"would change the dataset's columns", "does not supply dataset column 'inspector'"},
			wantLog:  []string{"revision update", "discard"},
			notLog:   []string{"apply"},
		},
		{
			name:     "a type would change",
			env:      map[string]string{"FAKE_DATASET_COLUMNS": strings.Replace(dataset, "fee:money", "fee:text", 1)},
			wantExit: 1,
			wantOut:  []string{"column 'fee' would become number instead of text"},
			wantLog:  []string{"discard"},
			notLog:   []string{"apply"},
		},
		{
			name:     "rows in error",
			env:      map[string]string{"FAKE_ERROR_COUNT": "2"},
			wantExit: 1,
			wantOut:  []string{"2 rows could not be read as the dataset's types", "permits.csv.errors.csv"},
			wantLog:  []string{"discard"},
			notLog:   []string{"apply"},
		},
	}
	for _, run := range twoDigitYearRuns(t, "permit_id,issued,fee,location\r\n",
		func(id, date string) string { return id + "," + date + ",1,\r\n" },
		wizard.Value.String) {
		run.sent = map[string]string{"uploaded.csv": run.sent[""]}
		if strings.Contains(run.name, "zone") {
			run.env = map[string]string{"FAKE_DATASET_COLUMNS": strings.Replace(dataset, "issued:calendar_date", "issued:date", 1)}
		}
		tests = append(tests, run)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"PYTHONPATH": fakes, "FAKE_DATASET_COLUMNS": dataset}
			runScript(t, tt, ExportSocrataPy, []string{py}, env)
		})
	}
}

func TestRSocrataScriptRuns(t *testing.T) {
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		t.Skip("Rscript is not installed")
	}
	r, err := exec.LookPath("R")
	if err != nil {
		t.Skip("R is not installed")
	}
	lib := t.TempDir()
	for _, pkg := range []string{"RSocrata", "httr"} {
		src := filepath.Join("testdata", "exports", "fakes", "r", pkg)
		if out, err := exec.Command(r, "CMD", "INSTALL", "--no-test-load", "-l", lib, src).CombinedOutput(); err != nil {
			t.Fatalf("installing the fake %s: %v\n%s", pkg, err, out)
		}
	}
	sent := "\"permit_id\",\"issued\",\"fee\",\"location\"\n" +
		"\"P-1\",\"2024-03-04T00:00:00\",\"1234.50\",\"POINT (-72.67 41.76)\"\n" +
		"\"P-2\",\"2023-12-31T00:00:00\",\"75\",<NA>\n"
	tests := []scriptRun{
		{
			name:    "upsert",
			wantOut: []string{"done: 2 rows sent"},
			wantLog: []string{"write UPSERT https://data.ct.gov/resource/abcd-1234.json rows=2 login=key1", "token=none"},
			sent:    map[string]string{"sent_1.csv": sent},
		},
		{
			name:    "upsert in chunks, with an app token",
			edit:    func(j *wizard.Job) { j.Batch.Rows = 1 },
			env:     map[string]string{account.EnvAppToken: "tok"},
			wantLog: []string{"write UPSERT", "rows=1", "token=set", "write UPSERT", "rows=1"},
			sent:    map[string]string{"sent_2.csv": "\"permit_id\",\"issued\",\"fee\",\"location\"\n\"P-2\",\"2023-12-31T00:00:00\",\"75\",<NA>\n"},
		},
		{
			name:    "fixed timestamps and a Y/N checkbox",
			edit:    zonedJob,
			csv:     zonedCSV,
			wantLog: []string{"write UPSERT"},
			sent: map[string]string{"sent_1.csv": "\"permit_id\",\"issued\",\"fee\",\"reviewed\",\"location\"\n" +
				"\"P-1\",\"2024-07-04T13:30:00Z\",\"5\",\"true\",<NA>\n" +
				"\"P-2\",\"2024-01-16T04:00:00Z\",\"6\",\"false\",<NA>\n"},
		},
		{
			name: "tab-separated without quoting",
			edit: noQuoteJob,
			csv:  noQuoteTSV,
			sent: map[string]string{"sent_1.csv": "\"permit_id\",\"issued\",\"fee\",\"location\"\n" +
				"\"\"\"P1\",\"2024-03-04T00:00:00\",\"5\",<NA>\n"},
		},
		{
			name:    "replace is one request",
			edit:    func(j *wizard.Job) { j.Method = wizard.Replace; j.Batch.Rows = 1 },
			creds:   map[string]string{account.EnvUsername: "jane@ct.gov", account.EnvPassword: "SECRET"},
			wantLog: []string{"write REPLACE", "rows=2 login=jane@ct.gov"},
			notLog:  []string{"rows=1"},
		},
		{
			name:     "header changed",
			csv:      headerChanged,
			wantExit: 1,
			wantOut:  []string{"have changed since the job was made", "found:    Permit Number"},
			notLog:   []string{"write"},
		},
		{
			name:     "date in the wrong pattern",
			csv:      badDate,
			wantExit: 1,
			wantOut:  []string{"column Issued: 1 values do not match the date pattern %m/%d/%Y, for example 2024-03-04"},
			notLog:   []string{"write"},
		},
		{
			name: "two date patterns",
			edit: twoPatternJob,
			csv:  twoPatternCSV,
			sent: map[string]string{"sent_1.csv": "\"permit_id\",\"issued\",\"fee\",\"location\"\n" +
				"\"P-1\",\"2024-03-04T00:00:00\",\"75\",<NA>\n\"P-2\",\"2024-03-05T00:00:00\",\"76\",<NA>\n"},
		},
		{
			name:     "a date neither pattern reads",
			edit:     twoPatternJob,
			csv:      neitherPatternCSV,
			wantExit: 1,
			wantOut:  []string{"column Issued: 1 values do not match the date pattern %m/%d/%Y or %Y-%m-%d, for example March 6"},
			notLog:   []string{"write"},
		},
		{
			name:     "no credentials",
			creds:    map[string]string{},
			wantExit: 1,
			wantOut:  []string{"set SOCRATA_KEY_ID and SOCRATA_KEY_SECRET"},
		},
		{
			name:     "a chunk fails part-way",
			edit:     func(j *wizard.Job) { j.Batch.Rows = 1 },
			env:      map[string]string{"FAKE_FAIL_AT": "2"},
			wantExit: 1,
			wantOut:  []string{"(HTTP 503)", "rows 1 to 1 were already applied, and running this script again is safe"},
		},
		{
			name:     "the portal refuses",
			env:      map[string]string{"FAKE_STATUS": "403"},
			wantExit: 1,
			wantOut:  []string{"the portal refused the UPSERT (HTTP 403): fake refusal"},
		},
	}
	for _, run := range twoDigitYearRuns(t, "\"permit_id\",\"issued\",\"fee\",\"location\"\n",
		func(id, date string) string { return "\"" + id + "\",\"" + date + "\",\"1\",<NA>\n" },
		func(v wizard.Value) string { return v.Instant().Format(time.RFC3339) }) {
		run.sent = map[string]string{"sent_1.csv": run.sent[""]}
		tests = append(tests, run)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runScript(t, tt, ExportRSocrata, []string{rscript, "--vanilla"}, map[string]string{"R_LIBS": lib})
		})
	}
}
