package policy

import "testing"

// An alias is read by its anchor's name, not by the value it stands for: a value anchored
// &wipe that says web turns local_disks into wipe (and force_stop likewise), the words
// that name the loss, written nowhere as a value. Aliases should be resolved, or refused.
func TestReviewAliasIsReadAsItsValue(t *testing.T) {
	pol, err := Parse("p.yaml", []byte(`name: t
rules:
  - name: web
    match: {tags: {app: &wipe web}}
    how: {local_disks: *wipe}
`))
	if err == nil && pol.Rules[0].How.LocalDisks == LocalDisksWipe {
		t.Fatal("local_disks: *wipe (anchored to web) was read as wipe")
	}
	pol, err = Parse("p.yaml", []byte(`name: t
rules:
  - name: web
    match: {tags: {app: web}}
    when: {lead_time: &lose-unwritten-data 6h}
    how: {force_stop: *lose-unwritten-data}
`))
	if err == nil && pol.Rules[0].How.ForceStop == ForceStopLoseUnwrittenData {
		t.Fatal("force_stop: *lose-unwritten-data (anchored to 6h) was read as lose-unwritten-data")
	}
}
