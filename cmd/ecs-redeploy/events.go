package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
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

	// DescribeInstances' own top-level fields, under the API's names, for jq habits from
	// the aliyun CLI (`jq .LocalStorageAmount`): an addition, LocalStorage above stays.
	LocalStorageAmount   int               `json:"LocalStorageAmount"`
	LocalStorageCapacity int64             `json:"LocalStorageCapacity"`
	DeploymentSetID      string            `json:"DeploymentSetId"`
	InstanceChargeType   string            `json:"InstanceChargeType"`
	ExpiredTime          *time.Time        `json:"ExpiredTime"`
	Tags                 map[string]string `json:"Tags"`
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

			LocalStorageAmount: in.LocalStorageAmount, LocalStorageCapacity: in.LocalStorageCapacity,
			DeploymentSetID: in.DeploymentSetID, InstanceChargeType: in.ChargeType, Tags: in.Tags,
		}
		if r.Tags == nil {
			r.Tags = map[string]string{}
		}
		if !in.ExpiredTime.IsZero() {
			t := in.ExpiredTime
			r.ExpiredTime = &t
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

// pendingOf is the events that still wait to happen.
func pendingOf(evs []model.Event) []model.Event {
	var out []model.Event
	for _, e := range evs {
		if e.CycleStatus.Pending() {
			out = append(out, e)
		}
	}
	return out
}

// writeTable writes rows as columns two spaces apart, each as wide in terminal cells as
// its widest cell (ansi.StringWidth: CJK and emoji take two).
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	p := &printer{w: w}
	var b strings.Builder
	for _, row := range rows {
		b.Reset()
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		b.WriteByte('\n')
		p.printf("%s", b.String())
	}
	return p.Err()
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
	// Columns are aligned in terminal cells, not runes: tabwriter counts a CJK or emoji
	// name (数据库-主-01) as one column a character and misaligns every column after it.
	table := [][]string{{"DEADLINE", "INSTANCE", "NAME", "ZONE", "STATUS", "EVENT", "EVENT STATUS", "REDEPLOY", "WARNINGS"}}
	blocked, unanswered := 0, 0
	for _, r := range toRows(ins, now) {
		verdict := "allowed"
		switch b := r.Eligibility.FirstBlock(); {
		case b == nil:
		case !r.Eligibility.Blocked():
			// Nothing blocks it: its events are not ones a redeploy answers (the console's
			// NO REDEPLOY).
			verdict = "no redeploy: event not answered"
			unanswered++
		default:
			verdict = "no: " + b.Code
			blocked++
		}
		warn := model.JoinBadges(r.Badges, ", ")
		if warn == "" {
			warn = "-"
		}
		event := string(r.EventType)
		if more := len(pendingOf(r.Events)) - 1; more > 0 {
			// A second pending event, as the console marks it (Maint.Redeploy +1).
			event += fmt.Sprintf(" +%d", more)
		}
		table = append(table, []string{model.Countdown(r.NotBefore, now), r.InstanceID, r.InstanceName, r.ZoneID,
			string(r.Status), event, string(r.EventCycleStatus), verdict, warn})
	}
	if err := writeTable(w, table); err != nil {
		return err
	}
	tail := ""
	if unanswered > 0 {
		tail = fmt.Sprintf(", %d with no event a redeploy answers", unanswered)
	}
	_, err := fmt.Fprintf(w, "%d instances with pending events, %d can be redeployed, %d blocked%s.\n",
		len(ins), len(ins)-blocked-unanswered, blocked, tail)
	return err
}
