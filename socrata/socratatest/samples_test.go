package socratatest

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// samplePass is one way of reading a sample file, as the wizard's check
// would after the publisher picks formats and fixes.
type samplePass struct {
	formats []string // Go layouts tried in order on floating timestamp columns; none means ISO as written
	fix     bool     // clean numbers (drop thousands separators) and read Y/N and yes/no as checkboxes
	bad     []string // the values that fail, as "line N: value"
}

// samplePasses are the passes each sample file gets; a file not named
// here gets one pass that reads every value as written.
var samplePasses = map[string][]samplePass{
	"park_visits_2024_07.csv": {
		{formats: []string{"1/2/2006"}, bad: []string{"line 7: 2024-08-07"}},
		{formats: []string{"1/2/2006", "2006-01-02"}},
	},
	historyName: {{formats: []string{"1/2/2006"}}},
	"salt_deliveries_2024_03.csv": {
		{bad: []string{"line 4: 1,250.5", "line 6: Y"}},
		{fix: true},
	},
}

// convertSample streams a sample file through a pass: it maps the header
// onto d's columns (field name first, then display name), checks and
// converts every value, and writes the rows it would send to out as CSV
// with field names (out may be nil). It holds one record at a time.
func convertSample(f SampleFile, d *dataset, ps samplePass, out io.Writer) (bad []string, rows, renamed int, err error) {
	src, dst := io.Pipe()
	defer src.Close() // stops the generator if we return early
	go func() {
		_, err := f.WriteTo(dst)
		dst.CloseWithError(err)
	}()
	cr := csv.NewReader(src)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("header: %w", err)
	}
	cols := make([]*column, len(header))
	fields := make([]string, len(header))
	for i, h := range header {
		if j, ok := d.byField[h]; ok {
			cols[i] = d.cols[j]
		}
		for _, c := range d.cols {
			if cols[i] == nil && strings.EqualFold(c.spec.Name, h) {
				cols[i], renamed = c, renamed+1
			}
		}
		if cols[i] == nil {
			return nil, 0, 0, fmt.Errorf("header %q matches no field or display name of %s", h, d.spec.ID)
		}
		fields[i] = cols[i].spec.FieldName
	}
	var cw *csv.Writer
	if out != nil {
		cw = csv.NewWriter(out)
		if f.Method == "delete" {
			fields = append(fields, ":deleted")
		}
		if err := cw.Write(fields); err != nil {
			return nil, 0, 0, err
		}
	}
	conv := make([]string, len(fields))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return bad, rows, renamed, err
		}
		rows++
		for i, v := range rec {
			c := cols[i]
			if c.kind == kFloating && len(ps.formats) > 0 {
				read := false
				for _, layout := range ps.formats {
					if tm, err := time.Parse(layout, v); err == nil {
						v, read = tm.Format("2006-01-02"), true
						break
					}
				}
				if !read {
					bad = append(bad, fmt.Sprintf("line %d: %s", line, v))
				}
			}
			if ps.fix {
				switch c.kind {
				case kNumber:
					v = strings.ReplaceAll(v, ",", "")
				case kCheckbox:
					switch strings.ToLower(v) {
					case "y", "yes":
						v = "true"
					case "n", "no":
						v = "false"
					}
				}
			}
			if _, err := normalize(c.kind, c.spec.Type, v); err != nil && (c.kind != kFloating || len(ps.formats) == 0) {
				bad = append(bad, fmt.Sprintf("line %d: %s", line, v))
			}
			conv[i] = v
		}
		if cw != nil {
			if f.Method == "delete" {
				conv[len(conv)-1] = "true"
			}
			if err := cw.Write(conv); err != nil {
				return bad, rows, renamed, err
			}
		}
	}
	if cw != nil {
		cw.Flush()
		return bad, rows, renamed, cw.Error()
	}
	return bad, rows, renamed, nil
}

// countRowsOf asks the portal how many rows a dataset has.
func countRowsOf(t *testing.T, s *Server, id string) int {
	t.Helper()
	var got []map[string]string
	get(t, s, "/resource/"+id+".json?$select=count(*)", demoKey(s.Portal)).json(t, &got)
	if len(got) != 1 {
		t.Fatalf("count of %s: %v", id, got)
	}
	n, err := strconv.Atoi(got[0]["count"])
	if err != nil {
		t.Fatalf("count of %s: %v", id, err)
	}
	return n
}

// TestSampleFilesFitTheirDatasets maps each sample file onto its dataset
// the way the wizard will, reads its dates with the formats chosen for
// it, and checks every value: only the planted values fail, and the
// chosen formats and fixes clear them. Then every row uploads, and the
// portal creates, updates or deletes exactly the rows the file says.
func TestSampleFilesFitTheirDatasets(t *testing.T) {
	for _, f := range SampleFiles() {
		t.Run(f.Name, func(t *testing.T) {
			s := newServer(t, WithSamples())
			d := s.Portal.lookup(f.Dataset)
			if d == nil {
				t.Fatalf("dataset %s does not exist", f.Dataset)
			}
			passes := samplePasses[f.Name]
			if passes == nil {
				passes = []samplePass{{}}
			}
			for _, ps := range passes[:len(passes)-1] {
				bad, _, _, err := convertSample(f, d, ps, nil)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(bad, "|") != strings.Join(ps.bad, "|") {
					t.Errorf("with formats %q and fixes %v: bad values %q, want %q", ps.formats, ps.fix, bad, ps.bad)
				}
			}

			// The last pass clears every problem; its rows are streamed
			// to the portal as they are converted.
			last := passes[len(passes)-1]
			before := countRowsOf(t, s, f.Dataset)
			body, sendBody := io.Pipe()
			type converted struct {
				bad           []string
				rows, renamed int
				err           error
			}
			done := make(chan converted, 1)
			go func() {
				var c converted
				c.bad, c.rows, c.renamed, c.err = convertSample(f, d, last, sendBody)
				sendBody.CloseWithError(c.err)
				done <- c
			}()
			r, err := send(s, http.MethodPost, "/resource/"+f.Dataset+".json", demoKey(s.Portal), "text/csv", body)
			body.Close()
			c := <-done
			if err != nil || c.err != nil {
				t.Fatalf("upload: %v; conversion: %v", err, c.err)
			}
			if len(c.bad) > 0 || len(last.bad) > 0 {
				t.Errorf("with formats %q and fixes %v: bad values %q", last.formats, last.fix, c.bad)
			}
			if c.rows != f.Rows {
				t.Errorf("%d data rows, Rows says %d", c.rows, f.Rows)
			}
			if strings.HasPrefix(f.Name, "park_visits_2") || f.Name == historyName {
				if c.renamed != 1 {
					t.Errorf("%d headers needed display-name mapping, want 1 (Visitor Count)", c.renamed)
				}
			}
			var res snakeResult
			if r.status != 200 || json.Unmarshal(r.body, &res) != nil || len(res.Errors) != 0 {
				t.Fatalf("upload of all %d rows: %d %.500s", c.rows, r.status, r.body)
			}
			want := struct{ created, updated, deleted int }{f.Rows - f.Existing, f.Existing, 0}
			switch f.Method {
			case "delete":
				want.created, want.updated, want.deleted = 0, 0, f.Existing
			case "append":
				if f.Existing != 0 {
					t.Errorf("an append file has %d existing rows", f.Existing)
				}
			case "upsert":
				if want.created == 0 || want.updated == 0 {
					t.Errorf("an upsert sample should both create and update: Rows %d, Existing %d", f.Rows, f.Existing)
				}
			default:
				t.Errorf("method %q", f.Method)
			}
			if res.Created != want.created || res.Updated != want.updated || res.Deleted != want.deleted {
				t.Errorf("created %d, updated %d, deleted %d; want %d, %d, %d",
					res.Created, res.Updated, res.Deleted, want.created, want.updated, want.deleted)
			}
			if after := countRowsOf(t, s, f.Dataset); after != before+res.Created-res.Deleted {
				t.Errorf("the dataset has %d rows after the upload, want %d", after, before+res.Created-res.Deleted)
			}
		})
	}
}

// TestSaltSampleSentAsIs sends the salt deliveries without fixing the
// planted values: the portal rejects exactly those two rows, each with
// its own row error naming the value, and appends the other four.
func TestSaltSampleSentAsIs(t *testing.T) {
	s := newServer(t, WithSamples())
	var salt SampleFile
	for _, f := range SampleFiles() {
		if f.Name == "salt_deliveries_2024_03.csv" {
			salt = f
		}
	}
	r := do(t, s, http.MethodPost, "/resource/"+SaltDeliveriesID+".json", demoKey(s.Portal), "text/csv", salt.Content)
	var res struct {
		Created int `json:"rows_created"`
		Errors  []struct {
			Error string `json:"error"`
			Index int    `json:"input_index"`
		} `json:"errors"`
	}
	r.json(t, &res)
	if r.status != 200 || res.Created != 4 || len(res.Errors) != 2 {
		t.Fatalf("%d: %s", r.status, r.body)
	}
	for i, want := range []struct {
		index int
		in    string
	}{{2, `column tons: "1,250.5" is not a number`}, {4, `column emergency_order: "Y" is not a checkbox value`}} {
		if e := res.Errors[i]; e.Index != want.index || !strings.Contains(e.Error, want.in) {
			t.Errorf("error %d: %+v, want input row %d with %q", i, e, want.index, want.in)
		}
	}
	if n := countRowsOf(t, s, SaltDeliveriesID); n != 20+4 {
		t.Errorf("%d salt rows after the append, want 24", n)
	}
}

// TestHistorySample checks what the park visits history is for: the same
// bytes on every run, big enough to watch, and small enough that the
// wizard's automatic route (files over 10 MiB go through the Data
// Management API) keeps it on SODA.
func TestHistorySample(t *testing.T) {
	var f SampleFile
	for _, sf := range SampleFiles() {
		if sf.Name == historyName {
			f = sf
		}
	}
	if f.Content != "" || f.Rows < 100_000 || f.Existing != 5 {
		t.Fatalf("history sample: %d bytes of Content, Rows %d, Existing %d", len(f.Content), f.Rows, f.Existing)
	}
	sum := func() (string, int64) {
		h := sha256.New()
		n, err := f.WriteTo(h)
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(h.Sum(nil)), n
	}
	a, n := sum()
	if b, _ := sum(); a != b {
		t.Error("two writes of the history sample differ")
	}
	if n < 7_000_000 || n >= 10<<20 {
		t.Errorf("history sample is %d bytes, want 7 MB to just under 10 MiB", n)
	}
	var head bytes.Buffer
	f.WriteTo(&limitWriter{&head, 200})
	if !strings.HasPrefix(head.String(), "record_id,park_id,park_name,month,Visitor Count,open,report_date\r\nP101-2000-01,P101,Cedar Ridge State Park,2000-01,") {
		t.Errorf("history sample starts %q", head.String())
	}
}

// limitWriter keeps the first n bytes and then fails, which also shows
// that a write error stops the generator.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		l.w.Write(p[:l.n])
		l.n = 0
		return 0, io.ErrShortWrite
	}
	l.n -= len(p)
	return l.w.Write(p)
}

func TestWriteSamples(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "samples")
	for round := 0; round < 2; round++ { // the second round overwrites
		paths, err := WriteSamples(dir)
		if err != nil {
			t.Fatal(err)
		}
		files := SampleFiles()
		if len(paths) != len(files) {
			t.Fatalf("%d paths for %d files", len(paths), len(files))
		}
		for i, path := range paths {
			b, err := os.ReadFile(path)
			var want bytes.Buffer
			files[i].WriteTo(&want)
			if err != nil || !bytes.Equal(b, want.Bytes()) || filepath.Base(path) != files[i].Name {
				t.Errorf("%s: %v, content matches %v", path, err, bytes.Equal(b, want.Bytes()))
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != len(files) {
			t.Errorf("%d entries in the directory: a temporary file was left behind", len(entries))
		}
	}
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644)
	if _, err := WriteSamples(filepath.Join(blocker, "sub")); err == nil {
		t.Error("writing under a file did not fail")
	}
}

func TestSampleWorldIsLabelled(t *testing.T) {
	s := newServer(t, WithSamples())
	cr, _ := catalog(t, s, "limit=200", nil)
	for _, r := range cr.Results {
		if !strings.HasPrefix(r.Resource.Name, "SAMPLE") {
			t.Errorf("%s %q is not labelled as a sample", r.Resource.ID, r.Resource.Name)
		}
	}
	if cr.ResultSetSize < 25+7 {
		t.Errorf("only %d assets in the sample catalog", cr.ResultSetSize)
	}
	cols := map[int]bool{}
	days := map[string]bool{}
	for _, r := range cr.Results {
		cols[len(r.Resource.ColumnsFieldName)] = true
		days[r.Resource.UpdatedAt[:10]] = true
	}
	if len(cols) < 5 || len(days) < 25 {
		t.Errorf("samples vary too little: %d column counts, %d update days", len(cols), len(days))
	}
}
