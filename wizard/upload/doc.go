// Package upload sends a CSV file to a dataset as a job says, and reports
// exactly what the portal applied. Run takes one of two routes: SODA
// (rows converted here and sent in batches, one request in flight, each
// batch confirmed and written to a checkpoint so that a stopped or failed
// upload resumes where it left off) or the Data Management API (the file
// uploaded to a revision in chunks, converted by the portal with
// transforms that read it as the check does, then applied as a whole). A
// replace through SODA streams the whole file in one request.
//
// Rows that cannot be sent go to the same rejected-rows file the check
// writes (wizard.RejectFile). Progress reaches the caller as Progress
// values; DescribeProgress and SummaryLines word them for a screen or a
// log.
//
// It builds on the core package wizard (the job, the CSV reader, the
// converter) and never imports a terminal package: the wizard's upload
// step and the headless run command drive it alike.
package upload
