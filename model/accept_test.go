package model

import (
	"strings"
	"testing"
)

// Accepting authorises the event's default action: whatever that action destroys, the
// accept destroys, and says so (tester2's defects 1 and 2).
func TestAcceptLossOfEveryEventType(t *testing.T) {
	local := &Instance{ID: "i-bp1l", LocalStorageAmount: 2, LocalStorageCapacity: 3000}
	cloud := &Instance{ID: "i-bp1c"}
	cases := []struct {
		t      EventType
		in     *Instance
		saying string // "" when nothing is lost
	}{
		{EventFailureDelete, cloud, "RELEASED"},
		{EventExpirationDelete, cloud, "RELEASED"},
		{EventUnbalancedDelete, cloud, "RELEASED"},
		{EventMaintenanceRedeploy, local, "2 local disk(s), 3000 GiB, are re-initialized: ALL DATA ON THEM IS WIPED"},
		{EventFailureRedeploy, local, "ALL DATA ON THEM IS WIPED"},
		{EventMaintenanceRedeploy, cloud, ""},
		{EventFailureRedeploy, cloud, ""},
		{EventMaintenanceReInitOnly, local, "d-bp1bad (/dev/vdb) is re-initialized: ALL DATA ON IT IS WIPED"},
		{EventMaintenanceRebootReinit, local, "ALL DATA ON IT IS WIPED"},
		{EventMaintenanceIsolateOnly, local, "d-bp1bad (/dev/vdb) is isolated: its data is lost"},
		{EventMaintenanceIsolateDisk, local, "is isolated: its data is lost"},
		{EventMaintenanceReboot, local, ""},
		{EventFailureReboot, local, ""},
		{EventInstanceFailureReboot, local, ""},
		{EventExpirationStop, local, ""},
		{EventUnbalancedStop, local, ""},
	}
	for _, c := range cases {
		ev := &Event{ID: "e-bp1x", Type: c.t, ExtendedAttribute: &ExtendedAttribute{DiskID: "d-bp1bad", Device: "/dev/vdb"}}
		got := AcceptLoss(c.in, ev)
		switch {
		case c.saying == "" && got != "":
			t.Errorf("%s on %s: loses nothing, but says %q", c.t, c.in.ID, got)
		case c.saying != "" && !strings.Contains(got, c.saying):
			t.Errorf("%s on %s: %q, want it to say %q", c.t, c.in.ID, got, c.saying)
		}
	}
}
