package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

func newTestDatasetStep(t *testing.T, h *harness, w, ht int) step {
	t.Helper()
	s := step(newDatasetStep(h.deps, h.signedIn()))
	s.SetSize(w, ht)
	return run(t, s, s.Init())
}

func TestDatasetStepList(t *testing.T) {
	h := newHarness(t)
	s := newTestDatasetStep(t, h, 78, 19)
	view := h.plain(s.View())
	for _, want := range []string{"SAMPLE State Park Visits by Month", "park-vis1", "shared", "datasets you can edit"} {
		if !strings.Contains(view, want) {
			t.Errorf("list lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, socratatest.PrivateDatasetID) {
		t.Errorf("another user's private dataset is listed:\n%s", view)
	}
	golden(t, view)
}

func TestDatasetStepSearchOpenPick(t *testing.T) {
	h := newHarness(t)
	s := newTestDatasetStep(t, h, 78, 34)
	s = press(t, s, "bridge")
	view := h.plain(s.View())
	if !strings.Contains(view, "SAMPLE Bridge Inspections") || strings.Contains(view, "Road Salt") {
		t.Fatalf("search for bridge shows:\n%s", view)
	}
	s = press(t, s, "enter")
	view = h.plain(s.View())
	for _, want := range []string{"Row identifier: inspection_id", "inspection_id", "Point", "First rows"} {
		if !strings.Contains(view, want) {
			t.Errorf("detail lacks %q:\n%s", want, view)
		}
	}
	golden(t, view)
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatal("enter in the detail pane did not pick the dataset")
	}
	var d wizard.Draft
	s.Apply(&d)
	if d.Dataset == nil || d.Dataset.ID != socratatest.BridgeInspectionsID {
		t.Fatalf("picked %+v", d.Dataset)
	}
}

func TestDatasetStepEscReturnsToList(t *testing.T) {
	h := newHarness(t)
	s := newTestDatasetStep(t, h, 78, 19)
	s = press(t, s, "enter")
	if !strings.Contains(h.plain(s.View()), "Columns (") {
		t.Fatalf("enter did not open details:\n%s", h.plain(s.View()))
	}
	s = press(t, s, "esc", "down", "enter")
	if s.Done() {
		t.Fatal("esc then enter picked a dataset without showing it")
	}
	if !strings.Contains(h.plain(s.View()), "Columns (") {
		t.Fatalf("second dataset's details not shown:\n%s", h.plain(s.View()))
	}
}

func TestDatasetStepNoResults(t *testing.T) {
	h := newHarness(t)
	s := newTestDatasetStep(t, h, 78, 19)
	s = press(t, s, "zebra crossings")
	view := h.plain(s.View())
	if !strings.Contains(view, "No dataset you can edit matches") {
		t.Fatalf("no-results view:\n%s", view)
	}
	golden(t, view)
}

func TestDatasetStepDirectEntry(t *testing.T) {
	tests := []struct {
		name, typed string
		want        string
	}{
		{"id", "brdg-insp", "SAMPLE Bridge Inspections"},
		{"link", "{URL}/d/salt-dlv1", "SAMPLE Road Salt Deliveries"},
		{"resource url", "{URL}/resource/park-vis1.json", "SAMPLE State Park Visits by Month"},
		{"not found", "zzzz-9999", "no such dataset"},
		{"private", socratatest.PrivateDatasetID, "permission"},
		{"story", socratatest.StoryID, "cannot take an upload"},
		{"synced copy", socratatest.SyncedCopyID, "new backend copy"},
		{"other portal", "https://data.example.gov/d/abcd-1234", "sign in to that portal first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			s := newTestDatasetStep(t, h, 78, 19)
			s = press(t, s, strings.ReplaceAll(tt.typed, "{URL}", h.srv.URL))
			view := h.plain(s.View())
			if !strings.Contains(view, tt.want) {
				t.Fatalf("after typing %q want %q in:\n%s", tt.typed, tt.want, view)
			}
		})
	}
}

func TestDatasetStepWarnsBeforePickingReadOnly(t *testing.T) {
	h := newHarness(t)
	// A public dataset of another publisher, not shared: readable only.
	err := h.srv.Portal.AddDataset(socratatest.DatasetSpec{
		ID: "othr-pub1", Name: "SAMPLE Someone Else's Counts", Owner: socratatest.OtherPublisherID,
		Columns: []socratatest.ColumnSpec{{FieldName: "n", Name: "N", Type: "number"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newTestDatasetStep(t, h, 78, 30)
	s = press(t, s, "othr-pub1")
	if v := h.plain(s.View()); !strings.Contains(v, "not update it") {
		t.Fatalf("read-only dataset's details do not say so:\n%s", v)
	}
	s = press(t, s, "enter")
	if s.Done() {
		t.Fatal("a dataset the user cannot update was picked without a warning")
	}
	if v := h.plain(s.View()); !strings.Contains(strings.Join(strings.Fields(v), " "), "Press enter again") {
		t.Fatalf("no confirmation asked:\n%s", v)
	}
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatal("second enter did not pick it")
	}
}

func TestTypedTextIsNotAKey(t *testing.T) {
	h := newHarness(t)
	s := newTestDatasetStep(t, h, 78, 19)
	// tmux and pastes deliver a run of text as one message; "esc" typed
	// must search for "esc", not go back.
	for _, word := range []string{"esc", "enter", "tab"} {
		var cmd tea.Cmd
		s, cmd = s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(word)})
		if cmd != nil {
			if msg := cmd(); msg != nil {
				if _, back := msg.(goBackMsg); back {
					t.Fatalf("typing %q went back", word)
				}
			}
		}
	}
	if v := h.plain(s.View()); !strings.Contains(v, "Search: escentertab") {
		t.Fatalf("typed words did not reach the search box:\n%s", v)
	}
}
