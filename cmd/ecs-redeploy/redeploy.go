package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/taskwait"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

func newRedeployCmd(g *globalOptions) *cobra.Command {
	var forceStop, yes, wait bool
	var poll, waitTimeout time.Duration
	var bo batchOptions
	var follow string
	cmd := &cobra.Command{
		Use:   "redeploy INSTANCE_ID… | --from-file F | - | --resume | --follow TASK",
		Short: "Redeploy instances to other hosts (RedeployInstance), one or a batch in waves",
		Long: `Redeploy instances with a pending system event to other physical hosts.

One INSTANCE_ID: it checks the instance first and refuses what the API would refuse, with
the API's error code. A destructive redeploy (local disks are wiped, or --force-stop) needs
--yes. With --wait it follows the task to the end and exits 0 only when it Finished.

Several ids, --from-file F, or - (ids on standard input): a batch, run as a plan in waves:
at most --max-in-flight at once, never two instances of one deployment set at once,
with --one-per-zone never two of one zone, deadline first. It lists the targets, the
skipped instances with their reasons and every consequence (DATA LOSS first) before
anything is sent; any destructive case needs --yes. On a failure it aborts the rest
(--on-failure abort), or stops and keeps the rest for --resume (pause), or goes on
(continue). The plan and its tasks are kept in $XDG_STATE_HOME/ecs-redeploy; after an
interruption, --resume reconciles them through DescribeTasks and goes on, never sending a
redeploy twice. Without --wait it ends once every target was sent; with --wait it exits 0
only when every instance Finished. --json prints one JSON line per change (instance,
task, status, time).

--in-window sends each instance only inside its maintenance window
(DescribeInstanceMaintenanceAttributes) and --margin (30m) before its event's deadline at
the latest, so the redeploy (minutes) ends before the platform acts: the plan lists when
each target is due before anything is sent, and leaves to a person, with the reason, each
one that has no window, or no window before that cut. It waits for the windows
(ctrl+c keeps the plan for --resume). --max-per KEY=N (repeatable) keeps at most N
redeploys in flight at once among instances sharing a value: app=1 for the tag app,
host=1 and rack=1 for the event's physical host and rack, tag:host=1 for a tag named host;
every redeploy this process knows of counts, not only the batch's.`,
		Example: `  ecs-redeploy redeploy --demo --sim-speed 60 i-bp1abc... --wait
  ecs-redeploy redeploy i-bp1abc... --region cn-hangzhou --yes --wait
  ecs-redeploy redeploy --from-file kafka.txt --max-in-flight 2 --one-per-zone --yes --wait --json
  ecs-redeploy redeploy --from-file web.txt --in-window --max-per app=1 --max-per rack=2 --wait
  ecs-redeploy redeploy --resume --wait
  ecs-redeploy redeploy --follow t-bp1abc... --region cn-hangzhou`,
		Args: func(c *cobra.Command, args []string) error {
			if follow != "" && (len(args) > 0 || bo.fromFile != "" || bo.resume) {
				return usageError{errors.New("--follow TASK takes no instance ids: it follows one task that is already running")}
			}
			if len(args) == 0 && bo.fromFile == "" && !bo.resume && follow == "" {
				return usageError{errors.New("redeploy needs an INSTANCE_ID (several, --from-file F or - for a batch); list them with " + g.listCommand(""))}
			}
			if bo.resume && (len(args) > 0 || bo.fromFile != "") {
				return usageError{errors.New("--resume takes no instance ids: it goes on with the saved plans")}
			}
			margin := c.Flags().Changed("margin")
			if (bo.resume || follow != "") && (bo.inWindow || len(bo.maxPer) > 0 || margin) {
				return usageError{errors.New("--in-window, --margin and --max-per shape a new batch; --resume and --follow keep the rules a plan was saved with: drop them")}
			}
			if margin && !bo.inWindow {
				return usageError{errors.New("--margin is how long before the deadline a plan that keeps to windows stops sending: give it with --in-window, or drop it")}
			}
			if bo.margin < 0 {
				return usageError{fmt.Errorf("--margin must not be negative, got %s (0 sends up to the deadline)", bo.margin)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if poll < 100*time.Millisecond {
				return usageError{fmt.Errorf("--poll must be at least 100ms, got %s", poll)}
			}
			if waitTimeout < poll {
				return usageError{fmt.Errorf("--wait-timeout must be at least --poll (%s), got %s", poll, waitTimeout)}
			}
			if bo.resume {
				return runResume(cmd, g, bo, wait, poll)
			}
			if follow != "" {
				return runFollow(cmd, g, follow, poll, waitTimeout)
			}
			if err := bo.parseLimits(); err != nil {
				// Before anything is opened: a bad --max-per is a usage mistake, whatever else.
				return err
			}
			// The batch flags are checked for one id too: a mistyped --on-failure was
			// taken silently and the redeploy sent.
			if bo.maxInFlight < 1 {
				return usageError{fmt.Errorf("--max-in-flight must be at least 1, got %d", bo.maxInFlight)}
			}
			if _, err := fleet.ParseOnFailure(bo.onFailure); err != nil {
				return usageError{fmt.Errorf("--on-failure: %w", err)}
			}
			if len(args) != 1 || args[0] == "-" || bo.fromFile != "" || bo.json || bo.inWindow || len(bo.limits) > 0 {
				ids, err := readTargets(args, bo.fromFile, cmd.InOrStdin())
				if err != nil {
					return err
				}
				return runBatch(cmd, g, ids, bo, forceStop, yes, wait, poll)
			}
			return runSingle(cmd, g, args[0], forceStop, yes, wait, poll, waitTimeout)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&forceStop, "force-stop", false, "stop a Running instance forcibly, like pulling the power (data not yet on disk is lost)")
	f.BoolVarP(&yes, "yes", "y", false, "confirm a destructive redeploy (local disks wiped, or --force-stop)")
	f.BoolVar(&wait, "wait", false, "follow the task until it ends; exit 0 only when it Finished")
	f.DurationVar(&poll, "poll", 2*time.Second, "with --wait: how often to ask for the task status")
	f.DurationVar(&waitTimeout, "wait-timeout", 30*time.Minute, "with --wait: how long to follow the task, through API failures, before giving up on following (the redeploy goes on)")
	f.StringVar(&bo.fromFile, "from-file", "", "batch: read instance ids from this file (one or more a line, # comments; - for standard input)")
	f.IntVar(&bo.maxInFlight, "max-in-flight", fleet.DefaultMaxInFlight, "batch: at most this many redeploys at once")
	f.BoolVar(&bo.onePerZone, "one-per-zone", false, "batch: never two redeploys in one zone at once")
	f.StringVar(&bo.onFailure, "on-failure", string(fleet.FailureAbort), "batch: on the first failure, abort the rest, pause (keep them for --resume), or continue")
	f.BoolVar(&bo.inWindow, "in-window", false, "batch: send each instance only inside its maintenance window and --margin before its deadline at the latest; one no window fits is left for a person")
	f.DurationVar(&bo.margin, "margin", fleet.DefaultMargin, "with --in-window: send nothing later than this before the deadline (a redeploy takes minutes; the autopilot's default)")
	f.StringArrayVar(&bo.maxPer, "max-per", nil, "batch: at most N redeploys at once per value of KEY (repeatable): app=1 (tag app), host=1, rack=1 (the event's host or rack), tag:host=1 (a tag named host)")
	f.BoolVar(&bo.json, "json", false, "batch: print one JSON line per change (instance, task, status, time); the plan goes to stderr")
	f.BoolVar(&bo.resume, "resume", false, "go on with the unfinished plans of the state directory, reconciled through DescribeTasks first")
	f.StringVar(&follow, "follow", "", "follow the redeploy task TASK (started here, elsewhere, or by a console that quit) until it ends")
	return cmd
}

// runSingle redeploys one instance through the hub, as the console's dialog does: the same
// gate (refused while a redeploy of it is under way anywhere, naming the task and who
// started it, or while the last one's outcome is unknown), the same send lock, guard and
// audit, and a drain before the process ends.
func runSingle(cmd *cobra.Command, g *globalOptions, id string, forceStop, yes, wait bool, poll, waitTimeout time.Duration) error {
	ctx := cmd.Context()
	// Before anything is opened or sent: an empty or malformed id reaches the API as no
	// filter, and the answer's first instance is someone else's.
	if err := backend.CheckInstanceID(id); err != nil {
		return usageError{fmt.Errorf("redeploy: %w", err)}
	}
	store, err := g.planStore()
	if err != nil {
		return err
	}
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	h := e.newHub(fleet.Options{Instances: []string{id}, Plans: store, Where: g.planWhere()})
	if err := h.Refresh(ctx); err != nil {
		return fmt.Errorf("looking up %s: %w", id, err)
	}
	// A call still out when this returns (ctrl+c while waiting for its answer) answers
	// before the process ends, so its audit result line is written.
	defer func() {
		drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_ = h.Drain(drainCtx) // what is left unanswered was said already (ErrDetached)
	}()
	r := findRow(h.Snapshot(), id)
	if r == nil {
		return fmt.Errorf("%s has no pending system event in %s (or does not exist); list them with %s", id, scopeName(e.Regions), g.listCommand(""))
	}
	in := r.Inst
	now := e.Now()
	pr := &printer{w: cmd.OutOrStdout()}
	pr.printf("%s (%s) in %s, %s, %s\n", in.ID, in.Name, in.ZoneID, in.InstanceType, in.Status)
	if ev := in.ShownEvent(); ev != nil {
		pr.printf("event: %s %s, deadline %s (%s)\n", ev.Type, ev.CycleStatus,
			ev.NotBefore.UTC().Format(time.RFC3339), model.Countdown(ev.NotBefore, now))
	}
	if r.InProgress {
		// Before the status: an instance a redeploy moves is Stopping or Starting, and
		// "IncorrectInstanceStatus" would hide the task that moves it.
		// DescribeTasks names the task as the backend's own check would, and the audit
		// log, a saved plan or this machine's send lock who started it.
		if ip, err := h.InProgress(ctx, in.RegionID, in.ID); err == nil && ip != nil {
			ip.StartedBy, ip.StartedFrom = g.starterOf(in.ID, ip.TaskID)
			if by := r.StartedBy; ip.StartedBy == "" && !by.Elsewhere && by.Identity.Name != "" {
				ip.StartedBy, ip.StartedFrom = by.String(), "this machine's send lock"
			}
			return fmt.Errorf("refused: %w; %w", fleet.ErrInProgress, ip)
		}
		err := fmt.Errorf("refused: %w (%s)", fleet.ErrInProgress, r.Underway())
		if r.Task != nil {
			err = fmt.Errorf("%w; follow it: %s", err, withFlags("ecs-redeploy redeploy --follow "+r.Task.ID+" --region "+r.Task.RegionID, g.accountFlags()))
		}
		return err
	}
	el := model.Evaluate(in, now, forceStop)
	if !el.Allowed {
		for _, b := range el.Blocks[1:] {
			pr.printf("also: %s: %s\n", b.Code, b.Message)
		}
		// A status a redeploy causes (Stopping, Starting) the hub did not learn a task of
		// (its listing of Processing tasks failed): DescribeTasks names it.
		if err := g.inProgress(ctx, h, in); err != nil {
			return err
		}
		b := el.Blocks[0]
		if b.Next != "" {
			return fmt.Errorf("refused: %s: %s; next: %s", b.Code, b.Message, b.Next)
		}
		return fmt.Errorf("refused: %s: %s", b.Code, b.Message)
	}
	for _, w := range el.Warnings {
		mark := "note"
		if w.Destructive {
			mark = "DATA LOSS"
		}
		pr.printf("%-9s %s\n", mark+":", w.Message)
	}
	if err := pr.Err(); err != nil {
		// Nobody saw what this redeploy would do: send nothing.
		return err
	}
	if el.Destructive() && !yes {
		// A refusal, not a usage mistake: exit 1, as every refusal (README).
		return errors.New("refused: this redeploy destroys data (see DATA LOSS above); re-run with --yes if you mean it")
	}
	ref, err := h.Redeploy(ctx, backend.RedeployRequest{
		RegionID: in.RegionID, InstanceID: in.ID, ForceStop: forceStop, Identity: g.localIdentity(),
	})
	if err != nil && (ref.TaskID == "" || !errors.Is(err, backend.ErrAuditResult)) {
		return fmt.Errorf("redeploy %s: %w", in.ID, err)
	}
	// The redeploy started but its audit result line could not be written: say
	// which task it is, then fail on the audit error.
	auditErr := err
	switch {
	case ref.Reconciled && ref.RequestID == "":
		pr.printf("started task %s (the reply was lost; found the task through DescribeTasks)\n", ref.TaskID)
	case ref.Reconciled:
		pr.printf("started task %s (RequestId %s; the reply was lost; found the task through DescribeTasks)\n", ref.TaskID, ref.RequestID)
	default:
		pr.printf("started task %s (RequestId %s)\n", ref.TaskID, ref.RequestID)
	}
	if auditErr != nil {
		return fmt.Errorf("redeploy %s: %w", in.ID, auditErr)
	}
	if !wait {
		return pr.Err()
	}
	if err := followTask(ctx, h, ref, poll, waitTimeout, pr); err != nil {
		return err
	}
	pr.printf("redeployed: %s is Running on a new host; its event is Avoided\n", in.ID)
	return pr.Err()
}

// findRow is instance id's row in s, or nil. An answer is matched to the id that was asked
// for, never taken by position: an instance nobody named is never a target.
func findRow(s *fleet.Snapshot, id string) *fleet.Row {
	for _, r := range s.Rows {
		if r.Inst.ID == id {
			return r
		}
	}
	return nil
}

func scopeName(regions []string) string {
	if len(regions) == 0 {
		return "any region"
	}
	return fmt.Sprint(regions)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// localIdentity is the local user, as user@host for the audit trail: an operator, or a
// viewer with --read-only (the guard below the hub enforces it).
func (g *globalOptions) localIdentity() backend.Identity {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	role := backend.RoleOperator
	if g.ReadOnly {
		role = backend.RoleViewer
	}
	return backend.Identity{Name: name + "@" + host, Role: role}
}

// followTask follows ref's task with taskwait until it ends, printing each change; the
// error says how it ended when it did not finish.
func followTask(ctx context.Context, h *fleet.Hub, ref backend.TaskRef, poll, waitTimeout time.Duration, pr *printer) error {
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	start := h.Now()
	retries := &taskwait.Retries{W: printerWriter{pr}, TTY: isTerminal(pr.w)}
	final, err := h.FollowTask(ctx, ref, ticker.C, waitTimeout, func(p taskwait.Progress) {
		elapsed := model.FormatDuration(p.At.Sub(start))
		if p.Err != nil {
			// Text from the wire, shown safe (safetext.Terminal) as printf shows it.
			_ = retries.Failed(p.At.Sub(start), safetext.Terminal(p.Err.Error())) // a write error is kept by pr
			return
		}
		_ = retries.End()
		status := p.Status
		if p.Task.Status == model.TaskFinished {
			status = model.StatusRunning
		}
		pr.printf("%7s  task %-10s instance %s\n", elapsed, p.Task.Status, orDash(string(status)))
	})
	_ = retries.End()
	if err != nil {
		return err
	}
	if final.Status != model.TaskFinished {
		return fmt.Errorf("task %s %s: %s", final.ID, final.Status, fleet.BackOnItsHost(orDash(final.FailedReason)))
	}
	return nil
}

// taskIDShape is what a task id looks like (t-bp1…): it is sent to DescribeTasks, where an
// empty or listed value would match other tasks.
var taskIDShape = regexp.MustCompile(`^t-[a-z0-9]+$`)

// runFollow follows one redeploy task to its end: the one a console that quit, a batch
// that was interrupted, or another tool started. The task is looked up by id in each
// region of the scope, and matched by id in every answer.
func runFollow(cmd *cobra.Command, g *globalOptions, id string, poll, waitTimeout time.Duration) error {
	if !taskIDShape.MatchString(id) {
		return usageError{fmt.Errorf("--follow %q is not a task id: give one like t-bp1abc… (the console and redeploy print them)", id)}
	}
	ctx := cmd.Context()
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	h := e.newHub(fleet.Options{})
	found, regions, err := h.FindTask(ctx, id, e.Regions)
	if err != nil {
		return err
	}
	if found == nil {
		return fmt.Errorf("task %s is not in %s: pass the --region it runs in", id, scopeName(regions))
	}
	pr := &printer{w: cmd.OutOrStdout()}
	pr.printf("task %s: RedeployInstance of %s in %s, %s\n", found.ID, found.ResourceID, found.RegionID, found.Status)
	if err := followTask(ctx, h, backend.TaskRef{TaskID: found.ID, RegionID: found.RegionID, InstanceID: found.ResourceID}, poll, waitTimeout, pr); err != nil {
		return err
	}
	pr.printf("redeployed: %s is Running on a new host; its event is Avoided\n", found.ResourceID)
	return pr.Err()
}
