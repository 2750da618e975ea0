package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ctopendata/socrata-wizard/tui"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// frames keeps every screen the wizard draws, so that a test can wait for
// one and search all of them afterwards.
type frames struct {
	mu  sync.Mutex
	all []string
}

func (f *frames) add(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.all); n == 0 || f.all[n-1] != v {
		f.all = append(f.all, v)
	}
}

func (f *frames) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.all) == 0 {
		return ""
	}
	return f.all[len(f.all)-1]
}

// drawn returns a copy of every frame drawn so far.
func (f *frames) drawn() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.all...)
}

// recorder wraps the wizard's model and records each View the program
// renders.
type recorder struct {
	m      tea.Model
	frames *frames
}

func (r recorder) Init() tea.Cmd { return r.m.Init() }

func (r recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := r.m.Update(msg)
	return recorder{m, r.frames}, cmd
}

func (r recorder) View() string {
	v := r.m.View()
	r.frames.add(v)
	return v
}

// wizardRun is the wizard under teatest, with the keys a person would
// press.
type wizardRun struct {
	t      *testing.T
	tm     *teatest.TestModel
	frames *frames
	out    strings.Builder // everything written to the terminal
}

// startWizard builds the wizard the way "socrata-wizard start" does
// (accountDeps, so the OS keyring and the config folder of the fixture's
// environment) and runs it in a 100x30 terminal.
func startWizard(t *testing.T, f *fixture) *wizardRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: f.getenv}
	deps, code := accountDeps(ctx, e)
	if code != exitOK {
		t.Fatalf("accountDeps: exit %d", code)
	}
	deps.FileDir = f.data
	deps.NoBlink = true
	deps.Debounce = time.Millisecond
	w := &wizardRun{t: t, frames: &frames{}}
	w.tm = teatest.NewTestModel(t, recorder{tui.New(deps), w.frames}, teatest.WithInitialTermSize(100, 30))
	t.Cleanup(func() { _ = w.tm.Quit() })
	return w
}

// getenv is the fixture's environment as the in-process wizard sees it.
func (f *fixture) getenv(key string) string {
	for _, kv := range f.env() {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// screen is the last frame without styling.
func (w *wizardRun) screen() string { return ansi.Strip(w.frames.last()) }

// waitUntil polls the screen until found reports a match, and returns
// it. The program draws on its own goroutine, so polling is the only way
// to wait for a screen; the deadline is for a wizard that never gets
// there.
func (w *wizardRun) waitUntil(what string, found func(screen string) (match string, ok bool)) string {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := w.screen()
		if match, ok := found(s); ok {
			return match
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the wizard never showed %s; last screen:\n%s", what, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor waits until the screen contains every one of wants, and
// returns it.
func (w *wizardRun) waitFor(wants ...string) string {
	w.t.Helper()
	return w.waitUntil(fmt.Sprintf("%q", wants), func(s string) (string, bool) {
		for _, want := range wants {
			if !strings.Contains(s, want) {
				return "", false
			}
		}
		return s, true
	})
}

// waitForAny waits until the screen contains one of wants and returns
// which.
func (w *wizardRun) waitForAny(wants ...string) string {
	w.t.Helper()
	return w.waitUntil(fmt.Sprintf("any of %q", wants), func(s string) (string, bool) {
		for _, want := range wants {
			if strings.Contains(s, want) {
				return want, true
			}
		}
		return "", false
	})
}

// press sends named keys: "enter", "tab", "esc", "space", "ctrl+n",
// "ctrl+u", "ctrl+c", or a single printable character.
func (w *wizardRun) press(names ...string) {
	types := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEsc, "space": tea.KeySpace,
		"ctrl+n": tea.KeyCtrlN, "ctrl+u": tea.KeyCtrlU, "ctrl+c": tea.KeyCtrlC, "down": tea.KeyDown,
	}
	for _, n := range names {
		if k, ok := types[n]; ok {
			w.tm.Send(tea.KeyMsg{Type: k})
			continue
		}
		w.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(n)})
	}
}

// typeText types text one key at a time, as a person would.
func (w *wizardRun) typeText(s string) { w.tm.Type(s) }

// finish waits for the program to end and returns the wizard's model and
// everything it wrote to the terminal.
func (w *wizardRun) finish() (tui.Model, string) {
	w.t.Helper()
	final := w.tm.FinalModel(w.t, teatest.WithFinalTimeout(15*time.Second))
	out, err := io.ReadAll(w.tm.FinalOutput(w.t))
	if err != nil {
		w.t.Fatal(err)
	}
	r, ok := final.(recorder)
	if !ok {
		w.t.Fatalf("final model is %T", final)
	}
	m, ok := r.m.(tui.Model)
	if !ok {
		w.t.Fatalf("wizard model is %T", r.m)
	}
	return m, string(out)
}

// walk is one full pass through the wizard: sign in with the fixture's
// API key typed into the form, pick the dataset, open csvName, check it,
// upload it, and save the job with all three exports.
func walk(t *testing.T, f *fixture, w *wizardRun, csvName string) {
	t.Helper()
	// Account: a saved login is offered first; add a new one instead, so
	// that the secret is typed.
	if w.waitForAny("Choose an account", "Sign in to your portal") == "Choose an account" {
		w.press("ctrl+n")
	}
	w.waitFor("Sign in to your portal", "data.ct.gov")
	w.press("ctrl+u")
	w.typeText(f.srv.URL)
	w.press("tab", "tab") // past "Sign in with", API key is the default
	w.typeText(f.acc.KeyID)
	w.press("tab")
	w.typeText(f.acc.KeySecret)
	w.press("tab")
	w.typeText(f.acc.AppToken)
	w.waitFor(f.srv.URL, f.acc.KeyID, strings.Repeat("•", len(f.acc.KeySecret)))
	w.press("tab", "enter")
	if f.keyring {
		w.waitFor(e2eDatasetName)
	} else {
		// The keyring cannot keep it: the wizard offers this session only.
		w.waitFor("Signed in as Erin Endtoend (publisher)", "but the login could not be saved", "this session only")
		w.press("enter")
	}

	// Dataset: the only one the user can edit; details, then pick it.
	w.waitFor(e2eDatasetName, e2eDatasetID)
	w.press("enter")
	w.waitFor("Columns (", "record_id")
	w.press("enter")

	// Mapping: type the file's path; every header is a field name.
	w.waitFor("Choose the file to publish")
	w.typeText(filepath.Join(f.data, csvName))
	w.press("enter")
	w.waitFor("Map the file's columns", "report_date")
	w.press("c")
	if w.waitForAny("Read the warnings", "All 3 rows of") == "Read the warnings" {
		w.press("c")
	}

	// Check: every value converts.
	w.waitFor("All 3 rows of " + csvName + " can be sent.")
	w.press("enter")

	// Upload.
	w.waitFor("Ready to upload", "Upsert 3 rows into "+e2eDatasetName)
	w.press("enter")
	w.waitFor("Upload finished", "Created 2 rows, updated 1")
	w.press("enter")

	// Save with every export ticked.
	w.waitFor("Save the job", wizard.DefaultJobPath(filepath.Join(f.data, csvName)))
	w.press("tab", "space", "tab", "space", "tab", "space", "tab")
	w.waitFor("[x] DataSync", "[x] socrata-py", "[x] RSocrata")
	w.press("enter")
	w.waitFor("Saved", "Run it again")
	w.press("enter")
}

// TestWizardEndToEnd walks the whole wizard as a new publisher would and
// then checks what it left: the rows on the portal, the job file, the
// exports, and that the binary runs the saved job headless.
func TestWizardEndToEnd(t *testing.T) {
	f := newFixture(t)
	f.write("wizard.csv", cleanCSV)
	w := startWizard(t, f)
	walk(t, f, w, "wizard.csv")
	m, _ := w.finish()

	if err := m.Err(); err != nil {
		t.Fatalf("the wizard did not finish: %v", err)
	}
	trail := strings.Join(m.Trail(), "\n")
	for _, want := range []string{"Signed in as Erin Endtoend (publisher)", "Mapped 5 of 5 columns of wizard.csv (upsert)", "Checked 3 rows: all can be sent", "Uploaded: 2 created, 1 updated", "Saved "} {
		if !strings.Contains(trail, want) {
			t.Errorf("trail lacks %q:\n%s", want, trail)
		}
	}
	if !f.keyring && !strings.Contains(trail, "(for this session only)") {
		t.Errorf("trail does not say the login was for this session only:\n%s", trail)
	}
	rowsAfterWizard := map[string]string{
		"R1": "Main Lot|100|true|2024-06-01", "R2": "North Gate|250|true|2024-07-02", "R3": "Pine Trail|300|false|2024-06-03",
		"R4": "East Field|75|false|2024-07-03", "R5": "West Dock|1200|true|2024-07-04",
	}
	assertRows(t, f, rowsAfterWizard)

	jobPath := filepath.Join(f.data, "wizard"+wizard.JobFileExt)
	job, err := wizard.LoadJob(jobPath)
	if err != nil {
		t.Fatalf("the saved job does not load: %v", err)
	}
	if job.Domain != f.domain() || job.Dataset != e2eDatasetID || job.Auth.Login != f.acc.KeyID || job.Method != wizard.Upsert || job.File != filepath.Join(f.data, "wizard.csv") {
		t.Errorf("saved job: domain %s dataset %s login %s method %s file %s", job.Domain, job.Dataset, job.Auth.Login, job.Method, job.File)
	}
	for _, name := range []string{"wizard.sij", "wizard_control.json", "wizard_socrata.py", "wizard_rsocrata.R"} {
		if _, err := os.Stat(filepath.Join(f.data, name)); err != nil {
			t.Errorf("the save step did not write %s: %v", name, err)
		}
	}
	if f.keyring {
		assertProfilesFile(t, f)
	}

	// The job runs headless: the same rows again update in place.
	var env []string
	if !f.keyring {
		env = f.secretEnv()
	}
	expect(t, f.run("", nil, "check", jobPath), exitOK, "stdout:No problems found")
	expect(t, f.run("", env, "run", jobPath), exitOK, "stdout:Created 0 rows, updated 3, deleted 0, rejected 0.")
	assertRows(t, f, rowsAfterWizard)
}
