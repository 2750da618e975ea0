package socrata

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"5", 5 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-3", 0, false},
		{"99999999999", 24 * time.Hour, true},
		{"Sat, 01 Mar 2025 12:00:45 GMT", 45 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true},
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},
		{"later", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.in != "" {
			h.Set("Retry-After", tt.in)
		}
		got, ok := retryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	p := RetryPolicy{Base: time.Second, Max: 10 * time.Second}.withDefaults()
	for n, bound := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 40: 10 * time.Second} {
		seenHigh := false
		for range 200 {
			d := p.backoff(n)
			if d < 0 || d > bound {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", n, d, bound)
			}
			if d > bound/2 {
				seenHigh = true
			}
		}
		if !seenHigh {
			t.Errorf("backoff(%d) never reached the upper half of [0, %v]: not jittered over the full range", n, bound)
		}
	}
}

func TestDefaultRetryPolicy(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	if p.MaxAttempts != 5 || p.Base != time.Second || p.Max != time.Minute || p.Sleep == nil {
		t.Errorf("defaults = %+v", p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("default Sleep on a cancelled context = %v, want context.Canceled", err)
	}
}
