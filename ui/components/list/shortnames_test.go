package list

import (
	"strings"
	"testing"

	"ecs-redeploy/model"
)

// Every event type has a short list name that fits the EVENT column with room for "+1",
// distinct from the others: the disk events read "SystemMaintena… +1" (tester2 #22).
func TestEveryEventTypeHasAShortName(t *testing.T) {
	width := 0
	for _, c := range columns {
		if c.id == colEvent {
			width = c.width
		}
	}
	seen := map[string]model.EventType{}
	for _, typ := range model.AllEventTypes {
		s, ok := shortEventTypes[typ]
		switch {
		case !ok:
			t.Errorf("%s has no short name", typ)
		case len(s) > width,
			// The local-disk flow's steps come with another pending event: whole beside +1.
			(typ == model.EventMaintenanceIsolateOnly || typ == model.EventMaintenanceReInitOnly) && len(s)+len(" +1") > width:
			t.Errorf("%s: short name %q is wider than the EVENT column (%d)", typ, s, width)
		case seen[s] != "":
			t.Errorf("%s and %s share the short name %q", typ, seen[s], s)
		case strings.HasPrefix(string(typ), "SystemMaintenance.") && !strings.HasPrefix(s, "Maint."):
			t.Errorf("%s: short name %q does not start Maint.", typ, s)
		}
		seen[s] = typ
	}
}
