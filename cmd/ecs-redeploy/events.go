package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// eventRow is one line of `events --json`: an instance with its next pending event, every
// pending event, and the redeploy verdict. Field names are the API's where it has one; the
// schema is documented in the README and kept stable.
type eventRow struct {
	InstanceID       string                 `json:"InstanceId"`
	InstanceName     string                 `json:"InstanceName"`
	RegionID         string                 `json:"RegionId"`
	ZoneID           string                 `json:"ZoneId"`
	Status           model.InstanceStatus   `json:"Status"`
	InstanceType     string                 `json:"InstanceType"`
	EventID          string                 `json:"EventId"`
	EventType        model.EventType        `json:"EventType"`
	EventCycleStatus model.EventCycleStatus `json:"EventCycleStatus"`
	NotBefore        time.Time              `json:"NotBefore"`
	Badges           []model.Badge          `json:"Badges"`
	LocalStorage     localStorage           `json:"LocalStorage"`
	DedicatedHostID  string                 `json:"DedicatedHostId"`
	OperationLocks   []model.LockReason     `json:"OperationLocks"`
	Events           []model.Event          `json:"Events"`
	Eligibility      model.Eligibility      `json:"Eligibility"`
}

type localStorage struct {
	Amount      int   `json:"LocalStorageAmount"`
	CapacityGiB int64 `json:"LocalStorageCapacity"`
}

func newEventsCmd(g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List instances with pending system events, soonest deadline first",
		Long: `List every instance with a pending system event (Scheduled, Executing, Inquiring),
soonest deadline first, with its warnings and whether a redeploy is allowed.`,
		Example: `  ecs-redeploy events --demo
  ecs-redeploy events --demo --json | jq '.[] | select(.Eligibility.Allowed)'
  ecs-redeploy events --region cn-hangzhou,cn-shanghai`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			ins, err := e.Backend.Instances(cmd.Context(), backend.Query{Regions: e.Regions})
			if err != nil {
				return fmt.Errorf("listing events: %w", err)
			}
			model.SortByDeadline(ins)
			now := e.Now()
			if asJSON {
				return writeEventsJSON(cmd.OutOrStdout(), ins, now)
			}
			return writeEventsTable(cmd.OutOrStdout(), ins, now)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in the README)")
	return cmd
}

func toRows(ins []model.Instance, now time.Time) []eventRow {
	rows := make([]eventRow, 0, len(ins))
	for i := range ins {
		in := &ins[i]
		r := eventRow{
			InstanceID: in.ID, InstanceName: in.Name, RegionID: in.RegionID, ZoneID: in.ZoneID,
			Status: in.Status, InstanceType: in.InstanceType,
			Badges:          nonNil(model.Badges(in, now, false)),
			LocalStorage:    localStorage{in.LocalStorageAmount, in.LocalStorageCapacity},
			DedicatedHostID: in.DedicatedHostID,
			OperationLocks:  nonNil(in.OperationLocks),
			Events:          nonNil(in.Events),
			Eligibility:     model.Evaluate(in, now, false),
		}
		r.Eligibility.Blocks = nonNil(r.Eligibility.Blocks)
		r.Eligibility.Warnings = nonNil(r.Eligibility.Warnings)
		if ev := in.NextEvent(); ev != nil {
			r.EventID, r.EventType, r.EventCycleStatus, r.NotBefore = ev.ID, ev.Type, ev.CycleStatus, ev.NotBefore
		}
		rows = append(rows, r)
	}
	return rows
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeEventsJSON(w io.Writer, ins []model.Instance, now time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(toRows(ins, now))
}

func writeEventsTable(w io.Writer, ins []model.Instance, now time.Time) error {
	if len(ins) == 0 {
		_, err := fmt.Fprintln(w, "No instance has a pending system event.")
		return err
	}
	tabs := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	tw := &printer{w: tabs}
	tw.printf("DEADLINE\tINSTANCE\tNAME\tZONE\tSTATUS\tEVENT\tEVENT STATUS\tREDEPLOY\tWARNINGS\n")
	blocked := 0
	for _, r := range toRows(ins, now) {
		verdict := "allowed"
		if b := r.Eligibility.FirstBlock(); b != nil {
			verdict = "no: " + b.Code
			blocked++
		}
		warn := model.JoinBadges(r.Badges, ", ")
		if warn == "" {
			warn = "-"
		}
		tw.printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			model.Countdown(r.NotBefore, now), r.InstanceID, r.InstanceName, r.ZoneID, r.Status,
			r.EventType, r.EventCycleStatus, verdict, warn)
	}
	if err := tw.Err(); err != nil {
		return err
	}
	if err := tabs.Flush(); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	_, err := fmt.Fprintf(w, "%d instances with pending events, %d can be redeployed, %d blocked.\n", len(ins), len(ins)-blocked, blocked)
	return err
}
