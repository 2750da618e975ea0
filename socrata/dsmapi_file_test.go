package socrata_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// TestUploadFileChunk sends sections of a file, large enough that net/http
// may hand them to sendfile(2), and checks the portal got exactly those
// bytes with their length announced, at the chunk's path.
func TestUploadFileChunk(t *testing.T) {
	var file bytes.Buffer
	for i := 0; file.Len() < 300_000; i++ {
		fmt.Fprintf(&file, "P-%06d,Hartford,%d.50\n", i, i%1000)
	}
	data := file.Bytes()
	path := filepath.Join(t.TempDir(), "permits.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	n := int64(len(data))
	tests := []struct {
		name        string
		seq         int
		offset, len int64
	}{
		{"first", 0, 0, 100_000},
		{"middle", 1, 100_000, 100_000},
		{"last, to the end", 2, 200_000, n - 200_000},
		{"whole file", 0, 0, n},
		{"small", 5, 17, 10},
		{"empty", 0, n, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, `{}`))
			c, _ := newTestClient(t, f, newCreds(t))
			if err := c.UploadFileChunk(context.Background(), &socrata.Source{ID: 823}, tt.seq, fh, tt.offset, tt.len); err != nil {
				t.Fatal(err)
			}
			got := f.last(t)
			if want := fmt.Sprintf("/api/publishing/v1/source/823/chunk/%d/%d", tt.seq, tt.offset); got.Path != want {
				t.Errorf("path = %s, want %s", got.Path, want)
			}
			if got.ContentLength != tt.len {
				t.Errorf("Content-Length = %d, want %d", got.ContentLength, tt.len)
			}
			if want := data[tt.offset : tt.offset+tt.len]; !bytes.Equal(got.Body, want) {
				t.Errorf("the portal got %d bytes that differ from the %d of the section", len(got.Body), len(want))
			}
		})
	}
}

// TestUploadFileChunkParallelAndRetried sends every chunk of a file at
// once, each answered 503 the first time, and checks that each retry sent
// the same bytes again and that the chunks put together are the file.
func TestUploadFileChunkParallelAndRetried(t *testing.T) {
	data := bytes.Repeat([]byte("permit_id,fee\nP-1,12.50\n"), 20_000) // 480,000 bytes
	path := filepath.Join(t.TempDir(), "permits.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var mu sync.Mutex
	tries := map[string]int{}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tries[r.URL.Path]++
		first := tries[r.URL.Path] == 1
		mu.Unlock()
		if first {
			reply(503, jsonType, `{"message": "busy"}`)(w, r)
			return
		}
		reply(200, jsonType, `{}`)(w, r)
	})
	c, _ := newTestClient(t, f, newCreds(t))
	const chunk = 100_000
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for seq, off := 0, int64(0); off < int64(len(data)); seq, off = seq+1, off+chunk {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.UploadFileChunk(context.Background(), &socrata.Source{ID: 9}, seq, fh, off, min(chunk, int64(len(data))-off)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	bodies := map[string][][]byte{}
	for _, r := range f.requests() {
		bodies[r.Path] = append(bodies[r.Path], r.Body)
	}
	var whole []byte
	for seq, off := 0, 0; off < len(data); seq, off = seq+1, off+chunk {
		p := fmt.Sprintf("/api/publishing/v1/source/9/chunk/%d/%d", seq, off)
		b := bodies[p]
		if len(b) != 2 {
			t.Fatalf("chunk %d was sent %d times, want 2 (refused, then retried)", seq, len(b))
		}
		if !bytes.Equal(b[0], b[1]) {
			t.Errorf("chunk %d's retry sent different bytes", seq)
		}
		whole = append(whole, b[1]...)
	}
	if !bytes.Equal(whole, data) {
		t.Errorf("the chunks put together are %d bytes that differ from the %d-byte file", len(whole), len(data))
	}
}

// TestUploadFileChunkBadFile checks the errors for a file shorter than
// the section and for bad arguments, before or instead of sending
// anything wrong.
func TestUploadFileChunkBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short.csv")
	if err := os.WriteFile(path, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	tests := []struct {
		name   string
		src    *socrata.Source
		file   *os.File
		offset int64
		size   int64
		want   string
	}{
		{"file shorter than the section", &socrata.Source{ID: 1}, fh, 4, 100, "changed during the upload"},
		{"no source", nil, fh, 0, 4, "needs a source"},
		{"no file", &socrata.Source{ID: 1}, nil, 0, 4, "needs the file"},
		{"negative size", &socrata.Source{ID: 1}, fh, 0, -1, "cannot be negative"},
		{"negative offset", &socrata.Source{ID: 1}, fh, -3, 4, "cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(200, jsonType, `{}`))
			c, _ := newTestClient(t, f, newCreds(t))
			err := c.UploadFileChunk(context.Background(), tt.src, 0, tt.file, tt.offset, tt.size)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one saying %q", err, tt.want)
			}
			for _, r := range f.requests() {
				if r.ContentLength == tt.size && int64(len(r.Body)) == tt.size {
					t.Errorf("the portal got a whole %d-byte chunk", tt.size)
				}
			}
		})
	}
}
