// Package wizard is the publishing wizard without its user interface: the
// steps and the draft they fill in, reading and sniffing CSV files, mapping
// file columns onto dataset fields, validating values against column
// types, the upload pipeline, the job file and its exports for other tools,
// and the credential store.
//
// It imports the portal client (package socrata) and never a terminal or
// charmbracelet package, so that everything here is tested without a
// terminal and reused by the headless commands.
package wizard
