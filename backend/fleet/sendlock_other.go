//go:build !unix

package fleet

import "context"

// sendLock is a no-op where flock does not exist: the backend's DescribeTasks check and
// the API's own refusal are the guard between processes.
func (s *PlanStore) sendLock(context.Context, string, senderNote) (func(), error) {
	return func() {}, nil
}

// lastSender knows nobody where there is no send lock.
func (s *PlanStore) lastSender(string) (senderNote, bool) { return senderNote{}, false }
