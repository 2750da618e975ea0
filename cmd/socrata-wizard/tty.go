package main

import (
	"os"

	"github.com/charmbracelet/x/term"
)

// isatty reports whether f is a terminal.
func isatty(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// terminalWidth is w's width in cells, or 0 when w is not a terminal.
func terminalWidth(w any) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return width
}
