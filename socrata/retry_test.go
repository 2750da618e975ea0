package socrata_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func busy(status int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		reply(status, jsonType, `{"code":"busy","error":true,"message":"portal busy"}`)(w, r)
	}
}

func TestRetries(t *testing.T) {
	ok := reply(200, jsonType, `{"id":"ab12-cd34"}`)
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		policy   socrata.RetryPolicy
		wantErr  bool
		requests int
		status   int // of the final error
	}{
		{"503 then success", sequence(busy(503, ""), busy(503, ""), ok), socrata.RetryPolicy{}, false, 3, 0},
		{"429 then success", sequence(busy(429, "1"), ok), socrata.RetryPolicy{}, false, 2, 0},
		{"502 then success", sequence(busy(502, ""), ok), socrata.RetryPolicy{}, false, 2, 0},
		{"504 then success", sequence(busy(504, ""), ok), socrata.RetryPolicy{}, false, 2, 0},
		{"gives up after the default 5", busy(503, ""), socrata.RetryPolicy{}, true, 5, 503},
		{"gives up after 3", busy(429, ""), socrata.RetryPolicy{MaxAttempts: 3}, true, 3, 429},
		{"max attempts 1 means no retry", busy(503, ""), socrata.RetryPolicy{MaxAttempts: 1}, true, 1, 503},
		{"500 is not retried", busy(500, ""), socrata.RetryPolicy{}, true, 1, 500},
		{"400 is not retried", busy(400, ""), socrata.RetryPolicy{}, true, 1, 400},
		{"401 is not retried", busy(401, ""), socrata.RetryPolicy{}, true, 1, 401},
		{"404 is not retried", busy(404, ""), socrata.RetryPolicy{}, true, 1, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			s := &sleeps{}
			p := tt.policy
			p.Sleep = s.sleep
			var events []socrata.RetryEvent
			c, err := socrata.NewClient(f.URL, newCreds(t), f.Client(), socrata.WithRetry(p),
				socrata.WithOnRetry(func(e socrata.RetryEvent) { events = append(events, e) }))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CurrentUser(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if n := len(f.requests()); n != tt.requests {
				t.Errorf("portal got %d requests, want %d", n, tt.requests)
			}
			if len(events) != tt.requests-1 || len(s.waits()) != tt.requests-1 {
				t.Errorf("%d retry events and %d sleeps, want %d", len(events), len(s.waits()), tt.requests-1)
			}
			max := p.MaxAttempts
			if max == 0 {
				max = 5
			}
			for i, e := range events {
				if e.Attempt != i+2 || e.Max != max {
					t.Errorf("event %d: attempt %d of %d, want %d of %d", i, e.Attempt, e.Max, i+2, max)
				}
				if e.Wait != s.waits()[i] {
					t.Errorf("event %d says wait %v but the client slept %v", i, e.Wait, s.waits()[i])
				}
				var ae *socrata.APIError
				if !errors.As(e.Err, &ae) || ae.Status < 429 {
					t.Errorf("event %d error = %v, want the busy *APIError", i, e.Err)
				}
			}
			if tt.wantErr {
				var ae *socrata.APIError
				if !errors.As(err, &ae) || ae.Status != tt.status {
					t.Errorf("error = %v, want *APIError with status %d", err, tt.status)
				}
				if tt.requests > 1 && !strings.Contains(err.Error(), "gave up after") {
					t.Errorf("error %q does not say it gave up", err)
				}
				var re *socrata.RetryError
				if got := errors.As(err, &re); got != (tt.requests > 1) {
					t.Errorf("errors.As(*RetryError) = %v after %d requests", got, tt.requests)
				} else if got && (re.Attempts != tt.requests || re.Stopped != nil) {
					t.Errorf("RetryError attempts %d, stopped %v; want %d, nil", re.Attempts, re.Stopped, tt.requests)
				}
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	f := newFake(t, busy(503, ""))
	s := &sleeps{}
	c, err := socrata.NewClient(f.URL, newCreds(t), f.Client(), socrata.WithRetry(socrata.RetryPolicy{
		MaxAttempts: 8, Base: 100 * time.Millisecond, Max: 500 * time.Millisecond, Sleep: s.sleep}))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.CurrentUser(context.Background())
	bounds := []time.Duration{100, 200, 400, 500, 500, 500, 500}
	w := s.waits()
	if len(w) != len(bounds) {
		t.Fatalf("slept %d times, want %d", len(w), len(bounds))
	}
	for i, d := range w {
		if d < 0 || d > bounds[i]*time.Millisecond {
			t.Errorf("wait %d = %v, want within [0, %v]", i, d, bounds[i]*time.Millisecond)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	future := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		header   string
		min, max time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		{"zero seconds", "0", 0, 0},
		{"seconds capped at Max", "3600", 60 * time.Second, 60 * time.Second},
		{"http date", future, 28 * time.Second, 30 * time.Second},
		{"date in the past", past, 0, 0},
		{"garbage falls back to backoff", "soon", 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, status := range []int{429, 503} {
				f := newFake(t, sequence(busy(status, tt.header), reply(200, jsonType, `{"id":"ab12-cd34"}`)))
				c, s := newTestClient(t, f, newCreds(t))
				if _, err := c.CurrentUser(context.Background()); err != nil {
					t.Fatal(err)
				}
				w := s.waits()
				if len(w) != 1 || w[0] < tt.min || w[0] > tt.max {
					t.Errorf("status %d: waits %v, want one in [%v, %v]", status, w, tt.min, tt.max)
				}
			}
		})
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	f := newFake(t, busy(503, "30"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	c, err := socrata.NewClient(f.URL, newCreds(t), f.Client(), socrata.WithOnRetry(func(socrata.RetryEvent) {
		once.Do(cancel) // the person presses cancel while the client waits
	}))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.CurrentUser(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want one matching context.Canceled", err)
	}
	var ae *socrata.APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Errorf("error %v does not carry the 503 that caused the wait", err)
	}
	if !strings.Contains(err.Error(), "stopped while waiting to retry") {
		t.Errorf("error %q does not say the retry was stopped", err)
	}
	var re *socrata.RetryError
	if !errors.As(err, &re) || re.Attempts != 1 || re.Stopped != context.Canceled {
		t.Errorf("error %v is not a RetryError stopped by the cancel after 1 attempt", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("portal got %d requests, want 1", n)
	}
	// The real sleep must have returned on cancel rather than after 30s;
	// this is a liveness check, not a timing assertion.
	if time.Since(start) > 25*time.Second {
		t.Errorf("cancel did not interrupt the wait")
	}
}

func TestGET202IsPolledWithTicket(t *testing.T) {
	f := newFake(t, sequence(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			reply(202, jsonType, `{"ticket":"t-42"}`)(w, r)
		},
		func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("ticket") != "t-42" {
				reply(400, jsonType, `{"message":"no ticket"}`)(w, r)
				return
			}
			reply(200, jsonType, `[{"a":"1"}]`)(w, r)
		},
	))
	c, s := newTestClient(t, f, newCreds(t))
	rows, err := c.Rows(context.Background(), "abcd-1234", socrata.RowsQuery{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Errorf("rows = %v", rows)
	}
	if w := s.waits(); len(w) != 1 || w[0] != 2*time.Second {
		t.Errorf("waits = %v, want [2s] from Retry-After", w)
	}
	if q := f.requests()[1].Query; q.Get("$limit") != "5" {
		t.Errorf("the poll lost the query: %v", q)
	}
}

func TestGET202GivesUp(t *testing.T) {
	f := newFake(t, reply(202, jsonType, `{}`))
	// The policy replaces newTestClient's whole, Sleep too, so it needs
	// its own sleeper or the test would really wait.
	s := &sleeps{}
	c, _ := newTestClient(t, f, newCreds(t), socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 2, Sleep: s.sleep}))
	_, err := c.Rows(context.Background(), "abcd-1234", socrata.RowsQuery{})
	if !errors.Is(err, socrata.ErrAccepted) {
		t.Fatalf("error = %v, want ErrAccepted", err)
	}
	var ae *socrata.APIError
	if !errors.As(err, &ae) || ae.RequestID == "" || ae.RequestID != f.last(t).Header.Get("X-Socrata-RequestId") {
		t.Errorf("error %#v does not carry the last request id sent", ae)
	}
}
