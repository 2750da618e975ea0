package tui

import (
	"context"
	"net/http"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"

	"github.com/charmbracelet/lipgloss"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
	"github.com/ctopendata/socrata-wizard/wizard/upload"
)

// Deps is everything the interface needs from outside: where secrets and
// profiles are kept, how to reach a portal, and where to start. The
// command builds it; tests build it around a socratatest portal.
type Deps struct {
	// Ctx is cancelled when the program stops; every command uses it.
	Ctx context.Context
	// Version goes into the portal client's User-Agent.
	Version string
	// Styles default to DefaultStyles for the default renderer.
	Styles *Styles

	// Store keeps secrets: the OS keyring, or memory in the demo.
	// StoreName says which, for messages: "the OS keyring" unless set.
	Store     account.SecretStore
	StoreName string
	// Profiles is the index of saved logins.
	Profiles *account.Profiles
	// HTTPClient is given to every portal client; nil means the default.
	HTTPClient *http.Client
	// Retries carries the portal client's retries into the upload's
	// progress notes ("portal busy (503): retrying in 4s").
	Retries *upload.RetryNotes
	// DefaultDomain is offered on the account form (data.ct.gov).
	DefaultDomain string
	// Preset fills in the account form, as the demo does.
	Preset *Preset
	// NewLogin opens the account form even when logins are saved: the
	// login command is for adding one.
	NewLogin bool
	// Demo marks the session as a demo in the header.
	Demo bool

	// FileDir is where the file chooser starts looking for CSV files.
	FileDir string

	// Draft is what is already known when the wizard starts, such as an
	// account chosen on the command line.
	Draft wizard.Draft
	// Start is the first step shown.
	Start wizard.StepID
	// NoBlink keeps text cursors still, for screen recordings and tests.
	NoBlink bool
	// Debounce is how long typing must pause before a search is sent;
	// zero means 300 ms.
	Debounce time.Duration

	// Single runs the Start step alone and finishes after it: the login
	// command is the account step, and browse is the dataset step.
	Single bool
}

// Preset is an account the form starts filled in with.
type Preset struct {
	Domain string
	Creds  socrata.Credentials
}

func (d Deps) withDefaults() Deps {
	if d.Ctx == nil {
		d.Ctx = context.Background()
	}
	if d.Styles == nil {
		d.Styles = DefaultStyles(lipgloss.DefaultRenderer())
	}
	if d.StoreName == "" {
		d.StoreName = "the OS keyring"
	}
	if d.Retries == nil {
		d.Retries = &upload.RetryNotes{}
	}
	if d.Debounce == 0 {
		d.Debounce = 300 * time.Millisecond
	}
	if d.DefaultDomain == "" {
		d.DefaultDomain = "data.ct.gov"
	}
	return d
}

// connect makes a portal client for the domain and credentials.
func (d Deps) connect(domain string, c socrata.Credentials, opts ...socrata.Option) (*socrata.Client, error) {
	base := []socrata.Option{socrata.WithUserAgent(d.Version)}
	if d.Retries != nil {
		base = append(base, socrata.WithOnRetry(d.Retries.OnRetry))
	}
	opts = append(base, opts...)
	return socrata.NewClient(domain, c, d.HTTPClient, opts...)
}

// newInput makes a text input in the interface's style.
func (d Deps) newInput(placeholder string) textinput.Model {
	t := textinput.New()
	t.Prompt = ""
	t.Placeholder = placeholder
	t.PlaceholderStyle = d.Styles.Muted
	t.CharLimit = 4096
	if d.NoBlink {
		t.Cursor.SetMode(cursor.CursorStatic)
	}
	return t
}
