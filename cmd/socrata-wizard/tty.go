package main

import (
	"os"

	"github.com/charmbracelet/x/term"
)

// isatty reports whether f is a terminal.
func isatty(f *os.File) bool { return term.IsTerminal(f.Fd()) }
