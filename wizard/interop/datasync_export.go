package interop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// ExportDataSync writes the job for Socrata DataSync 1.9.9 into dir:
//
//   - <name>.sij, a standard job that publishes over HTTP (delta-importer-2)
//     with the control file embedded and the data file's absolute path;
//   - <name>_control.json, the same control file on its own, for the
//     headless command line;
//   - config.json, DataSync's settings with the domain and login filled in
//     and a placeholder where the password or key secret goes (written
//     once, mode 0600, and kept if it already exists);
//   - <name>_datasync_command.txt, the exact headless command line;
//   - <name>_datasync_README.txt, what each file is and what to do.
//
// Nothing secret is written. Warnings list what DataSync will do
// differently from socrata-wizard.
func ExportDataSync(j *wizard.Job, dir string) (*Export, error) {
	name, file, err := exportBase(j)
	if err != nil {
		return nil, err
	}
	ex := &Export{}
	control := dataSyncControl(j, file, ex)
	controlJSON, err := marshalJSON(control)
	if err != nil {
		return nil, err
	}
	sij := dsJob{
		DatasetID:                 j.Dataset,
		FileToPublish:             file,
		PublishMethod:             j.Method.String(),
		FileToPublishHasHeaderRow: j.CSV.Header,
		PublishViaDi2Http:         true,
		IsPostNbeification:        true,
		FileVersionUID:            4,
		ControlFileContent:        string(controlJSON),
	}
	sijJSON, err := marshalJSON(sij)
	if err != nil {
		return nil, err
	}

	sijPath := filepath.Join(dir, name+".sij")
	controlPath := filepath.Join(dir, name+"_control.json")
	configPath := filepath.Join(dir, dataSyncConfigFile)
	commandPath := filepath.Join(dir, name+"_datasync_command.txt")
	readmePath := filepath.Join(dir, name+"_datasync_README.txt")
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	command := fmt.Sprintf("java -jar DataSync.jar -c %s -f %s -i %s -ph true -cf %s",
		shellQuote(filepath.Join(absDir, dataSyncConfigFile)), shellQuote(file), j.Dataset,
		shellQuote(filepath.Join(absDir, name+"_control.json")))

	if err := ex.write(sijPath, sijJSON, 0o644); err != nil {
		return nil, err
	}
	if err := ex.write(controlPath, controlJSON, 0o644); err != nil {
		return nil, err
	}
	switch _, err := os.Stat(configPath); {
	case errors.Is(err, fs.ErrNotExist):
		cfg, err := marshalJSON(dataSyncConfig(j))
		if err != nil {
			return nil, err
		}
		if err := ex.write(configPath, cfg, 0o600); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("cannot check for an existing %s: %w", configPath, err)
	default:
		ex.warnf("%s already exists and was left as it is; check that its domain and username are %s and %s.",
			configPath, account.PortalURL(j.Domain), loginOrPlaceholder(j))
	}
	if err := ex.write(commandPath, []byte(command+"\n"), 0o644); err != nil {
		return nil, err
	}
	readme := dataSyncReadme(j, name, file, configPath, command, ex.Warnings)
	if err := ex.write(readmePath, []byte(readme), 0o644); err != nil {
		return nil, err
	}
	return ex, nil
}

// dataSyncControl builds the control file in the pattern DataSync's own
// "Map fields" dialog produces: one columns entry per file column, the
// field name for mapped columns and column_<i> (also in ignoreColumns) for
// the rest, skip 1 over a header row, and synthetic points whose latitude
// and longitude name entries of columns.
func dataSyncControl(j *wizard.Job, file string, ex *Export) dsControl {
	ft := &dsFileType{
		Columns:              make([]string, len(j.Columns)),
		IgnoreColumns:        []string{},
		Encoding:             dsEncodings[j.CSV.Encoding],
		Separator:            j.CSV.Delimiter,
		Quote:                `"`,
		EmptyTextIsNull:      true,
		TrimWhitespace:       true,
		TrimServerWhitespace: false,
		Timezone:             j.Timezone,
		Overrides:            map[string]dsOverride{},
	}
	if j.CSV.Header {
		ft.Skip = 1
	}
	if j.CSV.NoQuote {
		// DataSync's own "no quoting" value, its default for TSV files.
		ft.Quote = "\u0000"
	}
	for i, c := range j.Columns {
		if c.Field != "" {
			ft.Columns[i] = c.Field
		} else {
			ft.Columns[i] = fmt.Sprintf("column_%d", i)
			ft.IgnoreColumns = append(ft.IgnoreColumns, ft.Columns[i])
		}
	}

	// Timestamp patterns: one shared list per kind when the columns agree,
	// per-column overrides when they do not (a union list could read
	// 03/04 as March in one column and April in another).
	ft.FloatingTimestampFormat = timestampFormats(j, socrata.FloatingTimestamp, ft)
	ft.FixedTimestampFormat = timestampFormats(j, socrata.FixedTimestamp, ft)
	for _, m := range mapped(j) {
		if m.Kind == socrata.FixedTimestamp && m.Timezone != "" && m.Timezone != j.Timezone {
			o := ft.Overrides[m.Field]
			o.Timezone = m.Timezone
			ft.Overrides[m.Field] = o
		}
	}

	if len(j.Points) > 0 {
		ft.SyntheticPoints = map[string]dsPoint{}
		for _, p := range j.Points {
			ft.SyntheticPoints[p.Field] = dsPoint{
				Type:      "point",
				Latitude:  ft.Columns[sourceIndex(j, p.Latitude)],
				Longitude: ft.Columns[sourceIndex(j, p.Longitude)],
			}
		}
	}

	for _, m := range mapped(j) {
		if m.Clean {
			ex.warnf("DataSync does not strip thousands separators, currency symbols or percent signs: "+
				"file column %q must hold plain numbers (1234.5), or DataSync will reject those rows.", m.Source)
		}
		if m.YesNo {
			ex.warnf("DataSync reads checkboxes as true or false only: file column %q must not use Y/N, Yes/No or 1/0.", m.Source)
		}
	}
	if ext := strings.ToLower(filepath.Ext(file)); ext != ".csv" && ext != ".tsv" {
		ex.warnf("DataSync publishes only .csv and .tsv files; rename %s to end in .csv (or .tsv) and update the paths.", filepath.Base(file))
	}
	if e := ft.Encoding; e != "UTF-8" && e != "ISO-8859-1" {
		ex.warnf("DataSync checks the encoding %s against the portal's list before publishing; if it refuses it, save the file as UTF-8.", e)
	}

	control := dsControl{Action: dataSyncAction(j.Method)}
	if strings.EqualFold(filepath.Ext(file), ".tsv") {
		control.TSV = ft
	} else {
		control.CSV = ft
	}
	return control
}

// timestampFormats returns the shared pattern list for one timestamp kind
// and adds overrides for columns whose patterns differ from it. Each
// column's list is written whole and in order, since DataSync, like the
// check, reads a value with the first pattern that fits.
func timestampFormats(j *wizard.Job, kind socrata.DataType, ft *dsFileType) []string {
	var distinct [][]string
	for _, m := range mapped(j) {
		if m.Kind == kind && !isISOFormats(m.Formats) && !slices.ContainsFunc(distinct, func(l []string) bool { return slices.Equal(l, m.Formats) }) {
			distinct = append(distinct, m.Formats)
		}
	}
	if len(distinct) == 1 {
		return withISO(distinct[0])
	}
	for _, m := range mapped(j) {
		if m.Kind == kind && !isISOFormats(m.Formats) {
			o := ft.Overrides[m.Field]
			o.TimestampFormat = slices.Clone(m.Formats)
			ft.Overrides[m.Field] = o
		}
	}
	return []string{"ISO8601"}
}

// withISO is a column's patterns as the shared list: ISO8601 first, as
// DataSync's default has it, unless the column places it itself.
func withISO(fs []string) []string {
	if slices.ContainsFunc(fs, isISOFormat) {
		return slices.Clone(fs)
	}
	return append([]string{"ISO8601"}, fs...)
}

// loginOrPlaceholder is the job's login, or a placeholder to fill in.
func loginOrPlaceholder(j *wizard.Job) string {
	if j.Auth.Login != "" {
		return j.Auth.Login
	}
	return "<your API key id, or your username>"
}

// secretPlaceholder is what config.json holds where the secret goes.
func secretPlaceholder(j *wizard.Job) string {
	if j.Auth.Kind == socrata.Password.String() {
		return "<fill in your password>"
	}
	return "<fill in the API key secret>"
}

// dataSyncConfig is DataSync's settings file with everything but the
// secret filled in. DataSync ignores appToken since 1.9.1 (the token is
// built into the jar), so it stays empty.
func dataSyncConfig(j *wizard.Job) dsConfig {
	return dsConfig{
		Domain: account.PortalURL(j.Domain), Username: loginOrPlaceholder(j), Password: secretPlaceholder(j),
		EmailUponError: "false", FilesizeChunkingCutoffMB: "10", NumRowsPerChunk: "10000",
	}
}

// dataSyncReadme explains the exported files.
func dataSyncReadme(j *wizard.Job, name, file, configPath, command string, warnings []string) string {
	var b strings.Builder
	title := j.DatasetName
	if title == "" {
		title = j.Dataset
	}
	secretWord := "API key secret"
	if j.Auth.Kind == socrata.Password.String() {
		secretWord = "password"
	}
	fmt.Fprintf(&b, "DataSync job for %s (%s) on %s\n", title, j.Dataset, j.Domain)
	fmt.Fprintf(&b, "Made by socrata-wizard. Method: %s. Data file: %s\n\n", j.Method, file)
	b.WriteString("Files\n")
	fmt.Fprintf(&b, "  %s.sij: the job, to open in DataSync or to run with java -jar DataSync.jar %s.sij\n", name, name)
	fmt.Fprintf(&b, "  %s_control.json: how DataSync reads the file (the same as inside the .sij)\n", name)
	fmt.Fprintf(&b, "  %s: DataSync's settings, with the domain and username filled in but not the %s\n", dataSyncConfigFile, secretWord)
	fmt.Fprintf(&b, "  %s_datasync_command.txt: the command line for scheduled (headless) runs\n\n", name)
	b.WriteString("Running it on a schedule (Task Scheduler, cron)\n")
	fmt.Fprintf(&b, "  1. Open %s and replace the placeholder after \"password\" with your %s.\n", configPath, secretWord)
	b.WriteString("     That file then holds a secret in plain text: keep it readable only by the account\n")
	b.WriteString("     that runs the job, and never share or commit it.\n")
	b.WriteString("  2. Run:\n")
	fmt.Fprintf(&b, "       %s\n", command)
	b.WriteString("     DataSync prints \"Job completed successfully\" and exits 0, or exits 1 with the error.\n\n")
	b.WriteString("Or keep the secret out of files\n")
	fmt.Fprintf(&b, "  Run once, as the account that will run the job: java -jar DataSync.jar -t LoadPreferences -c %s\n", shellQuote(configPath))
	fmt.Fprintf(&b, "  then remove the %s from config.json again and schedule: java -jar DataSync.jar %s\n", secretWord, shellQuote(filepath.Join(filepath.Dir(configPath), name+".sij")))
	b.WriteString("  DataSync keeps the login in that account's Java preferences (the Windows registry), only\n")
	b.WriteString("  obfuscated, and a job run by another account (a service, SQL Server Agent) will not find it.\n\n")
	b.WriteString("socrata-wizard can also run this job itself without DataSync or Java, taking the secret from\n")
	fmt.Fprintf(&b, "the OS keyring or from the %s and %s environment variables.\n", account.EnvKeyID, account.EnvKeySecret)
	if len(warnings) > 0 {
		b.WriteString("\nBefore you rely on it\n")
		for _, w := range warnings {
			fmt.Fprintf(&b, "  - %s\n", w)
		}
	}
	return b.String()
}
