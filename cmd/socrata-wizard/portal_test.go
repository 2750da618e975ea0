package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a running command writes to while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servedPortal is `portal` running in this process until the test ends.
type servedPortal struct {
	url, keyID, secret, banner string
	stderr                     *lockedBuffer
}

func startPortal(t *testing.T, args ...string) servedPortal {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs lockedBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() { done <- runPortal(ctx, e, append([]string{"--samples", t.TempDir()}, args...)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("portal exited %d: %s", code, errs.String())
		}
	})
	for i := 0; !strings.Contains(out.String(), "Press ctrl+c to stop."); i++ {
		select {
		case code := <-done:
			t.Fatalf("portal exited %d before serving: %s%s", code, out.String(), errs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	banner := out.String()
	find := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(banner)
		if m == nil {
			t.Fatalf("no %s in the banner:\n%s", re, banner)
		}
		return m[1]
	}
	return servedPortal{url: find(`Sample portal: (\S+)`), keyID: find(`API key id: +(\S+)`), secret: find(`API key secret: +(\S+)`),
		banner: banner, stderr: &errs}
}

func (sp servedPortal) do(t *testing.T, c *http.Client, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, sp.url+path, strings.NewReader(body))
	req.SetBasicAuth(sp.keyID, sp.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPortalTLS(t *testing.T) {
	sp := startPortal(t, "--tls")
	if !strings.HasPrefix(sp.url, "https://127.0.0.1:") {
		t.Fatalf("URL %s", sp.url)
	}
	pemPath := regexp.MustCompile(`REQUESTS_CA_BUNDLE=(\S+)`).FindStringSubmatch(sp.banner)
	profile := regexp.MustCompile(`R_PROFILE_USER=(\S+)`).FindStringSubmatch(sp.banner)
	if pemPath == nil || profile == nil || !strings.Contains(sp.banner, "SSL_CERT_FILE="+pemPath[1]+" SOCRATA_KEY_ID=") {
		t.Fatalf("the banner does not say how to trust the certificate:\n%s", sp.banner)
	}
	pemBytes, err := os.ReadFile(pemPath[1])
	if err != nil {
		t.Fatal(err)
	}
	if rp, err := os.ReadFile(profile[1]); err != nil || !strings.Contains(string(rp), "httr::set_config(httr::config(cainfo = \""+pemPath[1]+"\"))") {
		t.Errorf("R profile %q: %v", rp, err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, body := sp.do(t, trusting, "GET", "/api/users/current.json", ""); resp.StatusCode != 200 {
		t.Errorf("signing in over https: %d %s", resp.StatusCode, body)
	}
	// A client that does not trust the certificate is refused, and the
	// portal says why on its stderr.
	if _, err := (&http.Client{Transport: &http.Transport{}}).Get(sp.url + "/api/users/current.json"); err == nil {
		t.Error("a client without the certificate got through")
	}
	for i := 0; i < 200 && !strings.Contains(sp.stderr.String(), "TLS handshake error"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(sp.stderr.String(), "portal: http: TLS handshake error") {
		t.Errorf("stderr after a refused handshake: %q", sp.stderr.String())
	}
}

func TestPortalAnswerAndFaults(t *testing.T) {
	upsert := `[{"record_id": "P01-2024-01", "visitors": "7777"}]`
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	sp := startPortal(t, "--answer", "legacy")
	if resp, body := sp.do(t, plain, "POST", "/resource/park-vis1.json", upsert); resp.StatusCode != 200 || !strings.Contains(body, `"Rows Updated":1`) {
		t.Errorf("--answer legacy: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(sp.banner, "answered in the legacy shape") || strings.Contains(sp.banner, "Faults injected") {
		t.Errorf("banner:\n%s", sp.banner)
	}

	sp = startPortal(t, "--answer", "stream", "--faults", "redirect-writes=308, seed=3")
	if !strings.Contains(sp.banner, "Faults injected: redirect-writes=308,seed=3") {
		t.Errorf("banner:\n%s", sp.banner)
	}
	resp, _ := sp.do(t, plain, "POST", "/resource/park-vis1.json", upsert)
	if resp.StatusCode != 308 || !strings.HasPrefix(resp.Header.Get("Location"), sp.url+"/resource/park-vis1.json?") {
		t.Errorf("--faults redirect-writes: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := sp.do(t, http.DefaultClient, "POST", "/resource/park-vis1.json", upsert); resp.StatusCode != 200 || !strings.HasPrefix(body, `[{"typ":"update"`) {
		t.Errorf("the 308 followed, answered in the stream shape: %d %s", resp.StatusCode, body)
	}
}

func TestPortalRefusesBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--answer", "xml"}, `socrata-wizard: --answer: unknown answer shape "xml": use legacy`},
		{[]string{"--faults", "slow=forever"}, `socrata-wizard: --faults: fault slow: "forever" is not a duration such as 30s`},
		{[]string{"--faults", "redirect"}, `socrata-wizard: --faults: fault list: no fault is called "redirect"`},
		{[]string{"--addr", "0.0.0.0:0", "--tls"}, "is not a loopback address"},
	} {
		var errs bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errs, getenv: func(string) string { return "" }}
		if code := runPortal(context.Background(), e, tt.args); code != exitUsage || !strings.Contains(errs.String(), tt.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tt.args, code, errs.String(), exitUsage, tt.msg)
		}
	}
	var help bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &help, getenv: func(string) string { return "" }}
	if code := runPortal(context.Background(), e, []string{"--help"}); code != exitOK ||
		!strings.Contains(help.String(), "-faults") || !strings.Contains(help.String(), "echo-credentials") || !strings.Contains(help.String(), "drop=5%") {
		t.Errorf("--help: exit %d\n%s", code, help.String())
	}
}
