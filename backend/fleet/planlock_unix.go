//go:build unix

package fleet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"ecs-redeploy/backend/localfile"
)

// lock takes the plan's lock file (plan-<id>.lock) with flock, so only one process runs a
// plan at a time: two resumes of one plan (serve restarting while someone runs
// `redeploy --resume`) would each send its queued instances. The kernel drops the lock
// when the process dies, so a crash never leaves a plan locked.
func (s *PlanStore) lock(id string) (unlock func(), err error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	f, err := localfile.Open(filepath.Join(s.Dir, "plan-"+id+".lock"), os.O_CREATE|os.O_RDWR, 0o600, localfile.State)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // only the lock's descriptor; nothing was written
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("plan %s: %w", id, ErrPlanBusy)
		}
		return nil, fmt.Errorf("locking plan %s: %w", id, err)
	}
	// Closing the descriptor releases the lock; the file stays, since removing it would
	// let a third process lock a new file while a second still holds the old one.
	return func() { _ = f.Close() }, nil
}
