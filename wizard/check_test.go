package wizard

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func separatorsJob() *Job {
	return &Job{
		Version:       JobVersion,
		Domain:        "data.ct.gov",
		Dataset:       "abcd-1234",
		File:          "separators.csv",
		Method:        Upsert,
		RowIdentifier: "permit_id",
		CSV:           Dialect{Delimiter: ",", Encoding: EncodingUTF8, Header: true},
		Columns: []ColumnMap{
			{Source: "permit_id", Field: "permit_id", Type: "text"},
			{Source: "fee", Field: "fee", Type: "number"},
			{Source: "rate", Field: "rate", Type: "percent", Clean: true},
			{Source: "balance"},
		},
	}
}

// TestCheckText checks the headless report a person reads in a terminal
// or a cron mail.
func TestCheckText(t *testing.T) {
	path := copyCorpus(t, "separators.csv")
	job := separatorsJob()
	rep, err := Check(context.Background(), job, CheckOptions{BaseDir: filepath.Dir(path), WriteRejects: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != 1 {
		t.Errorf("exit code %d", rep.ExitCode())
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `Checked separators.csv: 4 rows (UTF-8, comma-separated, header row).
fee (from "fee", Number): 3 bad values
  line 2: "1,234" has a thousands separator: turn on clean for this column or remove it
  line 4: "1,5" uses a comma as the decimal mark: Socrata needs a point, such as 1.5
  line 5: "NaN" is not a number the portal accepts: leave the cell empty instead
3 of 4 rows cannot be sent.
Every bad row was written to ` + filepath.Join(filepath.Dir(path), "separators.rejected.csv") + `, with its line number and the reason.
`
	if b.String() != want {
		t.Errorf("text report:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestCheckJSON checks the machine-readable report.
func TestCheckJSON(t *testing.T) {
	path := copyCorpus(t, "separators.csv")
	job := separatorsJob()
	job.File = path
	rep, err := Check(context.Background(), job, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows     int  `json:"rows"`
		BadRows  int  `json:"bad_rows"`
		Complete bool `json:"complete"`
		Columns  []struct {
			Field    string           `json:"field"`
			Bad      int              `json:"bad"`
			Problems map[string]int   `json:"problems"`
			Examples []map[string]any `json:"examples"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Rows != 4 || got.BadRows != 3 || !got.Complete || len(got.Columns) != 3 {
		t.Fatalf("%+v", got)
	}
	fee := got.Columns[1]
	if fee.Field != "fee" || fee.Bad != 3 || fee.Problems["thousands_separator"] != 1 || fee.Examples[0]["line"] != 2.0 {
		t.Errorf("fee = %+v", fee)
	}
}

// TestCheckJobProblems checks what the headless check says when the job
// no longer fits the file, or cannot work at all.
func TestCheckJobProblems(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("renamed.csv", "permit_id,fee_usd,rate,balance,added\nP-1,1,2,3,4\n")
	write("ok.csv", "permit_id,fee,rate,balance\nP-1,1,2,3\n")
	write("empty.csv", "")

	tests := []struct {
		name   string
		file   string
		method Method
		rowID  string
		want   []string
	}{
		{"renamed column", "renamed.csv", Upsert, "permit_id", []string{
			`Error: the file has no column "fee", which the job maps to field fee`,
		}},
		{"delete without row id", "ok.csv", Delete, "", []string{
			"Error: the dataset has no row identifier, so rows cannot be deleted from a file",
		}},
		{"clean", "ok.csv", Upsert, "permit_id", []string{"No problems found: every value can be sent."}},
		{"empty file", "empty.csv", Upsert, "permit_id", []string{"The file could not be read to the end: empty.csv is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := separatorsJob()
			job.File, job.Method, job.RowIdentifier = tt.file, tt.method, tt.rowID
			rep, err := Check(context.Background(), job, CheckOptions{BaseDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			rep.WriteText(&b)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, b.String())
				}
			}
			if wantOK := tt.name == "clean"; rep.OK() != wantOK {
				t.Errorf("OK = %v", rep.OK())
			}
		})
	}

	// A new column in the file is a warning, not a failure.
	job := separatorsJob()
	job.File = "renamed.csv"
	job.Columns[1].Source = "fee_usd"
	rep, err := Check(context.Background(), job, CheckOptions{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rep.WriteText(&b)
	if !rep.OK() || !strings.Contains(b.String(), `Warning: the file has a column "added" that the job does not mention; it is not sent`) {
		t.Errorf("report:\n%s", b.String())
	}

	// A file that is not there is an error, not a report.
	job.File = "missing.csv"
	if _, err := Check(context.Background(), job, CheckOptions{BaseDir: dir}); err == nil || !strings.Contains(err.Error(), "there is no such file") {
		t.Errorf("missing file: %v", err)
	}
}
