package socrata

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how a [Client] retries calls that are safe to repeat
// (GETs, upserts, DSMAPI chunk uploads and revision discards) when the
// portal is busy (429, 502, 503, 504) or the network fails. Replaces and
// other writes that must not run twice are never retried.
//
// Zero fields take the defaults of [DefaultRetryPolicy]; MaxAttempts 1
// turns retrying off.
type RetryPolicy struct {
	// MaxAttempts counts the first try too.
	MaxAttempts int
	// Base is the backoff before the second attempt; it doubles for each
	// later one, up to Max. Each wait is drawn at random between zero and
	// that bound ("full jitter"), so that many clients do not retry in step.
	Base time.Duration
	// Max caps every wait, including one asked for by Retry-After.
	Max time.Duration
	// Sleep waits for d or until ctx ends, returning ctx.Err() in that
	// case. Tests replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetryPolicy is 5 attempts with backoff from 1s, capped at 60s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, Base: time.Second, Max: 60 * time.Second, Sleep: sleepCtx}
}

// RetryEvent describes a retry about to happen, so that a user interface
// can say "portal busy (503), retrying in 4s (attempt 2 of 5)".
type RetryEvent struct {
	// Attempt is the attempt about to be made (2 for the first retry); Max
	// is the most there will be.
	Attempt int
	Max     int
	// Wait is how long the client sleeps before that attempt.
	Wait time.Duration
	// Err is why the previous attempt failed: an *APIError or a network
	// error.
	Err error
}

// withDefaults fills in zero fields.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.Base <= 0 {
		p.Base = d.Base
	}
	if p.Max <= 0 {
		p.Max = d.Max
	}
	if p.Sleep == nil {
		p.Sleep = d.Sleep
	}
	return p
}

// backoff is the wait before attempt n+1 after attempt n failed: a random
// duration in [0, min(Max, Base·2^(n-1))].
func (p RetryPolicy) backoff(n int) time.Duration {
	bound := p.Base
	for i := 1; i < n && bound < p.Max; i++ {
		bound *= 2
	}
	if bound > p.Max {
		bound = p.Max
	}
	if bound <= 0 {
		return 0
	}
	return rand.N(bound + 1)
}

// wait is the delay before the next attempt: Retry-After when the answer
// had one (capped at Max), the jittered backoff otherwise.
func (p RetryPolicy) wait(n int, h http.Header, now time.Time) time.Duration {
	if d, ok := retryAfter(h, now); ok {
		if d > p.Max {
			d = p.Max
		}
		return d
	}
	return p.backoff(n)
}

// retryAfter reads a Retry-After header in either of its forms: a number
// of seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// retryableStatus reports whether a status means "busy, try again later".
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
