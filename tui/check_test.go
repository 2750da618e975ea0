package tui

import (
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// flat joins a view's words, so that assertions do not depend on where
// lines wrap.
func flat(v string) string { return strings.Join(strings.Fields(v), " ") }

func TestCheckStepFixesADateByAddingAFormat(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.ParkVisitsID, "park_visits_2024_07.csv")
	s := step(newCheckStep(h.deps, d))
	s.SetSize(78, 19)
	s = run(t, s, s.Init())
	v := h.plain(s.View())
	for _, want := range []string{"1 of 7 rows", `line 7: "2024-08-07"`, "M/d/yyyy", "Press f to also accept yyyy-MM-dd"} {
		if !strings.Contains(flat(v), want) {
			t.Errorf("report lacks %q:\n%s", want, v)
		}
	}
	golden(t, v)
	s = press(t, s, "enter")
	if s.Done() {
		t.Fatal("enter moved on with a bad value")
	}

	s = press(t, s, "f")
	v = h.plain(s.View())
	if !strings.Contains(v, "[1] M/d/yyyy") || !strings.Contains(v, `[2] yyyy-MM-dd   reads "2024-08-07"`) {
		t.Fatalf("format chooser:\n%s", v)
	}
	t.Run("formats", func(t *testing.T) { golden(t, v) })
	s = press(t, s, "enter")
	v = h.plain(s.View())
	if !strings.Contains(v, "All 7 rows of park_visits_2024_07.csv can be sent") {
		t.Fatalf("after adding the format:\n%s", v)
	}
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatal("enter after a clean check did not continue")
	}
	var out wizard.Draft
	s.Apply(&out)
	job := out.Job()
	for _, c := range job.Columns {
		if c.Field == "report_date" && strings.Join(c.Formats, ",") != "M/d/yyyy,yyyy-MM-dd" {
			t.Errorf("job formats for report_date = %q", c.Formats)
		}
	}
}

func TestCheckStepFormatChooserKeys(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.ParkVisitsID, "park_visits_2024_07.csv")
	s := step(newCheckStep(h.deps, d))
	s.SetSize(78, 24)
	s = run(t, s, s.Init())
	s = press(t, s, "f", "space") // untick the suggestion
	s = press(t, s, "up", "space", "enter")
	if v := h.plain(s.View()); !strings.Contains(v, "Tick at least one format") {
		t.Fatalf("empty format list accepted:\n%s", v)
	}
	// A pattern of one's own, typed at the bottom of the list.
	for range 20 {
		s = press(t, s, "down")
	}
	s = press(t, s, "qq/zz", "enter")
	if v := h.plain(s.View()); !strings.Contains(flat(v), "qq/zz") {
		t.Fatalf("a bad pattern was not refused with its name:\n%s", v)
	}
	s = press(t, s, "esc")
	if v := h.plain(s.View()); !strings.Contains(v, "rows have values the portal would reject") {
		t.Fatalf("esc did not return to the report:\n%s", v)
	}
}

func TestCheckStepSendAnyway(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.ParkVisitsID, "park_visits_2024_07.csv")
	s := step(newCheckStep(h.deps, d))
	s.SetSize(78, 19)
	s = run(t, s, s.Init())
	s = press(t, s, "a")
	if !s.Done() {
		t.Fatal("a did not move on")
	}
	var out wizard.Draft
	s.Apply(&out)
	if !out.SendBadRows {
		t.Error("send anyway was not recorded")
	}
}
