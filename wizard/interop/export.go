package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/atomicfile"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// Export is what an exporter wrote for another tool.
type Export struct {
	// Files are the paths written, the one to run or open first.
	Files []string
	// Warnings say, one sentence each, what of the job the other tool
	// cannot do the way socrata-wizard does, so that a person is not
	// surprised by rows it rejects.
	Warnings []string
}

// exportBase checks the job for an export. It returns the base name of the
// exported files (the data file's name without its extension, made safe
// for every file system) and the data file's absolute path, which the
// other tools need because they resolve relative paths against their own
// working directory. It creates nothing: the folder is made by the first
// file written (see Export.write), after every check, so that an export
// that refuses the job leaves no trace.
func exportBase(j *wizard.Job) (name, file string, err error) {
	if err := j.Validate(); err != nil {
		return "", "", err
	}
	file, err = filepath.Abs(j.File)
	if err != nil {
		return "", "", fmt.Errorf("cannot find the data file %s: %w", j.File, err)
	}
	base := filepath.Base(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	name = unsafeNameChars.ReplaceAllString(base, "_")
	if name == "" || strings.Trim(name, "_.") == "" {
		name = "job"
	}
	return name, file, nil
}

// unsafeNameChars are characters kept out of exported file names.
var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// mappedColumn is a file column with where it goes, for the exporters.
type mappedColumn struct {
	Index int // 0-based position in the file
	wizard.ColumnMap
	Kind socrata.DataType // "" when the job does not say
}

// mapped lists the file columns that fill a dataset field.
func mapped(j *wizard.Job) []mappedColumn {
	var out []mappedColumn
	for i, c := range j.Columns {
		if c.Field == "" {
			continue
		}
		m := mappedColumn{Index: i, ColumnMap: c}
		if c.Type != "" {
			m.Kind = socrata.ParseDataType(c.Type)
		}
		out = append(out, m)
	}
	return out
}

// sourceIndex returns the file position of the column with header src.
func sourceIndex(j *wizard.Job, src string) int {
	for i, c := range j.Columns {
		if c.Source == src {
			return i
		}
	}
	return -1
}

// columnTimezone is the zone for a column's zone-less fixed timestamps.
func columnTimezone(j *wizard.Job, c wizard.ColumnMap) string {
	if c.Timezone != "" {
		return c.Timezone
	}
	if j.Timezone != "" {
		return j.Timezone
	}
	return "UTC"
}

// isISOFormat reports whether a job's timestamp format means ISO 8601,
// which every tool reads without a pattern.
func isISOFormat(f string) bool { return f == "" || strings.EqualFold(f, "ISO8601") }

// isISOFormats reports whether a column's list of timestamp formats reads
// ISO 8601 only: it is empty or names nothing else.
func isISOFormats(fs []string) bool {
	for _, f := range fs {
		if !isISOFormat(f) {
			return false
		}
	}
	return true
}

// marshalJSON is json.MarshalIndent without HTML escaping (so "<" stays
// readable in placeholders) and with a final newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// shellQuote quotes a path for the command line of the computer the export
// is made on: double quotes on Windows (cmd.exe has no other kind), single
// quotes elsewhere. Plain paths are left bare.
func shellQuote(s string) string {
	if s != "" && safeShellWord.MatchString(s) {
		return s
	}
	if runtime.GOOS == "windows" {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safeShellWord matches words that need no quoting in sh or cmd.exe.
var safeShellWord = regexp.MustCompile(`^[A-Za-z0-9_./:\\=+-]+$`)

// literal writes s as a double-quoted, ASCII-only string literal that
// Python and R both read back as s. Anything outside printable ASCII is
// escaped (\uXXXX, or \UXXXXXXXX beyond the BMP), because R on Windows
// reads scripts in the local code page, not UTF-8.
func literal(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// write writes one exported file atomically, creating its folder if need
// be, and records it.
func (e *Export) write(path string, data []byte, perm os.FileMode) error {
	if len(e.Files) == 0 {
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return wording.FileFailed("cannot create the export folder", dir, err)
		}
	}
	if err := atomicfile.WriteFile(path, data, perm); err != nil {
		return wording.FileFailed("cannot write", path, err)
	}
	e.Files = append(e.Files, path)
	return nil
}

// warnf adds a warning.
func (e *Export) warnf(format string, args ...any) {
	e.Warnings = append(e.Warnings, fmt.Sprintf(format, args...))
}
