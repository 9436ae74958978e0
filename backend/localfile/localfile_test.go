//go:build unix

package localfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"ecs-redeploy/backend/localfile"
)

// Issue 21, kind 3: a FIFO at a plan's path hung the open for ten minutes. Every way of
// opening a file returns at once with one line naming the path and what to do.
func TestNonRegularFilesAreRefusedWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "plan-x.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	opens := map[string]func(path string) error{
		"read state": func(p string) error { _, err := localfile.ReadFile(p, localfile.State); return err },
		"read input": func(p string) error { _, err := localfile.ReadFile(p, localfile.Input); return err },
		"append": func(p string) error {
			_, err := localfile.Open(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600, localfile.State)
			return err
		},
		"read-write": func(p string) error {
			_, err := localfile.Open(p, os.O_CREATE|os.O_RDWR, 0o600, localfile.State)
			return err
		},
	}
	for _, path := range []string{fifo, os.DevNull, dir} {
		for name, open := range opens {
			t.Run(filepath.Base(path)+" "+name, func(t *testing.T) {
				err := open(path)
				var fe *localfile.Error
				if !errors.As(err, &fe) || !errors.Is(err, localfile.ErrNotRegular) {
					// A directory opened for writing fails in open itself (EISDIR): a
					// clear refusal too, and it never blocks.
					if path == dir && errors.Is(err, syscall.EISDIR) {
						return
					}
					t.Fatalf("error %v; want a *localfile.Error", err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, path+" is ") || strings.Contains(msg, "\n") {
					t.Errorf("message %q", msg)
				}
				// Never "remove it" of a directory (`--audit-log /tmp` was told to remove
				// /tmp), and never "read from it" of a file opened to write.
				writing := name == "append" || name == "read-write"
				if msg := err.Error(); strings.Contains(msg, "remove it") == (path == dir) || strings.Contains(msg, "read from it") != (!writing && path != dir) {
					t.Errorf("advice %q", msg)
				}
			})
		}
	}
}

// A state file of another user is refused; an input file of another user is read.
func TestStateFilesMustBeTheUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := localfile.Open(path, os.O_APPEND|os.O_WRONLY, 0o600, localfile.State)
	if !errors.Is(err, localfile.ErrNotOwned) || !strings.Contains(err.Error(), "uid 65534") {
		t.Fatalf("state file of uid 65534: %v; want refused", err)
	}
	if data, err := localfile.ReadFile(path, localfile.Input); err != nil || string(data) != "x\n" {
		t.Fatalf("input file of uid 65534: %q, %v; want read", data, err)
	}
}

// A regular file of the user opens as os.OpenFile would, and is created when asked.
func TestRegularFilesOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.log")
	f, err := localfile.Open(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600, localfile.State)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("line\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if data, err := localfile.ReadFile(path, localfile.State); err != nil || string(data) != "line\n" {
		t.Fatalf("%q, %v", data, err)
	}
	if _, err := localfile.ReadFile(filepath.Join(t.TempDir(), "none"), localfile.Input); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v; want ErrNotExist", err)
	}
}
