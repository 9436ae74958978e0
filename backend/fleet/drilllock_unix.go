//go:build unix

package fleet

import (
	"os"
	"path/filepath"
	"syscall"

	"ecs-redeploy/backend/localfile"
)

// lockFile waits for drills.lock with flock, so two processes (serve and a `drill` beside
// it) never both read the drills kept and each write back its own, losing the other's.
// The kernel drops the lock when the process dies.
func (b *DrillBook) lockFile() (unlock func(), err error) {
	if err := os.MkdirAll(b.Dir, 0o700); err != nil {
		return nil, err
	}
	f, err := localfile.Open(filepath.Join(b.Dir, "drills.lock"), os.O_CREATE|os.O_RDWR, 0o600, localfile.State)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close() // only the lock's descriptor; nothing was written
		return nil, err
	}
	return func() { _ = f.Close() }, nil
}
