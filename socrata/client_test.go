package socrata_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestNewClientDomains(t *testing.T) {
	tests := []struct {
		in   string
		want socrata.Domain
		base string
		is   error
	}{
		{"data.ct.gov", "data.ct.gov", "https://data.ct.gov", nil},
		{"https://data.ct.gov/", "data.ct.gov", "https://data.ct.gov", nil},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080", nil},
		{"http://localhost:8080", "http://localhost:8080", "http://localhost:8080", nil},
		{"http://[::1]:8080", "http://[::1]:8080", "http://[::1]:8080", nil},
		{"http://data.ct.gov", "", "", socrata.ErrInsecure},
		{"http://example.org:8080", "", "", socrata.ErrInsecure},
		{"not a domain", "", "", socrata.ErrBadDomain},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := socrata.NewClient(tt.in, socrata.Credentials{}, nil)
			if tt.is != nil {
				if !errors.Is(err, tt.is) {
					t.Fatalf("NewClient(%q) error = %v, want %v", tt.in, err, tt.is)
				}
				if tt.is == socrata.ErrInsecure && !strings.Contains(err.Error(), "use https://") {
					t.Errorf("error %q does not say to use https", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient(%q): %v", tt.in, err)
			}
			if c.Domain() != tt.want || c.BaseURL() != tt.base {
				t.Errorf("Domain, BaseURL = %q, %q; want %q, %q", c.Domain(), c.BaseURL(), tt.want, tt.base)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	creds := newCreds(t)
	tests := []struct {
		name  string
		creds socrata.Credentials
		opts  []socrata.Option
		ua    string
	}{
		{"api key and token", creds, []socrata.Option{socrata.WithUserAgent("1.2.3")}, "socrata-wizard/1.2.3"},
		{"password, no token", socrata.Credentials{Kind: socrata.Password, ID: "jane@example.org", Secret: randomHex(t, 8)}, nil, "socrata-wizard"},
		{"anonymous", socrata.Credentials{}, []socrata.Option{socrata.WithUserAgent("")}, "socrata-wizard"},
	}
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, `{"id":"ab12-cd34","displayName":"Jane"}`))
			c, _ := newTestClient(t, f, tt.creds, tt.opts...)
			if _, err := c.CurrentUser(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CurrentUser(context.Background()); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			r := reqs[0]
			user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth()
			if tt.creds.ID == "" {
				if ok || r.Header.Get("Authorization") != "" {
					t.Errorf("anonymous client sent Authorization %q", r.Header.Get("Authorization"))
				}
			} else if !ok || user != tt.creds.ID || pass != tt.creds.Secret {
				t.Errorf("Basic auth = %q, %q, %v; want the credentials", user, pass, ok)
			}
			if got := r.Header.Get("X-App-Token"); got != tt.creds.AppToken {
				t.Errorf("X-App-Token = %q, want %q", got, tt.creds.AppToken)
			}
			if got := r.Header.Get("User-Agent"); got != tt.ua {
				t.Errorf("User-Agent = %q, want %q", got, tt.ua)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
			id := r.Header.Get("X-Socrata-RequestId")
			if !hexID.MatchString(id) {
				t.Errorf("X-Socrata-RequestId = %q, want 32 hex digits", id)
			}
			if reqs[1].Header.Get("X-Socrata-RequestId") == id {
				t.Errorf("two requests share the request id %q", id)
			}
		})
	}
}

func TestDefaultClientRefusesRedirectToPlainHTTP(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://data.example.org/api/users/current.json", http.StatusFound)
	})
	creds := newCreds(t)
	c, err := socrata.NewClient(f.URL, creds, nil, socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("error = %v, want a refusal of the plain http redirect", err)
	}
	if !errors.Is(err, socrata.ErrInsecure) {
		t.Errorf("error %v does not match ErrInsecure", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("portal got %d requests, want 1 (no retry of a refused redirect)", n)
	}
}

func TestDefaultClientFollowsLoopbackRedirect(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("moved") == "" {
			http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusFound)
			return
		}
		reply(200, jsonType, `{"id":"ab12-cd34"}`)(w, r)
	})
	creds := newCreds(t)
	c, err := socrata.NewClient(f.URL, creds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CurrentUser(context.Background()); err != nil {
		t.Fatalf("CurrentUser: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("portal got %d requests, want 2 (the redirect followed)", len(reqs))
	}
	if _, pass, _ := (&http.Request{Header: reqs[1].Header}).BasicAuth(); pass != creds.Secret {
		t.Errorf("the redirected request lost its credentials on the same host")
	}
}

// roundTrip is a RoundTripper made of a function, standing in for the
// proxies and recorders a caller may put in the http.Client it passes.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRoundTripperWithoutRequest has a transport answer without setting
// Response.Request, which http.Transport sets but a RoundTripper need not.
func TestRoundTripperWithoutRequest(t *testing.T) {
	tests := []struct {
		name, body string
		call       func(*socrata.Client) error
		want       error // nil for success
	}{
		{"upsert", `{"Rows Created": 1}`, func(c *socrata.Client) error {
			_, err := c.Upsert(context.Background(), "abcd-1234", []byte(`[{"a":"1"}]`), socrata.JSON)
			return err
		}, nil},
		{"rows, wrong shape", `{"rows": []}`, func(c *socrata.Client) error {
			_, err := c.Rows(context.Background(), "abcd-1234", socrata.RowsQuery{})
			return err
		}, socrata.ErrNotSocrata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {jsonType}},
					Body: io.NopCloser(strings.NewReader(tt.body))}, nil
			})}
			c, err := socrata.NewClient("http://127.0.0.1:1", newCreds(t), hc)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}
