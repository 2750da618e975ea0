package socratatest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

type ctxKey int

const userCtxKey ctxKey = 0

// requestUser is the signed-in user the middleware attached, or nil for an
// anonymous request.
func requestUser(r *http.Request) *user {
	u, _ := r.Context().Value(userCtxKey).(*user)
	return u
}

func (p *Portal) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/users/current.json", p.handleCurrentUser)
	mux.HandleFunc("GET /api/users/current", p.handleCurrentUser)
	mux.HandleFunc("GET /api/catalog/v1", p.handleCatalog)
	mux.HandleFunc("GET /api/views/{file}", p.handleView)
	mux.HandleFunc("GET /api/views/{id}/rows.csv", p.handleViewRowsCSV)
	mux.HandleFunc("GET /resource/{file}", p.handleResourceGet)
	mux.HandleFunc("POST /resource/{file}", p.handleResourceWrite)
	mux.HandleFunc("PUT /resource/{file}", p.handleResourceWrite)
	mux.HandleFunc("DELETE /resource/{id}/{row}", p.handleResourceDeleteRow)
	p.dsmRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeSODAError(w, http.StatusNotFound, "not_found",
			"socratatest has no endpoint "+r.Method+" "+r.URL.Path+".")
	})
}

// middleware records every request, applies injected faults, answers bad
// credentials with 401 before any handler runs, and tags every reply with
// an X-Socrata-RequestId as the real platform does.
//
// A request is logged when its status is written, before the client can
// see the reply, so a test that reads [Portal.Requests] after a response
// always finds it there.
func (p *Portal) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := &countingReader{r: r.Body}
		r.Body = body
		// The request that follows an injected redirect is not faulted
		// again, and its handler never sees the mark.
		redirected := takeRedirectMark(r)
		entry := Request{
			Method:      r.Method,
			Host:        r.Host,
			Path:        r.URL.Path,
			Query:       withoutAppToken(r.URL.RawQuery),
			ContentType: r.Header.Get("Content-Type"),
			AppToken:    r.Header.Get("X-App-Token") != "" || r.URL.Query().Has("$$app_token"),
		}
		var once sync.Once
		logAs := func(status int) {
			once.Do(func() {
				entry.Size = body.n
				entry.Status = status
				p.record(entry)
			})
		}
		rec := &statusRecorder{ResponseWriter: w, onStatus: logAs}
		var fault Fault
		if !redirected {
			fault = p.pickFault(r)
		}
		// A handler that never replied, and a connection dropped on
		// purpose (a panic runs this too), are logged with status 0.
		defer logAs(0)
		rec.Header().Set("X-Socrata-RequestId", randomHex(16))

		if fault.active() {
			entry.Fault = true
			if fault.Delay > 0 && !wait(r.Context(), fault.Delay) {
				panic(http.ErrAbortHandler) // the client gave up: nothing was handled
			}
			switch {
			case fault.Drop == DropOnArrival:
				panic(http.ErrAbortHandler)
			case fault.Redirect != 0:
				fault.writeRedirect(rec, r)
				return
			case fault.answers() && !fault.AfterHandling:
				fault.write(rec, r)
				return
			}
		}

		a := p.authenticate(r)
		if a.bad {
			writeSODAError(rec, http.StatusUnauthorized, "invalid_credentials",
				"Invalid username and password, or API key id and secret. Check them, or make a new API key in your developer settings.")
			return
		}
		if a.user != nil {
			entry.User = a.user.id()
			r = r.WithContext(context.WithValue(r.Context(), userCtxKey, a.user))
		}
		if !fault.active() {
			next.ServeHTTP(rec, r)
			return
		}
		if fault.UnknownTyp != 0 || fault.MissingEntries != 0 || fault.CountsOff != 0 {
			r = r.WithContext(context.WithValue(r.Context(), faultCtxKey{}, fault))
		}
		switch {
		case fault.Drop == DropAfterHandling:
			// Run the request to completion, changes and all, then lose
			// the reply: the case a client must not blindly retry.
			next.ServeHTTP(&discardWriter{h: http.Header{}}, r)
			panic(http.ErrAbortHandler)
		case fault.answers():
			// Handled, changes and all; then the fault's answer instead
			// of the handler's.
			next.ServeHTTP(&discardWriter{h: http.Header{}}, r)
			fault.write(rec, r)
		case fault.Stall > 0 || fault.Truncate:
			bf := newBodyFault(rec, r, fault)
			next.ServeHTTP(bf, r)
			bf.release()
			if bf.cut {
				panic(http.ErrAbortHandler)
			}
		default:
			next.ServeHTTP(rec, r)
		}
	})
}

// withoutAppToken is a raw query with the value of any app token
// parameter replaced, so that the request log holds no credential.
func withoutAppToken(raw string) string {
	if !strings.Contains(raw, "app_token") {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err == nil && (key == "$$app_token" || key == "app_token") {
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// countingReader counts the body bytes a handler read, for Request.Size.
type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// statusRecorder tells the middleware the status as it is written, so the
// request is logged before the client can see the reply.
type statusRecorder struct {
	http.ResponseWriter
	onStatus func(int)
	wrote    bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.wrote = true
		s.onStatus(code)
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// discardWriter takes the reply of a request whose reply is to be lost.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeSODAError writes the standard SODA error body,
// {"code", "error": true, "message", "data"}.
func writeSODAError(w http.ResponseWriter, status int, code, message string) {
	writeSODAErrorData(w, status, code, message, nil)
}

func writeSODAErrorData(w http.ResponseWriter, status int, code, message string, data map[string]any) {
	body := map[string]any{"code": code, "error": true, "message": message}
	if data != nil {
		body["data"] = data
	}
	writeJSON(w, status, body)
}

// writeCoreError writes the older Core error body with no code, as the
// synced-copy refusal has.
func writeCoreError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"error": true, "message": message})
}

// trimExt drops a known format extension from a path segment and returns
// the format ("json" when there was none).
func trimExt(file string) (string, string) {
	for _, ext := range []string{".json", ".csv"} {
		if strings.HasSuffix(file, ext) {
			return strings.TrimSuffix(file, ext), ext[1:]
		}
	}
	return file, "json"
}

// mediaType is the Content-Type without parameters, lower-cased.
func mediaType(r *http.Request) string {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}
