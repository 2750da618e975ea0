package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// folderNames lists the names in dir.
func folderNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestAtomicFile checks that path holds the old content or the whole new
// one, whichever way the writing ends, and that no temporary file is left.
func TestAtomicFile(t *testing.T) {
	tests := []struct {
		name string
		end  func(f *File) error
		// dirAtPath puts a folder where the file goes, so the rename fails.
		dirAtPath bool
		want      string // path's content afterwards
		wantErr   bool
	}{
		{"commit", func(f *File) error { return f.Commit(false) }, false, "new", false},
		{"commit with sync", func(f *File) error { return f.Commit(true) }, false, "new", false},
		{"abort", func(f *File) error { f.Abort(); return nil }, false, "old", false},
		{"rename fails", func(f *File) error { return f.Commit(true) }, true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.csv")
			if tt.dirAtPath {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(path, "keep"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Create(path, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			// One temporary-name scheme for every file: .<name>.<random>.tmp.
			if name := filepath.Base(f.Name()); !strings.HasPrefix(name, ".out.csv.") || !strings.HasSuffix(name, ".tmp") {
				t.Errorf("temporary file %q, want .out.csv.<random>.tmp", name)
			}
			if _, err := f.WriteString("new"); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); !tt.dirAtPath && string(got) != "old" {
				t.Errorf("before the end, path holds %q", got)
			}
			if err := tt.end(f); (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if !tt.dirAtPath {
				if got, err := os.ReadFile(path); err != nil || string(got) != tt.want {
					t.Errorf("path holds %q (%v), want %q", got, err, tt.want)
				}
			}
			if names := folderNames(t, dir); len(names) != 1 {
				t.Errorf("the folder holds %q, want only out.csv", names)
			}
		})
	}
}

// TestWriteFileAtomic checks whole-file writes: the content replaces the
// old file, the mode is the one asked for whatever the umask or the old
// file's mode, and a write that cannot happen leaves nothing behind.
func TestWriteFileAtomic(t *testing.T) {
	tests := []struct {
		name    string
		old     string      // content already at the path, if any
		oldMode os.FileMode // its mode
		perm    os.FileMode
		missing bool // write into a folder that does not exist
	}{
		{name: "new private file", perm: 0o600},
		{name: "new document", perm: 0o644},
		{name: "new script", perm: 0o755},
		{name: "replaces a longer file", old: "an older and much longer content", oldMode: 0o644, perm: 0o644},
		{name: "narrows an open file", old: "old", oldMode: 0o644, perm: 0o600},
		{name: "widens a private file", old: "old", oldMode: 0o600, perm: 0o644},
		{name: "folder missing", perm: 0o644, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.json")
			if tt.missing {
				path = filepath.Join(dir, "no", "f.json")
			}
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), tt.oldMode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.oldMode); err != nil {
					t.Fatal(err)
				}
			}
			err := WriteFile(path, []byte("new"), tt.perm)
			if tt.missing {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("err = %v, want one that is os.ErrNotExist", err)
				}
				if names := folderNames(t, dir); len(names) != 0 {
					t.Errorf("the folder holds %q after a failed write", names)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != "new" {
				t.Errorf("content = %q, want %q", got, "new")
			}
			if names := folderNames(t, dir); len(names) != 1 {
				t.Errorf("temporary files left: %q", names)
			}
			if runtime.GOOS == "windows" {
				return // Windows has no such modes
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != tt.perm {
				t.Errorf("mode = %v (%v), want %v", info.Mode().Perm(), err, tt.perm)
			}
		})
	}
}
