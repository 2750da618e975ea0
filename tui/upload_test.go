package tui

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// readyDraft is a draft ready for the upload step: signed in, a dataset,
// a file mapped automatically and checked.
func readyDraft(t *testing.T, h *harness, id socrata.DatasetID, file string) wizard.Draft {
	t.Helper()
	d := h.withDataset(h.signedIn(), id)
	f, err := wizard.OpenCSV(h.sample(file))
	if err != nil {
		t.Fatal(err)
	}
	d.FilePath, d.File = f.Path, f
	d.Mapping = wizard.AutoMap(f.Header, d.Dataset)
	samples, err := wizard.Samples(f, 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	d.Mapping.DetectFormats(samples)
	rep, err := wizard.Check(context.Background(), d.Job(), wizard.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Report = rep
	return d
}

func TestUploadStepUploads(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.BridgeInspectionsID, "bridge_inspections_2024_q3.csv")
	if !d.Report.OK() {
		t.Fatalf("the sample file does not check clean: %+v", d.Report)
	}
	before := len(h.srv.Portal.Rows(socratatest.BridgeInspectionsID))
	s := step(newUploadStep(h.deps, d))
	s.SetSize(78, 19)
	s = run(t, s, s.Init())
	v := h.plain(s.View())
	for _, want := range []string{"Ready to upload", "Upsert", "SAMPLE Bridge Inspections", "SODA"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	golden(t, v)
	if got := len(h.srv.Portal.Rows(socratatest.BridgeInspectionsID)); got != before {
		t.Fatal("rows were sent before the user said so")
	}

	s = press(t, s, "enter")
	v = h.plain(s.View())
	if !strings.Contains(v, "Upload finished") || !strings.Contains(v, "Created") {
		t.Fatalf("after the upload:\n%s", v)
	}
	if got := len(h.srv.Portal.Rows(socratatest.BridgeInspectionsID)); got <= before {
		t.Errorf("portal has %d rows, had %d: nothing was added", got, before)
	}
	if !strings.HasPrefix(s.Summary(), "Uploaded:") {
		t.Errorf("summary = %q", s.Summary())
	}
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatal("enter after a finished upload did not continue")
	}
}

func TestUploadStepStopsAfterTheBatch(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.BridgeInspectionsID, "bridge_inspections_2024_q3.csv")
	u := newUploadStep(h.deps, d)
	u.SetSize(78, 19)
	var s step = u
	s, cmd := s.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil || u.state != upRunning {
		t.Fatal("enter did not start the upload")
	}
	// The first ctrl+c is the step's: it stops after the batch in flight.
	if handled, _ := u.HandleQuit(); !handled || u.state != upStopping {
		t.Fatalf("first ctrl+c: handled=%v state=%v", handled, u.state)
	}
	if v := h.plain(s.View()); !strings.Contains(v, "Stopping after the current batch") {
		t.Errorf("stopping view:\n%s", v)
	}
	s = run(t, s, cmd)
	if u.state != upFinished {
		t.Fatalf("state after the stop = %v", u.state)
	}
	// A second ctrl+c, once stopped, is the program's.
	if handled, _ := u.HandleQuit(); handled {
		t.Error("ctrl+c after the upload stopped was kept from the program")
	}
}

func TestUploadStepReportsFailure(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.BridgeInspectionsID, "bridge_inspections_2024_q3.csv")
	// Another account, which can read the dataset but not write it.
	viewer := h.srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Vic Viewer", Role: "viewer"})
	c, err := socrata.NewClient(h.srv.URL, socrata.Credentials{Kind: socrata.APIKey, ID: viewer.KeyID, Secret: viewer.KeySecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Client = c
	s := step(newUploadStep(h.deps, d))
	s.SetSize(78, 19)
	s = press(t, s, "enter")
	v := h.plain(s.View())
	if !strings.Contains(v, "did not finish") || !strings.Contains(v, "unchanged") {
		t.Fatalf("failed upload:\n%s", v)
	}
	if strings.Contains(v, viewer.KeySecret) {
		t.Fatal("the secret is on the screen")
	}
	s = press(t, s, "enter")
	if s.Done() {
		t.Fatal("a failed upload moved on to saving the job")
	}
}

// TestUploadSecondCtrlCWaitsForTheRequest presses ctrl+c twice while an
// append's request is in flight, as the headless run's second ctrl+c
// does: the wizard must abandon the request and wait until the upload has
// said so, recording the batch whose fate is unknown in the checkpoint,
// before it quits; quitting at once would leave a checkpoint from which a
// resume could add those rows twice.
func TestUploadSecondCtrlCWaitsForTheRequest(t *testing.T) {
	h := newHarness(t)
	d := readyDraft(t, h, socratatest.SaltDeliveriesID, "salt_deliveries_2024_03.csv")
	d.Method = wizard.Append
	held, release := make(chan struct{}), make(chan struct{})
	var holdOnce, releaseOnce sync.Once
	releaseHeld := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseHeld) // before the portal closes, which waits for it
	h.srv.Portal.SetFault(func(r *http.Request) socratatest.Fault {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/resource/") {
			return socratatest.Fault{}
		}
		// The portal holds the append until the test lets it go, and then
		// drops it: its fate is unknown to the wizard.
		holdOnce.Do(func() { close(held) })
		<-release
		return socratatest.DropConnection()
	})
	h.deps.Start, h.deps.Draft = wizard.StepUpload, d
	tm := teatest.NewTestModel(t, New(h.deps), teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "Ready to upload") },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the append never reached the portal")
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	releaseHeld()

	// By the time the wizard has quit, the upload has written down the
	// batch it abandoned.
	cp := wizard.DefaultJobPath(h.sample("salt_deliveries_2024_03.csv")) + ".checkpoint"
	b, err := os.ReadFile(cp)
	if err != nil {
		t.Fatalf("no checkpoint when the wizard quit: %v", err)
	}
	var saved struct {
		Unsure *struct {
			FirstLine int `json:"first_line"`
			LastLine  int `json:"last_line"`
		} `json:"unsure"`
	}
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	if saved.Unsure == nil || saved.Unsure.FirstLine != 2 {
		t.Fatalf("the checkpoint does not record the abandoned batch as unsure:\n%s", b)
	}
	if final.Err() == nil {
		t.Error("the wizard reports finishing after two ctrl+c")
	}
	// What the upload applied, and what is in doubt, is said after the
	// wizard has gone.
	if notes := strings.Join(final.Notes(), "\n"); !strings.Contains(notes, "may or may not have been added") {
		t.Errorf("after quitting the wizard says:\n%s", notes)
	}
}
