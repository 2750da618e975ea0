package socrata_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestAPIErrorBodies(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		header      map[string]string
		want        socrata.APIError
		is          []error
		says        []string
	}{
		{
			name: "soda error", status: 403, contentType: jsonType,
			body: `{"code":"authentication_required","error":true,"message":"You must be logged in","data":{"view":"abcd-1234"}}`,
			want: socrata.APIError{Status: 403, Code: "authentication_required", Message: "You must be logged in", Data: map[string]any{"view": "abcd-1234"}},
			is:   []error{socrata.ErrForbidden},
			says: []string{"403 Forbidden (authentication_required): You must be logged in"},
		},
		{
			name: "core error without code", status: 403, contentType: jsonType,
			body: `{"error":true,"message":"Cannot update a synced dataset manually"}`,
			want: socrata.APIError{Status: 403, Message: "Cannot update a synced dataset manually"},
			is:   []error{socrata.ErrForbidden},
		},
		{
			name: "catalog error string", status: 400, contentType: jsonType,
			body: `{"error":"No user was provided to search for shared assets"}`,
			want: socrata.APIError{Status: 400, Message: "No user was provided to search for shared assets"},
		},
		{
			name: "soda-java errorCode", status: 400, contentType: jsonType,
			body: `{"errorCode":"query.soql.no-such-column","message":"No such column: fee"}`,
			want: socrata.APIError{Status: 400, Code: "query.soql.no-such-column", Message: "No such column: fee"},
		},
		{
			name: "message alone", status: 404, contentType: jsonType,
			body: `{"message":"Revision not found"}`,
			want: socrata.APIError{Status: 404, Message: "Revision not found"},
			is:   []error{socrata.ErrNotFound},
		},
		{
			name: "dsmapi key", status: 400, contentType: jsonType,
			body: `{"key":"invalid_output_schema","message":"bad column","params":{}}`,
			want: socrata.APIError{Status: 400, Code: "invalid_output_schema", Message: "bad column"},
		},
		{
			name: "json without a message", status: 500, contentType: jsonType,
			body: `{"status":"boom"}`,
			want: socrata.APIError{Status: 500, Message: `{"status":"boom"}`},
		},
		{
			name: "plain text", status: 401, contentType: "text/plain",
			body: "Invalid username\n  or password\n",
			want: socrata.APIError{Status: 401, Message: "Invalid username or password"},
			is:   []error{socrata.ErrUnauthorized},
		},
		{
			name: "empty body", status: 401,
			want: socrata.APIError{Status: 401},
			is:   []error{socrata.ErrUnauthorized},
			says: []string{"401 Unauthorized"},
		},
		{
			name: "proxy html page", status: 502, contentType: "text/html",
			body: "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
			want: socrata.APIError{Status: 502, HTML: true, Message: `the server answered with a web page ("502 Bad Gateway"), not Socrata's API`},
			is:   []error{socrata.ErrNotSocrata},
		},
		{
			name: "html without content type or title", status: 500,
			body: "  <html><body><h1>Internal &amp; Error</h1></body></html>",
			want: socrata.APIError{Status: 500, HTML: true, Message: `the server answered with a web page ("Internal & Error"), not Socrata's API`},
			is:   []error{socrata.ErrNotSocrata},
		},
		{
			name: "rate limited", status: 429, contentType: jsonType,
			body: `{"code":"too_many_requests","error":true,"message":"slow down"}`,
			want: socrata.APIError{Status: 429, Code: "too_many_requests", Message: "slow down"},
			is:   []error{socrata.ErrRateLimited},
		},
		{
			name: "request id from portal", status: 404, contentType: jsonType,
			body:   `{"message":"gone"}`,
			header: map[string]string{"X-Socrata-RequestId": "portal-request-7"},
			want:   socrata.APIError{Status: 404, Message: "gone", RequestID: "portal-request-7"},
		},
		{
			name: "only the first 64 KB are read", status: 502, contentType: "text/html",
			body: "<html>" + strings.Repeat(" ", 64<<10) + "<title>Too Far</title></html>",
			want: socrata.APIError{Status: 502, HTML: true, Message: "the server answered with a web page, not Socrata's API"},
		},
		{
			name: "huge body is bounded", status: 500, contentType: "text/plain",
			body: big,
			want: socrata.APIError{Status: 500, Message: strings.Repeat("x", 500) + "…"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				reply(tt.status, tt.contentType, tt.body)(w, r)
			})
			c, _ := newTestClient(t, f, newCreds(t), socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 1}))
			_, err := c.CurrentUser(context.Background())
			var ae *socrata.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v (%T), want *APIError", err, err)
			}
			if ae.Status != tt.want.Status || ae.Code != tt.want.Code || ae.Message != tt.want.Message || ae.HTML != tt.want.HTML {
				t.Errorf("got %+v\nwant %+v", *ae, tt.want)
			}
			if tt.want.Data != nil && fmt.Sprint(ae.Data) != fmt.Sprint(tt.want.Data) {
				t.Errorf("Data = %v, want %v", ae.Data, tt.want.Data)
			}
			wantID := tt.want.RequestID
			if wantID == "" {
				wantID = f.last(t).Header.Get("X-Socrata-RequestId")
			}
			if ae.RequestID != wantID {
				t.Errorf("RequestID = %q, want %q", ae.RequestID, wantID)
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestSuccessThatIsNotJSON(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		says                    string
	}{
		{"sign-in page", "text/html; charset=utf-8", "<html><head><title>Sign In | Data Portal</title></head></html>", `("Sign In | Data Portal")`},
		{"html sent as json", jsonType, "\n<!doctype html><title>Welcome</title>", `("Welcome")`},
		{"plain text", "text/plain", "hello from some other server", `it began "hello from some other server"`},
		{"empty", jsonType, "", "empty answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, tt.contentType, tt.body))
			c, _ := newTestClient(t, f, newCreds(t))
			_, err := c.CurrentUser(context.Background())
			var ae *socrata.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want *APIError", err)
			}
			if !errors.Is(err, socrata.ErrNotSocrata) {
				t.Errorf("error %q does not match ErrNotSocrata", err)
			}
			if !ae.HTML || ae.Status != 200 {
				t.Errorf("HTML, Status = %v, %d; want true, 200: the answer did not come from Socrata's API", ae.HTML, ae.Status)
			}
			if !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "check that the portal address is right") {
				t.Errorf("error %q does not say %q and what to do", err, tt.says)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("portal got %d requests, want 1", n)
			}
		})
	}
}

// TestNoSecretsInErrors has the portal echo the credentials back in every
// shape an error body can take; none may reach the error text.
func TestNoSecretsInErrors(t *testing.T) {
	shapes := []struct {
		name, contentType, format string
	}{
		{"soda json", jsonType, `{"code":"%[1]s","error":true,"message":"bad %[1]s %[2]s %[3]s","data":{"auth":"%[2]s"}}`},
		{"catalog json", jsonType, `{"error":"bad %[1]s %[2]s %[3]s"}`},
		{"plain text", "text/plain", "Authorization: Basic %[1]s password=%[2]s token=%[3]s"},
		{"html title", "text/html", "<html><title>%[1]s %[2]s %[3]s</title></html>"},
		{"html heading", "text/html", "<html><h1>%[2]s</h1></html>"},
	}
	for _, status := range []int{200, 401, 403, 500, 503} {
		for _, sh := range shapes {
			t.Run(fmt.Sprintf("%d %s", status, sh.name), func(t *testing.T) {
				creds := newCreds(t)
				body := fmt.Sprintf(sh.format, basicToken(creds), creds.Secret, creds.AppToken)
				f := newFake(t, reply(status, sh.contentType, body))
				c, _ := newTestClient(t, f, creds)
				for _, call := range []func() error{
					func() error { _, err := c.CurrentUser(context.Background()); return err },
					func() error {
						_, err := c.Upsert(context.Background(), "abcd-1234", []byte(`[]`), socrata.JSON)
						return err
					},
					func() error {
						_, err := c.Replace(context.Background(), "abcd-1234", strings.NewReader(`[]`), socrata.JSON)
						return err
					},
				} {
					err := call()
					if err == nil {
						if status == 200 && sh.contentType == jsonType {
							continue // a JSON 200 may be read as an answer
						}
						t.Fatalf("no error for status %d body %q", status, sh.name)
					}
					noSecrets(t, err.Error(), creds)
					var ae *socrata.APIError
					if errors.As(err, &ae) {
						noSecrets(t, fmt.Sprint(ae.Data), creds)
						noSecrets(t, ae.Code, creds)
					}
				}
			})
		}
	}
}

func TestNoSecretsInNetworkErrors(t *testing.T) {
	creds := newCreds(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := socrata.NewClient("http://"+addr, creds, nil, socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	noSecrets(t, err.Error(), creds)
	if strings.Contains(err.Error(), creds.ID+":") {
		t.Errorf("error %q shows user info", err)
	}
}

// dialer is a transport whose every connection attempt fails with err.
func dialer(err error) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) { return nil, err },
	}}
}

func TestNetworkErrors(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "data.example.org", IsNotFound: true}
	tests := []struct {
		name    string
		dialErr error
		retried bool
		as      func(error) bool
		says    string
	}{
		{"name not found", dnsErr, false, func(err error) bool { var d *net.DNSError; return errors.As(err, &d) }, "could not be found"},
		{"dns timeout", &net.DNSError{Err: "timeout", Name: "data.example.org", IsTimeout: true}, true,
			func(err error) bool { var d *net.DNSError; return errors.As(err, &d) }, "looking up the name"},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}, true,
			func(err error) bool { var o *net.OpError; return errors.As(err, &o) }, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sleeps{}
			c, err := socrata.NewClient("http://127.0.0.1:1", newCreds(t), dialer(tt.dialErr), socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 3, Sleep: s.sleep}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CurrentUser(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			if !tt.as(err) {
				t.Errorf("errors.As could not find the cause in %v", err)
			}
			var ue *url.Error
			if !errors.As(err, &ue) {
				t.Errorf("errors.As(*url.Error) failed for %v", err)
			}
			if !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "cannot reach 127.0.0.1:1") {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if got := len(s.waits()) > 0; got != tt.retried {
				t.Errorf("retried = %v, want %v (waits %v)", got, tt.retried, s.waits())
			}
		})
	}
}

func TestContextDeadline(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c, s := newTestClient(t, f, newCreds(t))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.CurrentUser(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want one matching context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "time allowed") {
		t.Errorf("error %q does not say the time ran out", err)
	}
	if len(s.waits()) != 0 {
		t.Errorf("a call whose context ended was retried (waits %v)", s.waits())
	}
}

var netOpRefused = net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}

func TestTLSErrors(t *testing.T) {
	srv := httptest.NewUnstartedServer(reply(200, jsonType, `{"id":"ab12-cd34"}`))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	s := &sleeps{}
	// The default client does not trust the test server's certificate.
	c, err := socrata.NewClient(srv.URL, newCreds(t), nil, socrata.WithRetry(socrata.RetryPolicy{Sleep: s.sleep}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL {
		t.Fatalf("base URL %s, want %s", c.BaseURL(), srv.URL)
	}
	_, err = c.CurrentUser(context.Background())
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("error = %v, want *tls.CertificateVerificationError", err)
	}
	if !strings.Contains(err.Error(), "certificate could not be verified") {
		t.Errorf("error %q does not explain the certificate problem", err)
	}
	if len(s.waits()) != 0 {
		t.Error("a certificate failure was retried")
	}
	// With the server's certificate trusted, the same portal works.
	c, err = socrata.NewClient(srv.URL, newCreds(t), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CurrentUser(context.Background()); err != nil {
		t.Errorf("trusted TLS: %v", err)
	}
}

// TestAnswersOfTheWrongShape has a server answer 200 with JSON that is not
// what Socrata's API sends for the call. Each must match ErrNotSocrata, say
// what was wrong and what to do, and not be retried; a body cut short is a
// failed connection instead.
func TestAnswersOfTheWrongShape(t *testing.T) {
	ctx := context.Background()
	currentUser := func(c *socrata.Client) error { _, err := c.CurrentUser(ctx); return err }
	search := func(c *socrata.Client) error { _, err := c.Search(ctx, socrata.CatalogQuery{}); return err }
	dataset := func(c *socrata.Client) error { _, err := c.Dataset(ctx, "abcd-1234"); return err }
	rows := func(c *socrata.Client) error { _, err := c.Rows(ctx, "abcd-1234", socrata.RowsQuery{}); return err }
	upsert := func(c *socrata.Client) error {
		_, err := c.Upsert(ctx, "abcd-1234", []byte(`[]`), socrata.JSON)
		return err
	}
	replace := func(c *socrata.Client) error {
		_, err := c.Replace(ctx, "abcd-1234", strings.NewReader(`[]`), socrata.JSON)
		return err
	}
	openRevision := func(c *socrata.Client) error {
		_, err := c.OpenRevision(ctx, "abcd-1234", socrata.RevisionUpdate)
		return err
	}
	createSource := func(c *socrata.Client) error {
		_, err := c.CreateSource(ctx, &socrata.Revision{Dataset: "abcd-1234", Seq: 1}, "permits.csv", socrata.ParseOptions{})
		return err
	}
	tests := []struct {
		name string
		call func(*socrata.Client) error
		// body is the answer; %[1]s in it is replaced by the secret.
		body       string
		says       string
		notSocrata bool
		unknown    bool // a write whose outcome is unknown
	}{
		{"user without id", currentUser, `{"displayName":"Jane"}`, "(it has no user id)", true, false},
		{"user as a list", currentUser, `[1, 2]`, "(it is a list, not an object)", true, false},
		{"user id a number", currentUser, `{"id": 12}`, `(its "id" is a number, not text)`, true, false},
		{"user not JSON after all", currentUser, `{"id": ]`, "(it is not well-formed JSON)", true, false},
		{"user cut short", currentUser, `{"id": "ab`, "the connection was cut off while the answer was being read", false, false},
		{"catalog without results", search, `{"resultSetSize": 3}`, "(it has no list of results)", true, false},
		{"catalog results an object", search, `{"results": {}}`, `(its "results" is an object, not a list)`, true, false},
		{"view without id", dataset, `{"name": "Permits", "columns": []}`, "(it has no dataset id)", true, false},
		{"rows as an object", rows, `{"rows": []}`, "(it is an object, not a list)", true, false},
		{"write result unknown", upsert, `{"status": "ok", "echo": "%[1]s"}`, `(it did not say what the write did: {"echo":"[hidden]","status":"ok"})`, true, false},
		{"replace result unknown", replace, `{"status": "ok"}`, "may or may not have been applied", true, true},
		{"replace result cut short", replace, `{"Rows Created": 1`, "may or may not have been applied", false, true},
		{"revision without id", openRevision, `{"resource": {"fourfour": "abcd-1234"}}`, "(it has no revision id)", true, false},
		{"revision id not a number", openRevision, `{"resource": {"id": "seven"}}`, "expected a number", true, false},
		{"source without id", createSource, `{"resource": {"source_type": {"type": "upload"}}}`, "(it has no source id)", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := newCreds(t)
			body := tt.body
			if strings.Contains(body, "%[1]s") {
				body = fmt.Sprintf(body, creds.Secret)
			}
			f := newFake(t, reply(200, jsonType, body))
			c, _ := newTestClient(t, f, creds)
			err := tt.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, socrata.ErrNotSocrata); got != tt.notSocrata {
				t.Errorf("errors.Is(%q, ErrNotSocrata) = %v, want %v", err, got, tt.notSocrata)
			}
			if got := errors.Is(err, socrata.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(%q, ErrOutcomeUnknown) = %v, want %v", err, got, tt.unknown)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if tt.notSocrata && !strings.Contains(err.Error(), "check that the portal address is right") {
				t.Errorf("error %q does not say what to do", err)
			}
			noSecrets(t, err.Error(), creds)
			if n := len(f.requests()); n != 1 {
				t.Errorf("portal got %d requests, want 1: a wrong answer is not retried", n)
			}
		})
	}
}

// TestHTTPSToPlainServer asks for https from a server that speaks plain
// http, as when a test portal's address is typed with https://.
func TestHTTPSToPlainServer(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{"id":"ab12-cd34"}`))
	s := &sleeps{}
	c, err := socrata.NewClient(strings.Replace(f.URL, "http://", "https://", 1), newCreds(t), nil,
		socrata.WithRetry(socrata.RetryPolicy{Sleep: s.sleep}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	if err == nil || !strings.Contains(err.Error(), "does not speak https on that address") {
		t.Errorf("error = %v, want one saying the server does not speak https", err)
	}
	if len(s.waits()) != 0 {
		t.Error("a server that does not speak https was retried")
	}
}

// TestResponseHeaderTimeout has the transport give up waiting for the
// answer's headers. net/http's timeout matches context.DeadlineExceeded,
// but the caller's time has not run out: it is a slow portal, so the call
// is retried and says so.
func TestResponseHeaderTimeout(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s := &sleeps{}
	hc := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Millisecond}}
	c, err := socrata.NewClient(f.URL, newCreds(t), hc, socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 2, Sleep: s.sleep}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	var re *socrata.RetryError
	if !errors.As(err, &re) || re.Attempts != 2 {
		t.Fatalf("error = %v, want a RetryError after 2 attempts", err)
	}
	if !strings.Contains(err.Error(), "it did not answer in time") {
		t.Errorf("error %q does not say the portal did not answer in time", err)
	}
}
