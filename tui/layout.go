package tui

import (
	"time"

	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/ctopendata/socrata-wizard/wizard"
)

// helpKeys joins the active step's keys with the global ones.
func (m Model) helpKeys() help.KeyMap {
	var g []key.Binding
	if m.canGoBack() {
		g = append(g, m.keys.Back)
	}
	g = append(g, m.keys.Quit)
	if !m.active().Typing() {
		g = append(g, m.keys.Help)
	}
	return keyList{
		short: append(m.active().ShortHelp(), g...),
		full:  append(m.active().FullHelp(), g),
	}
}

// canGoBack reports whether esc leads back to an earlier step.
func (m Model) canGoBack() bool {
	if m.deps.Single || wizard.Prev(m.cur, &m.draft) == m.cur {
		return false
	}
	if b, ok := m.active().(backStopper); ok {
		return b.CanGoBack()
	}
	return true
}

// keyList is a help.KeyMap made of fixed lists.
type keyList struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyList) ShortHelp() []key.Binding  { return k.short }
func (k keyList) FullHelp() [][]key.Binding { return k.full }

// fitHeight pads s with blank lines, or cuts it, to exactly h lines.
func fitHeight(s string, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// truncate cuts a possibly styled line to w cells, marking the cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// padRight pads or cuts plain or styled text to exactly w cells.
func padRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = truncate(s, w)
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// wrap breaks text into lines no wider than w cells.
func wrap(s string, w int) string {
	if w <= 0 {
		return s
	}
	return ansi.Wordwrap(s, w, "")
}

// shortDate shows a date as 2006-01-02, or "" when unknown.
func shortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02")
}
