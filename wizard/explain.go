package wizard

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// Explain turns an error from the portal client into a sentence for a
// person: what went wrong and what to do about it. It never returns a raw
// Go error chain, and it never contains a credential, because nothing it
// quotes comes from the request.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	// Errors of this program that are written for people (a failed
	// sign-in, keyring or upload) say it best themselves; their advice is
	// in Hint.
	var told interface{ Hint() string }
	if errors.As(err, &told) {
		if e, ok := told.(error); ok {
			return sentence(e.Error())
		}
	}
	var apiErr *socrata.APIError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.Canceled):
		return "Stopped."
	case errors.Is(err, context.DeadlineExceeded):
		return "The portal took too long to answer. Check your connection and try again; if it keeps happening the portal may be busy."
	case errors.As(err, &apiErr):
		return explainAPI(apiErr)
	case errors.As(err, &dnsErr):
		return "No portal is known by that name (" + dnsErr.Name + "). Check the spelling of the domain, such as data.ct.gov."
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return "The portal's security certificate could not be verified. If you are on a work network, a proxy may be intercepting HTTPS: ask your IT team, or try another network."
	case errors.As(err, &recErr):
		return "The server did not answer with HTTPS. Check the domain and port."
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "The portal took too long to answer. Check your connection and try again; if it keeps happening the portal may be busy."
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "Could not connect to the portal. Check your network connection, VPN or proxy, and the domain."
	}
	// Errors from this program's own checks are already sentences.
	return sentence(err.Error())
}

// sentence makes a message a sentence: a capital first letter, unless it
// starts with an address or a name that must keep its case, and a full
// stop.
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	first, _, _ := strings.Cut(msg, " ")
	if !strings.ContainsAny(first, ".:/@_") {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

func explainAPI(e *socrata.APIError) string {
	detail := strings.TrimSpace(e.Message)
	if detail != "" && !strings.HasSuffix(detail, ".") {
		detail += "."
	}
	switch {
	case e.HTML:
		return "The server answered with a web page instead of Socrata's API. Check that the domain is a Socrata open data portal. (" + detail + ")"
	case e.Status == http.StatusUnauthorized:
		return "The portal did not accept your credentials. Check the key id and secret (or username and password), or create a new API key."
	case e.Status == http.StatusForbidden && strings.Contains(strings.ToLower(e.Message), "synced"):
		return "This dataset is a synced copy that the portal will not let anyone update by hand. Update the original dataset instead: open it on the portal and use the id in its address."
	case e.Status == http.StatusForbidden && detail != "":
		return "The portal refused: " + detail
	case e.Status == http.StatusForbidden:
		return "You are signed in, but the portal does not let this account do that. Ask the dataset's owner to share it with you with edit rights."
	case e.Status == http.StatusNotFound:
		return "The portal has no such dataset, or it is private and not shared with you. Check the id."
	case e.Status == http.StatusTooManyRequests:
		return "The portal is limiting requests. Wait a minute and try again; an app token raises the limit."
	case e.Status >= 500:
		return "The portal had a problem (" + http.StatusText(e.Status) + "). Try again in a few minutes. " + detail
	}
	if detail == "" {
		detail = http.StatusText(e.Status) + "."
	}
	return "The portal refused the request: " + detail
}
