package socratatest

// How the middleware carries out the faults that do more than answer a
// status: redirects, delays, stalled and truncated bodies, altered write
// answers, and bodies that echo credentials.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// redirectedMark is added to the query of a redirect's Location, so that
// the request that follows it is handled instead of faulted again. The
// middleware takes it off before any handler reads the query.
const redirectedMark = "socratatest_redirected=1"

// takeRedirectMark removes the mark from r's query and reports whether it
// was there.
func takeRedirectMark(r *http.Request) bool {
	if !strings.Contains(r.URL.RawQuery, redirectedMark) {
		return false
	}
	parts := strings.Split(r.URL.RawQuery, "&")
	kept := parts[:0]
	found := false
	for _, p := range parts {
		if p == redirectedMark {
			found = true
			continue
		}
		kept = append(kept, p)
	}
	r.URL.RawQuery = strings.Join(kept, "&")
	return found
}

// writeRedirect answers with f.Redirect and a Location naming the same
// request again, marked.
func (f Fault) writeRedirect(w http.ResponseWriter, r *http.Request) {
	base := f.RedirectTo
	if base == "" {
		host := r.Host
		if f.RedirectAway {
			host = otherLoopback(host)
		}
		base = baseURL(r)[:strings.Index(baseURL(r), "://")+3] + host
	}
	q := r.URL.RawQuery
	if q != "" {
		q += "&"
	}
	loc := strings.TrimSuffix(base, "/") + r.URL.EscapedPath() + "?" + q + redirectedMark
	w.Header().Set("Location", loc)
	writeSODAError(w, f.Redirect, "moved", fmt.Sprintf("This request is answered at %s (redirect injected by socratatest).", loc))
}

// otherLoopback is another name for the loopback host of hostport:
// localhost for an address, 127.0.0.1 for a name.
func otherLoopback(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	other := "localhost"
	if strings.EqualFold(host, "localhost") {
		other = "127.0.0.1"
	}
	if port == "" {
		return other
	}
	return net.JoinHostPort(other, port)
}

// wait sleeps for d, or returns false as soon as ctx is done.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// credentials are what a request carried to identify itself, for the
// echo fault: as sent, and decoded.
type credentials struct {
	authorization, user, secret, appToken string
}

func requestCredentials(r *http.Request) credentials {
	c := credentials{authorization: r.Header.Get("Authorization"), appToken: r.Header.Get("X-App-Token")}
	if c.appToken == "" {
		c.appToken = r.URL.Query().Get("$$app_token")
	}
	if scheme, rest, ok := strings.Cut(c.authorization, " "); ok && strings.EqualFold(scheme, "Basic") {
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest)); err == nil {
			c.user, c.secret, _ = strings.Cut(string(raw), ":")
		}
	}
	return c
}

// writeEcho answers with f.Status (500 when 0) and a body that repeats
// the request's credentials in the form f.Echo names.
func (f Fault) writeEcho(w http.ResponseWriter, r *http.Request) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	c := requestCredentials(r)
	form := "user=" + url.QueryEscape(c.user) + "&password=" + url.QueryEscape(c.secret)
	switch f.Echo {
	case EchoHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body>\n<h1>%[1]d %[2]s</h1>\n"+
			"<p>The request failed. It was sent with:</p>\n<pre>Authorization: %s\nX-App-Token: %s</pre>\n"+
			"<p>Signed in as %s with the password %s (%s).</p>\n</body></html>\n",
			status, html.EscapeString(http.StatusText(status)), html.EscapeString(c.authorization), html.EscapeString(c.appToken),
			html.EscapeString(c.user), html.EscapeString(c.secret), html.EscapeString(form))
	case EchoText:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "%d %s\nAuthorization: %s\nX-App-Token: %s\nuser %s, password %s\n%s\n",
			status, http.StatusText(status), c.authorization, c.appToken, c.user, c.secret, form)
	default:
		writeSODAErrorData(w, status, faultCode(status), fmt.Sprintf("Request failed for %s with password %s (Authorization: %s, X-App-Token: %s).",
			c.user, c.secret, c.authorization, c.appToken), map[string]any{
			"headers": map[string]any{"Authorization": c.authorization, "X-App-Token": c.appToken}, "form": form,
		})
	}
}

// bodyFault holds back a handler's answer so that it can be stalled or
// cut in the middle once the handler has let go of its locks. It holds
// at most holdLimit bytes: a longer answer is stalled or cut when it
// reaches that size, and streams after.
type bodyFault struct {
	w        http.ResponseWriter
	ctx      context.Context
	stall    time.Duration
	truncate bool

	status int
	buf    bytes.Buffer
	held   bool // still holding the answer back
	cut    bool // truncated: the rest is dropped and the connection closed
}

const holdLimit = 1 << 20

func newBodyFault(w http.ResponseWriter, r *http.Request, f Fault) *bodyFault {
	return &bodyFault{w: w, ctx: r.Context(), stall: f.Stall, truncate: f.Truncate, held: true}
}

func (b *bodyFault) Header() http.Header { return b.w.Header() }

func (b *bodyFault) WriteHeader(code int) {
	if b.held {
		if b.status == 0 {
			b.status = code
		}
		return
	}
	b.w.WriteHeader(code)
}

func (b *bodyFault) Write(p []byte) (int, error) {
	switch {
	case b.cut:
		return len(p), nil
	case b.held:
		b.buf.Write(p)
		if b.buf.Len() > holdLimit {
			b.release()
		}
		return len(p), nil
	}
	return b.w.Write(p)
}

// release sends the status and the first half of what was held, then
// stalls and sends the rest, or cuts the answer there.
func (b *bodyFault) release() {
	if !b.held {
		return
	}
	b.held = false
	if b.status == 0 {
		b.status = http.StatusOK
	}
	data := b.buf.Bytes()
	half := len(data) / 2
	b.w.Header().Del("Content-Length") // the answer is sent in chunks, as it is cut
	b.w.WriteHeader(b.status)
	b.w.Write(data[:half])
	http.NewResponseController(b.w).Flush()
	if b.truncate {
		b.cut = true
		return
	}
	if !wait(b.ctx, b.stall) {
		b.cut = true
		return
	}
	b.w.Write(data[half:])
}

type faultCtxKey struct{}

// answerFault is the fault that alters the answer of the request being
// handled, if any.
func answerFault(r *http.Request) Fault {
	f, _ := r.Context().Value(faultCtxKey{}).(Fault)
	return f
}

// unknownTyp is the typ that UnknownTyp gives stream entries: none that a
// client knows (insert, update, delete, error).
const unknownTyp = "unknown_typ"

// alterStream applies MissingEntries and UnknownTyp to a stream answer.
func (f Fault) alterStream(entries []streamEntry) []streamEntry {
	entries = entries[:max(0, len(entries)-f.MissingEntries)]
	for i := max(0, len(entries)-f.UnknownTyp); i < len(entries); i++ {
		entries[i].Typ, entries[i].Err = unknownTyp, ""
	}
	return entries
}

// alterCounts applies CountsOff to a count answer: n more rows created,
// or n fewer (taken from created, then updated, then deleted) when n is
// negative.
func alterCounts(res *writeResult, n int) {
	if n >= 0 {
		res.created += n
		return
	}
	for _, c := range []*int{&res.created, &res.updated, &res.deleted} {
		take := min(*c, -n)
		*c -= take
		n += take
	}
}
