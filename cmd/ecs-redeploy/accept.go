package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

func newAcceptCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "accept EVENT_ID…",
		Short: "Accept Inquiring system events: let the platform do its default action now (AcceptInquiredSystemEvent)",
		Long: `Accept system events in the Inquiring state. The platform then does the event's
default action (the reboot, the redeploy, the disk's isolation or re-initialization) at
once instead of waiting for an answer. Find the event ids with ` + "`ecs-redeploy events --json`" + `.

It goes through the same role guard as a redeploy (operators only; --read-only refuses),
the audit log (an intent line before each call, a result line after) and the fleet hub.
Each event ends in one line: accepted, with the RequestId, or the reason it was refused
with the API's code. The exit status is 1 when any event was not accepted.`,
		Example: `  ecs-redeploy accept --demo e-bp1abc...
  ecs-redeploy accept e-bp1abc... e-bp1def... --region cn-hangzhou --audit-log audit.jsonl`,
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
			e, err := g.open(ctx)
			if err != nil {
				return err
			}
			h := fleet.New(e.Backend, fleet.Options{Regions: e.Regions, Now: e.Now, Until: e.Until})
			if err := h.Refresh(ctx); err != nil {
				return fmt.Errorf("listing the instances with pending events: %w", err)
			}
			pr := &printer{w: cmd.OutOrStdout()}
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
