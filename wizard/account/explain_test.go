package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// TestSignInErrorsExplained checks what Explain makes of a sign-in's
// errors, which carry their own sentence and hint: the sentence, specific
// to the case, without a Go error chain, a secret, or the hint that a
// screen shows under it.
func TestSignInErrorsExplained(t *testing.T) {
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
	fresh := socrata.Credentials{Kind: socrata.APIKey, ID: "key-" + newSecret(t)[7:15], Secret: newSecret(t), AppToken: newSecret(t)}
	demo := portal.Portal.Demo()
	wrong := socrata.Credentials{Kind: socrata.APIKey, ID: demo.KeyID, Secret: newSecret(t)}
	secrets := []string{fresh.Secret, fresh.AppToken, demo.KeySecret, demo.Password, wrong.Secret}

	tests := []struct {
		name string
		run  func() error
		// want are pieces of the sentence, in order.
		want []string
		// not are words that would mislead in this case.
		not []string
	}{
		{
			name: "sign-in to a server that is not a portal",
			run: func() error {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
					w.Write([]byte(`{"displayName": "Somebody"}`))
				}))
				t.Cleanup(srv.Close)
				_, err := Verify(ctx, client(srv.URL, fresh, srv.Client()), srv.URL)
				if wizard.Hint(err) == "" {
					t.Errorf("sign-in error %v has no hint", err)
				}
				return err
			},
			want: []string{"http://127.0.0.1:", " does not look like a Socrata portal"},
		},
		{
			name: "sign-in with a wrong secret",
			run: func() error {
				_, err := Verify(ctx, client(portal.Host(), wrong, portal.Client()), portal.Host())
				return err
			},
			want: []string{"127.0.0.1:", " did not accept these credentials (401 Unauthorized)."},
			not:  []string{"The portal did not accept"},
		},
	}
	goChain := []string{"socrata:", "dial tcp", "EOF", "x509:", "tls:", "json:", "context deadline", "context canceled",
		"net/http", `Get "`, "%!", "<nil>", "errors.", "*socrata", "gave up after", "attempts)"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("the sign-in succeeded")
			}
			got := wizard.Explain(err)
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("Explain = %q\ndoes not say %q (in order)\n(error: %v)", got, w, err)
					break
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("Explain = %q says %q, which misleads here", got, w)
				}
			}
			for _, w := range goChain {
				if strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
					t.Errorf("Explain = %q contains Go error text %q", got, w)
				}
			}
			for _, s := range secrets {
				if s != "" && strings.Contains(got, s) {
					t.Errorf("Explain = %q contains a secret", got)
				}
			}
			if !strings.HasSuffix(got, ".") {
				t.Errorf("Explain = %q does not end a sentence", got)
			}
			if h := wizard.Hint(err); h != "" && strings.Contains(got, h) {
				t.Errorf("Explain = %q repeats the hint, which is shown under it", got)
			}
		})
	}
}
