package wizard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/netfail"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// Explain turns an error from the portal client into a sentence for a
// person: what went wrong and what to do about it. It never returns a raw
// Go error chain, and it never contains a credential: the client removes
// secrets from everything the portal sends back, and nothing else it
// quotes comes from the request.
//
// An error that carries its own advice (a *SignInError, a *KeyringError:
// anything with a Hint method) is already written for people; Explain
// returns its sentence and leaves the advice to [Hint], so that a screen
// shows both without saying anything twice.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var hinted interface {
		error
		Hint() string
	}
	if errors.As(err, &hinted) {
		return wording.Sentence(hinted.Error())
	}
	// A write that may have been applied comes first: "Stopped." or "try
	// again" would invite sending it twice.
	var outcome *socrata.OutcomeError
	if errors.As(err, &outcome) {
		return wording.Sentence(outcome.What+" may or may not have been applied: "+outcome.Cause) + " " + wording.Sentence(outcome.Advice)
	}
	if errors.Is(err, context.Canceled) {
		return "Stopped."
	}
	var retry *socrata.RetryError
	if errors.As(err, &retry) && retry.Stopped != nil {
		// The time allowed ran out while waiting to try again: say so,
		// then why it was trying again.
		return "The time allowed ran out while waiting to try again. " + explainFailure(retry.Err).text(retry.Attempts)
	}
	tries := 0
	if retry != nil {
		tries = retry.Attempts
	}
	return explainFailure(err).text(tries)
}

// Hint returns the advice attached to err, from the first *SignInError,
// *KeyringError or other error in its chain that has a Hint method, or ""
// when there is none. Screens and commands print it under the error.
func Hint(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// explanation is what went wrong (a sentence without its full stop) and
// what to do (whole sentences, or empty).
type explanation struct{ what, todo string }

// text joins the parts, saying how many times the call was tried when it
// was tried more than once.
func (x explanation) text(tries int) string {
	s := wording.Sentence(x.what)
	if tries > 1 {
		s += fmt.Sprintf(" Tried %d times.", tries)
	}
	if x.todo != "" {
		s += " " + x.todo
	}
	return s
}

// explainFailure explains one failure, ignoring retries. What kind of
// network failure err is comes from netfail.Classify, which a sign-in's
// message shares; the wording here is for any call.
func explainFailure(err error) explanation {
	const tooLong = "Check your connection and try again; if it keeps happening the portal may be busy."
	var apiErr *socrata.APIError
	var dnsErr *net.DNSError
	var urlErr *url.Error
	host := "the portal"
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return explanation{"the portal took too long to answer", tooLong}
	case errors.Is(err, socrata.ErrCatalogWindow):
		return explanation{"the portal's catalog lists only the first 10,000 results, and this page is past them",
			"Narrow the search with more words or a filter."}
	case errors.Is(err, socrata.ErrInsecure) && urlErr != nil:
		return explanation{"the portal sent the request on to a plain http address, which would have sent your credentials unencrypted, so the wizard stopped",
			"Check the portal address; if it is right, tell the portal's administrators."}
	case errors.Is(err, socrata.ErrInsecure):
		return explanation{afterSentinel(err, socrata.ErrInsecure), ""}
	case errors.Is(err, socrata.ErrBadDomain):
		return explanation{afterSentinel(err, socrata.ErrBadDomain), ""}
	case errors.Is(err, socrata.ErrBadDatasetRef):
		return explanation{afterSentinel(err, socrata.ErrBadDatasetRef), ""}
	case errors.As(err, &apiErr):
		return explainAPI(apiErr)
	case errors.Is(err, socrata.ErrNotSocrata):
		return explanation{"the server's answer was not what a Socrata portal sends",
			"Check that the portal address is right (such as data.ct.gov) and that it is a Socrata open data portal."}
	}
	switch netfail.Classify(err) {
	case netfail.NoSuchHost:
		errors.As(err, &dnsErr)
		return explanation{"no portal is known by that name (" + dnsErr.Name + ")",
			"Check the spelling of the domain, such as data.ct.gov."}
	case netfail.DNS:
		errors.As(err, &dnsErr)
		return explanation{"the name " + dnsErr.Name + " could not be looked up: the name server did not answer",
			"Check that this computer is online, and the VPN or proxy your network may need."}
	case netfail.Untrusted, netfail.CertName, netfail.CertExpired, netfail.CertInvalid:
		return explanation{"the portal's security certificate could not be verified",
			"If you are on a work network, a proxy may be intercepting HTTPS: ask your IT team, or try another network."}
	case netfail.NotTLS:
		return explanation{"the server at " + host + " did not answer with HTTPS",
			"Check the domain and port; a test portal on this computer is reached with http://."}
	case netfail.Proxy:
		return explanation{"could not connect to the proxy server set in HTTPS_PROXY",
			"Check the proxy address in HTTPS_PROXY, or unset it if this network needs no proxy."}
	case netfail.Refused:
		return explanation{"could not connect to " + host + ": the connection was refused",
			"The portal may be down, or the address or port may be wrong. Check the domain, and the VPN or proxy your network may need."}
	case netfail.Timeout:
		return explanation{"the portal took too long to answer", tooLong}
	case netfail.CutOff:
		return explanation{"the connection to " + host + " was cut off",
			"Try again; if it keeps happening, a proxy or firewall may be cutting the connection."}
	case netfail.Unreachable:
		return explanation{"could not reach " + host + ": the network is unreachable",
			"Check that this computer is online, and the VPN or proxy your network may need."}
	case netfail.TLS, netfail.Other:
		return explanation{"could not connect to " + host,
			"Check your network connection, VPN or proxy, and the domain."}
	case netfail.None: // not a network failure: see below
	}
	if urlErr != nil {
		return explanation{"could not connect to " + host,
			"Check your network connection, VPN or proxy, and the domain."}
	}
	// Errors from the client's and this program's own checks are already
	// sentences.
	return explanation{strings.TrimPrefix(err.Error(), "socrata: "), ""}
}

// explainAPI explains an answer the portal, or something in front of it,
// gave with an HTTP status.
func explainAPI(e *socrata.APIError) explanation {
	detail := strings.TrimRight(strings.TrimSpace(e.Message), ".")
	status := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	success := e.Status >= 200 && e.Status < 300
	switch {
	case e.Status == http.StatusAccepted:
		// The client words these: still preparing, or taken but not yet
		// written.
		return explanation{detail, ""}
	case success && errors.Is(e, socrata.ErrNotSocrata):
		// A web page or other text where Socrata's API sends JSON; the
		// message says which, and what to check.
		return explanation{detail, ""}
	case e.Status == http.StatusProxyAuthRequired:
		return explanation{"the proxy server between you and the portal asks for its own login (" + status + ")",
			"Put the proxy's username and password in HTTPS_PROXY (http://user:password@proxy:port), or ask your IT team how this network reaches the internet."}
	case e.Status == http.StatusUnauthorized,
		e.Status == http.StatusForbidden && e.Code == "authentication_required":
		return explanation{"the portal did not accept your credentials",
			"Check the key id and secret (or username and password), or create a new API key."}
	case SyncedCopy(e):
		return explanation{"this dataset is a synced copy that the portal will not let anyone update by hand",
			SyncedCopyAdvice}
	case e.Status == http.StatusForbidden && detail != "":
		todo := "If you should be able to do this, ask the dataset's owner to share it with you with edit rights."
		if strings.Contains(strings.ToLower(detail), "owner") {
			todo = "" // the portal already said whom to ask
		}
		return explanation{"the portal refused: " + detail, todo}
	case e.Status == http.StatusForbidden:
		return explanation{"you are signed in, but the portal does not let this account do that",
			"Ask the dataset's owner to share it with you with edit rights."}
	case e.Status == http.StatusTooManyRequests:
		return explanation{"the portal is limiting requests",
			"Wait a minute and try again; an app token raises the limit."}
	case e.Status >= 500:
		what := "the portal had a problem (" + status + ")"
		if detail != "" && !e.HTML {
			what += ": " + detail
		}
		todo := "Try again in a few minutes."
		if e.RequestID != "" {
			todo += " If it keeps happening, tell the portal's administrators and quote request id " + e.RequestID + "."
		}
		return explanation{what, todo}
	case e.HTML:
		// A web page with a 4xx status: a proxy, or a web site that is
		// not a Socrata portal.
		return explanation{"the server answered with a web page (" + status + ") instead of Socrata's API",
			"Check that the domain is a Socrata open data portal, such as data.ct.gov."}
	case e.Status == http.StatusNotFound:
		return explanation{"the portal has no such dataset, or it is private and not shared with you",
			"Check the id."}
	case detail != "":
		return explanation{"the portal refused the request: " + detail, ""}
	}
	return explanation{"the portal refused the request (" + status + ")", ""}
}

// afterSentinel is err's text after the sentinel's own words, which the
// client puts first ("not a portal address: ..."), since the rest is the
// sentence a person needs.
func afterSentinel(err, sentinel error) string {
	msg := strings.TrimPrefix(err.Error(), "socrata: ")
	if rest, ok := strings.CutPrefix(msg, sentinel.Error()+": "); ok {
		return rest
	}
	return msg
}

// SyncedCopyAdvice is what to do about a synced copy: the RSocrata users'
// mistake of copying the new-backend id from the API panel.
const SyncedCopyAdvice = "Update the original dataset instead: open it on the portal and use the id in its address."

// SyncedCopy reports whether the portal refused a write because the
// dataset is a synced copy ("Cannot update a synced dataset manually").
// The portal says so only in its message; there is no code for it.
func SyncedCopy(e *socrata.APIError) bool {
	return e.Status == http.StatusForbidden && strings.Contains(strings.ToLower(e.Message), "synced")
}

// FailureText words a failure from the client for the middle of a
// sentence, as Explain would but without its advice (an upload error's
// hint gives that): "the portal had a problem (500 Internal Server
// Error)", "the connection was cut off after the request was sent".
func FailureText(err error) string {
	var oe *socrata.OutcomeError
	if errors.As(err, &oe) && oe.Cause != "" {
		return oe.Cause
	}
	return explainFailure(err).what
}

// FailureAdvice is what to do about a failure from the client, whole
// sentences, or "": the advice Explain adds after failureText's words.
func FailureAdvice(err error) string { return explainFailure(err).todo }
