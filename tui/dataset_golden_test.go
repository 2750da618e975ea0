package tui

import (
	"net/http"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// browseProgram runs the wizard from the dataset step, signed in, at 80x24,
// as `socrata-wizard browse` does.
func browseProgram(t *testing.T, h *harness) *teatest.TestModel {
	t.Helper()
	d := h.signedIn()
	d.AccountFixed = true
	h.deps.Draft, h.deps.Start, h.deps.Single = d, wizard.StepDataset, true
	return teatest.NewTestModel(t, New(h.deps), teatest.WithInitialTermSize(80, 24))
}

// waitFor waits until the program has drawn text.
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), text) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// finalView quits the program and returns its last screen, plain.
func finalView(t *testing.T, h *harness, tm *teatest.TestModel) string {
	t.Helper()
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	return h.plain(tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model).View())
}

func typeText(tm *teatest.TestModel, s string) {
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

func TestBrowseGolden(t *testing.T) {
	t.Run("list", func(t *testing.T) {
		h := newHarness(t)
		tm := browseProgram(t, h)
		waitFor(t, tm, "SAMPLE Road Salt Deliveries")
		golden(t, finalView(t, h, tm))
	})
	t.Run("detail", func(t *testing.T) {
		h := newHarness(t)
		tm := browseProgram(t, h)
		waitFor(t, tm, "datasets you can edit")
		typeText(tm, "salt")
		waitFor(t, tm, `1 match for "salt"`)
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		waitFor(t, tm, "Row identifier")
		golden(t, finalView(t, h, tm))
	})
	t.Run("no results", func(t *testing.T) {
		h := newHarness(t)
		tm := browseProgram(t, h)
		waitFor(t, tm, "datasets you can edit")
		typeText(tm, "zebra crossings")
		waitFor(t, tm, "No dataset you can edit matches")
		golden(t, finalView(t, h, tm))
	})
	t.Run("error", func(t *testing.T) {
		h := newHarness(t)
		// The catalog fails, retries and all.
		h.srv.Portal.SetFault(func(r *http.Request) socratatest.Fault {
			if strings.HasPrefix(r.URL.Path, "/api/catalog") {
				return socratatest.Fault{Status: http.StatusForbidden, Body: `{"code":"permission_denied","error":true,"message":"Catalog search is switched off on this portal."}`}
			}
			return socratatest.Fault{}
		})
		tm := browseProgram(t, h)
		waitFor(t, tm, "switched off")
		golden(t, finalView(t, h, tm))
	})
}
