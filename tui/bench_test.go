package tui

import (
	"context"
	"io"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// bigPortal is a sample portal with 10,000 more datasets, a share of
// them owned by the demo publisher, as issue 4 asks.
func bigPortal(b *testing.B) (Deps, wizard.Draft) {
	b.Helper()
	srv := socratatest.NewServer(socratatest.WithSamples(), socratatest.WithGeneratedDatasets(10000))
	b.Cleanup(srv.Close)
	d := srv.Portal.Demo()
	creds := socrata.Credentials{Kind: socrata.APIKey, ID: d.KeyID, Secret: d.KeySecret}
	c, err := socrata.NewClient(srv.URL, creds, nil)
	if err != nil {
		b.Fatal(err)
	}
	u, err := c.CurrentUser(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor) // styled, as on a real terminal
	deps := Deps{Ctx: context.Background(), Styles: DefaultStyles(r), NoBlink: true}.withDefaults()
	return deps, wizard.Draft{Domain: c.Domain(), Client: c, User: u}
}

// loadedStep is a dataset step whose list has every editable dataset.
func loadedStep(b *testing.B, deps Deps, d wizard.Draft) step {
	b.Helper()
	s := step(newDatasetStep(deps, d))
	s.SetSize(118, 34)
	s = run(b, s, s.Init())
	for range 400 {
		s = press(b, s, "end")
	}
	return s
}

// BenchmarkDatasetFirstPage measures how long the first screen of a
// 10,000-dataset portal takes to arrive on loopback, from the step's
// start to a drawn list.
func BenchmarkDatasetFirstPage(b *testing.B) {
	deps, d := bigPortal(b)
	for b.Loop() {
		s := step(newDatasetStep(deps, d))
		s.SetSize(118, 34)
		s = run(b, s, s.Init())
		_ = s.View()
	}
}

// BenchmarkDatasetListView measures one View of the list with every
// editable dataset of a 10,000-dataset portal loaded (goal: under 2 ms).
func BenchmarkDatasetListView(b *testing.B) {
	deps, d := bigPortal(b)
	s := loadedStep(b, deps, d)
	for b.Loop() {
		_ = s.View()
	}
	b.ReportMetric(float64(len(s.(*datasetStep).list.Visible())), "datasets")
}

// BenchmarkDatasetCursorMove measures a cursor move and the redraw after
// it, the cost of holding down the arrow key.
func BenchmarkDatasetCursorMove(b *testing.B) {
	deps, d := bigPortal(b)
	s := loadedStep(b, deps, d)
	up, down := tea.KeyMsg{Type: tea.KeyUp}, tea.KeyMsg{Type: tea.KeyDown}
	i := 0
	for b.Loop() {
		k := down
		if i%200 >= 100 {
			k = up
		}
		i++
		s, _ = s.Update(k)
		_ = s.View()
	}
}
