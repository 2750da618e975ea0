package interop

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
	"unicode"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// pyTransforms maps a dataset type to the Data Management API transform
// that produces it from a text column; types missing here cannot be
// produced exactly by a transform, so the socrata-py export refuses jobs
// that write them.
var pyTransforms = map[socrata.DataType]string{
	socrata.Text:              "to_text",
	socrata.Number:            "to_number",
	socrata.Money:             "to_number",
	socrata.Percent:           "to_number",
	socrata.Checkbox:          "to_boolean",
	socrata.FloatingTimestamp: "to_floating_timestamp",
	socrata.FixedTimestamp:    "to_fixed_timestamp",
	socrata.Point:             "to_point",
	socrata.MultiPoint:        "to_multipoint",
	socrata.Line:              "to_line",
	socrata.MultiLine:         "to_multiline",
	socrata.Polygon:           "to_polygon",
	socrata.MultiPolygon:      "to_multipolygon",
}

// scriptColumn is one file column as the scripts' tables describe it.
// Formats are strptime patterns, tried in order; "" stands for ISO 8601
// in a list of several, and no pattern at all means ISO 8601 only.
type scriptColumn struct {
	Source, Field, Kind, Timezone string
	Formats                       []string
	Clean, YesNo                  bool
}

// scriptData is what the script templates fill in.
type scriptData struct {
	Title, Domain, Dataset, File, FileName, Encoding, Delimiter string
	Header, NoQuote                                             bool
	Method, Action                                              string
	Columns                                                     []scriptColumn
	Points                                                      []wizard.PointSource
	Transforms                                                  [][2]string
	DeveloperSettings                                           string
	ResourceURL                                                 string
	ChunkRows                                                   int
}

// scriptFuncs are the template helpers: q writes a string literal both
// Python and R read; c makes text safe inside a comment or docstring.
var scriptFuncs = template.FuncMap{"q": literal, "c": commentSafe}

// commentSafe makes text from outside (a dataset name from the portal, a
// file name) safe to put in a script's comment or docstring: without line
// breaks, control characters, quotes or backslashes it cannot end the
// comment and turn the rest of the line into code.
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '`':
			return '\''
		case r == '\\':
			return '/'
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\u0085':
			return ' '
		}
		return r
	}, s)
}

// buildScriptData collects what both script exporters need, translating
// DataSync date patterns for reader, the script's strptime. Formats it
// cannot translate are an error: a script that parses dates wrongly is
// worse than none.
func buildScriptData(j *wizard.Job, file string, reader timestamp.Reader) (*scriptData, error) {
	d := &scriptData{
		Title: j.DatasetName, Domain: socrata.Domain(j.Domain).Host(),
		Dataset: j.Dataset, File: file, FileName: filepath.Base(file), Encoding: j.CSV.Encoding, Delimiter: j.CSV.Delimiter,
		Header: j.CSV.Header, NoQuote: j.CSV.NoQuote, Method: j.Method.String(),
		DeveloperSettings: account.DeveloperSettingsURL(j.Domain),
		ResourceURL:       account.PortalURL(j.Domain) + "/resource/" + j.Dataset + ".json",
		ChunkRows:         j.Batch.Rows,
	}
	if d.Title == "" {
		d.Title = j.Dataset
	}
	if d.ChunkRows <= 0 {
		d.ChunkRows = 10000
	}
	switch j.Method {
	case wizard.Replace:
		d.Action = "replace"
	case wizard.Delete:
		d.Action = "delete"
	default:
		d.Action = "update"
	}
	for _, c := range j.Columns {
		sc := scriptColumn{Source: c.Source, Field: c.Field, Clean: c.Clean, YesNo: c.YesNo}
		if c.Field != "" && c.Type != "" {
			kind := socrata.ParseDataType(c.Type)
			sc.Kind = string(kind)
			if kind == socrata.FloatingTimestamp || kind == socrata.FixedTimestamp {
				if !isISOFormats(c.Formats) {
					for _, pattern := range c.Formats {
						f, err := timestamp.Strftime(pattern, reader)
						if err != nil {
							return nil, fmt.Errorf("file column %q: %w", c.Source, err)
						}
						sc.Formats = append(sc.Formats, f)
					}
				}
				if kind == socrata.FixedTimestamp {
					sc.Timezone = columnTimezone(j, c)
				}
			}
		}
		d.Columns = append(d.Columns, sc)
	}
	d.Points = j.Points
	return d, nil
}

// ExportSocrataPy writes <name>_socrata.py into dir: a Python script that
// publishes the job's file with socrata-py through a Data Management API
// revision (update, replace or delete), reading credentials from
// SOCRATA_KEY_ID/SOCRATA_KEY_SECRET (or SOCRATA_USERNAME/SOCRATA_PASSWORD).
// The script prepares the file first as the job says (header check,
// ignored columns dropped, numbers cleaned, Y/N read, dates parsed with
// the job's patterns, points built), sets a transform per column so the
// dataset's types are kept, stops if the upload would change the
// dataset's columns or has rows in error, and only then applies.
func ExportSocrataPy(j *wizard.Job, dir string) (*Export, error) {
	name, file, err := exportBase(j)
	if err != nil {
		return nil, err
	}
	d, err := buildScriptData(j, file, timestamp.PythonStrptime)
	if err != nil {
		return nil, err
	}
	for _, m := range mapped(j) {
		fn, ok := pyTransforms[m.Kind]
		switch {
		case m.Kind == "":
			// No type in the job: leave the portal's guess; the script's
			// schema check stops if it differs from the dataset.
		case !ok:
			return nil, fmt.Errorf("field %q is a %s column, which a socrata-py revision cannot fill without "+
				"changing its type; use the DataSync export or socrata-wizard itself for this job", m.Field, m.Kind.Label())
		default:
			d.Transforms = append(d.Transforms, [2]string{m.Field, fmt.Sprintf("%s(`%s`)", fn, m.Field)})
		}
	}
	for _, p := range j.Points {
		d.Transforms = append(d.Transforms, [2]string{p.Field, fmt.Sprintf("to_point(`%s`)", p.Field)})
	}
	var buf bytes.Buffer
	if err := socrataPyTemplate.Execute(&buf, d); err != nil {
		return nil, err
	}
	ex := &Export{}
	ex.warnf("The socrata-py script sends the whole file as a new revision, whose columns become the dataset's: " +
		"it stops before applying when the file does not supply every dataset column with its current type.")
	if err := ex.write(filepath.Join(dir, name+"_socrata.py"), buf.Bytes(), 0o755); err != nil {
		return nil, err
	}
	return ex, nil
}

var socrataPyTemplate = template.Must(template.New("py").Funcs(scriptFuncs).Parse(`#!/usr/bin/env python3
"""Publish {{c .FileName}} to {{c .Title}} ({{.Dataset}}) on {{c .Domain}}.

Made by socrata-wizard from a job file. It does what the job does ({{.Method}}),
through a Data Management API revision, with socrata-py:

    pip install socrata-py

Credentials come from the environment, never from this file:

    SOCRATA_KEY_ID and SOCRATA_KEY_SECRET   an API key (recommended; create one at
                                            {{.DeveloperSettings}})
    or SOCRATA_USERNAME and SOCRATA_PASSWORD

Exit status: 0 when the revision was applied (or sent for approval), 1 otherwise.
"""

import csv
import os
import re
import sys
import tempfile
from datetime import datetime, timezone

from socrata import Socrata
from socrata.authorization import Authorization

DOMAIN = {{q .Domain}}
DATASET_ID = {{q .Dataset}}
DATA_FILE = {{q .File}}
ENCODING = {{q .Encoding}}
DELIMITER = {{q .Delimiter}}
HAS_HEADER = {{if .Header}}True{{else}}False{{end}}
QUOTING = {{if .NoQuote}}csv.QUOTE_NONE  # quotes are ordinary characters in this file{{else}}csv.QUOTE_MINIMAL{{end}}
ACTION = {{q .Action}}  # update (upsert), replace or delete

# One entry per file column, in file order: header, dataset field (None: ignored),
# type, strptime patterns for dates tried in order (None: ISO 8601), zone for
# zone-less fixed timestamps, strip number formatting, read Y/N as a checkbox.
COLUMNS = [
{{- range .Columns}}
    ({{q .Source}}, {{if .Field}}{{q .Field}}{{else}}None{{end}}, {{if .Kind}}{{q .Kind}}{{else}}None{{end}}, {{if .Formats}}[{{range $i, $f := .Formats}}{{if $i}}, {{end}}{{if $f}}{{q $f}}{{else}}None{{end}}{{end}}]{{else}}None{{end}}, {{if .Timezone}}{{q .Timezone}}{{else}}None{{end}}, {{if .Clean}}True{{else}}False{{end}}, {{if .YesNo}}True{{else}}False{{end}}),
{{- end}}
]

# Point fields built from a latitude and a longitude column (file headers).
POINTS = [
{{- range .Points}}
    ({{q .Field}}, {{q .Latitude}}, {{q .Longitude}}),
{{- end}}
]

# The transform that gives each field the dataset's type.
TRANSFORMS = [
{{- range .Transforms}}
    ({{q (index . 0)}}, {{q (index . 1)}}),
{{- end}}
]

# Legacy and current names of the same column types, for the schema check.
SAME_TYPE = {
    "calendar_date": "floating_timestamp", "date": "fixed_timestamp", "boolean": "checkbox",
    "double": "number", "money": "number", "percent": "number", "html": "text",
}


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def credentials():
    for id_var, secret_var in (("SOCRATA_KEY_ID", "SOCRATA_KEY_SECRET"), ("SOCRATA_USERNAME", "SOCRATA_PASSWORD")):
        login, secret = os.environ.get(id_var, ""), os.environ.get(secret_var, "")
        if login and secret:
            return login, secret
        if login or secret:
            fail("%s and %s must be set together." % (id_var, secret_var))
    fail("set SOCRATA_KEY_ID and SOCRATA_KEY_SECRET (or SOCRATA_USERNAME and SOCRATA_PASSWORD) first.")


def read_date(value, pattern):
    """Read a date with a strptime pattern (None: ISO 8601).

    A two-digit year (%y) is read as 1950 to 2049 and a four-digit one as written,
    as socrata-wizard and DataSync read yy; strptime alone reads 69-99 as 19xx and
    00-68 as 20xx, and no four-digit year."""
    if pattern is None:
        return datetime.fromisoformat(value)
    plain = pattern.replace("%%", "\x01")  # so that a literal % before y is not %y
    if "%y" not in plain:
        return datetime.strptime(value, pattern)
    try:
        parsed = datetime.strptime(value, pattern)
    except ValueError:
        return datetime.strptime(value, plain.replace("%y", "%Y").replace("\x01", "%%"))
    return parsed.replace(year=parsed.year - 100) if parsed.year >= 2050 else parsed


def convert(value, kind, patterns, zone, clean, yes_no, where):
    value = value.strip()
    if value == "":
        return ""
    if clean:
        value = re.sub(r"[\s,$\u20ac\u00a3\u00a5%]", "", value)
    if yes_no:
        value = {"y": "true", "yes": "true", "1": "true", "n": "false", "no": "false", "0": "false"}.get(value.lower(), value)
    if kind in ("floating_timestamp", "fixed_timestamp") and patterns:
        parsed = None
        for pattern in patterns:
            try:
                parsed = read_date(value, pattern)
                break
            except ValueError:
                pass
        if parsed is None:
            fail("%s: %r does not match the date pattern %s"
                 % (where, value, " or ".join(p or "ISO 8601" for p in patterns)))
        if kind == "fixed_timestamp" and parsed.tzinfo is None:
            if zone in (None, "UTC"):
                parsed = parsed.replace(tzinfo=timezone.utc)
            else:
                from zoneinfo import ZoneInfo
                parsed = parsed.replace(tzinfo=ZoneInfo(zone))
        value = parsed.isoformat()
    return value


def prepared_file():
    """Write the data as the dataset expects it, row by row, into a temporary UTF-8 CSV."""
    index = {source: i for i, (source, *_rest) in enumerate(COLUMNS)}
    out = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=".csv", delete=False)
    try:
        write_prepared(out, index)
    except BaseException:
        out.close()
        os.remove(out.name)
        raise
    return out.name


def write_prepared(out, index):
    with open(DATA_FILE, encoding=ENCODING, newline="") as src, out:
        reader = csv.reader(src, delimiter=DELIMITER, quoting=QUOTING)
        writer = csv.writer(out)
        if HAS_HEADER:
            header = next(reader, [])
            if header:
                header[0] = header[0].lstrip("\ufeff")
            expected = [c[0] for c in COLUMNS]
            if header != expected:
                fail("the columns of %s have changed since the job was made.\n  expected: %s\n  found:    %s"
                     % (DATA_FILE, expected, header))
        writer.writerow([c[1] for c in COLUMNS if c[1]] + [p[0] for p in POINTS])
        for row in reader:
            where = "line %d" % reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(COLUMNS):
                fail("%s has %d values, but the file has %d columns" % (where, len(row), len(COLUMNS)))
            values = [convert(cell, kind, patterns, zone, clean, yes_no, "%s, column %r" % (where, source))
                      for cell, (source, field, kind, patterns, zone, clean, yes_no) in zip(row, COLUMNS) if field]
            for _field, lat, lon in POINTS:
                y, x = row[index[lat]].strip(), row[index[lon]].strip()
                values.append("POINT (%s %s)" % (x, y) if y and x else "")
            writer.writerow(values)


def normal_type(name):
    name = (name or "").lower()
    return SAME_TYPE.get(name, name)


def check_schema(view, output):
    """Stop before applying if the revision would change the dataset's columns."""
    dataset = {c["fieldName"]: normal_type(c.get("dataTypeName")) for c in view.attributes.get("columns", [])
               if not c["fieldName"].startswith(":")}
    produced = {c["field_name"]: normal_type(c["transform"].get("output_soql_type"))
                for c in output.attributes["output_columns"]}
    problems = []
    for field in sorted(set(dataset) - set(produced)):
        problems.append("the file does not supply dataset column %r" % field)
    for field in sorted(set(produced) - set(dataset)):
        problems.append("the file has column %r, which the dataset does not" % field)
    for field in sorted(set(dataset) & set(produced)):
        if dataset[field] != produced[field]:
            problems.append("column %r would become %s instead of %s" % (field, produced[field], dataset[field]))
    if problems:
        fail("applying this revision would change the dataset's columns:\n  " + "\n  ".join(problems))


def main():
    login, secret = credentials()
    path = prepared_file()
    try:
        client = Socrata(Authorization(DOMAIN, login, secret))
        view = client.views.lookup(DATASET_ID)
        revisions = view.revisions
        revision = {"update": revisions.create_update_revision,
                    "replace": revisions.create_replace_revision,
                    "delete": revisions.create_delete_revision}[ACTION]()
        try:
            with open(path, "rb") as data:
                source = revision.create_upload(os.path.basename(DATA_FILE)).csv(data)
            output = source.wait_for_schema().get_latest_input_schema().get_latest_output_schema()
            for field, expression in TRANSFORMS:
                output = output.change_column_transform(field).to(expression)
            if TRANSFORMS:
                output = output.run()
            output = output.wait_for_finish()
            if ACTION != "delete":
                check_schema(view, output)
            errors = output.attributes.get("error_count") or 0
            if errors:
                report = DATA_FILE + ".errors.csv"
                with open(report, "wb") as f:
                    for chunk in output.schema_errors_csv().iter_content(65536):
                        f.write(chunk)
                fail("%d rows could not be read as the dataset's types; they are listed in %s" % (errors, report))
        except BaseException:
            revision.discard()
            raise
        job = revision.apply(output_schema=output)
        job = job.wait_for_finish(progress=lambda j: print("status:", j.attributes["status"]))
        status = job.attributes["status"]
        print("Revision %s on %s: %s" % (ACTION, DATASET_ID, status))
        sys.exit(0 if status in ("successful", "submitted_for_approval") else 1)
    finally:
        os.remove(path)


if __name__ == "__main__":
    main()
`))
