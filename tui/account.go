package tui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// accountState is what the account step is showing.
type accountState int

const (
	acctPick      accountState = iota // saved logins to choose from
	acctForm                          // the sign-in form
	acctVerifying                     // waiting for the portal
	acctSaving                        // writing to the keyring
	acctNoRights                      // signed in, but the role cannot publish
	acctKeyring                       // signed in, but the keyring failed
)

// The form's fields, in tab order.
const (
	fieldDomain = iota
	fieldKind
	fieldID
	fieldSecret
	fieldToken
	fieldSubmit
	fieldCount
)

// accountStep signs the user in: a saved login, or a new one verified
// against the portal and kept in the OS keyring.
type accountStep struct {
	deps Deps
	st   *Styles
	keys accountKeys
	spin spinner.Model

	state    accountState
	profiles []account.Profile
	pick     int // cursor in profiles; len(profiles) is "add an account"

	domain, id, secret, token textinput.Model
	kind                      socrata.AuthKind
	focus                     int
	fieldErr                  map[int]string

	err      error // the last sign-in or keyring failure
	verified signedInMsg
	session  bool            // kept for this session only, not in the keyring
	saved    account.Profile // the login as kept in the keyring and index
	done     bool

	width, height int
}

func newAccountStep(deps Deps, d wizard.Draft) *accountStep {
	s := &accountStep{
		deps:     deps,
		st:       deps.Styles,
		keys:     newAccountKeys(),
		spin:     spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		fieldErr: map[int]string{},
	}
	if deps.Profiles != nil {
		s.profiles = deps.Profiles.List()
	}
	s.domain = s.input("data.ct.gov")
	s.id = s.input("")
	s.secret = s.input("")
	s.secret.EchoMode = textinput.EchoPassword
	s.secret.EchoCharacter = '•'
	s.token = s.input("optional")
	// The token is tied to the account: hide it like the secret.
	s.token.EchoMode = textinput.EchoPassword
	s.token.EchoCharacter = '•'

	s.domain.SetValue(deps.DefaultDomain)
	if p := deps.Preset; p != nil {
		s.domain.SetValue(p.Domain)
		s.kind = p.Creds.Kind
		s.id.SetValue(p.Creds.ID)
		s.secret.SetValue(p.Creds.Secret)
		s.token.SetValue(p.Creds.AppToken)
	}
	if d.Domain != "" {
		s.domain.SetValue(string(d.Domain))
	}
	if len(s.profiles) > 0 && deps.Preset == nil && !deps.NewLogin {
		s.state = acctPick
		for i, p := range s.profiles {
			if p.Default {
				s.pick = i
			}
		}
	} else {
		s.state = acctForm
		s.focusField(fieldDomain)
		if deps.Preset != nil {
			s.focusField(fieldSubmit)
		}
	}
	return s
}

func (s *accountStep) input(placeholder string) textinput.Model {
	t := s.deps.newInput(placeholder)
	t.CharLimit = 512
	return t
}

// Init starts the cursor blinking.
func (s *accountStep) Init() tea.Cmd { return tea.Batch(textinput.Blink, s.spin.Tick) }

func (s *accountStep) inputs() []*textinput.Model {
	return []*textinput.Model{fieldDomain: &s.domain, fieldID: &s.id, fieldSecret: &s.secret, fieldToken: &s.token}
}

func (s *accountStep) focusField(f int) tea.Cmd {
	s.focus = f
	var cmd tea.Cmd
	for i, in := range s.inputs() {
		if in == nil {
			continue
		}
		if i == f {
			cmd = in.Focus()
		} else {
			in.Blur()
		}
	}
	return cmd
}

// Update handles keys and the replies of sign-in and keyring commands.
func (s *accountStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case signedInMsg:
		return s.signedIn(msg)
	case loginSavedMsg:
		if msg.err != nil {
			s.err = msg.err
			s.state = acctKeyring
			return s, nil
		}
		s.saved = msg.profile
		s.done = true
		return s, nil
	case tea.KeyMsg:
		switch s.state {
		case acctPick:
			return s.updatePick(msg)
		case acctForm:
			return s.updateForm(msg)
		case acctNoRights:
			return s.updateNoRights(msg)
		case acctKeyring:
			return s.updateKeyring(msg)
		case acctVerifying, acctSaving:
			if matches(msg, keyBack) {
				// The reply will still come; it is ignored once the state
				// has moved on.
				s.state = acctForm
				return s, nil
			}
		}
	}
	return s, nil
}

func (s *accountStep) signedIn(msg signedInMsg) (step, tea.Cmd) {
	if s.state != acctVerifying {
		return s, nil
	}
	s.verified = msg
	var sie *account.SignInError
	switch {
	case msg.err == nil:
	case errors.As(msg.err, &sie) && sie.Cause == account.CauseNoPublishingRights && msg.user != nil:
		s.err = msg.err
		s.state = acctNoRights
		return s, nil
	default:
		s.err = msg.err
		if msg.fromProfile {
			s.state = acctPick
		} else {
			s.state = acctForm
		}
		return s, nil
	}
	if msg.fromProfile {
		s.done = true
		return s, nil
	}
	return s, s.save()
}

// save keeps the verified login, unless the user asked for this session
// only.
func (s *accountStep) save() tea.Cmd {
	if s.deps.Store == nil || s.deps.Profiles == nil {
		s.session = true
		s.done = true
		return nil
	}
	s.state = acctSaving
	v := s.verified
	return saveLogin(s.deps.Ctx, s.deps.Store, s.deps.Profiles, v.domain, v.creds, v.user)
}

func (s *accountStep) updatePick(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		return s, nil // the first step: there is nothing to go back to
	case matches(msg, s.keys.Up):
		s.pick = max(s.pick-1, 0)
	case matches(msg, s.keys.Down):
		s.pick = min(s.pick+1, len(s.profiles))
	case matches(msg, s.keys.NewAccount):
		return s, s.openForm()
	case matches(msg, s.keys.Choose):
		if s.pick == len(s.profiles) {
			return s, s.openForm()
		}
		s.err = nil
		s.state = acctVerifying
		return s, signInProfile(s.deps, s.profiles[s.pick])
	}
	return s, nil
}

func (s *accountStep) openForm() tea.Cmd {
	s.err = nil
	s.state = acctForm
	return s.focusField(fieldDomain)
}

func (s *accountStep) updateForm(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		if len(s.profiles) > 0 && !s.deps.NewLogin {
			s.err = nil
			s.state = acctPick
		}
		return s, nil
	case matches(msg, keyEnter):
		if s.focus == fieldSubmit {
			return s, s.submit()
		}
		return s, s.focusField(s.focus + 1)
	case matches(msg, s.keys.NextField):
		return s, s.focusField((s.focus + 1) % fieldCount)
	case matches(msg, s.keys.PrevField):
		return s, s.focusField((s.focus + fieldCount - 1) % fieldCount)
	case s.focus == fieldKind && matches(msg, s.keys.Toggle):
		if s.kind == socrata.APIKey {
			s.kind = socrata.Password
		} else {
			s.kind = socrata.APIKey
		}
		return s, nil
	}
	if in := s.inputs()[min(s.focus, fieldToken)]; in != nil && s.focus != fieldKind && s.focus != fieldSubmit {
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		delete(s.fieldErr, s.focus)
		return s, cmd
	}
	return s, nil
}

// submit checks the form and starts the sign-in.
func (s *accountStep) submit() tea.Cmd {
	s.fieldErr = map[int]string{}
	s.err = nil
	dom, err := socrata.ParseDomain(s.domain.Value())
	if err != nil {
		s.fieldErr[fieldDomain] = wizard.Explain(err)
	}
	idName, secretName := "key id", "key secret"
	if s.kind == socrata.Password {
		idName, secretName = "username", "password"
	}
	if strings.TrimSpace(s.id.Value()) == "" {
		s.fieldErr[fieldID] = "Enter your " + idName + "."
	}
	if s.secret.Value() == "" {
		s.fieldErr[fieldSecret] = "Enter your " + secretName + "."
	}
	for _, f := range []int{fieldDomain, fieldID, fieldSecret} {
		if _, bad := s.fieldErr[f]; bad {
			return s.focusField(f)
		}
	}
	creds := socrata.Credentials{
		Kind:     s.kind,
		ID:       strings.TrimSpace(s.id.Value()),
		Secret:   s.secret.Value(),
		AppToken: strings.TrimSpace(s.token.Value()),
	}
	s.state = acctVerifying
	return signIn(s.deps, string(dom), creds)
}

func (s *accountStep) updateNoRights(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		s.state = acctForm
		if s.verified.fromProfile {
			s.state = acctPick
		}
	case matches(msg, s.keys.Anyway):
		s.err = nil
		if s.verified.fromProfile {
			s.done = true
			return s, nil
		}
		return s, s.save()
	}
	return s, nil
}

func (s *accountStep) updateKeyring(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		s.state = acctForm
	case matches(msg, s.keys.Retry):
		return s, s.save()
	case matches(msg, s.keys.SessionOnly):
		s.session = true
		s.done = true
	}
	return s, nil
}

// SetSize gives the step its space.
func (s *accountStep) SetSize(w, h int) {
	s.width, s.height = w, h
	for _, in := range s.inputs() {
		if in != nil {
			in.Width = max(min(w-24, 60), 10)
		}
	}
}

// Done reports a verified sign-in.
func (s *accountStep) Done() bool { return s.done }

// Apply records the account in the draft.
func (s *accountStep) Apply(d *wizard.Draft) {
	s.done = false
	v := s.verified
	d.Domain = socrata.Domain(v.domain)
	d.Creds = v.creds
	d.Client = v.client
	d.User = v.user
}

// Summary is the signed-in line.
func (s *accountStep) Summary() string {
	if s.verified.user == nil {
		return ""
	}
	line := account.SignedInLine(s.verified.user, s.verified.domain)
	switch {
	case s.session:
		line += " (for this session only)"
	case s.saved.Login != "":
		line += "; kept in " + s.deps.StoreName + " as " + s.saved.Name()
	}
	return line
}

// Typing is true while a text field of the form has the focus.
func (s *accountStep) Typing() bool {
	return s.state == acctForm && s.focus != fieldKind && s.focus != fieldSubmit
}

// ShortHelp lists the keys that work now.
func (s *accountStep) ShortHelp() []key.Binding {
	switch s.state {
	case acctPick:
		return []key.Binding{s.keys.Up, s.keys.Choose, s.keys.NewAccount}
	case acctForm:
		b := []key.Binding{s.keys.NextField, s.keys.Submit}
		if s.focus == fieldKind {
			b = append(b, s.keys.Toggle)
		}
		return b
	case acctNoRights:
		return []key.Binding{s.keys.Anyway}
	case acctKeyring:
		return []key.Binding{s.keys.SessionOnly, s.keys.Retry}
	case acctVerifying, acctSaving: // waiting: only the global keys
	}
	return nil
}

// FullHelp lists every key of the step.
func (s *accountStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// View draws the current state.
func (s *accountStep) View() string {
	switch s.state {
	case acctPick:
		return s.pickView()
	case acctVerifying:
		return s.formView() + "\n\n" + s.spin.View() + " Checking your sign-in with " + s.verifyingDomain() + "…"
	case acctSaving:
		return s.formView() + "\n\n" + s.spin.View() + " Saving to " + s.deps.StoreName + "…"
	case acctNoRights:
		return s.problemView("Signed in, but this account cannot publish", s.err,
			"Press enter to continue anyway: datasets shared to you with edit rights can still be updated.")
	case acctKeyring:
		return s.problemView(account.SignedInLine(s.verified.user, s.verified.domain)+", but the login could not be saved", s.err,
			"Press enter to use it for this session only (nothing is written to disk), or ctrl+r to try the keyring again.")
	case acctForm: // below
	}
	return s.formView()
}

func (s *accountStep) verifyingDomain() string {
	if s.verified.domain != "" && s.state != acctVerifying {
		return s.verified.domain
	}
	if d, err := socrata.ParseDomain(s.domain.Value()); err == nil {
		return string(d)
	}
	return "the portal"
}

func (s *accountStep) pickView() string {
	var b strings.Builder
	b.WriteString(s.st.Title.Render("Choose an account") + "\n")
	b.WriteString(s.st.Muted.Render(wrap("Saved sign-ins. The secret of each is in your OS keyring; it is checked again when you choose it.", s.width)))
	b.WriteString("\n\n")
	for i, p := range s.profiles {
		name := p.DisplayName
		if name == "" {
			name = p.Login
		}
		if p.Default {
			name += s.st.Muted.Render("  (default)")
		}
		kind := "password"
		if p.Kind == socrata.APIKey {
			kind = "API key"
		}
		b.WriteString(s.cursorLine(i == s.pick, truncate(name, s.width-2)) + "\n")
		b.WriteString("    " + s.st.Muted.Render(truncate(p.Login+" on "+socrata.Domain(p.Domain).Host()+" · "+kind, s.width-4)) + "\n")
	}
	b.WriteString(s.cursorLine(s.pick == len(s.profiles), "Add another account…") + "\n")
	if s.err != nil {
		b.WriteString("\n" + s.errorView(s.err))
	}
	return b.String()
}

func (s *accountStep) cursorLine(on bool, text string) string {
	if on {
		return s.st.Focused.Render("› ") + text
	}
	return "  " + text
}

func (s *accountStep) formView() string {
	var b strings.Builder
	b.WriteString(s.st.Title.Render("Sign in to your portal") + "\n\n")
	idLabel, secretLabel := "Key ID", "Key secret"
	if s.kind == socrata.Password {
		idLabel, secretLabel = "Username", "Password"
	}
	row := func(f int, label, value string) {
		l := padRight(label, 16)
		if s.focus == f && s.state == acctForm {
			l = s.st.Focused.Render(l)
		} else {
			l = s.st.Label.Render(l)
		}
		b.WriteString(s.cursorLine(s.focus == f && s.state == acctForm, l+value) + "\n")
		if e, ok := s.fieldErr[f]; ok {
			for _, l := range strings.Split(wrap(e, max(s.width-18, 10)), "\n") {
				b.WriteString(padRight("", 18) + s.st.Bad.Render(l) + "\n")
			}
		}
	}
	row(fieldDomain, "Portal", s.domain.View())
	row(fieldKind, "Sign in with", s.kindView())
	row(fieldID, idLabel, s.id.View())
	row(fieldSecret, secretLabel, s.secret.View())
	row(fieldToken, "App token", s.token.View())
	button := "[ Sign in ]"
	if s.focus == fieldSubmit && s.state == acctForm {
		button = s.st.Focused.Render(button)
	}
	b.WriteString("\n" + s.cursorLine(s.focus == fieldSubmit && s.state == acctForm, button) + "\n")
	if s.state == acctForm {
		if s.err != nil {
			b.WriteString("\n" + s.errorView(s.err))
		} else if h := s.fieldHelp(); h != "" {
			b.WriteString("\n" + s.st.Muted.Render(wrap(h, s.width)))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *accountStep) kindView() string {
	key, pw := "API key (recommended)", "Username and password"
	if s.kind == socrata.APIKey {
		return s.st.Focused.Render("● "+key) + "   " + s.st.Muted.Render("○ "+pw)
	}
	return s.st.Muted.Render("○ "+key) + "   " + s.st.Focused.Render("● "+pw)
}

// fieldHelp explains the focused field.
func (s *accountStep) fieldHelp() string {
	// The help names real addresses: the portal typed, or, until one
	// is, the default.
	dom := s.deps.DefaultDomain
	if d, err := socrata.ParseDomain(s.domain.Value()); err == nil {
		dom = string(d)
	}
	switch s.focus {
	case fieldDomain:
		return "The portal's address, such as data.ct.gov. A link to one of its datasets works too."
	case fieldKind, fieldID:
		if s.kind == socrata.Password {
			return account.PasswordHelp(dom)
		}
		return account.APIKeyHelp(dom)
	case fieldSecret:
		return "Typed characters are hidden. The secret is checked with the portal, then kept in " + s.deps.StoreName + ", never in a file."
	case fieldToken:
		return account.AppTokenHelp(dom)
	case fieldSubmit:
		return "Press enter to check these details with the portal."
	}
	return ""
}

func (s *accountStep) errorView(err error) string {
	text := s.st.Bad.Render(wrap(wizard.Explain(err), max(s.width-4, 10)))
	if h := wizard.Hint(err); h != "" {
		text += "\n" + wrap(h, max(s.width-4, 10))
	}
	return s.st.ErrorBox.Render(text)
}

func (s *accountStep) problemView(title string, err error, next string) string {
	return s.st.Title.Render(wrap(title, s.width)) + "\n\n" + s.errorView(err) + "\n\n" + wrap(next, s.width)
}
