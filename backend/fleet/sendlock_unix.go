//go:build unix

package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"ecs-redeploy/backend"
)

// sendLock takes the instance's send lock (send-<id>.lock in the state directory) with
// flock, waiting until it is free or ctx ends. The hub holds it from before the backend's
// DescribeTasks check until the call's task is recorded, so the console, serve and the
// headless commands of one machine never both send for one instance: the second finds
// the first's task Processing and is refused. The kernel drops the lock when a process
// dies, so a crash never leaves an instance locked. Across machines the API's own
// refusal remains the guard.
func (s *PlanStore) sendLock(ctx context.Context, id string, note senderNote) (unlock func(), err error) {
	if err := backend.CheckInstanceID(id); err != nil { // it names a file
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	name := filepath.Join(s.Dir, "send-"+id+".lock")
	// Non-blocking and never through a link: a FIFO or a link planted at the path must
	// not hang the call nor lock another file.
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("send lock of %s: %w", id, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("send lock of %s: %s is not a regular file", id, name)
	}
	got := make(chan error, 1)
	go func() { got <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-got:
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("send lock of %s: %w", id, err)
		}
		// Who sends, for a process that later finds the task Processing and must say who
		// started it (a kill -9 mid-call leaves no other trace). Best effort: the lock is
		// what matters.
		if data, err := json.Marshal(note); err == nil && f.Truncate(0) == nil {
			_, _ = f.WriteAt(data, 0)
		}
		// Closing the descriptor releases the lock; the file stays (see PlanStore.lock).
		return func() { _ = f.Close() }, nil
	case <-ctx.Done():
		go func() {
			// Taken late or failed: either way the close lets it go at once, so the
			// answer itself says nothing more.
			err := <-got
			_ = err
			_ = f.Close()
		}()
		return nil, fmt.Errorf("waiting for the send lock of %s (another process on this machine is sending for it): %w", id, ctx.Err())
	}
}

// lastSender is who last took the instance's send lock, and when, as its lock file says;
// ok is false when no note is there or it cannot be read.
func (s *PlanStore) lastSender(id string) (note senderNote, ok bool) {
	if backend.CheckInstanceID(id) != nil {
		return note, false
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "send-"+id+".lock"), os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return note, false
	}
	defer func() { _ = f.Close() }()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > 4096 {
		return note, false
	}
	var buf [4096]byte
	n, _ := f.Read(buf[:])
	if json.Unmarshal(buf[:n], &note) != nil || note.By.Name == "" {
		return note, false
	}
	return note, true
}
