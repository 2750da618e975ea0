package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// brokenStore is a keyring that is not there.
type brokenStore struct{}

func (brokenStore) Get(context.Context, string, string) (account.Secret, error) {
	return account.Secret{}, &account.KeyringError{Kind: account.KeyringNoProvider, Op: account.OpRead, Err: errors.New("no provider")}
}

func (brokenStore) Set(context.Context, string, string, account.Secret) error {
	return &account.KeyringError{Kind: account.KeyringNoProvider, Op: account.OpSave, Err: errors.New("no provider")}
}

func (brokenStore) Delete(context.Context, string, string) error {
	return &account.KeyringError{Kind: account.KeyringNoProvider, Op: account.OpDelete, Err: errors.New("no provider")}
}

// fillForm types an account into the form, from the domain field down.
func fillForm(t *testing.T, s step, domain, id, secret string) step {
	t.Helper()
	s = press(t, s, "ctrl+u")
	for range 40 {
		s = press(t, s, "backspace")
	}
	s = press(t, s, domain, "tab", "tab", id, "tab", secret, "tab", "tab")
	return s
}

func TestAccountStepSignsInAndSaves(t *testing.T) {
	h := newHarness(t)
	d := h.srv.Portal.Demo()
	s := step(newAccountStep(h.deps, wizard.Draft{}))
	s.SetSize(78, 19)
	s = fillForm(t, s, h.srv.URL, d.KeyID, d.KeySecret)
	if v := h.plain(s.View()); strings.Contains(v, d.KeySecret) {
		t.Fatalf("the secret is on the screen:\n%s", v)
	}
	golden(t, h.plain(s.View()))
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatalf("not signed in:\n%s", h.plain(s.View()))
	}
	var draft wizard.Draft
	s.Apply(&draft)
	if draft.User == nil || draft.User.ID != socratatest.DemoPublisherID || draft.Client == nil {
		t.Fatalf("draft after sign-in: %+v", draft)
	}
	if got, want := h.plain(s.Summary()), "Signed in as Dana Demo"; !strings.HasPrefix(got, want) {
		t.Errorf("summary = %q, want it to start with %q", got, want)
	}
	sec, err := h.deps.Store.Get(context.Background(), string(draft.Domain), d.KeyID)
	if err != nil || sec.Value != d.KeySecret {
		t.Errorf("secret not kept in the store: %v", err)
	}
	if _, ok := h.deps.Profiles.FindLogin(string(draft.Domain), d.KeyID); !ok {
		t.Error("no profile saved")
	}
}

func TestAccountStepErrors(t *testing.T) {
	tests := []struct {
		name           string
		domain, secret string
		want           string
	}{
		{"wrong secret", "{URL}", "not-the-secret", "did not accept"},
		{"not a host", "data ct gov", "x", "Portal"},
		{"plain http to a real host", "http://data.ct.gov", "x", "https"},
		{"closed port", "http://127.0.0.1:1", "x", "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			d := h.srv.Portal.Demo()
			s := step(newAccountStep(h.deps, wizard.Draft{}))
			s.SetSize(78, 19)
			s = fillForm(t, s, strings.ReplaceAll(tt.domain, "{URL}", h.srv.URL), d.KeyID, tt.secret)
			s = press(t, s, "enter")
			v := h.plain(s.View())
			if s.Done() {
				t.Fatal("signed in with bad details")
			}
			if !strings.Contains(v, tt.want) {
				t.Fatalf("want %q on screen:\n%s", tt.want, v)
			}
			if strings.Contains(v, tt.secret) && len(tt.secret) > 1 {
				t.Errorf("the secret is on the screen:\n%s", v)
			}
			if tt.name == "wrong secret" {
				golden(t, v)
			}
		})
	}
}

func TestAccountStepViewerCanContinue(t *testing.T) {
	h := newHarness(t)
	viewer := h.srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Vic Viewer", Role: "viewer"})
	s := step(newAccountStep(h.deps, wizard.Draft{}))
	s.SetSize(78, 19)
	s = fillForm(t, s, h.srv.URL, viewer.KeyID, viewer.KeySecret)
	s = press(t, s, "enter")
	if v := h.plain(s.View()); !strings.Contains(v, "cannot publish") {
		t.Fatalf("viewer sign-in:\n%s", v)
	}
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatal("enter did not continue")
	}
}

func TestAccountStepKeyringFallsBackToSession(t *testing.T) {
	h := newHarness(t)
	h.deps.Store = brokenStore{}
	h.deps.Preset = &Preset{Domain: h.srv.URL, Creds: h.demoCreds()}
	s := step(newAccountStep(h.deps, wizard.Draft{}))
	s.SetSize(78, 22)
	s = press(t, s, "enter")
	v := h.plain(s.View())
	for _, want := range []string{"could not be saved", "Secret Service", "SOCRATA_KEY_ID", "session only"} {
		if !strings.Contains(v, want) {
			t.Errorf("keyring failure view lacks %q:\n%s", want, v)
		}
	}
	golden(t, v)
	s = press(t, s, "enter")
	if !s.Done() || !strings.Contains(s.Summary(), "this session only") {
		t.Fatalf("session-only fallback: done=%v summary=%q", s.Done(), s.Summary())
	}
	if len(h.deps.Profiles.List()) != 0 {
		t.Error("a profile was saved although the secret was not")
	}
}

func TestAccountStepSavedProfile(t *testing.T) {
	h := newHarness(t)
	c, err := socrata.NewClient(h.srv.URL, h.demoCreds(), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := c.CurrentUser(context.Background())
	if _, err := account.SaveLogin(context.Background(), h.deps.Store, h.deps.Profiles, string(c.Domain()), h.demoCreds(), u, true); err != nil {
		t.Fatal(err)
	}
	s := step(newAccountStep(h.deps, wizard.Draft{}))
	s.SetSize(78, 19)
	v := h.plain(s.View())
	if !strings.Contains(v, "Choose an account") || !strings.Contains(v, "default") {
		t.Fatalf("saved logins not offered first:\n%s", v)
	}
	golden(t, v)
	s = press(t, s, "enter")
	if !s.Done() {
		t.Fatalf("saved login did not sign in:\n%s", h.plain(s.View()))
	}

	// A saved login whose secret has gone is explained, not a dead end.
	if err := h.deps.Store.Delete(context.Background(), string(c.Domain()), h.demoCreds().ID); err != nil {
		t.Fatal(err)
	}
	s = step(newAccountStep(h.deps, wizard.Draft{}))
	s.SetSize(78, 19)
	s = press(t, s, "enter")
	if v := h.plain(s.View()); s.Done() || !strings.Contains(v, "sign in again") {
		t.Fatalf("missing secret:\n%s", v)
	}
	s = press(t, s, "ctrl+n")
	if v := h.plain(s.View()); !strings.Contains(v, "Sign in to your portal") {
		t.Fatalf("ctrl+n did not open the form:\n%s", v)
	}
}
