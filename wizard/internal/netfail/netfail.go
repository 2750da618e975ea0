// Package netfail says what kind of network or TLS failure an error is,
// so that the wizard's wording of failures (wizard.Explain, and a
// sign-in's account.SignInError) agrees on the kind. The portal client
// classifies the same failures separately (socrata/errors.go), for its
// own messages and to decide whether to try again; this package decides
// only the wording's kind.
package netfail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Kind is the kind of network or TLS failure an error is. Explain and a
// sign-in's SignInError word each kind their own way, for a person doing
// anything and for one signing in, but what kind a failure is, and which
// kind wins when an error is more than one, is decided once for both of
// them, here.
type Kind uint8

// The kinds, in the order Classify recognises them: a TLS failure and
// a DNS failure are also net.Errors and may time out, and a proxy that
// cannot be reached may also refuse or time out, so the more specific
// kinds, whose advice says more, come before the general ones.
const (
	// None: not a network failure (an answer from the portal, a
	// cancellation, the program's own checks).
	None Kind = iota
	// Untrusted: the certificate is from an authority this computer
	// does not trust, usually a proxy that inspects HTTPS.
	Untrusted
	// CertName: the certificate is for another name.
	CertName
	// CertExpired: the certificate has expired or is not yet valid.
	CertExpired
	// NotTLS: the server answered, but not in TLS (a plain-HTTP
	// server or a proxy's port).
	NotTLS
	// CertInvalid: the certificate could not be verified for another
	// reason.
	CertInvalid
	// TLS: the TLS handshake failed otherwise (an alert from the
	// server).
	TLS
	// NoSuchHost: the name has no DNS record.
	NoSuchHost
	// DNS: the name could not be looked up.
	DNS
	// Proxy: the proxy in HTTPS_PROXY could not be reached.
	Proxy
	// Refused: nothing accepted the connection.
	Refused
	// Timeout: no answer in time.
	Timeout
	// Unreachable: no route to the network or host.
	Unreachable
	// CutOff: the connection was closed before the answer was whole.
	CutOff
	// Other: any other failure to connect.
	Other
)

// Classify says what kind of network failure err is, or None.
func Classify(err error) Kind {
	var (
		untrusted x509.UnknownAuthorityError
		certName  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
		verify    *tls.CertificateVerificationError
		alert     tls.AlertError
		dnsErr    *net.DNSError
		opErr     *net.OpError
		netErr    net.Error
	)
	switch {
	case errors.As(err, &untrusted):
		return Untrusted
	case errors.As(err, &certName):
		return CertName
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return CertExpired
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return NotTLS
	case errors.As(err, &verify), errors.As(err, &invalid):
		return CertInvalid
	case errors.As(err, &alert), strings.Contains(err.Error(), "tls: "):
		return TLS
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return NoSuchHost
	case errors.As(err, &dnsErr):
		return DNS
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return Proxy
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return Timeout
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return Unreachable
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CutOff
	case errors.As(err, &opErr):
		return Other
	}
	return None
}
