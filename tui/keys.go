package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Every key binding of the interface is defined in this file. Steps embed
// the bindings they use in their own key maps, so the help line always
// shows what works on the current screen and nothing else.

// globalKeys work on every screen.
type globalKeys struct {
	Quit key.Binding
	Back key.Binding
	Help key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Quit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Back: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
	}
}

// matches is key.Matches, except that typed text never matches a named
// key. Text typed or pasted in a run arrives as one message of several
// runes, and a run such as "esc" or "enter" has the same String() as the
// key of that name.
func matches(msg tea.KeyMsg, b ...key.Binding) bool {
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
		return false
	}
	return key.Matches(msg, b...)
}

// Shared bindings that several steps use with the same meaning.
var (
	keyBack     = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back"))
	keyEnter    = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm"))
	keyUp       = key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "move"))
	keyDown     = key.NewBinding(key.WithKeys("down"))
	keyPageUp   = key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "page"))
	keyPageDown = key.NewBinding(key.WithKeys("pgdown"))
	keyHome     = key.NewBinding(key.WithKeys("home"), key.WithHelp("home/end", "first/last"))
	keyEnd      = key.NewBinding(key.WithKeys("end"))
	keyNextFld  = key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field"))
	keyPrevFld  = key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous"))
	keyToggle   = key.NewBinding(key.WithKeys("left", "right", " "), key.WithHelp("←/→", "switch"))
	keyRetry    = key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "retry"))
)

// accountKeys are the account step's bindings.
type accountKeys struct {
	Up, Down    key.Binding
	Choose      key.Binding
	NewAccount  key.Binding
	NextField   key.Binding
	PrevField   key.Binding
	Toggle      key.Binding
	Submit      key.Binding
	SessionOnly key.Binding
	Anyway      key.Binding
	Retry       key.Binding
}

func newAccountKeys() accountKeys {
	return accountKeys{
		Up:          keyUp,
		Down:        keyDown,
		Choose:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use this account")),
		NewAccount:  key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "add an account")),
		NextField:   keyNextFld,
		PrevField:   keyPrevFld,
		Toggle:      keyToggle,
		Submit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / sign in")),
		SessionOnly: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use for this session only")),
		Anyway:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue anyway")),
		Retry:       keyRetry,
	}
}

// datasetKeys are the dataset step's bindings. Letters go to the search
// box, so nothing here is a bare letter.
type datasetKeys struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Home, End        key.Binding
	Open             key.Binding
	Pick             key.Binding
	Sort             key.Binding
	Clear            key.Binding
	Retry            key.Binding
}

func newDatasetKeys() datasetKeys {
	return datasetKeys{
		Up:       keyUp,
		Down:     keyDown,
		PageUp:   keyPageUp,
		PageDown: keyPageDown,
		Home:     keyHome,
		End:      keyEnd,
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Pick:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use this dataset")),
		Sort:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "sort")),
		Clear:    key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear search")),
		Retry:    keyRetry,
	}
}

// mappingKeys are the mapping step's bindings. The mapping table has no
// text input, so single letters are safe there.
type mappingKeys struct {
	Up, Down   key.Binding
	Complete   key.Binding
	OpenFile   key.Binding
	Edit       key.Binding
	Ignore     key.Binding
	Restore    key.Binding
	Undo       key.Binding
	Method     key.Binding
	Zone       key.Binding
	Continue   key.Binding
	PickTarget key.Binding
	Cancel     key.Binding
}

func newMappingKeys() mappingKeys {
	return mappingKeys{
		Up:         keyUp,
		Down:       keyDown,
		Complete:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete path")),
		OpenFile:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open file")),
		Edit:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "change field")),
		Ignore:     key.NewBinding(key.WithKeys("x", "delete"), key.WithHelp("x", "ignore")),
		Restore:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restore")),
		Undo:       key.NewBinding(key.WithKeys("u", "ctrl+z"), key.WithHelp("u", "undo")),
		Method:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "method")),
		Zone:       key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "time zone")),
		Continue:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check & continue")),
		PickTarget: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// checkKeys are the check step's bindings. The report has no text input,
// so single letters are safe there.
type checkKeys struct {
	Up, Down     key.Binding
	Format       key.Binding
	Clean        key.Binding
	YesNo        key.Binding
	WriteRejects key.Binding
	Anyway       key.Binding
	Recheck      key.Binding
	Continue     key.Binding
	Choose       key.Binding
	Tick         key.Binding
}

func newCheckKeys() checkKeys {
	return checkKeys{
		Up:           keyUp,
		Down:         keyDown,
		Format:       key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "date formats")),
		Clean:        key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "clean numbers")),
		YesNo:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "accept yes/no")),
		WriteRejects: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write bad rows to a file")),
		Anyway:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "send anyway")),
		Recheck:      key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "check again")),
		Continue:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Choose:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use the ticked formats")),
		Tick:         key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick")),
	}
}

// uploadKeys are the upload step's bindings.
type uploadKeys struct {
	Start    key.Binding
	Route    key.Binding
	Stop     key.Binding
	Continue key.Binding
	Resume   key.Binding
}

func newUploadKeys() uploadKeys {
	return uploadKeys{
		Start:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start upload")),
		Route:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "route")),
		Stop:     key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop after this batch")),
		Continue: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Resume:   key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "resume")),
	}
}

// saveKeys are the save step's bindings.
type saveKeys struct {
	Save      key.Binding
	NextField key.Binding
	PrevField key.Binding
	Toggle    key.Binding
	Finish    key.Binding
}

func newSaveKeys() saveKeys {
	return saveKeys{
		Save:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		NextField: keyNextFld,
		PrevField: keyPrevFld,
		Toggle:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "toggle export")),
		Finish:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "finish")),
	}
}
