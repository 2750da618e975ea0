package wizard

import (
	"bytes"
	"errors"
	"io"
	"unsafe"
)

// recordParser splits a decoded UTF-8 byte stream into records. It is our
// own rather than encoding/csv for three reasons: it bounds memory (a field
// or a line past a limit is an error that names the line, where
// encoding/csv would grow without limit), it accepts a bare quote inside an
// unquoted field as an ordinary character (Excel and people write 5" pipe),
// and it is faster, which the whole-file check needs to keep up with a plain
// read. On input that encoding/csv accepts it yields the same records; a
// fuzz test holds it to that.
type recordParser struct {
	r     io.Reader
	delim byte
	quote bool

	buf      []byte
	pos, end int
	eof      bool
	rerr     error

	// line is the 1-based physical line number of buf[pos].
	line int

	maxField  int
	maxRecord int

	recBuf []byte
	ends   []int
	fields []string

	// recordLine is the line the last record started on.
	recordLine int

	// shared makes the fields' strings share recBuf, which the next record
	// overwrites. It saves an allocation per record (and with it all the
	// garbage collection) for the whole-file check, which keeps no value
	// past its row; nothing else sets it.
	shared bool
}

const (
	// defaultMaxFieldBytes bounds one field while reading. Socrata's own
	// limit on text is far lower and is checked by validation; this one
	// only keeps a broken file (an unclosed quote, say) from filling memory.
	defaultMaxFieldBytes = 1 << 20
	// defaultMaxRecordBytes bounds one record (all its fields and lines).
	defaultMaxRecordBytes = 16 << 20

	parserBufSize = 64 << 10
)

func newRecordParser(r io.Reader, delim byte, quote bool, maxField, maxRecord int) *recordParser {
	if maxField <= 0 {
		maxField = defaultMaxFieldBytes
	}
	if maxRecord <= 0 {
		maxRecord = defaultMaxRecordBytes
	}
	if maxRecord < maxField {
		maxRecord = maxField
	}
	return &recordParser{
		r:         r,
		delim:     delim,
		quote:     quote,
		buf:       make([]byte, parserBufSize),
		line:      1,
		maxField:  maxField,
		maxRecord: maxRecord,
	}
}

// errLineTooLong is returned by readLine when a line does not end within
// the record limit.
var errLineTooLong = errors.New("line too long")

// readLine returns the next physical line including its '\n' (absent at
// the end of the file). The slice is valid until the next call. At the end
// of the input it returns nil and io.EOF, or the read error.
func (p *recordParser) readLine() ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(p.buf[p.pos+scanned:p.end], '\n'); i >= 0 {
			n := scanned + i + 1
			line := p.buf[p.pos : p.pos+n]
			p.pos += n
			p.line++
			return line, nil
		}
		scanned = p.end - p.pos
		if p.eof {
			if p.pos == p.end {
				if p.rerr != nil {
					return nil, p.rerr
				}
				return nil, io.EOF
			}
			line := p.buf[p.pos:p.end]
			p.pos = p.end
			// Like encoding/csv, a CR just before the end is a line ending.
			if line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			return line, nil
		}
		if scanned > p.maxRecord {
			return nil, errLineTooLong
		}
		p.fill()
	}
}

// fill reads more input, moving unread bytes to the front of the buffer and
// growing it when it is full.
func (p *recordParser) fill() {
	if p.pos > 0 {
		n := copy(p.buf, p.buf[p.pos:p.end])
		p.pos, p.end = 0, n
	}
	if p.end == len(p.buf) {
		nb := make([]byte, 2*len(p.buf))
		copy(nb, p.buf[:p.end])
		p.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := p.r.Read(p.buf[p.end:])
		p.end += n
		if err != nil {
			p.eof = true
			if err != io.EOF {
				p.rerr = err
			}
			return
		}
		if n > 0 {
			return
		}
	}
	p.eof = true
	p.rerr = io.ErrNoProgress
}

// parseErrKind says what went wrong inside a record.
type parseErrKind int

const (
	parseQuote parseErrKind = iota + 1
	parseUnclosedQuote
	parseFieldTooLong
	parseLineTooLong
	parseRead
)

// parseError is the parser's own error; the file layer turns it into a
// *CSVError with a message for people.
type parseError struct {
	kind   parseErrKind
	line   int // physical line of the problem
	start  int // line the record (or for an unclosed quote, the field) started on
	column int // 1-based field number, 0 when unknown
	err    error
}

func (e *parseError) Error() string { return "csv parse error" }

// lengthNL is the length of the line ending at the end of b: 2 for CRLF,
// 1 for LF, 0 for none.
func lengthNL(b []byte) int {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		if n > 1 && b[n-2] == '\r' {
			return 2
		}
		return 1
	}
	return 0
}

// read parses the next record. Its fields are valid until the next call.
// Empty lines between records are skipped, as encoding/csv does.
//
// It is one long loop on purpose: a parser over the bytes of a line, one
// case per kind of byte (delimiter, quote, line end, the rest), run for
// every byte of every file the wizard reads. Split into functions, the
// state it carries from byte to byte would go through memory on the
// hottest path of the check and the upload.
func (p *recordParser) read() ([]string, error) {
	var line []byte
	var err error
	for {
		line, err = p.readLine()
		if err != nil {
			return nil, p.lineErr(err, p.line, 1)
		}
		if lengthNL(line) < len(line) {
			break
		}
	}
	// readLine advanced p.line past a terminated line.
	start := p.line
	if line[len(line)-1] == '\n' {
		start--
	}
	p.recordLine = start
	p.recBuf = p.recBuf[:0]
	p.ends = p.ends[:0]
	cur := start // physical line of the bytes in line
	fieldStart := 0

parse:
	for {
		col := len(p.ends) + 1
		if p.quote && len(line) > 0 && line[0] == '"' {
			qline := cur
			line = line[1:]
			for {
				i := bytes.IndexByte(line, '"')
				if i >= 0 {
					p.recBuf = append(p.recBuf, line[:i]...)
					line = line[i+1:]
					switch {
					case len(line) > 0 && line[0] == '"':
						p.recBuf = append(p.recBuf, '"')
						line = line[1:]
					case len(line) > 0 && line[0] == p.delim:
						line = line[1:]
						if err := p.endField(fieldStart, cur, start, col); err != nil {
							return nil, err
						}
						fieldStart = len(p.recBuf)
						continue parse
					case lengthNL(line) == len(line):
						if err := p.endField(fieldStart, cur, start, col); err != nil {
							return nil, err
						}
						break parse
					default:
						return nil, &parseError{kind: parseQuote, line: cur, start: start, column: col}
					}
					continue
				}
				if len(line) == 0 {
					return nil, &parseError{kind: parseUnclosedQuote, line: cur, start: qline, column: col}
				}
				// The field goes on past this line.
				if nl := lengthNL(line); nl == 2 {
					p.recBuf = append(p.recBuf, line[:len(line)-2]...)
					p.recBuf = append(p.recBuf, '\n')
				} else {
					p.recBuf = append(p.recBuf, line...)
				}
				if err := p.checkLimits(fieldStart, cur, start, col); err != nil {
					return nil, err
				}
				line, err = p.readLine()
				if err == io.EOF {
					return nil, &parseError{kind: parseUnclosedQuote, line: cur, start: qline, column: col}
				}
				if err != nil {
					return nil, p.lineErr(err, cur, col)
				}
				cur++
			}
		}
		// An unquoted field runs to the next delimiter or the line's end.
		i := bytes.IndexByte(line, p.delim)
		if i >= 0 {
			p.recBuf = append(p.recBuf, line[:i]...)
			line = line[i+1:]
			if err := p.endField(fieldStart, cur, start, col); err != nil {
				return nil, err
			}
			fieldStart = len(p.recBuf)
			continue
		}
		n := len(line) - lengthNL(line)
		p.recBuf = append(p.recBuf, line[:n]...)
		if err := p.endField(fieldStart, cur, start, col); err != nil {
			return nil, err
		}
		break
	}

	var str string
	if p.shared {
		str = unsafe.String(unsafe.SliceData(p.recBuf), len(p.recBuf))
	} else {
		str = string(p.recBuf)
	}
	p.fields = p.fields[:0]
	prev := 0
	for _, e := range p.ends {
		p.fields = append(p.fields, str[prev:e])
		prev = e
	}
	return p.fields, nil
}

// endField ends the field that started at fieldStart in recBuf.
func (p *recordParser) endField(fieldStart, cur, start, col int) error {
	if err := p.checkLimits(fieldStart, cur, start, col); err != nil {
		return err
	}
	p.ends = append(p.ends, len(p.recBuf))
	return nil
}

// checkLimits refuses a field or record grown past its limit. It runs at
// the end of each field and of each line inside a quoted field, so that an
// unclosed quote stops within a line of the limit rather than at the end
// of the file.
func (p *recordParser) checkLimits(fieldStart, cur, start, col int) error {
	if len(p.recBuf)-fieldStart > p.maxField {
		return &parseError{kind: parseFieldTooLong, line: cur, start: start, column: col}
	}
	if len(p.recBuf) > p.maxRecord {
		return &parseError{kind: parseLineTooLong, line: cur, start: start, column: col}
	}
	return nil
}

func (p *recordParser) lineErr(err error, line, col int) error {
	if err == io.EOF {
		return err
	}
	if err == errLineTooLong {
		return &parseError{kind: parseLineTooLong, line: line, start: line, column: 0}
	}
	return &parseError{kind: parseRead, line: line, start: line, column: col, err: err}
}
