package socrata

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client talks to one portal with one set of credentials. It is safe for
// concurrent use, so an upload can send DSMAPI chunks in parallel.
type Client struct {
	domain    Domain
	base      *url.URL
	creds     Credentials
	hc        *http.Client
	userAgent string
	retry     RetryPolicy
	onRetry   func(RetryEvent)
	scrub     scrubber
}

// Option configures a [Client] in [NewClient].
type Option func(*Client)

// WithUserAgent sends "User-Agent: socrata-wizard/<version>", so that the
// portal's operators can tell this program's traffic apart.
func WithUserAgent(version string) Option {
	return func(c *Client) {
		v := strings.TrimSpace(version)
		if v == "" {
			c.userAgent = "socrata-wizard"
			return
		}
		c.userAgent = "socrata-wizard/" + v
	}
}

// WithRetry replaces [DefaultRetryPolicy]; zero fields keep their default.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) { c.retry = p.withDefaults() }
}

// WithOnRetry calls f before each retry sleep, from the goroutine making
// the call, so that a user interface can say what is happening. Calls made
// in parallel (DSMAPI chunks) may call f concurrently.
func WithOnRetry(f func(RetryEvent)) Option {
	return func(c *Client) { c.onRetry = f }
}

// NewClient returns a client for the portal at domain, which is anything
// [ParseDomain] accepts: "data.ct.gov", "https://data.ct.gov/", or for a
// test portal on this computer "http://127.0.0.1:PORT". Plain http to any
// other host is refused with an error wrapping [ErrInsecure].
//
// Every request carries creds as HTTP Basic authentication (none when both
// ID and Secret are empty), X-App-Token when creds has one, and a fresh
// X-Socrata-RequestId. A nil hc gets a client fit for large uploads: no
// overall timeout, but bounded dialing, TLS handshakes and waits for
// response headers, and no redirects to plain http.
func NewClient(domain string, creds Credentials, hc *http.Client, opts ...Option) (*Client, error) {
	d, err := ParseDomain(domain)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(d.BaseURL())
	if err != nil {
		return nil, fmt.Errorf("socrata: %w: %q", ErrBadDomain, clip(domain))
	}
	if hc == nil {
		hc = defaultHTTPClient()
	}
	c := &Client{
		domain:    d,
		base:      base,
		creds:     creds,
		hc:        hc,
		userAgent: "socrata-wizard",
		retry:     DefaultRetryPolicy(),
		scrub:     secretsOf(creds),
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Domain is the portal the client talks to, in canonical form.
func (c *Client) Domain() Domain { return c.domain }

// BaseURL is the portal's root URL, such as "https://data.ct.gov".
func (c *Client) BaseURL() string { return c.domain.BaseURL() }

// datasetLink is the web page of a dataset on this portal.
func (c *Client) datasetLink(id DatasetID) string {
	return c.BaseURL() + "/d/" + string(id)
}

// resourcePath is a dataset's SODA endpoint, which reads and writes rows.
func resourcePath(id DatasetID) string { return "/resource/" + string(id) + ".json" }

// secretsOf lists the strings that must never appear in an error: the
// secret, the Basic header value built from it, and the app token.
func secretsOf(creds Credentials) scrubber {
	var s scrubber
	if creds.Secret != "" {
		s = append(s, base64.StdEncoding.EncodeToString([]byte(creds.ID+":"+creds.Secret)), creds.Secret)
		if one := oneLine(creds.Secret); one != creds.Secret && one != "" {
			s = append(s, one)
		}
	}
	if creds.AppToken != "" {
		s = append(s, creds.AppToken)
	}
	return s
}

var defaultTransport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	// A replace or a large upsert is answered only once the portal has
	// processed every row, so the wait for headers is long; the caller's
	// context bounds the whole call when it needs to.
	t.ResponseHeaderTimeout = 10 * time.Minute
	t.ExpectContinueTimeout = time.Second
	t.IdleConnTimeout = 90 * time.Second
	return t
})

// defaultHTTPClient shares one transport among all clients, so that
// connections to the portal are reused from one client to the next.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: defaultTransport(), CheckRedirect: checkRedirect}
}

// checkRedirect refuses redirects that would carry credentials over plain
// http to another computer.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Hostname()) {
		return errInsecureRedirect
	}
	return nil
}

// request is one logical call; do may send it several times.
type request struct {
	method string
	// path is a path on the portal ("/api/views/x.json") or a link from a
	// DSMAPI answer, which may also be an absolute URL on the portal.
	path  string
	query url.Values
	// body is sent as is and can be sent again; stream is sent once with
	// chunked transfer encoding and never retried.
	body   []byte
	stream io.Reader
	// open, when set, makes the body afresh for each attempt, length
	// bytes long; the transport closes it.
	open        func() (io.ReadCloser, error)
	length      int64
	contentType string
	// accept is the Accept header; empty means application/json.
	accept string
	// retry marks a call that is safe to repeat.
	retry bool
	// accept202 treats 202 Accepted as success (DSMAPI answers 202 to
	// revision updates and task set polls).
	accept202 bool
}

// resolve turns a path or link into a URL on the portal, refusing links
// that point anywhere else so credentials never leave the portal.
func (c *Client) resolve(p string, q url.Values) (*url.URL, error) {
	ref, err := url.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("socrata: bad request path %q: %w", clip(p), err)
	}
	u := c.base.ResolveReference(ref)
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return nil, fmt.Errorf("socrata: refusing to follow a link to %s://%s, which is not %s", u.Scheme, u.Host, c.domain)
	}
	if len(q) > 0 {
		all := u.Query()
		for k, vs := range q {
			for _, v := range vs {
				all.Add(k, v)
			}
		}
		u.RawQuery = all.Encode()
	}
	return u, nil
}

// newRequestID returns 32 random hex digits for X-Socrata-RequestId.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hideType keeps http.NewRequest from learning a stream's length, so that
// it is sent with chunked transfer encoding instead of being measured.
type hideType struct{ io.Reader }

// newRequest builds one attempt at r. Each attempt gets its own
// X-Socrata-RequestId, so that each can be found in the portal's logs.
func (c *Client) newRequest(ctx context.Context, r *request, u *url.URL, trace *httptrace.ClientTrace) (*http.Request, error) {
	var body io.Reader
	switch {
	case r.stream != nil:
		body = hideType{r.stream}
	case r.body != nil:
		body = bytes.NewReader(r.body)
	case r.open != nil && r.length == 0:
		body = http.NoBody
	case r.open != nil:
		rc, err := r.open()
		if err != nil {
			return nil, err
		}
		body = rc
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), r.method, u.String(), body)
	if err != nil {
		if rc, ok := body.(io.Closer); ok {
			rc.Close()
		}
		return nil, fmt.Errorf("socrata: building %s %s: %w", r.method, u.Path, err)
	}
	switch {
	case r.stream != nil:
		req.ContentLength = -1
	case r.open != nil:
		req.ContentLength = r.length
	}
	if c.creds.ID != "" || c.creds.Secret != "" {
		req.SetBasicAuth(c.creds.ID, c.creds.Secret)
	}
	if c.creds.AppToken != "" {
		req.Header.Set("X-App-Token", c.creds.AppToken)
	}
	req.Header.Set("X-Socrata-RequestId", newRequestID())
	req.Header.Set("User-Agent", c.userAgent)
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	return req, nil
}

// do sends r, retrying when r allows it, and returns a response with a
// 2xx status whose body the caller must close. Any other status comes
// back as an *APIError and a transport failure as a *netError, either of
// them inside a *RetryError once the call has been sent more than once.
func (c *Client) do(ctx context.Context, r *request) (*http.Response, error) {
	u, err := c.resolve(r.path, r.query)
	if err != nil {
		return nil, err
	}
	pol := c.retry.withDefaults()
	attempts := pol.MaxAttempts
	if !r.retry || r.stream != nil {
		attempts = 1
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, &netError{method: r.method, path: u.Path, host: c.domain.Host(), hint: hintFor(err), err: err}
		}
		var sent atomic.Bool
		trace := &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}
		req, err := c.newRequest(ctx, r, u, trace)
		if err != nil {
			return nil, err
		}
		resp, err := c.hc.Do(req)
		if err == nil && resp.Request == nil {
			// A RoundTripper other than http.Transport need not set it,
			// and reading an answer takes its path and request id from it.
			resp.Request = req
		}
		var (
			failure error
			again   bool
			wait    time.Duration
		)
		switch {
		case err != nil:
			hint, ok := classifyNetError(err, c.domain.Host())
			if ctx.Err() != nil {
				hint, ok = hintFor(ctx.Err()), false
			}
			failure = &netError{method: r.method, path: u.Path, host: c.domain.Host(), hint: hint, err: err, sent: sent.Load()}
			again = ok
			wait = pol.backoff(attempt)
		case resp.StatusCode == http.StatusAccepted && !r.accept202 && r.method == http.MethodGet:
			// A GET answered "still working on it": ask again later,
			// with the ticket when the portal gave one.
			ticket := readTicket(resp)
			if ticket != "" {
				q := u.Query()
				q.Set("ticket", ticket)
				u.RawQuery = q.Encode()
			}
			failure = &APIError{Status: http.StatusAccepted, RequestID: requestID(resp),
				Message: "the portal is still preparing the answer; try again in a minute"}
			again = true
			wait = pol.wait(attempt, resp.Header, time.Now())
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return resp, nil
		default:
			failure = c.readAPIError(resp)
			again = retryableStatus(resp.StatusCode)
			wait = pol.wait(attempt, resp.Header, time.Now())
		}
		if !again || attempt >= attempts {
			if attempt > 1 {
				return nil, &RetryError{Attempts: attempt, Err: failure}
			}
			return nil, failure
		}
		if c.onRetry != nil {
			c.onRetry(RetryEvent{Attempt: attempt + 1, Max: attempts, Wait: wait, Err: failure})
		}
		if err := pol.Sleep(ctx, wait); err != nil {
			return nil, &RetryError{Attempts: attempt, Err: failure, Stopped: err}
		}
	}
}

// hintFor words a context error for a person.
func hintFor(err error) string {
	h, _ := classifyNetError(err, "")
	return h
}

// readTicket reads the {"ticket": "..."} a 202 may carry, and closes the
// body.
func readTicket(resp *http.Response) string {
	defer resp.Body.Close()
	var v struct {
		Ticket string `json:"ticket"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&v)
	return v.Ticket
}

// RetryError is a call that was retried and still failed: either it gave
// up when its attempts ran out or a failure could not be retried, or
// (Stopped set) the context ended while it waited to try again. It
// matches the last failure (an *APIError, a network error) and, when
// stopped, the context error, so errors.Is and errors.As see through it.
type RetryError struct {
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the last attempt's failure.
	Err error
	// Stopped is the context's error (context.Canceled or
	// context.DeadlineExceeded) when the context ended during the wait
	// before another attempt; nil when the call gave up.
	Stopped error
}

// Error describes the last failure and how the retries ended.
func (e *RetryError) Error() string {
	if e.Stopped != nil {
		return fmt.Sprintf("socrata: stopped while waiting to retry (%s); the last attempt failed: %s",
			hintFor(e.Stopped), strings.TrimPrefix(e.Err.Error(), "socrata: "))
	}
	return fmt.Sprintf("%s (gave up after %d attempts)", e.Err.Error(), e.Attempts)
}

// Unwrap returns the context error, when stopped, and the last failure.
func (e *RetryError) Unwrap() []error {
	if e.Stopped != nil {
		return []error{e.Stopped, e.Err}
	}
	return []error{e.Err}
}

// requestID is the X-Socrata-RequestId to quote to Socrata support: the
// one the portal echoed in resp or, when it echoed none, the one sent
// with the request that got resp.
func requestID(resp *http.Response) string {
	if id := resp.Header.Get("X-Socrata-RequestId"); id != "" {
		return id
	}
	if resp.Request == nil {
		return ""
	}
	return resp.Request.Header.Get("X-Socrata-RequestId")
}

// jsonBody checks that a successful response carries JSON and returns a
// reader over its body. A web page or other text becomes an *APIError
// matching ErrNotSocrata. The caller closes resp.Body.
func (c *Client) jsonBody(resp *http.Response) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(resp.Body, 4096)
	head, _ := br.Peek(512)
	first := bytes.TrimLeft(head, " \t\r\n\ufeff")
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "html") || len(first) == 0 || (first[0] != '{' && first[0] != '[') {
		return nil, c.notSocrataError(resp, br)
	}
	return br, nil
}

// decodeJSON reads a successful response's JSON body into v and closes
// the body.
func (c *Client) decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	br, err := c.jsonBody(resp)
	if err != nil {
		return err
	}
	if err := json.NewDecoder(br).Decode(v); err != nil {
		return c.decodeError(resp.Request.Method, resp.Request.URL.Path, err)
	}
	return nil
}

// getJSON is a retried GET whose JSON answer is decoded into v.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	resp, err := c.do(ctx, &request{method: http.MethodGet, path: path, query: q, retry: true})
	if err != nil {
		return err
	}
	return c.decodeJSON(resp, v)
}
