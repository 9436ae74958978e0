package autopilot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"

	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model/safetext"
)

// state is what the autopilot keeps across a restart (Options.State): a pause nobody
// answered, and the instances whose redeploy by it did not finish, never sent again by it.
// Without it a restart resumed a paused autopilot and sent a failed instance again.
type state struct {
	Paused bool              `json:"paused"`
	Why    string            `json:"why,omitempty"`
	Failed map[string]string `json:"failed,omitempty"`
}

// loadState reads the state file; a missing one is the zero state. It is read as the
// other state files are (localfile.State): a FIFO or another user's file there is refused
// at once, never waited on.
func loadState(path string) (state, error) {
	var st state
	data, err := localfile.ReadFile(path, localfile.State)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// saveLocked writes the state file atomically (localfile.WriteAtomic), when
// Options.State names one. a.mu is held.
func (a *Autopilot) saveLocked() error {
	if a.state == "" {
		return nil
	}
	st := state{Paused: a.paused, Why: a.why, Failed: maps.Clone(a.failed)}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return localfile.WriteAtomic(a.state, data)
}

// save is saveLocked with a.mu taken; a failure is logged: the autopilot goes on, and a
// restart would not know what changed since the last good write.
func (a *Autopilot) save() {
	a.mu.Lock()
	err := a.saveLocked()
	a.mu.Unlock()
	if err != nil {
		a.log.Error("autopilot state not saved: a restart would not know of its pause or failures", "file", safetext.Log(a.state), "err", safetext.Log(err.Error()))
	}
}
