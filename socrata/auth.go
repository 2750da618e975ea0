package socrata

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// AuthKind says which kind of Basic credential a [Credentials] value holds.
type AuthKind int

const (
	// APIKey is a key id and key secret created under the user's developer
	// settings. Socrata recommends keys, and they are the only way in for
	// users whose domain signs them in through single sign-on.
	APIKey AuthKind = iota
	// Password is a Socrata username (an email address) and password.
	Password
)

// String names the kind as it is written in profiles and job files.
func (k AuthKind) String() string {
	switch k {
	case APIKey:
		return "api_key"
	case Password:
		return "password"
	}
	return fmt.Sprintf("AuthKind(%d)", int(k))
}

// ParseAuthKind is the inverse of [AuthKind.String].
func ParseAuthKind(s string) (AuthKind, error) {
	switch s {
	case "api_key":
		return APIKey, nil
	case "password":
		return Password, nil
	}
	return 0, fmt.Errorf("unknown credential kind %q: want api_key or password", s)
}

// Credentials are what a [Client] sends as HTTP Basic authentication on
// every request, plus an optional app token.
//
// Its String and GoString methods never print the secret, so a Credentials
// value that reaches a log or an error message by accident leaks nothing.
type Credentials struct {
	Kind AuthKind
	// ID is the API key id, or the username for Password credentials.
	ID string
	// Secret is the API key secret or the password.
	Secret string
	// AppToken, when set, is sent as X-App-Token. It is a throttling and
	// attribution token, not a credential and not a dataset id.
	AppToken string
}

// String describes the credentials without the secret.
func (c Credentials) String() string {
	return fmt.Sprintf("%s %s (secret hidden)", c.Kind, c.ID)
}

// GoString is like String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return "socrata.Credentials{" + c.String() + "}" }

// User is the account that a set of credentials signs in as, from
// /api/users/current.json.
type User struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	ScreenName  string   `json:"screenName"`
	Email       string   `json:"email"`
	RoleName    string   `json:"roleName"`
	Rights      []string `json:"rights"`
	Flags       []string `json:"flags"`
}

// HasRight reports whether the user holds the named domain right.
func (u *User) HasRight(right string) bool {
	return slices.Contains(u.Rights, right)
}

// CurrentUser returns the account the client's credentials sign in as,
// from GET /api/users/current.json. A 200 answer is the proof that the
// credentials work; wrong ones come back as an *APIError matching
// [ErrUnauthorized] (or [ErrForbidden] on some portals). A 200 answer
// that is not a user with an id is an error matching [ErrNotSocrata].
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	var u User
	if err := c.getJSON(ctx, "/api/users/current.json", nil, &u); err != nil {
		return nil, err
	}
	if u.ID == "" {
		return nil, c.badShape(http.MethodGet, "/api/users/current.json", "it has no user id", nil)
	}
	return &u, nil
}
