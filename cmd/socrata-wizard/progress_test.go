package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/wizard/upload"
)

func TestProgressPrinterLog(t *testing.T) {
	var b strings.Builder
	p := newProgressPrinter(&b, false, 5*time.Second)
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p.now = func() time.Time { return clock }
	step := func(d time.Duration, u upload.Progress) {
		clock = clock.Add(d)
		p.Update(u)
	}
	step(0, upload.Progress{Phase: upload.PhasePreparing, TotalBytes: 1 << 20})
	step(time.Second, upload.Progress{Phase: upload.PhaseSending, Rows: 100, Bytes: 1 << 18, TotalBytes: 1 << 20, Batch: 1, Batches: 4})
	step(time.Second, upload.Progress{Phase: upload.PhaseSending, Rows: 200, Bytes: 1 << 19, TotalBytes: 1 << 20, Batch: 2, Batches: 4})
	step(time.Second, upload.Progress{Phase: upload.PhaseSending, Rows: 200, Bytes: 1 << 19, TotalBytes: 1 << 20, Batch: 2, Batches: 4, Note: "portal busy (503): retrying in 1s (attempt 2 of 5)"})
	step(6*time.Second, upload.Progress{Phase: upload.PhaseSending, Rows: 400, Bytes: 1 << 20, TotalBytes: 1 << 20, Batch: 4, Batches: 4})
	p.Finish()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{"preparing", "batch 1 of 4", "portal busy (503)", "batch 4 of 4"}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d (a line per phase or note change, else one every 5 s):\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %q, want it to contain %q", i, lines[i], w)
		}
	}
	if strings.Contains(b.String(), "\r") || strings.Contains(b.String(), "\x1b") {
		t.Error("a log got terminal control codes")
	}
}

func TestProgressPrinterTerminal(t *testing.T) {
	var b strings.Builder
	p := newProgressPrinter(&b, true, 5*time.Second)
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p.now = func() time.Time { return clock }
	for i := range 10 {
		clock = clock.Add(time.Second)
		p.Update(upload.Progress{Phase: upload.PhaseSending, Rows: int64(i * 10), Bytes: int64(i * 100), TotalBytes: 1000})
	}
	p.Finish()
	out := b.String()
	if n := strings.Count(out, "\r"); n != 11 {
		t.Errorf("redraws = %d, want 10 and one to clear", n)
	}
	if !strings.Contains(out, " 90% ") || strings.Contains(out, "\n") {
		t.Errorf("bar output: %q", out)
	}

	// A narrow terminal gets lines cut to its width, never wrapped.
	b.Reset()
	p.SetWidth(40)
	p.Update(upload.Progress{Phase: upload.PhaseSending, Rows: 123456, Bytes: 500, TotalBytes: 1000, Batch: 3, Batches: 7, Note: "portal busy (503): retrying in 4s (attempt 2 of 5)"})
	for _, draw := range strings.Split(b.String(), "\r\x1b[K")[1:] {
		if n := len([]rune(draw)); n > 39 {
			t.Errorf("a %d-cell line on a 40-cell terminal: %q", n, draw)
		}
	}
}
