package ui

import (
	tea "github.com/charmbracelet/bubbletea"
	"regexp"
	"strings"
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
		waitFor(t, tm, "a viewer cannot pause the autopilot; run without --read-only")
	})
	if len(f.calls) != 0 {
		t.Fatalf("a viewer reached the autopilot: %v", f.calls)
	}
}

// apModel is an operator's (or a viewer's, over SSH when fp is set) console at w x h on
// the autopilot harness's snapshot.
func apModel(t *testing.T, h *harness, w, hgt int) *Model {
	t.Helper()
	m := h.model()
	m.Update(tea.WindowSizeMsg{Width: w, Height: hgt})
	m.Update(snapshotMsg{h.view.Snapshot()})
	return m
}

// typeCommand types a command line and runs it; the command it returns is run and its
// message handed back, as the runtime does.
func typeCommand(m *Model, line string) {
	press(m, runes(":"))
	typeRunes(m, line)
	press(m, keyEnter)
}

// typeRunes types s one key at a time, as a person does (a burst is a paste).
func typeRunes(m *Model, s string) {
	for _, r := range s {
		if r == ' ' {
			m.Update(keySpace)
			continue
		}
		press(m, runes(string(r)))
	}
}

// Issue 23 review, 1: `?`, the footer and the empty `:` line name :autopilot; `:autopilot`
// and tab shows its verbs; `:autopilot` alone says how to write it without a stray " :".
func TestAutopilotCommandIsNamedAndCompleted(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 120, 40)
	if !strings.Contains(m.keys.Command.Help().Desc, "autopilot") {
		t.Errorf("the : key's help %q leaves out autopilot", m.keys.Command.Help().Desc)
	}
	press(m, runes("?"))
	if v := strings.Join(m.overlay.Lines(), "\n"); !strings.Contains(v, ":autopilot pause|resume") {
		t.Errorf("? does not name :autopilot:\n%s", v)
	}
	press(m, keyEsc)
	press(m, runes(":"))
	if v := m.View(); !strings.Contains(v, "autopilot pause|resume") {
		t.Errorf("the empty : line does not name autopilot:\n%s", v[len(v)-400:])
	}
	typeRunes(m, "autopilot")
	m.Update(keyTab)
	if v := m.View(); !regexp.MustCompile(`:autopilot +pause · resume`).MatchString(v) {
		t.Errorf(":autopilot + tab shows no verbs:\n%s", v)
	}
	press(m, keyEsc)
	typeCommand(m, "autopilot")
	if s, _ := m.noticeText(); s != ":autopilot: write :autopilot pause or :autopilot resume" {
		t.Errorf(":autopilot alone says %q", s)
	}
}

// Issue 23 review, 2: a viewer's pause is refused by the hub with words for this action
// and what to do: over SSH, an operator key (--read-only is a local flag).
func TestAutopilotRefusalSaysWhatWasRefused(t *testing.T) {
	for _, c := range []struct {
		name, fp, do string
	}{{"ssh", "SHA256:abc", "ask for an operator key"}, {"local", "", "run without --read-only"}} {
		t.Run(c.name, func(t *testing.T) {
			h, f := autopilotHarness(t, true)
			h.id.KeyFingerprint = c.fp
			m := apModel(t, h, 120, 40)
			typeCommand(m, "autopilot pause")
			s, _ := m.noticeText()
			want := ":autopilot pause refused: a viewer cannot pause the autopilot; " + c.do
			if s != want {
				t.Errorf("refusal %q, want %q", s, want)
			}
			if len(f.calls) != 0 {
				t.Fatalf("a viewer reached the autopilot: %v", f.calls)
			}
		})
	}
}

// Issue 23 review, 4: the task panel's title shows the autopilot's next redeploy and what
// it leaves to humans at 120 columns beside a running batch, the essentials at 80; one
// pause is in the log once.
func TestAutopilotTitleFitsAndPauseLoggedOnce(t *testing.T) {
	for _, c := range []struct {
		w     int
		want  []string
		batch bool
	}{{120, []string{"in 2h (05:00 UTC)", "1 left to humans (L)", "batch PAUSED"}, true}, {80, []string{"next in 2h", "1 to humans"}, false}} {
		h, _ := autopilotHarness(t, false)
		m := apModel(t, h, c.w, 40)
		if c.batch {
			m.Update(snapshotMsg{withPausedPlan(h.view.Snapshot())})
		}
		var title string
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.HasPrefix(l, "TASKS") {
				title = l
			}
		}
		for _, w := range c.want {
			if !strings.Contains(title, w) {
				t.Errorf("at %d columns the title %q leaves out %q", c.w, title, w)
			}
		}
	}
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 120, 40)
	typeCommand(m, "autopilot pause")
	m.Update(snapshotMsg{h.view.Snapshot()})
	n := 0
	for _, e := range m.log.Entries() {
		if strings.Contains(e.Text, "paused by test") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("one pause is in the log %d times: %+v", n, m.log.Entries())
	}
}

// Issue 23 review, 3: a reload refused then a good one: the notice says the policy was
// reloaded (not that it kept the last good one), and the log records it.
func TestAutopilotGoodReloadClearsTheNotice(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 120, 40)
	st := *h.view.Snapshot().Autopilot
	st.Policy = "night.yaml"
	st.PolicyErr = "2 mistakes: night.yaml:3: x; night.yaml:9: y"
	h.view.SetAutopilot(&st)
	m.Update(snapshotMsg{h.view.Snapshot()})
	if s, _ := m.noticeText(); !strings.Contains(s, "night.yaml:9: y") {
		t.Fatalf("refused reload said %q", s)
	}
	good := st
	good.PolicyErr = ""
	h.view.SetAutopilot(&good)
	m.Update(snapshotMsg{h.view.Snapshot()})
	s, isErr := m.noticeText()
	if isErr || s != "autopilot:night-shift reloaded its policy night.yaml" {
		t.Errorf("after a good reload the notice is %q (error %v)", s, isErr)
	}
	if es := m.log.Entries(); es[len(es)-1].Text != s {
		t.Errorf("the log's last entry is %+v", es[len(es)-1])
	}
}

// A good reload with no refusal before it is told too: the rules every session's
// autopilot follows changed, and the log says when. A session that joins later is not
// told of reloads it never saw change.
func TestAutopilotGoodReloadIsTold(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 120, 40)
	st := *h.view.Snapshot().Autopilot
	st.Policy = "night.yaml"
	good := st
	good.Reloads++
	h.view.SetAutopilot(&good)
	m.Update(snapshotMsg{h.view.Snapshot()})
	s, isErr := m.noticeText()
	if isErr || s != "autopilot:night-shift reloaded its policy night.yaml" {
		t.Errorf("after a good reload the notice is %q (error %v)", s, isErr)
	}
	if es := m.log.Entries(); len(es) == 0 || es[len(es)-1].Text != s {
		t.Errorf("the log does not end with the reload: %+v", es)
	}
	late := apModel(t, h, 120, 40)
	for _, e := range late.log.Entries() {
		if strings.Contains(e.Text, "reloaded") {
			t.Errorf("a session that started after the reload was told of it: %+v", e)
		}
	}
}

// Issue 23 review, 5: c and x with no paused batch say so; with only the autopilot's
// paused batch, they say how that one is resumed.
func TestContinueWithNoPausedBatchSaysSo(t *testing.T) {
	h, _ := autopilotHarness(t, false)
	m := apModel(t, h, 120, 40)
	for _, k := range []string{"c", "x"} {
		m.Update(runes(k))
		if s, _ := m.noticeText(); s != k+": no batch is paused (c and x answer a paused batch; p pauses a running one)" {
			t.Errorf("%s with no paused batch says %q", k, s)
		}
	}
}
