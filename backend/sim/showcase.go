package sim

import (
	"slices"
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
// seed) and gives its next pending event a deadline just before the fleet's earliest, no
// later than 20 minutes from now, in that order; its publish time stays before the
// deadline. A case the fleet has no instance for is left out. The rest is untouched.
func Showcase(f *Fleet, now time.Time) {
	earliest := now.Add(20 * time.Minute)
	for i := range f.Instances {
		if ev := f.Instances[i].NextEvent(); ev != nil && ev.NotBefore.Before(earliest) {
			earliest = ev.NotBefore
		}
	}
	cases := []func(in *model.Instance, el model.Eligibility) bool{
		func(in *model.Instance, el model.Eligibility) bool { return el.Allowed && !in.HasLocalDisks() },
		func(in *model.Instance, el model.Eligibility) bool { return el.Allowed && in.HasLocalDisks() },
		func(in *model.Instance, el model.Eligibility) bool { return el.Blocked() },
	}
	picked := make([]int, 0, len(cases))
	for _, is := range cases {
		for i := range f.Instances {
			in := &f.Instances[i]
			if in.NextEvent() != nil && is(in, model.Evaluate(in, now, false)) && !slices.Contains(picked, i) {
				picked = append(picked, i)
				break
			}
		}
	}
	for k, i := range picked {
		ev := f.Instances[i].NextEvent()
		ev.NotBefore = earliest.Add(time.Duration(k-len(picked)) * time.Minute)
		if !ev.PublishTime.Before(ev.NotBefore) {
			ev.PublishTime = ev.NotBefore.Add(-time.Hour)
		}
	}
}
