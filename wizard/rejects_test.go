package wizard

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestRejectsMode checks that a rejected-rows file is as private as its
// data file, writable by its owner, and never executable.
func TestRejectsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no such modes")
	}
	tests := []struct{ data, want os.FileMode }{
		{0o644, 0o644},
		{0o600, 0o600},
		{0o640, 0o640},
		{0o444, 0o644}, // a read-only data file: the person still edits the rejects
		{0o755, 0o644}, // never executable
		{0o666, 0o666},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "data.csv")
		if err := os.WriteFile(path, []byte("a\n1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tt.data); err != nil {
			t.Fatal(err)
		}
		if got := rejectsMode(path); got != tt.want {
			t.Errorf("data file %v: rejects mode %v, want %v", tt.data, got, tt.want)
		}
	}
	if got := rejectsMode(filepath.Join(t.TempDir(), "gone.csv")); got != 0o600 {
		t.Errorf("missing data file: rejects mode %v, want 0600", got)
	}
}
