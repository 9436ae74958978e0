package sim

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model"
)

// scenarioFile is the schema of a scenario file (YAML, or JSON, which YAML reads too).
// Times are RFC 3339 or relative to the moment the simulator starts: "+3h", "-20m", "+2d".
type scenarioFile struct {
	Regions   []string           `yaml:"regions"`
	Instances []scenarioInstance `yaml:"instances"`
}

type scenarioInstance struct {
	ID            string            `yaml:"id"`
	Name          string            `yaml:"name"`
	Region        string            `yaml:"region"`
	Zone          string            `yaml:"zone"`
	Type          string            `yaml:"type"`
	Status        string            `yaml:"status"`
	Charge        string            `yaml:"charge"`
	Expires       string            `yaml:"expires"`
	LocalDisks    int               `yaml:"local_disks"`
	LocalCapacity int64             `yaml:"local_capacity_gib"`
	DedicatedHost string            `yaml:"dedicated_host"`
	Locks         []string          `yaml:"locks"`
	DeploymentSet string            `yaml:"deployment_set"`
	Tags          map[string]string `yaml:"tags"`
	Events        []scenarioEvent   `yaml:"events"`
	// Maintenance sets the instance's maintenance attributes; without it they are drawn
	// from the instance's id (scenarioMaintenance in maintenance_scenario.go).
	Maintenance *scenarioMaintenance `yaml:"maintenance"`
}

type scenarioEvent struct {
	ID        string `yaml:"id"`
	Type      string `yaml:"type"`
	Status    string `yaml:"status"`
	NotBefore string `yaml:"not_before"`
	Published string `yaml:"published"`
	Finished  string `yaml:"finished"`
	Reason    string `yaml:"reason"`
	Impact    string `yaml:"impact"`
	// What the event tells beyond its type (ExtendedAttribute): the damaged local disk and
	// its device, the host and rack, whether the platform takes an accept ("true" or
	// "false"), the deadline first published (a moved deadline).
	ReasonCode     string `yaml:"reason_code"`
	Disk           string `yaml:"disk"`
	Device         string `yaml:"device"`
	Host           string `yaml:"host"`
	Rack           string `yaml:"rack"`
	CanAccept      string `yaml:"can_accept"`
	FirstNotBefore string `yaml:"first_not_before"`
}

// ScenarioError is a problem in a scenario file, with the line it is on.
type ScenarioError struct {
	File string
	Line int
	Msg  string
}

func (e *ScenarioError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("scenario %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("scenario %s: %s", e.File, e.Msg)
}

// LoadScenario reads a fleet from a YAML or JSON scenario file. Relative times are
// resolved against now. Every error names the file and, where it can, the line.
func LoadScenario(path string, now time.Time) (*Fleet, error) {
	data, err := localfile.ReadFile(path, localfile.Input)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, unwrapPathError(err))
	}
	return ParseScenario(path, data, now)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseScenario parses scenario data; name is used in errors.
func ParseScenario(name string, data []byte, now time.Time) (*Fleet, error) {
	fail := func(line int, format string, args ...any) error {
		return &ScenarioError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if len(root.Content) == 0 {
		return nil, fail(0, "file is empty; it needs an `instances:` list (see docs/simulator.md)")
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fail(doc.Line, "the top level must be a mapping with `instances:`")
	}
	var sf scenarioFile
	var instNodes []*yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "regions":
			if err := decodeStrict(v, &sf.Regions); err != nil {
				return nil, yamlError(name, err)
			}
		case "instances":
			if v.Kind != yaml.SequenceNode {
				return nil, fail(v.Line, "`instances` must be a list")
			}
			instNodes = v.Content
		default:
			return nil, fail(k.Line, "unknown key %q (expected regions, instances)", k.Value)
		}
	}
	if len(instNodes) == 0 {
		return nil, fail(doc.Line, "no instances: add at least one under `instances:`")
	}
	f := &Fleet{}
	known := map[string]string{}
	for _, r := range AllRegions() {
		known[r.RegionID] = r.LocalName
	}
	seenRegion := map[string]bool{}
	addRegion := func(id string) {
		if !seenRegion[id] {
			seenRegion[id] = true
			f.Regions = append(f.Regions, model.Region{RegionID: id, LocalName: known[id]})
		}
	}
	for _, r := range sf.Regions {
		addRegion(r)
	}
	ids := map[string]int{}
	// given are the event ids the file gives; derived are the events it does not give one
	// (instance and event index): a derived id never repeats any other (below).
	given := map[string]bool{}
	var derived [][2]int
	for _, n := range instNodes {
		var si scenarioInstance
		if err := decodeStrict(n, &si); err != nil {
			return nil, yamlError(name, err)
		}
		line := func(key string) int { return keyLine(n, key) }
		if si.ID == "" {
			return nil, fail(n.Line, "instance has no `id`")
		}
		if prev, dup := ids[si.ID]; dup {
			return nil, fail(line("id"), "instance %s is listed twice (first on line %d)", si.ID, prev)
		}
		ids[si.ID] = line("id")
		if si.Region == "" {
			return nil, fail(n.Line, "instance %s has no `region`", si.ID)
		}
		in := model.Instance{
			ID: si.ID, Name: si.Name, RegionID: si.Region, ZoneID: si.Zone,
			InstanceType: si.Type, Family: model.FamilyOf(si.Type),
			Status: model.InstanceStatus(si.Status), ChargeType: si.Charge,
			LocalStorageAmount: si.LocalDisks, LocalStorageCapacity: si.LocalCapacity,
			DedicatedHostID: si.DedicatedHost, DeploymentSetID: si.DeploymentSet, Tags: si.Tags,
		}
		if in.ZoneID == "" {
			in.ZoneID = in.RegionID + "-a"
		}
		if in.InstanceType == "" {
			in.InstanceType, in.Family = "ecs.g7.large", "ecs.g7"
		}
		if in.Status == "" {
			in.Status = model.StatusRunning
		}
		if !slices.Contains([]model.InstanceStatus{model.StatusPending, model.StatusStarting, model.StatusRunning, model.StatusStopping, model.StatusStopped}, in.Status) {
			return nil, fail(line("status"), "instance %s: status %q is not one of Pending, Starting, Running, Stopping, Stopped", si.ID, si.Status)
		}
		switch in.ChargeType {
		case "":
			in.ChargeType = model.PostPaid
		case model.PostPaid, model.PrePaid:
		default:
			return nil, fail(line("charge"), "instance %s: charge %q is not PrePaid or PostPaid", si.ID, si.Charge)
		}
		if si.LocalDisks < 0 || si.LocalCapacity < 0 {
			return nil, fail(line("local_disks"), "instance %s: local disk counts cannot be negative", si.ID)
		}
		if si.Expires != "" {
			t, err := parseWhen(si.Expires, now)
			if err != nil {
				return nil, fail(line("expires"), "instance %s: expires: %v", si.ID, err)
			}
			in.ExpiredTime = t
		}
		for _, l := range si.Locks {
			lr := model.LockReason(l)
			if !slices.Contains([]model.LockReason{model.LockFinancial, model.LockSecurity, model.LockRecycling, model.LockDedicatedHostFinancial, model.LockRefunded}, lr) {
				return nil, fail(line("locks"), "instance %s: lock %q is not one of financial, security, recycling, dedicatedhostfinancial, refunded", si.ID, l)
			}
			in.OperationLocks = append(in.OperationLocks, lr)
		}
		evNodes := valueNode(n, "events")
		for j, se := range si.Events {
			evLine := n.Line
			if evNodes != nil && j < len(evNodes.Content) {
				evLine = evNodes.Content[j].Line
			}
			ev, err := scenarioEventToModel(se, &in, j, now)
			if err != nil {
				return nil, fail(evLine, "instance %s, event %d: %v", si.ID, j+1, err)
			}
			if se.ID == "" {
				derived = append(derived, [2]int{len(f.Instances), len(in.Events)})
			} else {
				given[ev.ID] = true
			}
			in.Events = append(in.Events, ev)
		}
		if si.Maintenance != nil {
			a, err := si.Maintenance.attribute(in.ID)
			if err != nil {
				return nil, fail(line("maintenance"), "instance %s: maintenance: %v", si.ID, err)
			}
			if f.Maintenance == nil {
				f.Maintenance = map[string]model.MaintenanceAttribute{}
			}
			f.Maintenance[in.ID] = a
		}
		addRegion(in.RegionID)
		f.Instances = append(f.Instances, in)
	}
	for _, d := range derived {
		ev := &f.Instances[d[0]].Events[d[1]]
		for given[ev.ID] {
			ev.ID += "0"
		}
		given[ev.ID] = true
	}
	return f, nil
}

func scenarioEventToModel(se scenarioEvent, in *model.Instance, j int, now time.Time) (model.Event, error) {
	ev := model.Event{
		ID: se.ID, InstanceID: in.ID, Type: model.EventType(se.Type),
		CycleStatus: model.EventCycleStatus(se.Status), Reason: se.Reason, ImpactLevel: se.Impact,
	}
	if ev.ID == "" {
		// Shaped as the platform's (e-2zeielxl1qzq8slb****, the AcceptInquiredSystemEvent
		// and DescribeInstanceHistoryEvents pages: e- and letters and digits), so that every
		// command takes it (model.ValidEventID): the instance id's stem, e, the event's
		// place. The loader keeps it distinct from every id before it.
		stem := strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return r
			}
			return -1
		}, strings.TrimPrefix(in.ID, "i-"))
		ev.ID = fmt.Sprintf("e-%se%d", stem, j+1)
	}
	if !slices.Contains(model.AllEventTypes, ev.Type) {
		return ev, fmt.Errorf("type %q is not a known event type (e.g. SystemMaintenance.Redeploy)", se.Type)
	}
	if ev.CycleStatus == "" {
		ev.CycleStatus = model.CycleScheduled
	}
	if model.CycleStatusCode(ev.CycleStatus) == 0 {
		return ev, fmt.Errorf("status %q is not one of Inquiring, Scheduled, Executing, Avoided, Executed, Canceled, Failed", se.Status)
	}
	if se.NotBefore == "" {
		return ev, errors.New("not_before (the deadline) is required, e.g. \"+3h\"")
	}
	var err error
	if ev.NotBefore, err = parseWhen(se.NotBefore, now); err != nil {
		return ev, fmt.Errorf("not_before: %w", err)
	}
	// By default an event is published two days before its deadline, as ECS announces
	// planned maintenance days ahead (its notification example: published 2019-04-09,
	// notBefore 2019-04-12, https://www.alibabacloud.com/help/doc-detail/143663.html), and
	// never later than now: a scenario lists what is pending when it loads, so an event due
	// in three days or thirty is pending at once, not hidden until two days before.
	ev.PublishTime = ev.NotBefore.Add(-48 * time.Hour)
	if at := now.Truncate(time.Second); ev.PublishTime.After(at) {
		ev.PublishTime = at
	}
	if se.Published != "" {
		if ev.PublishTime, err = parseWhen(se.Published, now); err != nil {
			return ev, fmt.Errorf("published: %w", err)
		}
		if ev.PublishTime.After(ev.NotBefore) {
			return ev, fmt.Errorf("published %q is after not_before %q: ECS publishes an event before its deadline", se.Published, se.NotBefore)
		}
	}
	if se.Finished != "" {
		if ev.FinishTime, err = parseWhen(se.Finished, now); err != nil {
			return ev, fmt.Errorf("finished: %w", err)
		}
	}
	ev.ReasonCode = se.ReasonCode
	a := &model.ExtendedAttribute{DiskID: se.Disk, Device: se.Device, HostID: se.Host, Rack: se.Rack, CanAccept: se.CanAccept}
	if a.CanAccept != "" && a.CanAccept != "true" && a.CanAccept != "false" {
		return ev, fmt.Errorf("can_accept %q is \"true\" or \"false\"", se.CanAccept)
	}
	if se.FirstNotBefore != "" {
		if a.InitialNotBefore, err = parseWhen(se.FirstNotBefore, now); err != nil {
			return ev, fmt.Errorf("first_not_before: %w", err)
		}
	}
	if !a.IsZero() {
		ev.ExtendedAttribute = a
	}
	return ev, nil
}

// parseWhen reads RFC 3339 or a signed offset from now: +3h, -20m, +2d, +1d6h.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if len(s) > 1 && (s[0] == '+' || s[0] == '-') {
		body := s[1:]
		var days time.Duration
		if i := strings.IndexByte(body, 'd'); i > 0 {
			var n int
			if _, err := fmt.Sscanf(body[:i], "%d", &n); err == nil && fmt.Sprint(n) == body[:i] {
				days = time.Duration(n) * 24 * time.Hour
				body = body[i+1:]
			}
		}
		d := time.Duration(0)
		if body != "" {
			var err error
			if d, err = time.ParseDuration(body); err != nil {
				return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor an offset like +3h, -20m, +2d", s)
			}
		}
		d += days
		if s[0] == '-' {
			d = -d
		}
		return now.Add(d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor an offset like +3h, -20m, +2d", s)
}

func decodeStrict(n *yaml.Node, v any) error {
	// yaml.v3 reports unknown fields only through a Decoder, so re-encode the node once.
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return shiftLines(err, n.Line-1)
	}
	return nil
}

// shiftLines rebases the line numbers in a decode error of a re-encoded node onto the file.
func shiftLines(err error, by int) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	out := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		var ln int
		var rest string
		if _, e := fmt.Sscanf(m, "line %d:", &ln); e == nil {
			rest = m[strings.IndexByte(m, ':')+1:]
			out[i] = fmt.Sprintf("line %d:%s", ln+by, rest)
		} else {
			out[i] = m
		}
	}
	return &yaml.TypeError{Errors: out}
}

func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return scenarioLineError(name, te.Errors[0])
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if !strings.HasPrefix(msg, "line ") {
		// yaml.v3 leaves the line out of a syntax error on the first line (its marks count
		// from 0 and 0 reads as "unknown"): a tab before `regions:` said no FILE:LINE.
		msg = "line 1: " + msg
	}
	return scenarioLineError(name, msg)
}

func scenarioLineError(name, msg string) error {
	var ln int
	if _, err := fmt.Sscanf(msg, "line %d:", &ln); err == nil {
		return &ScenarioError{File: name, Line: ln, Msg: friendlyYAML(strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:]))}
	}
	return &ScenarioError{File: name, Msg: friendlyYAML(msg)}
}

var (
	reUnknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	reWrongType    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// friendlyYAML rewords yaml.v3's Go-flavoured messages for someone editing a file.
func friendlyYAML(msg string) string {
	if m := reUnknownField.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown key %q (see the scenario schema in docs/simulator.md)", m[1])
	}
	if m := reWrongType.FindStringSubmatch(msg); m != nil {
		want := strings.TrimPrefix(m[3], "sim.")
		switch {
		case strings.HasPrefix(want, "int"):
			want = "a whole number"
		case strings.HasPrefix(want, "[]"):
			want = "a list"
		case strings.HasPrefix(want, "map"), strings.HasPrefix(want, "scenario"):
			want = "a mapping"
		}
		return fmt.Sprintf("expected %s, got %q", want, m[2])
	}
	return msg
}

func valueNode(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func keyLine(m *yaml.Node, key string) int {
	if v := valueNode(m, key); v != nil {
		return v.Line
	}
	return m.Line
}
