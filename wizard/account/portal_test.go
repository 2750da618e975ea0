package account

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// noRetry makes the client give up at once, so that failure tests do not
// wait through backoff.
var noRetry = socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 1, Sleep: func(context.Context, time.Duration) error { return nil }})

// TestVerifyAgainstPortal signs in through the real client to the
// in-process portal (and to servers that are not portals) and checks the
// cause and message of each outcome, from the HTTP answer to the words a
// person reads.
func TestVerifyAgainstPortal(t *testing.T) {
	srv := socratatest.NewServer()
	defer srv.Close()
	pub := srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Jane Analyst", Role: "publisher"})
	viewer := srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Val Viewer", Role: "viewer"})
	sso := srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Sam SSO", Role: "publisher", SSO: true})

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>Agency home page</title>"))
	}))
	defer html.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	key := func(u socratatest.UserSpec) socrata.Credentials {
		return socrata.Credentials{Kind: socrata.APIKey, ID: u.KeyID, Secret: u.KeySecret}
	}
	wrong := key(pub)
	wrong.Secret = newSecret(t)

	tests := []struct {
		name    string
		domain  string
		creds   socrata.Credentials
		cause   Cause // CauseUnknown with ok means success
		ok      bool
		message string
	}{
		{"publisher with a key", srv.URL, key(pub), 0, true, "Signed in as Jane Analyst (publisher) on " + srv.URL},
		{"publisher with a password", srv.URL, socrata.Credentials{Kind: socrata.Password, ID: pub.Email, Secret: pub.Password}, 0, true, "Signed in as Jane Analyst"},
		{"wrong secret", srv.URL, wrong, CauseBadCredentials, false, "did not accept these credentials (401 Unauthorized)"},
		{"single sign-on user with a password", srv.URL, socrata.Credentials{Kind: socrata.Password, ID: sso.Email, Secret: newSecret(t)}, CauseBadCredentials, false, "did not accept these credentials"},
		{"single sign-on user with a key", srv.URL, key(sso), 0, true, "Signed in as Sam SSO (publisher)"},
		{"viewer", srv.URL, key(viewer), CauseNoPublishingRights, false, `signed in as Val Viewer, but the role "viewer"`},
		{"an HTML site", html.URL, key(pub), CauseNotSocrata, false, "does not look like a Socrata portal"},
		{"a site without the API", notFound.URL, key(pub), CauseNotSocrata, false, "does not look like a Socrata portal"},
		{"nothing listening", "http://" + closed, key(pub), CauseConnection, false, "refused the connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := socrata.NewClient(tt.domain, tt.creds, nil, noRetry)
			if err != nil {
				t.Fatal(err)
			}
			u, err := Verify(context.Background(), c, tt.domain)
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got := SignedInLine(u, tt.domain); !strings.Contains(got, tt.message) {
					t.Errorf("SignedInLine = %q, want %q", got, tt.message)
				}
				return
			}
			var se *SignInError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *SignInError", err, err)
			}
			if se.Cause != tt.cause {
				t.Errorf("cause = %d, want %d: %v (raw: %v)", se.Cause, tt.cause, err, errors.Unwrap(err))
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("message %q does not say %q", err, tt.message)
			}
			if tt.creds.Secret != "" && strings.Contains(err.Error()+wizard.Hint(err), tt.creds.Secret) {
				t.Error("the secret reached the message")
			}
		})
	}
}

// TestVerifyPortalFaults checks the causes for a portal that is busy or
// failing, through the client's own error handling.
func TestVerifyPortalFaults(t *testing.T) {
	srv := socratatest.NewServer()
	defer srv.Close()
	pub := srv.Portal.AddUser(socratatest.UserSpec{Role: "publisher"})
	creds := socrata.Credentials{Kind: socrata.APIKey, ID: pub.KeyID, Secret: pub.KeySecret}
	tests := []struct {
		name  string
		fault socratatest.Fault
		cause Cause
	}{
		{"rate limited", socratatest.RateLimited(1), CauseRateLimited},
		{"unavailable", socratatest.Unavailable(), CausePortalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Portal.FailNext(1, socratatest.Matching("GET", "/api/users/current.json"), tt.fault)
			c, err := socrata.NewClient(srv.URL, creds, nil, noRetry)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(context.Background(), c, srv.URL)
			var se *SignInError
			if !errors.As(err, &se) || se.Cause != tt.cause {
				t.Errorf("err = %v, want cause %d", err, tt.cause)
			}
		})
	}
}
