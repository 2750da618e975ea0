package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ctopendata/socrata-wizard/wizard/upload"
)

// progressPrinter shows an upload's progress in a headless run: a bar
// redrawn in place on a terminal, or, in a log (cron, Task Scheduler), a
// line every few seconds and whenever the phase or a note changes, so the
// log says what happened without filling up with bars.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	width int // the terminal's width; a line longer than this would wrap and break the redraw
	every time.Duration
	now   func() time.Time

	mu       sync.Mutex
	start    time.Time
	last     time.Time
	phase    upload.Phase
	note     string
	drawn    bool
	lastLine string
}

// barWidth is the width of the bar on a terminal, in cells.
const barWidth = 24

// ttyRefresh bounds how often the bar is redrawn.
const ttyRefresh = 100 * time.Millisecond

// newProgressPrinter prints progress to w: a bar when tty is true, else a
// line at most every interval.
func newProgressPrinter(w io.Writer, tty bool, every time.Duration) *progressPrinter {
	return &progressPrinter{w: w, tty: tty, width: 80, every: every, now: time.Now, phase: -1}
}

// SetWidth tells the printer how wide the terminal is, so that the bar's
// line never wraps (a wrapped line cannot be redrawn in place).
func (p *progressPrinter) SetWidth(cells int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cells > 0 {
		p.width = cells
	}
}

// Update is an upload.Options.Progress function.
func (p *progressPrinter) Update(u upload.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.start.IsZero() {
		p.start = now
	}
	changed := u.Phase != p.phase || u.Note != p.note
	p.phase, p.note = u.Phase, u.Note
	line := upload.DescribeProgress(u, now.Sub(p.start))
	if p.tty {
		if !changed && now.Sub(p.last) < ttyRefresh {
			return
		}
		p.last = now
		frac := u.Fraction()
		full := int(frac * barWidth)
		bar := strings.Repeat("█", full) + strings.Repeat("░", barWidth-full)
		text := fmt.Sprintf("%s %3.0f%% %s", bar, frac*100, line)
		if r := []rune(text); len(r) > p.width-1 {
			text = string(r[:max(p.width-2, 0)]) + "…"
		}
		// \r and erase-line redraw in place; nothing else on a terminal
		// needs escape codes.
		fmt.Fprintf(p.w, "\r\x1b[K%s", text)
		p.drawn = true
		return
	}
	if !changed && now.Sub(p.last) < p.every {
		return
	}
	if line == p.lastLine {
		return
	}
	p.last, p.lastLine = now, line
	fmt.Fprintf(p.w, "%s %s\n", now.Format("15:04:05"), line)
}

// Finish ends the bar's line, so what is printed next starts afresh.
func (p *progressPrinter) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
