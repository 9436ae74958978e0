package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/taskwait"
	"ecs-redeploy/model"
)

func newRedeployCmd(g *globalOptions) *cobra.Command {
	var forceStop, yes, wait bool
	var poll, waitTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "redeploy INSTANCE_ID",
		Short: "Redeploy one instance to another host (RedeployInstance)",
		Long: `Redeploy one instance with a pending system event to another physical host.

It checks the instance first and refuses what the API would refuse, with the API's error
code. A destructive redeploy (local disks are wiped, or --force-stop) needs --yes.
With --wait it follows the task to the end and exits 0 only when it Finished.`,
		Example: `  ecs-redeploy redeploy --demo --sim-speed 60 i-bp1abc... --wait
  ecs-redeploy redeploy i-bp1abc... --region cn-hangzhou --yes --wait`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("redeploy takes exactly one INSTANCE_ID (list them with `ecs-redeploy events`)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			id := args[0]
			if poll < 100*time.Millisecond {
				return usageError{fmt.Errorf("--poll must be at least 100ms, got %s", poll)}
			}
			if waitTimeout < poll {
				return usageError{fmt.Errorf("--wait-timeout must be at least --poll (%s), got %s", poll, waitTimeout)}
			}
			// Before anything is opened or sent: an empty or malformed id reaches the API as
			// no filter, and the answer's first instance is someone else's.
			if err := backend.CheckInstanceID(id); err != nil {
				return usageError{fmt.Errorf("redeploy: %w", err)}
			}
			e, err := g.open(ctx)
			if err != nil {
				return err
			}
			ins, err := e.Backend.Instances(ctx, backend.Query{Regions: e.Regions, InstanceIDs: []string{id}})
			if err != nil {
				return fmt.Errorf("looking up %s: %w", id, err)
			}
			in := findInstance(ins, id)
			if in == nil {
				return fmt.Errorf("%s has no pending system event in %s (or does not exist); list them with `ecs-redeploy events`", id, scopeName(e.Regions))
			}
			now := e.Now()
			el := model.Evaluate(in, now, forceStop)
			pr := &printer{w: out}
			pr.printf("%s (%s) in %s, %s, %s\n", in.ID, in.Name, in.ZoneID, in.InstanceType, in.Status)
			if ev := in.NextEvent(); ev != nil {
				pr.printf("event: %s %s, deadline %s (%s)\n", ev.Type, ev.CycleStatus,
					ev.NotBefore.UTC().Format(time.RFC3339), model.Countdown(ev.NotBefore, now))
			}
			if !el.Allowed {
				for _, b := range el.Blocks[1:] {
					pr.printf("also: %s: %s\n", b.Code, b.Message)
				}
				b := el.Blocks[0]
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
			ref, err := e.Backend.Redeploy(ctx, backend.RedeployRequest{
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
			ticker := time.NewTicker(poll)
			defer ticker.Stop()
			start := e.Now()
			final, err := taskwait.Follow(ctx, e.Backend, ref, ticker.C, e.Now, waitTimeout, func(p taskwait.Progress) {
				elapsed := model.FormatDuration(p.At.Sub(start))
				if p.Err != nil {
					pr.printf("%7s  %s (retrying)\n", elapsed, oneLine(p.Err))
					return
				}
				status := p.Status
				if p.Task.Status == model.TaskFinished {
					status = model.StatusRunning
				}
				pr.printf("%7s  task %-10s instance %s\n", elapsed, p.Task.Status, orDash(string(status)))
			})
			if err != nil {
				return err
			}
			if final.Status != model.TaskFinished {
				return fmt.Errorf("task %s %s: %s; the instance is back on its original host", final.ID, final.Status, orDash(final.FailedReason))
			}
			pr.printf("redeployed: %s is Running on a new host; its event is Avoided\n", in.ID)
			return pr.Err()
		},
	}
	f := cmd.Flags()
	f.BoolVar(&forceStop, "force-stop", false, "stop a Running instance forcibly, like pulling the power (data not yet on disk is lost)")
	f.BoolVarP(&yes, "yes", "y", false, "confirm a destructive redeploy (local disks wiped, or --force-stop)")
	f.BoolVar(&wait, "wait", false, "follow the task until it ends; exit 0 only when it Finished")
	f.DurationVar(&poll, "poll", 2*time.Second, "with --wait: how often to ask for the task status")
	f.DurationVar(&waitTimeout, "wait-timeout", 30*time.Minute, "with --wait: how long to follow the task, through API failures, before giving up on following (the redeploy goes on)")
	return cmd
}

// findInstance is the instance whose id is id, or nil. An answer is matched to the id that
// was asked for, never taken by position: an instance nobody named is never a target.
func findInstance(ins []model.Instance, id string) *model.Instance {
	for i := range ins {
		if ins[i].ID == id {
			return &ins[i]
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
