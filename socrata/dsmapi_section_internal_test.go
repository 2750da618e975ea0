package socrata

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileSection checks the reader UploadFileChunk sends: it reads its
// section and no further, and when the kernel has sent part of it
// (sendfile(2) moves the handle's offset without a Read), Read carries on
// from there and stops at the section's end.
func TestFileSection(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 100))
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		off, size    int64
		sentByKernel int64 // bytes sendfile sent before the first Read
		want         string
	}{
		{"whole", 0, 1000, 0, string(data)},
		{"middle", 100, 250, 0, string(data[100:350])},
		{"tail", 990, 10, 0, string(data[990:])},
		{"partly sent by the kernel", 100, 250, 200, string(data[300:350])},
		{"all sent by the kernel", 100, 250, 250, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := openSection(path, tt.off, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if tt.sentByKernel > 0 {
				if _, err := s.f.Seek(tt.sentByKernel, io.SeekCurrent); err != nil {
					t.Fatal(err)
				}
			}
			got, err := readToEnd(s)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("read %q, want %q", got, tt.want)
			}
			for range 2 {
				if n, err := s.Read(make([]byte, 8)); n != 0 || err != io.EOF {
					t.Errorf("Read at the end = %d, %v; want 0, EOF", n, err)
				}
			}
		})
	}
	// A file shorter than the section says so instead of sending less.
	s, err := openSection(path, 900, 200)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := readToEnd(s)
	if err == nil || !strings.Contains(err.Error(), "changed during the upload") || !bytes.Equal(got, data[900:]) {
		t.Errorf("short file: read %d bytes, error %v", len(got), err)
	}
}

// readToEnd is io.ReadAll that gives up, rather than spin, on a reader
// that never reaches its end.
func readToEnd(r io.Reader) ([]byte, error) {
	var out []byte
	buf := make([]byte, 64)
	for range 1000 {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
	return out, errors.New("no end after 1,000 reads")
}
