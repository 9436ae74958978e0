package localfile

import (
	"errors"
	"os"
	"path/filepath"
)

// WriteAtomic replaces the file at path with data and a final newline: a temporary file
// in path's directory (made, mode 0700, when missing), written and synced, renamed over
// path, then the directory synced so the rename itself survives a crash. A crash leaves
// the old file or the new one, never a torn one; a failed write leaves no temporary file.
// The temporary name starts with a dot and ends in .tmp, so no reader's pattern takes it.
func WriteAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(append(data[:len(data):len(data)], '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp) // the write already failed; a leftover temporary file is only litter
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
