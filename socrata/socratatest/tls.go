package socratatest

// HTTPS on loopback: some real clients (socrata-py among them) speak
// only https, so the portal can serve it with a certificate made when it
// starts.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Certificate is what a portal serves https with: a key and certificate
// for 127.0.0.1, ::1 and localhost, signed by an authority made with it
// that exists nowhere else. Clients trust the authority's certificate,
// [Certificate.PEM], and nothing else changes on the machine.
type Certificate struct {
	// Server is the certificate and key to serve, for a tls.Config.
	Server tls.Certificate
	// Authority is the certificate that signed Server.
	Authority *x509.Certificate
}

// NewCertificate makes a certificate authority and a server certificate
// signed by it, both ECDSA P-256 and valid for 30 days. The server
// certificate names 127.0.0.1, ::1 and localhost, so a client may use
// any of them; the authority may sign nothing but server certificates
// (its path length is zero).
func NewCertificate() (*Certificate, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make a key: %w", err)
	}
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "socratatest loopback authority " + now.UTC().Format(time.RFC3339), Organization: []string{"socrata-wizard sample portal"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&caKey.PublicKey),
	}
	// Self-signed, with its own key id as authority key id too: OpenSSL's
	// strict checks (as Python 3.13 turns on) want one.
	ca.AuthorityKeyId = ca.SubjectKeyId
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("make a certificate authority: %w", err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return nil, err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make a key: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"socrata-wizard sample portal"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		SubjectKeyId: keyID(&key.PublicKey),
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("make a server certificate: %w", err)
	}
	if leaf, err = x509.ParseCertificate(leafDER); err != nil {
		return nil, err
	}
	return &Certificate{
		Server:    tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key, Leaf: leaf},
		Authority: ca,
	}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// keyID is a key identifier: the first 20 bytes of the SHA-256 of the
// public key (RFC 7093, method 1).
func keyID(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return sum[:20]
}

// PEM is the authority's certificate in PEM: the file a client is told to
// trust (REQUESTS_CA_BUNDLE for socrata-py, httr's cainfo for RSocrata,
// SSL_CERT_FILE for Go programs, curl --cacert).
func (c *Certificate) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Authority.Raw})
}

// Pool is a certificate pool holding only the authority, for a client's
// tls.Config.RootCAs.
func (c *Certificate) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.Authority)
	return pool
}

// ServerConfig is a tls.Config that serves the certificate.
func (c *Certificate) ServerConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.Server}, MinVersion: tls.VersionTLS12}
}

// TrustFiles are the files [Certificate.WriteTrustFiles] writes.
type TrustFiles struct {
	// PEM is the authority's certificate: point REQUESTS_CA_BUNDLE (or
	// SSL_CERT_FILE, or curl --cacert) at it.
	PEM string
	// RProfile is an R profile that makes httr trust the authority, for
	// R_PROFILE_USER: httr does not read CURL_CA_BUNDLE.
	RProfile string
}

// WriteTrustFiles writes the authority's certificate to dir as
// socratatest-ca.pem, and socratatest-ca.Rprofile beside it, each to a
// temporary name first and then renamed, so no half-written file is
// left.
func (c *Certificate) WriteTrustFiles(dir string) (TrustFiles, error) {
	var tf TrustFiles
	var err error
	if tf.PEM, err = writeFileAtomic(dir, "socratatest-ca.pem", func(w io.Writer) error {
		_, err := w.Write(c.PEM())
		return err
	}); err != nil {
		return tf, err
	}
	abs, err := filepath.Abs(tf.PEM)
	if err != nil {
		return tf, err
	}
	tf.RProfile, err = writeFileAtomic(dir, "socratatest-ca.Rprofile", func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "# Trust the sample portal's certificate (made by socrata-wizard portal --tls).\n"+
			"httr::set_config(httr::config(cainfo = %s))\n", strconv.Quote(abs))
		return err
	})
	return tf, err
}

// writeFileAtomic writes a file of dir through a temporary file that it
// renames, so that a reader never sees it half written.
func writeFileAtomic(dir, name string, write func(io.Writer) error) (string, error) {
	path := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	werr := write(tmp)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", name, werr)
	}
	return path, nil
}

// NewTLSServer starts a portal configured by opts on 127.0.0.1 and a
// free port, serving https with a certificate from [NewCertificate], as
// httptest.NewTLSServer does. Its Client trusts the certificate; other
// clients are given [Server.CertificatePEM]. The caller must Close it.
func NewTLSServer(opts ...Option) *Server {
	cert, err := NewCertificate()
	if err != nil {
		panic("socratatest: " + err.Error())
	}
	p := NewPortal(opts...)
	s := httptest.NewUnstartedServer(p.Handler())
	s.TLS = cert.ServerConfig()
	// A client refusing the certificate is what a test wants to see, not
	// a line in its log.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	tr := s.Client().Transport.(*http.Transport)
	tr.TLSClientConfig.RootCAs = cert.Pool()
	tr.MaxIdleConnsPerHost = 16
	return &Server{URL: s.URL, Portal: p, srv: s, cert: cert}
}

// Certificate is the certificate a server made by [NewTLSServer] serves,
// or nil for a plain http one.
func (s *Server) Certificate() *Certificate { return s.cert }
