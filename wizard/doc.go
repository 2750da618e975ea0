// Package wizard is the core of publishing a CSV file to a Socrata
// dataset, without a user interface: the job that says what to send and
// how (job.go, jobfile.go), reading and sniffing CSV files (csvfile*.go,
// sniff.go), mapping a file's columns onto a dataset's fields
// (mapping.go), converting and validating every value against the
// column types (convert*.go, validate.go, check.go), listing the datasets
// a publisher can edit (catalog.go), explaining failures to a person
// (explain.go), and the wizard's steps and the draft they fill in
// (step.go, draft.go).
//
// Each other concern has a package of its own under this one, which
// imports this core and is never imported by it:
//
//   - account: signing in, the OS keyring and the saved logins;
//   - upload: sending a file to a dataset and saying what was applied;
//   - interop: the files of other tools (DataSync, socrata-py, RSocrata);
//   - timestamp: DataSync's timestamp patterns, which the core and both
//     of the last two read;
//   - internal/...: small helpers they share (wording, quoting, atomic
//     file writes, network failure kinds, JSON error positions).
//
// It imports the portal client (package socrata) and never a terminal or
// charmbracelet package, so that everything here is tested without a
// terminal and reused by the headless commands.
package wizard
