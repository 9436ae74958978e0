package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/internal/uitest"
)

// hostile is what issue 21 found in names, tags, reasons and API errors: an OSC 52
// clipboard write, an OSC 0 window title, a screen wipe, C1 controls, a right-to-left
// override with isolates and a zero-width space, and a newline.
var hostile = []string{
	"web\x1b]52;c;cm0gLXJmIH4K\x07",
	"db\x1b]0;PWNED-TITLE\x07",
	"wipe\x1b[2J\x1b[H",
	"c1\u009b31m\u009d0;T\u009c",
	"invoice-\u202egnp.exe\u2066x\u2069\u200b",
	"two\nlines\r\tx",
}

// hostileBackend answers with the API's text made hostile: failed tasks' FailedReason and
// RequestId, and a refused redeploy's Code, Message and RequestId.
type hostileBackend struct {
	backend.Backend
	refuse string // this instance's redeploy is refused
}

func (b *hostileBackend) Redeploy(ctx context.Context, r backend.RedeployRequest) (backend.TaskRef, error) {
	if r.InstanceID == b.refuse {
		return backend.TaskRef{}, &backend.APIError{Code: "Forbidden" + hostile[2], HTTPStatus: 403,
			Message: "denied " + hostile[4] + hostile[5], RequestID: "REQ" + hostile[1], Action: "RedeployInstance"}
	}
	ref, err := b.Backend.Redeploy(ctx, r)
	ref.RequestID += hostile[3]
	return ref, err
}

func (b *hostileBackend) Tasks(ctx context.Context, region string, ids []string) ([]model.Task, error) {
	ts, err := b.Backend.Tasks(ctx, region, ids)
	for i := range ts {
		if ts[i].Status == model.TaskFailed {
			ts[i].FailedReason = "host " + hostile[0] + hostile[4]
		}
	}
	return ts, err
}

// hostileHarness is the console's scenario with every name, tag and reason hostile, an
// SSH user name that is too, redeploys that fail, and one that the API refuses.
func hostileHarness(t *testing.T) *harness {
	t.Helper()
	clock := sim.NewStepClock(sim.Epoch)
	f := uitest.Scenario()
	for i := range f.Instances {
		in := &f.Instances[i]
		h := hostile[i%len(hostile)]
		in.Name = h
		in.Tags = map[string]string{"team" + h: hostile[(i+1)%len(hostile)]}
		for j := range in.Events {
			in.Events[j].Reason = hostile[(i+2)%len(hostile)]
		}
		if in.ID == uitest.IDTwoEvents { // one Inquiring event, for the accept dialog
			in.Events[0].CycleStatus = model.CycleInquiring
		}
	}
	eng := sim.New(f, clock, sim.Options{FailureRate: 1})
	c := &counting{Backend: &hostileBackend{Backend: sim.NewBackend(eng), refuse: idStopped}}
	v := fleet.New(backend.Guard(c), fleet.Options{Now: clock.Now, Wall: clock.Now})
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := backend.Identity{Name: "eve" + hostile[1] + hostile[4], Role: backend.RoleOperator}
	return &harness{t: t, clock: clock, engine: eng, backend: c, view: v, id: id}
}

// Issue 21, kind 1: every screen of the console, over a fleet whose names, tags and
// reasons carry escape sequences and bidi controls, an operator whose name does, and API
// errors and task failures that do, shows them and obeys none. The renderer has the
// Ascii profile, so any ESC, C0 (but newline) or C1 byte, or bidi or invisible character
// on screen came from the data.
func TestEveryScreenShowsHostileTextNeverObeysIt(t *testing.T) {
	h := hostileHarness(t)
	m := ready(t, h)
	seen := map[string]bool{}
	check := func(screen string) {
		t.Helper()
		v := m.View()
		for i, line := range strings.Split(v, "\n") {
			if safetext.Terminal(line) != line {
				t.Errorf("%s, line %d carries text a terminal obeys: %q", screen, i+1, line)
			}
		}
		for _, s := range []string{`\x1b]0;PWNED-TITLE\x07`, `<U+202E>`, `\x1b]52;c;`, `\x1b[2J`, `<U+009B>`, `\n`} {
			if strings.Contains(v, s) {
				seen[s] = true
			}
		}
	}
	check("list")
	press(m, runes("?"))
	check("help")
	press(m, keyEsc)

	// The detail pane of every instance: title, tags, events and their reasons.
	for _, id := range []string{idPlain, idLocal, uitest.IDTwoEvents, idStopped, idLocked} {
		filterTo(m, id)
		press(m, keyEnter)
		check("detail of " + id)
		press(m, keyEsc, keyEsc)
	}

	// The accept dialog of an Inquiring event.
	filterTo(m, uitest.IDTwoEvents)
	press(m, runes("A"))
	if m.mode != modeAccept {
		t.Fatalf("A opened no accept dialog (notice %q)", m.notice)
	}
	check("accept dialog")
	press(m, keyEsc, keyEsc)

	// The dialog, one instance and a destructive one.
	filterTo(m, idPlain)
	press(m, runes("R"))
	check("confirm")
	press(m, runes("f"))
	check("confirm with ForceStop")
	press(m, keyEsc, keyEsc)
	filterTo(m, idLocal)
	press(m, runes("R"))
	check("confirm, local disks")
	press(m, keyEsc, keyEsc)

	// A redeploy the API refuses: the notice and the log.
	filterTo(m, idStopped)
	press(m, runes("R"), keyTab, keyEnter)
	check("refused redeploy's notice")
	if n := h.backend.redeploys.Load(); n != 1 {
		t.Fatalf("the refused redeploy did not reach the backend (%d calls)", n)
	}

	// A redeploy that starts and fails: the tasks panel and the log.
	press(m, keyEsc)
	filterTo(m, idPlain)
	press(m, runes("R"), keyTab, keyEnter)
	check("started redeploy's notice")
	for range 20 {
		h.poll(time.Minute)
		m.Update(snapshotMsg{h.view.Snapshot()})
	}
	press(m, keyEsc)
	check("list after the task failed")
	press(m, runes("t"))
	check("tasks panel")
	if v := m.View(); !strings.Contains(v, "Failed") || !strings.Contains(v, `host web\x1b]52;c;`) {
		t.Fatalf("the failed task is not on screen:\n%s", v)
	}
	press(m, keyEsc, runes("L"))
	check("log")
	press(m, keyEsc)
	for _, line := range strings.Split(m.Farewell(), "\n") {
		if safetext.Terminal(line) != line {
			t.Errorf("farewell line carries text a terminal obeys: %q", line)
		}
	}

	// A batch: targets, regions and what the filter left out.
	selectRows(m, idLocal, uitest.IDTwoEvents, idFailing)
	filterTo(m, "cn-hangzhou")
	press(m, runes("R"))
	if m.mode != modeDialog || len(m.dialog.Targets()) < 2 {
		t.Fatalf("R on a selection opened no batch dialog (notice %q)", m.notice)
	}
	check("batch confirm, rows left out")
	press(m, keyEsc, keyEsc)

	// Narrow terminals cut cells: still nothing obeyed.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	check("list at 80x24")

	for _, s := range []string{`\x1b]0;PWNED-TITLE\x07`, `<U+202E>`, `\x1b]52;c;`, `\x1b[2J`, `<U+009B>`, `\n`} {
		if !seen[s] {
			t.Errorf("no screen showed %s: the walk missed the hostile text", s)
		}
	}
}
