package wizard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// CheckOptions tune the headless check.
type CheckOptions struct {
	// BaseDir resolves a relative Job.File: the job file's directory.
	BaseDir string
	// WriteRejects and Progress are as in [ValidateOptions].
	WriteRejects bool
	Progress     func(ValidateProgress)
}

// Check is the headless `check JOB` command without its flags: it reads
// the job's file exactly as the job says, checks the job's mapping against
// the file's header and the job's method, and validates every value,
// without asking the portal. The error is for a file that cannot be opened
// or read at all and for cancellation; every problem with the data or the
// mapping is in the report, whose ExitCode is the command's.
func Check(ctx context.Context, job *Job, opts CheckOptions) (*Report, error) {
	path := job.File
	if path == "" {
		return nil, errors.New("the job names no file to check: set its file")
	}
	if !filepath.IsAbs(path) && opts.BaseDir != "" {
		path = filepath.Join(opts.BaseDir, path)
	}
	rep := &Report{File: path, Encoding: job.CSV.Encoding, Delimiter: job.CSV.Delimiter, Header: job.CSV.Header}
	f, err := OpenCSVWith(path, DialectOptions(job.CSV))
	if err != nil {
		return reportUnreadable(rep, err)
	}
	rep.Size = f.Size

	// The mapping, judged against what the job knows of the dataset.
	ds := jobDataset(job)
	m := mappingFromJob(job, f.Header, ds)
	for _, is := range m.Check(ds, job.Method) {
		if is.Severity != SeverityInfo {
			rep.Mapping = append(rep.Mapping, is)
		}
	}
	plan, err := NewPlan(job, f.Header)
	if err != nil {
		var pe *PlanError
		if !errors.As(err, &pe) {
			return nil, err
		}
		for _, p := range pe.Problems {
			rep.Mapping = append(rep.Mapping, MappingIssue{Severity: SeverityError, Message: p})
		}
		return rep, nil
	}
	for _, u := range plan.Unknown {
		rep.Mapping = append(rep.Mapping, MappingIssue{Severity: SeverityWarning, Source: u,
			Message: fmt.Sprintf("the file has a column %q that the job does not mention; it is not sent: map the file again to send it", u)})
	}
	full, err := Validate(ctx, f, plan, ValidateOptions{Progress: opts.Progress, WriteRejects: opts.WriteRejects})
	if full != nil {
		full.Mapping = rep.Mapping
	}
	return full, err
}

// jobDataset is the dataset as far as a job knows it: the fields it maps
// with their types, and the row identifier.
func jobDataset(job *Job) *socrata.Dataset {
	ds := &socrata.Dataset{ID: socrata.DatasetID(job.Dataset), Name: job.DatasetName, RowIdentifier: job.RowIdentifier}
	seen := map[string]bool{}
	add := func(field string, t socrata.DataType) {
		if field != "" && !seen[field] {
			seen[field] = true
			ds.Columns = append(ds.Columns, socrata.Column{Name: field, FieldName: field, Type: t, RawType: string(t)})
		}
	}
	for _, c := range job.Columns {
		add(c.Field, columnType(c.Type))
	}
	for _, p := range job.Points {
		add(p.Field, socrata.Point)
	}
	if job.RowIdentifier != "" {
		add(job.RowIdentifier, socrata.Text)
	}
	return ds
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as people read it: what was read, then each
// problem with its first examples and line numbers.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	name := filepath.Base(r.File)
	how := []string{}
	if r.Encoding != "" {
		how = append(how, strings.ToUpper(r.Encoding))
	}
	if r.Delimiter != "" {
		how = append(how, DelimiterName(r.Delimiter)+"-separated")
	}
	if r.Header {
		how = append(how, "header row")
	} else {
		how = append(how, "no header row")
	}
	fmt.Fprintf(&b, "Checked %s: %s %s (%s).\n", name, wording.Count(r.Rows), wording.Plural(r.Rows, "row", "rows"), strings.Join(how, ", "))

	for _, m := range r.Mapping {
		fmt.Fprintf(&b, "%s: %s\n", wording.Capital(m.Severity.String()), m.Message)
	}
	if r.Fatal != "" {
		fmt.Fprintf(&b, "The file could not be read to the end: %s\n", r.Fatal)
	}
	if r.Structure > 0 {
		fmt.Fprintf(&b, "%s %s the wrong shape:\n", wording.Count(r.Structure), wording.Plural(r.Structure, "row has", "rows have"))
		for _, e := range r.StructureFirst {
			fmt.Fprintf(&b, "  %s\n", e.Message)
		}
		if more := r.Structure - int64(len(r.StructureFirst)); more > 0 {
			fmt.Fprintf(&b, "  and %s more\n", wording.Count(more))
		}
	}
	for _, c := range r.Columns {
		if c.Bad == 0 {
			continue
		}
		desc := socrata.ParseDataType(c.Type).Label()
		if len(c.Formats) > 0 {
			desc += ", format " + wording.OrList(c.Formats)
		}
		fmt.Fprintf(&b, "%s (from %q, %s): %s bad %s\n", c.Field, c.Source, desc, wording.Count(c.Bad), wording.Plural(c.Bad, "value", "values"))
		for _, e := range c.Examples {
			fmt.Fprintf(&b, "  line %d: %s\n", e.Line, e.Message)
		}
		if more := c.Bad - int64(len(c.Examples)); more > 0 {
			fmt.Fprintf(&b, "  and %s more\n", wording.Count(more))
		}
		if c.SuggestedFormat != "" {
			fmt.Fprintf(&b, "  %q fits the format %s: add it to the column's formats if some rows are written that way\n", c.SuggestedFor, c.SuggestedFormat)
		}
	}
	switch {
	case r.OK():
		b.WriteString("No problems found: every value can be sent.\n")
	case r.Rows == 0 && r.Fatal == "" && r.Complete:
		b.WriteString("The file has no data rows.\n")
	case r.BadRows > 0:
		fmt.Fprintf(&b, "%s of %s %s cannot be sent.\n", wording.Count(r.BadRows), wording.Count(r.Rows), wording.Plural(r.Rows, "row", "rows"))
	}
	if r.Rejected != "" {
		fmt.Fprintf(&b, "Every bad row was written to %s, with its line number and the reason.\n", r.Rejected)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
