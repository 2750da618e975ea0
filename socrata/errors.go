package socrata

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"unicode"
)

// Sentinel errors that an *APIError matches with errors.Is, by status.
var (
	ErrUnauthorized = errors.New("credentials not accepted")        // 401
	ErrForbidden    = errors.New("not allowed")                     // 403
	ErrNotFound     = errors.New("not found")                       // 404
	ErrRateLimited  = errors.New("too many requests")               // 429
	ErrNotSocrata   = errors.New("not a socrata portal")            // a web page, or a 2xx answer that is not the JSON expected
	ErrInsecure     = errors.New("plain http is only for loopback") // http:// to a real host
)

// Sentinel errors for outcomes that are not a single HTTP status.
var (
	// ErrOutcomeUnknown means a write that must not be repeated blindly (a
	// replace, a DSMAPI apply) failed after the request may have reached
	// the portal: the change may or may not have been made. Look at the
	// dataset before trying again. The error is an *[OutcomeError].
	ErrOutcomeUnknown = errors.New("outcome unknown")
	// ErrAccepted means the portal answered 202 Accepted: it took the
	// request but had not finished it when it answered.
	ErrAccepted = errors.New("accepted but not finished")
	// ErrCatalogWindow means a catalog page lies past the first
	// [CatalogWindow] results, which the catalog refuses to return.
	ErrCatalogWindow = errors.New("past the catalog's 10,000-result window")
)

// maxErrorBody bounds how much of a failed response is read, so that a
// proxy that sends a huge page cannot make the client hold it all.
const maxErrorBody = 64 << 10

// APIError is a failure the portal (or a proxy in front of it) reported.
// Message is a sentence fit to show a person; it never contains
// credentials.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Socrata's error code, such as "authentication_required",
	// when the body had one.
	Code string
	// Message is the portal's message, or a description of the body when it
	// was not Socrata's JSON (an HTML page from a proxy, say).
	Message string
	// Data is the "data" object of a SODA error body, if any.
	Data map[string]any
	// RequestID is the X-Socrata-RequestId to quote to Socrata support.
	RequestID string
	// HTML is true when the body was an HTML page rather than JSON, and
	// for a successful status whose body was anything but the JSON
	// expected (a sign-in page, another web site, plain text): in both
	// cases the answer did not come from Socrata's API, and the error
	// matches [ErrNotSocrata].
	HTML bool

	// notSocrata is set when a successful status carried something other
	// than JSON, such as a sign-in page or another web site. Error then
	// leaves out the status, since "200 OK" would mislead.
	notSocrata bool
}

// Error describes the failure in one line, starting with the status.
func (e *APIError) Error() string {
	if e.notSocrata {
		return "socrata: " + e.Message
	}
	status := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	if http.StatusText(e.Status) == "" {
		status = fmt.Sprintf("%d", e.Status)
	}
	if e.Code != "" {
		status += " (" + e.Code + ")"
	}
	if e.Message == "" {
		return "socrata: " + status
	}
	return "socrata: " + status + ": " + e.Message
}

// Is lets errors.Is match an *APIError against the sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrNotSocrata:
		return e.HTML
	case ErrAccepted:
		return e.Status == http.StatusAccepted
	}
	return false
}

// scrubber removes secrets from text the portal sends back, in case a
// proxy or a debugging page echoes the request's headers.
type scrubber []string

func (s scrubber) clean(text string) string {
	for _, secret := range s {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[hidden]")
		}
	}
	return text
}

func (s scrubber) cleanAny(v any) any {
	switch t := v.(type) {
	case string:
		return s.clean(t)
	case map[string]any:
		for k, x := range t {
			t[k] = s.cleanAny(x)
		}
	case []any:
		for i, x := range t {
			t[i] = s.cleanAny(x)
		}
	}
	return v
}

// readAPIError turns a failed response into an *APIError, reading at most
// maxErrorBody bytes of it. It closes the body.
func (c *Client) readAPIError(resp *http.Response) *APIError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{Status: resp.StatusCode, RequestID: requestID(resp)}
	parseErrorBody(e, resp.Header.Get("Content-Type"), body)
	c.scrub.apiError(e)
	return e
}

// apiError removes secrets from every text field of e.
func (s scrubber) apiError(e *APIError) {
	e.Message = s.clean(e.Message)
	e.Code = s.clean(e.Code)
	if e.Data != nil {
		s.cleanAny(e.Data)
	}
}

// parseErrorBody fills in Code, Message, Data and HTML from any of the body
// shapes Socrata and the proxies in front of it send.
func parseErrorBody(e *APIError, contentType string, body []byte) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	if isMarkup(contentType, trimmed) {
		e.HTML = true
		e.Message = describePage(trimmed, "")
		return
	}
	if trimmed[0] == '{' {
		var obj map[string]json.RawMessage
		if json.Unmarshal(trimmed, &obj) == nil {
			e.Code = firstString(obj, "code", "errorCode", "key")
			e.Message = oneLine(firstString(obj, "message", "error", "errorMessage", "reason", "description"))
			if raw, ok := obj["data"]; ok {
				var data map[string]any
				if json.Unmarshal(raw, &data) == nil {
					e.Data = data
				}
			}
			if e.Code == "" && e.Message == "" {
				e.Message = oneLine(string(trimmed))
			}
			return
		}
	}
	e.Message = oneLine(string(trimmed))
}

// firstString returns the first of keys whose value is a non-empty JSON
// string. Booleans such as "error": true are skipped.
func firstString(obj map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		raw, ok := obj[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// isMarkup reports whether a body is an HTML (or other markup) page.
func isMarkup(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		if strings.Contains(mt, "html") || mt == "text/xml" || mt == "application/xml" {
			return true
		}
	}
	return len(body) > 0 && body[0] == '<'
}

var (
	titleTag = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	h1Tag    = regexp.MustCompile(`(?is)<h1[^>]*>(.*?)</h1>`)
	anyTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// describePage says that the answer was a web page, quoting its title (or
// first heading) so a person can see whether it was a proxy's error, a
// sign-in page or some other site. advice, when set, is appended.
func describePage(body []byte, advice string) string {
	title := ""
	for _, re := range []*regexp.Regexp{titleTag, h1Tag} {
		if m := re.FindSubmatch(body); m != nil {
			title = oneLine(html.UnescapeString(anyTag.ReplaceAllString(string(m[1]), " ")))
			if title != "" {
				break
			}
		}
	}
	msg := "the server answered with a web page, not Socrata's API"
	if title != "" {
		msg = fmt.Sprintf("the server answered with a web page (%q), not Socrata's API", title)
	}
	if advice != "" {
		msg += "; " + advice
	}
	return msg
}

// oneLine collapses whitespace and control characters and bounds the
// length, so that a message fits on a screen line or two.
func oneLine(s string) string {
	const limit = 500
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// notSocrataError is the *APIError for a successful status whose body, read
// from body up to maxErrorBody bytes, was not the JSON the call expected.
func (c *Client) notSocrataError(resp *http.Response, body io.Reader) *APIError {
	head, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	e := &APIError{Status: resp.StatusCode, RequestID: requestID(resp), HTML: true, notSocrata: true}
	trimmed := bytes.TrimSpace(head)
	const advice = "check that the portal address is right and that it is a Socrata portal"
	switch {
	case isMarkup(resp.Header.Get("Content-Type"), trimmed):
		e.Message = describePage(trimmed, advice)
	case len(trimmed) == 0:
		e.Message = "the server sent an empty answer where Socrata's API sends JSON; " + advice
	default:
		e.Message = fmt.Sprintf("the server's answer was not Socrata's JSON (it began %q); %s", clip(oneLine(string(trimmed))), advice)
	}
	c.scrub.apiError(e)
	return e
}

// netError is a request that got no HTTP answer: the name did not resolve,
// the connection failed or was cut, TLS failed, or the context ended. It
// unwraps to the *url.Error from net/http, and through it to the
// *net.DNSError, *net.OpError, TLS or context error underneath.
type netError struct {
	method string
	path   string
	host   string
	hint   string
	err    error
	// sent is true once the request's headers were written, after which
	// the portal may have acted on it.
	sent bool
	// reading is true when the failure came while reading a successful
	// answer's body.
	reading bool
}

// Error words the failure by what it means for the request: stopped by
// the caller, failed once sent (the portal may have acted on it), or never
// reached the portal.
func (e *netError) Error() string {
	cause := e.err.Error()
	var ue interface{ Unwrap() error }
	if errors.As(e.err, &ue) && ue.Unwrap() != nil {
		cause = ue.Unwrap().Error()
	}
	switch {
	case errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded):
		if cause == e.hint || cause == context.Canceled.Error() || cause == context.DeadlineExceeded.Error() {
			return fmt.Sprintf("socrata: %s %s on %s stopped: %s", e.method, e.path, e.host, e.hint)
		}
		return fmt.Sprintf("socrata: %s %s on %s stopped: %s (%s)", e.method, e.path, e.host, e.hint, cause)
	case e.sent:
		return fmt.Sprintf("socrata: %s %s on %s failed: %s (%s)", e.method, e.path, e.host, e.hint, cause)
	}
	return fmt.Sprintf("socrata: cannot reach %s (%s %s): %s (%s)", e.host, e.method, e.path, e.hint, cause)
}

func (e *netError) Unwrap() error { return e.err }

// errInsecureRedirect stops the default client from following a redirect
// that would send credentials over plain http.
var errInsecureRedirect = fmt.Errorf("%w: the portal redirected to a plain http address, which would send credentials unencrypted", ErrInsecure)

// classifyNetError explains a transport failure in words and says whether
// trying again could help.
func classifyNetError(err error, host string) (hint string, retry bool) {
	var (
		dnsErr   *net.DNSError
		certErr  *tls.CertificateVerificationError
		authErr  x509.UnknownAuthorityError
		nameErr  x509.HostnameError
		invalErr x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
		netErr   net.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		return "the request was cancelled", false
	case err == context.DeadlineExceeded:
		// The caller's context ended. net/http's own timeouts (waiting
		// for response headers, say) also match DeadlineExceeded, but
		// they are the portal being slow and are retried below.
		return "the time allowed for it ran out", false
	case errors.Is(err, errInsecureRedirect):
		return "the portal redirected to a plain http address, which would send credentials unencrypted", false
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Sprintf("the name %s could not be found; check the portal address and your network connection", dnsErr.Name), false
		}
		return fmt.Sprintf("looking up the name %s failed; check your network connection", dnsErr.Name), true
	case errors.As(err, &certErr), errors.As(err, &authErr), errors.As(err, &nameErr), errors.As(err, &invalErr):
		return "its security certificate could not be verified; check the address (a network that inspects encrypted traffic can also cause this)", false
	case errors.As(err, &recErr),
		// net/http replaces the RecordHeaderError with a plain error when
		// the answer looks like HTTP.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "it does not speak https on that address; a test portal on this computer is reached with http://", false
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused; the portal may be down, or the address or port may be wrong", true
	case errors.As(err, &netErr) && netErr.Timeout():
		return "it did not answer in time", true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was cut off", true
	}
	return "the request failed", true
}

// OutcomeError is a write that must not be repeated blindly
// ([Client.Replace], [Client.Append], [Client.ApplyRevision]) and that
// failed after the request may have reached the portal: the change may or
// may not have been made. It matches [ErrOutcomeUnknown] and, through Err,
// the failure itself. Its fields are sentences' parts written for people.
type OutcomeError struct {
	// What names the write: "the replace of abcd-1234".
	What string
	// Cause says why the outcome is unknown: "the connection was cut off
	// after the request was sent".
	Cause string
	// Advice is what to do before trying again, a sentence without its
	// full stop: "Check https://data.ct.gov/d/abcd-1234 before you try
	// again".
	Advice string
	// Err is the failure: an *APIError, a network or context error, or an
	// answer that could not be read.
	Err error
}

// Error says that the write may have been applied, why, what to do, and
// the failure underneath.
func (e *OutcomeError) Error() string {
	return fmt.Sprintf("socrata: %s may or may not have been applied: %s. %s (%s)",
		e.What, e.Cause, e.Advice, strings.TrimPrefix(e.Err.Error(), "socrata: "))
}

// Unwrap lets the error match [ErrOutcomeUnknown] and the failure.
func (e *OutcomeError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.Err} }

// shapeError is a successful answer that was JSON, but not in the shape
// Socrata's API gives for the call: some other JSON service answered, or
// the address leads somewhere on a web server that is not the API. It
// matches [ErrNotSocrata] and, when there was one, the JSON decoding error.
type shapeError struct {
	host, method, path string
	// what says in words what was wrong: "it has no user id".
	what string
	err  error
}

func (e *shapeError) Error() string {
	return fmt.Sprintf("socrata: the answer %s gave to %s %s is not what Socrata's API sends (%s); check that the portal address is right and that it is a Socrata portal",
		e.host, e.method, e.path, e.what)
}

func (e *shapeError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrNotSocrata}
	}
	return []error{ErrNotSocrata, e.err}
}

// badShape is the error for a successful answer to method path whose JSON
// was not in the shape expected; what says how, in words.
func (c *Client) badShape(method, path, what string, err error) error {
	return &shapeError{host: c.domain.Host(), method: method, path: path, what: c.scrub.clean(what), err: err}
}

// decodeError explains why a successful answer's JSON could not be read.
// A body that was cut short, or whose reading failed, is a network
// failure after the request was sent (so a write's outcome is unknown);
// JSON that is not well formed or does not fit the call means the server
// is not speaking Socrata's API.
func (c *Client) decodeError(method, path string, err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		netErr    net.Error
	)
	switch {
	case errors.As(err, &syntaxErr):
		return c.badShape(method, path, "it is not well-formed JSON", err)
	case errors.As(err, &typeErr):
		return c.badShape(method, path, describeTypeError(typeErr), err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &netErr),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		hint, _ := classifyNetError(err, c.domain.Host())
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			hint = "the connection was cut off while the answer was being read"
		}
		return &netError{method: method, path: path, host: c.domain.Host(), hint: hint, err: err, sent: true, reading: true}
	}
	// A value our own decoders refused, such as text where a number
	// belongs.
	return c.badShape(method, path, oneLine(err.Error()), err)
}

// describeTypeError says in words which JSON value did not fit: "its
// "id" is a number, not text".
func describeTypeError(e *json.UnmarshalTypeError) string {
	got := jsonValueWords(e.Value)
	want := goTypeWords(e.Type)
	if e.Field != "" {
		return fmt.Sprintf("its %q is %s, not %s", clip(e.Field), got, want)
	}
	return fmt.Sprintf("it is %s, not %s", got, want)
}

// jsonValueWords names the kind of JSON value the decoder found, as
// json.UnmarshalTypeError.Value gives it.
func jsonValueWords(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "string":
		return "text"
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return "a " + clip(v)
}

// goTypeWords names what a Go type holds, in the same words.
func goTypeWords(t reflect.Type) string {
	if t == nil {
		return "what was expected"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return goTypeWords(t.Elem())
	}
	return "what was expected"
}
