package account

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/zalando/go-keyring"
)

// failingStore is a SecretStore whose every call fails with err.
type failingStore struct{ err error }

func (f failingStore) Get(context.Context, string, string) (Secret, error) { return Secret{}, f.err }
func (f failingStore) Set(context.Context, string, string, Secret) error   { return f.err }
func (f failingStore) Delete(context.Context, string, string) error        { return f.err }

var publisher = &socrata.User{ID: "ab12-cd34", DisplayName: "Jane Analyst", RoleName: "publisher"}

func TestSaveLoginAndLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := &MemoryStore{}
	ps, _ := LoadProfiles(dir)
	c := socrata.Credentials{Kind: socrata.APIKey, ID: "key1", Secret: newSecret(t), AppToken: "tok"}

	p, err := SaveLogin(ctx, store, ps, "Data.CT.gov", c, publisher, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "key1@data.ct.gov" || !p.Default || p.DisplayName != "Jane Analyst" || p.UserID != "ab12-cd34" || p.VerifiedAt.IsZero() {
		t.Errorf("saved profile = %+v", p)
	}
	index, err := os.ReadFile(filepath.Join(dir, ProfilesFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(index), c.Secret) || strings.Contains(string(index), "tok") {
		t.Error("the profile index holds the secret or app token")
	}

	again, _ := LoadProfiles(dir)
	q, err := again.Find("")
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadCredentials(ctx, store, q)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("loaded credentials differ from the saved ones (%v vs %v)", got, c)
	}
}

func TestSaveLoginKeyringFailureSavesNothing(t *testing.T) {
	dir := t.TempDir()
	ps, _ := LoadProfiles(dir)
	broken := failingStore{err: &KeyringError{Kind: KeyringNoProvider, Err: errors.New("x")}}
	_, err := SaveLogin(context.Background(), broken, ps, "data.ct.gov",
		socrata.Credentials{ID: "key1", Secret: newSecret(t)}, publisher, true)
	var ke *KeyringError
	if !errors.As(err, &ke) {
		t.Fatalf("err = %v, want the keyring error", err)
	}
	if len(ps.List()) != 0 {
		t.Error("the index names a login whose secret was not kept")
	}
	if _, err := os.Stat(filepath.Join(dir, ProfilesFile)); !errors.Is(err, os.ErrNotExist) {
		t.Error("an index file was written")
	}
}

func TestSaveLoginIndexFailureRollsBackKeyring(t *testing.T) {
	ctx := context.Background()
	// A file where the config directory should be makes Save fail.
	blocker := filepath.Join(t.TempDir(), "cfg")
	ps, err := LoadProfiles(blocker)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	store := &MemoryStore{}
	old := Secret{Value: newSecret(t)}
	store.Set(ctx, "data.ct.gov", "key2", old)
	ps.items = append(ps.items, Profile{Domain: "data.ct.gov", Login: "key2"})

	if _, err := SaveLogin(ctx, store, ps, "data.ct.gov", socrata.Credentials{ID: "key1", Secret: newSecret(t)}, publisher, false); err == nil {
		t.Fatal("SaveLogin succeeded without an index")
	}
	if _, err := store.Get(ctx, "data.ct.gov", "key1"); !errors.Is(err, ErrNoSecret) {
		t.Error("the new keyring item was not removed after the index failed")
	}
	if _, ok := ps.FindLogin("data.ct.gov", "key1"); ok {
		t.Error("the in-memory index kept the failed login")
	}

	if _, err := SaveLogin(ctx, store, ps, "data.ct.gov", socrata.Credentials{ID: "key2", Secret: newSecret(t)}, publisher, false); err == nil {
		t.Fatal("SaveLogin succeeded without an index")
	}
	if got, _ := store.Get(ctx, "data.ct.gov", "key2"); got != old {
		t.Error("a failed re-login did not put the earlier secret back")
	}
	if _, ok := ps.FindLogin("data.ct.gov", "key2"); !ok {
		t.Error("a failed re-login dropped the saved login from the index in memory")
	}
}

func TestLogout(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := &MemoryStore{}
	ps, _ := LoadProfiles(dir)
	for _, id := range []string{"key1", "key2"} {
		if _, err := SaveLogin(ctx, store, ps, "data.ct.gov", socrata.Credentials{ID: id, Secret: newSecret(t)}, publisher, false); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Logout(ctx, store, ps, "key1@data.ct.gov")
	if err != nil || p.Login != "key1" {
		t.Fatalf("Logout = %+v, %v", p, err)
	}
	if _, err := store.Get(ctx, "data.ct.gov", "key1"); !errors.Is(err, ErrNoSecret) {
		t.Error("logout left the secret in the store")
	}
	again, _ := LoadProfiles(dir)
	if _, ok := again.FindLogin("data.ct.gov", "key1"); ok {
		t.Error("logout left the index entry on disk")
	}
	if d, _ := again.defaultProfile(); d.Login != "key2" {
		t.Error("the remaining login did not become the default")
	}

	// An index entry whose secret is already gone still logs out.
	store.Delete(ctx, "data.ct.gov", "key2")
	if _, err := Logout(ctx, store, again, ""); err != nil {
		t.Errorf("logout of a login without a secret: %v", err)
	}
	if len(again.List()) != 0 {
		t.Error("the index is not empty")
	}

	// A broken keyring changes nothing.
	ps3, _ := LoadProfiles(t.TempDir())
	ps3.put(Profile{Domain: "data.ct.gov", Login: "key3"})
	if _, err := Logout(ctx, failingStore{err: &KeyringError{Kind: KeyringLocked}}, ps3, ""); err == nil {
		t.Error("logout with a locked keyring succeeded")
	}
	if len(ps3.List()) != 1 {
		t.Error("logout forgot the entry although its secret could not be deleted")
	}
}

func TestLoadCredentialsMissingSecret(t *testing.T) {
	_, err := LoadCredentials(context.Background(), &MemoryStore{}, Profile{Domain: "data.ct.gov", Login: "key1"})
	if !errors.Is(err, ErrNoSecret) || !strings.Contains(err.Error(), "socrata-wizard login --domain data.ct.gov") {
		t.Errorf("err = %v", err)
	}
}

func TestHeadlessCredentials(t *testing.T) {
	ctx := context.Background()
	stored, envKey := newSecret(t), newSecret(t)
	store := &MemoryStore{}
	ps, _ := LoadProfiles(t.TempDir())
	if _, err := SaveLogin(ctx, store, ps, "data.ct.gov", socrata.Credentials{Kind: socrata.APIKey, ID: "key1", Secret: stored, AppToken: "stored-tok"}, publisher, true); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		env     map[string]string
		store   SecretStore
		ref     wizard.AuthRef
		want    socrata.Credentials
		source  CredentialSource
		errWith string
	}{
		{name: "keyring by ref", store: store, ref: wizard.AuthRef{Kind: "api_key", Login: "key1"},
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "key1", Secret: stored, AppToken: "stored-tok"}, source: FromKeyring},
		{name: "keyring by domain", store: store,
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "key1", Secret: stored, AppToken: "stored-tok"}, source: FromKeyring},
		{name: "env app token overrides", store: store, env: map[string]string{EnvAppToken: "env-tok"},
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "key1", Secret: stored, AppToken: "env-tok"}, source: FromKeyring},
		{name: "environment wins", store: store, ref: wizard.AuthRef{Kind: "api_key", Login: "key1"},
			env:  map[string]string{EnvKeyID: "envkey", EnvKeySecret: envKey},
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "envkey", Secret: envKey}, source: FromEnvironment},
		{name: "environment without any keyring", store: failingStore{err: &KeyringError{Kind: KeyringNoSessionBus}},
			env:  map[string]string{EnvKeyID: "envkey", EnvKeySecret: envKey},
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "envkey", Secret: envKey}, source: FromEnvironment},
		{name: "half a pair", store: store, env: map[string]string{EnvKeyID: "envkey"}, errWith: "SOCRATA_KEY_SECRET is not"},
		{name: "unknown login", store: store, ref: wizard.AuthRef{Kind: "api_key", Login: "nobody"}, errWith: "no saved login nobody@data.ct.gov"},
		{name: "no keyring", store: failingStore{err: &KeyringError{Kind: KeyringNoSessionBus, Err: &os.PathError{}}}, ref: wizard.AuthRef{Login: "key1"},
			errWith: "no D-Bus session bus"},
		{name: "keyring item deleted by hand", store: &MemoryStore{}, ref: wizard.AuthRef{Login: "key1"}, errWith: "no longer in the OS keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, src, err := HeadlessCredentials(ctx, env(tt.env), tt.store, ps, "data.ct.gov", tt.ref)
			if tt.errWith != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWith) {
					t.Fatalf("err = %v, want %q", err, tt.errWith)
				}
				if strings.Contains(err.Error(), stored) || strings.Contains(err.Error(), envKey) {
					t.Error("the error shows a secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c != tt.want || src != tt.source {
				t.Errorf("got %v from %v, want %v from %v", c, src, tt.want, tt.source)
			}
		})
	}
	// The hint for a missing keyring offers the environment variables.
	_, _, err := HeadlessCredentials(ctx, env(nil), failingStore{err: &KeyringError{Kind: KeyringNoSessionBus, Err: keyring.ErrNotFound}}, ps, "data.ct.gov", wizard.AuthRef{Login: "key1"})
	if !strings.Contains(wizard.Hint(err), EnvKeyID) {
		t.Errorf("hint %q does not offer %s", wizard.Hint(err), EnvKeyID)
	}
}

func TestReadSecret(t *testing.T) {
	secret := newSecret(t)
	tests := []struct {
		name, in, want, errWith string
	}{
		{"printf", secret, secret, ""},
		{"echo", secret + "\n", secret, ""},
		{"windows echo", secret + "\r\n", secret, ""},
		{"only the first line", secret + "\nsomething else\n", secret, ""},
		{"spaces are kept", " " + secret + " \n", " " + secret + " ", ""},
		{"empty", "", "", "standard input is empty"},
		{"empty line", "\n", "", "standard input is empty"},
		{"too long", strings.Repeat("x", maxSecretLength+1), "", "longer than 4096"},
		{"longest allowed", strings.Repeat("x", maxSecretLength) + "\n", strings.Repeat("x", maxSecretLength), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSecret(strings.NewReader(tt.in))
			if tt.errWith != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWith) {
					t.Fatalf("err = %v, want %q", err, tt.errWith)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ReadSecret = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMarkVerified(t *testing.T) {
	dir := t.TempDir()
	ps, _ := LoadProfiles(dir)
	ps.put(Profile{Domain: "data.ct.gov", Login: "key1", Kind: socrata.APIKey, Role: "viewer", Default: true})
	p, _ := ps.FindLogin("data.ct.gov", "key1")
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	if err := ps.markVerified(p, publisher, at); err != nil {
		t.Fatal(err)
	}
	again, _ := LoadProfiles(dir)
	q, _ := again.FindLogin("data.ct.gov", "key1")
	if q.Role != "publisher" || q.DisplayName != "Jane Analyst" || !q.VerifiedAt.Equal(at) || !q.Default {
		t.Errorf("after MarkVerified: %+v", q)
	}
	if err := ps.markVerified(Profile{Domain: "data.ct.gov", Login: "nobody"}, publisher, at); err == nil {
		t.Error("MarkVerified of an unknown login succeeded")
	}
}
