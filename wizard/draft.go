package wizard

import (
	"path/filepath"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// Draft is what the wizard has learnt so far. Each step reads what it needs
// from the draft and writes its answer back when the user confirms it.
//
// Credentials live here in memory for the session only; nothing in a Draft
// is written to disk except through [Draft.Job], which leaves the secret out.
type Draft struct {
	// Domain is the portal's host, as socrata.ParseDomain returns it.
	Domain socrata.Domain
	// Creds are the verified credentials, secret included.
	Creds socrata.Credentials
	// Client talks to the portal with those credentials.
	Client *socrata.Client
	// User is who the credentials sign in as.
	User *socrata.User
	// AccountFixed is true when the account was chosen before the wizard
	// started, so the account step is not offered again.
	AccountFixed bool

	// Dataset is the dataset chosen to update.
	Dataset *socrata.Dataset

	// FilePath is the CSV or TSV to publish, and File how it is read.
	FilePath string
	File     *CSVFile
	// Mapping is how the file's columns fill the dataset's fields, and
	// Method how the upload changes the dataset.
	Mapping *Mapping
	Method  Method

	// Report is the last whole-file check, and SendBadRows is true when
	// the user chose to send rows with bad values anyway and let the
	// portal reject them.
	Report      *Report
	SendBadRows bool

	// Route is the API the upload went through.
	Route Route
	// UploadFailed is true when the last upload stopped without finishing.
	UploadFailed bool

	// JobPath is where the job file was saved.
	JobPath string
}

// Job is the draft as a job file: everything needed to repeat the upload,
// and no secret.
func (d *Draft) Job() *Job {
	j := &Job{
		Version:  JobVersion,
		Domain:   string(d.Domain),
		Auth:     AuthRef{Kind: d.Creds.Kind.String(), Login: d.Creds.ID},
		Method:   d.Method,
		Route:    d.Route,
		Timezone: DefaultTimezone,
	}
	if d.SendBadRows {
		j.BadRows = SendBadRows
	}
	if d.Dataset != nil {
		j.Dataset = string(d.Dataset.ID)
		j.DatasetName = d.Dataset.Name
		j.RowIdentifier = d.Dataset.RowIdentifier
	}
	if d.FilePath != "" {
		if abs, err := filepath.Abs(d.FilePath); err == nil {
			j.File = abs
		} else {
			j.File = d.FilePath
		}
	}
	if d.File != nil {
		j.CSV = d.File.Dialect
	}
	if d.Mapping != nil {
		j.Columns = d.Mapping.ColumnMaps()
		j.Points = append([]PointSource(nil), d.Mapping.Points...)
	}
	return j
}
