package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bytedance/gopkg/util/gctuner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/notify"
	"ecs-redeploy/ui"
)

// runConsole opens the interactive console on the backend the flags choose.
//
// The console is the one owner of the signals that end it: SIGINT and SIGTERM (main's
// context) and SIGHUP (the terminal closed, or `kill -HUP`) cancel ctx, and the console
// ends at once, whatever it is doing, with the terminal restored (alternate screen off,
// mouse tracking off, cursor on). Bubble Tea's own signal handler is off: with both
// listening, its QuitMsg could block on a program that had already stopped for the
// context, and the process hung on SIGTERM with the screen still taken (issue 21).
func runConsole(cmd *cobra.Command, g *globalOptions) error {
	parent := cmd.Context()
	if !signal.Ignored(syscall.SIGHUP) { // under nohup a hangup ends nothing
		var stop context.CancelFunc
		parent, stop = signal.NotifyContext(parent, syscall.SIGHUP)
		defer stop()
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	loaded := func() {}
	if os.Getenv("GOGC") == "" { // a GOGC in the environment is the user's choice, and kept
		defer tuneCollector()()
		if g.demoMode() && os.Getenv("GOMEMLIMIT") == "" {
			loaded = quietStart()
			defer loaded()
		}
	}
	// The console's screen is the terminal: the notifier's log goes nowhere (serve logs
	// it), and how the webhook answers reaches the screen as notes (the log, L; the notice
	// line once per spell of failures), sent on to the program once it runs.
	notes := make(chan ui.NoteMsg, 64)
	notifier, err := g.Notify.notifierWith(nil, func(h notify.Health) {
		select {
		case notes <- healthNote(h):
		default: // the screen is behind: the exit line still counts what was lost
		}
	})
	if err != nil {
		return err
	}
	// Loading a large fleet (a generated 100,000, the first listing) takes seconds and
	// reads no context; the terminal is not taken yet, so a signal ends it here and now.
	e, err := untilDone(ctx, func() (*env, error) { return g.open(ctx) })
	if err != nil || ctx.Err() != nil {
		return quietIfCanceled(ctx, err)
	}
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return usageError{errors.New("the console needs a terminal on stdin and stdout; for scripts use `ecs-redeploy events` and `ecs-redeploy redeploy`")}
	}
	store, err := g.planStore()
	if err != nil {
		return err
	}
	view := e.newHub(fleet.Options{Plans: store, Where: g.planWhere(), Budget: g.APIBudget})
	deps := ui.Deps{
		Fleet:    view,
		Now:      e.Now,
		Wall:     time.Now,
		Renderer: lipgloss.NewRenderer(os.Stdout),
		Identity: g.localIdentity(),
		Context:  ctx,
		NoMouse:  g.NoMouse,
		// The simulator answers in-process: no budget paces its calls.
		Unbudgeted: e.Engine != nil,
	}
	if e.Engine == nil {
		deps.GivesUpAfter = aliyun.GivesUpAfter(g.APITimeout)
	}
	// ctrl+s saves what the view shows here, where the console was started.
	if wd, err := os.Getwd(); err == nil {
		deps.SaveDir = wd
	}
	if e.Engine != nil {
		deps.Regions, deps.Simulated = regionIDs(e.Engine), true
	} else {
		deps.AccountFlags, deps.ScopeFlags = g.accountFlags(), g.scopeFlags()
	}
	resumeCmd := withFlags("ecs-redeploy redeploy --resume --wait", g.scopeFlags())
	startNotes, err := resumeConsolePlans(ctx, view, store, g.planWhere(), deps.Identity, resumeCmd, cmd.ErrOrStderr())
	if err != nil {
		return quietIfCanceled(ctx, err)
	}
	deps.StartNotes = startNotes
	var notifyLost string // said after the screen is given back
	if notifier != nil {
		drain := runNotifier(ctx, notifier, view, func(line string) { notifyLost = line })
		defer func() {
			// A person pressed q: what is still queued gets a short while, and the wait
			// is said (the screen is already given back), not a blank pause.
			if q := notifier.Stats().Queued; q > 0 {
				_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "ecs-redeploy: notify: sending %d notice(s) to %s before exiting (at most %s)…\n", q, notifier.Where(), consoleNotifyDrain)
			}
			drain(consoleNotifyDrain)
			if notifyLost != "" {
				_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "ecs-redeploy: %s\n", notifyLost) // stderr, after the screen: nowhere else to say it
			}
		}()
	}
	go view.Run(ctx)
	go releaseStartup(ctx, view, loaded)

	m := ui.New(deps)
	defer m.Close()
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithFPS(consoleFPS))
	go forwardNotes(ctx, notes, p)
	_, runErr := p.Run()
	// The calls in flight answer before the process ends, so their audit result lines are
	// written and the batches saved with their tasks; what was not sent stays saved.
	// A signal asked for the end now: the wait is shorter.
	wait := 10 * time.Second
	if ctx.Err() != nil {
		wait = 2 * time.Second
	}
	drainCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), wait)
	_ = view.Drain(drainCtx) // what is still out is on the farewell below
	stop()
	if runErr != nil && ctx.Err() == nil {
		return fmt.Errorf("console: %w", runErr)
	}
	// What goes on without the console, and how to follow it.
	if bye := m.Farewell(); bye != "" {
		pr := &printer{w: cmd.OutOrStdout()}
		for _, line := range strings.Split(strings.TrimSuffix(bye, "\n"), "\n") {
			pr.printf("%s\n", line)
		}
		return pr.Err()
	}
	return nil
}

// consoleNotifyDrain bounds the wait for queued notices after q (serve and autopilot give
// them 5 s): nothing is retried then, and nothing is tried while the webhook fails.
const consoleNotifyDrain = 2 * time.Second

// healthNote is how the console says a change in the webhook's answers: each in the log,
// and the first of its kind in a spell of failures on the notice line too.
func healthNote(h notify.Health) ui.NoteMsg {
	return ui.NoteMsg{Text: h.Text, Error: h.Kind != notify.HealthRecovered, Notice: h.First}
}

// forwardNotes hands notes to the program until ctx ends (Send returns once the program
// has ended).
func forwardNotes(ctx context.Context, notes <-chan ui.NoteMsg, p *tea.Program) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-notes:
			p.Send(n)
		}
	}
}

// untilDone is f's result, or ctx's error as soon as ctx ends: f goes on in the
// background, and the process ends without it.
func untilDone[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// quietIfCanceled is err, or nil when a signal ended the console: it was asked to end,
// and did.
func quietIfCanceled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// resumeConsolePlans picks up the unfinished plans of this account, reconciled through
// DescribeTasks, for the hub to run (Hub.ResumePlans). A --demo console keeps nothing; a
// --read-only one (who a viewer) resumes nothing and says which plans wait for an
// operator, and how resumeCmd goes on with them. What cannot be resumed is said on w, and
// the console starts anyway: those plans stay on disk for --resume. The notes are what
// the screen must say once it opens (the notice line and L): a batch that goes on
// without a word looks like redeploys nobody started (tester2's defect 6).
func resumeConsolePlans(ctx context.Context, h *fleet.Hub, store *fleet.PlanStore, where string, who backend.Identity,
	resumeCmd string, w io.Writer) ([]ui.NoteMsg, error) {
	if store == nil {
		return nil, nil
	}
	pr := &printer{w: w}
	defer func() { _ = pr.Err() }() // only notes before the screen opens
	var notes []ui.NoteMsg
	if !who.CanRedeploy() {
		// A viewer (--read-only) runs no batch: the hub would refuse it, and must not
		// touch an operator's plan (not even its lock).
		recs, err := store.Unfinished()
		if err != nil {
			return nil, err
		}
		n := 0
		for _, rec := range recs {
			if rec.Where == where {
				n++
				// What matters first, so that a narrow notice line keeps it.
				notes = append(notes, ui.NoteMsg{Notice: true, Text: fmt.Sprintf(
					"read-only: a saved batch waits for an operator, %d of %d not done: %s%s; an operator's console, or %s, goes on with it",
					left(rec.Items), len(rec.Items), rec.ID, startedBy(rec.Identity), resumeCmd)})
			}
		}
		if n > 0 {
			pr.printf("ecs-redeploy: read-only: %d unfinished plan(s) left for an operator: %s\n", n, resumeCmd)
		}
		return notes, nil
	}
	before := len(h.Plans())
	others, _, err := h.ResumePlans(ctx, who)
	for _, rec := range others {
		pr.printf("ecs-redeploy: plan %s was made against %s; left alone\n", rec.ID, rec.Where)
	}
	if err != nil {
		pr.printf("ecs-redeploy: %s\n", err)
		notes = append(notes, ui.NoteMsg{Error: true, Notice: true, Text: "resuming the saved batches: " + err.Error()})
	}
	for _, st := range h.Plans()[before:] {
		text := fmt.Sprintf("resumed a saved batch, %d of %d not done (%d in flight, %d queued): %s%s",
			left(st.Items), len(st.Items), st.Summary.InFlight, st.Summary.Queued, st.ID, startedBy(st.Identity))
		if st.Phase == fleet.PhasePaused {
			text = "resumed a saved batch, PAUSED (c continues, x aborts)" + strings.TrimPrefix(text, "resumed a saved batch")
		}
		notes = append(notes, ui.NoteMsg{Notice: true, Text: text})
	}
	return notes, nil
}

// startedBy is " started by alice (operator)", or "" when the plan names nobody.
func startedBy(id backend.Identity) string {
	if id.Name == "" {
		return ""
	}
	return " started by " + id.String()
}

// left counts the items of a plan that have not ended.
func left(items []fleet.PlanItem) int {
	n := 0
	for _, it := range items {
		if !it.Status.Final() {
			n++
		}
	}
	return n
}

// consoleFPS caps how often the renderer looks for a new frame, as serve's sessions do
// (ui/serve sessionFPS): at Bubble Tea's default 60, its ticker woke an idle console 60
// times a second and copied the frame each time to compare it with the last, about a
// third of what an idle demo at 100,000 allocated (issue 20). The spinner is 10 frames a
// second; a key shows within 33 ms.
const consoleFPS = 30

// consoleHeapTarget is the heap, in bytes, the console lets the collector grow to. What a
// console keeps grows with the fleet (about 2 KiB an instance: the simulator's copy in a
// demo, the hub's records and rows), and what it throws away with each refresh is about a
// listing. gctuner sets GOGC at each collection so the heap aims at the target: a small
// fleet collects rarely (GOGC up to 500), and a large one as often as it must to stay near
// it, down to consoleMinGCPercent.
const consoleHeapTarget = 256 << 20

// consoleMinGCPercent is the lowest GOGC gctuner sets (its own floor is 50). Once started,
// a console at 100,000 instances throws away little (a region's listing every few seconds),
// so collecting at every 20 % of growth costs a collection every minute or two, and keeps
// the heap near what it holds: at GOGC 50 the demo's steady RSS was half as much again as
// its live heap, over issue 20's 350 MiB.
const consoleMinGCPercent = 20

// listingMinGCPercent is the lowest GOGC gctuner sets for `events`: its own default floor.
// A listing throws away many times what it keeps, and a lower floor would collect it more
// often than the target needs.
const listingMinGCPercent = 50

// gcFloorSet writes gctuner's floor once a process, before its first tuner.
var gcFloorSet sync.Once

// startTuning lets gctuner aim the heap at target bytes, with floor as the lowest GOGC it
// sets, until the returned func is called. gctuner's floor is one global that its tuner
// reads with a plain load from a finalizer after every collection (bytedance/gopkg
// v0.1.4, tuner.go calcGCPercent): writing it while any tuner exists, or after one has
// run, races the collector. So every tuner starts here, and the floor is written once, by
// the first command a process runs, before its tuner, and never again. A process runs one
// command; tests run many in one process, and keep the first one's floor. Writing it on
// the way in and out of each console, and then tuning `events` without it, both failed
// CI under -race.
func startTuning(target uint64, floor uint32) (stop func()) {
	gcFloorSet.Do(func() { gctuner.SetMinGCPercent(floor) })
	gctuner.Tuning(target)
	return func() { gctuner.Tuning(0) }
}

// tuneCollector is the console's tuning: consoleHeapTarget, down to consoleMinGCPercent.
func tuneCollector() (stop func()) { return startTuning(consoleHeapTarget, consoleMinGCPercent) }

// startupMemoryLimit bounds the heap while the collector is off for a demo's start
// (quietStart): the start of a 100,000-instance demo allocates about 700 MiB, of which it
// keeps about 300.
const startupMemoryLimit = 1 << 30

// quietStart turns the collector off until the returned func is called, up to
// startupMemoryLimit, past which it collects as the runtime's memory limit makes it. A
// demo's start (generating the fleet, the simulator's copy, the first listing, every row
// derived) only grows the heap: collecting it at each doubling marked the same growing
// heap again and again, a fifth of the start (issue 20). For the demo only: a real
// account's first listing takes minutes of API pages, and its garbage is collected as it
// comes.
func quietStart() (loaded func()) {
	pct := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(startupMemoryLimit)
	var once sync.Once
	return func() {
		once.Do(func() {
			debug.SetMemoryLimit(limit)
			if debug.SetGCPercent(pct) != -1 {
				// A collection at the limit let gctuner set GOGC already: keep its.
				debug.SetGCPercent(int(gctuner.GetGCPercent()))
			}
		})
	}
}

// releaseStartup ends the quiet start (loaded) once every region's first listing is in,
// and gives back to the system the memory that starting took and no longer holds (a
// generated fleet, the first listing's copies): otherwise the RSS stays at that peak until
// the runtime returns it page by page.
func releaseStartup(ctx context.Context, h *fleet.Hub, loaded func()) {
	sub := h.Subscribe(ctx)
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-sub.C():
			if s.Loading || (s.Err == nil && s.Fresh.Loaded < s.Fresh.Regions) {
				continue
			}
			loaded()
			debug.FreeOSMemory()
			return
		}
	}
}

// accountFlags are the flags that select the account and endpoint this process talks to,
// as the flags and the environment gave them, shell-quoted: a command printed for the
// engineer to paste (the console's exit hints) carries them, so that it addresses this
// account and not the default profile's.
func (g *globalOptions) accountFlags() string {
	args := g.accountArgs()
	for i := 1; i < len(args); i += 2 {
		args[i] = shellQuote(args[i])
	}
	return strings.Join(args, " ")
}

// accountArgs are accountFlags as arguments, unquoted: flag, value, flag, value.
func (g *globalOptions) accountArgs() []string {
	var out []string
	add := func(flag, v, env string) {
		if v == "" && env != "" {
			v = os.Getenv(env)
		}
		if v != "" {
			out = append(out, flag, v)
		}
	}
	add("--endpoint", g.Endpoint, aliyun.EnvEndpoint)
	add("--profile", g.Profile, aliyun.EnvProfile)
	add("--ecs-metadata-role", g.MetadataRole, "")
	return out
}

// scopeFlags are accountFlags and the --region this command was given (its scope, as
// given: "all" too), shell-quoted: what a command that lists or resumes needs to address
// the same account and regions as printed. The region from the environment or the
// profile is left to them: the pasted command finds it the same way.
func (g *globalOptions) scopeFlags() string {
	out := g.accountFlags()
	if len(g.Regions) > 0 {
		if out != "" {
			out += " "
		}
		out += "--region " + shellQuote(strings.Join(g.Regions, ","))
	}
	return out
}

// listCommand is `ecs-redeploy events` with extra and the flags that chose this
// command's account and regions, in backquotes: the list a refusal points at, as it runs
// when pasted.
func (g *globalOptions) listCommand(extra string) string {
	return "`" + withFlags("ecs-redeploy events"+extra, g.scopeFlags()) + "`"
}

// withFlags is cmd followed by flags, when there are any.
func withFlags(cmd, flags string) string {
	if flags == "" {
		return cmd
	}
	return cmd + " " + flags
}

// shellQuote is s as one POSIX shell word: as is when it holds only characters no shell
// treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@=,+", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
