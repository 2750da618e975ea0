package socratatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// csvStream produces a CSV of about size bytes on the fly, so the
// benchmark itself holds no file in memory.
type csvStream struct {
	size, sent int64
	row        int
	buf        bytes.Buffer
}

func newCSVStream(size int64) *csvStream {
	s := &csvStream{size: size}
	s.buf.WriteString("id,n,day,flag,note\n")
	return s
}

func (s *csvStream) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && s.sent+int64(s.buf.Len()) < s.size {
		s.row++
		fmt.Fprintf(&s.buf, "r%09d,%d.%02d,2024-%02d-%02d,%v,sample row text for the benchmark\n",
			s.row, s.row%100000, s.row%100, 1+s.row%12, 1+s.row%28, s.row%2 == 0)
	}
	if s.buf.Len() == 0 {
		return 0, io.EOF
	}
	n, _ := s.buf.Read(p)
	s.sent += int64(n)
	return n, nil
}

// peakHeap samples the heap in use until stop is called, and returns the
// highest value seen, in MB.
func peakHeap() (stop func() float64) {
	runtime.GC()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak) / (1 << 20)
	}
}

func benchServer(b *testing.B) (*Server, *who) {
	s := NewServer(WithSamples())
	b.Cleanup(s.Close)
	if err := s.Portal.AddDataset(DatasetSpec{
		ID: "bnch-0001", Name: "Bench", Owner: DemoPublisherID, DiscardRows: true,
		Columns: []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "n", Type: "number"},
			{FieldName: "day", Type: "calendar_date"}, {FieldName: "flag", Type: "checkbox"}, {FieldName: "note", Type: "text"}},
	}); err != nil {
		b.Fatal(err)
	}
	d := s.Portal.Demo()
	return s, &who{d.KeyID, d.KeySecret}
}

var benchSizes = []int64{10 << 20, 100 << 20}

// BenchmarkSODAUploadDiscard streams a CSV upsert to a dataset that
// discards rows: peak-heap-MB should not grow with the upload's size.
func BenchmarkSODAUploadDiscard(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMB", size>>20), func(b *testing.B) {
			s, c := benchServer(b)
			b.SetBytes(size)
			stop := peakHeap()
			for b.Loop() {
				r, err := send(s, "POST", "/resource/bnch-0001.json", c, "text/csv", newCSVStream(size))
				if err != nil {
					b.Fatal(err)
				}
				if r.status != 200 || !strings.Contains(string(r.body), `"errors":[]`) {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
			b.ReportMetric(stop(), "peak-heap-MB")
		})
	}
}

// BenchmarkDSMAPIUploadDiscard sends a CSV through the Data Management API
// in parallel chunks, waits for the schema, and applies it to a dataset
// that discards rows: peak-heap-MB should not grow with the size either.
func BenchmarkDSMAPIUploadDiscard(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMB", size>>20), func(b *testing.B) {
			s, c := benchServer(b)
			b.SetBytes(size)
			stop := peakHeap()
			for b.Loop() {
				dsmBenchRun(b, s, c, size)
			}
			b.ReportMetric(stop(), "peak-heap-MB")
		})
	}
}

func dsmBenchRun(b *testing.B, s *Server, c *who, size int64) {
	dsmBenchUpload(b, s, c, "bnch-0001", newCSVStream(size))
}

// dsmBenchUpload sends stream to dataset id through the Data Management
// API in 4 MB chunks, four at a time, and applies it.
func dsmBenchUpload(b *testing.B, s *Server, c *who, id string, stream io.Reader) {
	call := func(method, path, body string, v any) {
		r, err := send(s, method, path, c, jsonType, strings.NewReader(body))
		if err != nil || r.status >= 300 {
			b.Fatalf("%s %s: %d %v %s", method, path, r.status, err, r.body)
		}
		if v != nil {
			if err := json.Unmarshal(r.body, v); err != nil {
				b.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}
	type wrapped struct {
		Resource struct {
			ID          int    `json:"id"`
			RevisionSeq int    `json:"revision_seq"`
			Status      string `json:"status"`
			Schemas     []struct {
				OutputSchemas []struct {
					ID          int     `json:"id"`
					CompletedAt *string `json:"completed_at"`
				} `json:"output_schemas"`
			} `json:"schemas"`
		} `json:"resource"`
	}
	var rev, src wrapped
	call("POST", dsmPrefix+"/revision/"+id, `{"action": {"type": "update"}}`, &rev)
	revPath := fmt.Sprintf("%s/revision/%s/%d", dsmPrefix, id, rev.Resource.RevisionSeq)
	call("POST", revPath+"/source", `{"source_type": {"type": "upload", "filename": "bench.csv"}}`, &src)
	base := fmt.Sprintf("%s/source/%d", dsmPrefix, src.Resource.ID)
	call("POST", base+"/initiate", `{"content_type": "text/csv"}`, nil)

	const chunkSize = 4 << 20
	// Four buffers: at most four chunks in flight, and no garbage.
	free := make(chan []byte, 4)
	for range cap(free) {
		free <- make([]byte, chunkSize)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failure error
	seq, offset := 0, int64(0)
	for {
		buf := <-free
		n, _ := io.ReadFull(stream, buf)
		if n == 0 {
			break
		}
		wg.Add(1)
		go func(seq int, off int64, data []byte) {
			defer wg.Done()
			defer func() { free <- data[:cap(data)] }()
			r, err := send(s, "POST", fmt.Sprintf("%s/chunk/%d/%d", base, seq, off), c, "application/octet-stream", bytes.NewReader(data))
			if err != nil || r.status != 200 {
				mu.Lock()
				failure = fmt.Errorf("chunk %d: %d %v %s", seq, r.status, err, r.body)
				mu.Unlock()
			}
		}(seq, offset, buf[:n])
		seq++
		offset += int64(n)
	}
	wg.Wait()
	if failure != nil {
		b.Fatal(failure)
	}
	call("POST", fmt.Sprintf("%s/chunk/%d/%d/commit", base, seq-1, offset), "", nil)
	outputID := 0
	for {
		call("GET", base, "", &src)
		for _, in := range src.Resource.Schemas {
			for _, o := range in.OutputSchemas {
				if o.CompletedAt != nil {
					outputID = o.ID
				}
			}
		}
		if outputID != 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var task wrapped
	call("PUT", revPath+"/apply", fmt.Sprintf(`{"output_schema_id": %d}`, outputID), &task)
	for task.Resource.Status != "successful" {
		if task.Resource.Status == "failure" {
			b.Fatal("apply failed")
		}
		time.Sleep(20 * time.Millisecond)
		call("GET", fmt.Sprintf("%s/apply/%d", revPath, task.Resource.ID), "", &task)
	}
}

// repeatBody is a body of size bytes made of a block of whole rows
// repeated, between a start (a CSV header, or "[") and an end ("]" for
// JSON), so a benchmark can send hundreds of megabytes quickly and hold
// only the block.
type repeatBody struct {
	start, block, end []byte
	left              int64 // bytes of repeated blocks still to send
	pos               int   // within the current piece
	phase             int   // 0 start, 1 blocks, 2 end, 3 done
}

func newRepeatBody(format string, size int64) *repeatBody {
	block := sinkBlock(format, 1<<20)
	r := &repeatBody{block: block}
	if format == "json" {
		r.start, r.end = block[:1], []byte("{}]") // the block starts with "["; its last row ends with ","
		r.block = block[1:]
	} else {
		r.start = []byte("id,agency,amount,issued,paid,notes\n")
	}
	r.left = size / int64(len(r.block)) * int64(len(r.block))
	return r
}

// Len is the size of the whole body.
func (r *repeatBody) Len() int64 { return int64(len(r.start)+len(r.end)) + r.left }

func (r *repeatBody) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.phase < 3 {
		piece := r.start
		switch r.phase {
		case 1:
			if r.left == 0 {
				r.phase, r.pos = 2, 0
				continue
			}
			piece = r.block
		case 2:
			piece = r.end
		}
		k := copy(p[n:], piece[r.pos:])
		n += k
		r.pos += k
		if r.phase == 1 {
			r.left -= int64(k)
		}
		if r.pos == len(piece) {
			r.pos = 0
			if r.phase != 1 {
				r.phase++
			}
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// BenchmarkSinkUpload sends 100 MB to a dataset made with Sink, which
// counts rows and checks nothing, so MB/s is what the portal costs a
// benchmark of the client at most. raw-post is the same bytes POSTed on
// loopback to a handler that only reads them: the ceiling for a sink.
// soda-csv and soda-json are SODA upserts; dsmapi is a chunked upload
// (4 MB chunks, four at a time), commit and apply.
func BenchmarkSinkUpload(b *testing.B) {
	const size = 100 << 20
	s := NewServer(WithSamples())
	b.Cleanup(s.Close)
	if err := s.Portal.AddDataset(DatasetSpec{
		ID: "sink-0001", Name: "Sink", Owner: DemoPublisherID, Sink: true, RowIdentifier: "id",
		Columns: []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "agency", Type: "text"}, {FieldName: "amount", Type: "number"},
			{FieldName: "issued", Type: "calendar_date"}, {FieldName: "paid", Type: "checkbox"}, {FieldName: "notes", Type: "text"}},
	}); err != nil {
		b.Fatal(err)
	}
	d := s.Portal.Demo()
	c := &who{d.KeyID, d.KeySecret}
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "{}")
	}))
	b.Cleanup(raw.Close)

	post := func(b *testing.B, url, ctype string, body *repeatBody) string {
		req, _ := http.NewRequest("POST", url, body)
		req.ContentLength = body.Len()
		req.SetBasicAuth(c.name, c.secret)
		req.Header.Set("Content-Type", ctype)
		resp, err := s.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
		return string(out)
	}
	for _, tt := range []struct {
		name string
		run  func(b *testing.B)
	}{
		{"raw-post", func(b *testing.B) { post(b, raw.URL, "text/csv", newRepeatBody("csv", size)) }},
		{"soda-csv", func(b *testing.B) {
			body := newRepeatBody("csv", size)
			rows := body.left / int64(len(body.block)) * int64(bytes.Count(body.block, []byte("\n")))
			if out := post(b, s.URL+"/resource/sink-0001.json", "text/csv", body); !strings.Contains(out, fmt.Sprintf(`"rows_created":%d,`, rows)) {
				b.Fatalf("want %d rows created: %s", rows, out)
			}
		}},
		{"soda-json", func(b *testing.B) {
			if out := post(b, s.URL+"/resource/sink-0001.json", jsonType, newRepeatBody("json", size)); !strings.Contains(out, `"errors":[]`) {
				b.Fatal(out)
			}
		}},
		{"dsmapi", func(b *testing.B) { dsmBenchUpload(b, s, c, "sink-0001", newRepeatBody("csv", size)) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(size)
			stop := peakHeap()
			for b.Loop() {
				tt.run(b)
			}
			b.ReportMetric(stop(), "peak-heap-MB")
		})
	}
}

// BenchmarkCount asks for $select=count(*) on a dataset of 150,000 rows,
// as an upload's check of the portal does: the reply is one small row,
// and B/op stays a few kilobytes because no row is collected.
func BenchmarkCount(b *testing.B) {
	s := NewServer(WithSamples())
	b.Cleanup(s.Close)
	const n = 150_000
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = map[string]string{"id": fmt.Sprintf("R%06d", i), "group": fmt.Sprint(i % 10)}
	}
	if err := s.Portal.AddDataset(DatasetSpec{
		ID: "bnch-cnt1", Name: "Bench count", Owner: DemoPublisherID, RowIdentifier: "id", Rows: rows,
		Columns: []ColumnSpec{{FieldName: "id", Type: "text"}, {FieldName: "group", Type: "text"}},
	}); err != nil {
		b.Fatal(err)
	}
	rows = nil
	d := s.Portal.Demo()
	c := &who{d.KeyID, d.KeySecret}
	for _, q := range []string{"", "&group=3"} {
		b.Run("filter="+strings.TrimPrefix(q, "&"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := send(s, http.MethodGet, "/resource/bnch-cnt1.json?$select=count(*)"+q, c, "", nil)
				if err != nil || r.status != 200 || !strings.Contains(string(r.body), `"count":"`) {
					b.Fatalf("%d %s %v", r.status, r.body, err)
				}
			}
		})
	}
}

// BenchmarkHistorySample generates the 7 MB park visits history: B/op is
// the generator's own memory, a few tens of kilobytes, because the file
// is streamed and never held.
func BenchmarkHistorySample(b *testing.B) {
	var f SampleFile
	for _, sf := range SampleFiles() {
		if sf.Name == historyName {
			f = sf
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		n, err := f.WriteTo(io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
	}
}
