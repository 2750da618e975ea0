package wizard

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

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
		want netFailure
	}{
		{"untrusted", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, netUntrusted},
		{"other name", &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "data.ct.gov"}}, netCertName},
		{"expired", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}, netCertExpired},
		{"not TLS", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, netNotTLS},
		{"HTTP answer to HTTPS", errors.New("http: server gave HTTP response to HTTPS client"), netNotTLS},
		{"certificate otherwise invalid", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}}, netCertInvalid},
		{"alert", dial("remote error", tls.AlertError(40)), netTLS},
		{"no such host", dial("dial", &net.DNSError{Err: "no such host", Name: "data.ct.gox", IsNotFound: true}), netNoSuchHost},
		{"name server down", dial("dial", &net.DNSError{Err: "server misbehaving", Name: "data.ct.gov", IsTemporary: true}), netDNS},
		{"proxy refuses", dial("proxyconnect", sys(syscall.ECONNREFUSED)), netProxy},
		{"refused", dial("dial", sys(syscall.ECONNREFUSED)), netRefused},
		{"deadline", context.DeadlineExceeded, netTimeout},
		{"dial timeout", dial("dial", os.ErrDeadlineExceeded), netTimeout},
		{"client timeout", timeoutError{}, netTimeout},
		{"unreachable", dial("dial", sys(syscall.ENETUNREACH)), netUnreachable},
		{"host unreachable", dial("dial", sys(syscall.EHOSTUNREACH)), netUnreachable},
		{"reset", dial("read", sys(syscall.ECONNRESET)), netCutOff},
		{"EOF", io.EOF, netCutOff},
		{"answer cut short", io.ErrUnexpectedEOF, netCutOff},
		{"other dial failure", dial("dial", errors.New("socket: too many open files")), netOther},

		// An error that is more than one kind: the more specific wins.
		{"proxy that times out", dial("proxyconnect", os.ErrDeadlineExceeded), netProxy},
		{"proxy with an untrusted certificate", dial("proxyconnect", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), netUntrusted},
		{"name lookup that times out", dial("dial", &net.DNSError{Err: "i/o timeout", Name: "data.ct.gov", IsTimeout: true}), netDNS},
		{"handshake cut off", fmt.Errorf("tls: handshake: %w", io.EOF), netTLS},

		// Not network failures.
		{"portal answer", &socrata.APIError{Status: 500}, netNone},
		{"cancelled", context.Canceled, netNone},
		{"not a portal", socrata.ErrNotSocrata, netNone},
		{"odd", errors.New("something odd"), netNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As net/http and the client hand it over.
			err := fmt.Errorf("socrata: current user: %w", &url.Error{Op: "Get", URL: "https://data.ct.gov/api/users/current.json", Err: tt.err})
			if got := classifyNet(err); got != tt.want {
				t.Fatalf("classifyNet = %d, want %d", got, tt.want)
			}
			if tt.want == netNone {
				return
			}
			if se := explainSignIn("data.ct.gov", err); se.Cause == CauseUnknown || strings.Contains(se.Error()+se.Hint(), "socrata:") {
				t.Errorf("the sign-in does not word this kind: %q / %q", se.Error(), se.Hint())
			}
			if got := Explain(err); strings.Contains(got, "socrata:") || strings.Contains(got, tt.err.Error()) {
				t.Errorf("Explain does not word this kind: %q", got)
			}
		})
	}
}
