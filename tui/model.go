package tui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// errAborted is returned by [Model.Err] when the user quit before the
// wizard finished.
var errAborted = errors.New("wizard stopped before it finished")

// maxWidth keeps lines readable on very wide terminals.
const maxWidth = 140

// Model is the root of the interface: it routes messages to the active
// step, moves between steps, and draws the header and the help line
// around the step's view.
type Model struct {
	deps   Deps
	styles *Styles
	keys   globalKeys
	help   help.Model

	draft wizard.Draft
	cur   wizard.StepID
	steps [wizard.StepDone]step
	trail []string

	width, height int
	finished      bool
	aborted       bool
}

// New builds the wizard. It does no I/O: the first step starts its work in
// Init.
func New(deps Deps) Model {
	deps = deps.withDefaults()
	m := Model{
		deps:   deps,
		styles: deps.Styles,
		keys:   newGlobalKeys(),
		help:   help.New(),
		draft:  deps.Draft,
		cur:    deps.Start,
	}
	m.help.Styles = m.styles.Help
	m.steps[m.cur] = m.build(m.cur)
	return m
}

// Init starts the first step.
func (m Model) Init() tea.Cmd { return m.steps[m.cur].Init() }

// Update routes a message to the active step and moves on when the step
// is done.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyMsg:
		if matches(msg, m.keys.Quit) {
			return m.quit()
		}
		if matches(msg, m.keys.Help) && !m.active().Typing() {
			m.help.ShowAll = !m.help.ShowAll
			m.setSize(m.width, m.height)
			return m, nil
		}
	case goBackMsg:
		return m.back()
	}
	s, cmd := m.active().Update(msg)
	m.steps[m.cur] = s
	if s.Done() {
		return m.advance(cmd)
	}
	return m, cmd
}

func (m Model) active() step { return m.steps[m.cur] }

// quit stops the program, unless the active step has to wind something
// down first (an upload stops after its current batch).
func (m Model) quit() (tea.Model, tea.Cmd) {
	if h, ok := m.active().(quitHandler); ok {
		if handled, cmd := h.HandleQuit(); handled {
			return m, cmd
		}
	}
	m.aborted = true
	return m, tea.Quit
}

// advance records the finished step and opens the next one. Steps after
// the next are thrown away: what they knew may no longer hold.
func (m Model) advance(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	s := m.active()
	s.Apply(&m.draft)
	if sum := s.Summary(); sum != "" {
		m.trail = append(m.trail, sum)
	}
	next := wizard.Next(m.cur, &m.draft)
	if next == wizard.StepDone || (m.deps.Single && next != m.cur) {
		m.finished = true
		return m, tea.Sequence(cmd, tea.Quit)
	}
	if next == m.cur {
		return m, cmd
	}
	for _, id := range wizard.Steps {
		if id >= next {
			m.steps[id] = nil
		}
	}
	m.cur = next
	m.steps[next] = m.build(next)
	m.setSize(m.width, m.height)
	return m, tea.Batch(cmd, m.steps[next].Init())
}

// back returns to the previous step, which keeps what the user entered.
func (m Model) back() (tea.Model, tea.Cmd) {
	prev := wizard.Prev(m.cur, &m.draft)
	if prev == m.cur || m.deps.Single {
		return m, nil
	}
	if n := len(m.trail); n > 0 {
		m.trail = m.trail[:n-1]
	}
	m.cur = prev
	if m.steps[prev] == nil {
		m.steps[prev] = m.build(prev)
		m.setSize(m.width, m.height)
		return m, m.steps[prev].Init()
	}
	return m, nil
}

// build makes the step for id from the current draft.
func (m Model) build(id wizard.StepID) step {
	switch id {
	case wizard.StepAccount:
		return newAccountStep(m.deps, m.draft)
	case wizard.StepDataset:
		return newDatasetStep(m.deps, m.draft)
	case wizard.StepMapping:
		return newMappingStep(m.deps, m.draft)
	case wizard.StepCheck:
		return newCheckStep(m.deps, m.draft)
	case wizard.StepUpload:
		return newUploadStep(m.deps, m.draft)
	case wizard.StepSave:
		return newSaveStep(m.deps, m.draft)
	case wizard.StepDone: // past the last step: nothing to build
	}
	panic("tui: no step " + id.String())
}

// setSize stores the terminal size and hands every built step the space
// left inside the frame.
func (m *Model) setSize(w, h int) {
	m.width, m.height = w, h
	inner := min(w, maxWidth) - m.styles.App.GetHorizontalFrameSize()
	m.help.Width = inner
	bodyH := h - lipgloss.Height(m.headerView(inner)) - lipgloss.Height(m.footerView()) - m.styles.App.GetVerticalFrameSize()
	for _, s := range m.steps {
		if s != nil {
			s.SetSize(max(inner, 10), max(bodyH, 3))
		}
	}
}

// View draws the header, the active step and the help line.
func (m Model) View() string {
	w := m.width
	if w == 0 {
		w = 80
	}
	inner := min(w, maxWidth) - m.styles.App.GetHorizontalFrameSize()
	header := m.headerView(inner)
	footer := m.footerView()
	body := m.active().View()
	// Pad the body so the help line stays at the bottom of the screen.
	if m.height > 0 {
		bodyH := m.height - lipgloss.Height(header) - lipgloss.Height(footer) - m.styles.App.GetVerticalFrameSize()
		body = fitHeight(body, bodyH)
	}
	return m.styles.App.Render(lipgloss.JoinVertical(lipgloss.Left, header, body, footer))
}

// headerView is the title line, the stepper and a rule.
func (m Model) headerView(width int) string {
	title := m.styles.Brand.Render("socrata-wizard")
	if m.deps.Demo {
		title += m.styles.Warn.Render("  DEMO")
	}
	var who string
	if u := m.draft.User; u != nil {
		who = account.UserName(u) + " on "
	}
	if m.draft.Domain != "" {
		who += m.draft.Domain.Host()
	}
	line := title
	if room := width - lipgloss.Width(title) - 2; room > 8 && who != "" {
		right := m.styles.HeaderInfo.Render(truncate(who, room))
		line += strings.Repeat(" ", width-lipgloss.Width(title)-lipgloss.Width(right)) + right
	}

	var parts []string
	for _, id := range wizard.Steps {
		if m.deps.Single && id != m.cur {
			// browse and login are one step: a stepper would promise more.
			continue
		}
		name := id.String()
		switch {
		case id < m.cur:
			parts = append(parts, m.styles.StepDone.Render("✓ "+name))
		case id == m.cur:
			parts = append(parts, m.styles.StepActive.Render(name))
		default:
			parts = append(parts, m.styles.StepTodo.Render(name))
		}
	}
	stepper := truncate(strings.Join(parts, m.styles.StepTodo.Render(" › ")), width)
	rule := m.styles.Rule.Render(strings.Repeat("─", max(width, 0)))
	return lipgloss.JoinVertical(lipgloss.Left, truncate(line, width), stepper, rule)
}

// footerView is the help line: the active step's keys, then the global
// ones.
func (m Model) footerView() string {
	return "\n" + m.help.View(m.helpKeys())
}

// Trail lists the one-line summaries of the finished steps.
func (m Model) Trail() []string { return append([]string(nil), m.trail...) }

// Notes are what the active step has to say when the wizard ends before
// its last step, such as what an upload applied and what is in doubt
// after it was stopped, for the command to print once the screen is gone.
func (m Model) Notes() []string {
	if n, ok := m.active().(noter); ok && !m.finished {
		return n.Notes()
	}
	return nil
}

// Err is nil when the wizard finished, and ErrAborted when the user quit.
func (m Model) Err() error {
	if m.finished {
		return nil
	}
	return errAborted
}
