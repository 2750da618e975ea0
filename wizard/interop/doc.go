// Package interop holds what the wizard shares with other Socrata tools:
// a job written out for DataSync (its job and control files), for
// socrata-py (a Python script) and for RSocrata (an R script), each
// reading the file and its dates exactly as the wizard's check does, or
// refusing, with a warning, what the tool cannot do the same way.
//
// DataSync's file formats (datasync.go) are kept apart from the code
// that writes them, so that reading a DataSync job into a wizard job can
// live beside the export.
package interop
