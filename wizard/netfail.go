package wizard

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

// netFailure is the kind of network or TLS failure an error is. Explain
// and a sign-in's SignInError word each kind their own way, for a person
// doing anything and for one signing in, but what kind a failure is, and
// which kind wins when an error is more than one, is decided once, here.
type netFailure uint8

// The kinds, in the order classifyNet recognises them: a TLS failure and
// a DNS failure are also net.Errors and may time out, and a proxy that
// cannot be reached may also refuse or time out, so the more specific
// kinds, whose advice says more, come before the general ones.
const (
	// netNone: not a network failure (an answer from the portal, a
	// cancellation, the program's own checks).
	netNone netFailure = iota
	// netUntrusted: the certificate is from an authority this computer
	// does not trust, usually a proxy that inspects HTTPS.
	netUntrusted
	// netCertName: the certificate is for another name.
	netCertName
	// netCertExpired: the certificate has expired or is not yet valid.
	netCertExpired
	// netNotTLS: the server answered, but not in TLS (a plain-HTTP
	// server or a proxy's port).
	netNotTLS
	// netCertInvalid: the certificate could not be verified for another
	// reason.
	netCertInvalid
	// netTLS: the TLS handshake failed otherwise (an alert from the
	// server).
	netTLS
	// netNoSuchHost: the name has no DNS record.
	netNoSuchHost
	// netDNS: the name could not be looked up.
	netDNS
	// netProxy: the proxy in HTTPS_PROXY could not be reached.
	netProxy
	// netRefused: nothing accepted the connection.
	netRefused
	// netTimeout: no answer in time.
	netTimeout
	// netUnreachable: no route to the network or host.
	netUnreachable
	// netCutOff: the connection was closed before the answer was whole.
	netCutOff
	// netOther: any other failure to connect.
	netOther
)

// classifyNet says what kind of network failure err is, or netNone.
func classifyNet(err error) netFailure {
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
		return netUntrusted
	case errors.As(err, &certName):
		return netCertName
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return netCertExpired
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return netNotTLS
	case errors.As(err, &verify), errors.As(err, &invalid):
		return netCertInvalid
	case errors.As(err, &alert), strings.Contains(err.Error(), "tls: "):
		return netTLS
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return netNoSuchHost
	case errors.As(err, &dnsErr):
		return netDNS
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return netProxy
	case errors.Is(err, syscall.ECONNREFUSED):
		return netRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return netTimeout
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return netUnreachable
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return netCutOff
	case errors.As(err, &opErr):
		return netOther
	}
	return netNone
}
