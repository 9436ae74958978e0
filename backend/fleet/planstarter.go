package fleet

import "time"

// StarterOf is who started task taskID of instance, as the saved plans say: the plan
// whose item names the task, else the latest plan whose item of the instance was being
// submitted when it was saved (a process killed mid-call leaves it so). by is the plan's
// identity, from which plan it was; ok is false when no plan says, or they cannot be read.
func (s *PlanStore) StarterOf(instanceID, taskID string) (by, from string, ok bool) {
	recs, err := s.Load()
	if err != nil {
		return "", "", false
	}
	var best *PlanRecord
	var bestAt time.Time
	for i := range recs {
		for _, it := range recs[i].Items {
			if it.InstanceID != instanceID {
				continue
			}
			if taskID != "" && it.TaskID == taskID {
				return recs[i].Identity.String(), "plan " + recs[i].ID, true
			}
			if (it.Status == ItemSubmitting || it.Status == ItemOutcomeUnknown) && it.TaskID == "" && !it.Submitted.Before(bestAt) {
				best, bestAt = &recs[i], it.Submitted
			}
		}
	}
	if best == nil {
		return "", "", false
	}
	return best.Identity.String(), "plan " + best.ID + ", whose call was cut off", true
}
