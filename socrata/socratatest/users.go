package socratatest

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// UserSpec describes an account on the portal. Any secret left empty is
// generated with crypto/rand by [Portal.AddUser], which returns the filled
// spec, so no secret ever needs to be written in a test.
type UserSpec struct {
	// ID is the user's 4x4; one is generated when empty.
	ID string
	// DisplayName is the name the portal shows; "User <id>" when empty.
	DisplayName string
	// Email is the username for password sign-in; one is made from the id
	// when empty.
	Email string
	// Password signs in with Email. It is generated when empty, unless
	// SSO is set.
	Password string
	// SSO marks a user whose domain signs them in through single sign-on:
	// they have no password, and only their API key works.
	SSO bool
	// Role is the domain role: "publisher", "viewer", "editor" or
	// "administrator". Empty means "viewer".
	Role string
	// Rights are domain rights such as "create_datasets"; nil gives the
	// role's usual rights.
	Rights []string
	// KeyID and KeySecret are an API key, used as the Basic username and
	// password. Both are generated when KeyID is empty.
	KeyID     string
	KeySecret string
}

// DemoAccount is the sample publisher's sign-in, for `socrata-wizard demo`
// and for tests. Its secrets are generated per portal.
type DemoAccount struct {
	// UserID is the user's 4x4, [DemoPublisherID]; DisplayName is the
	// name the portal shows for it.
	UserID      string
	DisplayName string
	// Username and Password sign in with HTTP Basic as a person would.
	Username string
	Password string
	// KeyID and KeySecret are the same user's API key.
	KeyID     string
	KeySecret string
}

type user struct {
	spec UserSpec
}

func (u *user) id() string { return u.spec.ID }

// admin users may see and edit every dataset, as a domain administrator
// can on a real portal.
func (u *user) admin() bool {
	if u == nil {
		return false
	}
	if u.spec.Role == "administrator" {
		return true
	}
	for _, r := range u.spec.Rights {
		if r == "edit_others_datasets" {
			return true
		}
	}
	return false
}

// canEdit reports whether u (nil for anonymous) may change an asset with
// this owner and these editors (user ids): its owner, an editor, or an
// administrator. The catalog asks it of assets it has not materialised.
func (u *user) canEdit(owner *user, editors map[string]bool) bool {
	return u != nil && (u == owner || editors[u.id()] || u.admin())
}

func roleRights(role string) []string {
	switch role {
	case "administrator":
		return []string{"create_datasets", "edit_others_datasets", "view_others_datasets",
			"edit_site_theme", "manage_users", "view_domain", "use_data_management_suite"}
	case "publisher":
		return []string{"create_datasets", "view_domain", "manage_stories", "use_data_management_suite"}
	case "editor":
		return []string{"edit_others_datasets", "view_others_datasets", "view_domain"}
	}
	return []string{}
}

// AddUser adds an account and returns its spec with every generated field
// (id, password, API key) filled in.
func (p *Portal) AddUser(spec UserSpec) UserSpec {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addUserLocked(spec).spec
}

func (p *Portal) addUserLocked(spec UserSpec) *user {
	if spec.ID == "" {
		for {
			spec.ID = randomFourByFour()
			if _, taken := p.users[spec.ID]; !taken {
				break
			}
		}
	}
	if spec.Role == "" {
		spec.Role = "viewer"
	}
	if spec.Rights == nil {
		spec.Rights = roleRights(spec.Role)
	}
	if spec.DisplayName == "" {
		spec.DisplayName = "User " + spec.ID
	}
	if spec.Email == "" {
		spec.Email = spec.ID + "@users.example.org"
	}
	if spec.Password == "" && !spec.SSO {
		spec.Password = randomHex(12)
	}
	if spec.SSO {
		spec.Password = ""
	}
	if spec.KeyID == "" {
		spec.KeyID = randomHex(10)
		spec.KeySecret = randomHex(20)
	}
	u := &user{spec: spec}
	p.users[spec.ID] = u
	return u
}

// User returns the spec, secrets included, of the user with the given id.
func (p *Portal) User(id string) (UserSpec, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.users[id]
	if !ok {
		return UserSpec{}, false
	}
	return u.spec, true
}

// Demo returns the sample publisher's account. It is the zero value unless
// the portal was made with [WithSamples].
func (p *Portal) Demo() DemoAccount {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.users[DemoPublisherID]
	if !ok {
		return DemoAccount{}
	}
	return DemoAccount{
		UserID:      u.spec.ID,
		DisplayName: u.spec.DisplayName,
		Username:    u.spec.Email,
		Password:    u.spec.Password,
		KeyID:       u.spec.KeyID,
		KeySecret:   u.spec.KeySecret,
	}
}

// authResult is who a request signed in as: nobody (anonymous), a user, or
// bad credentials.
type authResult struct {
	user *user
	bad  bool
}

// authenticate reads HTTP Basic credentials. Either a username (email,
// compared without case) and password or an API key id and secret sign
// in; any other Authorization header counts as bad credentials.
func (p *Portal) authenticate(r *http.Request) authResult {
	h := r.Header.Get("Authorization")
	if h == "" {
		return authResult{}
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return authResult{bad: true}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return authResult{bad: true}
	}
	name, secret, ok := strings.Cut(string(raw), ":")
	if !ok || name == "" || secret == "" {
		return authResult{bad: true}
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, u := range p.users {
		if u.spec.KeyID == name && equalSecret(u.spec.KeySecret, secret) {
			return authResult{user: u}
		}
		if !u.spec.SSO && strings.EqualFold(u.spec.Email, name) && equalSecret(u.spec.Password, secret) {
			return authResult{user: u}
		}
	}
	return authResult{bad: true}
}

func equalSecret(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// userJSON is the user object of /api/users/current.json and of view
// owners.
func userJSON(u *user, self bool) map[string]any {
	m := map[string]any{
		"id":                   u.spec.ID,
		"displayName":          u.spec.DisplayName,
		"screenName":           u.spec.DisplayName,
		"roleName":             u.spec.Role,
		"flags":                []string{},
		"profileImageUrlSmall": "",
		"type":                 "interactive",
	}
	if self {
		m["email"] = u.spec.Email
		m["rights"] = u.spec.Rights
	}
	return m
}

func (p *Portal) handleCurrentUser(w http.ResponseWriter, r *http.Request) {
	u := requestUser(r)
	if u == nil {
		writeSODAError(w, http.StatusUnauthorized, "authentication_required",
			"You must be signed in to see the current user. Send a username and password or an API key id and secret with HTTP Basic authentication.")
		return
	}
	writeJSON(w, http.StatusOK, userJSON(u, true))
}
