package socratatest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure the portal injects instead of (or after) handling a
// request. The zero value is no fault. [ParseFaults] makes them from
// names, as `socrata-wizard portal --faults` does.
//
// Go's http.Transport silently retries a request whose connection dropped
// before any reply when the request is idempotent (GET, HEAD, or one with
// an Idempotency-Key header) and the connection had been used before; a
// test that wants its client to see a dropped GET should fail it more
// than once or use a fresh connection.
type Fault struct {
	// Status, when not zero, is answered instead of handling the request,
	// with Header and Body. An empty Body gets a Socrata-shaped JSON body
	// for the status.
	Status int
	Header http.Header
	Body   string
	// AfterHandling makes Status the answer to a request handled to
	// completion first, its changes applied: a 500 after a write was
	// applied, which a client must not read as "nothing happened".
	AfterHandling bool
	// Echo, with Status (500 when 0), answers with a body that repeats
	// the request's credentials, as a careless proxy's error page might:
	// the Authorization header as sent, the user and secret it decodes
	// to (also URL-encoded), and the app token.
	Echo Echo
	// Drop closes the connection instead of replying.
	Drop Drop

	// Redirect, a 3xx status, answers with a Location naming the same
	// request again, on the same host or, with RedirectAway, on the other
	// loopback name of the same server (localhost for 127.0.0.1 or ::1,
	// 127.0.0.1 for localhost), so that a test can see in
	// [Portal.Requests] what a client sent there. RedirectTo, when set,
	// is the scheme and host to send it to instead, such as another
	// server's URL. The request that follows a redirect is never faulted
	// again, so a client that follows it ends at the real answer.
	Redirect     int
	RedirectAway bool
	RedirectTo   string

	// Delay waits before the request is handled: nothing is sent, not
	// even headers, until it has passed. A client that gives up meanwhile
	// changes nothing.
	Delay time.Duration
	// Stall, after the request was handled, sends the headers and the
	// first half of the answer, then waits this long before the rest.
	Stall time.Duration
	// Truncate, after the request was handled, sends the headers and the
	// first half of the answer, then closes the connection.
	Truncate bool

	// The answer to a SODA write (and, for CountsOff, a Data Management
	// API apply) is altered after the write was applied. UnknownTyp
	// answers in the per-row stream shape with the last UnknownTyp
	// entries given a typ no client knows; MissingEntries answers in the
	// stream shape without its last MissingEntries entries; CountsOff
	// answers in a count shape (snake when the portal answers streams)
	// with CountsOff more rows created than were (fewer when negative),
	// and an apply's task set says so too.
	UnknownTyp, MissingEntries, CountsOff int
}

// Echo is the form of a body that echoes a request's credentials.
type Echo int

const (
	// NoEcho echoes nothing.
	NoEcho Echo = iota
	// EchoJSON is a Socrata-shaped JSON error whose message and data
	// hold the credentials, JSON-escaped.
	EchoJSON
	// EchoHTML is an HTML error page listing them, HTML-escaped.
	EchoHTML
	// EchoText is plain text listing them as they are.
	EchoText
)

// Drop says when a faulted request's connection is closed.
type Drop int

const (
	// NoDrop replies normally.
	NoDrop Drop = iota
	// DropOnArrival closes the connection before reading the request:
	// nothing is applied and the client sees a broken connection.
	DropOnArrival
	// DropAfterHandling handles the request to completion, applying any
	// change it makes, then closes the connection without the reply. A
	// client that retries a replace blindly after this is in trouble.
	DropAfterHandling
)

func (f Fault) active() bool {
	return f.Status != 0 || f.Drop != NoDrop || f.Echo != NoEcho || f.Redirect != 0 || f.Delay > 0 || f.Stall > 0 ||
		f.Truncate || f.UnknownTyp != 0 || f.MissingEntries != 0 || f.CountsOff != 0
}

// answers reports whether the fault answers in place of the handler,
// before or after handling.
func (f Fault) answers() bool { return f.Status != 0 || f.Echo != NoEcho }

func (f Fault) write(w http.ResponseWriter, r *http.Request) {
	if f.Echo != NoEcho {
		f.writeEcho(w, r)
		return
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.Body == "" {
		writeSODAError(w, f.Status, faultCode(f.Status), http.StatusText(f.Status)+" (injected by socratatest).")
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
}

func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	case http.StatusInternalServerError:
		return "internal_error"
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

// RateLimited is a 429 with a Retry-After of the given seconds, as the
// platform's throttle sends.
func RateLimited(retryAfterSeconds int) Fault {
	return Fault{
		Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds)}},
		Body:   `{"code":"too_many_requests","error":true,"message":"Too many requests: slow down, or send an app token."}`,
	}
}

// Unavailable is a 503 with Socrata's JSON error body.
func Unavailable() Fault {
	return Fault{
		Status: http.StatusServiceUnavailable,
		Body:   `{"code":"service_unavailable","error":true,"message":"The service is temporarily unavailable. Try again later."}`,
	}
}

// ProxyTimeout is a 504 HTML page, as a load balancer in front of the
// portal sends when the platform does not answer in time: not JSON, so a
// client must not try to parse it as a Socrata error.
func ProxyTimeout() Fault {
	return Fault{
		Status: http.StatusGatewayTimeout,
		Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n" +
			"<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n",
	}
}

// DropConnection closes the connection before the request is read.
func DropConnection() Fault { return Fault{Drop: DropOnArrival} }

// LoseReply applies the request, then closes the connection without
// replying.
func LoseReply() Fault { return Fault{Drop: DropAfterHandling} }

// SetFault installs a hook consulted on every request before it is
// handled; the Fault it returns is injected. The hook must not read the
// request body. A nil hook removes it. Counted faults from
// [Portal.FailNext] take precedence.
func (p *Portal) SetFault(hook func(r *http.Request) Fault) {
	p.faultMu.Lock()
	p.faultHook = hook
	p.faultMu.Unlock()
}

// FailNext injects f into the next n requests for which match returns
// true (every request when match is nil), then stops.
func (p *Portal) FailNext(n int, match func(r *http.Request) bool, f Fault) {
	if n <= 0 {
		return
	}
	p.faultMu.Lock()
	p.faultNext = append(p.faultNext, countedFault{left: n, match: match, fault: f})
	p.faultMu.Unlock()
}

// Matching returns a request matcher for [Portal.FailNext] and
// [Portal.SetFault] hooks: method ("" for any) and a path prefix.
func Matching(method, pathPrefix string) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		return (method == "" || r.Method == method) && strings.HasPrefix(r.URL.Path, pathPrefix)
	}
}

type countedFault struct {
	left  int
	match func(*http.Request) bool
	fault Fault
}

func (p *Portal) pickFault(r *http.Request) Fault {
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	for i := range p.faultNext {
		c := &p.faultNext[i]
		if c.left > 0 && (c.match == nil || c.match(r)) {
			c.left--
			f := c.fault
			if c.left == 0 {
				p.faultNext = append(p.faultNext[:i], p.faultNext[i+1:]...)
			}
			return f
		}
	}
	if p.faultHook != nil {
		return p.faultHook(r)
	}
	return Fault{}
}

// Request is one request as the portal saw it, for assertions. It holds
// no credentials.
type Request struct {
	// Method, Host, Path, Query (still encoded, an app token's value
	// replaced by REDACTED) and ContentType are as the request arrived.
	Method      string
	Host        string
	Path        string
	Query       string
	ContentType string
	// Size is the number of request body bytes the portal read.
	Size int64
	// Status is the status sent, or 0 when the connection was dropped.
	Status int
	// User is the id of the signed-in user, or "" for anonymous requests
	// and bad credentials.
	User string
	// AppToken is true when the request carried an app token (the
	// X-App-Token header or $$app_token), whose value is not kept.
	AppToken bool
	// Fault is true when a fault was injected into this request.
	Fault bool
}

// maxLog bounds the request log so a long-running demo portal does not
// grow without end.
const maxLog = 20000

func (p *Portal) record(e Request) {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	if len(p.log) >= maxLog {
		p.log = append(p.log[:0], p.log[len(p.log)-maxLog/2:]...)
	}
	p.log = append(p.log, e)
}

// Requests returns the requests handled so far, oldest first (at most the
// last 20,000).
func (p *Portal) Requests() []Request {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	return append([]Request(nil), p.log...)
}

// ResetRequests empties the request log.
func (p *Portal) ResetRequests() {
	p.logMu.Lock()
	p.log = nil
	p.logMu.Unlock()
}
