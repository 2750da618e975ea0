package account

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// SaveLogin keeps verified credentials: the secret and app token go into
// store, and a profile (domain, login, kind, and what the portal said about
// the user) goes into the index, which is then saved. The keyring is
// written first, so the index never names a login whose secret could not
// be kept; if the index cannot be saved, the keyring item is removed again
// or given back its earlier secret (best effort), the index in memory is
// left as it was, and the error is returned. The profile becomes the
// default when makeDefault is true or it is the first one.
func SaveLogin(ctx context.Context, store SecretStore, ps *Profiles, domain string, c socrata.Credentials, u *socrata.User, makeDefault bool) (Profile, error) {
	if c.ID == "" || c.Secret == "" {
		return Profile{}, errors.New("cannot save a login without both an id and a secret")
	}
	domain = strings.ToLower(domain)
	// Keep the secret of a login saved before, so that a failed index save
	// can put it back.
	var prev Secret
	if _, ok := ps.FindLogin(domain, c.ID); ok {
		prev, _ = store.Get(ctx, domain, c.ID)
	}
	if err := store.Set(ctx, domain, c.ID, Secret{Value: c.Secret, AppToken: c.AppToken}); err != nil {
		return Profile{}, err
	}
	p := Profile{Domain: domain, Login: c.ID, Kind: c.Kind, Default: makeDefault, VerifiedAt: time.Now()}
	if u != nil {
		p.DisplayName, p.Role, p.UserID = UserName(u), u.RoleName, u.ID
	}
	before := slices.Clone(ps.items)
	ps.put(p)
	if err := ps.save(); err != nil {
		if prev.Value != "" {
			_ = store.Set(ctx, domain, c.ID, prev)
		} else {
			_ = store.Delete(ctx, domain, c.ID)
		}
		// The index in memory goes back to what is on disk: the login
		// saved before (and the default) stay, so that a later Save does
		// not drop them.
		ps.items = before
		return Profile{}, err
	}
	p, _ = ps.FindLogin(domain, c.ID)
	return p, nil
}

// Logout forgets the named profile (see [Profiles.Find]): its keyring item
// and its index entry. A keyring item that is already gone is not an error,
// so that logout also cleans up an index entry whose secret was deleted by
// hand. When the keyring cannot be reached, nothing is changed and the
// *KeyringError is returned, so the secret is never left behind unnamed.
func Logout(ctx context.Context, store SecretStore, ps *Profiles, name string) (Profile, error) {
	p, err := ps.Find(name)
	if err != nil {
		return Profile{}, err
	}
	if err := store.Delete(ctx, p.Domain, p.Login); err != nil && !errors.Is(err, ErrNoSecret) {
		return Profile{}, err
	}
	ps.remove(p.Domain, p.Login)
	if err := ps.save(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// LoadCredentials reads p's secret from store and returns the credentials
// to sign in with. A missing item is explained: the profile exists but its
// secret is gone, so the person must sign in again.
func LoadCredentials(ctx context.Context, store SecretStore, p Profile) (socrata.Credentials, error) {
	s, err := store.Get(ctx, p.Domain, p.Login)
	if errors.Is(err, ErrNoSecret) {
		return socrata.Credentials{}, fmt.Errorf("the secret for %s is no longer in the OS keyring: "+
			"sign in again with socrata-wizard login --domain %s: %w", p.Name(), p.Domain, err)
	}
	if err != nil {
		return socrata.Credentials{}, err
	}
	return socrata.Credentials{Kind: p.Kind, ID: p.Login, Secret: s.Value, AppToken: s.AppToken}, nil
}

// CredentialSource says where headless credentials came from, for the
// run's log line (which never shows the secret).
type CredentialSource int

// The places credentials come from.
const (
	FromEnvironment CredentialSource = iota
	FromKeyring
)

// String names the source for logs.
func (s CredentialSource) String() string {
	if s == FromKeyring {
		return "the OS keyring"
	}
	return "environment variables"
}

// HeadlessCredentials finds credentials for a run without the wizard
// (a job run from cron, whoami, a scripted login check):
//
//  1. SOCRATA_KEY_ID/SOCRATA_KEY_SECRET or SOCRATA_USERNAME/SOCRATA_PASSWORD
//     when set (see [EnvCredentials]), because a person who sets them means
//     them, and on a server they are the only option;
//  2. otherwise the keyring item of the profile for domain and ref.Login,
//     or of the default profile when ref.Login is empty.
//
// SOCRATA_APP_TOKEN, when set, replaces the stored app token. When the
// keyring cannot be used, the *KeyringError's hint names the environment
// variables.
func HeadlessCredentials(ctx context.Context, getenv func(string) string, store SecretStore, ps *Profiles, domain string, ref wizard.AuthRef) (socrata.Credentials, CredentialSource, error) {
	c, ok, err := EnvCredentials(getenv)
	if err != nil {
		return socrata.Credentials{}, FromEnvironment, err
	}
	if ok {
		return c, FromEnvironment, nil
	}
	var p Profile
	if ref.Login != "" {
		var found bool
		if p, found = ps.FindLogin(domain, ref.Login); !found {
			return socrata.Credentials{}, FromKeyring, fmt.Errorf("no saved login %s: sign in with "+
				"socrata-wizard login --domain %s, or set %s and %s", itemName(domain, ref.Login), domain, EnvKeyID, EnvKeySecret)
		}
	} else {
		p, err = ps.Find(domain)
		if err != nil {
			return socrata.Credentials{}, FromKeyring, fmt.Errorf("%w (or set %s and %s)", err, EnvKeyID, EnvKeySecret)
		}
	}
	c, err = LoadCredentials(ctx, store, p)
	if err != nil {
		return socrata.Credentials{}, FromKeyring, err
	}
	if t := strings.TrimSpace(getenv(EnvAppToken)); t != "" {
		c.AppToken = t
	}
	return c, FromKeyring, nil
}

// maxSecretLength bounds what ReadSecret accepts; key secrets and
// passwords are far shorter, so anything longer is the wrong input (a file
// piped in by mistake).
const maxSecretLength = 4096

// ReadSecret reads a secret for login --secret-stdin: the first line of r,
// without its line ending (\n or \r\n), so that both
// "printf %s secret |" and "echo secret |" work. Secrets never come from
// the command line, where other users can read them in the process list.
func ReadSecret(r io.Reader) (string, error) {
	// Read a little past the limit, so that an over-long line is seen as
	// such rather than cut to a plausible secret.
	line, err := bufio.NewReader(io.LimitReader(r, maxSecretLength+3)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("cannot read the secret from standard input: %w", err)
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if len(line) > maxSecretLength {
		return "", fmt.Errorf("the first line of standard input is longer than %d characters, which is not a key secret or password", maxSecretLength)
	}
	if line == "" {
		return "", errors.New("standard input is empty: pipe the key secret or password in, as in " +
			"printf '%s' \"$SOCRATA_KEY_SECRET\" | socrata-wizard login --secret-stdin")
	}
	return line, nil
}
