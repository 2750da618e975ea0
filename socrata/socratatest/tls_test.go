package socratatest

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestNewCertificate(t *testing.T) {
	c, err := NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(c.PEM()) {
		t.Fatalf("PEM does not hold a certificate: %s", c.PEM())
	}
	leaf := c.Server.Leaf
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("server key is %T, want ECDSA", leaf.PublicKey)
	}
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"data.ct.gov", "10.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err == nil {
			t.Errorf("the certificate is good for %s", name)
		}
	}
	if !c.Authority.IsCA || !c.Authority.MaxPathLenZero || len(c.Authority.SubjectKeyId) == 0 ||
		string(c.Authority.AuthorityKeyId) != string(c.Authority.SubjectKeyId) {
		t.Errorf("authority: CA %v, path length zero %v, key ids %x %x",
			c.Authority.IsCA, c.Authority.MaxPathLenZero, c.Authority.SubjectKeyId, c.Authority.AuthorityKeyId)
	}
	// Another run's authority does not vouch for this server.
	other, _ := NewCertificate()
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: other.Pool(), DNSName: "localhost"}); err == nil {
		t.Error("a certificate verified against another authority")
	}
}

func TestNewTLSServer(t *testing.T) {
	s := NewTLSServer(WithSamples())
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || strings.Contains(s.Host(), "/") {
		t.Fatalf("URL %s, host %s", s.URL, s.Host())
	}
	r := get(t, s, "/api/users/current.json", demoKey(s.Portal))
	if r.status != 200 {
		t.Fatalf("signed in over https: %d %s", r.status, r.body)
	}
	// Links name the scheme the request came on.
	c := dsmClient{t, s, demoKey(s.Portal)}
	if _, l := c.open(ParkVisitsID, "update"); !strings.HasPrefix(link(l, "show"), "/") {
		t.Errorf("revision links %v", l)
	}

	// A client that trusts only the written PEM gets through; one that
	// trusts the system's authorities does not.
	dir := t.TempDir()
	files, err := s.Certificate().WriteTrustFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(files.PEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := trusting.Get(s.URL + "/resource/" + ParkVisitsID + ".json?$limit=1")
	if err != nil {
		t.Fatalf("a client trusting the PEM: %v", err)
	}
	resp.Body.Close()
	_, err = (&http.Client{Transport: &http.Transport{}}).Get(s.URL + "/api/users/current.json")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("a client without the PEM: %v, want an unknown authority", err)
	}

	profile, err := os.ReadFile(files.RProfile)
	abs, _ := filepath.Abs(files.PEM)
	if err != nil || !strings.Contains(string(profile), "httr::set_config(httr::config(cainfo = "+strconv.Quote(abs)+"))") {
		t.Errorf("R profile %q, %v", profile, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files written, want the PEM and the R profile: %v", len(entries), entries)
	}
}

func TestPlainServerHasNoCertificate(t *testing.T) {
	s := newServer(t)
	if s.Certificate() != nil || s.Host() != strings.TrimPrefix(s.URL, "http://") {
		t.Errorf("plain server: certificate %v, host %s", s.Certificate(), s.Host())
	}
}
