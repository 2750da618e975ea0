package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/zalando/go-keyring"
)

// requireKeyringEnv makes TestKeyringStoreReal fail instead of skip when no
// keyring is reachable. CI sets it, so that a broken keyring setup cannot
// pass as a skipped test.
const requireKeyringEnv = "SOCRATA_WIZARD_REQUIRE_KEYRING"

// realKeyring returns a KeyringStore on the OS keyring, or skips the test
// when none is reachable (fails when SOCRATA_WIZARD_REQUIRE_KEYRING=1).
// Locally: .ci/keyring go test ./wizard -run Keyring -v
func realKeyring(t *testing.T) *KeyringStore {
	t.Helper()
	store := NewKeyringStore()
	if err := store.Check(context.Background()); err != nil {
		if os.Getenv(requireKeyringEnv) == "1" {
			t.Fatalf("no usable OS keyring although %s=1: %v\n%s", requireKeyringEnv, err, wizard.Hint(err))
		}
		t.Skipf("no usable OS keyring (run under .ci/keyring to test it): %v", err)
	}
	return store
}

// TestKeyringStoreReal saves, loads, overwrites, lists (through the profile
// index) and deletes credentials through the real Secret Service, with the
// project's own store code and nothing mocked.
func TestKeyringStoreReal(t *testing.T) {
	store := realKeyring(t)
	ctx := context.Background()
	domain := "keyring-test-" + newSecret(t)[7:19] + ".invalid"
	t.Cleanup(func() {
		for _, login := range []string{"key1", "key2", "hand"} {
			_ = store.Delete(context.Background(), domain, login)
		}
	})
	ps, err := LoadProfiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	// Save and load.
	first := socrata.Credentials{Kind: socrata.APIKey, ID: "key1", Secret: newSecret(t) + " ünïcode", AppToken: "tok-" + newSecret(t)}
	if _, err := SaveLogin(ctx, store, ps, domain, first, publisher, false); err != nil {
		t.Fatalf("SaveLogin: %v\n%s", err, wizard.Hint(err))
	}
	p, _ := ps.FindLogin(domain, "key1")
	got, err := LoadCredentials(ctx, store, p)
	if err != nil {
		t.Fatal(err)
	}
	if got != first {
		t.Fatal("the credentials read back differ from those saved")
	}

	// The item's layout is what the docs say: service socrata-wizard, user
	// <login>@<domain>, value a JSON object with the secret and app token.
	raw, err := keyring.Get(keyringService, itemName(domain, "key1"))
	if err != nil {
		t.Fatal(err)
	}
	var item secretItem
	if err := json.Unmarshal([]byte(raw), &item); err != nil || item.Secret != first.Secret || item.AppToken != first.AppToken {
		t.Errorf("keyring item is not the documented JSON (err %v)", err)
	}

	// Overwrite.
	second := first
	second.Secret = newSecret(t)
	if _, err := SaveLogin(ctx, store, ps, domain, second, publisher, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadCredentials(ctx, store, p); got != second {
		t.Fatal("saving again did not overwrite the secret")
	}

	// A second login on the same domain is a separate item, and the index
	// lists both.
	other := socrata.Credentials{Kind: socrata.Password, ID: "key2", Secret: newSecret(t)}
	if _, err := SaveLogin(ctx, store, ps, domain, other, publisher, false); err != nil {
		t.Fatal(err)
	}
	reloaded, err := LoadProfiles(filepath.Dir(ps.filePath()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range reloaded.List() {
		names = append(names, q.Name())
		if _, err := LoadCredentials(ctx, store, q); err != nil {
			t.Errorf("listed login %s has no secret: %v", q.Name(), err)
		}
	}
	if len(names) != 2 {
		t.Errorf("index lists %v, want the two logins", names)
	}

	// A secret stored by hand (secret-tool, a keyring manager) is read as
	// the plain secret.
	hand := newSecret(t)
	if err := keyring.Set(keyringService, itemName(domain, "hand"), hand); err != nil {
		t.Fatal(err)
	}
	if s, err := store.Get(ctx, domain, "hand"); err != nil || s.Value != hand || s.AppToken != "" {
		t.Error("a hand-stored item was not read as the plain secret")
	}

	// Delete, through logout and directly.
	if _, err := Logout(ctx, store, reloaded, itemName(domain, "key1")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, domain, "key1"); !errors.Is(err, ErrNoSecret) {
		t.Errorf("after logout, Get = %v, want ErrNoSecret", err)
	}
	if s, err := store.Get(ctx, domain, "key2"); err != nil || s.Value != other.Secret {
		t.Error("logging out one login removed the other's secret")
	}
	for _, login := range []string{"key2", "hand"} {
		if err := store.Delete(ctx, domain, login); err != nil {
			t.Errorf("Delete %s: %v", login, err)
		}
		if err := store.Delete(ctx, domain, login); !errors.Is(err, ErrNoSecret) {
			t.Errorf("second Delete %s = %v, want ErrNoSecret", login, err)
		}
	}
}

// helperEnv makes TestKeyringFailureHelper run: it is the child process of
// TestKeyringRealFailures, started in a broken keyring environment.
const helperEnv = "SOCRATA_WIZARD_KEYRING_HELPER"

// TestKeyringFailureHelper is not a test on its own. Run as a child of
// TestKeyringRealFailures, it tries to save a secret and prints the kind
// of the KeyringError it got.
func TestKeyringFailureHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("runs only as a child of TestKeyringRealFailures")
	}
	s := NewKeyringStore()
	s.Timeout = 5 * time.Second
	err := s.Set(context.Background(), "helper.invalid", "probe", Secret{Value: "not-a-real-secret"})
	var ke *KeyringError
	if !errors.As(err, &ke) {
		fmt.Printf("KIND=none err=%v\n", err)
		return
	}
	fmt.Printf("KIND=%d err=%v\n", ke.Kind, err)
}

// TestKeyringRealFailures breaks the keyring for real, one way at a time
// (testing.md's table), in a child process so that the D-Bus connection
// go-keyring caches for the process is not shared, and checks the kind the
// store reports. Every child gets its own temporary XDG directories, so an
// auto-started keyring daemon never writes into the real home directory.
func TestKeyringRealFailures(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service failures are Linux's")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	have := func(tool string) bool { _, err := exec.LookPath(tool); return err == nil }

	tests := []struct {
		name string
		need []string
		// noDesktopBus skips the case where a desktop session bus is
		// running, since go-keyring would find it without any address.
		noDesktopBus bool
		env          map[string]string
		argv         func(tmp string) []string
		kinds        []KeyringErrorKind
	}{
		{
			name:  "bus address without a bus",
			env:   map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=TMP/no-such-bus"},
			kinds: []KeyringErrorKind{KeyringBusUnreachable},
		},
		{
			name:         "no bus and no dbus-launch",
			noDesktopBus: true,
			env:          map[string]string{"DBUS_SESSION_BUS_ADDRESS": "", "PATH": "TMP/empty"},
			kinds:        []KeyringErrorKind{KeyringNoSessionBus},
		},
		{
			name: "bus without a Secret Service",
			need: []string{"dbus-run-session"},
			argv: func(tmp string) []string {
				return []string{"dbus-run-session", "--config-file=" + filepath.Join(tmp, "bus.conf"), "--"}
			},
			kinds: []KeyringErrorKind{KeyringNoProvider},
		},
		{
			name: "locked keyring",
			need: []string{"dbus-run-session", "gnome-keyring-daemon"},
			argv: func(tmp string) []string {
				return []string{"dbus-run-session", "--", "sh", "-c",
					`gnome-keyring-daemon --start --components=secrets >/dev/null && exec "$@"`, "sh"}
			},
			// A keyring that can show no unlock prompt either refuses at
			// once or waits for one; both leave it locked.
			kinds: []KeyringErrorKind{KeyringLocked, KeyringTimeout},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tool := range tt.need {
				if !have(tool) {
					t.Skipf("%s is not installed", tool)
				}
			}
			if tt.noDesktopBus {
				if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
					t.Skip("a desktop session bus is running; go-keyring would find it")
				}
			}
			tmp := t.TempDir()
			for _, d := range []string{"data", "run", "empty"} {
				if err := os.Mkdir(filepath.Join(tmp, d), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			conf := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=` + tmp + `</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`
			if err := os.WriteFile(filepath.Join(tmp, "bus.conf"), []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}

			var argv []string
			if tt.argv != nil {
				argv = tt.argv(tmp)
			}
			argv = append(argv, exe, "-test.run=^TestKeyringFailureHelper$", "-test.count=1")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			env := map[string]string{
				helperEnv: "1", "XDG_DATA_HOME": filepath.Join(tmp, "data"), "XDG_RUNTIME_DIR": filepath.Join(tmp, "run"),
			}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, "TMP", tmp)
			}
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if _, set := env[k]; !set {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child failed: %v\n%s", err, out)
			}
			// The keyring daemon shares the output and may leave a line
			// unfinished, so look for the marker anywhere.
			line := ""
			if i := strings.LastIndex(string(out), "KIND="); i >= 0 {
				line, _, _ = strings.Cut(string(out[i:]), "\n")
			}
			ok := false
			for _, k := range tt.kinds {
				ok = ok || strings.HasPrefix(line, fmt.Sprintf("KIND=%d ", k))
			}
			if !ok {
				t.Errorf("child reported %q, want one of kinds %v\n%s", line, tt.kinds, out)
			}
		})
	}
}
