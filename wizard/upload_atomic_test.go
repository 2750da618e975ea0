package wizard

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAtomicFile checks that path holds the old content or the whole new
// one, whichever way the writing ends, and that no temporary file is left.
func TestAtomicFile(t *testing.T) {
	tests := []struct {
		name string
		end  func(f *atomicFile) error
		// dirAtPath puts a folder where the file goes, so the rename fails.
		dirAtPath bool
		want      string // path's content afterwards
		wantErr   bool
	}{
		{"commit", func(f *atomicFile) error { return f.commit(false) }, false, "new", false},
		{"commit with sync", func(f *atomicFile) error { return f.commit(true) }, false, "new", false},
		{"abort", func(f *atomicFile) error { f.abort(); return nil }, false, "old", false},
		{"rename fails", func(f *atomicFile) error { return f.commit(true) }, true, "", true},
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
			f, err := createAtomic(path)
			if err != nil {
				t.Fatal(err)
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
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("the folder holds %q, want only out.csv", names)
			}
		})
	}
}
