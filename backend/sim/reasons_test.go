package sim

import (
	"strings"
	"testing"

	"ecs-redeploy/model"
)

// Each reason says what its event does, once (tester2 #21): IsolateErrorDisk isolates the
// damaged disk and re-initializes nothing (ECS: isolating damaged local disks; the disk is
// re-initialized at ReInitErrorDisk, after); a failed redeploy's FailedReason says why it
// failed, and the callers add once that the instance is back on its original host.
func TestReasonsSayTheirOwnStep(t *testing.T) {
	f := Generate(1, 5000, Epoch)
	seen := map[model.EventType]bool{}
	for _, in := range f.Instances {
		for _, ev := range in.Events {
			switch ev.Type {
			case model.EventMaintenanceIsolateOnly, model.EventMaintenanceIsolateDisk:
				seen[ev.Type] = true
				if strings.Contains(ev.Reason, "re-initializ") {
					t.Errorf("%s %s reason %q speaks of a re-initialization", in.ID, ev.Type, ev.Reason)
				}
			case model.EventMaintenanceReInitOnly:
				seen[ev.Type] = true
				if !strings.Contains(ev.Reason, "re-initializ") {
					t.Errorf("%s %s reason %q does not say the disk is re-initialized", in.ID, ev.Type, ev.Reason)
				}
			}
		}
	}
	if !seen[model.EventMaintenanceIsolateOnly] || !seen[model.EventMaintenanceReInitOnly] {
		t.Fatalf("the generated fleet has no local-disk flow: %v", seen)
	}
	if strings.Contains(FailureRollbackReason, "original host") {
		t.Errorf("FailureRollbackReason %q says what every caller adds", FailureRollbackReason)
	}
}
