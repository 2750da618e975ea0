package socratatest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Writes to datasets made with DatasetSpec.Sink: bodies are read once
// with a large buffer and their records counted, and nothing else is
// done with them.

// sinkBufSize is the size of the buffers sink bodies are read with: large
// reads keep the per-read cost out of the way of a benchmark.
const sinkBufSize = 1 << 20

var sinkBufs = sync.Pool{New: func() any { return new([sinkBufSize]byte) }}

// sinkRead reads r to its end with a pooled buffer, handing every piece
// to scan, and returns how many bytes it read.
func sinkRead(r io.Reader, scan func([]byte)) (int64, error) {
	buf := sinkBufs.Get().(*[sinkBufSize]byte)
	defer sinkBufs.Put(buf)
	var total int64
	for {
		n, err := r.Read(buf[:])
		if n > 0 {
			scan(buf[:n])
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// sinkWrite answers a SODA upsert or replace to a sink dataset: every
// record of the body counts as created.
func (p *Portal) sinkWrite(w http.ResponseWriter, r *http.Request, d *dataset) {
	var rows int64
	switch mediaType(r) {
	case "application/json", "":
		var t jsonTally
		if _, err := sinkRead(r.Body, t.add); err != nil {
			writeSODAError(w, http.StatusBadRequest, "invalid_request", "The body cannot be read: "+err.Error())
			return
		}
		if t.started && !t.array {
			writeSODAError(w, http.StatusBadRequest, "invalid_json", "The body must be a JSON array of row objects. Nothing was changed.")
			return
		}
		rows = t.objects
	case "text/csv", "application/csv":
		t := newCSVTally()
		if _, err := sinkRead(r.Body, t.add); err != nil {
			writeSODAError(w, http.StatusBadRequest, "invalid_request", "The body cannot be read: "+err.Error())
			return
		}
		rows = max(t.records()-1, 0) // the header names the fields
	default:
		writeSODAError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", fmt.Sprintf(
			"Content-Type %q is not accepted: send application/json (an array of row objects) or text/csv (a header of field names). Nothing was changed.",
			r.Header.Get("Content-Type")))
		return
	}
	p.mu.Lock()
	shape := p.shape
	firstSID := p.nextSID + 1
	p.nextSID += uint64(rows)
	if rows > 0 {
		now := time.Now().UTC()
		d.rowsUpdatedAt, d.updatedAt = now, now
	}
	p.mu.Unlock()
	if shape == RowArrayShape {
		writeSinkEntries(w, firstSID, rows)
		return
	}
	writeResultShape(w, shape, writeResult{created: int(rows)})
}

// writeSinkEntries streams the row-array reply for rows created rows, so
// a reply for millions of rows is never held whole.
func writeSinkEntries(w http.ResponseWriter, firstSID uint64, rows int64) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteByte('[')
	for i := int64(0); i < rows; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(`{"typ":"insert","id":"`)
		bw.WriteString(sidFor(firstSID + uint64(i)))
		bw.WriteString(`","ver":"rv-0"}`)
	}
	bw.WriteString("]\n")
	bw.Flush()
}

// sinkHeadSize is how much of the start of a sink upload is kept, for its
// header row.
const sinkHeadSize = 64 << 10

// sinkPiece is what a sink keeps of one piece of an upload (the whole of
// a single-shot upload, or a chunk): its size, the tally of its records,
// and its bytes that fall in the first sinkHeadSize of the file.
type sinkPiece struct {
	offset, size int64
	tally        csvTally
	head         []byte
}

// sinkChunk counts the records of the piece of a sink upload at offset
// off in the file.
func sinkChunk(off int64, r io.Reader) (sinkPiece, error) {
	p := sinkPiece{offset: off, tally: newCSVTally()}
	_, err := sinkRead(r, func(b []byte) {
		if at := p.offset + p.size; at < sinkHeadSize {
			p.head = append(p.head, b[:min(int64(len(b)), sinkHeadSize-at)]...)
		}
		p.size += int64(len(b))
		p.tally.add(b)
	})
	return p, err
}

// keep records a piece that arrived whole. The caller holds dsm.mu, so
// a chunk sent twice at once does not write the head twice at once.
func (src *source) keep(seq int, p sinkPiece) {
	if len(p.head) > 0 {
		if src.head == nil {
			src.head = make([]byte, sinkHeadSize)
		}
		copy(src.head[p.offset:], p.head)
	}
	src.chunks[seq] = chunk{offset: p.offset, size: p.size, tally: p.tally}
}

// sinkParse makes the input schema of a committed sink upload from its
// head and the chunks' tallies, and its default output schema, at once:
// there is nothing to read again. The caller holds dsm.mu.
func (p *Portal) sinkParse(src *source) {
	now := time.Now()
	fail := func(msg string) { src.failedAt, src.failure = now, msg }
	kept := src.head[:min(src.size, int64(len(src.head)))]
	headers := intOption(src.parseOptions, "header_count")
	if src.size > sinkHeadSize {
		t := newCSVTally()
		t.add(kept)
		if whole, _, _ := t.resolve(0, false); whole < int64(max(headers, 1)) {
			fail(fmt.Sprintf("The header is longer than the %d bytes a sink dataset keeps of an upload; socratatest cannot read it.", sinkHeadSize))
			return
		}
	}
	header, failure := readHeader(bytes.NewReader(kept), src.parseOptions)
	if failure != "" {
		fail(failure)
		return
	}
	// The chunks in file order; checkChunks made sure they are all there.
	var records int64
	q, has := uint8(0), false
	for _, seq := range slices.Sorted(maps.Keys(src.chunks)) {
		c := src.chunks[seq]
		var n int64
		n, q, has = c.tally.resolve(q, has)
		records += n
	}
	if has {
		records++
	}
	in := newInputSchema(src, header)
	in.totalRows = int(max(records-int64(headers), 0))
	// Nothing is sampled: a column keeps the type of the dataset field it
	// names, and any other is text.
	d := src.rev.ds
	for i, c := range in.columns {
		if j, err := d.writableField(c.fieldName); err == nil {
			in.columns[i].guessed = soqlTypeOf(d.cols[j].kind)
		}
	}
	p.addInputSchema(in, now)
}

// finishSinkOutputSchema marks a sink source's output schema worked out
// the moment it is made: no row is converted, so none has an error. The
// caller holds dsm.mu.
func finishSinkOutputSchema(sch *outputSchema) {
	now := time.Now()
	for _, c := range sch.columns {
		if c.compileErr == "" {
			c.transformDone = now
		}
	}
	sch.totalRows, sch.errorCount, sch.finishedAt = sch.in.totalRows, 0, now
	close(sch.done)
}

// writeSinkErrors answers a request for the error rows of a sink upload:
// its header, with the "error" column, and no rows.
func writeSinkErrors(w http.ResponseWriter, in *inputSchema) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := newCSVOut(w)
	cw.write(append(append([]string{}, in.header...), "error"))
	cw.flush()
}
