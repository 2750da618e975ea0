package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/netfail"
)

// UserFetcher asks a portal who a set of credentials signs in as. The
// portal client (*socrata.Client) satisfies it; tests use fakes that fail
// the way real networks and portals do.
type UserFetcher interface {
	CurrentUser(ctx context.Context) (*socrata.User, error)
}

// Cause is why a sign-in failed, one per thing a person must do
// differently.
type Cause int

// The causes a [SignInError] can have.
const (
	// CauseUnknown is a failure none of the causes below explains.
	CauseUnknown Cause = iota
	// CauseBadCredentials: the portal did not accept the key or password
	// (401).
	CauseBadCredentials
	// CauseForbidden: the portal refused the account (403), for example a
	// disabled account.
	CauseForbidden
	// CauseNoPublishingRights: signed in, but the account's role on the
	// domain cannot publish.
	CauseNoPublishingRights
	// CauseNotSocrata: the domain answered, but not as a Socrata portal
	// (404, or an HTML page).
	CauseNotSocrata
	// CauseDNS: the domain's name could not be looked up.
	CauseDNS
	// CauseConnection: no connection could be made, or it broke (refused,
	// unreachable, reset, a proxy that failed).
	CauseConnection
	// CauseTLS: the secure connection failed, usually over a certificate.
	CauseTLS
	// CauseTimeout: the portal did not answer in time.
	CauseTimeout
	// CauseInsecure: plain http to a host that is not loopback.
	CauseInsecure
	// CauseRateLimited: the portal is throttling requests (429).
	CauseRateLimited
	// CausePortalError: the portal failed on its side (5xx).
	CausePortalError
	// CauseCanceled: the person cancelled the sign-in.
	CauseCanceled
)

// SignInError is a failed sign-in explained for a person: Error is what
// went wrong, in one line that names the domain, and Hint is what to do.
// Neither ever holds the secret or the raw Go error chain; the underlying
// error stays reachable through Unwrap for logs and errors.Is.
type SignInError struct {
	// Cause is why the sign-in failed. Callers branch on it: after
	// CauseNoPublishingRights the account can still update datasets
	// shared with it, so the wizard and login go on with a warning.
	Cause Cause
	// Domain is the portal the sign-in was for, as given to Verify.
	Domain string
	// User is who the credentials signed in as, when they did
	// (CauseNoPublishingRights).
	User *socrata.User
	msg  string
	hint string
	err  error
}

// Error says what went wrong.
func (e *SignInError) Error() string { return e.msg }

// Hint says what to do about it.
func (e *SignInError) Hint() string { return e.hint }

// Unwrap returns the error the client reported, if any.
func (e *SignInError) Unwrap() error { return e.err }

// set fills in the cause and the words, and returns e, so that each case
// of explainSignIn and explainAPIError is one return statement.
func (e *SignInError) set(c Cause, msg, hint string) *SignInError {
	e.Cause, e.msg, e.hint = c, msg, hint
	return e
}

// Verify signs in to domain through f (GET /api/users/current.json) and
// checks that the account can publish. On success it returns the user. On
// failure it returns a *SignInError whose Cause says why; for
// CauseNoPublishingRights the user is returned too (and set on the error),
// because the sign-in itself worked and a dataset's owner may still have
// shared a dataset with this account.
func Verify(ctx context.Context, f UserFetcher, domain string) (*socrata.User, error) {
	u, err := f.CurrentUser(ctx)
	if err != nil {
		return nil, explainSignIn(domain, err)
	}
	if u == nil {
		return nil, &SignInError{Cause: CauseNotSocrata, Domain: domain,
			msg:  domain + " answered without saying who is signed in, so it does not look like a Socrata portal",
			hint: notSocrataHint(domain)}
	}
	if !canPublish(u) {
		return u, noRightsError(domain, u)
	}
	return u, nil
}

// publishingRoles are the domain roles that can create or update datasets.
// Custom roles appear under their own names; for those the rights decide.
var publishingRoles = []string{"administrator", "publisher", "editor", "publisher_stories"}

// publishingRights are domain rights any of which lets an account write to
// datasets.
var publishingRights = []string{"create_datasets", "edit_others_datasets", "edit_datasets", "publish_datasets"}

// canPublish reports whether the account's domain role or rights let it
// create or update datasets. It errs on the side of yes: a custom role
// with any writing right counts, so that the wizard never turns away
// someone the portal would let in.
func canPublish(u *socrata.User) bool {
	return slices.Contains(publishingRoles, strings.ToLower(u.RoleName)) ||
		slices.ContainsFunc(publishingRights, u.HasRight)
}

// UserName is the name to show for u: the display name, else the screen
// name, email or id.
func UserName(u *socrata.User) string {
	for _, s := range []string{u.DisplayName, u.ScreenName, u.Email, u.ID} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "an unnamed account"
}

// roleLabel is the role for messages.
func roleLabel(u *socrata.User) string {
	if u.RoleName == "" {
		return "no role on this domain"
	}
	return u.RoleName
}

// SignedInLine is the line shown after a successful sign-in:
// "Signed in as <name> (<role>) on <domain>".
func SignedInLine(u *socrata.User, domain string) string {
	return fmt.Sprintf("Signed in as %s (%s) on %s", UserName(u), roleLabel(u), domain)
}

// DeveloperSettingsURL is the page where a person creates API keys and app
// tokens on domain.
func DeveloperSettingsURL(domain string) string {
	return PortalURL(domain) + "/profile/edit/developer_settings"
}

// PortalURL is the portal's root URL without a trailing slash. The
// domains here are strings, canonical or as a person typed them, so the
// slash a typed address may end with is dropped before a path is added.
func PortalURL(domain string) string {
	return strings.TrimSuffix(socrata.Domain(domain).BaseURL(), "/")
}

// APIKeyHelp is the account screen's text for the API key choice.
func APIKeyHelp(domain string) string {
	return "Recommended. Create an API key at " + DeveloperSettingsURL(domain) +
		" (\"Create new API key\"). The portal shows the key secret only once, so paste it here " +
		"straight away. If you sign in to " + domain + " through single sign-on (your organisation's " +
		"login page), an API key is the only way in: such accounts have no password that works here."
}

// PasswordHelp is the account screen's text for the username and password
// choice.
func PasswordHelp(domain string) string {
	return "Your " + domain + " username is the email address you sign in with. This does not work " +
		"for accounts that sign in through single sign-on; use an API key instead."
}

// AppTokenHelp is the account screen's text for the optional app token.
func AppTokenHelp(domain string) string {
	return "Optional. An app token only raises the portal's request limits (throttling) for this " +
		"program; it is not a password, and it is not a dataset id (those look like abcd-1234). " +
		"Create one at " + DeveloperSettingsURL(domain) + ", or leave this empty."
}

// noRightsError explains that u signed in but cannot publish.
func noRightsError(domain string, u *socrata.User) *SignInError {
	name := UserName(u)
	var msg string
	if u.RoleName == "" {
		msg = fmt.Sprintf("signed in as %s, but %s has no role on %s, so it cannot publish", name, name, domain)
	} else {
		msg = fmt.Sprintf("signed in as %s, but the role %q on %s cannot publish", name, u.RoleName, domain)
	}
	if len(u.Rights) > 0 {
		msg += " (rights: " + strings.Join(u.Rights, ", ") + ")"
	}
	return &SignInError{
		Cause: CauseNoPublishingRights, Domain: domain, User: u, msg: msg,
		hint: "Ask a " + domain + " administrator to give this account the Publisher role. Viewers can " +
			"read private data but cannot publish. If a dataset's owner has shared it with you for " +
			"editing, you can still update that dataset.",
	}
}

// notSocrataHint is the advice for a domain that is not a Socrata portal.
func notSocrataHint(domain string) string {
	return "Check the domain: it is the host name of the open data portal, such as data.ct.gov, " +
		"not the agency's website. A proxy or a network sign-in page may also be answering for " + domain + "."
}

// explainSignIn turns the client's error into a *SignInError. What kind
// of network failure err is comes from netfail.Classify, which Explain shares;
// the wording here is for signing in.
func explainSignIn(domain string, err error) *SignInError {
	e := &SignInError{Domain: domain, err: err}
	networkHint := "Check that this computer is online, and connect the VPN or set the proxy " +
		"(HTTPS_PROXY) if your network needs one."

	var apiErr *socrata.APIError
	if errors.As(err, &apiErr) {
		return explainAPIError(e, apiErr)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return e.set(CauseCanceled, "signing in to "+domain+" was cancelled", "")
	case errors.Is(err, socrata.ErrInsecure):
		return e.set(CauseInsecure, "refusing to send credentials to "+domain+" over plain http",
			"Give the domain without http:// (the wizard always uses HTTPS); plain http is only for "+
				"test portals on this computer (loopback).")
	}

	switch netfail.Classify(err) {
	case netfail.Untrusted:
		return e.set(CauseTLS, "cannot verify "+domain+"'s certificate: it was issued by an authority "+
			"this computer does not trust",
			"This usually means a corporate proxy is inspecting HTTPS traffic. Ask your IT team for "+
				"the proxy's root certificate and install it in the system's trust store (or point "+
				"SSL_CERT_FILE at a file that holds it). Do not turn certificate checks off.")
	case netfail.CertName:
		return e.set(CauseTLS, "the certificate "+domain+" presented is for a different name",
			"Check the domain. If it is right, something between you and the portal is answering "+
				"for it: a proxy, or the sign-in page of a hotel or guest network.")
	case netfail.CertExpired:
		return e.set(CauseTLS, domain+"'s certificate has expired or is not yet valid",
			"Check this computer's date and time. If they are right, the portal's certificate has a "+
				"problem: tell the portal's administrators.")
	case netfail.NotTLS:
		return e.set(CauseTLS, domain+" did not answer in HTTPS (TLS)",
			"The address may point at a plain-HTTP server or at a proxy's port. Check the domain "+
				"and your proxy settings.")
	case netfail.CertInvalid, netfail.TLS:
		return e.set(CauseTLS, "the secure (TLS) connection to "+domain+" failed",
			"A proxy that inspects HTTPS traffic is the usual cause. Ask your IT team for its root "+
				"certificate, or try from another network.")
	case netfail.NoSuchHost:
		return e.set(CauseDNS, domain+" does not exist: no DNS record was found for it",
			"Check the spelling of the domain (Connecticut's portal is data.ct.gov). If it is "+
				"right, check your network connection or VPN.")
	case netfail.DNS:
		return e.set(CauseDNS, "could not look up "+domain+": the DNS server did not answer", networkHint)
	case netfail.Proxy:
		return e.set(CauseConnection, "could not connect to the proxy server set in HTTPS_PROXY",
			"Check the proxy address in HTTPS_PROXY (or unset it if this network needs no proxy).")
	case netfail.Refused:
		return e.set(CauseConnection, domain+" refused the connection",
			"Nothing accepted HTTPS connections there. Check the domain, and the proxy (HTTPS_PROXY) "+
				"or VPN this network may need.")
	case netfail.Timeout:
		return e.set(CauseTimeout, domain+" did not answer in time",
			"The portal may be slow, or your network may be holding the connection. Try again; if "+
				"it keeps happening, check your VPN or proxy.")
	case netfail.Unreachable:
		return e.set(CauseConnection, "cannot reach "+domain+": the network is unreachable", networkHint)
	case netfail.CutOff:
		return e.set(CauseConnection, "the connection to "+domain+" was closed before the portal answered",
			"A proxy or firewall may be cutting the connection. Try again; if it keeps happening, "+
				"ask your IT team whether "+domain+" is blocked.")
	case netfail.Other:
		return e.set(CauseConnection, "could not connect to "+domain, networkHint)
	case netfail.None: // not a network failure: see below
	}

	var syntaxErr *json.SyntaxError
	if errors.Is(err, socrata.ErrNotSocrata) || errors.As(err, &syntaxErr) {
		return e.set(CauseNotSocrata, domain+" does not look like a Socrata portal: its answer was not "+
			"Socrata's API", notSocrataHint(domain))
	}
	return e.set(CauseUnknown, "could not sign in to "+domain,
		"Try again. If it keeps failing, report this error: "+err.Error())
}

// explainAPIError explains an answer the portal (or something in front of
// it) gave with an HTTP status.
func explainAPIError(e *SignInError, apiErr *socrata.APIError) *SignInError {
	domain := e.Domain
	status := fmt.Sprintf("%d %s", apiErr.Status, http.StatusText(apiErr.Status))
	badCredentials := func() *SignInError {
		return e.set(CauseBadCredentials, domain+" did not accept these credentials ("+status+")",
			"Check the API key id and secret, or the username and password. A key secret is shown "+
				"only once; if you no longer have it, create a new key at "+DeveloperSettingsURL(domain)+
				". Accounts that sign in through single sign-on have no password that works here: use "+
				"an API key.")
	}
	switch {
	case apiErr.Status == http.StatusProxyAuthRequired:
		return e.set(CauseConnection, "the proxy server between you and "+domain+" asks for its own login ("+status+")",
			"Put the proxy's username and password in HTTPS_PROXY (http://user:password@proxy:port), "+
				"or ask your IT team how this network reaches the internet.")
	case apiErr.HTML && apiErr.Status < 500:
		// A gateway's error page (502, 504) is the portal failing, not a
		// sign that the domain is not a portal: that case is below.
		return e.set(CauseNotSocrata, domain+" does not look like a Socrata portal: it answered with a web "+
			"page ("+status+") instead of Socrata's API", notSocrataHint(domain))
	case apiErr.Status == http.StatusUnauthorized:
		return badCredentials()
	case apiErr.Status == http.StatusForbidden && apiErr.Code == "authentication_required":
		return badCredentials()
	case apiErr.Status == http.StatusForbidden:
		return e.set(CauseForbidden, domain+" refused this account ("+status+")",
			"The account may be disabled or locked. Try signing in at "+PortalURL(domain)+" in a browser; "+
				"if that works, create an API key at "+DeveloperSettingsURL(domain)+" and use it here.")
	case apiErr.Status == http.StatusNotFound:
		return e.set(CauseNotSocrata, domain+" does not look like a Socrata portal: it has no "+
			"/api/users/current.json ("+status+")", notSocrataHint(domain))
	case apiErr.Status == http.StatusTooManyRequests:
		return e.set(CauseRateLimited, domain+" is limiting requests ("+status+")",
			"Wait a minute and try again. An app token raises the limit; create one at "+
				DeveloperSettingsURL(domain)+".")
	case apiErr.Status >= 500:
		hint := "This is a problem on the portal's side. Try again in a few minutes; if it persists, " +
			"tell the portal's administrators"
		if apiErr.RequestID != "" {
			hint += " and quote request id " + apiErr.RequestID
		}
		return e.set(CausePortalError, domain+" failed to answer ("+status+")", hint+".")
	}
	return e.set(CauseUnknown, "could not sign in to "+domain+" ("+status+")",
		"Try again. If it keeps failing, report this message to the portal's administrators: "+apiErr.Message)
}
