package confirm

import (
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// The console never evaluates the rules of the API page itself: the hub derives each row's
// verdict once per change (fleet.Row.Eligibility, with ForceStop off, and Row.ForceStop,
// what ForceStop would add). These are the only places the console reads that verdict for
// the dialog's ForceStop choice.

// consequencesOf is what a redeploy of r does with the engineer's ForceStop choice, in the
// order model.Evaluate gives them: ForceStop's warning follows the downtime it hardens.
func consequencesOf(r *fleet.Row, forceStop bool) []model.Warning {
	if !forceStop || len(r.ForceStop) == 0 {
		return r.Eligibility.Warnings
	}
	out := make([]model.Warning, 0, len(r.Eligibility.Warnings)+len(r.ForceStop))
	added := false
	for _, w := range r.Eligibility.Warnings {
		out = append(out, w)
		if w.Kind == model.WarnDowntime {
			out, added = append(out, r.ForceStop...), true
		}
	}
	if !added {
		out = append(out, r.ForceStop...)
	}
	return out
}

// destroysData reports whether redeploying r with that ForceStop choice loses data, so the
// confirmation must be typed.
func destroysData(r *fleet.Row, forceStop bool) bool {
	for _, w := range consequencesOf(r, forceStop) {
		if w.Destructive {
			return true
		}
	}
	return false
}
