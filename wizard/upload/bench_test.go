package upload

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
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
	"github.com/ctopendata/socrata-wizard/wizard"
)

// BenchmarkUpload uploads a generated CSV (100 MB, or
// SOCRATA_WIZARD_BENCH_MB megabytes) through each route to an in-process
// portal on loopback whose dataset is a sink (it counts rows and checks
// nothing, so the numbers are this program's), and measures, right before
// each upload, the yardstick its goal is set against. It reports:
//
//   - soda/plain-read (goal 0.5): the SODA route's rate over the rate of
//     reading the file's records with plain encoding/csv, the plain read
//     measured just before and just after; soda-MB/s and plain-read-MB/s
//     are the two;
//   - soda/plain-read-cpu: the same ratio in CPU time (of the whole
//     process, the portal's sink included), which a busy machine
//     disturbs far less than the rates. On an idle machine the upload
//     runs on more than one CPU at once, so the rate ratio is at least
//     this;
//   - dsmapi-upload/raw-post (goal 0.7): the Data Management API route,
//     from the call until the portal has every chunk committed, over one
//     POST of the whole file to the same portal (a single-shot upload to a
//     source of the same dataset), measured just before and just after;
//     dsmapi-MB/s is the route end to end;
//   - *-peak-heap-MB: the most heap in use during each upload (goal under
//     64 MB, also for 1 GB), the in-process portal's own included.
//
// The ratios, not the rates, are what to compare between machines: on a
// shared two-CPU box both sides of a ratio slow down together. Run it
// with:
//
//	go test ./wizard -run '^$' -bench 'Upload$' -benchtime 1x -count 5
//
// and SOCRATA_WIZARD_BENCH_MB=1000 for the 1 GB run.
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
		RowIdentifier: "id", Sink: true}); err != nil {
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
	f, err := wizard.OpenCSV(path)
	if err != nil {
		b.Fatal(err)
	}
	job := &wizard.Job{Version: wizard.JobVersion, Dataset: "bnch-0001", File: path, Method: wizard.Upsert, CSV: f.Dialect, RowIdentifier: "id"}
	for _, col := range benchColumns {
		job.Columns = append(job.Columns, wizard.ColumnMap{Source: col.FieldName, Field: col.FieldName, Type: string(socrata.ParseDataType(col.Type))})
	}

	b.ResetTimer()
	for range b.N {
		for _, route := range []wizard.Route{wizard.RouteSODA, wizard.RouteDSMAPI} {
			// The yardstick, measured just before and just after the
			// upload, so that a change in the machine's load between
			// them weighs on both sides of the ratio alike.
			yard := func() (time.Duration, time.Duration) {
				cpu0, _ := processCPU()
				start := time.Now()
				if route == wizard.RouteSODA {
					if err := uploadPlainRead(path); err != nil {
						b.Fatal(err)
					}
				} else {
					portalPostTime(b, c, ds, u, srv.Client(), path)
				}
				cpu1, _ := processCPU()
				return time.Since(start), cpu1 - cpu0
			}
			yardWall, yardCPU := yard()
			job.Route = route
			var (
				res  *Result
				uerr error
				// sent is when the portal had every chunk committed and
				// its own work began (Data Management API).
				sent  time.Time
				start time.Time
			)
			cpu0, measured := processCPU()
			peak, d := uploadPeakHeap(func() {
				start = time.Now()
				res, uerr = Run(context.Background(), c, ds, f, job, Options{
					Checkpoint: filepath.Join(dir, "bench.checkpoint"),
					Progress: func(p Progress) {
						if sent.IsZero() && p.Phase == PhaseProcessing && p.Stage == "the portal is reading the file" {
							sent = time.Now()
						}
					},
				})
			})
			cpu1, _ := processCPU()
			if uerr != nil {
				b.Fatalf("%s route: %v", route, uerr)
			}
			if res.Sent+res.Rejected != res.Rows || !res.Complete || res.Route != route {
				b.Fatalf("%s route: sent %d and rejected %d of %d rows (complete %v, through %s)", route, res.Sent, res.Rejected, res.Rows, res.Complete, res.Route)
			}
			w2, c2 := yard()
			yardWall, yardCPU = (yardWall+w2)/2, (yardCPU+c2)/2
			yardstick := uploadRate(size, yardWall)
			r := uploadRate(size, d)
			b.ReportMetric(r, route.String()+"-MB/s")
			b.ReportMetric(float64(peak)/(1<<20), route.String()+"-peak-heap-MB")
			if route == wizard.RouteSODA {
				b.ReportMetric(yardstick, "plain-read-MB/s")
				b.ReportMetric(r/yardstick, "soda/plain-read")
				if measured {
					b.ReportMetric(yardCPU.Seconds()/(cpu1-cpu0).Seconds(), "soda/plain-read-cpu")
				}
			} else {
				up := uploadRate(size, sent.Sub(start))
				b.ReportMetric(yardstick, "raw-post-MB/s")
				b.ReportMetric(up, "dsmapi-upload-MB/s")
				b.ReportMetric(up/yardstick, "dsmapi-upload/raw-post")
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

// uploadRawPost sends the file's bytes in one POST with hc, signed in as
// user, the yardstick for the Data Management API route.
func uploadRawPost(hc *http.Client, url, path string, user socratatest.UserSpec) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	req, err := http.NewRequest(http.MethodPost, url, fh)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.SetBasicAuth(user.KeyID, user.KeySecret)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	// 200, or 201 as the Publishing API's spec has it.
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return nil
}

// portalPostTime times one POST of the file to a new source's single-shot
// upload link on ds, then discards the revision.
func portalPostTime(b *testing.B, c *socrata.Client, ds *socrata.Dataset, user socratatest.UserSpec, hc *http.Client, path string) time.Duration {
	b.Helper()
	ctx := context.Background()
	rev, err := c.OpenRevision(ctx, ds.ID, socrata.RevisionUpdate)
	if err != nil {
		b.Fatal(err)
	}
	defer c.DiscardRevision(ctx, rev.Dataset, rev.Seq)
	src, err := c.CreateSource(ctx, rev, "bench.csv", socrata.ParseOptions{ColumnSeparator: ","})
	if err != nil {
		b.Fatal(err)
	}
	url := fmt.Sprintf("%s/api/publishing/v1/source/%d", c.BaseURL(), src.ID)
	return uploadTimeIt(b, func() error { return uploadRawPost(hc, url, path, user) })
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

// BenchmarkEncodeRows measures this side of the SODA route alone: reading
// a 30 MB file and converting and encoding every row, in each body
// format, next to reading it with plain encoding/csv.
func BenchmarkEncodeRows(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rows.csv")
	size := writeBenchCSV(b, path, 30<<20)
	f, err := wizard.OpenCSV(path)
	if err != nil {
		b.Fatal(err)
	}
	job := &wizard.Job{CSV: f.Dialect}
	for _, col := range benchColumns {
		job.Columns = append(job.Columns, wizard.ColumnMap{Source: col.FieldName, Field: col.FieldName, Type: string(socrata.ParseDataType(col.Type))})
	}
	plan, err := wizard.NewPlan(job, f.Header)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("plain-read", func(b *testing.B) {
		b.SetBytes(size)
		for range b.N {
			if err := uploadPlainRead(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, format := range []string{"json", "csv"} {
		b.Run(format, func(b *testing.B) {
			b.SetBytes(size)
			enc := newRowEncoder(plan, false, false, -1)
			enc.csv = format == "csv"
			buf := make([]byte, 0, 2<<20)
			for range b.N {
				rr, err := f.Records()
				if err != nil {
					b.Fatal(err)
				}
				for {
					rec, err := rr.Next()
					if err == io.EOF {
						break
					}
					buf, _ = enc.encode(buf, rec.Fields)
					if len(buf) > 1<<20 {
						buf = buf[:0]
					}
				}
				rr.Close()
			}
		})
	}
}
