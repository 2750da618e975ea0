package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// openMapping builds the mapping step for dataset id and opens file in it.
func openMapping(t *testing.T, h *harness, id socrata.DatasetID, file string) step {
	t.Helper()
	s := step(newMappingStep(h.deps, h.withDataset(h.signedIn(), id)))
	s.SetSize(78, 19)
	s = run(t, s, s.Init())
	return press(t, s, file, "enter")
}

func TestMappingStepOpensAndMatches(t *testing.T) {
	h := newHarness(t)
	s := step(newMappingStep(h.deps, h.withDataset(h.signedIn(), socratatest.ParkVisitsID)))
	s.SetSize(78, 19)
	s = run(t, s, s.Init())
	if v := h.plain(s.View()); !strings.Contains(v, "park_visits_2024_07.csv") {
		t.Fatalf("sample files not offered:\n%s", v)
	}
	golden(t, h.plain(s.View()))

	s = press(t, s, h.sample("park_visits_2024_07.csv"), "enter")
	v := h.plain(s.View())
	for _, want := range []string{"Visitor Count", "visitors", "record_id ★", "Ready"} {
		if !strings.Contains(v, want) {
			t.Errorf("mapping lacks %q:\n%s", want, v)
		}
	}
	t.Run("table", func(t *testing.T) { golden(t, v) })
	s = press(t, s, "down", "down", "down", "down")
	if v := h.plain(s.View()); !strings.Contains(v, `"Visitor Count" fills "Visitor Count" (visitors): matched by display name`) {
		t.Errorf("the renamed header's match is not explained:\n%s", v)
	}
	s = press(t, s, "down", "down")
	if v := h.plain(s.View()); !strings.Contains(strings.Join(strings.Fields(v), " "), "dates read as M/d/yyyy") {
		t.Errorf("the detected date format is not shown:\n%s", v)
	}
}

func TestMappingStepEdits(t *testing.T) {
	h := newHarness(t)
	s := openMapping(t, h, socratatest.ParkVisitsID, h.sample("park_visits_2024_07.csv"))
	ms := s.(*mappingStep)
	col := func(i int) wizard.ColumnMatch { return ms.mapping.Columns[i] }

	// Ignore the row identifier: upsert is then blocked.
	s = press(t, s, "x")
	if col(0).Field != "" {
		t.Fatalf("x did not ignore record_id: %+v", col(0))
	}
	s = press(t, s, "c")
	if s.Done() || !strings.Contains(h.plain(s.View()), "row identifier") {
		t.Fatalf("continued without the row identifier:\n%s", h.plain(s.View()))
	}
	s = press(t, s, "r")
	if col(0).Field != "record_id" {
		t.Fatalf("r did not restore: %+v", col(0))
	}

	// Two columns on one field is refused, and says which column has it.
	s = press(t, s, "down", "enter")
	for range 10 {
		s = press(t, s, "up")
	}
	s = press(t, s, "down", "enter") // the picker's first field is record_id
	if v := h.plain(s.View()); !strings.Contains(v, `already filled by column "record_id"`) {
		t.Fatalf("a field taken twice was not refused:\n%s", v)
	}
	s = press(t, s, "esc")
	if col(1).Field != "park_id" {
		t.Fatalf("refused edit changed the mapping: %+v", col(1))
	}

	// Undo takes back the last edit.
	s = press(t, s, "x", "u")
	if col(1).Field != "park_id" {
		t.Fatalf("undo did not restore park_id: %+v", col(1))
	}

	// Replace warns that fields the file does not fill will be emptied,
	// and continues on the second c.
	s = press(t, s, "down", "down", "x", "m")
	if ms.method != wizard.Replace {
		t.Fatalf("m chose %v, want replace", ms.method)
	}
	s = press(t, s, "c")
	if s.Done() || !strings.Contains(h.plain(s.View()), "will be emptied") {
		t.Fatalf("replace with an unfilled field did not warn:\n%s", h.plain(s.View()))
	}
	s = press(t, s, "c")
	if !s.Done() {
		t.Fatal("second c did not continue")
	}
	var d wizard.Draft
	s.Apply(&d)
	if d.Method != wizard.Replace || d.Mapping == nil || d.File == nil {
		t.Fatalf("draft after mapping: %+v", d)
	}
}

func TestMappingStepDeleteNeedsRowIdentifier(t *testing.T) {
	h := newHarness(t)
	s := openMapping(t, h, socratatest.SaltDeliveriesID, h.sample("salt_deliveries_2024_03.csv"))
	s = press(t, s, "m", "m", "m") // upsert → replace → append → delete
	s = press(t, s, "c")
	if v := h.plain(s.View()); s.Done() || !strings.Contains(v, "no row identifier") {
		t.Fatalf("delete without a row identifier:\n%s", v)
	}
}

func TestMappingStepFileErrors(t *testing.T) {
	h := newHarness(t)
	empty := filepath.Join(h.dir, "empty.csv")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"missing", filepath.Join(h.dir, "nope.csv"), "nope.csv"},
		{"empty", empty, "empty"},
		{"nothing typed", "", "type the path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMapping(t, h, socratatest.ParkVisitsID, tt.path)
			v := h.plain(s.View())
			if !strings.Contains(strings.ToLower(v), strings.ToLower(tt.want)) || !strings.Contains(v, "Choose the file") {
				t.Fatalf("want %q:\n%s", tt.want, v)
			}
		})
	}
}

func TestMappingStepTimeZone(t *testing.T) {
	h := newHarness(t)
	s := openMapping(t, h, socratatest.BridgeInspectionsID, h.sample("bridge_inspections_2024_q3.csv"))
	ms := s.(*mappingStep)
	col := -1
	for i, c := range ms.mapping.Columns {
		if c.Field == "inspected_at" {
			col = i
		}
	}
	if col < 0 {
		t.Fatal("inspected_at is not mapped")
	}
	// z does nothing on a column that is not times with a zone.
	s = press(t, s, "z")
	if ms.state != mapTable {
		t.Fatal("z opened the zone list for a text column")
	}
	for range col {
		s = press(t, s, "down")
	}
	if v := flat(h.plain(s.View())); !strings.Contains(v, "times without an offset read in America/New_York") {
		t.Fatalf("the default zone is not said:\n%s", h.plain(s.View()))
	}
	s = press(t, s, "z")
	t.Run("list", func(t *testing.T) { golden(t, h.plain(s.View())) })
	s = press(t, s, "down", "enter") // UTC
	if got := ms.mapping.Columns[col].Timezone; got != "UTC" {
		t.Fatalf("zone = %q, want UTC", got)
	}
	// A zone of one's own, typed; a wrong name is refused and named.
	s = press(t, s, "z")
	for range len(zones) {
		s = press(t, s, "down")
	}
	s = press(t, s, "ctrl+u", "Mars/Olympus", "enter")
	if v := flat(h.plain(s.View())); !strings.Contains(v, "Mars/Olympus") || ms.state != mapZone {
		t.Fatalf("an unknown zone was not refused:\n%s", h.plain(s.View()))
	}
	s = press(t, s, "esc", "u")
	if got := ms.mapping.Columns[col].Timezone; got != "" {
		t.Errorf("undo left zone %q, want the default", got)
	}
	var d wizard.Draft
	ms.Apply(&d)
	if got := d.Job().Columns[col].Timezone; got != "" {
		t.Errorf("job zone = %q", got)
	}
}

// TestMappingIgnoresALateFileReply opens one file, goes back and opens
// another before the first has been read: the first file's reply, coming
// late, must not fill the table while the path box names the second.
func TestMappingIgnoresALateFileReply(t *testing.T) {
	h := newHarness(t)
	s := step(newMappingStep(h.deps, h.withDataset(h.signedIn(), socratatest.ParkVisitsID)))
	s.SetSize(78, 19)
	s = run(t, s, s.Init())
	first, second := h.sample("park_visits_2024_07.csv"), h.sample("bridge_inspections_2024_q3.csv")

	s = press(t, s, first)
	s, openFirst := s.Update(keys("enter")[0]) // the file is being read
	s = press(t, s, "esc", "ctrl+u", second)
	s, openSecond := s.Update(keys("enter")[0])
	s = run(t, s, openFirst) // the first file's reply arrives now
	ms := s.(*mappingStep)
	if ms.file != nil {
		t.Fatalf("the table shows %s while the path box says %s", ms.file.Path, ms.path.Value())
	}
	s = run(t, s, openSecond)
	if ms.file == nil || ms.file.Path != second || ms.state != mapTable {
		t.Fatalf("the second file's reply did not open it: %+v", ms.file)
	}
}
