package tui

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/wizard"
)

// step is one screen of the wizard. A step reads what it needs from the
// draft when it is built and never talks to other steps; the root model
// polls Done after every update and then asks the step to Apply its answer.
type step interface {
	Init() tea.Cmd
	// Update returns the step itself, so the root needs no type assertion.
	Update(tea.Msg) (step, tea.Cmd)
	View() string
	help.KeyMap
	// SetSize gives the step the space inside the frame.
	SetSize(width, height int)
	// Done reports that the user confirmed the step's answer.
	Done() bool
	// Apply copies the step's answer into the draft.
	Apply(d *wizard.Draft)
	// Summary is the one-line trail left behind once the step is done,
	// such as "Signed in as Jane Analyst (publisher) on data.ct.gov".
	Summary() string
	// Typing reports that a text field has the focus, so that printable
	// keys such as "?" belong to it and not to the root.
	Typing() bool
}

// quitHandler is implemented by steps that must finish something before
// the program may quit, such as an upload that stops after its batch.
type quitHandler interface {
	// HandleQuit is called on ctrl+c. It returns true when the step took
	// care of it, and the program keeps running for now.
	HandleQuit() (bool, tea.Cmd)
}

// noter is implemented by steps with something to say when the program
// quits part-way, such as what an upload applied before it was stopped.
type noter interface {
	// Notes are sentences for the command to print once the screen is
	// gone.
	Notes() []string
}

// backStopper is implemented by steps where esc, for now, does not go
// back (an upload in progress or done), so the help line does not offer
// it.
type backStopper interface {
	CanGoBack() bool
}

// goBackMsg asks the root to return to the previous step.
type goBackMsg struct{}

// goBack is the command a step returns when esc has nothing left to close
// inside the step.
func goBack() tea.Msg { return goBackMsg{} }
