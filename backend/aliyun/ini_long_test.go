package aliyun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A credentials file with a line over 64 KiB is read (a long comment, a long value), and
// a bad line after it is named by its number, not "token too long" (tester2 #19's kind).
func TestReadINIOverlongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	data := "[default]\n# " + strings.Repeat("x", 100<<10) + "\nkey = value\nnonsense\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readINI(path)
	if err == nil || !strings.Contains(err.Error(), path+":4: expected [section] or key = value") {
		t.Fatalf("readINI: %v", err)
	}
}
