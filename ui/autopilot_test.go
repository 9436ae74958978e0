package ui

import (
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
)

// fakeAutopilot is the autopilot as the hub reaches it: a pause publishes the paused
// status, as the real one does.
type fakeAutopilot struct {
	h     *fleet.Hub
	mu    sync.Mutex
	calls []string
}

func (f *fakeAutopilot) Pause(who backend.Identity) error {
	f.mu.Lock()
	f.calls = append(f.calls, "pause "+who.Name)
	f.mu.Unlock()
	f.h.SetAutopilot(&fleet.AutopilotStatus{Name: "autopilot:night-shift", Paused: true, Why: "paused by " + who.Name + " (operator)",
		Next: []fleet.AutopilotDue{{InstanceID: idPlain, Rule: "web", At: sim.Epoch, Waiting: "paused by " + who.Name + " (operator)"}},
		Left: []fleet.AutopilotLeft{{InstanceID: idLocal, Rule: "web", Reason: `local disks: a redeploy wipes them, and rule "web" does not say local_disks: wipe`}}})
	return nil
}

func (f *fakeAutopilot) Resume(who backend.Identity) error { return nil }

func autopilotHarness(t *testing.T, readOnly bool) (*harness, *fakeAutopilot) {
	h := newHarness(t, sim.Options{}, readOnly)
	f := &fakeAutopilot{h: h.view}
	h.view.SetAutopilotControl(f)
	h.view.SetAutopilot(&fleet.AutopilotStatus{Name: "autopilot:night-shift", InFlight: 1,
		Next: []fleet.AutopilotDue{{InstanceID: idPlain, Rule: "web", At: sim.Epoch.Add(2 * time.Hour)}},
		Left: []fleet.AutopilotLeft{{InstanceID: idLocal, Rule: "web", Reason: `local disks: a redeploy wipes them, and rule "web" does not say local_disks: wipe`}}})
	return h, f
}

// Issue 23: the header says the autopilot's state, the task panel its next redeploy and
// what it leaves to humans; `:autopilot pause` from an operator reaches it, and every
// session sees it PAUSED with what the pause holds.
func TestGoldenAutopilot(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"80x24", 80, 24}} {
		t.Run(size.name, func(t *testing.T) {
			h, f := autopilotHarness(t, false)
			screen(t, h, size.w, size.h, func(tm *teatest.TestModel) {
				send(tm, runes(":"))
				tm.Type("autopilot pause")
				send(tm, keyEnter)
				waitFor(t, tm, "held")
			})
			if len(f.calls) != 1 || f.calls[0] != "pause test" {
				t.Fatalf("the autopilot was asked %v", f.calls)
			}
		})
	}
}

// A viewer's `:autopilot pause` is refused by the hub (backend.Authorize) and never
// reaches the autopilot; the console says why.
func TestAutopilotPauseRefusedForAViewer(t *testing.T) {
	h, f := autopilotHarness(t, true)
	screen(t, h, 120, 40, func(tm *teatest.TestModel) {
		send(tm, runes(":"))
		tm.Type("autopilot pause")
		send(tm, keyEnter)
		waitFor(t, tm, "Forbidden.Role")
	})
	if len(f.calls) != 0 {
		t.Fatalf("a viewer reached the autopilot: %v", f.calls)
	}
}
