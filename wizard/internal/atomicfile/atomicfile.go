// Package atomicfile writes files so that a reader, or a program stopped
// or killed midway, finds the old file or the whole new one and never part
// of either. Every file the wizard writes for a person to keep (job files,
// the saved-logins index, exports, checkpoints, rejected-rows files) goes
// through it.
//
// Each caller names the file's mode, since a temporary file starts
// readable by its owner only and that is not always what the finished
// file should be:
//   - 0600: what holds, or will hold, something private: the saved-logins
//     index, the DataSync config a person puts a secret in, and the
//     checkpoint, one run's working state that no one else needs;
//   - 0644 (0755 for scripts): documents meant to be shared and run, such
//     as job files and exports;
//   - the data file's own mode for its rejected rows,
//     since they are rows of that file: whoever may read the one may read
//     the other, and no one else.
//
// The mode is set exactly, whatever the umask, as os.WriteFile would not:
// a job file is 0644 on every machine.
package atomicfile

import (
	"os"
	"path/filepath"
)

// File is a file written under a temporary name beside its path and
// renamed over it on commit. It serves files written whole (through
// [WriteFile]) and files streamed over a long run, such as the
// rejected rows of an upload.
type File struct {
	*os.File
	path string
}

// Create starts writing the file at path with mode perm. The
// temporary file is in the same folder, since a rename is atomic only
// within one file system; its name, .<name>.<random>.tmp, starts with a
// dot to keep it out of listings and ends in .tmp so that a leftover one
// is plainly disposable.
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, err
	}
	// Set before anything is written, so that the file never holds data
	// under a mode other than its own.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit closes the file and renames it over path. sync first flushes it,
// and after the rename the folder, to the disk, which guards against a
// power cut too but costs disk round trips. On failure the temporary file
// is removed and path is left as it was.
func (f *File) Commit(sync bool) error {
	var err error
	if sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	if sync {
		// Not every system can open a folder to sync it; the file itself
		// is safe either way.
		if d, derr := os.Open(filepath.Dir(f.path)); derr == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// Abort closes and removes the temporary file, leaving path as it was.
func (f *File) Abort() {
	f.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path with mode perm, synced to the disk,
// so that readers see either the old file or the whole new one. On any
// error path is untouched and no temporary file is left.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit(true)
}
