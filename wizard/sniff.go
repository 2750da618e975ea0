package wizard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
	"golang.org/x/text/transform"
)

// sniffBytes is how much of the file the sniffer reads. It is enough for a
// few hundred lines of most exports and small enough to read instantly.
const sniffBytes = 64 << 10

// sniffRecords is how many records the sniffer looks at.
const sniffRecords = 200

// SniffReport says how OpenCSV chose each part of the dialect, in words the
// wizard can show next to the choice.
type SniffReport struct {
	Encoding  string
	Delimiter string
	Quote     string
	Header    string
	// Notes are further observations worth showing, such as a file that
	// looks like UTF-16 without a byte-order mark.
	Notes []string
}

// sniff fills in the dialect and header of f from the first bytes of the
// file: the encoding, then the delimiter and quoting, then whether the
// first record is a header.
func (f *CSVFile) sniff(prefix []byte, whole bool, opts OpenOptions) error {
	if len(prefix) == 0 {
		return emptyFileError(f.Path)
	}
	f.sniffEncoding(prefix, whole, opts)
	text, err := f.decodePrefix(prefix, whole)
	if err != nil {
		return err
	}
	best := f.sniffDelimiter(text, whole, opts)
	if len(best.recs) == 0 {
		if best.err != nil {
			return f.wrapParseError(best.err)
		}
		return emptyFileError(f.Path)
	}
	return f.sniffHeader(best, whole, opts)
}

// sniffEncoding chooses the encoding: the caller's; else a byte-order
// mark decides; else valid UTF-8; else the Windows code page that Excel on
// US Windows writes.
func (f *CSVFile) sniffEncoding(prefix []byte, whole bool, opts OpenOptions) {
	enc := opts.Encoding
	switch {
	case enc != "":
		f.Sniff.Encoding = "chosen"
	case bytes.HasPrefix(prefix, bomUTF8):
		enc = EncodingUTF8
		f.Sniff.Encoding = "UTF-8 with a byte-order mark"
	case bytes.HasPrefix(prefix, bomUTF16LE):
		enc = EncodingUTF16LE
		f.Sniff.Encoding = "UTF-16 (little-endian) byte-order mark"
	case bytes.HasPrefix(prefix, bomUTF16BE):
		enc = EncodingUTF16BE
		f.Sniff.Encoding = "UTF-16 (big-endian) byte-order mark"
	case validUTF8Prefix(prefix, whole):
		enc = EncodingUTF8
		f.Sniff.Encoding = "valid UTF-8"
	default:
		enc = EncodingWindows1252
		f.Sniff.Encoding = "not valid UTF-8, so read as Windows-1252 (Excel's encoding on US Windows); choose ISO-8859-1 if accented letters look wrong"
	}
	if enc == EncodingUTF8 && bytes.IndexByte(prefix, 0) >= 0 {
		f.Sniff.Notes = append(f.Sniff.Notes, "the file contains NUL bytes: it may be UTF-16 without a byte-order mark; choose UTF-16 if the columns look wrong")
	}
	f.Dialect.Encoding = enc
	f.bom = bomFor(enc, prefix)
}

// decodePrefix is the prefix as UTF-8 text, without its byte-order mark
// and, unless it is the whole file, its last line, which is probably cut.
func (f *CSVFile) decodePrefix(prefix []byte, whole bool) ([]byte, error) {
	enc := f.Dialect.Encoding
	text := prefix[f.bom:]
	if d := decoder(enc); d != nil {
		if !whole && (enc == EncodingUTF16LE || enc == EncodingUTF16BE) && len(text)%2 == 1 {
			text = text[:len(text)-1]
		}
		out, _, err := transform.Bytes(d, text)
		if err != nil {
			return nil, &CSVError{Kind: ErrBadEncoding, Message: fmt.Sprintf("%s cannot be read as %s: %s; choose another encoding", f.Path, enc, err), Err: err}
		}
		text = out
	}
	if !whole {
		if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1]
		}
	}
	if len(bytes.TrimSpace(text)) == 0 && whole {
		return nil, emptyFileError(f.Path)
	}
	return text, nil
}

// sniffDelimiter parses the text with each delimiter the caller allows,
// quoted and, where files are often written without quoting, not, keeps
// the reading that fits best, and says why it was chosen.
func (f *CSVFile) sniffDelimiter(text []byte, whole bool, opts OpenOptions) *sniffCandidate {
	var best *sniffCandidate
	delims := delimiters
	if opts.Delimiter != "" {
		delims = []string{opts.Delimiter}
	} else if strings.EqualFold(filepath.Ext(f.Path), ".tsv") || strings.EqualFold(filepath.Ext(f.Path), ".tab") {
		delims = []string{"\t", ",", ";", "|"}
	}
	try := func(d string, quote bool) *sniffCandidate {
		c := sniffParse(text, d, quote, !whole, f.maxField, f.maxRecord)
		if best == nil || c.better(best) {
			best = c
		}
		return c
	}
	for _, d := range delims {
		if opts.QuoteSet {
			try(d, opts.Quote)
			continue
		}
		// Tab- and pipe-separated files are often written without quoting,
		// so a quote error there may mean quotes are ordinary characters;
		// in a comma or semicolon file it is a real error the person must
		// see.
		if c := try(d, true); c.err != nil && (d == "\t" || d == "|") {
			try(d, false)
		}
	}
	if len(best.recs) == 0 {
		return best
	}
	f.Dialect.Delimiter = best.delim
	f.Dialect.NoQuote = !best.quote
	switch {
	case opts.Delimiter != "":
		f.Sniff.Delimiter = "chosen"
	case best.mode == 1:
		f.Sniff.Delimiter = "no comma, tab, semicolon or pipe splits the lines, so the file has one column"
	case best.modeCount == len(best.recs):
		f.Sniff.Delimiter = fmt.Sprintf("each of the first %d lines has %d fields when split on %s", len(best.recs), best.mode, DelimiterName(best.delim)+"s")
	default:
		f.Sniff.Delimiter = fmt.Sprintf("%d of the first %d lines have %d fields when split on %s", best.modeCount, len(best.recs), best.mode, DelimiterName(best.delim)+"s")
	}
	switch {
	case opts.QuoteSet:
		f.Sniff.Quote = "chosen"
	case best.quote:
		f.Sniff.Quote = "values may be quoted with \""
	default:
		f.Sniff.Quote = "quotes are read as ordinary characters, because the file does not read as quoted CSV"
	}
	return best
}

// sniffHeader decides whether the first record names the columns, and
// fills in the header: its names, or column_0, column_1... without one.
func (f *CSVFile) sniffHeader(best *sniffCandidate, whole bool, opts OpenOptions) error {
	switch opts.Header {
	case HeaderYes:
		f.Dialect.Header = true
		f.Sniff.Header = "chosen"
	case HeaderNo:
		f.Dialect.Header = false
		f.Sniff.Header = "chosen"
	default: // HeaderDetect
		f.Dialect.Header, f.Sniff.Header = detectHeader(best.recs)
	}
	first := best.recs[0]
	if !f.Dialect.Header {
		f.Header = make([]string, len(first))
		for i := range first {
			f.Header[i] = "column_" + strconv.Itoa(i)
		}
		return nil
	}
	f.Header = append([]string(nil), first...)
	if err := checkHeader(f.Header, best.firstLine); err != nil {
		return err
	}
	if whole && len(best.recs) == 1 && best.err == nil {
		return &CSVError{Kind: ErrHeaderOnly, Line: best.firstLine,
			Message: fmt.Sprintf("%s has a header row and no data rows: export the data again, or choose a file with rows", filepath.Base(f.Path))}
	}
	return nil
}

func emptyFileError(path string) error {
	return &CSVError{Kind: ErrEmptyFile, Message: fmt.Sprintf("%s is empty: export the data again, or choose another file", filepath.Base(path))}
}

// validUTF8Prefix is utf8.Valid, allowing a rune cut at the end of a
// prefix.
func validUTF8Prefix(b []byte, whole bool) bool {
	if !whole {
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			r, size := utf8.DecodeLastRune(b)
			if r != utf8.RuneError || size != 1 {
				break
			}
			if utf8.RuneStart(b[len(b)-1]) {
				b = b[:len(b)-1]
				break
			}
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b)
}

// checkHeader refuses blank and duplicate column names: either would make
// the mapping, which names file columns by their header, ambiguous.
func checkHeader(h []string, line int) error {
	seen := make(map[string]int, len(h))
	for i, name := range h {
		key := strings.TrimSpace(name)
		if key == "" {
			return &CSVError{Kind: ErrBlankHeader, Line: line, Column: i + 1,
				Message: fmt.Sprintf("column %d has no name in the header (line %d): name it, or delete the column if it is empty (a trailing delimiter on every line does this)", i+1, line)}
		}
		if j, ok := seen[strings.ToLower(key)]; ok {
			return &CSVError{Kind: ErrDuplicateHeader, Line: line, Column: i + 1,
				Message: fmt.Sprintf("columns %d and %d are both named %q in the header (line %d): rename one so that each column can be mapped", j+1, i+1, key, line)}
		}
		seen[strings.ToLower(key)] = i
	}
	return nil
}

// sniffCandidate is the prefix read with one delimiter and quoting.
type sniffCandidate struct {
	delim     string
	quote     bool
	recs      [][]string
	firstLine int
	err       error
	// mode is the most common field count; modeCount how many records
	// have it.
	mode, modeCount int
}

// better reports whether c reads the prefix better than o: it splits the
// lines at all, more of its lines agree on a field count, it reads without
// error, and it makes more columns. Ties keep the earlier candidate.
func (c *sniffCandidate) better(o *sniffCandidate) bool {
	if (c.mode > 1) != (o.mode > 1) {
		return c.mode > 1
	}
	cc, oc := c.consistency(), o.consistency()
	if cc != oc {
		return cc > oc
	}
	if (c.err == nil) != (o.err == nil) {
		return c.err == nil
	}
	return c.mode > o.mode
}

func (c *sniffCandidate) consistency() float64 {
	if len(c.recs) == 0 {
		return 0
	}
	// Round so that near-equal shares count as a tie.
	return float64(c.modeCount*1000/len(c.recs)) / 1000
}

func sniffParse(text []byte, delim string, quote, truncated bool, maxField, maxRecord int) *sniffCandidate {
	c := &sniffCandidate{delim: delim, quote: quote}
	p := newRecordParser(bytes.NewReader(text), delim[0], quote, maxField, maxRecord)
	counts := map[int]int{}
	for len(c.recs) < sniffRecords {
		fields, err := p.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *parseError
			// A quoted value cut by the end of the prefix is not an error.
			if truncated && errors.As(err, &pe) && pe.kind == parseUnclosedQuote {
				break
			}
			c.err = err
			break
		}
		if len(c.recs) == 0 {
			c.firstLine = p.recordLine
		}
		c.recs = append(c.recs, append([]string(nil), fields...))
		counts[len(fields)]++
	}
	for n, k := range counts {
		if k > c.modeCount || (k == c.modeCount && n > c.mode) {
			c.mode, c.modeCount = n, k
		}
	}
	return c
}

// cellKind is a rough type of one value, for telling a header row from
// data.
type cellKind int

const (
	kindEmpty cellKind = iota
	kindText
	kindNumber
	kindDate
	kindBool

	cellKinds // how many kinds there are
)

func kindOf(s string) cellKind {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return kindEmpty
	case strings.EqualFold(s, "true") || strings.EqualFold(s, "false"):
		return kindBool
	case looksNumeric(s):
		return kindNumber
	case timestamp.LooksLike(s):
		return kindDate
	}
	return kindText
}

// looksNumeric accepts numbers as people write them, separators and
// currency included: this is for guessing, not validation.
func looksNumeric(s string) bool {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '.', r == '-', r == '+', r == 'e', r == 'E':
			b.WriteRune(r)
		case r == ',', r == '$', r == '%', r == '(', r == ')', r == ' ', r == '€', r == '£':
		default:
			return false
		}
	}
	_, err := strconv.ParseFloat(b.String(), 64)
	return err == nil
}

// detectHeader decides whether the first record is a header by type
// contrast: a header has text above columns of numbers, dates or
// checkboxes, while a data row looks like the rows below it. With no
// evidence either way (every column is text) it says yes, because almost
// every export has a header.
func detectHeader(recs [][]string) (bool, string) {
	if len(recs) < 2 {
		return true, "the file has one row, taken as the header"
	}
	var headerCols, dataCols []string
	for c, v := range recs[0] {
		k1 := kindOf(v)
		var counts [cellKinds]int
		n := 0
		for _, r := range recs[1:] {
			if c < len(r) {
				if k := kindOf(r[c]); k != kindEmpty {
					counts[k]++
					n++
				}
			}
		}
		if n == 0 {
			continue
		}
		dom, dn := kindText, 0
		for k, m := range counts {
			if m > dn {
				dom, dn = cellKind(k), m
			}
		}
		if dn*10 < n*8 {
			continue // a mixed column says nothing
		}
		switch {
		case k1 == kindText && dom != kindText:
			headerCols = append(headerCols, strconv.Quote(v))
		case k1 != kindText && k1 != kindEmpty && k1 == dom:
			dataCols = append(dataCols, strconv.Quote(v))
		}
	}
	switch {
	case len(dataCols) > len(headerCols):
		return false, fmt.Sprintf("the first row looks like the rows below it (%s), so it is data, not a header", listSome(dataCols, 3))
	case len(headerCols) > 0:
		return true, fmt.Sprintf("the first row has names above columns of numbers, dates or true/false (%s)", listSome(headerCols, 3))
	}
	return true, "the first row is text like the rest, taken as the header"
}

// listSome joins up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
