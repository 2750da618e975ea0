package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ctopendata/socrata-wizard/wizard"
)

// drive sends messages to the root model, running what they lead to.
func drive(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, cmd := m.Update(msg)
		m = next.(Model)
		m = settle(t, m, cmd)
	}
	return m
}

// settle runs a command and what it leads to through the root model.
func settle(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	return drain(t, m, cmd, func(m Model, msg tea.Msg) (Model, tea.Cmd) {
		next, cmd := m.Update(msg)
		return next.(Model), cmd
	})
}

func TestModelWalksForwardAndBack(t *testing.T) {
	h := newHarness(t)
	h.deps.Preset = &Preset{Domain: h.srv.URL, Creds: h.demoCreds()}
	m := New(h.deps)
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = settle(t, m, m.Init())
	m = drive(t, m, keys("enter")...) // sign in
	if m.cur != wizard.StepDataset {
		t.Fatalf("after sign-in the step is %v:\n%s", m.cur, h.plain(m.View()))
	}
	if v := h.plain(m.View()); !strings.Contains(v, "✓ Account") || !strings.Contains(v, "Dana Demo") {
		t.Errorf("header after sign-in:\n%s", v)
	}
	m = drive(t, m, keys("park visits")...)
	m = drive(t, m, searchTickMsg{seq: m.steps[wizard.StepDataset].(*datasetStep).seq})
	m = drive(t, m, keys("down", "enter", "enter")...) // details, then pick
	if m.cur != wizard.StepMapping || m.draft.Dataset == nil || m.draft.Dataset.ID != "park-vis1" {
		t.Fatalf("after picking the step is %v:\n%s", m.cur, h.plain(m.View()))
	}
	m = drive(t, m, keys("esc")...)
	if m.cur != wizard.StepDataset {
		t.Fatalf("esc from the file chooser went to %v", m.cur)
	}
	if len(m.Trail()) != 1 {
		t.Errorf("trail after going back = %q, want just the account", m.Trail())
	}
	// The dataset step is as it was left: the chosen dataset's details,
	// and behind them the search.
	if v := h.plain(m.View()); !strings.Contains(v, "park-vis1 · owned by you") {
		t.Errorf("going back did not return to the dataset's details:\n%s", v)
	}
	m = drive(t, m, keys("esc")...)
	if v := h.plain(m.View()); !strings.Contains(v, "Search: park visits") {
		t.Errorf("going back lost the search:\n%s", v)
	}
	m = drive(t, m, keys("ctrl+c")...)
	if m.Err() != errAborted {
		t.Errorf("Err() after ctrl+c = %v", m.Err())
	}
}

func TestModelFitsSmallAndLargeTerminals(t *testing.T) {
	h := newHarness(t)
	h.deps.Preset = &Preset{Domain: h.srv.URL, Creds: h.demoCreds()}
	m := New(h.deps)
	m = settle(t, m, m.Init())
	for _, size := range [][2]int{{80, 24}, {120, 40}, {40, 12}, {20, 5}, {200, 60}} {
		m = drive(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		v := h.plain(m.View())
		lines := strings.Split(v, "\n")
		if len(lines) > size[1] && size[1] >= 12 {
			t.Errorf("%dx%d: view has %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if w := len([]rune(l)); w > max(size[0], maxWidth) {
				t.Errorf("%dx%d: line wider than the screen: %q", size[0], size[1], l)
			}
		}
	}
}

func TestModelGoldenSignIn(t *testing.T) {
	h := newHarness(t)
	h.deps.Preset = &Preset{Domain: h.srv.URL, Creds: h.demoCreds()}
	tm := teatest.NewTestModel(t, New(h.deps), teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "Sign in") },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "datasets you can edit") },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	golden(t, h.plain(fm.View()))
}
