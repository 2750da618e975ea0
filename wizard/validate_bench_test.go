package wizard

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// benchFile writes a CSV of about mb megabytes with the column types
// publishers send most: text, numbers, money, dates, checkboxes and
// points.
func benchFile(b *testing.B, mb int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.csv")
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	w.WriteString("permit_id,town,description,fee,issued,inspected,active,site\n")
	towns := []string{"Hartford", "New Haven", "Stamford", "Waterbury", "Norwalk", "Danbury"}
	target := int64(mb) << 20
	var n int64
	for i := 0; n < target; i++ {
		line := fmt.Sprintf("P-%08d,%s,\"Renovation, phase %d\",%d.%02d,%02d/%02d/20%02d,20%02d-%02d-%02dT%02d:%02d:00,%t,POINT (-72.%04d 41.%04d)\n",
			i, towns[i%len(towns)], i%7, i%100000, i%100, i%12+1, i%28+1, i%25, i%25, i%12+1, i%28+1, i%12+8, i%60, i%2 == 0, i%10000, (i*7)%10000)
		k, _ := w.WriteString(line)
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func benchJob(path string) *Job {
	return &Job{
		File:          path,
		Method:        Upsert,
		RowIdentifier: "permit_id",
		CSV:           Dialect{Delimiter: ",", Encoding: EncodingUTF8, Header: true},
		Columns: []ColumnMap{
			{Source: "permit_id", Field: "permit_id", Type: "text"},
			{Source: "town", Field: "town", Type: "text"},
			{Source: "description", Field: "description", Type: "text"},
			{Source: "fee", Field: "fee", Type: "number"},
			{Source: "issued", Field: "issued", Type: "floating_timestamp", Formats: []string{"MM/dd/yyyy"}},
			{Source: "inspected", Field: "inspected", Type: "fixed_timestamp", Formats: []string{timestamp.ISO8601}},
			{Source: "active", Field: "active", Type: "checkbox"},
			{Source: "site", Field: "site", Type: "point"},
		},
	}
}

// peakHeap samples the live heap while f runs and returns the largest
// value seen, in bytes.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak {
			peak = v
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	read()
	return peak
}

// BenchmarkValidate validates a generated CSV (100 MB, or
// SOCRATA_WIZARD_BENCH_MB) and, in the same run, reads the same file with
// plain encoding/csv. It reports both rates, their ratio (the goal is at
// least 0.7) and the peak heap of the validation (the goal is under 50 MB
// at any size).
func BenchmarkValidate(b *testing.B) {
	mb := 100
	if s := os.Getenv("SOCRATA_WIZARD_BENCH_MB"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("SOCRATA_WIZARD_BENCH_MB=%q is not a positive number", s)
		}
		mb = v
	}
	path := benchFile(b, mb)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	size := float64(st.Size()) / (1 << 20)
	job := benchJob(path)
	b.SetBytes(st.Size())
	b.ResetTimer()

	var plain, valid time.Duration
	var peakV, peakP uint64
	for i := 0; i < b.N; i++ {
		var rows int64
		t0 := time.Now()
		peakP = max(peakP, peakHeap(func() { rows = plainRead(b, path) }))
		plain += time.Since(t0)

		var rep *Report
		t0 = time.Now()
		peakV = max(peakV, peakHeap(func() {
			rep, err = Check(context.Background(), job, CheckOptions{})
		}))
		valid += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() || rep.Rows != rows {
			b.Fatalf("validated %d rows (plain read %d), ok=%v: %+v", rep.Rows, rows, rep.OK(), rep.Columns)
		}
	}
	b.StopTimer()
	plainRate := size * float64(b.N) / plain.Seconds()
	validRate := size * float64(b.N) / valid.Seconds()
	b.ReportMetric(plainRate, "plain-MB/s")
	b.ReportMetric(validRate, "validate-MB/s")
	b.ReportMetric(validRate/plainRate, "ratio")
	b.ReportMetric(float64(peakV)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peakP)/(1<<20), "plain-peak-heap-MB")
}

// plainRead is the yardstick: encoding/csv over a buffered file, reusing
// its record, touching nothing.
func plainRead(b *testing.B, path string) int64 {
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(bufio.NewReaderSize(fh, 64<<10))
	r.ReuseRecord = true
	var rows int64
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		rows++
	}
	return rows - 1 // the header
}

// BenchmarkRead measures the reader alone, for comparison with
// BenchmarkValidate's plain rate.
func BenchmarkRead(b *testing.B) {
	path := benchFile(b, 20)
	st, _ := os.Stat(path)
	f, err := OpenCSV(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rr, err := f.Records()
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := rr.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		rr.Close()
	}
}
