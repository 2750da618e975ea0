package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/tui"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// runStart runs the whole wizard with the OS keyring and the saved
// profiles.
func runStart(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "start")
	domain := fs.String("domain", "", "portal to sign in to, such as data.ct.gov")
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	deps, code := accountDeps(ctx, e)
	if code != exitOK {
		return code
	}
	if *domain != "" {
		deps.DefaultDomain = *domain
	}
	return runTUI(ctx, e, deps)
}

// accountDeps are the wizard's dependencies for a real account: the OS
// keyring and the profile index in the config directory.
func accountDeps(ctx context.Context, e *env) (tui.Deps, int) {
	dir, err := account.ConfigDir(e.getenv)
	if err != nil {
		return tui.Deps{}, fail(e, err)
	}
	ps, err := account.LoadProfiles(dir)
	if err != nil {
		return tui.Deps{}, fail(e, err)
	}
	wd, _ := os.Getwd()
	return tui.Deps{
		Ctx:      ctx,
		Version:  version,
		Store:    account.NewKeyringStore(),
		Profiles: ps,
		FileDir:  wd,
	}, exitOK
}

// runTUI runs the interface on the terminal, then prints the trail of
// finished steps so it stays in the scrollback.
func runTUI(ctx context.Context, e *env, deps tui.Deps) int {
	if !isTerminal(e) {
		fmt.Fprintln(e.stderr, "socrata-wizard: the wizard needs a terminal. For scripts and schedulers, use the headless commands: run, check, datasets, whoami (see socrata-wizard help).")
		return exitUsage
	}
	p := tea.NewProgram(tui.New(deps), tea.WithAltScreen(), tea.WithContext(ctx),
		tea.WithInput(e.stdin), tea.WithOutput(e.stderr))
	final, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fail(e, err)
	}
	m, _ := final.(tui.Model)
	for _, line := range m.Trail() {
		fmt.Fprintln(e.stderr, "✓ "+line)
	}
	notes := m.Notes()
	for _, line := range notes {
		fmt.Fprintln(e.stderr, line)
	}
	if m.Err() != nil {
		if len(notes) > 0 {
			// The notes say what the step did before it was stopped.
			fmt.Fprintln(e.stderr, "Stopped before the end.")
		} else {
			fmt.Fprintln(e.stderr, "Stopped before the end; nothing after the last ✓ was done.")
		}
		return exitAborted
	}
	return exitOK
}

// fail prints an error as a sentence, with its hint, and returns exit 1.
func fail(e *env, err error) int {
	fmt.Fprintln(e.stderr, "socrata-wizard: "+wizard.Explain(err))
	if h := wizard.Hint(err); h != "" {
		fmt.Fprintln(e.stderr, h)
	}
	return exitFailed
}

// isTerminal reports whether the program talks to a terminal.
func isTerminal(e *env) bool {
	in, ok1 := e.stdin.(*os.File)
	out, ok2 := e.stderr.(*os.File)
	return ok1 && ok2 && isatty(in) && isatty(out)
}
