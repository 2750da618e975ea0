package wizard

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestFindDataFiles(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	files := []struct {
		name string
		age  time.Duration
	}{
		{"park_visits_2024_07.csv", 3 * time.Hour},
		{"salt_deliveries_2024_03.csv", 2 * time.Hour},
		{"budget.tsv", time.Hour},
		{"notes.txt", 0},
		{"image.png", 0},
		{"salt_deliveries_2024_03.rejected.csv", 0},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("a,b\n1,2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		at := base.Add(-f.age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "old.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		hint  string
		limit int
		want  []string
	}{
		{"", 10, []string{"notes.txt", "budget.tsv", "salt_deliveries_2024_03.csv", "park_visits_2024_07.csv"}},
		{"SAMPLE Road Salt Deliveries", 10, []string{"salt_deliveries_2024_03.csv", "notes.txt", "budget.tsv", "park_visits_2024_07.csv"}},
		{"SAMPLE State Park Visits by Month", 2, []string{"park_visits_2024_07.csv", "notes.txt"}},
	}
	for _, tt := range tests {
		got := FindDataFiles(dir, tt.limit, tt.hint)
		for i := range got {
			got[i] = filepath.Base(got[i])
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FindDataFiles(hint %q) = %v, want %v", tt.hint, got, tt.want)
		}
	}
	if got := FindDataFiles(filepath.Join(dir, "missing"), 10, ""); got != nil {
		t.Errorf("a missing folder listed %v", got)
	}
}

func TestCompletePath(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"park_visits.csv", "park_history.csv", "salt.csv", "readme.md"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "exports"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typed, want string
		matches     int
	}{
		{"sa", "salt.csv", 0},
		{"park_", "park_", 2},
		{"park_v", "park_visits.csv", 0},
		{"ex", "exports/", 0},
		{"read", "read", 0}, // not a data file
		{"zzz", "zzz", 0},
	}
	for _, tt := range tests {
		got, m := CompletePath(tt.typed, dir)
		if got != tt.want || len(m) != tt.matches {
			t.Errorf("CompletePath(%q) = %q, %d matches; want %q, %d", tt.typed, got, len(m), tt.want, tt.matches)
		}
	}
}
