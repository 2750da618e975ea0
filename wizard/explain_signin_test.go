package wizard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// TestExplainSignIn is TestExplain for a sign-in's errors, which carry
// their own sentence and hint: Explain says the sentence, specific to the
// case, and leaves the hint to the screen.
func TestExplainSignIn(t *testing.T) {
	portal := socratatest.NewServer(socratatest.WithSamples())
	t.Cleanup(portal.Close)
	ctx := context.Background()
	noWait := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	client := func(domain string, creds socrata.Credentials, hc *http.Client) *socrata.Client {
		c, err := socrata.NewClient(domain, creds, hc, socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 1, Sleep: noWait}))
		if err != nil {
			t.Fatalf("NewClient(%q): %v", domain, err)
		}
		return c
	}
	fresh := socrata.Credentials{Kind: socrata.APIKey, ID: "key-" + wizard.NewSecret()[7:15], Secret: wizard.NewSecret(), AppToken: wizard.NewSecret()}
	demo := portal.Portal.Demo()
	wrong := socrata.Credentials{Kind: socrata.APIKey, ID: demo.KeyID, Secret: wizard.NewSecret()}
	secrets := []string{fresh.Secret, fresh.AppToken, demo.KeySecret, demo.Password, wrong.Secret}

	tests := []struct {
		name string
		run  func(t *testing.T) error
		// want are pieces of the sentence, in order; not are words that
		// would mislead in this case.
		want, not []string
	}{
		{
			name: "sign-in to a server that is not a portal",
			run: func(t *testing.T) error {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
					w.Write([]byte(`{"displayName": "Somebody"}`))
				}))
				t.Cleanup(srv.Close)
				_, err := account.Verify(ctx, client(srv.URL, fresh, srv.Client()), srv.URL)
				if wizard.Hint(err) == "" {
					t.Errorf("sign-in error %v has no hint", err)
				}
				return err
			},
			want: []string{"http://127.0.0.1:", " does not look like a Socrata portal"},
		},
		{
			name: "sign-in with a wrong secret",
			run: func(t *testing.T) error {
				_, err := account.Verify(ctx, client(portal.Host(), wrong, portal.Client()), portal.Host())
				return err
			},
			want: []string{"127.0.0.1:", " did not accept these credentials (401 Unauthorized)."},
			not:  []string{"The portal did not accept"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			if err == nil {
				t.Fatal("the sign-in succeeded")
			}
			wizard.CheckExplained(t, err, tt.want, "", tt.not, secrets)
		})
	}
}
