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

// TestFileSection checks the readers UploadFileChunk sends: each reads its
// section and no further; one with a handle of its own carries on from
// wherever the kernel left it (sendfile(2) moves the handle's offset
// without a Read); and when the file's name no longer opens the same file
// the section is read from the caller's handle, so a file replaced during
// an upload is never sent half old, half new.
func TestFileSection(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 100))
	tests := []struct {
		name         string
		off, size    int64
		sentByKernel int64 // bytes sendfile sent before the first Read
		change       func(t *testing.T, path string)
		own          bool // read through a handle of its own
		want         string
	}{
		{"whole", 0, 1000, 0, nil, true, string(data)},
		{"middle", 100, 250, 0, nil, true, string(data[100:350])},
		{"tail", 990, 10, 0, nil, true, string(data[990:])},
		{"partly sent by the kernel", 100, 250, 200, nil, true, string(data[300:350])},
		{"all sent by the kernel", 100, 250, 250, nil, true, ""},
		{"file replaced", 100, 250, 0, replaceFile, false, string(data[100:350])},
		{"file removed", 100, 250, 0, removeFile, false, string(data[100:350])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if tt.change != nil {
				tt.change(t, path)
			}
			s := openSection(f, tt.off, tt.size)
			defer s.Close()
			fs, own := s.(*fileSection)
			if own != tt.own {
				t.Fatalf("read through a handle of its own = %v, want %v", own, tt.own)
			}
			if tt.sentByKernel > 0 {
				if _, err := fs.f.Seek(tt.sentByKernel, io.SeekCurrent); err != nil {
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
			if pos, _ := f.Seek(0, io.SeekCurrent); pos != 0 {
				t.Errorf("the caller's handle moved to %d", pos)
			}
		})
	}
}

// TestFileSectionShortFile checks that a file shorter than the section
// says so instead of sending less, through either kind of handle.
func TestFileSectionShortFile(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 100))
	for _, change := range []func(*testing.T, string){nil, removeFile} {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if change != nil {
			change(t, path)
		}
		s := openSection(f, 900, 200)
		got, err := readToEnd(s)
		if err == nil || !strings.Contains(err.Error(), "changed during the upload") || !bytes.Equal(got, data[900:]) {
			t.Errorf("%T: read %d bytes, error %v", s, len(got), err)
		}
		s.Close()
		f.Close()
	}
}

func replaceFile(t *testing.T, path string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(strings.Repeat("x", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func removeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Skipf("cannot remove an open file here: %v", err)
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
