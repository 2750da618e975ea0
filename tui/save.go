package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/interop"
)

// The exports the save step offers besides the job file itself.
const (
	exportDataSync = iota
	exportSocrataPy
	exportRSocrata
	exportCount
)

var exportNames = [exportCount]string{
	exportDataSync:  "DataSync job (.sij and control file)",
	exportSocrataPy: "socrata-py script",
	exportRSocrata:  "RSocrata script",
}

// The save step's focus positions: the path, each export, the button.
const (
	saveFocusPath   = 0
	saveFocusSubmit = exportCount + 1
)

// saveStep writes the job file, and the exports the user ticks, so that
// the upload can run again without the wizard.
type saveStep struct {
	deps Deps
	st   *Styles
	keys saveKeys

	job     *wizard.Job
	path    textinput.Model
	exports [exportCount]bool
	focus   int

	confirm  string // a path that exists and may be replaced
	err      error
	saved    []string // files written
	warnings []string // what the other tools cannot do as this one does
	done     bool

	width, height int
}

func newSaveStep(deps Deps, d wizard.Draft) *saveStep {
	s := &saveStep{deps: deps, st: deps.Styles, keys: newSaveKeys(), job: d.Job()}
	s.path = deps.newInput("")
	p := d.JobPath
	if p == "" {
		p = wizard.DefaultJobPath(d.FilePath)
	}
	s.path.SetValue(p)
	s.path.Focus()
	return s
}

// Init starts the cursor blinking.
func (s *saveStep) Init() tea.Cmd { return textinput.Blink }

// Update handles keys and the result of writing the files.
func (s *saveStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case jobSavedMsg:
		if msg.exists {
			s.confirm = msg.path
			return s, nil
		}
		s.err = msg.err
		s.warnings = msg.warnings
		if len(msg.files) > 0 {
			s.saved = msg.files
		}
		return s, nil
	case tea.KeyMsg:
		if s.saved != nil {
			if matches(msg, s.keys.Finish) {
				s.done = true
			}
			if matches(msg, keyBack) {
				s.saved = nil // back to the form, to save elsewhere
			}
			return s, nil
		}
		return s.updateForm(msg)
	}
	return s, nil
}

func (s *saveStep) updateForm(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		if s.confirm != "" {
			s.confirm = ""
			return s, nil
		}
		return s, goBack
	case matches(msg, keyEnter):
		if s.focus == saveFocusSubmit || s.focus == saveFocusPath {
			return s, s.save()
		}
		s.exports[s.focus-1] = !s.exports[s.focus-1]
		return s, nil
	case matches(msg, s.keys.NextField):
		s.setFocus((s.focus + 1) % (saveFocusSubmit + 1))
		return s, nil
	case matches(msg, s.keys.PrevField):
		s.setFocus((s.focus + saveFocusSubmit) % (saveFocusSubmit + 1))
		return s, nil
	case s.focus > saveFocusPath && s.focus < saveFocusSubmit && matches(msg, s.keys.Toggle):
		s.exports[s.focus-1] = !s.exports[s.focus-1]
		return s, nil
	}
	if s.focus == saveFocusPath {
		before := s.path.Value()
		var cmd tea.Cmd
		s.path, cmd = s.path.Update(msg)
		if s.path.Value() != before {
			s.confirm, s.err = "", nil
		}
		return s, cmd
	}
	return s, nil
}

func (s *saveStep) setFocus(f int) {
	s.focus = f
	if f == saveFocusPath {
		s.path.Focus()
	} else {
		s.path.Blur()
	}
}

func (s *saveStep) save() tea.Cmd {
	path := strings.TrimSpace(s.path.Value())
	if path == "" {
		s.err = fmt.Errorf("enter where to save the job file, such as %s", wizard.DefaultJobPath("data.csv"))
		return nil
	}
	s.err = nil
	replace := s.confirm == path
	s.confirm = ""
	var want []int
	for i, on := range s.exports {
		if on {
			want = append(want, i)
		}
	}
	return saveJob(s.job, path, replace, want)
}

// SetSize gives the step its space.
func (s *saveStep) SetSize(w, h int) {
	s.width, s.height = w, h
	s.path.Width = max(w-20, 10)
}

// Done reports that the user finished after saving.
func (s *saveStep) Done() bool { return s.done }

// Apply records where the job was saved.
func (s *saveStep) Apply(d *wizard.Draft) {
	s.done = false
	if len(s.saved) > 0 {
		d.JobPath = s.saved[0]
	}
}

// Summary names the saved file.
func (s *saveStep) Summary() string {
	if len(s.saved) == 0 {
		return ""
	}
	return "Saved " + s.saved[0]
}

// Typing is true while the path has the focus.
func (s *saveStep) Typing() bool { return s.saved == nil && s.focus == saveFocusPath }

// ShortHelp lists the keys that work now.
func (s *saveStep) ShortHelp() []key.Binding {
	if s.saved != nil {
		return []key.Binding{s.keys.Finish}
	}
	if s.focus > saveFocusPath && s.focus < saveFocusSubmit {
		return []key.Binding{s.keys.NextField, s.keys.Toggle}
	}
	return []key.Binding{s.keys.NextField, s.keys.Save}
}

// FullHelp lists every key of the step.
func (s *saveStep) FullHelp() [][]key.Binding {
	return [][]key.Binding{{s.keys.NextField, s.keys.PrevField, s.keys.Toggle, s.keys.Save}}
}

// View draws the form, or what was saved and how to run it.
func (s *saveStep) View() string {
	if s.saved != nil {
		return s.savedView()
	}
	var b strings.Builder
	b.WriteString(s.st.Title.Render("Save the job") + "\n")
	b.WriteString(s.st.Muted.Render(wrap("The job file lets this program repeat the upload without the wizard, from cron or Task Scheduler. It holds no password or key secret.", s.width)) + "\n\n")
	label := padRight("Job file", 12)
	if s.focus == saveFocusPath {
		label = s.st.Focused.Render(label)
	}
	b.WriteString(s.cursor(s.focus == saveFocusPath) + label + s.path.View() + "\n\n")
	b.WriteString(s.st.Label.Render("Also write, for other tools:") + "\n")
	for i := range exportCount {
		box := "[ ]"
		if s.exports[i] {
			box = "[x]"
		}
		line := box + " " + exportNames[i]
		if s.focus == i+1 {
			line = s.st.Focused.Render(line)
		}
		b.WriteString(s.cursor(s.focus == i+1) + line + "\n")
	}
	button := "[ Save ]"
	if s.focus == saveFocusSubmit {
		button = s.st.Focused.Render(button)
	}
	b.WriteString("\n" + s.cursor(s.focus == saveFocusSubmit) + button + "\n")
	switch {
	case s.confirm != "":
		b.WriteString("\n" + s.st.Warn.Render(wrap(fmt.Sprintf("%s already exists. Press enter again to replace it, or change the path.", s.confirm), s.width)))
	case s.err != nil:
		b.WriteString("\n" + s.st.ErrorBox.Render(s.st.Bad.Render(wrap(wizard.Explain(s.err), max(s.width-4, 10)))))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *saveStep) cursor(on bool) string {
	if on {
		return s.st.Focused.Render("› ")
	}
	return "  "
}

func (s *saveStep) savedView() string {
	var b strings.Builder
	b.WriteString(s.st.Good.Render("✓ Saved") + "\n\n")
	for _, f := range s.saved {
		b.WriteString("  " + truncate(f, s.width-2) + "\n")
	}
	if s.err != nil {
		b.WriteString(s.st.Bad.Render(wrap(wizard.Explain(s.err), s.width)) + "\n")
	}
	for _, w := range s.warnings {
		b.WriteString(s.st.Warn.Render(wrap("! "+w, s.width)) + "\n")
	}
	job := s.saved[0]
	exe := "socrata-wizard"
	b.WriteString("\n" + s.st.Title.Render("Run it again") + "\n")
	b.WriteString("  " + exe + " run " + quotePath(job) + "\n")
	b.WriteString("\n" + s.st.Title.Render("Schedule it") + "\n")
	b.WriteString(s.st.Muted.Render("  cron (daily at 06:00):") + "\n")
	b.WriteString("  0 6 * * * " + exe + " run " + quotePath(job) + "\n")
	b.WriteString(s.st.Muted.Render("  Windows Task Scheduler, action \"Start a program\":") + "\n")
	b.WriteString("  " + exe + ".exe  run " + quotePath(job) + "\n\n")
	b.WriteString(s.st.Muted.Render(wrap("Scheduled runs read the secret from the OS keyring of the same user, or from SOCRATA_KEY_ID and SOCRATA_KEY_SECRET on servers without a keyring. "+
		"Check a job without sending anything with: "+exe+" check "+quotePath(job), s.width)))
	return b.String()
}

// quotePath quotes a path for a shell when it needs it.
func quotePath(p string) string {
	if strings.ContainsAny(p, " '\"$&;|<>()") {
		return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
	}
	return p
}

// jobSavedMsg reports the files the save step wrote, or that the job file
// exists and needs the user's word before it is replaced.
type jobSavedMsg struct {
	path     string
	exists   bool
	files    []string
	warnings []string
	err      error
}

// saveJob writes the job file and the chosen exports next to it.
func saveJob(job *wizard.Job, path string, replace bool, exports []int) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(path)
		if err != nil {
			return jobSavedMsg{path: path, err: err}
		}
		if !replace {
			if _, err := os.Stat(abs); err == nil {
				return jobSavedMsg{path: path, exists: true}
			}
		}
		if err := wizard.SaveJob(abs, job); err != nil {
			return jobSavedMsg{path: path, err: err}
		}
		msg := jobSavedMsg{path: path, files: []string{abs}}
		dir := filepath.Dir(abs)
		for _, e := range exports {
			var ex *interop.Export
			switch e {
			case exportDataSync:
				ex, err = interop.ExportDataSync(job, dir)
			case exportSocrataPy:
				ex, err = interop.ExportSocrataPy(job, dir)
			case exportRSocrata:
				ex, err = interop.ExportRSocrata(job, dir)
			}
			if err != nil {
				msg.err = fmt.Errorf("the job file was saved, but the %s was not: %w", exportNames[e], err)
				return msg
			}
			msg.files = append(msg.files, ex.Files...)
			msg.warnings = append(msg.warnings, ex.Warnings...)
		}
		return msg
	}
}
