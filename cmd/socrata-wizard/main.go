// Command socrata-wizard takes a publisher from a first sign-in to a
// scheduled upload on a Socrata open data portal: an interactive wizard,
// and headless commands that run the job files it saves.
//
// Run "socrata-wizard help" for the list of commands. This package holds
// only flags, wiring and exit codes: the wizard is package tui, and the
// headless commands call the domain packages under wizard/ directly,
// printing an upload's progress with a plain terminal bar (progress.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes shared by every command.
const (
	exitOK      = 0
	exitFailed  = 1   // the command ran and failed, or found bad values
	exitUsage   = 2   // the command line was wrong
	exitAborted = 130 // the user stopped it (ctrl+c)
)

// command is one subcommand.
type command struct {
	name    string
	args    string // the usage after the name, such as "JOB [--json]"
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

// env is what a command may touch: its streams and environment, so tests
// can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"start", "[--profile P] [--domain D]", "run the wizard (the default)", runStart},
		{"demo", "", "run the wizard against a built-in sample portal, no account needed", runDemo},
		{"portal", "[--addr 127.0.0.1:0] [--datasets N]", "serve the sample portal alone, for trying other tools", runPortal},
		{"login", "[--domain D] [--key-id ID | --username U] [--secret-stdin]", "sign in and keep the credentials in the OS keyring", runLogin},
		{"logout", "[--profile P]", "forget a saved sign-in", runLogout},
		{"whoami", "[--profile P]", "check a saved sign-in and print who it is", runWhoami},
		{"browse", "[--profile P]", "browse the datasets you can edit", runBrowse},
		{"datasets", "[--search Q] [--mine|--shared] [--json]", "list the datasets you can edit, for scripts", runDatasets},
		{"check", "JOB [--json]", "validate a job's file against the dataset without sending it", runCheck},
		{"run", "JOB [--resume]", "run a saved job headless (cron, Task Scheduler)", runJob},
		{"export", "JOB --to datasync|socrata-py|rsocrata [--dir D]", "write the job for another tool", runExport},
		{"version", "", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// dispatch picks the subcommand and runs it.
func dispatch(ctx context.Context, e *env, args []string) int {
	name := "start"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	switch name {
	case "help":
		usage(e.stdout)
		return exitOK
	case "--version", "-version":
		return runVersion(ctx, e, nil)
	}
	if name == "start" && len(args) > 0 {
		switch args[0] {
		case "--help", "-help", "-h":
			usage(e.stdout)
			return exitOK
		case "--version", "-version":
			return runVersion(ctx, e, nil)
		}
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args)
		}
	}
	fmt.Fprintf(e.stderr, "socrata-wizard: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "socrata-wizard: publish and keep publishing to a Socrata open data portal.")
	fmt.Fprintln(w, "\nUsage: socrata-wizard [command] [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"socrata-wizard COMMAND --help\" for a command's flags.")
	fmt.Fprintln(w, "New here? \"socrata-wizard demo\" tries everything against a sample portal.")
}

// newFlags makes a command's flag set with a usage line that names the
// command.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	for _, c := range commands() {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(e.stderr, "Usage: socrata-wizard %s %s\n\n%s%s.\n", c.name, c.args, strings.ToUpper(c.summary[:1]), c.summary[1:])
				if hasFlags(fs) {
					fmt.Fprintln(e.stderr, "\nFlags:")
					fs.PrintDefaults()
				}
			}
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses flags, which may come before or after the positional
// arguments ("check job.json --json"), and answers --help with the usage
// and exit code 0. ok is false when the command should stop with code.
func parse(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, 0, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func runVersion(_ context.Context, e *env, _ []string) int {
	fmt.Fprintf(e.stdout, "socrata-wizard %s\n", version)
	return exitOK
}
