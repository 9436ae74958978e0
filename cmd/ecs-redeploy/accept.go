package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

func newAcceptCmd(g *globalOptions) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "accept EVENT_ID…",
		Short: "Accept Inquiring system events: let the platform do its default action now (AcceptInquiredSystemEvent)",
		Long: `Accept system events in the Inquiring state. The platform then does the event's
default action (the reboot, the redeploy, the disk's isolation or re-initialization) at
once instead of waiting for an answer. Find the event ids with ` + "`ecs-redeploy events --json`" + `.

It goes through the same role guard as a redeploy (operators only; --read-only refuses),
the audit log (an intent line before each call, a result line after) and the fleet hub.
An accept whose action loses data (the instance released by a *.Delete event, local
disks re-initialized by a redeploy event on an instance that has them, a damaged disk
isolated or re-initialized) needs --yes, as a destructive redeploy does: without it
nothing is sent, one line says what it would do, and the exit status is 2.
A repeated id counts once. Each event ends in one line: accepted, with the RequestId, or
the reason it was refused with the API's code. The exit status is 1 when any event was
not accepted.`,
		Example: `  ecs-redeploy accept --demo e-bp1abc...
  ecs-redeploy accept e-bp1abc... e-bp1def... --region cn-hangzhou --audit-log audit.jsonl
  ecs-redeploy accept e-bp1disk... --region cn-hangzhou --yes`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("accept needs an EVENT_ID; list the Inquiring events with " + g.listCommand(" --json"))}
			}
			for _, id := range args {
				if err := backend.CheckEventID(id); err != nil {
					return usageError{fmt.Errorf("accept: %w", err)}
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			args = distinct(args)
			e, err := g.open(ctx)
			if err != nil {
				return err
			}
			h := fleet.New(e.Backend, fleet.Options{Regions: e.Regions, Now: e.Now, Until: e.Until})
			if err := h.Refresh(ctx); err != nil {
				return fmt.Errorf("listing the instances with pending events: %w", err)
			}
			losses := acceptLosses(h.Snapshot(), args)
			if len(losses) > 0 && !yes {
				// Nothing is sent: one line says what it would do.
				return usageError{fmt.Errorf("refused: this accept destroys data, the platform acting now: %s; re-run with --yes if you mean it",
					strings.Join(losses, "; "))}
			}
			pr := &printer{w: cmd.OutOrStdout()}
			for _, l := range losses {
				pr.printf("DATA LOSS: %s\n", l)
			}
			failed := 0
			for _, id := range args {
				ref, err := h.Accept(ctx, backend.AcceptRequest{EventID: id, Identity: g.localIdentity()})
				if err != nil {
					failed++
					pr.printf("%s: not accepted: %s\n", id, acceptRefusal(err))
					continue
				}
				pr.printf("%s: accepted (RequestId %s): the platform does its default action now\n", id, ref.RequestID)
			}
			if err := pr.Err(); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d events not accepted", failed, len(args))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "confirm a destructive accept (the instance released, or local disks wiped)")
	return cmd
}

// distinct is ids with each repeated id kept once, in the order first given: accepting an
// event twice is one accept, as naming an instance twice to redeploy is one redeploy.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// acceptLosses says, for each of ids that s lists as one to accept and whose accept loses data
// (model.AcceptLoss), "e-… on i-… (name): what is lost"; an id s does not list, or lists as
// one that cannot be accepted, is left to the hub's refusal.
func acceptLosses(s *fleet.Snapshot, ids []string) []string {
	var out []string
	for _, id := range ids {
		for _, r := range s.Rows {
			for i := range r.Inst.Events {
				ev := &r.Inst.Events[i]
				if ev.ID != id || !ev.Acceptable() {
					continue
				}
				if loss := model.AcceptLoss(r.Inst, ev); loss != "" {
					out = append(out, safetext.Terminal(fmt.Sprintf("%s (%s) on %s (%s): %s", id, ev.Type, r.Inst.ID, r.Inst.Name, loss)))
				}
			}
		}
	}
	return out
}

// acceptRefusal is one line saying why an accept was refused and what to do: the API's
// code and RequestId where it answered.
func acceptRefusal(err error) string {
	if ae, ok := backend.CallError(err, "AcceptInquiredSystemEvent"); ok {
		what := ""
		switch ae.Code {
		case "InvalidEventId.NoInquiringEventFound":
			what = "it is not Inquiring any more (accepted elsewhere, answered, or gone): look at it with `ecs-redeploy events`"
		case "OperationDenied.AcceptNotSupported":
			what = "the platform does not take an accept for this event: redeploy the instance, or wait for its deadline"
		case "OperationConflict":
			what = "another operation on the instance is under way: try again when it ends"
		case model.CodeIncorrectInstanceStatus:
			what = "the instance's status does not allow it now (it must be Running or Stopped): try again when it is"
		case backend.CodeForbiddenRole:
			return safetext.Terminal(ae.Message)
		}
		return apiLine(ae, what)
	}
	return safetext.Terminal(err.Error())
}

// apiLine is one line for a refusal by the API: its Code, then what it means for the
// command (what) or else the API's own Message, then its RequestId, made safe for the
// terminal.
func apiLine(ae *backend.APIError, what string) string {
	s := ae.Code
	if what != "" {
		s += ": " + what
	} else if ae.Message != "" {
		s += ": " + ae.Message
	}
	if ae.RequestID != "" {
		s += " (RequestId " + ae.RequestID + ")"
	}
	return safetext.Terminal(s)
}
