package confirm

import (
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
)

// The console never evaluates the rules of the API page itself: the hub derives each row's
// verdict once per change (fleet.Row.Eligibility, with ForceStop off, and Row.ForceStop(),
// what ForceStop would add). These are the only places the console reads that verdict for
// the dialog's ForceStop choice.

// consequencesOf is what a redeploy of r does with the engineer's ForceStop choice, in
// model.Evaluate's order (model.WithForceStop).
func consequencesOf(r *fleet.Row, forceStop bool) []model.Warning {
	if !forceStop {
		return r.Eligibility.Warnings
	}
	return model.WithForceStop(r.Eligibility.Warnings, r.ForceStop())
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
