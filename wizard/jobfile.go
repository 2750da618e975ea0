package wizard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/atomicfile"
	"github.com/ctopendata/socrata-wizard/wizard/internal/jsonpos"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// JobFileExt is the extension of job files; [DefaultJobPath] puts it after
// the data file's base name.
const JobFileExt = ".job.json"

// maxJobFileSize bounds what LoadJob reads: a job file is a few kilobytes,
// so anything near this is the wrong file (a CSV chosen by mistake).
const maxJobFileSize = 4 << 20

// DefaultJobPath is where the wizard offers to save the job for a data
// file: next to it, as <name>.job.json, so the two travel together.
func DefaultJobPath(csvPath string) string {
	dir, base := filepath.Split(csvPath)
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+JobFileExt)
}

// jobError is a job that cannot be used, with every problem found, so that
// a person editing a job file by hand fixes them all in one go.
type jobError struct {
	// Path is the job file, or "" for a job that was never saved.
	Path string
	// Problems are lower-case sentences, each saying what is wrong and,
	// where it is not obvious, what to do.
	Problems []string
	// Err is the operating system's error when the file could not be
	// opened, kept for errors.Is and out of the message.
	Err error
}

// Unwrap returns the operating system's error, if any.
func (e *jobError) Unwrap() error { return e.Err }

// Error lists the problems on one line.
func (e *jobError) Error() string {
	prefix := "the job"
	if e.Path != "" {
		prefix = "the job file " + e.Path
	}
	if len(e.Problems) == 1 {
		return prefix + " cannot be used: " + e.Problems[0]
	}
	return fmt.Sprintf("%s cannot be used (%d problems): %s", prefix, len(e.Problems), strings.Join(e.Problems, "; "))
}

// Validate checks the job for everything that can be checked without the
// data file or the portal, and returns a *JobError listing every problem.
func (j *Job) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	switch {
	case j.Version == 0:
		add("it has no \"version\"; is it a socrata-wizard job file?")
	case j.Version > JobVersion:
		add("it was written by a newer socrata-wizard (format %d; this one reads up to %d): upgrade socrata-wizard", j.Version, JobVersion)
	case j.Version < 0:
		add("\"version\" %d is not a job file version", j.Version)
	}

	if strings.TrimSpace(j.Domain) == "" {
		add("\"domain\" is empty: give the portal's host, such as data.ct.gov")
	} else if _, err := socrata.ParseDomain(j.Domain); err != nil {
		add("\"domain\": %v", err)
	}

	if j.Dataset == "" {
		add("\"dataset\" is empty: give the dataset id, which looks like abcd-1234")
	} else if _, err := socrata.ParseDatasetID(j.Dataset); err != nil {
		add("\"dataset\": %v (find it in the dataset's web address)", err)
	}

	if strings.TrimSpace(j.File) == "" {
		add("\"file\" is empty: give the CSV or TSV file to publish")
	}
	if !slices.Contains(Methods, j.Method) {
		add("method %d is unknown: want upsert, replace, append or delete", int(j.Method))
	}
	if !slices.Contains(Routes, j.Route) {
		add("route %d is unknown: want auto, soda or dsmapi", int(j.Route))
	}

	switch {
	case j.Auth.Kind == "" && j.Auth.Login != "":
		add("\"auth\" names login %q but no kind: want api_key or password", j.Auth.Login)
	case j.Auth.Kind != "":
		if _, err := socrata.ParseAuthKind(j.Auth.Kind); err != nil {
			add("\"auth\": %v", err)
		}
		if strings.TrimSpace(j.Auth.Login) == "" {
			add("\"auth\" has a kind but no login: give the API key id or username")
		}
	}

	// The same lists the CSV reader takes, so that a job is refused here
	// exactly when the reader would refuse its file.
	if !slices.Contains(delimiters, j.CSV.Delimiter) {
		quoted := make([]string, len(delimiters))
		for i, d := range delimiters {
			quoted[i] = strconv.Quote(d)
		}
		add("\"csv.delimiter\" %q is not supported: want %s", j.CSV.Delimiter, wording.OrList(quoted))
	}
	if !slices.Contains(encodings, j.CSV.Encoding) {
		add("\"csv.encoding\" %q is not supported: want %s", j.CSV.Encoding, strings.Join(encodings, ", "))
	}

	probs = append(probs, j.validateColumns()...)

	if j.Batch.Rows < 0 || j.Batch.Bytes < 0 {
		add("\"batch\" sizes cannot be negative; leave them out for the defaults")
	}
	if len(probs) == 0 {
		return nil
	}
	return &jobError{Problems: probs}
}

// validateFile is Validate for the job file at path, which the error
// names.
func (j *Job) validateFile(path string) error {
	err := j.Validate()
	var je *jobError
	if errors.As(err, &je) {
		je.Path = path
	}
	return err
}

// validateColumns checks the column mapping and point sources.
func (j *Job) validateColumns() []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if len(j.Columns) == 0 {
		add("\"columns\" is empty: a job maps at least one file column onto a dataset field")
		return probs
	}
	sources := map[string]bool{}
	fields := map[string]string{}
	mapped := 0
	for i, c := range j.Columns {
		if c.Source == "" {
			add("column %d has no \"source\" (the file's header text, or column_%d without a header)", i+1, i)
			continue
		}
		sources[c.Source] = true
		if c.Field == "" {
			continue
		}
		mapped++
		if prev, dup := fields[c.Field]; dup {
			add("file columns %q and %q both fill field %q: ignore one of them", prev, c.Source, c.Field)
		}
		fields[c.Field] = c.Source
		if c.Type != "" && socrata.ParseDataType(c.Type) == socrata.Unsupported {
			add("column %q has type %q, which cannot be written", c.Source, c.Type)
		}
		if len(c.Formats) > 0 {
			if _, err := timestamp.ParseFormats(c.Formats); err != nil {
				add("column %q: %v", c.Source, err)
			}
		}
	}
	if mapped == 0 && len(j.Points) == 0 {
		add("no file column is mapped onto a dataset field")
	}
	for _, p := range j.Points {
		if p.Field == "" {
			add("a point in \"points\" has no \"field\"")
			continue
		}
		if src, dup := fields[p.Field]; dup {
			add("field %q is filled both by file column %q and by a point built from latitude and longitude", p.Field, src)
		}
		fields[p.Field] = "(point)"
		for _, part := range []struct{ name, col string }{{"latitude", p.Latitude}, {"longitude", p.Longitude}} {
			if !sources[part.col] {
				add("point %q takes its %s from %q, which is not a file column in \"columns\"", p.Field, part.name, part.col)
			}
		}
	}
	if j.Method == Delete {
		switch {
		case j.RowIdentifier == "":
			add("a delete job needs the dataset's row identifier: set one on the dataset, then make the job again")
		case fields[j.RowIdentifier] == "":
			add("a delete job must map a file column onto the row identifier %q", j.RowIdentifier)
		}
	}
	return probs
}

// SaveJob validates j and writes it to path atomically: a temporary file
// in the same directory, synced, then renamed over any old job, so that a
// crash never leaves half a job behind. When the data file lies in the job
// file's directory or below it, File is written relative to that
// directory, so the pair can be moved together; otherwise it is written
// absolute. A relative j.File is taken as relative to the working
// directory, like a path typed on the command line (LoadJob returns File
// absolute, so a loaded job saves back unchanged). j itself is not
// changed. A job holds no secret, so the file is world-readable (0644)
// like any document.
func SaveJob(path string, j *Job) error {
	out := *j
	if out.Version == 0 {
		out.Version = JobVersion
	}
	if err := out.validateFile(path); err != nil {
		return err
	}
	absJob, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("cannot save the job to %s: %w", path, err)
	}
	out.Domain = canonicalDomain(out.Domain)
	out.File = relativeTo(filepath.Dir(absJob), out.File)
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot save the job to %s: %w", path, err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return wording.FileFailed("cannot save the job to", path, err)
	}
	return nil
}

// canonicalDomain is the client's canonical form of a domain that
// Validate accepted ("DATA.CT.GOV/" becomes "data.ct.gov"), so that jobs
// and profiles name a portal the same way.
func canonicalDomain(d string) string {
	if c, err := socrata.ParseDomain(d); err == nil {
		return string(c)
	}
	return d
}

// relativeTo writes file relative to dir when it lies in dir or below,
// and absolute otherwise.
func relativeTo(dir, file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return abs
	}
	return rel
}

// LoadJob reads and validates the job file at path. Errors say where in
// the file the problem is (line and column for JSON mistakes, the field
// for everything else). A relative File is resolved against the job
// file's directory, so the returned job's File is absolute and the job
// runs the same from cron as from a shell.
func LoadJob(path string) (*Job, error) {
	f, err := os.Open(path)
	if err != nil {
		why := wording.OSReason(err)
		if errors.Is(err, os.ErrNotExist) {
			why += ": check the path, or save the job again from the wizard"
		}
		return nil, &jobError{Path: path, Problems: []string{why}, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJobFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the job file %s: %w", path, err)
	}
	if len(data) > maxJobFileSize {
		return nil, fmt.Errorf("%s is too large to be a job file; job files are small JSON files such as permits%s", path, JobFileExt)
	}

	// Read the version first, so that a newer file gets "upgrade" rather
	// than a complaint about a field this version does not know.
	var head struct {
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err == nil {
		var v int
		if json.Unmarshal(head.Version, &v) == nil && v > JobVersion {
			return nil, &jobError{Path: path, Problems: []string{fmt.Sprintf(
				"it was written by a newer socrata-wizard (format %d; this one reads up to %d): upgrade socrata-wizard", v, JobVersion)}}
		}
	}

	var j Job
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, &jobError{Path: path, Problems: []string{describeJSONError(data, err)}}
	}
	if dec.More() {
		return nil, &jobError{Path: path, Problems: []string{"there is more after the job's closing brace; a job file holds one JSON object"}}
	}
	if err := j.validateFile(path); err != nil {
		return nil, err
	}
	j.Domain = canonicalDomain(j.Domain)
	if !filepath.IsAbs(j.File) {
		absJob, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("cannot resolve the data file of %s: %w", path, err)
		}
		j.File = filepath.Join(filepath.Dir(absJob), j.File)
	}
	return &j, nil
}

// describeJSONError turns a decoding error into a sentence with the line
// and column it happened at. encoding/json gives offsets for syntax and
// type errors only; for an unknown field or a bad method or route, the key
// is looked up in the text.
func describeJSONError(data []byte, err error) string {
	var typeErr *json.UnmarshalTypeError
	at := func(offset int64) string {
		line, col := jsonpos.LineCol(data, offset)
		return fmt.Sprintf("line %d, column %d", line, col)
	}
	atKey := func(key string) string {
		re := regexp.MustCompile(`"` + regexp.QuoteMeta(key) + `"\s*:`)
		if loc := re.FindIndex(data); loc != nil {
			return "at " + at(int64(loc[0])) + ", "
		}
		return ""
	}
	switch {
	case errors.As(err, new(*json.SyntaxError)), errors.Is(err, io.ErrUnexpectedEOF):
		if line, col, ok := jsonpos.Find(data, err); ok {
			return fmt.Sprintf("it is not valid JSON at line %d, column %d (%v)", line, col, err)
		}
		return fmt.Sprintf("it is not valid JSON (%v)", err)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("at %s, %q must be %s, not a JSON %s", at(typeErr.Offset), typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return fmt.Sprintf("%sfield %s is not part of a job file; check its spelling", atKey(strings.Trim(field, `"`)), field)
	case strings.HasPrefix(err.Error(), "unknown method "):
		return atKey("method") + err.Error()
	case strings.HasPrefix(err.Error(), "unknown route "):
		return atKey("route") + err.Error()
	}
	return err.Error()
}

// jsonKind names a Go kind the way a job file's author thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "string":
		return "a string in quotes"
	case "slice":
		return "a list [...]"
	case "struct", "map":
		return "an object {...}"
	}
	return "a " + kind
}
