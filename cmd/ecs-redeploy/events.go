package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/model"
	"ecs-redeploy/model/eventsjson"
	"ecs-redeploy/model/safetext"
)

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
			// Every instance is held until the last one is listed (the output is sorted by
			// deadline), and the listing's garbage (mostly the SDK's copies of each reply)
			// is many times what it keeps. A fixed GOGC trades one for the other at every
			// size; gctuner sets it at each collection so that the heap aims at
			// listingHeapTarget: a small listing collects rarely (GOGC up to 500), a large
			// one as often as it must (down to 50) to stay near the target. A GOGC set in
			// the environment is the user's choice, and kept.
			if os.Getenv("GOGC") == "" {
				defer debug.SetGCPercent(debug.SetGCPercent(100)) // until the tuner's first collection
				defer startTuning(listingHeapTarget, listingMinGCPercent)()
			}
			oneShotBudget(cmd, g)
			e, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			hub := e.newHub(fleet.Options{})
			ins, err := hub.Listing(cmd.Context())
			if err != nil {
				return fmt.Errorf("listing events: %w", err)
			}
			if !inDeadlineOrder(ins) {
				model.SortByDeadline(ins)
			}
			underWay, err := redeploysUnderWay(cmd.Context(), hub, ins)
			if err != nil {
				return fmt.Errorf("listing events: %w", err)
			}
			now := e.Now()
			if asJSON {
				return eventsjson.Write(cmd.OutOrStdout(), len(ins), func(i int) eventsjson.Row { return eventsRowOf(&ins[i], now, underWay) })
			}
			return writeEventsTable(cmd.OutOrStdout(), ins, now, underWay)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in docs/cli.md)")
	return cmd
}

// inDeadlineOrder reports whether ins is in model.SortByDeadline's order already, as the
// backends list it: one pass, where SortByDeadline first makes a key of every instance
// (4.8 MB at 100,000 instances, on one core after the listing; issue 20).
func inDeadlineOrder(ins []model.Instance) bool {
	for i := 1; i < len(ins); i++ {
		if model.CompareDeadlines(ins[i-1].Deadline(), ins[i-1].ID, ins[i].Deadline(), ins[i].ID) > 0 {
			return false
		}
	}
	return true
}

// listingHeapTarget is the heap, in bytes, that events lets the collector grow to (see
// RunE): at 100,000 instances the instances alone are about 140 MiB.
const listingHeapTarget = 256 << 20

func writeEventsTable(w io.Writer, ins []model.Instance, now time.Time, underWay map[string]string) error {
	if len(ins) == 0 {
		_, err := fmt.Fprintln(w, "No instance has a pending system event.")
		return err
	}
	// Columns are aligned in terminal cells, not runes: tabwriter counts a CJK or emoji
	// name (数据库-主-01) as one column a character and misaligns every column after it.
	table := make([][]string, 0, len(ins)+1)
	table = append(table, []string{"DEADLINE", "INSTANCE", "NAME", "ZONE", "STATUS", "EVENT", "EVENT STATUS", "REDEPLOY", "WARNINGS"})
	blocked, unanswered, inProgress := 0, 0, 0
	for i := range ins {
		r := eventsRowOf(&ins[i], now, underWay)
		verdict := "allowed"
		task, underway := underWay[r.InstanceID]
		switch b := r.Eligibility.FirstBlock(); {
		case underway:
			// Its Stopping or Starting is the redeploy's own: not a refusal.
			verdict = "in progress: " + task
			inProgress++
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
	if inProgress > 0 {
		tail += fmt.Sprintf(", %d being redeployed", inProgress)
	}
	if unanswered > 0 {
		tail += fmt.Sprintf(", %d with no event a redeploy answers", unanswered)
	}
	_, err := fmt.Fprintf(w, "%d instances with pending events, %d can be redeployed, %d blocked%s.\n",
		len(ins), len(ins)-blocked-unanswered-inProgress, blocked, tail)
	return err
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
// its widest cell (ansi.StringWidth: CJK and emoji take two). A cell is text from outside
// (a name, a zone): it is shown as safetext.Terminal shows it, and measured so.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			c = safetext.Terminal(c)
			row[i] = c
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
		p.printf("%s\n", b.String())
	}
	return p.Err()
}
