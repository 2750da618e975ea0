package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	xgolden "github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

func init() {
	// Goldens are plain text, and dates print the same on every machine.
	lipgloss.SetColorProfile(termenv.Ascii)
	time.Local = time.UTC
}

// harness is a sample portal, sample files and the wizard's dependencies
// around them, for one test.
type harness struct {
	t    *testing.T
	srv  *socratatest.Server
	dir  string
	deps Deps
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv := socratatest.NewServer(socratatest.WithSamples())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	files, err := socratatest.WriteSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The file chooser lists newest first; one time for all keeps the
	// order (then by name) the same on every run.
	stamp := time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		if err := os.Chtimes(f, stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := account.LoadProfiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &harness{t: t, srv: srv, dir: dir, deps: Deps{
		Ctx:      ctx,
		Version:  "test",
		Styles:   DefaultStyles(r),
		Store:    &account.MemoryStore{},
		Profiles: ps,
		FileDir:  dir,
		NoBlink:  true,
		Debounce: time.Millisecond,
	}.withDefaults()}
}

// demoCreds are the sample publisher's API key.
func (h *harness) demoCreds() socrata.Credentials {
	d := h.srv.Portal.Demo()
	return socrata.Credentials{Kind: socrata.APIKey, ID: d.KeyID, Secret: d.KeySecret}
}

// signedIn is a draft already signed in as the sample publisher.
func (h *harness) signedIn() wizard.Draft {
	h.t.Helper()
	c, err := socrata.NewClient(h.srv.URL, h.demoCreds(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	u, err := c.CurrentUser(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return wizard.Draft{Domain: c.Domain(), Creds: h.demoCreds(), Client: c, User: u}
}

// withDataset adds the schema of dataset id to the draft.
func (h *harness) withDataset(d wizard.Draft, id socrata.DatasetID) wizard.Draft {
	h.t.Helper()
	ds, err := d.Client.Dataset(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	d.Dataset = ds
	return d
}

// sample is the path of a written sample file.
func (h *harness) sample(name string) string { return filepath.Join(h.dir, name) }

// plain is a view without styling, with the portal's random port and
// temporary folder replaced so goldens stay stable.
func (h *harness) plain(view string) string {
	s := ansi.Strip(view)
	s = strings.ReplaceAll(s, h.srv.Host(), "127.0.0.1:PORT")
	s = strings.ReplaceAll(s, h.srv.Portal.Demo().KeyID, "DEMO-KEY-ID")
	s = strings.ReplaceAll(s, h.dir, "SAMPLES")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// golden compares a plain view with testdata/<test name>.golden; run the
// tests with -update to rewrite the files after checking the change.
func golden(t *testing.T, got string) {
	t.Helper()
	xgolden.RequireEqual(t, []byte(got))
}

// keys turns a description into key messages: "enter", "esc", "tab",
// "up", "down", "ctrl+c", or literal text.
func keys(specs ...string) []tea.Msg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"ctrl+c": tea.KeyCtrlC, "ctrl+u": tea.KeyCtrlU, "ctrl+r": tea.KeyCtrlR, "ctrl+n": tea.KeyCtrlN,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "home": tea.KeyHome, "end": tea.KeyEnd,
		"backspace": tea.KeyBackspace, "space": tea.KeySpace,
	}
	var out []tea.Msg
	for _, s := range specs {
		if k, ok := named[s]; ok {
			out = append(out, tea.KeyMsg{Type: k})
			continue
		}
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
	}
	return out
}

// run executes a command and every command it leads to, feeding the
// messages back into the step, as the program would. The harness turns
// cursor blinking off and the search debounce down to a millisecond, so
// every command here finishes promptly.
func run(t testing.TB, s step, cmd tea.Cmd) step {
	t.Helper()
	return drain(t, s, cmd, func(s step, m tea.Msg) (step, tea.Cmd) { return s.Update(m) })
}

// drain runs cmd and what it leads to through update, skipping spinner
// ticks, which only animate and would keep it turning for ever.
func drain[M any](t testing.TB, m M, cmd tea.Cmd, update func(M, tea.Msg) (M, tea.Cmd)) M {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 500 {
			t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, tea.QuitMsg, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			var next tea.Cmd
			m, next = update(m, msg)
			queue = append(queue, next)
		}
	}
	return m
}

// press sends keys to a step, running what they lead to.
func press(t testing.TB, s step, specs ...string) step {
	t.Helper()
	for _, m := range keys(specs...) {
		var cmd tea.Cmd
		s, cmd = s.Update(m)
		s = run(t, s, cmd)
	}
	return s
}
