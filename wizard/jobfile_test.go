package wizard

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/wizard/internal/atomicfile"
)

// sampleJob is a valid job for tests; file is where its data file is.
func sampleJob(file string) *Job {
	return &Job{
		Version:       JobVersion,
		Domain:        "data.ct.gov",
		Auth:          AuthRef{Kind: "api_key", Login: "key1"},
		Dataset:       "abcd-1234",
		DatasetName:   "Building Permits",
		File:          file,
		Method:        Upsert,
		Route:         RouteAuto,
		CSV:           Dialect{Delimiter: ",", Encoding: "utf-8", Header: true},
		RowIdentifier: "permit_id",
		Columns: []ColumnMap{
			{Source: "Permit No", Field: "permit_id", Type: "text"},
			{Source: "Issued", Field: "issued", Type: "floating_timestamp", Formats: []string{"MM/dd/yyyy"}},
			{Source: "Fee", Field: "fee", Type: "money", Clean: true},
			{Source: "Notes"},
			{Source: "Lat"},
			{Source: "Lon"},
		},
		Points:   []PointSource{{Field: "location", Latitude: "Lat", Longitude: "Lon"}},
		Timezone: "America/New_York",
	}
}

func TestDefaultJobPath(t *testing.T) {
	tests := map[string]string{
		filepath.Join("data", "permits.csv"):      filepath.Join("data", "permits.job.json"),
		filepath.Join("data", "permits.2024.tsv"): filepath.Join("data", "permits.2024.job.json"),
		"noext": "noext.job.json",
	}
	for in, want := range tests {
		if got := DefaultJobPath(in); got != want {
			t.Errorf("DefaultJobPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadJobTestdata(t *testing.T) {
	j, err := LoadJob(filepath.Join("testdata", "jobs", "permits.job.json"))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "jobs", "permits.csv"))
	want := sampleJob(abs)
	want.Auth.Login = "abcdef1234567890"
	if !reflect.DeepEqual(j, want) {
		t.Errorf("loaded job differs:\n got %+v\nwant %+v", j, want)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "data", "permits.csv")
	tests := []struct {
		name     string
		jobPath  string
		wantFile string // as written in the file
	}{
		{"next to the data", filepath.Join(dir, "data", "permits.job.json"), "permits.csv"},
		{"above the data", filepath.Join(dir, "permits.job.json"), filepath.Join("data", "permits.csv")},
		{"elsewhere", filepath.Join(dir, "jobs", "permits.job.json"), csv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.MkdirAll(filepath.Dir(tt.jobPath), 0o755)
			j := sampleJob(csv)
			if err := SaveJob(tt.jobPath, j); err != nil {
				t.Fatal(err)
			}
			if j.File != csv {
				t.Error("SaveJob changed the caller's job")
			}
			raw, _ := os.ReadFile(tt.jobPath)
			var onDisk map[string]any
			if err := json.Unmarshal(raw, &onDisk); err != nil {
				t.Fatal(err)
			}
			if onDisk["file"] != tt.wantFile {
				t.Errorf("file written as %q, want %q", onDisk["file"], tt.wantFile)
			}
			if onDisk["method"] != "upsert" || onDisk["route"] != "auto" {
				t.Errorf("method/route written as %v/%v", onDisk["method"], onDisk["route"])
			}
			if runtime.GOOS != "windows" {
				if info, _ := os.Stat(tt.jobPath); info.Mode().Perm() != 0o644 {
					t.Errorf("job file mode = %v", info.Mode().Perm())
				}
			}
			back, err := LoadJob(tt.jobPath)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, j) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", back, j)
			}
		})
	}
}

func TestSaveJobRefusesInvalidAndKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "permits.job.json")
	good := sampleJob(filepath.Join(dir, "permits.csv"))
	if err := SaveJob(path, good); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := sampleJob(filepath.Join(dir, "permits.csv"))
	bad.Dataset = "nope"
	err := SaveJob(path, bad)
	var je *jobError
	if !errors.As(err, &je) || je.Path != path {
		t.Fatalf("err = %v, want a *JobError naming the path", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("a refused save changed the old job file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}
}

func TestSaveJobIntoMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.job.json")
	err := SaveJob(path, sampleJob("/data/x.csv"))
	if err == nil || !strings.Contains(err.Error(), "cannot save the job to") {
		t.Errorf("err = %v", err)
	}
	// The message names the job file, not the temporary file beside it.
	if err != nil && strings.Contains(err.Error(), ".tmp") {
		t.Errorf("err = %v: it names the temporary file", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v: the system's error is not kept for errors.Is", err)
	}
}

func TestLoadJobErrors(t *testing.T) {
	tests := []struct {
		file    string
		errWith []string
	}{
		{"not-json.job.json", []string{"not valid JSON at line 5, column 3"}},
		{"newer.job.json", []string{"newer socrata-wizard (format 99", "upgrade"}},
		{"unknown-method.job.json", []string{"line 6", `unknown method "merge"`, "upsert, replace, append or delete"}},
		{"unknown-field.job.json", []string{`field "methd" is not part of a job file`, "line 6", "spelling"}},
		{"wrong-type.job.json", []string{`"csv.header" must be true or false`, "line 6"}},
		{"many-problems.job.json", []string{
			"problems",
			`"domain": not a portal address: "ftp://data.ct.gov" starts with ftp://`,
			`"dataset": "ABCD-12345" is not a dataset id`,
			`"file" is empty`,
			`"csv.delimiter" ":"`,
			`"csv.encoding" "latin-1"`,
			`both fill field "id"`,
			"a delete job needs the dataset's row identifier",
		}},
		{"missing.job.json", []string{"missing.job.json cannot be used: there is no such file: check the path"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "jobs", tt.file)
			_, err := LoadJob(path)
			if err == nil {
				t.Fatal("loaded a bad job")
			}
			for _, want := range tt.errWith {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "no such file or directory") {
				t.Errorf("error %q carries the raw system error", err)
			}
		})
	}
}

// TestLoadJobMissingIsNotExist keeps the system error reachable for
// callers, although the message words it plainly.
func TestLoadJobMissingIsNotExist(t *testing.T) {
	_, err := LoadJob(filepath.Join(t.TempDir(), "gone.job.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v does not wrap os.ErrNotExist", err)
	}
}

func TestLoadJobRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.job.json")
	if err := os.WriteFile(path, make([]byte, maxJobFileSize+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadJob(path); err == nil || !strings.Contains(err.Error(), "too large to be a job file") {
		t.Errorf("err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(j *Job)
		errWith string // "" means valid
	}{
		{"sample", func(*Job) {}, ""},
		{"loopback domain with port", func(j *Job) { j.Domain = "127.0.0.1:8080" }, ""},
		{"loopback test portal", func(j *Job) { j.Domain = "http://127.0.0.1:41234" }, ""},
		{"plain http to a real host", func(j *Job) { j.Domain = "http://data.ct.gov" }, "plain http is not allowed for data.ct.gov"},
		{"dataset address as domain", func(j *Job) { j.Domain = "https://data.ct.gov/d/abcd-1234" }, ""},
		{"no auth (environment only)", func(j *Job) { j.Auth = AuthRef{} }, ""},
		{"no version", func(j *Job) { j.Version = 0 }, `no "version"`},
		{"empty domain", func(j *Job) { j.Domain = "" }, `"domain" is empty`},
		{"domain with space", func(j *Job) { j.Domain = "data ct gov" }, "has spaces in it"},
		{"domain without a dot", func(j *Job) { j.Domain = "datactgov" }, "is not a full host name"},
		{"upper-case dataset", func(j *Job) { j.Dataset = "ABCD-1234" }, "is not a dataset id"},
		{"no dataset", func(j *Job) { j.Dataset = "" }, "looks like abcd-1234"},
		{"bad method", func(j *Job) { j.Method = Method(7) }, "method 7 is unknown"},
		{"bad route", func(j *Job) { j.Route = Route(7) }, "route 7 is unknown"},
		{"login without kind", func(j *Job) { j.Auth.Kind = "" }, "but no kind"},
		{"bad kind", func(j *Job) { j.Auth.Kind = "oauth" }, "unknown credential kind"},
		{"kind without login", func(j *Job) { j.Auth.Login = "" }, "but no login"},
		{"no columns", func(j *Job) { j.Columns = nil; j.Points = nil }, `"columns" is empty`},
		{"nothing mapped", func(j *Job) { j.Columns = []ColumnMap{{Source: "a"}}; j.Points = nil }, "no file column is mapped"},
		{"column without source", func(j *Job) { j.Columns[3].Source = "" }, "column 4 has no \"source\""},
		{"unwritable type", func(j *Job) { j.Columns[0].Type = "photo" }, "cannot be written"},
		{"point from missing column", func(j *Job) { j.Points[0].Latitude = "Latitude" }, `"Latitude", which is not a file column`},
		{"point clashes with a column", func(j *Job) { j.Points[0].Field = "fee" }, `field "fee" is filled both`},
		{"delete without row id", func(j *Job) { j.Method = Delete; j.RowIdentifier = "" }, "needs the dataset's row identifier"},
		{"delete with unmapped row id", func(j *Job) { j.Method = Delete; j.RowIdentifier = "other" }, `onto the row identifier "other"`},
		{"delete", func(j *Job) { j.Method = Delete }, ""},
		{"negative batch", func(j *Job) { j.Batch.Rows = -1 }, "cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := sampleJob("/data/permits.csv")
			tt.edit(j)
			err := j.Validate()
			if tt.errWith == "" {
				if err != nil {
					t.Fatalf("valid job rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errWith) {
				t.Errorf("err = %v, want %q", err, tt.errWith)
			}
		})
	}
}

func TestWriteFileAtomicReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.json")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := atomicfile.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("content = %q, want %q", got, content)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestJobDomainIsCanonical(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.job.json")
	j := sampleJob(filepath.Join(dir, "x.csv"))
	j.Domain = "https://DATA.CT.GOV/browse"
	if err := SaveJob(path, j); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"domain": "data.ct.gov"`) {
		t.Errorf("saved domain is not canonical:\n%s", raw)
	}
	j.Domain = "127.0.0.1:8080"
	if err := SaveJob(path, j); err != nil {
		t.Fatal(err)
	}
	back, err := LoadJob(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Domain != "http://127.0.0.1:8080" {
		t.Errorf("loopback domain loaded as %q", back.Domain)
	}
}

// TestJobDialectsAreTheReaders checks that a job accepts exactly the
// delimiters and encodings the CSV reader takes, so that no saved job
// names a dialect its file then cannot be opened with.
func TestJobDialectsAreTheReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ delimiter, encoding string }{
		{",", "utf-8"}, {"\t", "utf-8"}, {";", "utf-8"}, {"|", "utf-8"},
		{":", "utf-8"}, {" ", "utf-8"}, {",,", "utf-8"},
		{",", "windows-1252"}, {",", "iso-8859-1"}, {",", "utf-16le"}, {",", "utf-16be"},
		{",", "latin-1"}, {",", "UTF-8"}, {",", "utf-32"},
	}
	for _, tt := range tests {
		j := sampleJob(path)
		j.CSV.Delimiter, j.CSV.Encoding = tt.delimiter, tt.encoding
		jobErr := j.Validate()
		_, readErr := OpenCSVWith(path, OpenOptions{Delimiter: tt.delimiter, Encoding: tt.encoding})
		var ce *CSVError
		readerRefuses := errors.As(readErr, &ce) && ce.Kind == ErrRead
		if (jobErr != nil) != readerRefuses {
			t.Errorf("delimiter %q, encoding %q: the job says %v, the reader %v", tt.delimiter, tt.encoding, jobErr, readErr)
		}
	}
	j := sampleJob(path)
	j.CSV.Delimiter = ":"
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), `want ",", "\t", ";" or "|"`) {
		t.Errorf("err = %v, want it to list the delimiters", err)
	}
}
