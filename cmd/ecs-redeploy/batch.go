package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// batchOptions are the flags of `redeploy` that shape a batch.
type batchOptions struct {
	fromFile    string
	maxInFlight int
	onePerZone  bool
	onFailure   string
	json        bool
	resume      bool
	// inWindow, margin and maxPer are --in-window, --margin and --max-per (KEY=N each,
	// read by fleet.ParseGroupLimit into limits).
	inWindow bool
	margin   time.Duration
	maxPer   []string
	limits   []fleet.GroupLimit
}

// parseLimits reads --max-per into o.limits: one clear line naming the flag for a bad one.
func (o *batchOptions) parseLimits() error {
	o.limits = nil
	for _, v := range o.maxPer {
		l, err := fleet.ParseGroupLimit(v)
		if err != nil {
			return usageError{fmt.Errorf("--max-per %w", err)}
		}
		o.limits = append(o.limits, l)
	}
	return nil
}

// adjustHubOptions lets tests drive a command's hub on a stepped clock.
var adjustHubOptions func(*fleet.Options)

// maxTargetLine is the longest line readTargets takes, in bytes: 1 MiB holds about 45,000
// ids separated by commas, more than one batch takes.
const maxTargetLine = 1 << 20

// readTargets collects the instance ids of a batch: the arguments, the lines of
// --from-file, or standard input for `-`. Ids are separated by spaces, commas or lines;
// `#` starts a comment. Every id is checked for shape before anything is opened, and a
// repeated id counts once.
func readTargets(args []string, fromFile string, stdin io.Reader) ([]string, error) {
	var ids []string
	add := func(src string, r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, maxTargetLine)
		n := 1
		for ; sc.Scan(); n++ {
			line, _, _ := strings.Cut(sc.Text(), "#")
			for _, id := range strings.FieldsFunc(line, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' }) {
				if err := backend.CheckInstanceID(id); err != nil {
					return usageError{fmt.Errorf("%s line %d: %w", src, n, err)}
				}
				ids = append(ids, id)
			}
		}
		if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
			// n is the line the scanner could not hold: say which, and the limit, not
			// "bufio.Scanner: token too long" (tester2 #19).
			return usageError{fmt.Errorf("%s line %d: longer than %d KiB; put the instance ids on lines of their own or separate them with spaces or commas",
				src, n, maxTargetLine>>10)}
		} else if err != nil {
			return usageError{fmt.Errorf("reading %s: %w", src, err)}
		}
		return nil
	}
	for _, a := range args {
		if a == "-" {
			if err := add("standard input", stdin); err != nil {
				return nil, err
			}
			continue
		}
		if err := backend.CheckInstanceID(a); err != nil {
			return nil, usageError{fmt.Errorf("redeploy: %w", err)}
		}
		ids = append(ids, a)
	}
	switch fromFile {
	case "":
	case "-":
		if err := add("standard input", stdin); err != nil {
			return nil, err
		}
	default:
		f, err := localfile.Open(fromFile, os.O_RDONLY, 0, localfile.Input)
		if err != nil {
			return nil, usageError{fmt.Errorf("--from-file: %w", err)}
		}
		err = add(fromFile, f)
		_ = f.Close() // read-only: its close error says nothing the read did not
		if err != nil {
			return nil, err
		}
	}
	var uniq []string
	for _, id := range ids {
		if !slices.Contains(uniq, id) {
			uniq = append(uniq, id)
		}
	}
	if len(uniq) == 0 {
		return nil, usageError{errors.New("redeploy: no instance id given (pass ids, --from-file F, or - to read them from standard input)")}
	}
	return uniq, nil
}

// batchRun is what a batch run needs beyond the flags.
type batchRun struct {
	g     *globalOptions
	o     batchOptions
	e     *env
	hub   *fleet.Hub
	store *fleet.PlanStore
	out   *printer // transitions and the end
	info  *printer // the plan before it starts: stdout, or stderr with --json
	start time.Time
	poll  time.Duration
	wait  bool
	// mu orders the transitions of plans the hub runs at once (--resume of several).
	mu sync.Mutex
	// resuming is set while --resume reconciles the saved plans, under mu: what it says
	// ended before this run.
	resuming bool
}

// planStore is the state directory's plan store, or nil on the in-process simulator,
// whose plans die with it: nothing to resume.
func (g *globalOptions) planStore() (*fleet.PlanStore, error) {
	if g.demoMode() {
		return nil, nil
	}
	dir, err := fleet.StateDir()
	if err != nil {
		return nil, err
	}
	return &fleet.PlanStore{Dir: dir}, nil
}

// openBatch opens the backend and a hub over it, scoped to ids when it has them, refreshed
// once. The hub runs the plans and prints their transitions.
func openBatch(cmd *cobra.Command, g *globalOptions, o batchOptions, ids []string, poll time.Duration, wait bool) (*batchRun, error) {
	if o.maxInFlight < 1 {
		return nil, usageError{fmt.Errorf("--max-in-flight must be at least 1, got %d", o.maxInFlight)}
	}
	if _, err := fleet.ParseOnFailure(o.onFailure); err != nil {
		return nil, usageError{fmt.Errorf("--on-failure: %w", err)}
	}
	if err := o.parseLimits(); err != nil {
		return nil, err
	}
	store, err := g.planStore()
	if err != nil {
		return nil, err
	}
	ctx := cmd.Context()
	e, err := g.open(ctx)
	if err != nil {
		return nil, err
	}
	br := &batchRun{g: g, o: o, e: e, store: store, poll: poll, wait: wait,
		out: &printer{w: cmd.OutOrStdout()}, info: &printer{w: cmd.OutOrStdout()}}
	if o.json {
		br.info = &printer{w: cmd.ErrOrStderr()}
	}
	br.hub = e.newHub(fleet.Options{Instances: ids, TaskFast: poll, TaskSlow: 2 * poll,
		Plans: store, Where: g.planWhere(), OnTransition: br.transition})
	// The plan's times (windows, deadlines, elapsed) are on the hub's clock: ECS's.
	br.start = br.hub.Now()
	if err := br.hub.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("listing the instances with pending events: %w", err)
	}
	return br, nil
}

// transition prints one item's change: a JSON line with --json, else a line for people.
func (br *batchRun) setResuming(on bool) {
	br.mu.Lock()
	br.resuming = on
	br.mu.Unlock()
}

func (br *batchRun) transition(t fleet.Transition) {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.o.json {
		line, err := json.Marshal(t)
		if err != nil { // a Transition always marshals; never a panic either
			br.out.printf("{\"error\":%s}\n", safetext.AppendJSONQuote(nil, err.Error()))
			return
		}
		br.out.printf("%s\n", safetext.JSON(line)) // values exact, U+202E and the like as \u escapes
		return
	}
	// One clock for the column: the hub's, when this run saw the change. A task's
	// FinishedTime is on ECS's clock, a submit on the hub's: mixed, the column jumped
	// ("38s submitting", then "23m finished"; tester2's defect 10). An item a resumed
	// plan found ended while nobody followed it ended before this run: "earlier".
	elapsed := model.FormatDuration(br.hub.Now().Sub(br.start))
	if br.resuming {
		elapsed = "earlier"
	}
	line := fmt.Sprintf("%7s  %-24s %-16s", elapsed, t.Instance, t.Status)
	if t.Task != "" {
		line += " task " + t.Task
	}
	if t.Reason != "" {
		line += "  " + t.Reason
	}
	if !t.Due.IsZero() {
		line += "  due " + t.Due.UTC().Format(time.RFC3339) + " (window " + t.Window + ")"
	}
	br.out.printf("%s\n", strings.TrimRight(line, " "))
}

// runBatch plans ids, shows the plan, and runs it when nothing destructive is unconfirmed.
func runBatch(cmd *cobra.Command, g *globalOptions, ids []string, o batchOptions, forceStop, yes, wait bool, poll time.Duration) error {
	br, err := openBatch(cmd, g, o, ids, poll, wait)
	if err != nil {
		return err
	}
	p, err := br.hub.NewPlan(ids, fleet.PlanOptions{MaxInFlight: o.maxInFlight, OnePerZone: o.onePerZone,
		OnFailure: fleet.OnFailure(o.onFailure), ForceStop: forceStop, Identity: g.localIdentity(),
		InWindow: o.inWindow, Margin: o.margin, Limits: br.o.limits})
	if err != nil {
		return usageError{err}
	}
	// When each target goes, and which no window fits, are shown before anything is sent:
	// a plan whose windows could not be read is not started.
	if err := p.Schedule(cmd.Context()); err != nil {
		return fmt.Errorf("reading the targets' maintenance windows (DescribeInstanceMaintenanceAttributes): %w; nothing was sent", err)
	}
	destructive := br.preview(p.Record(), forceStop)
	if err := br.info.Err(); err != nil {
		// Nobody saw what this batch would do: send nothing.
		return err
	}
	rec := p.Record()
	if rec.Ended() {
		return br.allSkipped(rec)
	}
	if destructive && !yes {
		return usageError{errors.New("refused: this batch destroys data (see DATA LOSS above); re-run with --yes if you mean it")}
	}
	return br.run(cmd.Context(), []string{rec.ID}, func() error { return br.hub.Launch(p) })
}

// allSkipped ends a batch whose every target was skipped before anything started: the plan
// is not started (nothing to send), but --json still gets its skipped lines, with their
// reasons, as a plan that started would print them (docs/cli.md).
func (br *batchRun) allSkipped(rec fleet.PlanRecord) error {
	if br.o.json {
		for _, it := range rec.Items {
			br.transition(fleet.Transition{Time: it.Ended, Plan: rec.ID, Instance: it.InstanceID, Status: it.Status, Reason: it.Reason})
		}
		if err := br.out.Err(); err != nil {
			return err
		}
	}
	if len(rec.Items) == 1 {
		return fmt.Errorf("nothing to redeploy: %s is skipped: %s", rec.Items[0].InstanceID, rec.Items[0].Reason)
	}
	return fmt.Errorf("nothing to redeploy: all %d instances are skipped (see above)", len(rec.Items))
}

// preview prints the plan before it starts: its targets in the order they go, the skipped
// ones with their reasons, and every consequence, DATA LOSS first. It reports whether any
// consequence destroys data.
func (br *batchRun) preview(rec fleet.PlanRecord, forceStop bool) (destructive bool) {
	pr := br.info
	now := br.hub.Now()
	targets := 0
	for _, it := range rec.Items {
		if it.Status != fleet.ItemSkipped {
			targets++
		}
	}
	pr.printf("plan %s: %d to redeploy, %d skipped; %s\n", rec.ID, targets, len(rec.Items)-targets, rec.Describe())
	rows := map[string]*fleet.Row{}
	for _, r := range br.hub.Snapshot().Rows {
		rows[r.Inst.ID] = r
	}
	type consequence struct {
		w   model.Warning
		ids []string
	}
	var cons []*consequence
	switch {
	case targets > 0 && rec.InWindow:
		pr.printf("targets, deadline first, each sent only inside its maintenance window (one per deployment set at a time):\n")
	case targets > 0:
		pr.printf("targets, in the order they go (deadline first; one per deployment set at a time):\n")
	}
	for _, it := range rec.Items {
		if it.Status == fleet.ItemSkipped {
			continue
		}
		line := fmt.Sprintf("  %-24s %-20s %-16s %-24s %s", it.InstanceID, orDash(it.Name), orDash(it.ZoneID), orDash(it.DeploymentSetID),
			"deadline "+model.Countdown(it.Deadline, now))
		if rec.InWindow {
			line += "  " + dueWords(it, rec.Margin, now)
		}
		pr.printf("%s\n", line)
		r := rows[it.InstanceID]
		if r == nil {
			continue
		}
		for _, w := range model.Evaluate(r.Inst, now, forceStop).Warnings {
			// Grouped by what is said: two instances wiping different amounts of data
			// each keep their own line.
			i := slices.IndexFunc(cons, func(c *consequence) bool { return c.w.Kind == w.Kind && c.w.Message == w.Message })
			if i < 0 {
				cons = append(cons, &consequence{w: w})
				i = len(cons) - 1
			}
			cons[i].ids = append(cons[i].ids, it.InstanceID)
		}
	}
	if targets < len(rec.Items) {
		pr.printf("skipped:\n")
		for _, it := range rec.Items {
			if it.Status == fleet.ItemSkipped {
				pr.printf("  %-24s %-20s %s\n", it.InstanceID, orDash(it.Name), it.Reason)
			}
		}
	}
	if rec.InWindow {
		pr.printf("%s\n", windowSummary(rec, now))
	}
	// Data loss first, then downtime, then the rest: the worst is read first.
	slices.SortStableFunc(cons, func(a, b *consequence) int { return model.Gravity(a.w) - model.Gravity(b.w) })
	for _, c := range cons {
		mark := "note"
		switch {
		case c.w.Destructive:
			mark, destructive = "DATA LOSS", true
		case c.w.Kind == model.WarnDowntime:
			mark = "downtime"
		}
		pr.printf("%-10s %d of %d: %s\n", mark+":", len(c.ids), targets, c.w.Message)
		pr.printf("           %s\n", strings.Join(c.ids, ", "))
	}
	return destructive
}

// dueWords says when a target of a plan that keeps to windows goes: "due now (window
// 10:00:00–14:00:00 UTC+8)" or "due 2026-11-25T05:00:00Z, in 2h (window …)", and when the
// plan's margin ends its chance before the window does, until when: "… (window …; not
// after 2026-11-25T05:15:00Z, deadline − 30m)".
func dueWords(it fleet.PlanItem, margin time.Duration, now time.Time) string {
	window := " (window " + it.Window + ")"
	if margin > 0 && !it.Deadline.IsZero() && it.DueUntil.Equal(it.Deadline.Add(-margin)) {
		window = " (window " + it.Window + "; not after " + it.DueUntil.UTC().Format(time.RFC3339) + ", deadline − " + model.FormatDuration(margin) + ")"
	}
	switch {
	case it.Due.IsZero():
		return "due: window not read yet"
	case !it.Due.After(now):
		return "due now" + window
	}
	return "due " + it.Due.UTC().Format(time.RFC3339) + ", " + model.Countdown(it.Due, now) + window
}

// windowSummary is a plan's windows in one line: how many go now, how many wait (and
// when the first window opens), and how many no window fits before the cut (the deadline
// less the plan's margin).
func windowSummary(rec fleet.PlanRecord, now time.Time) string {
	var dueNow, waiting, none int
	var first time.Time
	for _, it := range rec.Items {
		switch {
		case it.Status == fleet.ItemSkipped && strings.HasPrefix(it.Reason, "no maintenance window"):
			none++
		case it.Status != fleet.ItemQueued:
		case !it.Due.IsZero() && !it.Due.After(now):
			dueNow++
		default:
			waiting++
			if !it.Due.IsZero() && (first.IsZero() || it.Due.Before(first)) {
				first = it.Due
			}
		}
	}
	line := fmt.Sprintf("in window: %d due now, %d wait for their window", dueNow, waiting)
	if !first.IsZero() {
		line += " (the first opens " + first.UTC().Format(time.RFC3339) + ", " + model.Countdown(first, now) + ")"
	}
	by := "the deadline"
	if rec.Margin > 0 {
		by += " − " + model.FormatDuration(rec.Margin)
	}
	return line + fmt.Sprintf(", %d left for a person (no window fits before %s; see skipped)", none, by)
}

// run starts the hub's loops, then start (the hub takes the plans), and waits until every
// plan of ids is where the flags say to stop: without --wait once every target was sent,
// with --wait once every one has ended; either way a paused or aborted plan with nothing
// in flight. Then the hub drains: a call still out answers before the process ends, so
// its audit result line is written and the plan saved, and nothing more is sent (what is
// left stays saved for --resume).
func (br *batchRun) run(ctx context.Context, ids []string, start func() error) error {
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	hubDone := make(chan struct{})
	sub := br.hub.Subscribe(hubCtx)
	go func() { br.hub.Run(hubCtx); close(hubDone) }()
	runErr := start()
	for runErr == nil && !br.stopped(br.hub.Snapshot(), ids) {
		select {
		case <-ctx.Done():
			runErr = ctx.Err()
		case <-sub.C():
		}
	}
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	runErr = errors.Join(runErr, br.hub.Drain(drainCtx))
	stopHub()
	<-hubDone
	var errs []error
	for _, st := range br.hub.Plans() {
		if slices.Contains(ids, st.ID) {
			errs = append(errs, br.report(st, runErr))
		}
	}
	if len(errs) == 0 {
		return runErr
	}
	return errors.Join(errs...)
}

// stopped reports whether every plan of ids has gone as far as this run follows it.
func (br *batchRun) stopped(s *fleet.Snapshot, ids []string) bool {
	seen := 0
	for i := range s.Plans {
		st := &s.Plans[i]
		if !slices.Contains(ids, st.ID) {
			continue
		}
		seen++
		if !st.Settled && (br.wait || st.Summary.Queued > 0) {
			return false
		}
	}
	return seen == len(ids)
}

// report prints what the plan did and what is left, and decides the exit status: 0 only
// when every instance finished (with --wait), or was sent and none failed (without).
func (br *batchRun) report(st fleet.PlanStatus, runErr error) error {
	rec, s := st.PlanRecord, st.Summary
	info := br.out
	if br.o.json {
		info = br.info
	}
	var running []fleet.PlanItem
	for _, it := range rec.Items {
		if it.Status.InFlight() {
			running = append(running, it)
		}
	}
	info.printf("plan %s %s: %s\n", rec.ID, rec.Phase, s)
	if rec.Stopped != "" {
		info.printf("stopped: %s\n", rec.Stopped)
	}
	for _, it := range running {
		info.printf("still running: %s task %s\n", it.InstanceID, orDash(it.TaskID))
	}
	if !rec.Ended() && rec.Phase != fleet.PhaseAborted && br.store != nil {
		// With the flags that chose the account and scope: without them the pasted
		// command asks another account, or no region at all.
		info.printf("follow or continue it with: %s (plan %s, kept in %s)\n",
			withFlags("ecs-redeploy redeploy --resume --wait", br.g.scopeFlags()), rec.ID, br.store.Dir)
	}
	if err := errors.Join(br.out.Err(), br.info.Err()); err != nil {
		return err
	}
	if errors.Is(runErr, context.Canceled) {
		msg := fmt.Sprintf("plan %s: interrupted: nothing more is sent", rec.ID)
		switch {
		case rec.Ended():
		case br.store == nil:
			msg += "; a plan of the built-in simulator is not kept, so it ends here"
		default:
			msg += "; the rest is kept for redeploy --resume"
		}
		return interrupted{msg: msg, err: runErr}
	}
	if runErr != nil {
		return fmt.Errorf("plan %s: %w", rec.ID, runErr)
	}
	ok := s.Failed == 0 && s.Skipped == 0 && s.Queued == 0
	if br.wait {
		ok = ok && s.InFlight == 0
	}
	if !ok {
		return fmt.Errorf("plan %s: %s", rec.ID, s)
	}
	return nil
}

// runResume picks up the unfinished plans of the state directory, reconciles them
// through DescribeTasks, and runs them on.
func runResume(cmd *cobra.Command, g *globalOptions, o batchOptions, wait bool, poll time.Duration) error {
	if g.demoMode() {
		return usageError{errors.New("--resume: a plan of the built-in simulator (--demo) is not kept; resume plans against the account they were made for")}
	}
	br, err := openBatch(cmd, g, o, nil, poll, wait)
	if err != nil {
		return err
	}
	where, who := g.planWhere(), g.localIdentity()
	// The header of each plan first: resuming reconciles the items that were in flight
	// through DescribeTasks, and says how each ended (OnTransition) before the hub runs
	// the plan; those lines came before the header (tester2's defect 10).
	recs, err := br.store.Unfinished()
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.Where == where {
			br.info.printf("resuming plan %s (%s), created %s\n", rec.ID, rec.Describe(), rec.Created.UTC().Format(time.RFC3339))
		}
	}
	br.setResuming(true)
	others, n, err := br.hub.ResumePlans(cmd.Context(), who)
	br.setResuming(false)
	for _, rec := range others {
		br.info.printf("plan %s was made against %s, not %s: resume it with the same --endpoint and --profile\n", rec.ID, rec.Where, where)
	}
	if n == 0 && err == nil {
		br.info.printf("no unfinished plan for %s in %s\n", where, br.store.Dir)
		return br.info.Err()
	}
	errs := []error{err}
	var ids []string
	for _, st := range br.hub.Plans() {
		ids = append(ids, st.ID)
	}
	errs = append(errs, br.run(cmd.Context(), ids, func() error {
		// Asked for by whoever runs --resume: a paused plan goes on.
		var errs []error
		for _, st := range br.hub.Plans() {
			if st.Phase == fleet.PhasePaused {
				if err := br.hub.AnswerPlan(who, st.ID, true); err != nil {
					errs = append(errs, err)
				}
			}
		}
		return errors.Join(errs...)
	}))
	return errors.Join(errs...)
}

// demoMode reports whether the commands run on the in-process simulator.
func (g *globalOptions) demoMode() bool { return g.Demo || g.Scenario != "" }

// planWhere names the account a plan runs against: the endpoint and the profile, as the
// flags and the environment give them.
func (g *globalOptions) planWhere() string {
	ep := g.Endpoint
	if ep == "" {
		ep = os.Getenv(aliyun.EnvEndpoint)
	}
	if ep == "" {
		ep = "the ECS API"
	}
	prof := g.Profile
	if prof == "" {
		prof = os.Getenv(aliyun.EnvProfile)
	}
	if prof == "" {
		return ep
	}
	return ep + ", profile " + prof
}

// interrupted is a run stopped by ctrl+c or a signal: its words say what became of the
// plan instead of the context's "context canceled"; errors.Is still finds the cause.
type interrupted struct {
	msg string
	err error
}

func (e interrupted) Error() string { return e.msg }
func (e interrupted) Unwrap() error { return e.err }
