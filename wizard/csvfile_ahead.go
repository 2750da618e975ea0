package wizard

import (
	"errors"
	"io"
	"unsafe"
)

// The reading goroutine hands records over in batches of about this
// size; batchCount batches are in flight at most, which bounds memory.
const (
	batchRecords = 2048
	batchBytes   = 256 << 10
	batchCount   = 4
)

// batch is a run of records read ahead: their bytes back to back, the end
// of each field in data, and where each record's fields start.
type batch struct {
	data  []byte
	ends  []int
	recs  []batchRec
	bytes int64 // raw bytes read when the batch was full
	err   error // what ended the file after these records, if anything
}

type batchRec struct {
	line  int
	base  int // offset in data of the record's first field
	first int // index in ends of its first field
	nf    int
	soft  *CSVError
}

// AheadReader reads a file's records on a second goroutine, a few batches
// ahead, and yields them in order as RecordReader.Next does, so that
// parsing and converting run side by side: the check and the upload take
// the time of the slower of the two rather than their sum.
type AheadReader struct {
	full   chan *batch
	free   chan *batch
	quit   chan struct{}
	done   chan struct{}
	cur    *batch
	i      int
	str    string
	fields []string
	bytes  int64
	ended  error
}

// ReadAhead starts reading rr on a goroutine. Stop it before rr is
// closed.
func ReadAhead(rr *RecordReader) *AheadReader {
	// Each record is copied into a batch before the next is read, so the
	// parser may reuse its buffer.
	rr.p.shared = true
	br := &AheadReader{
		full: make(chan *batch, batchCount),
		free: make(chan *batch, batchCount),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range batchCount {
		br.free <- &batch{}
	}
	go br.read(rr)
	return br
}

func (br *AheadReader) read(rr *RecordReader) {
	defer close(br.done)
	defer close(br.full)
	for {
		var b *batch
		select {
		case b = <-br.free:
		case <-br.quit:
			return
		}
		if b.recs == nil {
			// Full size at first use rather than grown by appending, which
			// would copy each buffer a dozen times over.
			b.data = make([]byte, 0, batchBytes+batchBytes/4)
			b.recs = make([]batchRec, 0, batchRecords)
			b.ends = make([]int, 0, batchRecords*max(rr.width, 1))
		}
		b.data, b.ends, b.recs, b.err = b.data[:0], b.ends[:0], b.recs[:0], nil
		for len(b.recs) < batchRecords && len(b.data) < batchBytes {
			_, err := rr.Next()
			if err == io.EOF {
				b.err = io.EOF
				break
			}
			var soft *CSVError
			if err != nil {
				// errors.As takes the address of its target, which then
				// lives on the heap: declared here, it costs an allocation
				// only for records that have a problem, not for every one.
				var ce *CSVError
				if !errors.As(err, &ce) || ce.Fatal() {
					b.err = err
					break
				}
				soft = ce
			}
			p := rr.p
			base := len(b.data)
			b.recs = append(b.recs, batchRec{line: p.recordLine, base: base, first: len(b.ends), nf: len(p.ends), soft: soft})
			b.data = append(b.data, p.recBuf...)
			for _, e := range p.ends {
				b.ends = append(b.ends, base+e)
			}
		}
		b.bytes = rr.bytesRead()
		select {
		case br.full <- b:
		case <-br.quit:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// Next returns the next record; its fields are valid until the next call.
func (br *AheadReader) Next() (Record, error) {
	for br.cur == nil || br.i >= len(br.cur.recs) {
		if br.ended != nil {
			return Record{}, io.EOF
		}
		if br.cur != nil {
			if br.cur.err != nil {
				br.ended = br.cur.err
				return Record{}, br.cur.err
			}
			br.free <- br.cur
			br.cur = nil
		}
		b, ok := <-br.full
		if !ok {
			br.ended = io.EOF
			return Record{}, io.EOF
		}
		br.cur, br.i, br.bytes = b, 0, b.bytes
		br.str = ""
		if len(b.data) > 0 {
			// The batch's bytes do not change until it is handed back.
			br.str = unsafe.String(unsafe.SliceData(b.data), len(b.data))
		}
	}
	r := br.cur.recs[br.i]
	br.i++
	br.fields = br.fields[:0]
	start := r.base
	for _, e := range br.cur.ends[r.first : r.first+r.nf] {
		br.fields = append(br.fields, br.str[start:e])
		start = e
	}
	rec := Record{Line: r.line, Fields: br.fields}
	if r.soft != nil {
		return rec, r.soft
	}
	return rec, nil
}

// Stop ends the reading goroutine and waits for it.
func (br *AheadReader) Stop() {
	close(br.quit)
	<-br.done
}

// BytesRead is how far into the file reading has got, as of the last
// record Next returned.
func (br *AheadReader) BytesRead() int64 { return br.bytes }
