package wizard

import (
	"os"
	"path/filepath"
)

// atomicFile is a file written under a temporary name beside its path and
// renamed over it on commit, so that a reader, or a program stopped or
// killed midway, finds the old file or the whole new one and never part of
// either. It serves the checkpoint, written whole after every batch, and
// the rejected-rows file, written a row at a time over a whole upload.
type atomicFile struct {
	*os.File
	path string
}

// createAtomic starts writing the file at path. The temporary file is in
// the same folder, since a rename is atomic only within one file system,
// and its name starts with a dot to keep it out of listings. Like every
// file os.CreateTemp makes, only its owner can read it.
func createAtomic(path string) (*atomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, path: path}, nil
}

// commit closes the file and renames it over path. sync first flushes it,
// and after the rename the folder, to the disk, which guards against a
// power cut too but costs disk round trips. On failure the temporary file
// is removed and path is left as it was.
func (f *atomicFile) commit(sync bool) error {
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

// abort closes and removes the temporary file, leaving path as it was.
func (f *atomicFile) abort() {
	f.Close()
	os.Remove(f.Name())
}
