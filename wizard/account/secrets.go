package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// ErrNoSecret is returned (wrapped) by a [SecretStore] when it holds no item
// for a domain and login.
var ErrNoSecret = errors.New("no saved secret")

// Secret is what one stored item holds for a domain and login: the API key
// secret or the password, and the optional app token. Its String and
// GoString methods hide both, so that a Secret printed by accident leaks
// nothing.
type Secret struct {
	// Value is the API key secret or the password.
	Value string
	// AppToken is the optional X-App-Token. It is not a credential, but it
	// is tied to the publisher's account, so it is kept with the secret
	// rather than in the profile index.
	AppToken string
}

// String describes the secret without showing it.
func (s Secret) String() string { return "(secret hidden)" }

// GoString is like String, so that %#v hides the secret too.
func (s Secret) GoString() string { return "wizard.Secret{(hidden)}" }

// SecretStore keeps one [Secret] per portal domain and login. It has no
// List: the OS keyrings cannot enumerate items portably, so the
// [Profiles] index is what lists saved logins.
type SecretStore interface {
	// Get returns the secret for domain and login, or an error wrapping
	// ErrNoSecret when there is none.
	Get(ctx context.Context, domain, login string) (Secret, error)
	// Set stores s for domain and login, replacing any earlier secret.
	Set(ctx context.Context, domain, login string, s Secret) error
	// Delete removes the secret for domain and login. Deleting a secret
	// that does not exist returns an error wrapping ErrNoSecret.
	Delete(ctx context.Context, domain, login string) error
}

// itemName is how a login on a domain is named in the keyring, the profile
// index and on the command line: "<login>@<domain>". A login may itself
// contain "@" (usernames are email addresses) but a domain never does, so
// the name splits unambiguously at its last "@".
func itemName(domain, login string) string {
	return login + "@" + strings.ToLower(domain)
}

// secretItem is the JSON a keyring item holds. Keeping the app token in
// the same item means one unlock, one delete, and no orphaned halves.
type secretItem struct {
	Secret   string `json:"secret"`
	AppToken string `json:"app_token,omitempty"`
}

// encodeSecret writes s as the keyring item's value.
func encodeSecret(s Secret) string {
	b, err := json.Marshal(secretItem{Secret: s.Value, AppToken: s.AppToken})
	if err != nil {
		// Marshalling two strings cannot fail.
		panic(err)
	}
	return string(b)
}

// decodeSecret reads a keyring item's value. An item that is not our JSON
// (one stored by hand with secret-tool, say) is taken whole as the secret,
// so that a person can seed the keyring without knowing our format.
func decodeSecret(v string) Secret {
	var it secretItem
	if strings.HasPrefix(v, "{") && json.Unmarshal([]byte(v), &it) == nil && it.Secret != "" {
		return Secret{Value: it.Secret, AppToken: it.AppToken}
	}
	return Secret{Value: v}
}

// MemoryStore is a [SecretStore] that keeps secrets in memory only: for
// the demo, for "use for this session only" when no keyring works, and for
// tests of code that takes a SecretStore. The zero value is ready to use
// and it is safe for concurrent use.
type MemoryStore struct {
	mu    sync.Mutex
	items map[string]Secret
}

// Get returns the secret for domain and login.
func (m *MemoryStore) Get(ctx context.Context, domain, login string) (Secret, error) {
	if err := ctx.Err(); err != nil {
		return Secret{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := itemName(domain, login)
	s, ok := m.items[name]
	if !ok {
		return Secret{}, fmt.Errorf("%s: %w", name, ErrNoSecret)
	}
	return s, nil
}

// Set stores the secret for domain and login.
func (m *MemoryStore) Set(ctx context.Context, domain, login string, s Secret) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = make(map[string]Secret)
	}
	m.items[itemName(domain, login)] = s
	return nil
}

// Delete removes the secret for domain and login.
func (m *MemoryStore) Delete(ctx context.Context, domain, login string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := itemName(domain, login)
	if _, ok := m.items[name]; !ok {
		return fmt.Errorf("%s: %w", name, ErrNoSecret)
	}
	delete(m.items, name)
	return nil
}

// Environment variables that hold credentials for headless runs, where no
// keyring is available (a server without a desktop session, a container,
// a CI runner). They are read, never written, and never printed.
const (
	EnvKeyID     = "SOCRATA_KEY_ID"
	EnvKeySecret = "SOCRATA_KEY_SECRET"
	EnvUsername  = "SOCRATA_USERNAME"
	EnvPassword  = "SOCRATA_PASSWORD"
	EnvAppToken  = "SOCRATA_APP_TOKEN"
)

// EnvCredentials reads credentials from the environment through getenv
// (os.Getenv in production, a map in tests). An API key pair
// (SOCRATA_KEY_ID and SOCRATA_KEY_SECRET) wins over a username and
// password pair (SOCRATA_USERNAME and SOCRATA_PASSWORD), as keys are what
// Socrata recommends; SOCRATA_APP_TOKEN is added to either. ok is false
// when neither pair is set. Half of a pair is an error that names the
// missing variable, because silently falling back to the keyring would
// hide the mistake.
func EnvCredentials(getenv func(string) string) (c socrata.Credentials, ok bool, err error) {
	pair := func(idVar, secretVar string) (id, secret string, set bool, err error) {
		id = strings.TrimSpace(getenv(idVar))
		secret = getenv(secretVar)
		switch {
		case id == "" && secret == "":
			return "", "", false, nil
		case id == "":
			return "", "", false, fmt.Errorf("%s is set but %s is not: set both, or neither", secretVar, idVar)
		case secret == "":
			return "", "", false, fmt.Errorf("%s is set but %s is not: set both, or neither", idVar, secretVar)
		}
		return id, secret, true, nil
	}
	keyID, keySecret, haveKey, err := pair(EnvKeyID, EnvKeySecret)
	if err != nil {
		return socrata.Credentials{}, false, err
	}
	user, pass, havePass, err := pair(EnvUsername, EnvPassword)
	if err != nil {
		return socrata.Credentials{}, false, err
	}
	token := strings.TrimSpace(getenv(EnvAppToken))
	switch {
	case haveKey:
		return socrata.Credentials{Kind: socrata.APIKey, ID: keyID, Secret: keySecret, AppToken: token}, true, nil
	case havePass:
		return socrata.Credentials{Kind: socrata.Password, ID: user, Secret: pass, AppToken: token}, true, nil
	}
	return socrata.Credentials{}, false, nil
}

// defaultKeyringTimeout bounds each keyring call when a [KeyringStore] has
// no Timeout of its own. A desktop keyring that shows an unlock prompt
// blocks until someone answers it, and go-keyring has no timeout.
const defaultKeyringTimeout = 10 * time.Second

// keyringService is the service name under which every keyring item of
// this program is stored. Each item's user (account) attribute is
// [itemName](domain, login), and its value is a small JSON object holding
// the secret and the app token.
const keyringService = "socrata-wizard"

// keyringBackend is the part of go-keyring a KeyringStore uses; tests put
// fakes here that fail the way real keyrings do.
type keyringBackend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// KeyringStore is a [SecretStore] backed by the operating system's keyring
// (Secret Service on Linux, Keychain on macOS, Credential Manager on
// Windows) through go-keyring. Every call is bounded by Timeout and by the
// context, and every failure other than "not found" comes back as a
// *[KeyringError] that says what is wrong and what to do. The zero value
// uses the OS keyring, like [NewKeyringStore].
type KeyringStore struct {
	// Timeout bounds each call; zero means DefaultKeyringTimeout.
	Timeout time.Duration
	backend keyringBackend
}

// NewKeyringStore returns a store that uses the OS keyring.
func NewKeyringStore() *KeyringStore {
	return &KeyringStore{backend: osKeyring{}}
}

// Get returns the secret stored for domain and login.
func (k *KeyringStore) Get(ctx context.Context, domain, login string) (Secret, error) {
	name := itemName(domain, login)
	var v string
	err := k.call(ctx, OpRead, name, func(b keyringBackend) (err error) {
		v, err = b.Get(keyringService, name)
		return err
	})
	if err != nil {
		return Secret{}, err
	}
	return decodeSecret(v), nil
}

// Set stores s for domain and login, replacing any earlier item.
func (k *KeyringStore) Set(ctx context.Context, domain, login string, s Secret) error {
	name := itemName(domain, login)
	value := encodeSecret(s)
	return k.call(ctx, OpSave, name, func(b keyringBackend) error {
		return b.Set(keyringService, name, value)
	})
}

// Delete removes the item for domain and login.
func (k *KeyringStore) Delete(ctx context.Context, domain, login string) error {
	name := itemName(domain, login)
	return k.call(ctx, OpDelete, name, func(b keyringBackend) error {
		return b.Delete(keyringService, name)
	})
}

// Check reports whether the keyring can be used, by looking up an item
// that does not exist: nil when the keyring answered, a *KeyringError when
// it did not. The wizard calls it before asking for a secret, so that it
// can offer the environment variables or "this session only" up front
// rather than after the person has typed a secret it cannot keep.
func (k *KeyringStore) Check(ctx context.Context) error {
	_, err := k.Get(ctx, "check.invalid", "socrata-wizard-probe")
	if errors.Is(err, ErrNoSecret) {
		return nil
	}
	return err
}

// call runs f against the backend in its own goroutine and waits for it,
// for the timeout, or for ctx, whichever comes first. A call that times out
// keeps running in the background until the keyring answers; its result is
// dropped, which is why Set's caller must treat a timeout as "may or may
// not have been saved".
func (k *KeyringStore) call(ctx context.Context, op KeyringOp, name string, f func(keyringBackend) error) error {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = defaultKeyringTimeout
	}
	b := k.backend
	if b == nil {
		b = osKeyring{}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f(b) }()
	select {
	case err := <-done:
		return classifyKeyringError(op, name, err)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &KeyringError{Kind: KeyringTimeout, Op: op, Err: ctx.Err()}
		}
		return fmt.Errorf("%s %s in the OS keyring: %w", op.verb(), name, ctx.Err())
	}
}
