package account

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/netfail"
)

// fetcherFunc adapts a function to UserFetcher.
type fetcherFunc func(ctx context.Context) (*socrata.User, error)

func (f fetcherFunc) CurrentUser(ctx context.Context) (*socrata.User, error) { return f(ctx) }

// failWith is a fetcher that fails as the client would, wrapping err the
// way net/http does (*url.Error) and the client may (fmt.Errorf with %w).
func failWith(err error) UserFetcher {
	return fetcherFunc(func(context.Context) (*socrata.User, error) {
		return nil, fmt.Errorf("socrata: current user: %w",
			&url.Error{Op: "Get", URL: "https://data.ct.gov/api/users/current.json", Err: err})
	})
}

// apiFail is a fetcher that returns the portal's error unwrapped, as the
// client does for HTTP answers.
func apiFail(e *socrata.APIError) UserFetcher {
	return fetcherFunc(func(context.Context) (*socrata.User, error) { return nil, e })
}

func userIs(u *socrata.User) UserFetcher {
	return fetcherFunc(func(context.Context) (*socrata.User, error) { return u, nil })
}

// timeoutError is a net.Error that timed out, like net/http's client
// timeout error.
type timeoutError struct{}

func (timeoutError) Error() string {
	return "net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
}
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// TestVerifyCauses takes each raw error the client will return, from an
// HTTP status or the network, to the cause and the words a person reads.
func TestVerifyCauses(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: errno}}
	}
	tests := []struct {
		name    string
		f       UserFetcher
		cause   Cause
		message string // in Error()
		hint    string // in Hint()
	}{
		{"401", apiFail(&socrata.APIError{Status: 401, Code: "authentication_required", Message: "Invalid username or password"}),
			CauseBadCredentials, "data.ct.gov did not accept these credentials (401 Unauthorized)", "developer_settings"},
		{"403 authentication required", apiFail(&socrata.APIError{Status: 403, Code: "authentication_required"}),
			CauseBadCredentials, "did not accept these credentials", "single sign-on"},
		{"403", apiFail(&socrata.APIError{Status: 403, Message: "forbidden"}),
			CauseForbidden, "refused this account (403 Forbidden)", "disabled"},
		{"404", apiFail(&socrata.APIError{Status: 404}),
			CauseNotSocrata, "does not look like a Socrata portal", "such as data.ct.gov"},
		{"HTML 200", apiFail(&socrata.APIError{Status: 200, HTML: true, Message: "an HTML page"}),
			CauseNotSocrata, "answered with a web page", "not the agency's website"},
		{"HTML 401 from a sign-in page", apiFail(&socrata.APIError{Status: 401, HTML: true}),
			CauseNotSocrata, "answered with a web page", "network sign-in page"},
		{"not socrata sentinel", failWith(fmt.Errorf("decoding: %w", socrata.ErrNotSocrata)),
			CauseNotSocrata, "not Socrata's API", "data.ct.gov"},
		{"proxy auth", apiFail(&socrata.APIError{Status: 407, HTML: true}),
			CauseConnection, "proxy server", "HTTPS_PROXY"},
		{"429", apiFail(&socrata.APIError{Status: 429}),
			CauseRateLimited, "limiting requests (429 Too Many Requests)", "app token"},
		{"503", apiFail(&socrata.APIError{Status: 503, RequestID: "req-42"}),
			CausePortalError, "failed to answer (503 Service Unavailable)", "req-42"},
		{"502 page from a gateway", apiFail(&socrata.APIError{Status: 502, HTML: true, Message: "502 Bad Gateway"}),
			CausePortalError, "failed to answer (502 Bad Gateway)", "portal's side"},
		{"dns not found", failWith(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "data.ct.gox", IsNotFound: true}}),
			CauseDNS, "does not exist: no DNS record", "spelling"},
		{"dns server down", failWith(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "data.ct.gov", IsTemporary: true}}),
			CauseDNS, "DNS server did not answer", "VPN"},
		{"refused", failWith(dial(syscall.ECONNREFUSED)),
			CauseConnection, "refused the connection", "proxy"},
		{"unreachable", failWith(dial(syscall.ENETUNREACH)),
			CauseConnection, "network is unreachable", "online"},
		{"host unreachable", failWith(dial(syscall.EHOSTUNREACH)),
			CauseConnection, "network is unreachable", "VPN"},
		{"reset", failWith(&net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}),
			CauseConnection, "closed before the portal answered", "firewall"},
		{"proxyconnect", failWith(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}),
			CauseConnection, "proxy server set in HTTPS_PROXY", "HTTPS_PROXY"},
		// A proxy that cannot be reached in time is the proxy's problem,
		// as Explain says too, rather than the portal's slowness.
		{"proxyconnect timeout", failWith(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			CauseConnection, "proxy server set in HTTPS_PROXY", "HTTPS_PROXY"},
		{"unknown authority", failWith(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}),
			CauseTLS, "authority this computer does not trust", "corporate proxy"},
		{"hostname", failWith(&tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"proxy.example"}}, Host: "data.ct.gov"}}),
			CauseTLS, "for a different name", "guest network"},
		{"expired", failWith(&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}),
			CauseTLS, "expired", "date and time"},
		{"record header", failWith(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}),
			CauseTLS, "did not answer in HTTPS", "plain-HTTP"},
		{"tls alert", failWith(tls.AlertError(40)),
			CauseTLS, "secure (TLS) connection", "root certificate"},
		{"deadline", failWith(context.DeadlineExceeded),
			CauseTimeout, "did not answer in time", "Try again"},
		{"client timeout", failWith(timeoutError{}),
			CauseTimeout, "did not answer in time", "VPN"},
		{"dial timeout", failWith(&net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			CauseTimeout, "did not answer in time", "proxy"},
		{"insecure", failWith(socrata.ErrInsecure),
			CauseInsecure, "plain http", "without http://"},
		{"canceled", failWith(context.Canceled),
			CauseCanceled, "cancelled", ""},
		{"unknown", failWith(errors.New("something odd")),
			CauseUnknown, "could not sign in to data.ct.gov", "something odd"},
		{"no user", userIs(nil),
			CauseNotSocrata, "does not look like a Socrata portal", "data.ct.gov"},
		{"viewer", userIs(&socrata.User{DisplayName: "Jane Analyst", RoleName: "viewer", Rights: []string{"view_domain"}}),
			CauseNoPublishingRights, `signed in as Jane Analyst, but the role "viewer" on data.ct.gov cannot publish (rights: view_domain)`, "Publisher role"},
		{"no role", userIs(&socrata.User{ScreenName: "jane"}),
			CauseNoPublishingRights, "jane has no role on data.ct.gov", "administrator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(context.Background(), tt.f, "data.ct.gov")
			var se *SignInError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *SignInError", err, err)
			}
			if se.Cause != tt.cause {
				t.Errorf("cause = %d, want %d (message %q)", se.Cause, tt.cause, se.Error())
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("message %q does not say %q", err.Error(), tt.message)
			}
			if !strings.Contains(wizard.Hint(err), tt.hint) {
				t.Errorf("hint %q does not say %q", wizard.Hint(err), tt.hint)
			}
			if tt.cause != CauseUnknown && tt.cause != CauseNoPublishingRights && tt.cause != CauseCanceled &&
				strings.Contains(err.Error()+wizard.Hint(err), "socrata:") {
				t.Errorf("the raw error chain reaches the person: %q / %q", err.Error(), wizard.Hint(err))
			}
		})
	}
}

func TestVerifyNoRightsKeepsUser(t *testing.T) {
	viewer := &socrata.User{ID: "ab12-cd34", DisplayName: "Jane", RoleName: "viewer"}
	u, err := Verify(context.Background(), userIs(viewer), "data.ct.gov")
	var se *SignInError
	if !errors.As(err, &se) || se.Cause != CauseNoPublishingRights {
		t.Fatalf("err = %v", err)
	}
	if u != viewer || se.User != viewer {
		t.Error("the user is not returned with a no-rights error")
	}
}

func TestCanPublish(t *testing.T) {
	tests := []struct {
		u    socrata.User
		want bool
	}{
		{socrata.User{RoleName: "publisher"}, true},
		{socrata.User{RoleName: "Administrator"}, true},
		{socrata.User{RoleName: "viewer"}, false},
		{socrata.User{}, false},
		{socrata.User{RoleName: "agency_data_officer", Rights: []string{"view_domain", "create_datasets"}}, true},
		{socrata.User{RoleName: "viewer", Rights: []string{"view_domain", "view_others_datasets"}}, false},
	}
	for _, tt := range tests {
		if got := canPublish(&tt.u); got != tt.want {
			t.Errorf("CanPublish(%+v) = %v, want %v", tt.u, got, tt.want)
		}
	}
}

func TestVerifySuccess(t *testing.T) {
	pub := &socrata.User{ID: "ab12-cd34", DisplayName: "Jane Analyst", RoleName: "publisher", Rights: []string{"create_datasets"}}
	u, err := Verify(context.Background(), userIs(pub), "data.ct.gov")
	if err != nil || u != pub {
		t.Fatalf("Verify = %v, %v", u, err)
	}
	if got, want := SignedInLine(u, "data.ct.gov"), "Signed in as Jane Analyst (publisher) on data.ct.gov"; got != want {
		t.Errorf("SignedInLine = %q, want %q", got, want)
	}
	if got := SignedInLine(&socrata.User{Email: "j@ct.gov"}, "data.ct.gov"); got != "Signed in as j@ct.gov (no role on this domain) on data.ct.gov" {
		t.Errorf("SignedInLine without name or role = %q", got)
	}
}

func TestAccountTexts(t *testing.T) {
	if got := DeveloperSettingsURL("data.ct.gov"); got != "https://data.ct.gov/profile/edit/developer_settings" {
		t.Errorf("DeveloperSettingsURL = %q", got)
	}
	if got := DeveloperSettingsURL("http://127.0.0.1:8080"); got != "http://127.0.0.1:8080/profile/edit/developer_settings" {
		t.Errorf("DeveloperSettingsURL for a loopback portal = %q", got)
	}
	for name, text := range map[string]string{
		"api key":   APIKeyHelp("data.ct.gov"),
		"app token": AppTokenHelp("data.ct.gov"),
	} {
		if !strings.Contains(text, "https://data.ct.gov/profile/edit/developer_settings") {
			t.Errorf("%s help does not say where to create it: %q", name, text)
		}
	}
	if !strings.Contains(APIKeyHelp("data.ct.gov"), "single sign-on") {
		t.Error("API key help does not say it is the only way in for SSO users")
	}
	if !strings.Contains(PasswordHelp("data.ct.gov"), "single sign-on") {
		t.Error("password help does not warn SSO users")
	}
	if h := AppTokenHelp("data.ct.gov"); !strings.Contains(h, "throttling") || !strings.Contains(h, "not a dataset id") {
		t.Errorf("app token help does not clear up the handbook's mix-up: %q", h)
	}
}

// httpFetcher asks a real loopback server for the current user with a
// plain net/http client, so that the errors Verify explains are the ones
// Go's network stack really produces, not hand-built copies.
type httpFetcher struct {
	client *http.Client
	url    string
}

func (h httpFetcher) CurrentUser(ctx context.Context) (*socrata.User, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/api/users/current.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return &socrata.User{DisplayName: "Jane", RoleName: "publisher"}, nil
}

// TestVerifyRealNetworkErrors provokes TLS, connection and timeout
// failures on loopback and checks the cause Verify gives each.
func TestVerifyRealNetworkErrors(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point here
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plainSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plainSrv.Close()
	hang := make(chan struct{})
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer slowSrv.Close()
	defer close(hang)

	// A port that was just open and is now closed refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String()
	ln.Close()

	// A client that trusts the test server's certificate but asks for
	// another name sees a hostname mismatch.
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	wrongName := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "data.ct.gov"}}}

	tests := []struct {
		name    string
		f       UserFetcher
		timeout time.Duration
		cause   Cause
	}{
		{"untrusted certificate", httpFetcher{&http.Client{}, tlsSrv.URL}, 0, CauseTLS},
		{"wrong certificate name", httpFetcher{wrongName, tlsSrv.URL}, 0, CauseTLS},
		{"https to a plain server", httpFetcher{&http.Client{}, strings.Replace(plainSrv.URL, "http:", "https:", 1)}, 0, CauseTLS},
		{"connection refused", httpFetcher{&http.Client{}, closedURL}, 0, CauseConnection},
		{"timeout", httpFetcher{&http.Client{}, slowSrv.URL}, 50 * time.Millisecond, CauseTimeout},
		{"client timeout", httpFetcher{&http.Client{Timeout: 50 * time.Millisecond}, slowSrv.URL}, 0, CauseTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err := Verify(ctx, tt.f, "data.ct.gov")
			var se *SignInError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SignInError", err)
			}
			if se.Cause != tt.cause {
				t.Errorf("cause = %d (%q), want %d; raw error: %v", se.Cause, se.Error(), tt.cause, errors.Unwrap(se))
			}
		})
	}
}

// TestClassifyNet checks the kind of each network failure, wrapped as
// net/http and the client wrap them, and which kind wins when an error is
// more than one. Every kind must be worded both by Explain and by a
// sign-in's message: neither may fall back to the raw error.
func TestClassifyNet(t *testing.T) {
	dial := func(op string, err error) error {
		return &net.OpError{Op: op, Net: "tcp", Err: err}
	}
	sys := func(errno syscall.Errno) error { return &os.SyscallError{Syscall: "connect", Err: errno} }
	tests := []struct {
		name string
		err  error
		want netfail.Kind
	}{
		{"untrusted", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, netfail.Untrusted},
		{"other name", &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "data.ct.gov"}}, netfail.CertName},
		{"expired", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}, netfail.CertExpired},
		{"not TLS", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, netfail.NotTLS},
		{"HTTP answer to HTTPS", errors.New("http: server gave HTTP response to HTTPS client"), netfail.NotTLS},
		{"certificate otherwise invalid", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}}, netfail.CertInvalid},
		{"alert", dial("remote error", tls.AlertError(40)), netfail.TLS},
		{"no such host", dial("dial", &net.DNSError{Err: "no such host", Name: "data.ct.gox", IsNotFound: true}), netfail.NoSuchHost},
		{"name server down", dial("dial", &net.DNSError{Err: "server misbehaving", Name: "data.ct.gov", IsTemporary: true}), netfail.DNS},
		{"proxy refuses", dial("proxyconnect", sys(syscall.ECONNREFUSED)), netfail.Proxy},
		{"refused", dial("dial", sys(syscall.ECONNREFUSED)), netfail.Refused},
		{"deadline", context.DeadlineExceeded, netfail.Timeout},
		{"dial timeout", dial("dial", os.ErrDeadlineExceeded), netfail.Timeout},
		{"client timeout", timeoutError{}, netfail.Timeout},
		{"unreachable", dial("dial", sys(syscall.ENETUNREACH)), netfail.Unreachable},
		{"host unreachable", dial("dial", sys(syscall.EHOSTUNREACH)), netfail.Unreachable},
		{"reset", dial("read", sys(syscall.ECONNRESET)), netfail.CutOff},
		{"EOF", io.EOF, netfail.CutOff},
		{"answer cut short", io.ErrUnexpectedEOF, netfail.CutOff},
		{"other dial failure", dial("dial", errors.New("socket: too many open files")), netfail.Other},

		// An error that is more than one kind: the more specific wins.
		{"proxy that times out", dial("proxyconnect", os.ErrDeadlineExceeded), netfail.Proxy},
		{"proxy with an untrusted certificate", dial("proxyconnect", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), netfail.Untrusted},
		{"name lookup that times out", dial("dial", &net.DNSError{Err: "i/o timeout", Name: "data.ct.gov", IsTimeout: true}), netfail.DNS},
		{"handshake cut off", fmt.Errorf("tls: handshake: %w", io.EOF), netfail.TLS},

		// Not network failures.
		{"portal answer", &socrata.APIError{Status: 500}, netfail.None},
		{"cancelled", context.Canceled, netfail.None},
		{"not a portal", socrata.ErrNotSocrata, netfail.None},
		{"odd", errors.New("something odd"), netfail.None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As net/http and the client hand it over.
			err := fmt.Errorf("socrata: current user: %w", &url.Error{Op: "Get", URL: "https://data.ct.gov/api/users/current.json", Err: tt.err})
			if got := netfail.Classify(err); got != tt.want {
				t.Fatalf("netfail.Classify = %d, want %d", got, tt.want)
			}
			if tt.want == netfail.None {
				return
			}
			if se := explainSignIn("data.ct.gov", err); se.Cause == CauseUnknown || strings.Contains(se.Error()+se.Hint(), "socrata:") {
				t.Errorf("the sign-in does not word this kind: %q / %q", se.Error(), se.Hint())
			}
			if got := wizard.Explain(err); strings.Contains(got, "socrata:") || strings.Contains(got, tt.err.Error()) {
				t.Errorf("Explain does not word this kind: %q", got)
			}
		})
	}
}
