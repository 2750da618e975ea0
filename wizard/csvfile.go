package wizard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The encodings a [Dialect] may name.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1252 = "windows-1252"
	EncodingISO88591    = "iso-8859-1"
)

// encodings lists the encodings a file may be read in, most common first.
var encodings = []string{EncodingUTF8, EncodingWindows1252, EncodingISO88591, EncodingUTF16LE, EncodingUTF16BE}

// delimiters lists the delimiters the sniffer tries, in order of
// preference when two fit a file equally well.
var delimiters = []string{",", "\t", ";", "|"}

// DelimiterName names a delimiter in words, for messages and pickers.
func DelimiterName(d string) string {
	switch d {
	case ",":
		return "comma"
	case "\t":
		return "tab"
	case ";":
		return "semicolon"
	case "|":
		return "pipe"
	}
	return fmt.Sprintf("%q", d)
}

// HeaderChoice says whether the first record is a header row.
type HeaderChoice int

const (
	// HeaderDetect lets the sniffer decide.
	HeaderDetect HeaderChoice = iota
	// HeaderYes says the first record names the columns.
	HeaderYes
	// HeaderNo says the first record is data.
	HeaderNo
)

// OpenOptions override what [OpenCSV] would otherwise detect. The zero
// value detects everything.
type OpenOptions struct {
	// Delimiter is "", meaning detect, or one of comma, tab, semicolon
	// and pipe.
	Delimiter string
	// Encoding is "", meaning detect, or one of the Encoding constants.
	Encoding string
	// Header says whether the first record is a header.
	Header HeaderChoice
	// Quote, when QuoteSet is true, says whether '"' quotes fields.
	Quote    bool
	QuoteSet bool
	// MaxFieldBytes and MaxRecordBytes bound memory while reading; zero
	// means 1 MB and 16 MB.
	MaxFieldBytes  int
	MaxRecordBytes int
}

// DialectOptions fixes every choice to the job's dialect, so that a
// headless run reads the file exactly as the wizard did.
func DialectOptions(d Dialect) OpenOptions {
	h := HeaderNo
	if d.Header {
		h = HeaderYes
	}
	return OpenOptions{
		Delimiter: d.Delimiter,
		Encoding:  d.Encoding,
		Header:    h,
		Quote:     !d.NoQuote,
		QuoteSet:  true,
	}
}

// CSVFile is a delimited file whose dialect and header are known. It holds
// no file handle: each call to Records opens the file afresh, so a CSVFile
// can be read any number of times and never holds the data in memory.
type CSVFile struct {
	// Path is the file as given to OpenCSV.
	Path string
	// Dialect is how the file is read: detected, or as overridden.
	Dialect Dialect
	// Header names the columns: the header row's text, or column_0,
	// column_1, ... when the file has none.
	Header []string
	// Size is the file's size in bytes.
	Size int64
	// Sniff says how each choice was made, for the wizard to show.
	Sniff SniffReport

	bom       int
	maxField  int
	maxRecord int
}

// CSVErrorKind says what is wrong with a file.
type CSVErrorKind int

// The kinds of [CSVError].
const (
	// ErrEmptyFile: the file has no records at all.
	ErrEmptyFile CSVErrorKind = iota + 1
	// ErrHeaderOnly: the file has a header row and no data.
	ErrHeaderOnly
	// ErrDuplicateHeader: two columns have the same name.
	ErrDuplicateHeader
	// ErrBlankHeader: a column has no name.
	ErrBlankHeader
	// ErrRaggedRow: a record's field count differs from the header's.
	// Reading goes on after it.
	ErrRaggedRow
	// ErrQuote: a quote in the wrong place, or one never closed.
	ErrQuote
	// ErrFieldTooLong: one field passes the read limit.
	ErrFieldTooLong
	// ErrLineTooLong: one record passes the read limit.
	ErrLineTooLong
	// ErrBadEncoding: bytes that are not text in the file's encoding.
	// Reading goes on after it.
	ErrBadEncoding
	// ErrRead: the operating system could not read the file.
	ErrRead
)

// CSVError is a problem in a file, with the line it is on and a message
// for people that says what to do.
type CSVError struct {
	Kind CSVErrorKind
	// Line is the 1-based physical line, or 0 for the file as a whole.
	Line int
	// Column is the 1-based column number, or 0 when it is not known.
	Column int
	// Message is the whole sentence to show.
	Message string
	// Err is the underlying error, if any (an *os.PathError, say).
	Err error
}

// Error returns the message.
func (e *CSVError) Error() string { return e.Message }

// Unwrap returns the underlying error.
func (e *CSVError) Unwrap() error { return e.Err }

// Fatal reports whether reading stops at this error. Ragged rows and bad
// bytes are reported per row and reading goes on.
func (e *CSVError) Fatal() bool { return e.Kind != ErrRaggedRow && e.Kind != ErrBadEncoding }

// OpenCSV sniffs a file's encoding, delimiter, quoting and header row from
// its first 64 KB and checks the header. See [OpenCSVWith] to override any
// choice.
func OpenCSV(path string) (*CSVFile, error) { return OpenCSVWith(path, OpenOptions{}) }

// OpenCSVWith is [OpenCSV] with choices fixed by the caller.
func OpenCSVWith(path string, opts OpenOptions) (*CSVFile, error) {
	if opts.Delimiter != "" && !slices.Contains(delimiters, opts.Delimiter) {
		return nil, &CSVError{Kind: ErrRead, Message: fmt.Sprintf("%q is not a delimiter this program reads: choose comma, tab, semicolon or pipe", opts.Delimiter)}
	}
	if opts.Encoding != "" && !slices.Contains(encodings, opts.Encoding) {
		return nil, &CSVError{Kind: ErrRead, Message: fmt.Sprintf("%q is not an encoding this program reads: choose one of %s", opts.Encoding, strings.Join(encodings, ", "))}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, osError("open", path, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, osError("read", path, err)
	}
	if st.IsDir() {
		return nil, &CSVError{Kind: ErrRead, Message: fmt.Sprintf("%s is a folder, not a CSV file", path)}
	}
	prefix := make([]byte, sniffBytes)
	n, err := io.ReadFull(fh, prefix)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, osError("read", path, err)
	}
	prefix = prefix[:n]
	whole := int64(n) == st.Size()

	f := &CSVFile{Path: path, Size: st.Size(), maxField: opts.MaxFieldBytes, maxRecord: opts.MaxRecordBytes}
	if err := f.sniff(prefix, whole, opts); err != nil {
		return nil, err
	}
	return f, nil
}

// osError is the *CSVError for a file the operating system would not
// Open or read; doing is "open" or "read".
func osError(doing, path string, err error) *CSVError {
	return &CSVError{Kind: ErrRead, Message: fmt.Sprintf("cannot %s %s: %s", doing, path, wording.OSReason(err)), Err: err}
}

// The byte-order marks that may start a file, each naming its encoding.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// bomFor returns the length of a byte-order mark at the start of b for the
// encoding, or 0.
func bomFor(enc string, b []byte) int {
	var bom []byte
	switch enc {
	case EncodingUTF8:
		bom = bomUTF8
	case EncodingUTF16LE:
		bom = bomUTF16LE
	case EncodingUTF16BE:
		bom = bomUTF16BE
	}
	if !bytes.HasPrefix(b, bom) {
		return 0
	}
	return len(bom) // 0 for an encoding without a mark
}

// decoder returns the transformer from the encoding to UTF-8, or nil for
// UTF-8 itself, which is read as it is.
func decoder(enc string) *encoding.Decoder {
	switch enc {
	case EncodingUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case EncodingUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	case EncodingWindows1252:
		return charmap.Windows1252.NewDecoder()
	case EncodingISO88591:
		return charmap.ISO8859_1.NewDecoder()
	}
	return nil
}

// Record is one record of a file.
type Record struct {
	// Line is the 1-based physical line the record starts on. It differs
	// from the record's position when quoted fields hold line breaks.
	Line int
	// Fields are the record's values, decoded to UTF-8. The slice is
	// reused by the next call to Next; the strings in it may be kept.
	Fields []string
}

// RecordReader streams a file's data records. It is not safe for use by
// more than one goroutine.
type RecordReader struct {
	f      *CSVFile
	fh     *os.File
	count  *countingReader
	p      *recordParser
	width  int
	utf8   bool
	closed bool
	done   bool
}

// countingReader counts the raw bytes read from the file, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// Records opens the file and returns a reader positioned at the first data
// record (after the header, when there is one). Close it when done.
func (f *CSVFile) Records() (*RecordReader, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, osError("open", f.Path, err)
	}
	rr, err := f.newReader(fh)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return rr, nil
}

func (f *CSVFile) newReader(fh *os.File) (*RecordReader, error) {
	// The BOM was measured when the file was sniffed; skip that many bytes.
	if f.bom > 0 {
		if _, err := io.CopyN(io.Discard, fh, int64(f.bom)); err != nil {
			return nil, osError("read", f.Path, err)
		}
	}
	count := &countingReader{r: fh, n: int64(f.bom)}
	var src io.Reader = count
	if d := decoder(f.Dialect.Encoding); d != nil {
		src = transform.NewReader(count, d)
	}
	rr := &RecordReader{
		f:     f,
		fh:    fh,
		count: count,
		p:     newRecordParser(src, f.Dialect.Delimiter[0], !f.Dialect.NoQuote, f.maxField, f.maxRecord),
		width: len(f.Header),
		utf8:  f.Dialect.Encoding == EncodingUTF8 || f.Dialect.Encoding == "",
	}
	if f.Dialect.Header {
		if _, err := rr.p.read(); err != nil {
			if err == io.EOF {
				return rr, nil
			}
			return nil, f.wrapParseError(err)
		}
	}
	return rr, nil
}

// Next returns the next record, or io.EOF after the last. A *CSVError whose
// Fatal method reports false (a ragged row, bytes not in the encoding)
// comes with the record, and the next call goes on reading; any other error
// ends the file.
func (rr *RecordReader) Next() (Record, error) {
	if rr.done {
		return Record{}, io.EOF
	}
	fields, err := rr.p.read()
	if err != nil {
		rr.done = true
		if err == io.EOF {
			return Record{}, io.EOF
		}
		return Record{}, rr.f.wrapParseError(err)
	}
	rec := Record{Line: rr.p.recordLine, Fields: fields}
	if len(fields) != rr.width {
		return rec, raggedError(rec.Line, len(fields), rr.width, rr.f.Dialect.Delimiter, rr.f.Dialect.Header)
	}
	if rr.utf8 && !utf8.Valid(rr.p.recBuf) {
		col := 0
		for i, s := range fields {
			if !utf8.ValidString(s) {
				col = i + 1
				break
			}
		}
		return rec, &CSVError{Kind: ErrBadEncoding, Line: rec.Line, Column: col,
			Message: fmt.Sprintf("line %d, column %d (%s) has bytes that are not UTF-8: the file is probably Windows-1252 (an Excel export); open it again with that encoding, or save it from Excel as \"CSV UTF-8\"", rec.Line, col, rr.f.columnName(col))}
	}
	return rec, nil
}

// bytesRead is how far into the file the reader is, in raw bytes. It runs
// ahead of the last record by at most one buffer, which is fine for a
// progress bar.
func (rr *RecordReader) bytesRead() int64 { return rr.count.n }

// Close releases the file.
func (rr *RecordReader) Close() error {
	if rr.closed {
		return nil
	}
	rr.closed = true
	return rr.fh.Close()
}

func (f *CSVFile) columnName(col int) string {
	if col >= 1 && col <= len(f.Header) {
		return fmt.Sprintf("%q", f.Header[col-1])
	}
	return "past the last named column"
}

func raggedError(line, got, want int, delim string, header bool) *CSVError {
	against := "the header has"
	if !header {
		against = "the first row has"
	}
	hint := fmt.Sprintf("check for an unquoted %s inside a value, or a value that should be quoted", DelimiterName(delim))
	if got < want {
		hint = "check for a missing delimiter, or a line break inside a value that is not quoted"
	}
	return &CSVError{Kind: ErrRaggedRow, Line: line,
		Message: fmt.Sprintf("line %d has %d %s, %s %d: %s", line, got, wording.Plural(got, "field", "fields"), against, want, hint)}
}

// wrapParseError turns the parser's error into a *CSVError for people.
func (f *CSVFile) wrapParseError(err error) error {
	var pe *parseError
	if !errors.As(err, &pe) {
		return &CSVError{Kind: ErrRead, Message: fmt.Sprintf("cannot read %s: %s", f.Path, err), Err: err}
	}
	col := ""
	if pe.column > 0 {
		col = fmt.Sprintf(", column %d (%s)", pe.column, f.columnName(pe.column))
	}
	switch pe.kind {
	case parseQuote:
		return &CSVError{Kind: ErrQuote, Line: pe.line, Column: pe.column,
			Message: fmt.Sprintf("line %d%s has a quote in the middle of a quoted value: a quote inside a quoted value must be doubled (\"\"), or the value must not start with a quote", pe.line, col)}
	case parseUnclosedQuote:
		return &CSVError{Kind: ErrQuote, Line: pe.start, Column: pe.column,
			Message: fmt.Sprintf("line %d%s opens a quoted value that is never closed: add the closing quote", pe.start, col)}
	case parseFieldTooLong:
		return &CSVError{Kind: ErrFieldTooLong, Line: pe.start, Column: pe.column,
			Message: fmt.Sprintf("line %d%s has a value longer than %s: this is usually a quote that is never closed; if the value is real, it is too long to publish", pe.start, col, wording.Size(int64(f.fieldLimit())))}
	case parseLineTooLong:
		return &CSVError{Kind: ErrLineTooLong, Line: pe.start,
			Message: fmt.Sprintf("line %d is longer than %s: check that the file is a CSV or TSV file and that its line endings are LF or CRLF, and look for a quote that is never closed", pe.start, wording.Size(int64(f.recordLimit())))}
	case parseRead: // below
	}
	return &CSVError{Kind: ErrRead, Line: pe.line, Message: fmt.Sprintf("cannot read %s at line %d: %s", f.Path, pe.line, wording.OSReason(pe.err)), Err: pe.err}
}

func (f *CSVFile) fieldLimit() int {
	if f.maxField > 0 {
		return f.maxField
	}
	return defaultMaxFieldBytes
}

func (f *CSVFile) recordLimit() int {
	if f.maxRecord > 0 {
		return max(f.maxRecord, f.fieldLimit())
	}
	return max(defaultMaxRecordBytes, f.fieldLimit())
}

// Dialect says how a delimited file is written.
type Dialect struct {
	// Delimiter is ",", "\t", ";" or "|".
	Delimiter string `json:"delimiter"`
	// Encoding is "utf-8", "utf-16le", "utf-16be", "windows-1252" or
	// "iso-8859-1".
	Encoding string `json:"encoding"`
	// Header is true when the first record names the columns.
	Header bool `json:"header"`
	// NoQuote is true when the quote character is an ordinary character,
	// as in many TSV files: fields then never span lines and a '"' inside a
	// value needs no doubling.
	NoQuote bool `json:"no_quote,omitempty"`
}
