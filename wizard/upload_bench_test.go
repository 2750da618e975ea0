package wizard

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
)

// BenchmarkUpload uploads a generated CSV (100 MB, or
// SOCRATA_WIZARD_BENCH_MB megabytes) to an in-process portal on loopback
// whose dataset discards rows, through each route, and in the same run
// measures the two yardsticks the goals are set against: reading the file
// with plain encoding/csv, and sending its raw bytes in one HTTP POST to a
// handler that throws them away. It reports each rate, the ratios
// (goals: SODA at least 0.5 of the plain read, the Data Management API at
// least 0.7 of the raw POST) and the peak heap during each upload (goal:
// under 64 MB), the portal's own allocations included.
//
// Run it with: go test ./wizard -run '^$' -bench Upload -benchtime 1x
func BenchmarkUpload(b *testing.B) {
	mb := 100
	if s := os.Getenv("SOCRATA_WIZARD_BENCH_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("SOCRATA_WIZARD_BENCH_MB=%q is not a number of megabytes", s)
		}
		mb = n
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.csv")
	size := writeBenchCSV(b, path, int64(mb)<<20)

	srv := socratatest.NewServer()
	defer srv.Close()
	u := srv.Portal.AddUser(socratatest.UserSpec{DisplayName: "Bench", Email: "bench@example.gov", Role: "publisher"})
	if err := srv.Portal.AddDataset(socratatest.DatasetSpec{ID: "bnch-0001", Name: "Bench", Owner: u.ID, Columns: benchColumns,
		RowIdentifier: "id", DiscardRows: true}); err != nil {
		b.Fatal(err)
	}
	c, err := socrata.NewClient(srv.URL, socrata.Credentials{ID: u.KeyID, Secret: u.KeySecret}, srv.Client())
	if err != nil {
		b.Fatal(err)
	}
	ds, err := c.Dataset(context.Background(), "bnch-0001")
	if err != nil {
		b.Fatal(err)
	}
	f, err := OpenCSV(path)
	if err != nil {
		b.Fatal(err)
	}
	job := &Job{Version: JobVersion, Dataset: "bnch-0001", File: path, Method: Upsert, CSV: f.Dialect, RowIdentifier: "id"}
	for _, col := range benchColumns {
		job.Columns = append(job.Columns, ColumnMap{Source: col.FieldName, Field: col.FieldName, Type: string(socrata.ParseDataType(col.Type))})
	}

	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"rows_created":0,"rows_updated":0,"rows_deleted":0,"errors":[]}`)
	}))
	defer sink.Close()
	sinkClient, err := socrata.NewClient(sink.URL, socrata.Credentials{}, sink.Client())
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for range b.N {
		plain := uploadRate(size, uploadTimeIt(b, func() error { return uploadPlainRead(path) }))
		post := uploadRate(size, uploadTimeIt(b, func() error { return uploadRawPost(sink.URL, path) }))
		b.ReportMetric(plain, "plain-read-MB/s")
		b.ReportMetric(post, "raw-post-MB/s")

		// The SODA route against a portal that reads each body and
		// answers at once: the cost of this side alone.
		job.Route = RouteSODA
		peak, d := uploadPeakHeap(func() {
			if _, err := Upload(context.Background(), sinkClient, ds, f, job, UploadOptions{}); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(uploadRate(size, d), "soda-client-MB/s")
		b.ReportMetric(uploadRate(size, d)/plain, "soda-client/plain-read")
		b.ReportMetric(float64(peak)/(1<<20), "soda-client-peak-heap-MB")

		for _, route := range []Route{RouteSODA, RouteDSMAPI} {
			job.Route = route
			var res *UploadResult
			var uerr error
			peak, d := uploadPeakHeap(func() {
				cp := filepath.Join(dir, "bench.checkpoint")
				if os.Getenv("NOCP") != "" {
					cp = ""
				}
				res, uerr = Upload(context.Background(), c, ds, f, job, UploadOptions{Checkpoint: cp})
			})
			if uerr != nil {
				b.Logf("%s route: %v", route, uerr)
				continue
			}
			if res.Sent+res.Rejected != res.Rows || !res.Complete {
				b.Fatalf("%s route: sent %d and rejected %d of %d rows", route, res.Sent, res.Rejected, res.Rows)
			}
			r := uploadRate(size, d)
			b.ReportMetric(r, route.String()+"-MB/s")
			b.ReportMetric(float64(peak)/(1<<20), route.String()+"-peak-heap-MB")
			if route == RouteSODA {
				b.ReportMetric(r/plain, "soda/plain-read")
			} else {
				b.ReportMetric(r/post, "dsmapi/raw-post")
			}
		}
	}
}

var benchColumns = []socratatest.ColumnSpec{
	{FieldName: "id", Type: "text"},
	{FieldName: "agency", Type: "text"},
	{FieldName: "amount", Type: "number"},
	{FieldName: "issued", Type: "calendar_date"},
	{FieldName: "paid", Type: "checkbox"},
	{FieldName: "notes", Type: "text"},
}

// writeBenchCSV writes about size bytes of rows shaped like a permits
// file and returns the exact size.
func writeBenchCSV(b *testing.B, path string, size int64) int64 {
	b.Helper()
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	w.WriteString("id,agency,amount,issued,paid,notes\n")
	agencies := []string{"Department of Transportation", "Energy and Environmental Protection", "Public Health", "Revenue Services"}
	var n int64
	for i := 0; n < size; i++ {
		k, _ := fmt.Fprintf(w, "R-%08d,%s,%d.%02d,2024-%02d-%02dT%02d:%02d:00,%t,\"Inspection %d, follow-up needed\"\n",
			i, agencies[i%4], i%100000, i%100, 1+i%12, 1+i%28, i%24, i%60, i%3 == 0, i)
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	return st.Size()
}

func uploadTimeIt(b *testing.B, f func() error) time.Duration {
	b.Helper()
	start := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func uploadRate(size int64, d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }

// uploadPlainRead reads every record with encoding/csv, the yardstick for the
// SODA route.
func uploadPlainRead(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	r := csv.NewReader(bufio.NewReaderSize(fh, 64<<10))
	r.ReuseRecord = true
	for {
		if _, err := r.Read(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// uploadRawPost sends the file's bytes in one POST, the yardstick for the Data
// Management API route.
func uploadRawPost(url, path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	resp, err := http.Post(url, "text/csv", fh)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// uploadPeakHeap runs f while sampling the heap's objects (HeapAlloc) every
// millisecond through runtime/metrics, which does not stop the world,
// after a collection so that the samples start from what is live.
func uploadPeakHeap(f func()) (uint64, time.Duration) {
	runtime.GC()
	debug.FreeOSMemory()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	f()
	d := time.Since(start)
	close(stop)
	wg.Wait()
	return peak.Load(), d
}
