package ui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"ecs-redeploy/backend/sim"
)

// screen runs the console in teatest at w×h, lets steps drive it, quits and compares the
// final View with testdata/<test name>.golden (go test ./ui -run Golden -update rewrites).
func screen(t *testing.T, h *harness, w, hgt int, steps func(tm *teatest.TestModel)) {
	t.Helper()
	tm := teatest.NewTestModel(t, h.model(), teatest.WithInitialTermSize(w, hgt))
	waitFor(t, tm, "sort deadline (s) · ") // loaded: the position is said (the header cuts "pending" at 40 columns)
	if steps != nil {
		steps(tm)
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	golden.RequireEqual(t, []byte(fm.View()))
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func send(tm *teatest.TestModel, keys ...tea.KeyMsg) {
	for _, k := range keys {
		tm.Send(k)
	}
}

// only filters the list down to one instance.
func only(tm *teatest.TestModel, id string) {
	send(tm, runes("/"))
	tm.Type(id)
	send(tm, keyEnter)
}

func TestGoldenList(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"80x24", 80, 24}, {"60x20", 60, 20}, {"40x12", 40, 12}} {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newHarness(t, sim.Options{}, false), size.w, size.h, nil)
		})
	}
}

func TestGoldenFilter(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 120, 40, func(tm *teatest.TestModel) {
		send(tm, runes("/"))
		tm.Type("local disk")
	})
}

func TestGoldenDetail(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 120, 40, func(tm *teatest.TestModel) {
		only(tm, idLocal)
		send(tm, keyEnter)
		// The pane's last section comes from the hub after the pane opens (a tea.Cmd).
		waitFor(t, tm, "action on maintenance")
	})
}

func TestGoldenDialog(t *testing.T) {
	for _, c := range []struct {
		name  string
		id    string
		steps func(tm *teatest.TestModel)
	}{
		{"running", idPlain, nil},
		{"stopped", idStopped, nil},
		{"local-disk", idLocal, nil},
		{"local-disk-typed", idLocal, func(tm *teatest.TestModel) {
			send(tm, keyTab)
			tm.Type(idLocal)
			send(tm, keyEnter)
		}},
		{"force-stop", idPlain, func(tm *teatest.TestModel) { send(tm, runes("f")) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			screen(t, newHarness(t, sim.Options{}, false), 120, 40, func(tm *teatest.TestModel) {
				only(tm, c.id)
				openDialog(t, tm)
				if c.steps != nil {
					c.steps(tm)
				}
			})
		})
	}
}

// sizes are the three screens issue 13 asks every item to be seen at.
var sizes = []struct {
	name string
	w, h int
}{{"120x40", 120, 40}, {"80x24", 80, 24}, {"40x12", 40, 12}}

// The second pending event in the dialog, and the focus on the disarmed Redeploy with
// why enter did nothing (issue 13), at each size.
func TestGoldenDialogTwoEvents(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newHarness(t, sim.Options{}, false), size.w, size.h, func(tm *teatest.TestModel) {
				only(tm, "i-bp1twoevents00000001")
				openDialog(t, tm)
			})
		})
	}
}

func TestGoldenDialogDisarmedFocus(t *testing.T) {
	for _, size := range sizes[:2] {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newHarness(t, sim.Options{}, false), size.w, size.h, func(tm *teatest.TestModel) {
				only(tm, idLocal)
				openDialog(t, tm)
				send(tm, keyShiftTab, keyEnter)
				waitFor(t, tm, "did nothing")
			})
		})
	}
}

// A dialog open when a refresh fails says STALE (issue 13).
func TestGoldenDialogStale(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	screen(t, h, 120, 40, func(tm *teatest.TestModel) {
		only(tm, idPlain)
		openDialog(t, tm)
		h.clock.Advance(40 * time.Second)
		h.engine.SetFaults(sim.Faults{ServerErrorRate: 1})
		if err := h.view.Refresh(t.Context()); err == nil {
			t.Fatal("refresh should fail")
		}
		waitFor(t, tm, "the last refresh failed")
	})
}

// The rows' words (reasons, NO REDEPLOY, +1) filtered to the scenario's cases, at each size.
func TestGoldenRows(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newHarness(t, sim.Options{}, false), size.w, size.h, func(tm *teatest.TestModel) {
				send(tm, runes("/"))
				tm.Type("/^i-(bp1|uf6|2ze)[a-z]+0000/")
				send(tm, keyEnter)
				waitFor(t, tm, "of 49")
			})
		})
	}
}

func TestGoldenDialogNarrow(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 60, 20, func(tm *teatest.TestModel) {
		only(tm, idLocal)
		openDialog(t, tm)
	})
}

func TestGoldenBlocked(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 120, 40, func(tm *teatest.TestModel) {
		only(tm, idLocked)
		send(tm, runes("R"))
		waitFor(t, tm, "cannot be redeployed")
	})
}

func TestGoldenHelp(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 120, 40, func(tm *teatest.TestModel) {
		send(tm, runes("?"))
	})
}

// At 40 columns the help lists one key a line (issue 13).
func TestGoldenHelpNarrow(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 40, 12, func(tm *teatest.TestModel) {
		send(tm, runes("?"))
	})
}

// The log view after a refusal and a failed refresh, at each size (issue 13).
func TestGoldenLog(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"80x24", 80, 24}, {"40x12", 40, 12}} {
		t.Run(size.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{}, false)
			screen(t, h, size.w, size.h, func(tm *teatest.TestModel) {
				only(tm, idLocked)
				send(tm, runes("R"))
				waitFor(t, tm, "L: all")
				h.engine.SetFaults(sim.Faults{ServerErrorRate: 1})
				if err := h.view.Refresh(t.Context()); err == nil {
					t.Fatal("refresh should fail")
				}
				waitFor(t, tm, "STALE")
				send(tm, runes("L"))
				waitFor(t, tm, "unknown error.")
			})
		})
	}
}

func TestGoldenReadOnly(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, true), 120, 40, func(tm *teatest.TestModel) {
		only(tm, idPlain)
		send(tm, runes("R"))
	})
}

// Read-only help leaves the dialog out and says redeploy is disabled (issue 13).
func TestGoldenReadOnlyHelp(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			screen(t, newHarness(t, sim.Options{}, true), size.w, size.h, func(tm *teatest.TestModel) {
				send(tm, runes("?"), runes("G"))
			})
		})
	}
}

// openDialog presses R and waits until the dialog is on screen: a dialog ignores the keys
// sent with the R that opened it, as it would a paste.
func openDialog(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	send(tm, runes("R"))
	// A dialog's buttons once its targets were read again (it says how long ago), or the
	// size a dialog too large for the screen asks for; on a short screen the age line gives
	// way, and the buttons say enough.
	teatest.WaitFor(t, tm.Output(), dialogRead, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// dialogRead reports whether the output b (all of it since the wait began) shows a dialog
// whose targets were read again: it says how long ago, or it asks for a larger terminal,
// or, on a screen too short for either heading, its buttons no longer say it is reading
// (the last drawn button line: a dialog drawn while reading, then read, draws it twice).
func dialogRead(b []byte) bool {
	if bytes.Contains(b, []byte("as read from ECS")) || bytes.Contains(b, []byte("make the terminal")) {
		return true
	}
	i := bytes.LastIndex(b, []byte("Cancel"))
	if i < 0 || bytes.Contains(b, []byte("reading it again")) {
		return false
	}
	buttons := b[i:]
	if j := bytes.IndexByte(buttons, '\n'); j >= 0 {
		buttons = buttons[:j]
	}
	return !bytes.Contains(buttons, []byte("reading from ECS"))
}

// redeploy confirms a plain redeploy of idPlain and waits for the task to be tracked.
func redeploy(t *testing.T, tm *teatest.TestModel) {
	only(tm, idPlain)
	openDialog(t, tm)
	send(tm, keyTab)
	waitFor(t, tm, "> Redeploy <")
	confirmFocused(t, tm, "started: task")
}

// confirmFocused presses enter on a focused, armed button, as a person does once they see
// it focused, and waits for want. A dialog holds keys off until it settles after the focus
// lands on its button (common.Settle), and its settle message races the test's next key:
// an enter that beat it is answered "could be seen focused" and pressed again, as the
// dialog asks.
func confirmFocused(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	for range 3 {
		send(tm, keyEnter)
		got := false
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			got = bytes.Contains(b, []byte(want))
			return got || bytes.Contains(b, []byte("could be seen focused"))
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
		if got {
			return
		}
	}
	t.Fatalf("enter on the focused button never brought %q", want)
}

func TestGoldenTasks(t *testing.T) {
	t.Run("stopping", func(t *testing.T) {
		h := newHarness(t, sim.Options{}, false)
		screen(t, h, 120, 40, func(tm *teatest.TestModel) {
			redeploy(t, tm)
			h.poll(30 * time.Second)
			waitFor(t, tm, "Stopping")
		})
	})
	t.Run("finished", func(t *testing.T) {
		h := newHarness(t, sim.Options{}, false)
		screen(t, h, 120, 40, func(tm *teatest.TestModel) {
			redeploy(t, tm)
			for _, step := range []struct {
				d    time.Duration
				want string
			}{{30 * time.Second, "Stopping"}, {2 * time.Minute, "Stopped"}, {3 * time.Minute, "Starting"}, {2 * time.Minute, "Finished"}} {
				h.poll(step.d)
				waitFor(t, tm, step.want)
			}
			// The API forgets the instance once its event is Avoided; the row must stay.
			if err := h.view.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, tm, "listed 0s ago")
		})
	})
	t.Run("failed", func(t *testing.T) {
		h := newHarness(t, sim.Options{FailureRate: 1}, false)
		screen(t, h, 120, 40, func(tm *teatest.TestModel) {
			redeploy(t, tm)
			h.poll(30 * time.Second)
			waitFor(t, tm, "Stopping")
			h.poll(10 * time.Minute)
			waitFor(t, tm, "Failed")
		})
	})
}

func TestGoldenStale(t *testing.T) {
	h := newHarness(t, sim.Options{}, false)
	screen(t, h, 120, 40, func(tm *teatest.TestModel) {
		h.clock.Advance(40 * time.Second)
		h.engine.SetFaults(sim.Faults{ServerErrorRate: 1})
		if err := h.view.Refresh(t.Context()); err == nil {
			t.Fatal("refresh should fail")
		}
		waitFor(t, tm, "STALE")
	})
}

func TestGoldenBatchDialog(t *testing.T) {
	screen(t, newHarness(t, sim.Options{}, false), 120, 40, func(tm *teatest.TestModel) {
		send(tm, runes("/"))
		tm.Type("cn-hangzhou-h")
		send(tm, keyEnter, keySpace, keySpace, keySpace, keySpace)
		openDialog(t, tm)
	})
}
