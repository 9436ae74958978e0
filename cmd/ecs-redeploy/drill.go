package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// drillOptions are the drill command's own flags.
type drillOptions struct {
	instances []string
	eventType string
	in        time.Duration
	cancel    bool
	all       bool
	asJSON    bool
}

func newDrillCmd(g *globalOptions) *cobra.Command {
	o := &drillOptions{}
	cmd := &cobra.Command{
		Use:   "drill --instances ID… --event-type TYPE --in DURATION | drill --cancel EVENT_ID… | drill --cancel --all",
		Short: "Rehearse: create simulated system events (CreateSimulatedSystemEvents), or cancel them",
		Long: `Create drill events: one simulated system event of --event-type on each instance,
due --in DURATION from now (CreateSimulatedSystemEvents). ECS lists them like real events,
so whatever watches the account (this console, CloudMonitor, your alerting) sees them, but
the platform does nothing at their deadline and RedeployInstance never answers them.

The ids made are printed and kept in the state directory ($XDG_STATE_HOME/ecs-redeploy/
drills.json), because DescribeInstanceHistoryEvents does not say which events are drills:
from them the console marks each drill DRILL, never offers to redeploy it, and leaves its
deadline out of the alarms. --cancel removes drills (CancelSimulatedSystemEvents); --cancel
--all removes every drill this tool made on the account.

Drills go through the same role guard as a redeploy (operators only; --read-only refuses)
and the audit log.

Event types: SystemMaintenance.Reboot, SystemFailure.Reboot, InstanceFailure.Reboot,
SystemMaintenance.Stop, SystemMaintenance.Redeploy, SystemFailure.Redeploy,
SystemFailure.Stop (the API page's, model.DrillEventTypes).`,
		Example: `  ecs-redeploy drill --region cn-hangzhou --instances i-bp1abc...,i-bp1def... --event-type SystemMaintenance.Reboot --in 30m
  ecs-redeploy drill --cancel e-bp1xyz...
  ecs-redeploy drill --cancel --all
  ecs-redeploy drill --demo --instances i-bp1... --event-type SystemFailure.Redeploy --in 10m --json`,
		Args: func(_ *cobra.Command, args []string) error { return o.check(args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.cancel {
				return runDrillCancel(cmd, g, o, args)
			}
			return runDrill(cmd, g, o, append(slices.Clone(o.instances), args...))
		},
	}
	f := cmd.Flags()
	// --instances here names the drill's instances; it shadows the simulator's fleet size
	// (--instances N), which a drill does not need.
	f.StringSliceVar(&o.instances, "instances", nil, "instances that each get one drill event (comma-separated, or repeated; at most 100)")
	f.StringVar(&o.eventType, "event-type", "", "the drill's event type: "+model.DrillEventTypeNames())
	f.DurationVar(&o.in, "in", 0, "how long from now the drill is due (its NotBefore), e.g. 30m or 2h")
	f.BoolVar(&o.cancel, "cancel", false, "cancel the drill events named (CancelSimulatedSystemEvents)")
	f.BoolVar(&o.all, "all", false, "with --cancel: every drill this tool made on the account")
	f.BoolVar(&o.asJSON, "json", false, "print JSON (schema in docs/cli.md)")
	return cmd
}

// check refuses a call of the command that cannot be meant, in one line naming the flag.
func (o *drillOptions) check(args []string) error {
	usage := func(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }
	if o.cancel {
		switch {
		case len(o.instances) > 0 || o.eventType != "" || o.in != 0:
			return usage("--cancel goes without --instances, --event-type and --in: drill --cancel EVENT_ID… or drill --cancel --all")
		case o.all && len(args) > 0:
			return usage("--cancel --all cancels every drill this tool made: name no EVENT_ID with it")
		case !o.all && len(args) == 0:
			return usage("--cancel needs EVENT_ID… (printed by drill, listed by `ecs-redeploy events --json`) or --all")
		case len(args) > model.MaxDrillIDs*10:
			return usage("--cancel: %d event ids; name at most %d", len(args), model.MaxDrillIDs*10)
		}
		for _, id := range args {
			if err := backend.CheckEventID(id); err != nil {
				return usage("--cancel: %w", err)
			}
		}
		return nil
	}
	ids := append(slices.Clone(o.instances), args...)
	switch {
	case o.all:
		return usage("--all goes with --cancel: drill --cancel --all")
	case len(ids) == 0:
		return usage("drill needs --instances ID… (or --cancel EVENT_ID… to remove drills)")
	case len(ids) > model.MaxDrillIDs:
		return usage("--instances: %d instances; a drill takes at most %d (InstanceId.N)", len(ids), model.MaxDrillIDs)
	}
	for i, id := range ids {
		if err := backend.CheckInstanceID(id); err != nil {
			return usage("--instances: %w", err)
		}
		if slices.Index(ids, id) != i {
			return usage("--instances names %s twice: each instance gets one drill event", id)
		}
	}
	switch {
	case o.eventType == "":
		return usage("--event-type is required: one of %s", model.DrillEventTypeNames())
	case !model.ValidDrillEventType(model.EventType(o.eventType)):
		return usage("--event-type %q: not a type CreateSimulatedSystemEvents takes; one of %s", safetext.Terminal(o.eventType), model.DrillEventTypeNames())
	case o.in == 0:
		return usage("--in is required: how long from now the drill is due, e.g. --in 30m")
	case o.in < time.Second:
		return usage("--in %s: the drill must be due in the future (at least 1s), e.g. --in 30m", o.in)
	}
	return nil
}

// drillCreated is the JSON `drill --json` prints.
type drillCreated struct {
	RegionID    string          `json:"RegionId"`
	EventType   model.EventType `json:"EventType"`
	NotBefore   string          `json:"NotBefore"`
	InstanceIDs []string        `json:"InstanceIds"`
	EventIDs    []string        `json:"EventIds"`
	RequestID   string          `json:"RequestId"`
}

func runDrill(cmd *cobra.Command, g *globalOptions, o *drillOptions, ids []string) error {
	ctx := cmd.Context()
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	region, err := drillRegion(g, o, e, ids)
	if err != nil {
		return err
	}
	h := e.newHub(fleet.Options{Where: g.planWhere()})
	defer drain(ctx, h)
	notBefore := e.Now().Add(o.in).UTC().Truncate(time.Second)
	ref, err := h.Drill(ctx, backend.DrillRequest{RegionID: region, InstanceIDs: ids,
		EventType: model.EventType(o.eventType), NotBefore: notBefore, Identity: g.localIdentity()})
	switch {
	case errors.Is(err, backend.ErrOutcomeUnknown), errors.Is(err, fleet.ErrDetached):
		// Sent, and no proof either way: never sent again (it would make a second drill on
		// each instance).
		return fmt.Errorf("whether the drills were made is unknown: %s; look with %s for events of that type and deadline on those instances, and cancel what is there with drill --cancel EVENT_ID",
			drillRefusal(err, "CreateSimulatedSystemEvents"), g.listCommand(" --json"))
	case len(ref.EventIDs) == 0 && err != nil:
		return fmt.Errorf("no drill made: %s", drillRefusal(err, "CreateSimulatedSystemEvents"))
	}
	pr := &printer{w: cmd.OutOrStdout()}
	if o.asJSON {
		line, jerr := json.Marshal(drillCreated{RegionID: ref.RegionID, EventType: model.EventType(o.eventType),
			NotBefore: notBefore.Format(model.DrillTimeLayout), InstanceIDs: ids, EventIDs: ref.EventIDs, RequestID: ref.RequestID})
		if jerr != nil {
			return jerr
		}
		pr.printf("%s\n", safetext.JSON(line))
	} else {
		pr.printf("%d drill event(s) of %s in %s, due %s (RequestId %s):\n", len(ref.EventIDs), o.eventType, ref.RegionID,
			notBefore.Format(model.DrillTimeLayout), ref.RequestID)
		for _, id := range ref.EventIDs {
			pr.printf("%s\n", id)
		}
		if e.Drills != nil {
			pr.printf("the console marks them DRILL; remove them with: %s\n", cancelAllCommand(g, ref.RegionID))
		} else {
			pr.printf("they live in this process's simulator and end with it\n")
		}
	}
	if perr := pr.Err(); perr != nil {
		return perr
	}
	return err
}

// drillRegion is the one region a drill is made in: --region's (or the profile's) when it
// names one; on --demo, the region of the instances named. CreateSimulatedSystemEvents
// takes one region a call: instances in several are refused with one command a region,
// each of which works as printed.
func drillRegion(g *globalOptions, o *drillOptions, e *env, ids []string) (string, error) {
	if e.Engine == nil && len(e.Regions) == 1 {
		return e.Regions[0], nil
	}
	if e.Engine != nil {
		// The simulator knows each instance's region, inside --region's scope or not: a
		// --region that holds none of them is said before the call, with the command that
		// works.
		var found []string
		byRegion := map[string][]string{}
		for _, r := range e.Engine.Regions() {
			if ins := e.Engine.Instances(r.RegionID, ids); len(ins) > 0 {
				found = append(found, r.RegionID)
				for _, in := range ins {
					byRegion[r.RegionID] = append(byRegion[r.RegionID], in.ID)
				}
			}
		}
		switch {
		case len(found) == 1 && (len(e.Regions) == 0 || slices.Contains(e.Regions, found[0])):
			return found[0], nil
		case len(found) == 0:
			return "", usageError{fmt.Errorf("--instances: no instance of the simulator is named %s", strings.Join(ids, ","))}
		case len(found) == 1:
			return "", usageError{fmt.Errorf("--instances: they are in %s, not in --region %s; run: %s",
				found[0], strings.Join(e.Regions, ","), drillCommand(g, o, found[0], byRegion[found[0]]))}
		}
		var where, cmds []string
		for _, r := range found {
			where = append(where, r+": "+strings.Join(byRegion[r], ","))
			cmds = append(cmds, drillCommand(g, o, r, byRegion[r]))
		}
		return "", usageError{fmt.Errorf("--instances: they are in %d regions (%s), and a drill is made in one region a call; run one drill a region: %s",
			len(found), strings.Join(where, "; "), strings.Join(cmds, " ; "))}
	}
	return "", usageError{errors.New("--region: a drill is made in one region; name the region its instances are in, e.g. --region cn-hangzhou (instances in several regions take one drill a region, each with its --region)")}
}

// drillCommand is the drill command for ids in region, with the flags this one was given,
// so it runs as printed.
func drillCommand(g *globalOptions, o *drillOptions, region string, ids []string) string {
	args := []string{"ecs-redeploy", "drill"}
	switch {
	case g.Scenario != "":
		args = append(args, "--scenario", g.Scenario)
	case g.Demo:
		args = append(args, "--demo")
	}
	args = append(args, "--region", region, "--instances", strings.Join(ids, ","), "--event-type", o.eventType, "--in", o.in.String())
	if o.asJSON {
		args = append(args, "--json")
	}
	return shellJoin(accountFlags(g, args))
}

// drillCanceled is one line of `drill --cancel --json`.
type drillCanceled struct {
	EventID  string `json:"EventId"`
	RegionID string `json:"RegionId,omitempty"`
	Canceled bool   `json:"Canceled"`
	// Unknown says the call was sent and nothing proves whether it canceled.
	Unknown   bool   `json:"Unknown,omitempty"`
	RequestID string `json:"RequestId,omitempty"`
	Code      string `json:"Code,omitempty"`
	Error     string `json:"Error,omitempty"`
}

func runDrillCancel(cmd *cobra.Command, g *globalOptions, o *drillOptions, ids []string) error {
	ctx := cmd.Context()
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	h := e.newHub(fleet.Options{Where: g.planWhere()})
	defer drain(ctx, h)
	regionOf := map[string]string{}
	if o.all {
		kept, err := h.KeptDrills()
		if err != nil {
			return fmt.Errorf("reading the drills kept: %w", err)
		}
		for _, r := range kept {
			ids = append(ids, r.EventID)
			regionOf[r.EventID] = r.RegionID
		}
		if len(ids) == 0 {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "no drill made by this tool is kept for this account: nothing to cancel")
			return err
		}
	}
	if err := drillRegions(ctx, e, h, ids, regionOf); err != nil {
		return err
	}
	pr := &printer{w: cmd.OutOrStdout()}
	report := func(d drillCanceled) {
		if o.asJSON {
			line, _ := json.Marshal(d)
			pr.printf("%s\n", safetext.JSON(line))
			return
		}
		switch {
		case d.Canceled:
			pr.printf("%s: canceled (RequestId %s)\n", d.EventID, d.RequestID)
		case d.Unknown:
			pr.printf("%s: whether it was canceled is unknown: %s\n", d.EventID, d.Error)
		default:
			pr.printf("%s: not canceled: %s\n", d.EventID, d.Error)
		}
	}
	failed := 0
	for _, batch := range drillBatches(ids, regionOf) {
		region := regionOf[batch[0]]
		ref, err := h.CancelDrills(ctx, backend.CancelDrillRequest{RegionID: region, EventIDs: batch, Identity: g.localIdentity()})
		if err == nil {
			for _, id := range batch {
				report(drillCanceled{EventID: id, RegionID: region, Canceled: true, RequestID: ref.RequestID})
			}
			continue
		}
		if errors.Is(err, backend.ErrForbiddenDrill) {
			return fmt.Errorf("no drill canceled: %s", drillRefusal(err, "CancelSimulatedSystemEvents"))
		}
		ae, refused := backend.CallError(err, "CancelSimulatedSystemEvents")
		if len(batch) == 1 || !refused || (ae.Code != "InvalidEventId.NotFound" && ae.Code != "CannotCancelSystemEvent.NotSimulated") {
			for _, id := range batch {
				failed++
				report(cancelFailure(h, id, region, err))
			}
			continue
		}
		// The API refuses the whole call for one id it does not take: ask for each alone,
		// so the others are canceled and the refusal names its id.
		for _, id := range batch {
			ref, err := h.CancelDrills(ctx, backend.CancelDrillRequest{RegionID: region, EventIDs: []string{id}, Identity: g.localIdentity()})
			if err != nil {
				failed++
				report(cancelFailure(h, id, region, err))
				continue
			}
			report(drillCanceled{EventID: id, RegionID: region, Canceled: true, RequestID: ref.RequestID})
		}
	}
	if err := pr.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d drill events not canceled", failed, len(ids))
	}
	return nil
}

// cancelFailure is the line for a drill not canceled. One the API does not know
// (InvalidEventId.NotFound) is forgotten from the state directory: it is no drill of the
// account any more, and --cancel --all would ask for it forever.
func cancelFailure(h *fleet.Hub, id, region string, err error) drillCanceled {
	d := drillCanceled{EventID: id, RegionID: region, Error: drillRefusal(err, "CancelSimulatedSystemEvents"),
		Unknown: errors.Is(err, backend.ErrOutcomeUnknown) || errors.Is(err, fleet.ErrDetached)}
	if ae, ok := backend.CallError(err, "CancelSimulatedSystemEvents"); ok {
		d.Code = ae.Code
		if ae.Code == "InvalidEventId.NotFound" {
			if n, ferr := h.ForgetDrills(id); n > 0 && ferr == nil {
				d.Error += "; forgotten from the drills kept"
			}
		}
	}
	return d
}

// drillRegions fills regionOf for every id it lacks: the drill kept, the listed instance
// that has it pending (a listing is made only if needed), or the one region in scope.
func drillRegions(ctx context.Context, e *env, h *fleet.Hub, ids []string, regionOf map[string]string) error {
	listed := false
	for _, id := range ids {
		if regionOf[id] != "" {
			continue
		}
		if r, ok := h.DrillRegion(id); ok {
			regionOf[id] = r
			continue
		}
		if len(e.Regions) == 1 {
			regionOf[id] = e.Regions[0]
			continue
		}
		if !listed {
			listed = true
			if err := h.Refresh(ctx); err != nil {
				return fmt.Errorf("finding the drills' regions: %w", err)
			}
			if r, ok := h.DrillRegion(id); ok {
				regionOf[id] = r
				continue
			}
		}
		return usageError{fmt.Errorf("--cancel %s: no listed instance has it pending; name its region, e.g. --region cn-hangzhou", id)}
	}
	return nil
}

// drillBatches groups ids by region, in the order given, at most model.MaxDrillIDs a call.
func drillBatches(ids []string, regionOf map[string]string) [][]string {
	var out [][]string
	open := map[string]int{}
	for _, id := range ids {
		r := regionOf[id]
		i, ok := open[r]
		if !ok || len(out[i]) == model.MaxDrillIDs {
			out = append(out, nil)
			i = len(out) - 1
			open[r] = i
		}
		if !slices.Contains(out[i], id) {
			out[i] = append(out[i], id)
		}
	}
	return out
}

// drillRefusal is one line saying why a drill call failed and what to do: the API's code
// and RequestId where it answered.
func drillRefusal(err error, action string) string {
	ae, ok := backend.CallError(err, action)
	if !ok {
		return safetext.Terminal(err.Error())
	}
	what := ""
	switch ae.Code {
	case backend.CodeForbiddenRole:
		return safetext.Terminal(ae.Message)
	case model.CodeInstanceNotFound:
		what = "no such instance in the region: check the ids and --region (a drill is made in one region a call: instances in another take their own drill with its --region)"
	case sim.CodeEventNotFound:
		what = "no such event in the region: check the id and --region"
	case sim.CodeNotSimulated:
		what = "it is a real event, not a drill: only drills can be canceled"
	}
	return apiLine(ae, what)
}

// drain waits for a call still out (ctrl+c while waiting) to answer, so its audit result
// line and the drills kept are written before the process ends.
func drain(ctx context.Context, h *fleet.Hub) {
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_ = h.Drain(drainCtx)
}

// cancelAllCommand is the command that removes the drills just made, with the account
// flags this one was given (every real-API command needs its region; a sim-server its
// endpoint), so it runs as printed. Values are quoted for a POSIX shell when they need it.
func cancelAllCommand(g *globalOptions, region string) string {
	return shellJoin(accountFlags(g, []string{"ecs-redeploy", "drill", "--cancel", "--all", "--region", region}))
}

// accountFlags is args with the account flags this command was given: its endpoint and
// profile.
func accountFlags(g *globalOptions, args []string) []string {
	return append(args, g.accountArgs()...)
}

// shellJoin is args as one command line, each value quoted for a POSIX shell when it needs
// it, made safe for the terminal.
func shellJoin(args []string) string {
	for i, a := range args {
		if strings.ContainsFunc(a, func(r rune) bool {
			return !(r == '-' || r == '.' || r == ':' || r == '/' || r == '_' || r == ',' || unicode.IsLetter(r) || unicode.IsDigit(r))
		}) {
			args[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return safetext.Terminal(strings.Join(args, " "))
}
