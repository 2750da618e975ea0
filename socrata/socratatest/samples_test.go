package socratatest

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSampleFilesFitTheirDatasets maps each sample file onto its dataset
// the way the wizard will (field name first, then display name), converts
// US dates, and checks every value: only the one planted bad date fails.
func TestSampleFilesFitTheirDatasets(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	wantBad := map[string][]string{"park_visits_2024_07.csv": {"2/30/2024"}}
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
			var bad []string
			var payload []map[string]any
			for _, rec := range recs[1:] {
				row := map[string]any{}
				ok := true
				for i, v := range rec {
					c := cols[i]
					if c.kind == kFloating && strings.Contains(v, "/") {
						tm, err := time.Parse("1/2/2006", v)
						if err != nil {
							bad = append(bad, v)
							ok = false
							continue
						}
						v = tm.Format("2006-01-02")
					}
					if _, err := normalize(c.kind, c.spec.Type, v); err != nil {
						bad = append(bad, v)
						ok = false
					}
					row[c.spec.FieldName] = v
				}
				if ok {
					if f.Method == "delete" {
						row[":deleted"] = true
					}
					payload = append(payload, row)
				}
			}
			if strings.Join(bad, "|") != strings.Join(wantBad[f.Name], "|") {
				t.Errorf("bad values %q, want %q", bad, wantBad[f.Name])
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
				t.Errorf("upload of the good rows: %d %s", r.status, r.body)
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
