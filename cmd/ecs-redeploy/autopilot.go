package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	// A policy's time_zone may name a zone (Asia/Shanghai) on a host without a zone
	// database: the binary carries its own (about 450 KB).
	_ "time/tzdata"

	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/autopilot"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/notify"
	"ecs-redeploy/model"
	"ecs-redeploy/model/policy"
	"ecs-redeploy/model/safetext"
)

type autopilotOptions struct {
	policy  string
	dryRun  bool
	horizon time.Duration
	assume  time.Duration
	json    bool
	every   time.Duration
	notify  notifyFlags
}

func newAutopilotCmd(g *globalOptions) *cobra.Command {
	o := autopilotOptions{}
	cmd := &cobra.Command{
		Use:   "autopilot --policy FILE",
		Short: "Redeploy by itself what a policy file names, inside its windows and bounds",
		Long: `Run the autopilot headless: every --every it looks at the fleet, and for each rule of the
policy (docs/autopilot.md) starts a plan of the instances due now, within the rule's bounds,
as the identity autopilot:<policy name>. It pauses at the first failure. SIGHUP reloads the
policy (one that does not parse is refused and the last good one stays in force);
SIGINT or SIGTERM stops it, with the plans saved for the next start.

--dry-run prints the timeline it would follow on the fleet as it is now, and sends nothing.`,
		Example: `  ecs-redeploy autopilot --policy policy.yaml --dry-run --horizon 48h
  ecs-redeploy autopilot --policy policy.yaml --dry-run --json
  ecs-redeploy autopilot --policy policy.yaml --audit-log audit.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.policy == "" {
				return usageError{errors.New("--policy FILE is required (see docs/autopilot.md)")}
			}
			if o.horizon <= 0 || o.assume <= 0 || o.every <= 0 {
				return usageError{errors.New("--horizon, --assume and --every must be above 0")}
			}
			// A dry run's flags without --dry-run are a dry run the user meant: running
			// the autopilot for real instead would redeploy what they only wanted to see.
			if !o.dryRun {
				for _, name := range []string{"json", "horizon", "assume"} {
					if cmd.Flags().Changed(name) {
						return usageError{fmt.Errorf("--%s goes with --dry-run: add --dry-run to see the timeline (without it the autopilot runs and redeploys)", name)}
					}
				}
			}
			pol, err := loadPolicy(cmd.ErrOrStderr(), o.policy)
			if err != nil {
				return err
			}
			if o.dryRun {
				return runDryRun(cmd, g, pol, o)
			}
			if g.ReadOnly {
				return usageError{errors.New("--read-only: the autopilot redeploys; add --dry-run to only look")}
			}
			return runAutopilot(cmd, g, pol, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.policy, "policy", "", "the policy file (YAML; docs/autopilot.md)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the timeline it would follow, and send nothing")
	f.DurationVar(&o.horizon, "horizon", 24*time.Hour, "dry run: how far ahead the timeline goes")
	f.DurationVar(&o.assume, "assume", autopilot.DefaultAssume, "dry run: how long each redeploy is taken to last")
	f.BoolVar(&o.json, "json", false, "dry run: print JSON (shape in docs/autopilot.md)")
	f.DurationVar(&o.every, "every", autopilot.DefaultEvery, "how often the autopilot looks at the fleet")
	o.notify.add(f)
	return cmd
}

// runDryRun lists the fleet once and prints the timeline.
func runDryRun(cmd *cobra.Command, g *globalOptions, pol *policy.Policy, o autopilotOptions) error {
	ctx := cmd.Context()
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	h := e.newHub(fleet.Options{})
	if err := h.Refresh(ctx); err != nil {
		return fmt.Errorf("listing the instances with pending events: %w", err)
	}
	tl := autopilot.DryRun(ctx, h, pol, o.horizon, o.assume)
	if o.json {
		b, err := json.MarshalIndent(tl, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", safetext.JSON(b))
		return err
	}
	return writeTimeline(cmd.OutOrStdout(), tl)
}

// writeTimeline prints a timeline for people: names and reasons from the API made safe.
func writeTimeline(w io.Writer, tl autopilot.Timeline) error {
	pr := &printer{w: w}
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	pr.printf("%s (%s): from %s to %s, each redeploy taken to last %s\n", tl.Autopilot, safetext.Terminal(tl.Policy),
		day(tl.From), day(tl.Until), model.FormatDuration(time.Duration(tl.AssumeSeconds)*time.Second))
	step := func(s autopilot.Step) {
		line := fmt.Sprintf("  %s  %-24s %-20s rule %-18s %-28s deadline %s", day(s.At), s.InstanceID, orDash(safetext.Terminal(s.Name)),
			safetext.Terminal(s.Rule), s.EventType, day(s.Deadline))
		if s.Window != "" {
			line += ", window " + s.Window
		}
		if s.Waited != "" {
			line += "; waited: " + safetext.Terminal(s.Waited)
		}
		pr.printf("%s\n", line)
	}
	if len(tl.Redeploys) == 0 {
		pr.printf("redeploys: none within the horizon\n")
	} else {
		pr.printf("redeploys, in order (%d):\n", len(tl.Redeploys))
	}
	for _, s := range tl.Redeploys {
		step(s)
	}
	if len(tl.Later) > 0 {
		pr.printf("after the horizon (%d):\n", len(tl.Later))
		for _, s := range tl.Later {
			step(s)
		}
	}
	if len(tl.Left) > 0 {
		pr.printf("left to humans (%d):\n", len(tl.Left))
		for _, l := range tl.Left {
			rule := ""
			if l.Rule != "" {
				rule = "rule " + safetext.Terminal(l.Rule) + ": "
			}
			pr.printf("  %-24s %s%s\n", l.InstanceID, rule, safetext.Terminal(l.Reason))
		}
	}
	return pr.Err()
}

// runAutopilot runs the autopilot headless until SIGINT or SIGTERM: the hub's loops, the
// plans it left unfinished resumed, SIGHUP reloading the policy, then a drain.
func runAutopilot(cmd *cobra.Command, g *globalOptions, pol *policy.Policy, o autopilotOptions) error {
	ctx := cmd.Context()
	store, err := g.planStore()
	if err != nil {
		return err
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	out := &printer{w: cmd.OutOrStdout()}
	var outMu sync.Mutex
	h := e.newHub(fleet.Options{Plans: store, Where: g.planWhere(), Logger: logger, OnTransition: func(t fleet.Transition) {
		outMu.Lock()
		defer outMu.Unlock()
		out.printf("%s  plan %s  %-24s %s %s %s\n", t.Time.UTC().Format(time.RFC3339), t.Plan, t.Instance, t.Status, t.Task, safetext.Terminal(t.Reason))
	}})
	if _, _, err := h.ResumePlans(ctx, backend.Identity{}); err != nil {
		return fmt.Errorf("resuming the unfinished plans: %w", err)
	}
	notifier, err := o.notify.notifier(logger)
	if err != nil {
		return err
	}
	if notifier != nil {
		drain := runNotifier(ctx, notifier, h, func(line string) { logger.Warn(line) })
		defer drain(5 * time.Second)
	}
	var ap *autopilot.Autopilot
	opt := autopilot.Options{Policy: pol, Logger: logger, Every: g.autopilotEvery(o.every), State: autopilotState(store, pol),
		OnNotice: pauseNotices(notifier, e.Now, func() *autopilot.Autopilot { return ap }, func(kind, text string) {
			outMu.Lock()
			defer outMu.Unlock()
			out.printf("%s  %s  %s\n", e.Now().UTC().Format(time.RFC3339), kind, safetext.Terminal(text))
		})}
	ap, err = autopilot.New(h, opt)
	if err != nil {
		return err
	}
	logAutopilotStart(logger, ap, pol, pol.File,
		"this headless run has no console: resume it in `"+withFlags("ecs-redeploy serve --policy "+safetext.Log(shellQuote(pol.File)), g.scopeFlags())+
			"` on the same state directory (:autopilot resume), then start it again")
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	hubDone := make(chan struct{})
	go func() { h.Run(hubCtx); close(hubDone) }()
	if err := h.Refresh(ctx); err != nil && !errors.Is(err, fleet.ErrBusy) {
		logger.Warn("first listing failed; the hub retries", "err", safetext.Log(err.Error()))
	}
	apDone := make(chan struct{})
	go func() { ap.Run(ctx); close(apDone) }()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-hup:
			reloadPolicy(ap, o.policy, logger)
		}
	}
	<-apDone
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err = h.Drain(drainCtx)
	stopHub()
	<-hubDone
	return err
}

// reloadPolicy reads the policy file again: a good one is put in force, a bad one is
// refused and said, and the last good one stays. Each mistake of a refused file is its own
// log line (a log reader greps them, and a multi-line value is escaped into one), and the
// autopilot is told them on one line, which every console shows whole in its log (L).
func reloadPolicy(ap *autopilot.Autopilot, path string, logger *slog.Logger) {
	pol, err := policy.Load(path)
	if err == nil {
		ap.Reload(pol)
		return
	}
	var pe *policy.Error
	if !errors.As(err, &pe) || len(pe.Problems) < 2 {
		ap.ReloadFailed(err)
		return
	}
	n := len(pe.Problems)
	// A screenful, as on the command line: a file that is not a policy at all would
	// otherwise write one log line for each of its lines.
	for i, p := range pe.Problems[:min(n, maxPolicyLines)] {
		logger.Error("autopilot policy mistake", "n", i+1, "of", n, "mistake", safetext.Log(p))
	}
	ap.ReloadFailed(policyMistakes{pe})
}

// maxNoticeMistakes is how many of a refused policy's mistakes the one-line notice names.
const maxNoticeMistakes = 5

// policyMistakes is a policy's mistakes on one line, "3 mistakes: policy.yaml:4: …; …".
type policyMistakes struct{ err *policy.Error }

func (e policyMistakes) Error() string {
	ps := e.err.Problems
	if len(ps) > maxNoticeMistakes {
		ps = append(ps[:maxNoticeMistakes:maxNoticeMistakes], fmt.Sprintf("… and %d more (the server log has the first %d)", len(e.err.Problems)-maxNoticeMistakes, maxPolicyLines))
	}
	return fmt.Sprintf("%d mistakes: %s", len(e.err.Problems), strings.Join(ps, "; "))
}

func (e policyMistakes) Unwrap() error { return e.err }

// startServeAutopilot starts the autopilot of the policy file under serve, when one is
// given: it runs on the hub's context, every session sees it, any operator pauses it.
func startServeAutopilot(ctx context.Context, g *globalOptions, h *fleet.Hub, path string, logger *log.Logger, stderr io.Writer, n *notify.Notifier) (*autopilot.Autopilot, error) {
	if path == "" {
		return nil, nil
	}
	pol, err := loadPolicy(stderr, path)
	if err != nil {
		return nil, err
	}
	store, err := g.planStore()
	if err != nil {
		return nil, err
	}
	var ap *autopilot.Autopilot
	opt := autopilot.Options{Policy: pol, Logger: slog.New(logger), Every: g.autopilotEvery(autopilot.DefaultEvery), State: autopilotState(store, pol),
		OnNotice: pauseNotices(n, h.Now, func() *autopilot.Autopilot { return ap }, nil)}
	ap, err = autopilot.New(h, opt)
	if err != nil {
		return nil, err
	}
	logAutopilotStart(slog.New(logger), ap, pol, path, "an operator resumes it from any console (:autopilot resume)")
	go ap.Run(ctx)
	return ap, nil
}

// logAutopilotStart says in the log how the autopilot starts (serve's and the headless
// autopilot's): running (INFO), or paused (WARN), why, and what resumes it, since the
// journal is where whoever restarted it looks (docs/autopilot.md, across a restart).
func logAutopilotStart(logger *slog.Logger, ap *autopilot.Autopilot, pol *policy.Policy, path, resume string) {
	kv := []any{"name", safetext.Log(pol.Identity()), "policy", safetext.Log(path), "rules", len(pol.Rules)}
	paused, because, why := ap.Started()
	if !paused {
		logger.Info("autopilot starts running", kv...)
		return
	}
	logger.Warn("autopilot starts paused: it sends nothing until it is resumed",
		append(kv, "because", because, "why", safetext.Log(why), "resume", resume)...)
}

// autopilotState is the file the autopilot of pol keeps its pause and failures in across
// restarts, beside the plans (autopilot.Options.State); "" without a state directory (the
// demo).
func autopilotState(store *fleet.PlanStore, pol *policy.Policy) string {
	if store == nil {
		return ""
	}
	return filepath.Join(store.Dir, "autopilot-"+pol.Name+".json")
}

// autopilotEvery is how often the autopilot looks, on the wall clock: every, or on an
// accelerated simulator (--sim-speed) as often in the simulator's time (at least every
// 100 ms), so that a window is not crossed between two looks.
func (g *globalOptions) autopilotEvery(every time.Duration) time.Duration {
	if !g.demoMode() || g.SimSpeed <= 1 {
		return every
	}
	return max(time.Duration(float64(every)/g.SimSpeed), 100*time.Millisecond)
}

// maxPolicyLines is how many of a policy's mistakes are printed: a screenful.
const maxPolicyLines = 20

// loadPolicy reads the policy file. Its mistakes are printed to w, one line each with
// file and line (each made safe for the terminal, as every error line is), and the error
// counts them: a usage mistake.
func loadPolicy(w io.Writer, path string) (*policy.Policy, error) {
	pol, err := policy.Load(path)
	var pe *policy.Error
	if errors.As(err, &pe) {
		// Every mistake up to a screenful; a file that is not a policy at all would
		// otherwise print one line for each of its lines.
		shown := pe.Problems[:min(len(pe.Problems), maxPolicyLines)]
		for _, line := range shown {
			if _, err := fmt.Fprintln(w, safetext.Terminal(line)); err != nil {
				return nil, err
			}
		}
		if more := len(pe.Problems) - len(shown); more > 0 {
			if _, err := fmt.Fprintf(w, "… and %d more\n", more); err != nil {
				return nil, err
			}
		}
		return nil, usageError{fmt.Errorf("%s: %d mistake(s), each on a line above; fix them and run again (docs/autopilot.md)", path, len(pe.Problems))}
	}
	if err != nil {
		return nil, usageError{err}
	}
	return pol, nil
}

// pauseNotices is the autopilot's OnNotice: its pause goes to the webhook as
// notify.AutopilotPaused (with --notify; the notifier's own watcher tells the rest: plans
// paused or failed, outcomes unknown), and every notice to next (nil: none). ap is the
// autopilot, once made.
func pauseNotices(n *notify.Notifier, now func() time.Time, ap func() *autopilot.Autopilot, next func(kind, text string)) func(kind, text string) {
	return func(kind, text string) {
		if next != nil {
			next(kind, text)
		}
		if n == nil || kind != autopilot.NoticePaused || ap() == nil {
			return
		}
		a := ap()
		why := text
		if paused, w := a.Paused(); paused {
			why = strings.TrimPrefix(w, "paused ")
		}
		n.Post(notify.AutopilotPaused(strings.TrimPrefix(a.Identity().Name, "autopilot:"), why, now()))
	}
}
