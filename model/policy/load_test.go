package policy_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model/policy"
)

// A policy path that is not a small regular file is refused in one line, at once: a FIFO
// would block serve's SIGHUP reload for ever, a huge file took 15 s and 750 MB, a
// directory is not a policy. A tab gets the words that fix it.
func TestLoadRefusesWhatIsNotASmallRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "policy.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := policy.Load(fifo); !errors.Is(err, localfile.ErrNotRegular) || strings.Contains(err.Error(), "\n") {
		t.Errorf("a FIFO: %v", err)
	}
	if _, err := policy.Load(filepath.Join(dir, "nope.yaml")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "give the path of a policy file") {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := policy.Load(dir); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a directory: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", policy.MaxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Load(big); err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
		t.Errorf("a file over the cap: %v", err)
	}
	tab := filepath.Join(dir, "tab.yaml")
	if err := os.WriteFile(tab, []byte("name: x\nrules:\n\t- match: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Load(tab); err == nil || err.Error() != "tab.yaml:3: not valid YAML: a tab; indent with spaces" {
		t.Errorf("a tab: %v", err)
	}
}
