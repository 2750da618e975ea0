package interop

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/wizard"
)

// updateExports rewrites the golden files under testdata/exports. It has
// its own name so that it cannot clash with another test file's -update;
// -update, when some other file defines it, works too.
var updateExports = flag.Bool("update-exports", false, "rewrite testdata/exports/*.golden")

func updatingGolden() bool {
	if *updateExports {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// permitsCSV is the sample data file the exports' scripts run on.
const permitsCSV = "Permit No,Issued,Fee,Notes,Lat,Lon\n" +
	"P-1,03/04/2024,\"$1,234.50\",first,41.76,-72.67\n" +
	"P-2,12/31/2023,75,,,\n"

// exportFixture writes the sample CSV into a fresh directory and returns
// the job for it (testdata/permits.job.json, a job for building permits),
// the directory to export into, and the fresh directory.
func exportFixture(t *testing.T) (*wizard.Job, string, string) {
	t.Helper()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(data, "permits.csv")
	if err := os.WriteFile(file, []byte(permitsCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := wizard.LoadJob(filepath.Join("testdata", "permits.job.json"))
	if err != nil {
		t.Fatal(err)
	}
	j.File = file
	return j, filepath.Join(root, "out"), root
}

// golden compares got (with root replaced by $DIR) to a golden file.
func golden(t *testing.T, name, root, got string) {
	t.Helper()
	got = strings.ReplaceAll(got, root, "$DIR")
	path := filepath.Join("testdata", "exports", name+".golden")
	if updatingGolden() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./wizard -run Export -update-exports to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run with -update-exports if the change is intended):\n%s", name, path, got)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
}

// controlFile is a DataSync control file with its csv or tsv section.
type controlFile struct {
	Action string         `json:"action"`
	CSV    map[string]any `json:"csv"`
	TSV    map[string]any `json:"tsv"`
}

func TestExportDataSync(t *testing.T) {
	j, out, root := exportFixture(t)
	ex, err := ExportDataSync(j, out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"permits.sij", "permits_control.json", "config.json", "permits_datasync_command.txt", "permits_datasync_README.txt"}
	if len(ex.Files) != len(want) {
		t.Fatalf("files = %v", ex.Files)
	}
	for i, f := range ex.Files {
		if filepath.Base(f) != want[i] {
			t.Errorf("file %d = %s, want %s", i, f, want[i])
		}
	}

	var sij map[string]any
	readJSON(t, filepath.Join(out, "permits.sij"), &sij)
	for k, v := range map[string]any{
		"datasetID": "abcd-1234", "fileToPublish": j.File, "publishMethod": "upsert",
		"fileToPublishHasHeaderRow": true, "publishViaDi2Http": true, "publishViaFTP": false,
		"isPostNbeification": true, "fileVersionUID": 4.0,
	} {
		if sij[k] != v {
			t.Errorf(".sij %s = %v, want %v", k, sij[k], v)
		}
	}
	if _, both := sij["pathToControlFile"]; both {
		t.Error(".sij names a control file path as well as its content; DataSync aborts when they differ")
	}
	controlBytes, _ := os.ReadFile(filepath.Join(out, "permits_control.json"))
	if sij["controlFileContent"] != string(controlBytes) {
		t.Error("the .sij's control content differs from permits_control.json")
	}

	var control controlFile
	readJSON(t, filepath.Join(out, "permits_control.json"), &control)
	csv := control.CSV
	if control.Action != "Upsert" || csv == nil || control.TSV != nil {
		t.Fatalf("control = %+v", control)
	}
	checks := map[string]string{
		"columns":                 `["permit_id","issued","fee","column_3","column_4","column_5"]`,
		"ignoreColumns":           `["column_3","column_4","column_5"]`,
		"skip":                    `1`,
		"encoding":                `"UTF-8"`,
		"separator":               `","`,
		"quote":                   `"\""`,
		"emptyTextIsNull":         `true`,
		"trimWhitespace":          `true`,
		"floatingTimestampFormat": `["ISO8601","MM/dd/yyyy"]`,
		"fixedTimestampFormat":    `["ISO8601"]`,
		"timezone":                `"America/New_York"`,
		"overrides":               `{}`,
		"syntheticPoints":         `{"location":{"latitude":"column_4","longitude":"column_5","type":"point"}}`,
	}
	for k, want := range checks {
		got, _ := json.Marshal(csv[k])
		if string(got) != want {
			t.Errorf("control csv.%s = %s, want %s", k, got, want)
		}
	}
	allowed := "columns ignoreColumns skip encoding separator quote emptyTextIsNull trimWhitespace trimServerWhitespace " +
		"floatingTimestampFormat fixedTimestampFormat timezone overrides syntheticPoints setAsideErrors"
	for k := range csv {
		if !strings.Contains(" "+allowed+" ", " "+k+" ") {
			t.Errorf("control csv has key %q, which DataSync does not know (it rejects unknown keys)", k)
		}
	}

	var cfg map[string]string
	readJSON(t, filepath.Join(out, "config.json"), &cfg)
	if cfg["domain"] != "https://data.ct.gov" || cfg["username"] != "key1" || cfg["password"] != "<fill in the API key secret>" {
		t.Errorf("config.json = %v", cfg)
	}
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(filepath.Join(out, "config.json")); info.Mode().Perm() != 0o600 {
			t.Errorf("config.json mode = %v, want 0600: the person will put a secret in it", info.Mode().Perm())
		}
	}

	command, _ := os.ReadFile(filepath.Join(out, "permits_datasync_command.txt"))
	wantCmd := "java -jar DataSync.jar -c " + filepath.Join(out, "config.json") + " -f " + j.File +
		" -i abcd-1234 -ph true -cf " + filepath.Join(out, "permits_control.json") + "\n"
	if runtime.GOOS != "windows" && string(command) != wantCmd {
		t.Errorf("command = %q\nwant      %q", command, wantCmd)
	}

	if len(ex.Warnings) != 1 || !strings.Contains(ex.Warnings[0], `"Fee" must hold plain numbers`) {
		t.Errorf("warnings = %q, want the one about cleaned numbers", ex.Warnings)
	}
	readme, _ := os.ReadFile(filepath.Join(out, "permits_datasync_README.txt"))
	golden(t, "permits_datasync_README.txt", root, string(readme))
}

func TestExportDataSyncKeepsFilledConfig(t *testing.T) {
	j, out, _ := exportFixture(t)
	os.MkdirAll(out, 0o755)
	mine := []byte(`{"domain": "https://data.ct.gov", "username": "key1", "password": "filled-in-by-hand"}`)
	if err := os.WriteFile(filepath.Join(out, "config.json"), mine, 0o600); err != nil {
		t.Fatal(err)
	}
	ex, err := ExportDataSync(j, out)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "config.json")); string(got) != string(mine) {
		t.Error("the export overwrote a config.json the person had filled in")
	}
	for _, f := range ex.Files {
		if filepath.Base(f) == "config.json" {
			t.Error("config.json is listed as written")
		}
	}
	if !strings.Contains(strings.Join(ex.Warnings, " "), "already exists and was left as it is") {
		t.Errorf("no warning about the kept config.json: %q", ex.Warnings)
	}
}

func TestExportDataSyncVariants(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(j *wizard.Job)
		check func(t *testing.T, c controlFile, sij map[string]any, ex *Export)
	}{
		{
			name: "formats differ: per-column overrides",
			edit: func(j *wizard.Job) {
				j.Columns = append(j.Columns[:3],
					wizard.ColumnMap{Source: "Closed", Field: "closed", Type: "calendar_date", Formats: []string{"dd-MMM-yyyy"}},
					wizard.ColumnMap{Source: "Stamp", Field: "stamp", Type: "fixed_timestamp", Formats: []string{"MM/dd/yyyy HH:mm"}, Timezone: "UTC"},
					wizard.ColumnMap{Source: "Lat"}, wizard.ColumnMap{Source: "Lon"})
			},
			check: func(t *testing.T, c controlFile, _ map[string]any, _ *Export) {
				got, _ := json.Marshal([]any{c.CSV["floatingTimestampFormat"], c.CSV["fixedTimestampFormat"], c.CSV["overrides"]})
				want := `[["ISO8601"],["ISO8601","MM/dd/yyyy HH:mm"],{"closed":{"timestampFormat":["dd-MMM-yyyy"]},"issued":{"timestampFormat":["MM/dd/yyyy"]},"stamp":{"timezone":"UTC"}}]`
				if string(got) != want {
					t.Errorf("formats and overrides = %s\nwant %s", got, want)
				}
			},
		},
		{
			name: "several formats: the list is written whole, in order",
			edit: func(j *wizard.Job) { j.Columns[1].Formats = []string{"M/d/yyyy", "yyyy-MM-dd"} },
			check: func(t *testing.T, c controlFile, _ map[string]any, _ *Export) {
				got, _ := json.Marshal([]any{c.CSV["floatingTimestampFormat"], c.CSV["overrides"]})
				want := `[["ISO8601","M/d/yyyy","yyyy-MM-dd"],{}]`
				if string(got) != want {
					t.Errorf("formats and overrides = %s\nwant %s", got, want)
				}
			},
		},
		{
			name: "several formats with ISO8601 placed by the column",
			edit: func(j *wizard.Job) { j.Columns[1].Formats = []string{"M/d/yyyy", "ISO8601"} },
			check: func(t *testing.T, c controlFile, _ map[string]any, _ *Export) {
				got, _ := json.Marshal(c.CSV["floatingTimestampFormat"])
				if want := `["M/d/yyyy","ISO8601"]`; string(got) != want {
					t.Errorf("formats = %s, want %s", got, want)
				}
			},
		},
		{
			name: "lists that differ: per-column overrides with each whole list",
			edit: func(j *wizard.Job) {
				j.Columns[1].Formats = []string{"M/d/yyyy", "yyyy-MM-dd"}
				j.Columns = append(j.Columns[:3],
					wizard.ColumnMap{Source: "Closed", Field: "closed", Type: "calendar_date", Formats: []string{"M/d/yyyy"}},
					wizard.ColumnMap{Source: "Lat"}, wizard.ColumnMap{Source: "Lon"})
			},
			check: func(t *testing.T, c controlFile, _ map[string]any, _ *Export) {
				got, _ := json.Marshal([]any{c.CSV["floatingTimestampFormat"], c.CSV["overrides"]})
				want := `[["ISO8601"],{"closed":{"timestampFormat":["M/d/yyyy"]},"issued":{"timestampFormat":["M/d/yyyy","yyyy-MM-dd"]}}]`
				if string(got) != want {
					t.Errorf("formats and overrides = %s\nwant %s", got, want)
				}
			},
		},
		{
			name: "tsv without header, replace",
			edit: func(j *wizard.Job) {
				j.File = strings.TrimSuffix(j.File, ".csv") + ".tsv"
				j.CSV = wizard.Dialect{Delimiter: "\t", Encoding: "windows-1252", NoQuote: true}
				j.Method = wizard.Replace
			},
			check: func(t *testing.T, c controlFile, sij map[string]any, ex *Export) {
				if c.TSV == nil || c.CSV != nil || c.Action != "Replace" {
					t.Fatalf("control = %+v, want a tsv section and Replace", c)
				}
				if c.TSV["skip"] != 0.0 || c.TSV["separator"] != "\t" || c.TSV["encoding"] != "windows-1252" || c.TSV["quote"] != "\x00" {
					t.Errorf("tsv = %v", c.TSV)
				}
				if sij["publishMethod"] != "replace" || sij["fileToPublishHasHeaderRow"] != false {
					t.Errorf("sij = %v", sij)
				}
				if !strings.Contains(strings.Join(ex.Warnings, " "), "encoding windows-1252") {
					t.Errorf("no encoding warning: %q", ex.Warnings)
				}
			},
		},
		{
			name: "delete",
			edit: func(j *wizard.Job) {
				j.Method = wizard.Delete
				j.Columns = []wizard.ColumnMap{{Source: "Permit No", Field: "permit_id", Type: "text"}}
				j.Points = nil
			},
			check: func(t *testing.T, c controlFile, sij map[string]any, _ *Export) {
				if c.Action != "Delete" || sij["publishMethod"] != "delete" {
					t.Errorf("action %q, method %v", c.Action, sij["publishMethod"])
				}
			},
		},
		{
			name: "yes/no and a .txt file",
			edit: func(j *wizard.Job) {
				j.File = strings.TrimSuffix(j.File, ".csv") + ".txt"
				j.Columns[0].YesNo = true
			},
			check: func(t *testing.T, _ controlFile, _ map[string]any, ex *Export) {
				all := strings.Join(ex.Warnings, " ")
				if !strings.Contains(all, "only .csv and .tsv") || !strings.Contains(all, "true or false only") {
					t.Errorf("warnings = %q", ex.Warnings)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, out, _ := exportFixture(t)
			tt.edit(j)
			ex, err := ExportDataSync(j, out)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(j.File), filepath.Ext(j.File))
			var c controlFile
			readJSON(t, filepath.Join(out, name+"_control.json"), &c)
			var sij map[string]any
			readJSON(t, filepath.Join(out, name+".sij"), &sij)
			tt.check(t, c, sij, ex)
		})
	}
}

func TestExportScriptsGolden(t *testing.T) {
	j, out, root := exportFixture(t)
	if _, err := ExportSocrataPy(j, out); err != nil {
		t.Fatal(err)
	}
	if _, err := ExportRSocrata(j, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"permits_socrata.py", "permits_rsocrata.R"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, root, string(b))
		if runtime.GOOS != "windows" {
			if info, _ := os.Stat(filepath.Join(out, name)); info.Mode().Perm()&0o100 == 0 {
				t.Errorf("%s is not executable", name)
			}
		}
	}
}

func TestExportRefusals(t *testing.T) {
	tests := []struct {
		name    string
		export  func(*wizard.Job, string) (*Export, error)
		edit    func(j *wizard.Job)
		errWith string
	}{
		{"rsocrata delete", ExportRSocrata, func(j *wizard.Job) {
			j.Method = wizard.Delete
			j.Points = nil
		}, "RSocrata cannot delete rows"},
		{"socrata-py url column", ExportSocrataPy, func(j *wizard.Job) { j.Columns[0].Type = "url" }, "URL column"},
		{"unreadable date pattern", ExportSocrataPy, func(j *wizard.Job) { j.Columns[1].Formats = []string{"MM/dd/yyyy HH:mm:ss.SSS"} }, "fractions of a second (S), which the socrata-py script cannot read"},
		{"unreadable second date pattern", ExportSocrataPy, func(j *wizard.Job) { j.Columns[1].Formats = []string{"MM/dd/yyyy", "yyyy-MM-dd HH:mm:ss.SSS"} }, `file column "Issued": timestamp pattern "yyyy-MM-dd HH:mm:ss.SSS" has fractions`},
		{"rsocrata unreadable date pattern", ExportRSocrata, func(j *wizard.Job) { j.Columns[1].Formats = []string{"MM/dd/yyyy HH:mm:ss.SSS"} }, "which the RSocrata script cannot read"},
		{"rsocrata ISO8601 beside a pattern", ExportRSocrata, func(j *wizard.Job) { j.Columns[1].Formats = []string{"MM/dd/yyyy", "ISO8601"} }, "accepts ISO8601 beside other date patterns"},
		{"invalid job", ExportDataSync, func(j *wizard.Job) { j.Dataset = "bad" }, "is not a dataset id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, out, _ := exportFixture(t)
			tt.edit(j)
			ex, err := tt.export(j, out)
			if err == nil || !strings.Contains(err.Error(), tt.errWith) {
				t.Fatalf("err = %v, want %q", err, tt.errWith)
			}
			if ex != nil {
				t.Error("a refused export returned files")
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				entries, _ := os.ReadDir(out)
				t.Errorf("a refused export created its folder (%v), holding %v", err, entries)
			}
		})
	}
	if _, err := ExportRSocrata(&wizard.Job{Method: wizard.Delete}, t.TempDir()); errors.Is(err, errNoRSocrataDelete) {
		t.Error("an invalid delete job must report its own problems first")
	}
}

func TestLiteral(t *testing.T) {
	tests := map[string]string{
		`plain`:          `"plain"`,
		`say "hi" \ ok`:  `"say \"hi\" \\ ok"`,
		"tab\tnew\nline": `"tab\tnew\nline"`,
		"café":           `"caf\u00e9"`,
		"😀":              `"\U0001f600"`,
		"\x01":           `"\u0001"`,
	}
	for in, want := range tests {
		if got := literal(in); got != want {
			t.Errorf("literal(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCommentSafe(t *testing.T) {
	evil := "Permits\nimport os; os.system('x')\r\u2028\"\"\"\\`"
	got := commentSafe(evil)
	if strings.ContainsAny(got, "\n\r\u2028\"\\`") {
		t.Errorf("commentSafe left a line break, quote or backslash: %q", got)
	}
}

// TestLiteralReadsBack checks with a real Python that every literal reads
// back as the original string.
func TestLiteralReadsBack(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	inputs := []string{`a "b" \c`, "tab\t\nnl", "café ünï 😀", "\x01\x7f", `C:\new\table.csv`}
	var src strings.Builder
	src.WriteString("import json\nprint(json.dumps([")
	for i, s := range inputs {
		if i > 0 {
			src.WriteString(", ")
		}
		src.WriteString(literal(s))
	}
	src.WriteString("]))\n")
	out, err := exec.Command(py, "-c", src.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	var back []string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	for i := range inputs {
		if back[i] != inputs[i] {
			t.Errorf("Python read %q back as %q", inputs[i], back[i])
		}
	}
}
