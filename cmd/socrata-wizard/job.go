package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/interop"
	"github.com/ctopendata/socrata-wizard/wizard/upload"
)

// runCheck validates a job's file headless.
func runCheck(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "check")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	rejects := fs.Bool("write-rejects", false, "write every bad row to <file>.rejected.csv beside the file")
	pos, code, ok := parse(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(e, "check takes one job file: socrata-wizard check JOB [--json]")
	}
	job, err := wizard.LoadJob(pos[0])
	if err != nil {
		return fail(e, err)
	}
	rep, err := wizard.Check(ctx, job, wizard.CheckOptions{BaseDir: filepath.Dir(pos[0]), WriteRejects: *rejects})
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		err = rep.WriteJSON(e.stdout)
	} else {
		err = rep.WriteText(e.stdout)
	}
	if err != nil {
		return fail(e, err)
	}
	return rep.ExitCode()
}

// runJob runs a saved job headless: the scheduled upload.
func runJob(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "run")
	resume := fs.Bool("resume", false, "continue a stopped upload from its last confirmed batch")
	pos, code, ok := parse(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(e, "run takes one job file: socrata-wizard run JOB [--resume]")
	}
	jobPath := pos[0]
	job, err := wizard.LoadJob(jobPath)
	if err != nil {
		return fail(e, err)
	}
	notes := &upload.RetryNotes{}
	h, err := connectHeadless(ctx, e, "", job.Domain, job.Auth, socrata.WithOnRetry(notes.OnRetry))
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stderr, "Job %s: %s %s on %s, credentials from %s.\n", filepath.Base(jobPath), job.Method, job.Dataset, h.domain, h.source)
	ds, err := h.client.Dataset(ctx, socrata.DatasetID(job.Dataset))
	if err != nil {
		return fail(e, err)
	}
	path := job.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(jobPath), path)
	}
	f, err := wizard.OpenCSVWith(path, wizard.DialectOptions(job.CSV))
	if err != nil {
		return fail(e, err)
	}
	printer := newProgressPrinter(e.stderr, isTerminalWriter(e.stderr), 5*time.Second)
	printer.SetWidth(terminalWidth(e.stderr))
	res, err := upload.Run(ctx, h.client, ds, f, job, upload.Options{
		Resume:     *resume,
		Checkpoint: upload.CheckpointPath(jobPath),
		ResumeHint: "socrata-wizard run --resume " + jobPath,
		Progress:   printer.Update,
		Retries:    notes,
		Abort:      secondInterrupt(ctx),
	})
	printer.Finish()
	if res != nil {
		for _, line := range upload.SummaryLines(res) {
			fmt.Fprintln(e.stdout, line)
		}
		// The portal's own count, also after a stop: ctx may be done.
		count, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		if n, err := h.client.RowCount(count, ds.ID); err == nil {
			fmt.Fprintf(e.stdout, "The dataset now has %s rows.\n", wizard.Count(n))
		}
		cancel()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return exitAborted
	case err != nil:
		return fail(e, err)
	case res != nil && res.Rejected > 0:
		return exitFailed
	}
	return exitOK
}

// secondInterrupt is closed by a ctrl+c that comes after the first one
// (which cancelled ctx and lets the request in flight finish), for a
// person who will not wait for it.
func secondInterrupt(ctx context.Context) <-chan struct{} {
	abort := make(chan struct{})
	go func() {
		<-ctx.Done()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		defer signal.Stop(sig)
		<-sig
		close(abort)
	}()
	return abort
}

// runExport writes a job for another tool.
func runExport(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "export")
	to := fs.String("to", "", "datasync, socrata-py or rsocrata")
	dir := fs.String("dir", "", "folder to write into (default: the job file's folder)")
	pos, code, ok := parse(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(e, "export takes one job file: socrata-wizard export JOB --to datasync|socrata-py|rsocrata")
	}
	job, err := wizard.LoadJob(pos[0])
	if err != nil {
		return fail(e, err)
	}
	if *dir == "" {
		*dir = filepath.Dir(pos[0])
	}
	var ex *interop.Export
	switch *to {
	case "datasync":
		ex, err = interop.ExportDataSync(job, *dir)
	case "socrata-py":
		ex, err = interop.ExportSocrataPy(job, *dir)
	case "rsocrata":
		ex, err = interop.ExportRSocrata(job, *dir)
	default:
		return usageErr(e, "--to must be datasync, socrata-py or rsocrata")
	}
	if err != nil {
		return fail(e, err)
	}
	for _, f := range ex.Files {
		fmt.Fprintln(e.stdout, f)
	}
	for _, w := range ex.Warnings {
		fmt.Fprintln(e.stderr, "Note: "+w)
	}
	return exitOK
}

// isTerminalWriter reports whether w is a terminal, for drawing a bar
// rather than printing lines.
func isTerminalWriter(w any) bool {
	f, ok := w.(*os.File)
	return ok && isatty(f)
}
