package socratatest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSampleFilesFitTheirDatasets maps each sample file onto its dataset
// the way the wizard will (field name first, then display name), reads
// its dates with the formats chosen for it, and checks every value. The
// park visits file's dates are M/d/yyyy but for one ISO date: with
// M/d/yyyy alone exactly that value (on line 7) fails, and accepting
// yyyy-MM-dd as well fixes it. Then every row uploads.
func TestSampleFilesFitTheirDatasets(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	type pass struct {
		formats []string // Go layouts tried in order on floating timestamp columns; none means ISO as written
		bad     []string // the values that fail, as "line N: value"
	}
	passes := map[string][]pass{
		"park_visits_2024_07.csv": {
			{[]string{"1/2/2006"}, []string{"line 7: 2024-08-07"}},
			{[]string{"1/2/2006", "2006-01-02"}, nil},
		},
	}
	for _, f := range SampleFiles() {
		t.Run(f.Name, func(t *testing.T) {
			d := p.lookup(f.Dataset)
			if d == nil {
				t.Fatalf("dataset %s does not exist", f.Dataset)
			}
			recs, err := csv.NewReader(strings.NewReader(f.Content)).ReadAll()
			if err != nil || len(recs) < 2 {
				t.Fatalf("CSV does not parse: %v", err)
			}
			cols := make([]*column, len(recs[0]))
			renamed := 0
			for i, h := range recs[0] {
				if j, ok := d.byField[h]; ok {
					cols[i] = d.cols[j]
					continue
				}
				for _, c := range d.cols {
					if strings.EqualFold(c.spec.Name, h) {
						cols[i], renamed = c, renamed+1
					}
				}
				if cols[i] == nil {
					t.Fatalf("header %q matches no field or display name of %s", h, f.Dataset)
				}
			}
			if f.Name == "park_visits_2024_07.csv" && renamed != 1 {
				t.Errorf("%d headers needed display-name mapping, want 1", renamed)
			}
			ps := passes[f.Name]
			if ps == nil {
				ps = []pass{{}}
			}
			var payload []map[string]any
			for _, ps := range ps {
				var bad []string
				payload = nil
				for n, rec := range recs[1:] {
					row := map[string]any{}
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
								bad = append(bad, fmt.Sprintf("line %d: %s", n+2, v))
								continue
							}
						}
						if _, err := normalize(c.kind, c.spec.Type, v); err != nil {
							bad = append(bad, fmt.Sprintf("line %d: %s", n+2, v))
						}
						row[c.spec.FieldName] = v
					}
					if f.Method == "delete" {
						row[":deleted"] = true
					}
					payload = append(payload, row)
				}
				if strings.Join(bad, "|") != strings.Join(ps.bad, "|") {
					t.Errorf("with formats %q: bad values %q, want %q", ps.formats, bad, ps.bad)
				}
			}
			body, _ := json.Marshal(payload)
			r := do(t, s, "POST", "/resource/"+f.Dataset+".json", demoKey(p), jsonType, string(body))
			var res struct {
				Created, Updated, Deleted int
				Errors                    []any
			}
			var raw map[string]any
			r.json(t, &raw)
			res.Created, res.Updated, res.Deleted = int(raw["rows_created"].(float64)), int(raw["rows_updated"].(float64)), int(raw["rows_deleted"].(float64))
			if r.status != 200 || len(raw["errors"].([]any)) != 0 || res.Created+res.Updated+res.Deleted != len(payload) {
				t.Errorf("upload of all %d rows: %d %s", len(payload), r.status, r.body)
			}
			switch f.Method {
			case "delete":
				if res.Deleted != len(payload) {
					t.Errorf("delete file deleted %d of %d", res.Deleted, len(payload))
				}
			case "append":
				if res.Created != len(payload) {
					t.Errorf("append file created %d of %d", res.Created, len(payload))
				}
			case "upsert":
				if res.Created == 0 || res.Updated == 0 {
					t.Errorf("upsert file should both create and update: %s", r.body)
				}
			}
		})
	}
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
			if err != nil || string(b) != files[i].Content || filepath.Base(path) != files[i].Name {
				t.Errorf("%s: %v, content matches %v", path, err, string(b) == files[i].Content)
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
