package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/atomicfile"
	"github.com/ctopendata/socrata-wizard/wizard/internal/jsonpos"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// ConfigDirEnv names the environment variable that moves the config
// directory: tests point it at a temporary directory, and people use it
// for a portable setup (a USB stick, a service account's own folder).
const ConfigDirEnv = "SOCRATA_WIZARD_CONFIG_DIR"

// ConfigDir is where this program keeps its non-secret files (the profile
// index): $SOCRATA_WIZARD_CONFIG_DIR when set, otherwise
// os.UserConfigDir()/socrata-wizard. Every file the account code writes
// outside a path the caller chose goes under it, so a test that sets the
// variable sees all of them.
func ConfigDir(getenv func(string) string) (string, error) {
	if d := getenv(ConfigDirEnv); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a folder for settings (%w): set %s to one", err, ConfigDirEnv)
	}
	return filepath.Join(base, "socrata-wizard"), nil
}

// ProfilesFile is the profile index's file name inside the config
// directory.
const ProfilesFile = "profiles.json"

// profilesVersion is the version of the index format written.
const profilesVersion = 1

// Profile is one saved login: which portal, which account, and what the
// last successful sign-in said about it. It never holds a secret; the
// secret is in the keyring item named [itemName](Domain, Login).
type Profile struct {
	// Domain is the portal host, such as "data.ct.gov".
	Domain string
	// Login is the API key id or the username.
	Login string
	// Kind says which of the two Login is.
	Kind socrata.AuthKind
	// DisplayName and Role are what the portal said at the last sign-in.
	DisplayName string
	Role        string
	// UserID is the account's 4x4, which the catalog needs to list the
	// datasets the account owns.
	UserID string
	// Default marks the profile used when none is named.
	Default bool
	// VerifiedAt is when the credentials last signed in successfully.
	VerifiedAt time.Time
}

// Name is the profile's name on the command line: "<login>@<domain>".
func (p Profile) Name() string { return itemName(p.Domain, p.Login) }

// Ref is the job file's reference to this profile's credentials.
func (p Profile) Ref() wizard.AuthRef { return wizard.AuthRef{Kind: p.Kind.String(), Login: p.Login} }

// same reports whether p and q name the same login on the same domain.
// Domains compare without case; logins exactly, since API key ids are
// case-sensitive.
func (p Profile) same(domain, login string) bool {
	return strings.EqualFold(p.Domain, domain) && p.Login == login
}

// profileJSON is a Profile as the index file writes it.
type profileJSON struct {
	Domain      string    `json:"domain"`
	Login       string    `json:"login"`
	Auth        string    `json:"auth"`
	DisplayName string    `json:"display_name,omitempty"`
	Role        string    `json:"role,omitempty"`
	UserID      string    `json:"user_id,omitempty"`
	Default     bool      `json:"default,omitempty"`
	VerifiedAt  time.Time `json:"verified_at,omitzero"`
}

// profilesJSON is the index file.
type profilesJSON struct {
	Version  int           `json:"version"`
	Profiles []profileJSON `json:"profiles"`
}

// Profiles is the index of saved logins, kept in profiles.json in the
// config directory. It lists what the keyring cannot: which logins exist.
// The file holds no secret, but it does say which accounts a person uses,
// so it is written with mode 0600 in a 0700 directory. Profiles is not safe
// for concurrent use; two programs saving at once each write a whole,
// valid file and the last one wins.
type Profiles struct {
	path  string
	items []Profile
}

// LoadProfiles reads the index from dir. A missing file is an empty index.
// A file that cannot be read or parsed is an error that names the file and
// says what to do, and nothing is overwritten.
func LoadProfiles(dir string) (*Profiles, error) {
	ps := &Profiles{path: filepath.Join(dir, ProfilesFile)}
	data, err := os.ReadFile(ps.path)
	if errors.Is(err, fs.ErrNotExist) {
		return ps, nil
	}
	if err != nil {
		return nil, wording.FileFailed("cannot read the saved logins in", ps.path, err)
	}
	var f profilesJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		where := ""
		if line, col, ok := jsonpos.Find(data, err); ok {
			where = fmt.Sprintf(" at line %d, column %d", line, col)
		}
		return nil, fmt.Errorf("the saved logins file %s is damaged%s (%w); fix it, or delete it and "+
			"sign in again with socrata-wizard login (secrets stay in the keyring and are replaced)", ps.path, where, err)
	}
	if f.Version > profilesVersion {
		return nil, fmt.Errorf("the saved logins file %s was written by a newer socrata-wizard "+
			"(format %d, this one reads %d): upgrade socrata-wizard", ps.path, f.Version, profilesVersion)
	}
	for i, pj := range f.Profiles {
		kind, err := socrata.ParseAuthKind(pj.Auth)
		if err != nil {
			return nil, fmt.Errorf("the saved logins file %s is damaged: entry %d: %w; fix it, or delete "+
				"it and sign in again", ps.path, i+1, err)
		}
		if pj.Domain == "" || pj.Login == "" {
			return nil, fmt.Errorf("the saved logins file %s is damaged: entry %d has no domain or login; "+
				"fix it, or delete it and sign in again", ps.path, i+1)
		}
		ps.items = append(ps.items, Profile{
			Domain: pj.Domain, Login: pj.Login, Kind: kind, DisplayName: pj.DisplayName,
			Role: pj.Role, UserID: pj.UserID, Default: pj.Default, VerifiedAt: pj.VerifiedAt,
		})
	}
	ps.fixDefault()
	return ps, nil
}

// filePath is the index file's path.
func (ps *Profiles) filePath() string { return ps.path }

// List returns the profiles, the default first, then the most recently
// verified.
func (ps *Profiles) List() []Profile {
	out := append([]Profile(nil), ps.items...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Default != out[j].Default {
			return out[i].Default
		}
		if !out[i].VerifiedAt.Equal(out[j].VerifiedAt) {
			return out[i].VerifiedAt.After(out[j].VerifiedAt)
		}
		return out[i].Name() < out[j].Name()
	})
	return out
}

// defaultProfile returns the default profile, if there is any profile at all.
func (ps *Profiles) defaultProfile() (Profile, bool) {
	for _, p := range ps.items {
		if p.Default {
			return p, true
		}
	}
	return Profile{}, false
}

// Find picks a profile by name: "<login>@<domain>", or a domain alone when
// only one login is saved for it, or "" for the default. The error lists
// the saved names, so a person can copy the right one.
func (ps *Profiles) Find(name string) (Profile, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		if p, ok := ps.defaultProfile(); ok {
			return p, nil
		}
		return Profile{}, errors.New("no saved login: sign in first with socrata-wizard login")
	}
	if i := strings.LastIndex(name, "@"); i > 0 {
		if p, ok := ps.FindLogin(name[i+1:], name[:i]); ok {
			return p, nil
		}
	}
	var onDomain []Profile
	for _, p := range ps.items {
		if strings.EqualFold(p.Domain, name) {
			onDomain = append(onDomain, p)
		}
	}
	switch len(onDomain) {
	case 1:
		return onDomain[0], nil
	case 0:
		return Profile{}, fmt.Errorf("no saved login named %q; %s", name, ps.savedNames())
	}
	names := make([]string, len(onDomain))
	for i, p := range onDomain {
		names[i] = p.Name()
	}
	return Profile{}, fmt.Errorf("%d logins are saved for %s; name one of them: %s",
		len(onDomain), name, strings.Join(names, ", "))
}

// FindLogin returns the profile for domain and login, if saved.
func (ps *Profiles) FindLogin(domain, login string) (Profile, bool) {
	for _, p := range ps.items {
		if p.same(domain, login) {
			return p, true
		}
	}
	return Profile{}, false
}

// savedNames lists the saved profile names for an error message.
func (ps *Profiles) savedNames() string {
	if len(ps.items) == 0 {
		return "none are saved: sign in first with socrata-wizard login"
	}
	names := make([]string, 0, len(ps.items))
	for _, p := range ps.List() {
		names = append(names, p.Name())
	}
	return "saved logins: " + strings.Join(names, ", ")
}

// put adds p, or replaces the saved profile for the same domain and
// login. When p is the default, or the first profile, it becomes the
// default.
func (ps *Profiles) put(p Profile) {
	p.Domain = strings.ToLower(p.Domain)
	replaced := false
	for i := range ps.items {
		if ps.items[i].same(p.Domain, p.Login) {
			if !p.Default {
				p.Default = ps.items[i].Default
			}
			ps.items[i] = p
			replaced = true
			break
		}
	}
	if !replaced {
		ps.items = append(ps.items, p)
	}
	if p.Default {
		ps.makeDefault(p.Domain, p.Login)
	}
	ps.fixDefault()
}

// markVerified records a successful re-verification of a saved profile
// (the wizard re-verifies saved logins before offering them): the name and
// role the portal gave now, and the time. It does not touch the keyring,
// and it saves the index.
func (ps *Profiles) markVerified(p Profile, u *socrata.User, at time.Time) error {
	q, ok := ps.FindLogin(p.Domain, p.Login)
	if !ok {
		return fmt.Errorf("no saved login %s to update", p.Name())
	}
	if u != nil {
		q.DisplayName, q.Role, q.UserID = UserName(u), u.RoleName, u.ID
	}
	q.VerifiedAt = at
	ps.put(q)
	return ps.save()
}

// remove deletes the profile for domain and login and reports whether it
// was there. If it was the default, the most recently verified remaining
// profile becomes the default.
func (ps *Profiles) remove(domain, login string) bool {
	for i, p := range ps.items {
		if p.same(domain, login) {
			ps.items = append(ps.items[:i], ps.items[i+1:]...)
			ps.fixDefault()
			return true
		}
	}
	return false
}

// setDefault makes the named profile (see Find) the default.
func (ps *Profiles) setDefault(name string) error {
	p, err := ps.Find(name)
	if err != nil {
		return err
	}
	ps.makeDefault(p.Domain, p.Login)
	return nil
}

// makeDefault marks the profile for domain and login as the default and
// every other one as not.
func (ps *Profiles) makeDefault(domain, login string) {
	for i := range ps.items {
		ps.items[i].Default = ps.items[i].same(domain, login)
	}
}

// fixDefault keeps exactly one default while there are profiles: a file
// edited by hand may mark none or several.
func (ps *Profiles) fixDefault() {
	if len(ps.items) == 0 {
		return
	}
	keep := -1
	for i, p := range ps.items {
		if p.Default && keep < 0 {
			keep = i
		}
	}
	if keep < 0 {
		keep = 0
		for i, p := range ps.items {
			if p.VerifiedAt.After(ps.items[keep].VerifiedAt) {
				keep = i
			}
		}
	}
	for i := range ps.items {
		ps.items[i].Default = i == keep
	}
}

// save writes the index atomically (a temporary file in the same
// directory, synced, then renamed over the old one), mode 0600, creating
// the directory with mode 0700 if needed.
func (ps *Profiles) save() error {
	f := profilesJSON{Version: profilesVersion, Profiles: []profileJSON{}}
	for _, p := range ps.List() {
		f.Profiles = append(f.Profiles, profileJSON{
			Domain: p.Domain, Login: p.Login, Auth: p.Kind.String(), DisplayName: p.DisplayName,
			Role: p.Role, UserID: p.UserID, Default: p.Default, VerifiedAt: p.VerifiedAt.UTC(),
		})
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Dir(ps.path), 0o700); err != nil {
		return wording.FileFailed("cannot create the settings folder", filepath.Dir(ps.path), err)
	}
	if err := atomicfile.WriteFile(ps.path, data, 0o600); err != nil {
		return wording.FileFailed("cannot save the list of saved logins to", ps.path, err)
	}
	return nil
}
