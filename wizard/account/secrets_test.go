package account

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// newSecret returns a random secret for a test, so that no fixture ever
// holds one and a leak is easy to search for.
func newSecret(t testing.TB) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "s3cr3t-" + hex.EncodeToString(b)
}

// fakeKeyring is a keyringBackend that keeps items in a map, or fails every
// call with err, or blocks every call until release is closed.
type fakeKeyring struct {
	items   map[string]string
	err     error
	release chan struct{}
}

func (f *fakeKeyring) wait() {
	if f.release != nil {
		<-f.release
	}
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	f.wait()
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.items[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, pw string) error {
	f.wait()
	if f.err != nil {
		return f.err
	}
	if f.items == nil {
		f.items = map[string]string{}
	}
	f.items[service+"/"+user] = pw
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	f.wait()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.items[service+"/"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, service+"/"+user)
	return nil
}

// TestSecretStores runs the same save, load, overwrite and delete sequence
// against every store that needs no real keyring.
func TestSecretStores(t *testing.T) {
	stores := map[string]func() SecretStore{
		"memory":       func() SecretStore { return &MemoryStore{} },
		"keyring-fake": func() SecretStore { return &KeyringStore{backend: &fakeKeyring{}} },
	}
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := mk()
			first := Secret{Value: newSecret(t), AppToken: "tok-" + newSecret(t)}
			second := Secret{Value: newSecret(t)}

			if _, err := s.Get(ctx, "data.ct.gov", "jane@ct.gov"); !errors.Is(err, ErrNoSecret) {
				t.Fatalf("Get before Set: err = %v, want ErrNoSecret", err)
			}
			if err := s.Set(ctx, "data.ct.gov", "jane@ct.gov", first); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, "data.ct.gov", "other", second); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, "DATA.ct.gov", "jane@ct.gov")
			if err != nil || got != first {
				t.Fatalf("Get = %v, %v; want the first secret (domain case must not matter)", got == first, err)
			}
			if err := s.Set(ctx, "data.ct.gov", "jane@ct.gov", second); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(ctx, "data.ct.gov", "jane@ct.gov"); got != second {
				t.Fatal("Set did not overwrite the earlier secret")
			}
			if err := s.Delete(ctx, "data.ct.gov", "jane@ct.gov"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, "data.ct.gov", "jane@ct.gov"); !errors.Is(err, ErrNoSecret) {
				t.Fatalf("Get after Delete: err = %v, want ErrNoSecret", err)
			}
			if err := s.Delete(ctx, "data.ct.gov", "jane@ct.gov"); !errors.Is(err, ErrNoSecret) {
				t.Fatalf("second Delete: err = %v, want ErrNoSecret", err)
			}
			if got, err := s.Get(ctx, "data.ct.gov", "other"); err != nil || got != second {
				t.Fatal("deleting one login removed another")
			}
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret{Value: newSecret(t), AppToken: newSecret(t)}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, s)
		if strings.Contains(out, s.Value) || strings.Contains(out, s.AppToken) {
			t.Errorf("Sprintf(%q) shows the secret: %s", format, out)
		}
	}
}

func TestSecretEncoding(t *testing.T) {
	value := newSecret(t) + ` "quoted" \ ünïcode`
	tests := []struct {
		name string
		item string
		want Secret
	}{
		{"ours", encodeSecret(Secret{Value: value, AppToken: "tok"}), Secret{Value: value, AppToken: "tok"}},
		{"ours without token", encodeSecret(Secret{Value: value}), Secret{Value: value}},
		{"stored by hand", "plain-" + value, Secret{Value: "plain-" + value}},
		{"brace but not ours", "{not json", Secret{Value: "{not json"}},
		{"json without secret", `{"other":"x"}`, Secret{Value: `{"other":"x"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeSecret(tt.item); got != tt.want {
				t.Errorf("decodeSecret mismatch for %s", tt.name)
			}
		})
	}
}

func TestItemName(t *testing.T) {
	if got := itemName("Data.CT.gov", "jane@ct.gov"); got != "jane@ct.gov@data.ct.gov" {
		t.Errorf("ItemName = %q", got)
	}
}

// TestKeyringErrors feeds each error go-keyring returns when no keyring
// works (testing.md's table) through a KeyringStore and checks the kind,
// and that the message and hint a person reads name the case and the fix.
func TestKeyringErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		kind    KeyringErrorKind
		message string
		hint    string
	}{
		{
			name:    "no bus, no dbus-launch",
			err:     &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound},
			kind:    KeyringNoSessionBus,
			message: "no D-Bus session bus is running",
			hint:    "desktop session",
		},
		{
			name:    "bus address but no socket",
			err:     &net.OpError{Op: "dial", Net: "unix", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ENOENT}},
			kind:    KeyringBusUnreachable,
			message: "DBUS_SESSION_BUS_ADDRESS is not there",
			hint:    "Unset DBUS_SESSION_BUS_ADDRESS",
		},
		{
			name: "no secret service provider",
			err: dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
				Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
			kind:    KeyringNoProvider,
			message: "no Secret Service",
			hint:    "gnome-keyring",
		},
		{
			name:    "no secret service provider (pointer)",
			err:     dbus.NewError("org.freedesktop.DBus.Error.ServiceUnknown", nil),
			kind:    KeyringNoProvider,
			message: "no Secret Service",
			hint:    "apt-get install gnome-keyring",
		},
		{
			name:    "locked",
			err:     errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			kind:    KeyringLocked,
			message: "locked",
			hint:    "Unlock the keyring",
		},
		{
			name:    "unsupported platform",
			err:     keyring.ErrUnsupportedPlatform,
			kind:    KeyringUnsupported,
			message: "no keyring support",
			hint:    EnvKeySecret,
		},
		{
			name:    "something else",
			err:     errors.New("org.freedesktop.DBus.Error.NoReply: did not receive a reply"),
			kind:    KeyringOther,
			message: "did not receive a reply",
			hint:    "secret-tool",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &KeyringStore{backend: &fakeKeyring{err: tt.err}}
			secret := newSecret(t)
			err := s.Set(context.Background(), "data.ct.gov", "jane", Secret{Value: secret})
			var ke *KeyringError
			if !errors.As(err, &ke) {
				t.Fatalf("Set error %v (%T) is not a *KeyringError", err, err)
			}
			if ke.Kind != tt.kind {
				t.Errorf("kind = %d, want %d", ke.Kind, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.HasPrefix(err.Error(), "cannot save") {
				t.Errorf("message %q does not say %q", err.Error(), tt.message)
			}
			hint := wizard.Hint(err)
			if !strings.Contains(hint, tt.hint) {
				t.Errorf("hint %q does not say %q", hint, tt.hint)
			}
			if !strings.Contains(hint, EnvKeyID) {
				t.Errorf("hint %q does not offer the environment variables", hint)
			}
			if strings.Contains(err.Error()+hint, secret) {
				t.Error("the secret appears in the message")
			}
			if !reflect.DeepEqual(errors.Unwrap(err), tt.err) {
				t.Error("the keyring's own error is not kept for Unwrap")
			}
			if errors.Is(err, ErrNoSecret) {
				t.Error("a broken keyring must not look like a missing secret")
			}
		})
	}
}

func TestKeyringTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := &KeyringStore{Timeout: time.Millisecond, backend: &fakeKeyring{release: release}}
	_, err := s.Get(context.Background(), "data.ct.gov", "jane")
	var ke *KeyringError
	if !errors.As(err, &ke) || ke.Kind != KeyringTimeout {
		t.Fatalf("Get on a blocked keyring: err = %v, want a KeyringTimeout", err)
	}
	if !strings.Contains(wizard.Hint(err), "unlock prompt") {
		t.Errorf("hint %q does not mention the unlock prompt", wizard.Hint(err))
	}
}

func TestKeyringCanceled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := &KeyringStore{backend: &fakeKeyring{release: release}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Delete(ctx, "data.ct.gov", "jane")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var ke *KeyringError
	if errors.As(err, &ke) {
		t.Error("a cancelled call is not a keyring failure")
	}
}

func TestKeyringCheck(t *testing.T) {
	if err := (&KeyringStore{backend: &fakeKeyring{}}).Check(context.Background()); err != nil {
		t.Errorf("Check on a working keyring: %v", err)
	}
	err := (&KeyringStore{backend: &fakeKeyring{err: keyring.ErrUnsupportedPlatform}}).Check(context.Background())
	var ke *KeyringError
	if !errors.As(err, &ke) || ke.Kind != KeyringUnsupported {
		t.Errorf("Check on a missing keyring: %v", err)
	}
}

func TestEnvCredentials(t *testing.T) {
	key, pass := newSecret(t), newSecret(t)
	tests := []struct {
		name    string
		env     map[string]string
		want    socrata.Credentials
		ok      bool
		errWith string
	}{
		{name: "nothing set", env: nil},
		{name: "only an app token", env: map[string]string{EnvAppToken: "tok"}},
		{
			name: "api key",
			env:  map[string]string{EnvKeyID: " kid ", EnvKeySecret: key, EnvAppToken: "tok"},
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "kid", Secret: key, AppToken: "tok"},
			ok:   true,
		},
		{
			name: "password",
			env:  map[string]string{EnvUsername: "jane@ct.gov", EnvPassword: pass},
			want: socrata.Credentials{Kind: socrata.Password, ID: "jane@ct.gov", Secret: pass},
			ok:   true,
		},
		{
			name: "both pairs: the key wins",
			env:  map[string]string{EnvKeyID: "kid", EnvKeySecret: key, EnvUsername: "jane@ct.gov", EnvPassword: pass},
			want: socrata.Credentials{Kind: socrata.APIKey, ID: "kid", Secret: key},
			ok:   true,
		},
		{name: "key id alone", env: map[string]string{EnvKeyID: "kid"}, errWith: "SOCRATA_KEY_ID is set but SOCRATA_KEY_SECRET is not"},
		{name: "key secret alone", env: map[string]string{EnvKeySecret: key}, errWith: "SOCRATA_KEY_SECRET is set but SOCRATA_KEY_ID is not"},
		{name: "password alone", env: map[string]string{EnvPassword: pass}, errWith: "SOCRATA_PASSWORD is set but SOCRATA_USERNAME is not"},
		{name: "username alone", env: map[string]string{EnvUsername: "jane"}, errWith: "SOCRATA_USERNAME is set but SOCRATA_PASSWORD is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := EnvCredentials(func(k string) string { return tt.env[k] })
			if tt.errWith != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWith) {
					t.Fatalf("err = %v, want one saying %q", err, tt.errWith)
				}
				if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), pass) {
					t.Error("the error shows the secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || got != tt.want {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
