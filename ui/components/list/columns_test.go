package list

import (
	"testing"

	"ecs-redeploy/model"
	"ecs-redeploy/ui/common"
	"ecs-redeploy/ui/internal/uitest"
)

func TestFirstBadgeBeatsABareCount(t *testing.T) {
	st := common.NewStyles(uitest.AsciiRenderer())
	for _, c := range []struct {
		badges []model.Badge
		width  int
		want   string
	}{
		{[]model.Badge{"IN PROGRESS", "LOCAL DISK"}, 11, "IN PROGRESS"},
		{[]model.Badge{"IN PROGRESS", "LOCAL DISK"}, 13, "IN PROGRESS  "},
		{[]model.Badge{"IN PROGRESS", "LOCAL DISK"}, 14, "IN PROGRESS +1"},
		{[]model.Badge{"BLOCKED", "LOCAL DISK", "EXPIRED"}, 11, "BLOCKED +2 "},
		{[]model.Badge{"SECURITY LOCK"}, 11, "SECURITY L…"},
	} {
		if _, got := badgeCell(c.badges, c.width, &st); got != c.want {
			t.Errorf("%q in %d columns: %q, want %q", c.badges, c.width, got, c.want)
		}
	}
}
