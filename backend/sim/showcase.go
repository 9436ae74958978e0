package sim

import (
	"time"

	"ecs-redeploy/model"
)

// Showcase moves three instances of a generated fleet to the top of the deadline order,
// so that a demo starts with the main cases on its first rows: a plain redeploy (no local
// disks), one that wipes local disks, and one that is refused. A generated fleet's most
// urgent rows are otherwise mostly events no redeploy answers (issue 22: on --demo the
// first row and 6 of the top 7 were refused).
//
// It picks the first instance of f, in generated order, for each case (deterministic per
// seed) and gives its next pending event a deadline 3, 2 and 1 minutes before
// showcaseTop(now), in that order: before every deadline Generate draws (MaxOverdue), so
// no case needs the whole fleet read first and a demo can show its first region before the
// next is drawn (issue 20). Its publish time stays before the deadline. A case the fleet has
// no instance for is left out. The rest is untouched.
func Showcase(f *Fleet, now time.Time) {
	var sc showcase
	sc.pick(len(f.Instances), func(i int) *model.Instance { return &f.Instances[i] }, now)
}

// showcaseTop is the deadline the showcase rows go just before: no later than 20 minutes
// from now, and before every deadline of a generated fleet.
func showcaseTop(now time.Time) time.Time {
	return now.Add(min(20*time.Minute, -MaxOverdue))
}

// showcaseCases are the main cases, in the order they top the list.
var showcaseCases = [...]func(in *model.Instance, el model.Eligibility) bool{
	func(in *model.Instance, el model.Eligibility) bool { return el.Allowed && !in.HasLocalDisks() },
	func(in *model.Instance, el model.Eligibility) bool { return el.Allowed && in.HasLocalDisks() },
	func(in *model.Instance, el model.Eligibility) bool { return el.Blocked() },
}

// showcase is Showcase over a fleet that comes region by region: picked says which cases
// have their instance. pick over each region in turn is Showcase over them all.
type showcase struct {
	picked [len(showcaseCases)]bool
}

// pick gives each case not yet picked the first of n instances (at(0), at(1), …) that
// shows it, if any.
func (sc *showcase) pick(n int, at func(i int) *model.Instance, now time.Time) {
	top := showcaseTop(now)
	for k, is := range showcaseCases {
		if sc.picked[k] {
			continue
		}
		for i := range n {
			in := at(i)
			ev := in.NextEvent()
			// The cases exclude each other (a blocked instance is not Allowed), so no
			// instance is picked twice.
			if ev == nil || !is(in, model.Evaluate(in, now, false)) {
				continue
			}
			ev.NotBefore = top.Add(time.Duration(k-len(showcaseCases)) * time.Minute)
			if !ev.PublishTime.Before(ev.NotBefore) {
				ev.PublishTime = ev.NotBefore.Add(-time.Hour)
			}
			sc.picked[k] = true
			break
		}
	}
}
