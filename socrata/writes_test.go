package socrata_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestWriteResultShapes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want socrata.WriteResult
	}{
		{
			name: "core summary",
			body: `{"By RowIdentifier": 1, "Rows Updated": 2, "Rows Deleted": 3, "Rows Created": 4, "Errors": 5, "By SID": 0}`,
			want: socrata.WriteResult{Created: 4, Updated: 2, Deleted: 3, Errors: 5},
		},
		{
			name: "core replace summary",
			body: `{"Rows Updated": 0, "Rows Created": 2}`,
			want: socrata.WriteResult{Created: 2},
		},
		{
			name: "snake case with row errors",
			body: `{"rows_created": 1, "rows_updated": 2, "rows_deleted": 0,
			        "errors": [{"error": "bad date", "input_index": 7, "primary_key": "P-0008"},
			                   {"error": "bad number", "input_index": 9, "primary_key": 12},
			                   {"message": "no index"}]}`,
			want: socrata.WriteResult{Created: 1, Updated: 2, Errors: 3, RowErrors: []socrata.RowError{
				{Index: 7, ID: "P-0008", Message: "bad date"},
				{Index: 9, ID: "12", Message: "bad number"},
				{Index: -1, Message: "no index"},
			}},
		},
		{
			name: "snake case without errors",
			body: `{"rows_created": "3", "rows_updated": 0, "rows_deleted": 1, "errors": []}`,
			want: socrata.WriteResult{Created: 3, Deleted: 1},
		},
		{
			name: "streaming array",
			body: `[{"typ": "insert", "id": "P-1", "ver": "rv-1"}, {"typ": "update", "id": "P-2", "ver": "rv-2"},
			        {"typ": "error", "id": "P-3", "err": "Unknown column"}, {"typ": "delete", "id": "P-4"},
			        {"typ": "insert", "id": 5}, {"typ": "error", "err": {"reason": "too long"}}]`,
			want: socrata.WriteResult{Created: 2, Updated: 1, Deleted: 1, Errors: 2, RowErrors: []socrata.RowError{
				{Index: 2, ID: "P-3", Message: "Unknown column"},
				{Index: 5, Message: `{"reason":"too long"}`},
			}},
		},
		{
			name: "empty array",
			body: "\n[ ]\n",
			want: socrata.WriteResult{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, tt.body))
			c, _ := newTestClient(t, f, newCreds(t))
			up, err := c.Upsert(context.Background(), "abcd-1234", []byte(`[{"a":"1"}]`), socrata.JSON)
			if err != nil {
				t.Fatalf("Upsert: %v", err)
			}
			if !reflect.DeepEqual(*up, tt.want) {
				t.Errorf("Upsert result = %+v\nwant %+v", *up, tt.want)
			}
			rep, err := c.Replace(context.Background(), "abcd-1234", strings.NewReader(`[{"a":"1"}]`), socrata.JSON)
			if err != nil {
				t.Fatalf("Replace: %v", err)
			}
			if !reflect.DeepEqual(*rep, tt.want) {
				t.Errorf("Replace result = %+v\nwant %+v", *rep, tt.want)
			}
		})
	}
}

func TestWriteAnswersThatAreNotResults(t *testing.T) {
	tests := []struct {
		name, body string
		says       string
		notSocrata bool
	}{
		{"error with 200", `{"error": true, "message": "Row data was not saved"}`, "Row data was not saved", false},
		{"unknown object", `{"hello": "world"}`, `did not say what the write did: {"hello":"world"}`, true},
		{"entry not an object", `[{"typ": "insert"}, 7]`, "it is a number, not an object", true},
		{"cut short", `[{"typ": "insert"}, {"typ": "upd`, "cut off while the answer was being read", false},
		{"list cut short", `[{"typ": "insert"}`, "cut off while the answer was being read", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, tt.body))
			c, _ := newTestClient(t, f, newCreds(t))
			_, err := c.Upsert(context.Background(), "abcd-1234", []byte(`[]`), socrata.JSON)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error = %v, want one saying %q", err, tt.says)
			}
			if got := errors.Is(err, socrata.ErrNotSocrata); got != tt.notSocrata {
				t.Errorf("errors.Is(%v, ErrNotSocrata) = %v, want %v", err, got, tt.notSocrata)
			}
		})
	}
}

func TestUpsertRequest(t *testing.T) {
	for _, format := range []socrata.Format{socrata.JSON, socrata.CSV} {
		t.Run(format.ContentType(), func(t *testing.T) {
			f := newFake(t, sequence(busy(503, ""), reply(200, jsonType, `{"Rows Created": 1}`)))
			creds := newCreds(t)
			c, _ := newTestClient(t, f, creds, socrata.WithUserAgent("0.9"))
			body := []byte("permit_id,fee\nP-1,12.50\n")
			if format == socrata.JSON {
				body = []byte(`[{"permit_id":"P-1","fee":"12.50"},{"permit_id":"P-2",":deleted":true}]`)
			}
			if _, err := c.Upsert(context.Background(), "abcd-1234", body, format); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 2 {
				t.Fatalf("portal got %d requests, want 2 (one retry)", len(reqs))
			}
			for _, r := range reqs {
				if r.Method != "POST" || r.Path != "/resource/abcd-1234.json" {
					t.Errorf("request = %s %s", r.Method, r.Path)
				}
				if got := r.Header.Get("Content-Type"); got != format.ContentType() {
					t.Errorf("Content-Type = %q, want %q", got, format.ContentType())
				}
				if !bytes.Equal(r.Body, body) {
					t.Errorf("body = %q, want %q", r.Body, body)
				}
				if r.ContentLength != int64(len(body)) {
					t.Errorf("Content-Length = %d, want %d", r.ContentLength, len(body))
				}
				if r.Header.Get("X-App-Token") != creds.AppToken || r.Header.Get("User-Agent") != "socrata-wizard/0.9" {
					t.Errorf("headers = %v", r.Header)
				}
			}
		})
	}
}

func TestUpsertNetworkErrorIsRetried(t *testing.T) {
	calls := 0
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			hijackAndClose(t, w)
			return
		}
		reply(200, jsonType, `{"Rows Created": 2}`)(w, r)
	})
	c, s := newTestClient(t, f, newCreds(t))
	res, err := c.Upsert(context.Background(), "abcd-1234", []byte(`[{},{}]`), socrata.JSON)
	if err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if res.Created != 2 || len(s.waits()) != 1 {
		t.Errorf("result %+v after %d retries, want 2 created after 1", res, len(s.waits()))
	}
}

func TestUpsert202(t *testing.T) {
	f := newFake(t, reply(202, jsonType, `{"ticket":"x"}`))
	c, s := newTestClient(t, f, newCreds(t))
	_, err := c.Upsert(context.Background(), "abcd-1234", []byte(`[]`), socrata.JSON)
	if !errors.Is(err, socrata.ErrAccepted) {
		t.Fatalf("error = %v, want ErrAccepted", err)
	}
	if !strings.Contains(err.Error(), "sending them again is safe") {
		t.Errorf("error %q does not say what to do", err)
	}
	if len(s.waits()) != 0 || len(f.requests()) != 1 {
		t.Errorf("a 202 upsert was resent")
	}
	// The portal echoed no request id, so the one sent is the one to quote.
	var ae *socrata.APIError
	if !errors.As(err, &ae) || ae.RequestID == "" || ae.RequestID != f.last(t).Header.Get("X-Socrata-RequestId") {
		t.Errorf("error %#v does not carry the request id sent", ae)
	}
}

func TestReplaceStreamsChunked(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{"Rows Created": 2}`))
	c, _ := newTestClient(t, f, newCreds(t))
	body := "permit_id,fee\nP-1,1\nP-2,2\n"
	if _, err := c.Replace(context.Background(), "abcd-1234", strings.NewReader(body), socrata.CSV); err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != "PUT" || r.Path != "/resource/abcd-1234.json" || r.Header.Get("Content-Type") != "text/csv" {
		t.Errorf("request = %s %s %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	if string(r.Body) != body {
		t.Errorf("body = %q", r.Body)
	}
	if r.ContentLength != -1 || !reflect.DeepEqual(r.TransferEncoding, []string{"chunked"}) {
		t.Errorf("Content-Length %d, Transfer-Encoding %v; want a chunked stream", r.ContentLength, r.TransferEncoding)
	}
}

// TestReplaceDoesNotBufferTheBody has the portal read the start of the
// body while the rest has not been written yet: a client that read the
// whole body before sending would deadlock here.
func TestReplaceDoesNotBufferTheBody(t *testing.T) {
	gotStart := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 6)
		if _, err := io.ReadFull(r.Body, buf); err != nil || string(buf) != "first\n" {
			t.Errorf("start of body = %q, %v", buf, err)
		}
		close(gotStart)
		rest, _ := io.ReadAll(r.Body)
		if string(rest) != "second\n" {
			t.Errorf("rest of body = %q", rest)
		}
		reply(200, jsonType, `{"Rows Created": 2}`)(w, r)
	}))
	defer srv.Close()
	c, err := socrata.NewClient(srv.URL, newCreds(t), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, "first\n")
		select {
		case <-gotStart:
			io.WriteString(pw, "second\n")
			pw.Close()
		case <-time.After(10 * time.Second):
			pw.CloseWithError(errors.New("the portal never saw the start of the body"))
		}
	}()
	if _, err := c.Replace(context.Background(), "abcd-1234", pr, socrata.CSV); err != nil {
		t.Fatalf("Replace: %v", err)
	}
}

func TestReplaceFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		client  func(t *testing.T, f *fake) *socrata.Client
		unknown bool
		status  int
		says    string
	}{
		{name: "gateway 503", handler: busy(503, "1"), unknown: true, status: 503, says: "may or may not have been applied"},
		{name: "gateway 502 page", handler: reply(502, "text/html", "<title>502 Bad Gateway</title>"), unknown: true, status: 502, says: "Check"},
		{name: "gateway 504", handler: busy(504, ""), unknown: true, status: 504, says: "before you try again"},
		{name: "rate limited 429", handler: busy(429, "1"), unknown: false, status: 429},
		{name: "bad request 400", handler: reply(400, jsonType, `{"message":"Unknown column fee"}`), unknown: false, status: 400},
		{name: "server error 500", handler: reply(500, jsonType, `{"message":"boom"}`), unknown: false, status: 500},
		{name: "connection cut after sending", handler: func(w http.ResponseWriter, r *http.Request) { hijackAndClose(t, w) }, unknown: true, says: "cut off"},
		{name: "sign-in page with 200", handler: reply(200, "text/html", "<title>Sign In</title>"), unknown: true, says: "Sign In"},
		{name: "202 accepted", handler: reply(202, jsonType, `{}`), unknown: true, status: 202, says: "had not finished"},
		{
			name: "connection refused", unknown: false, says: "refused",
			client: func(t *testing.T, f *fake) *socrata.Client {
				c, err := socrata.NewClient(f.URL, newCreds(t), dialer(&netOpRefused))
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if h == nil {
				h = reply(200, jsonType, `{}`)
			}
			f := newFake(t, h)
			var c *socrata.Client
			var s *sleeps
			if tt.client != nil {
				c, s = tt.client(t, f), &sleeps{}
			} else {
				c, s = newTestClient(t, f, newCreds(t))
			}
			_, err := c.Replace(context.Background(), "abcd-1234", strings.NewReader("a\n1\n"), socrata.CSV)
			if err == nil {
				t.Fatal("Replace succeeded")
			}
			if got := errors.Is(err, socrata.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(ErrOutcomeUnknown) = %v, want %v: %v", got, tt.unknown, err)
			}
			if tt.status != 0 {
				var ae *socrata.APIError
				if !errors.As(err, &ae) || ae.Status != tt.status {
					t.Errorf("error %v does not carry status %d", err, tt.status)
				}
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if tt.unknown && !strings.Contains(err.Error(), "/d/abcd-1234") {
				t.Errorf("error %q does not say where to check", err)
			}
			var oe *socrata.OutcomeError
			if got := errors.As(err, &oe); got != tt.unknown {
				t.Errorf("errors.As(*OutcomeError) = %v, want %v", got, tt.unknown)
			} else if got && (oe.What != "the replace of abcd-1234" || oe.Cause == "" ||
				!strings.Contains(oe.Advice, "/d/abcd-1234") || oe.Err == nil) {
				t.Errorf("OutcomeError = %+v, want what, cause, advice and the failure", *oe)
			}
			if n := len(f.requests()); tt.client == nil && n != 1 {
				t.Errorf("portal got %d requests, want 1: a replace is never retried", n)
			}
			if len(s.waits()) != 0 {
				t.Errorf("a replace was retried")
			}
		})
	}
}

func TestReplaceCancelledMidFlight(t *testing.T) {
	started := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, f, newCreds(t))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := c.Replace(ctx, "abcd-1234", strings.NewReader("a\n1\n"), socrata.CSV)
	if !errors.Is(err, socrata.ErrOutcomeUnknown) || !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want ErrOutcomeUnknown and context.Canceled", err)
	}
}

func TestReplaceCancelledBeforeSending(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{}`))
	c, _ := newTestClient(t, f, newCreds(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Replace(ctx, "abcd-1234", strings.NewReader("a\n1\n"), socrata.CSV)
	if !errors.Is(err, context.Canceled) || errors.Is(err, socrata.ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want context.Canceled and a known outcome (nothing sent)", err)
	}
	if len(f.requests()) != 0 {
		t.Errorf("a cancelled replace reached the portal")
	}
}

func TestWritesRefuseBadIDs(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{}`))
	c, _ := newTestClient(t, f, newCreds(t))
	ctx := context.Background()
	if _, err := c.Upsert(ctx, "ABCD-1234", nil, socrata.JSON); err == nil {
		t.Error("Upsert accepted a bad id")
	}
	if _, err := c.Replace(ctx, "../x", strings.NewReader(""), socrata.JSON); err == nil {
		t.Error("Replace accepted a bad id")
	}
	if len(f.requests()) != 0 {
		t.Error("a bad id reached the portal")
	}
}

// hijackAndClose drops the connection without answering, as a failing
// proxy or network would.
func hijackAndClose(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

func TestAppend(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		created int
		unknown bool
		status  int
	}{
		{name: "created", handler: reply(200, jsonType, `{"rows_created": 2, "rows_updated": 0, "rows_deleted": 0, "errors": []}`), created: 2},
		{name: "busy gateway", handler: busy(503, "1"), unknown: true, status: 503},
		{name: "rate limited", handler: busy(429, "1"), status: 429},
		{name: "reply lost", handler: func(w http.ResponseWriter, r *http.Request) { hijackAndClose(t, w) }, unknown: true},
		{name: "202", handler: reply(202, jsonType, `{}`), unknown: true, status: 202},
		{name: "bad request", handler: reply(400, jsonType, `{"message":"Unknown column"}`), status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c, s := newTestClient(t, f, newCreds(t))
			body := []byte("garage,tons\nX,1\nY,2\n")
			res, err := c.Append(context.Background(), "abcd-1234", body, socrata.CSV)
			r := f.last(t)
			if r.Method != "POST" || r.Path != "/resource/abcd-1234.json" || !bytes.Equal(r.Body, body) || r.Header.Get("Content-Type") != "text/csv" {
				t.Errorf("request = %s %s %q %q", r.Method, r.Path, r.Header.Get("Content-Type"), r.Body)
			}
			if len(f.requests()) != 1 || len(s.waits()) != 0 {
				t.Errorf("an append was retried")
			}
			if tt.created > 0 {
				if err != nil || res.Created != tt.created {
					t.Fatalf("result %+v, error %v", res, err)
				}
				return
			}
			if err == nil {
				t.Fatal("Append succeeded")
			}
			if got := errors.Is(err, socrata.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("ErrOutcomeUnknown = %v, want %v: %v", got, tt.unknown, err)
			}
			var ae *socrata.APIError
			if tt.status != 0 && (!errors.As(err, &ae) || ae.Status != tt.status) {
				t.Errorf("error %v, want status %d", err, tt.status)
			}
		})
	}
}
