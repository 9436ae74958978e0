//go:build unix

package serve

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 21, kind 3: a FIFO where a state file should be hung its open. serve's host key
// and authorized_keys files are refused at once, naming the path.
func TestServeKeyFilesThatAreFIFOsAreRefused(t *testing.T) {
	for name, load := range map[string]func(path string) error{
		"host key":        func(p string) error { _, err := LoadHostKey(p); return err },
		"authorized_keys": func(p string) error { _, err := NewKeyring("", p); return err },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keyfile")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- load(path) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), path+" is a named pipe (FIFO), not a regular file") {
					t.Fatalf("error %v; want one naming the FIFO", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still blocked after 10s on the FIFO %s", path)
			}
			_ = os.Remove(path)
		})
	}
}
