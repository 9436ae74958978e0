package localfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"ecs-redeploy/backend/localfile"
)

// WriteAtomic makes the directory, replaces the file whole, and leaves no temporary file
// behind, after a success or a failure.
func TestWriteAtomicReplacesWholeAndLeavesNoLitter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "plan-1.json")
	for _, body := range []string{`{"a":1}`, `{}`} {
		if err := localfile.WriteAtomic(path, []byte(body)); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != body+"\n" {
			t.Fatalf("after writing %s: %q, %v", body, got, err)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the directory made: %v, %v", fi.Mode(), err)
	}
	// A rename onto a directory fails: the temporary file goes with it.
	if err := os.Mkdir(filepath.Join(dir, "taken"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := localfile.WriteAtomic(filepath.Join(dir, "taken"), []byte("x")); err == nil {
		t.Fatal("a rename over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("left in the directory: %v", entries)
	}
	// The caller's slice is not written past its length.
	buf := make([]byte, 2, 8)
	copy(buf, "ab")
	if err := localfile.WriteAtomic(path, buf); err != nil || buf[:3][2] != 0 {
		t.Fatalf("%v; the caller's array: %q", err, buf[:3])
	}
}
