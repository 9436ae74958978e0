package fleet

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model/safetext"
)

// PlanStore keeps plans in a state directory, one JSON file per plan (plan-<id>.json),
// each written whole and atomically: a crash leaves the old file or the new one, never
// half of one. A plan that ended stays on disk as the record of what it did.
type PlanStore struct {
	// Dir is the state directory, made 0700 on the first save.
	Dir string
	mu  sync.Mutex
}

// StateDir is where plans are kept: $XDG_STATE_HOME/ecs-redeploy, or
// ~/.local/state/ecs-redeploy when XDG_STATE_HOME is unset or relative (the XDG Base
// Directory specification ignores relative paths).
func StateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "ecs-redeploy"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory: set XDG_STATE_HOME or HOME: %w", err)
	}
	return filepath.Join(home, ".local", "state", "ecs-redeploy"), nil
}

func (s *PlanStore) path(id string) string { return filepath.Join(s.Dir, "plan-"+id+".json") }

// save writes rec atomically: a temporary file in the same directory, synced, renamed
// over the plan's file, and the directory synced so the rename itself survives a crash.
func (s *PlanStore) save(rec *PlanRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	data = safetext.JSON(data) // names as \u escapes where a person reading the file would be misled
	return localfile.WriteAtomic(s.path(rec.ID), data)
}

// Load reads every plan in the directory, oldest first. A missing directory holds none.
func (s *PlanStore) Load() ([]PlanRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names, err := filepath.Glob(filepath.Join(s.Dir, "plan-*.json"))
	if err != nil {
		return nil, err
	}
	var recs []PlanRecord
	for _, name := range names {
		rec, err := readPlan(name)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b PlanRecord) int { return a.Created.Compare(b.Created) })
	return recs, nil
}

// loadOne reads the plan id; the error wraps os.ErrNotExist when it was never saved.
func (s *PlanStore) loadOne(id string) (PlanRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return readPlan(s.path(id))
}

// readPlan reads one plan file, checking that it is one.
func readPlan(name string) (PlanRecord, error) {
	data, err := localfile.ReadFile(name, localfile.State)
	if err != nil {
		return PlanRecord{}, fmt.Errorf("reading plan %s: %w", name, err)
	}
	var rec PlanRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return PlanRecord{}, fmt.Errorf("plan %s is not a plan file: %w", name, err)
	}
	if rec.Version != 1 || rec.ID == "" || filepath.Base(name) != "plan-"+rec.ID+".json" {
		return PlanRecord{}, fmt.Errorf("plan %s: unknown version %d or id %q", name, rec.Version, rec.ID)
	}
	return rec, nil
}

// Unfinished is every plan with an item not ended, oldest first.
func (s *PlanStore) Unfinished() ([]PlanRecord, error) {
	recs, err := s.Load()
	return slices.DeleteFunc(recs, func(r PlanRecord) bool { return r.Ended() }), err
}
