package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/bytedance/gopkg/util/gctuner"
	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend/fleet"
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
			// Every instance is held until the last one is listed (the output is sorted by
			// deadline), and the listing's garbage (mostly the SDK's copies of each reply)
			// is many times what it keeps. A fixed GOGC trades one for the other at every
			// size; gctuner sets it at each collection so that the heap aims at
			// listingHeapTarget: a small listing collects rarely (GOGC up to 500), a large
			// one as often as it must (down to 50) to stay near the target. A GOGC set in
			// the environment is the user's choice, and kept.
			if os.Getenv("GOGC") == "" {
				defer debug.SetGCPercent(debug.SetGCPercent(100)) // until the tuner's first collection
				gctuner.Tuning(listingHeapTarget)
				defer gctuner.Tuning(0)
			}
			e, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			ins, err := e.newHub(fleet.Options{}).Listing(cmd.Context())
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

// toRow is the row of one instance at now.
func toRow(in *model.Instance, now time.Time) eventRow {
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
	return r
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// listingHeapTarget is the heap, in bytes, that events lets the collector grow to (see
// RunE): at 100,000 instances the instances alone are about 140 MiB.
const listingHeapTarget = 256 << 20

// rowsPerChunk is how many rows are encoded together: enough to keep the encoders busy,
// few enough that the chunks in flight stay small (about 1.5 kB a row).
const rowsPerChunk = 256

// writeEventsJSON streams the rows of ins, in their order, as one indented JSON array (the
// layout json.Encoder with SetIndent("", "  ") gives the whole slice; see rowEncoder),
// without ever holding the whole output (178 MB at 100,000 instances). Chunks of rows are
// encoded on every CPU at once and written in order; at most a few chunks are held.
func writeEventsJSON(w io.Writer, ins []model.Instance, now time.Time) error {
	if len(ins) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	type chunk struct {
		buf  []byte
		done chan struct{}
	}
	workers := runtime.GOMAXPROCS(0)
	ordered := make(chan *chunk, workers) // chunks in output order; its size bounds those held
	// Written chunks' buffers are encoded into again (a Writer keeps no part of a Write):
	// fresh ones for every chunk were 20 MB of new memory at 10,000 instances, and the page
	// faults and collections that go with it.
	free := make(chan []byte, workers+2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ordered)
		for lo := 0; lo < len(ins); lo += rowsPerChunk {
			c := &chunk{done: make(chan struct{})}
			select {
			case ordered <- c:
			case <-stop:
				return
			}
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			go func(rows []model.Instance, first bool) {
				defer close(c.done)
				c.buf = encodeRows(buf[:0], rows, first, now)
			}(ins[lo:min(lo+rowsPerChunk, len(ins))], lo == 0)
		}
	}()
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	for c := range ordered {
		<-c.done
		if _, err := w.Write(c.buf); err != nil {
			return err
		}
		select {
		case free <- c.buf:
		default:
		}
	}
	_, err := io.WriteString(w, "\n]\n")
	return err
}

// encodeRows appends to buf the array elements of rows, each indented as inside the array
// and all but the first of the whole array preceded by a comma (see rowEncoder).
func encodeRows(buf []byte, rows []model.Instance, first bool, now time.Time) []byte {
	e := rowEncoder{b: slices.Grow(buf, len(rows)*rowBytes)}
	for i := range rows {
		r := toRow(&rows[i], now)
		e.row(&r, first && i == 0)
	}
	return e.b
}

// rowBytes is about what one row takes (1.5–2 kB): the chunk's buffer is sized once.
const rowBytes = 2048

func writeEventsTable(w io.Writer, ins []model.Instance, now time.Time) error {
	if len(ins) == 0 {
		_, err := fmt.Fprintln(w, "No instance has a pending system event.")
		return err
	}
	// Columns are aligned in terminal cells, not runes: tabwriter counts a CJK or emoji
	// name (数据库-主-01) as one column a character and misaligns every column after it.
	table := make([][]string, 0, len(ins)+1)
	table = append(table, []string{"DEADLINE", "INSTANCE", "NAME", "ZONE", "STATUS", "EVENT", "EVENT STATUS", "REDEPLOY", "WARNINGS"})
	blocked, unanswered := 0, 0
	for i := range ins {
		r := toRow(&ins[i], now)
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
