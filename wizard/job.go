package wizard

// JobVersion is the version of the job file format this program writes.
// LoadJob refuses files from a newer version rather than guess.
const JobVersion = 1

// Job is everything needed to repeat an upload without the wizard: which
// portal and stored login, which dataset, which file and how to read it,
// how its columns map onto the dataset, and how to send it. It never holds
// a secret: Auth names the keyring item (or the environment variables used
// in headless runs) that holds it.
type Job struct {
	Version int `json:"version"`
	// Domain is the portal host, such as "data.ct.gov".
	Domain string `json:"domain"`
	// Auth names the stored credentials to use.
	Auth AuthRef `json:"auth"`
	// Dataset is the 4x4 of the dataset to update.
	Dataset     string `json:"dataset"`
	DatasetName string `json:"dataset_name,omitempty"`
	// File is the CSV or TSV to publish. A relative path is resolved
	// against the job file's directory, not the working directory, so a
	// job runs the same from cron and from a shell.
	File   string  `json:"file"`
	Method Method  `json:"method"`
	Route  Route   `json:"route"`
	CSV    Dialect `json:"csv"`
	// RowIdentifier is the dataset's row identifier field at the time the
	// job was made, or "" when it has none.
	RowIdentifier string `json:"row_identifier,omitempty"`
	// Columns has one entry per file column, in file order.
	Columns []ColumnMap `json:"columns"`
	// Points builds point fields from separate latitude and longitude
	// columns.
	Points []PointSource `json:"points,omitempty"`
	// Batch bounds each SODA request; zero values mean the defaults.
	Batch Batch `json:"batch,omitzero"`
	// Timezone is the default zone for fixed timestamps written without
	// one, such as "America/New_York".
	Timezone string `json:"timezone,omitempty"`
	// BadRows says what an upload does with rows whose values fail
	// conversion; "" means [SkipBadRows].
	BadRows BadRowPolicy `json:"bad_rows,omitempty"`
}

// BadRowPolicy says what an upload does with a row whose values cannot be
// converted to the dataset's types.
type BadRowPolicy string

const (
	// SkipBadRows does not send such rows: they are written to the
	// rejected-rows file with their line number and the reason. It is the
	// default, also for "".
	SkipBadRows BadRowPolicy = "skip"
	// SendBadRows sends them as they are, so that the portal judges them,
	// and reports the portal's verdict per line.
	SendBadRows BadRowPolicy = "send"
)

// AuthRef names credentials without holding them.
type AuthRef struct {
	// Kind is "api_key" or "password".
	Kind string `json:"kind"`
	// Login is the API key id or the username.
	Login string `json:"login"`
}

// ColumnMap says what happens to one file column.
type ColumnMap struct {
	// Source is the column's header text, or "column_<i>" (0-based) when
	// the file has no header row.
	Source string `json:"source"`
	// Field is the dataset field it fills; "" means the column is ignored.
	Field string `json:"field,omitempty"`
	// Type is the field's type (a socrata.DataType) when the job was made,
	// so that checks can run without asking the portal.
	Type string `json:"type,omitempty"`
	// Clean strips thousands separators, currency symbols and percent
	// signs from numbers before they are checked and sent.
	Clean bool `json:"clean,omitempty"`
	// YesNo accepts Y/N, Yes/No and 1/0 for checkbox columns.
	YesNo bool `json:"yes_no,omitempty"`
	// Formats are the timestamp patterns in DataSync's (Joda) notation,
	// such as "MM/dd/yyyy" or "ISO8601". A value is read with the first
	// that reads it, so a file whose rows come from two systems that write
	// dates differently can still be checked exactly; none means ISO8601.
	// DataSync's control file takes the same list.
	Formats []string `json:"formats,omitempty"`
	// Timezone overrides Job.Timezone for this column.
	Timezone string `json:"timezone,omitempty"`
}

// PointSource builds a point field from two file columns.
type PointSource struct {
	Field     string `json:"field"`
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
}

// Batch bounds SODA requests.
type Batch struct {
	Rows  int   `json:"rows,omitempty"`
	Bytes int64 `json:"bytes,omitempty"`
}

// BadRowPolicy is the job's BadRows with the default filled in.
func (j *Job) BadRowPolicy() BadRowPolicy {
	if j.BadRows == SendBadRows {
		return SendBadRows
	}
	return SkipBadRows
}

// DefaultTimezone is the zone fixed timestamps are read in when neither the
// job nor the column names one: data.ct.gov's.
const DefaultTimezone = "America/New_York"
