package socrata_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// seen is one request as the test portal received it.
type seen struct {
	Method           string
	Path             string
	Query            url.Values
	Header           http.Header
	Body             []byte
	ContentLength    int64
	TransferEncoding []string
}

// fake is an httptest server that records every request and answers with
// a handler the test supplies.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFake(t *testing.T, h http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(),
			Body: body, ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding,
		})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) last(t *testing.T) seen {
	t.Helper()
	r := f.requests()
	if len(r) == 0 {
		t.Fatal("the portal got no request")
	}
	return r[len(r)-1]
}

// randomHex returns n random bytes as hex, for secrets made per test.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newCreds makes API key credentials with a fresh secret and app token.
func newCreds(t *testing.T) socrata.Credentials {
	return socrata.Credentials{
		Kind:     socrata.APIKey,
		ID:       "key" + randomHex(t, 6),
		Secret:   "sec" + randomHex(t, 12),
		AppToken: "tok" + randomHex(t, 8),
	}
}

// sleeps records the waits a client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newTestClient is a client for f whose retries do not wait.
func newTestClient(t *testing.T, f *fake, creds socrata.Credentials, opts ...socrata.Option) (*socrata.Client, *sleeps) {
	t.Helper()
	s := &sleeps{}
	all := append([]socrata.Option{socrata.WithRetry(socrata.RetryPolicy{Sleep: s.sleep})}, opts...)
	c, err := socrata.NewClient(f.URL, creds, f.Client(), all...)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", f.URL, err)
	}
	return c, s
}

// reply writes a canned answer.
func reply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sequence answers the n-th request with the n-th handler, repeating the
// last one.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

// noSecrets fails the test when text holds any part of creds that must
// stay hidden.
func noSecrets(t *testing.T, text string, creds socrata.Credentials) {
	t.Helper()
	basic := basicToken(creds)
	for _, s := range []string{creds.Secret, creds.AppToken, basic} {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error text %q contains a secret", text)
		}
	}
}

func basicToken(creds socrata.Credentials) string {
	r, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	r.SetBasicAuth(creds.ID, creds.Secret)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

const jsonType = "application/json; charset=utf-8"

// startUpload opens a revision, adds a source and sends file to it in
// three or more chunks, as many at once as the portal's plan allows, and
// returns the number of the last chunk for the commit.
func startUpload(t *testing.T, c *socrata.Client, id socrata.DatasetID, action string, file []byte) (*socrata.Revision, *socrata.Source, int) {
	t.Helper()
	ctx := context.Background()
	rev, err := c.OpenRevision(ctx, id, action)
	if err != nil {
		t.Fatal(err)
	}
	src, err := c.CreateSource(ctx, rev, "upload.csv", socrata.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.InitiateUpload(ctx, src, "text/csv")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg      sync.WaitGroup
		sem     = make(chan struct{}, plan.Parallelism)
		mu      sync.Mutex
		errs    []error
		lastSeq int
	)
	for seq, off := 0, int64(0); off < int64(len(file)); seq, off = seq+1, off+plan.PreferredChunkSize {
		end := min(off+plan.PreferredChunkSize, int64(len(file)))
		lastSeq = seq
		wg.Add(1)
		sem <- struct{}{}
		go func(seq int, off int64, data []byte) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := c.UploadChunk(ctx, src, seq, off, data); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(seq, off, file[off:end])
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if lastSeq < 2 {
		t.Fatalf("only %d chunks; the test means to send several", lastSeq+1)
	}
	return rev, src, lastSeq
}
