package socratatest

import (
	"net/http"
	"strconv"
	"strings"
)

// Fault is a failure the portal injects instead of (or after) handling a
// request. The zero value is no fault.
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
	// Drop closes the connection instead of replying.
	Drop Drop
}

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

func (f Fault) active() bool { return f.Status != 0 || f.Drop != NoDrop }

func (f Fault) write(w http.ResponseWriter) {
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
	// Method, Path, Query (still encoded) and ContentType are as the
	// request arrived.
	Method      string
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
