package wizard

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
)

// newSecret is a fresh secret, which no sentence may contain.
func newSecret() string { return "s3cr3t-" + rand.Text() }

// explainEnv is what the cases of TestExplain share: an in-process portal
// with the samples, and the secrets every case must keep out of the text.
type explainEnv struct {
	t       *testing.T
	portal  *socratatest.Server
	secrets []string
}

// creds makes API key credentials with a fresh secret and app token, and
// remembers them as secrets.
func (e *explainEnv) creds() socrata.Credentials {
	c := socrata.Credentials{Kind: socrata.APIKey, ID: "key-" + newSecret()[7:15], Secret: newSecret(), AppToken: newSecret()}
	e.secrets = append(e.secrets, c.Secret, c.AppToken)
	return c
}

// demo is the sample publisher's API key.
func (e *explainEnv) demo() socrata.Credentials {
	d := e.portal.Portal.Demo()
	e.secrets = append(e.secrets, d.KeySecret, d.Password)
	return socrata.Credentials{Kind: socrata.APIKey, ID: d.KeyID, Secret: d.KeySecret}
}

// client is a client for domain whose retries do not wait; attempts is
// the most tries a retried call makes.
func (e *explainEnv) client(domain string, creds socrata.Credentials, hc *http.Client, attempts int, opts ...socrata.Option) *socrata.Client {
	e.t.Helper()
	noWait := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	all := append([]socrata.Option{socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: attempts, Sleep: noWait})}, opts...)
	c, err := socrata.NewClient(domain, creds, hc, all...)
	if err != nil {
		e.t.Fatalf("NewClient(%q): %v", domain, err)
	}
	return c
}

// onPortal is a client for the sample portal.
func (e *explainEnv) onPortal(creds socrata.Credentials, attempts int, opts ...socrata.Option) *socrata.Client {
	return e.client(e.portal.Host(), creds, e.portal.Client(), attempts, opts...)
}

// server starts an httptest server for one case.
func (e *explainEnv) server(h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	return srv
}

// answer is a handler that always gives the same answer.
func answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// hang answers nothing until the client gives up. It reads the body
// first, since only then does the server notice the client hanging up.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// cut reads the request, then closes the connection without answering.
func cut(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// failingDial is an HTTP client whose every connection fails with err
// before anything leaves the computer, for failures (such as DNS) that a
// loopback server cannot produce.
func failingDial(err error) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) { return nil, err },
	}}
}

const jsonCT = "application/json; charset=utf-8"

// goChain are pieces of Go error text that must never reach a person.
var goChain = []string{"socrata:", "dial tcp", "read tcp", "write tcp", "EOF", "x509:", "tls:", "json:",
	"context deadline", "context canceled", "net/http", `Get "`, `Post "`, `Put "`, "lookup ", "%!", "<nil>",
	"proxyconnect", "i/o timeout", "connect:", "errors.", "*socrata", "gave up after", "attempts)"}

// TestExplain provokes each failure the client reports, through real
// client calls against the sample portal and small httptest servers, and
// checks the sentence a person reads: specific to the case, a sentence,
// no Go error chain, no "socrata:" prefix and no secret.
func TestExplain(t *testing.T) {
	env := &explainEnv{t: t, portal: socratatest.NewServer(socratatest.WithSamples())}
	t.Cleanup(env.portal.Close)
	p := env.portal.Portal
	ctx := context.Background()

	tests := []struct {
		name string
		run  func(e *explainEnv) error
		// want are pieces of the sentence, in order.
		want []string
		// exact, when set, is the whole sentence.
		exact string
		// not are words that would mislead in this case.
		not []string
	}{
		// Answers from the portal.
		{
			name: "wrong secret",
			run: func(e *explainEnv) error {
				c := e.demo()
				c.Secret = newSecret()
				e.secrets = append(e.secrets, c.Secret)
				_, err := e.onPortal(c, 1).CurrentUser(ctx)
				return err
			},
			exact: "The portal did not accept your credentials. Check the key id and secret (or username and password), or create a new API key.",
		},
		{
			name: "403 asking to sign in",
			run: func(e *explainEnv) error {
				srv := e.server(answer(403, jsonCT, `{"code":"authentication_required","error":true,"message":"You must be logged in"}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).CurrentUser(ctx)
				return err
			},
			want: []string{"The portal did not accept your credentials."},
		},
		{
			name: "viewer writes",
			run: func(e *explainEnv) error {
				v, _ := p.User(socratatest.ViewerID)
				e.secrets = append(e.secrets, v.KeySecret, v.Password)
				_, err := e.onPortal(socrata.Credentials{ID: v.KeyID, Secret: v.KeySecret}, 1).
					Upsert(ctx, socratatest.ParkVisitsID, []byte(`[{"record_id":"x"}]`), socrata.JSON)
				return err
			},
			want: []string{"The portal refused: You do not have permission to change dataset park-vis1"},
			not:  []string{"with edit rights"}, // the portal's words already say whom to ask
		},
		{
			name: "403 in a few words",
			run: func(e *explainEnv) error {
				srv := e.server(answer(403, jsonCT, `{"code":"permission_denied","error":true,"message":"Forbidden"}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).Upsert(ctx, "abcd-1234", []byte(`[]`), socrata.JSON)
				return err
			},
			exact: "The portal refused: Forbidden. If you should be able to do this, ask the dataset's owner to share it with you with edit rights.",
		},
		{
			name: "403 without a word",
			run: func(e *explainEnv) error {
				srv := e.server(answer(403, "", ""))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).Upsert(ctx, "abcd-1234", []byte(`[]`), socrata.JSON)
				return err
			},
			exact: "You are signed in, but the portal does not let this account do that. Ask the dataset's owner to share it with you with edit rights.",
		},
		{
			name: "synced copy",
			run: func(e *explainEnv) error {
				_, err := e.onPortal(e.demo(), 1).Upsert(ctx, socratatest.SyncedCopyID, []byte(`[{"record_id":"x"}]`), socrata.JSON)
				return err
			},
			want: []string{"This dataset is a synced copy", "Update the original dataset instead"},
		},
		{
			name: "no such dataset",
			run: func(e *explainEnv) error {
				_, err := e.onPortal(e.demo(), 1).Dataset(ctx, "zzzz-9999")
				return err
			},
			exact: "The portal has no such dataset, or it is private and not shared with you. Check the id.",
		},
		{
			name: "unknown column",
			run: func(e *explainEnv) error {
				_, err := e.onPortal(e.demo(), 1).Upsert(ctx, socratatest.ParkVisitsID, []byte(`[{"no_such_field":"x"}]`), socrata.JSON)
				return err
			},
			want: []string{"The portal refused the request: ", "no_such_field"},
		},
		{
			name: "portal echoes the secret",
			run: func(e *explainEnv) error {
				srv := e.server(func(w http.ResponseWriter, r *http.Request) {
					_, secret, _ := r.BasicAuth()
					answer(400, jsonCT, `{"code":"bad","message":"Bad header `+r.Header.Get("Authorization")+` and `+secret+`"}`)(w, r)
				})
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).CurrentUser(ctx)
				return err
			},
			want: []string{"The portal refused the request: Bad header Basic [hidden] and [hidden]."},
		},
		{
			name: "error in a 200 write answer",
			run: func(e *explainEnv) error {
				srv := e.server(answer(200, jsonCT, `{"error": true, "message": "Row data was not saved"}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).Upsert(ctx, "abcd-1234", []byte(`[]`), socrata.JSON)
				return err
			},
			exact: "The portal refused the request: Row data was not saved.",
		},
		{
			name: "rate limited until it gave up",
			run: func(e *explainEnv) error {
				p.FailNext(2, socratatest.Matching("GET", "/api/users/"), socratatest.RateLimited(1))
				_, err := e.onPortal(e.demo(), 2).CurrentUser(ctx)
				return err
			},
			exact: "The portal is limiting requests. Tried 2 times. Wait a minute and try again; an app token raises the limit.",
		},
		{
			name: "unavailable until it gave up",
			run: func(e *explainEnv) error {
				p.FailNext(3, socratatest.Matching("GET", "/api/users/"), socratatest.Unavailable())
				_, err := e.onPortal(e.demo(), 3).CurrentUser(ctx)
				return err
			},
			want: []string{"The portal had a problem (503 Service Unavailable): The service is temporarily unavailable",
				"Tried 3 times. Try again in a few minutes. If it keeps happening, tell the portal's administrators and quote request id "},
		},
		{
			name: "gateway's web page",
			run: func(e *explainEnv) error {
				p.FailNext(1, socratatest.Matching("GET", "/api/users/"), socratatest.ProxyTimeout())
				_, err := e.onPortal(e.demo(), 1).CurrentUser(ctx)
				return err
			},
			want: []string{"The portal had a problem (504 Gateway Timeout). Try again in a few minutes."},
			not:  []string{"web page", "Socrata portal"},
		},
		{
			name: "proxy asks for a login",
			run: func(e *explainEnv) error {
				srv := e.server(answer(407, "text/html", "<title>Proxy Authentication Required</title>"))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).CurrentUser(ctx)
				return err
			},
			want: []string{"The proxy server between you and the portal asks for its own login (407 Proxy Authentication Required).", "HTTPS_PROXY"},
		},

		// Answers that did not come from Socrata's API.
		{
			name: "sign-in page with 200",
			run: func(e *explainEnv) error {
				srv := e.server(answer(200, "text/html", "<html><title>Sign In | Agency</title></html>"))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).CurrentUser(ctx)
				return err
			},
			exact: `The server answered with a web page ("Sign In | Agency"), not Socrata's API; check that the portal address is right and that it is a Socrata portal.`,
		},
		{
			name: "JSON without a user id",
			run: func(e *explainEnv) error {
				srv := e.server(answer(200, jsonCT, `{"displayName": "Somebody"}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).CurrentUser(ctx)
				return err
			},
			exact: "The server's answer was not what a Socrata portal sends. Check that the portal address is right (such as data.ct.gov) and that it is a Socrata open data portal.",
		},
		{
			name: "web site without the API",
			run: func(e *explainEnv) error {
				srv := e.server(answer(404, "text/html", "<title>Page not found</title>"))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 1).Dataset(ctx, "abcd-1234")
				return err
			},
			exact: "The server answered with a web page (404 Not Found) instead of Socrata's API. Check that the domain is a Socrata open data portal, such as data.ct.gov.",
		},

		// Writes whose outcome is unknown.
		{
			name: "replace whose reply was lost",
			run: func(e *explainEnv) error {
				p.FailNext(1, socratatest.Matching("PUT", "/resource/"), socratatest.LoseReply())
				_, err := e.onPortal(e.demo(), 3).Replace(ctx, socratatest.SaltDeliveriesID, strings.NewReader("[]"), socrata.JSON)
				return err
			},
			exact: "The replace of salt-dlv1 may or may not have been applied: the connection was cut off after the request was sent. " +
				"Check the dataset at " + env.portal.URL + "/d/salt-dlv1 before you try again.",
		},
		{
			name: "replace accepted but not finished",
			run: func(e *explainEnv) error {
				srv := e.server(answer(202, jsonCT, `{}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 3).Replace(ctx, "abcd-1234", strings.NewReader("[]"), socrata.JSON)
				return err
			},
			want: []string{"The replace of abcd-1234 may or may not have been applied: the portal accepted it (202 Accepted) but had not finished it when it answered.",
				"/d/abcd-1234 in a few minutes before you send it again."},
		},
		{
			name: "append behind a busy gateway",
			run: func(e *explainEnv) error {
				p.FailNext(1, socratatest.Matching("POST", "/resource/"), socratatest.Unavailable())
				_, err := e.onPortal(e.demo(), 3).Append(ctx, socratatest.SaltDeliveriesID, []byte(`[]`), socrata.JSON)
				return err
			},
			want: []string{"The append to salt-dlv1 may or may not have been applied: a gateway in front of the portal answered 503 Service Unavailable",
				"before you send the rows again, or they may be added twice."},
		},
		{
			name: "replace cancelled once sent",
			run: func(e *explainEnv) error {
				started := make(chan struct{})
				srv := e.server(func(w http.ResponseWriter, r *http.Request) {
					close(started)
					hang(w, r)
				})
				cctx, cancel := context.WithCancel(ctx)
				go func() { <-started; cancel() }()
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 3).Replace(cctx, "abcd-1234", strings.NewReader("[]"), socrata.JSON)
				return err
			},
			want: []string{"The replace of abcd-1234 may or may not have been applied: it was cancelled after the request was sent.",
				"before you try again."},
			not: []string{"Stopped"},
		},
		{
			name: "upsert accepted but not finished",
			run: func(e *explainEnv) error {
				srv := e.server(answer(202, jsonCT, `{}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 3).Upsert(ctx, "abcd-1234", []byte(`[]`), socrata.JSON)
				return err
			},
			exact: "The portal accepted the rows for abcd-1234 but had not finished writing them when it answered; they will most likely appear shortly, and sending them again is safe.",
		},
		{
			name: "answer still being prepared",
			run: func(e *explainEnv) error {
				srv := e.server(answer(202, jsonCT, `{"ticket": "t1"}`))
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 2).Rows(ctx, "abcd-1234", socrata.RowsQuery{})
				return err
			},
			exact: "The portal is still preparing the answer; try again in a minute. Tried 2 times.",
		},

		// The client's own checks.
		{
			name: "catalog window",
			run: func(e *explainEnv) error {
				_, err := e.onPortal(e.demo(), 1).Search(ctx, socrata.CatalogQuery{Offset: 9990, Limit: 100})
				return err
			},
			exact: "The portal's catalog lists only the first 10,000 results, and this page is past them. Narrow the search with more words or a filter.",
		},
		{
			name: "not a dataset id",
			run: func(e *explainEnv) error {
				_, err := e.onPortal(e.demo(), 1).Dataset(ctx, "permits")
				return err
			},
			exact: `"permits" is not a dataset id: ids look like abcd-1234.`,
		},
		{
			name: "plain http to a real host",
			run: func(e *explainEnv) error {
				_, err := socrata.NewClient("http://data.example.org", e.creds(), nil)
				return err
			},
			exact: "Plain http is not allowed for data.example.org because it would send your credentials unencrypted; use https://data.example.org.",
		},
		{
			name: "address with spaces",
			run: func(e *explainEnv) error {
				_, err := socrata.ParseDomain("data ct gov")
				return err
			},
			exact: `"data ct gov" has spaces in it; a portal address looks like data.ct.gov.`,
		},
		{
			name: "redirect to plain http",
			run: func(e *explainEnv) error {
				srv := e.server(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "http://data.example.org/api/users/current.json", http.StatusFound)
				})
				_, err := e.client(srv.URL, e.creds(), nil, 3).CurrentUser(ctx)
				return err
			},
			want: []string{"The portal sent the request on to a plain http address, which would have sent your credentials unencrypted",
				"Check the portal address"},
			not: []string{"Tried"},
		},

		// Stopping and running out of time.
		{
			name: "cancelled",
			run: func(e *explainEnv) error {
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				_, err := e.onPortal(e.demo(), 3).CurrentUser(cctx)
				return err
			},
			exact: "Stopped.",
		},
		{
			name: "cancelled while waiting to try again",
			run: func(e *explainEnv) error {
				p.FailNext(1, socratatest.Matching("GET", "/api/users/"), socratatest.Unavailable())
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				_, err := e.onPortal(e.demo(), 3, socrata.WithOnRetry(func(socrata.RetryEvent) { cancel() })).CurrentUser(cctx)
				return err
			},
			exact: "Stopped.",
		},
		{
			name: "time ran out",
			run: func(e *explainEnv) error {
				srv := e.server(hang)
				tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 3).CurrentUser(tctx)
				return err
			},
			exact: "The portal took too long to answer. Check your connection and try again; if it keeps happening the portal may be busy.",
		},
		{
			name: "time ran out while waiting to try again",
			run: func(e *explainEnv) error {
				p.FailNext(1, socratatest.Matching("GET", "/api/users/"), socratatest.Unavailable())
				tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
				waitForEnd := func(ctx context.Context, d time.Duration) error { <-ctx.Done(); return ctx.Err() }
				c, err := socrata.NewClient(e.portal.Host(), e.demo(), e.portal.Client(),
					socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 3, Sleep: waitForEnd}))
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.CurrentUser(tctx)
				return err
			},
			want: []string{"The time allowed ran out while waiting to try again. The portal had a problem (503 Service Unavailable)",
				"Try again in a few minutes."},
			not: []string{"took too long", "Tried"},
		},
		{
			name: "no answer in time, twice",
			run: func(e *explainEnv) error {
				srv := e.server(hang)
				hc := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Millisecond}}
				_, err := e.client(srv.URL, e.creds(), hc, 2).CurrentUser(ctx)
				return err
			},
			exact: "The portal took too long to answer. Tried 2 times. Check your connection and try again; if it keeps happening the portal may be busy.",
		},

		// Network failures.
		{
			name: "nothing listening",
			run: func(e *explainEnv) error {
				addr := closedAddr(t)
				_, err := e.client("http://"+addr, e.creds(), nil, 2).CurrentUser(ctx)
				return err
			},
			want: []string{"Could not connect to 127.0.0.1:", ": the connection was refused. Tried 2 times. The portal may be down, or the address or port may be wrong."},
		},
		{
			name: "connection cut",
			run: func(e *explainEnv) error {
				srv := e.server(cut)
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 2).CurrentUser(ctx)
				return err
			},
			want: []string{"The connection to 127.0.0.1:", " was cut off. Tried 2 times. Try again; if it keeps happening, a proxy or firewall may be cutting the connection."},
		},
		{
			name: "answer cut short",
			run: func(e *explainEnv) error {
				srv := e.server(func(w http.ResponseWriter, r *http.Request) {
					conn, buf, err := w.(http.Hijacker).Hijack()
					if err != nil {
						return
					}
					buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\": \"ab")
					buf.Flush()
					conn.Close()
				})
				_, err := e.client(srv.URL, e.creds(), srv.Client(), 2).CurrentUser(ctx)
				return err
			},
			exact: "The connection to the portal was cut off. Try again; if it keeps happening, a proxy or firewall may be cutting the connection.",
		},
		{
			name: "no such name",
			run: func(e *explainEnv) error {
				hc := failingDial(&net.DNSError{Err: "no such host", Name: "data.example.org", IsNotFound: true})
				_, err := e.client("data.example.org", e.creds(), hc, 3).CurrentUser(ctx)
				return err
			},
			exact: "No portal is known by that name (data.example.org). Check the spelling of the domain, such as data.ct.gov.",
		},
		{
			name: "name server not answering",
			run: func(e *explainEnv) error {
				hc := failingDial(&net.DNSError{Err: "server misbehaving", Name: "data.example.org", IsTemporary: true})
				_, err := e.client("data.example.org", e.creds(), hc, 2).CurrentUser(ctx)
				return err
			},
			exact: "The name data.example.org could not be looked up: the name server did not answer. Tried 2 times. Check that this computer is online, and the VPN or proxy your network may need.",
		},
		{
			name: "proxy not there",
			run: func(e *explainEnv) error {
				proxy, _ := url.Parse("http://" + closedAddr(t))
				hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
				_, err := e.client(env.portal.URL, e.creds(), hc, 1).CurrentUser(ctx)
				return err
			},
			exact: "Could not connect to the proxy server set in HTTPS_PROXY. Check the proxy address in HTTPS_PROXY, or unset it if this network needs no proxy.",
		},
		{
			name: "untrusted certificate",
			run: func(e *explainEnv) error {
				srv := httptest.NewUnstartedServer(answer(200, jsonCT, `{"id":"ab12-cd34"}`))
				srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
				srv.StartTLS()
				t.Cleanup(srv.Close)
				_, err := e.client(srv.URL, e.creds(), nil, 3).CurrentUser(ctx)
				return err
			},
			exact: "The portal's security certificate could not be verified. If you are on a work network, a proxy may be intercepting HTTPS: ask your IT team, or try another network.",
		},
		{
			name: "certificate for another name",
			run: func(e *explainEnv) error {
				srv := httptest.NewUnstartedServer(answer(200, jsonCT, `{"id":"ab12-cd34"}`))
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.StartTLS()
				t.Cleanup(srv.Close)
				// The test certificate is for 127.0.0.1 and example.com,
				// not for localhost.
				_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
				_, err := e.client("https://localhost:"+port, e.creds(), srv.Client(), 3).CurrentUser(ctx)
				return err
			},
			want: []string{"The portal's security certificate could not be verified."},
		},
		{
			name: "https to a plain http server",
			run: func(e *explainEnv) error {
				srv := e.server(answer(200, jsonCT, `{"id":"ab12-cd34"}`))
				_, err := e.client(strings.Replace(srv.URL, "http://", "https://", 1), e.creds(), nil, 3).CurrentUser(ctx)
				return err
			},
			want: []string{"The server at 127.0.0.1:", " did not answer with HTTPS. Check the domain and port; a test portal on this computer is reached with http://."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.t, env.secrets = t, nil
			err := tt.run(env)
			if err == nil {
				t.Fatal("the call succeeded")
			}
			checkExplained(t, err, tt.want, tt.exact, tt.not, env.secrets)
		})
	}
}

// checkExplained checks what Explain says of err: exact, when set, is
// the whole sentence; want are pieces of it, in order; not are words that
// would mislead. Whatever the case, it is a sentence with no Go error
// chain, no secret, and not the hint that a screen shows under it.
func checkExplained(t *testing.T, err error, want []string, exact string, not, secrets []string) {
	t.Helper()
	got := Explain(err)
	if exact != "" && got != exact {
		t.Errorf("Explain =\n  %q\nwant\n  %q\n(error: %v)", got, exact, err)
	}
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("Explain = %q\ndoes not say %q (in order)\n(error: %v)", got, w, err)
			break
		}
		rest = rest[i+len(w):]
	}
	for _, w := range not {
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
	if h := Hint(err); h != "" && strings.Contains(got, h) {
		t.Errorf("Explain = %q repeats the hint, which is shown under it", got)
	}
}

// TestExplainWording checks the wording rules on errors that need no
// server: nil, the capital letter and full stop, and domains left as typed.
func TestExplainWording(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("socrata: the portal did not say what chunk size to upload in"), "The portal did not say what chunk size to upload in."},
		{errors.New("data.ct.gov answered oddly."), "data.ct.gov answered oddly."},
		{errors.New("record_id is empty on line 3"), "record_id is empty on line 3."},
		{errors.New("refused: no"), "Refused: no."},
		{errors.New("is this right?"), "Is this right?"},
	}
	for _, tt := range tests {
		if got := Explain(tt.err); got != tt.want {
			t.Errorf("Explain(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
