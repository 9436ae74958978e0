package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/model"
)

// Error is every mistake found in a policy file, one line each, in file order:
// "policy.yaml:12: lead_time "2x": write a duration like 6h".
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// ErrPolicy is wrapped by every refusal of a policy file (errors.Is).
var ErrPolicy = errors.New("invalid policy")

// Is makes errors.Is(err, ErrPolicy) hold for an *Error.
func (e *Error) Is(target error) bool { return target == ErrPolicy }

// MaxFileSize is the largest policy file Load reads (1 MiB): a policy is read by people,
// and a 10 MB one took 15 s and 750 MB to parse.
const MaxFileSize = 1 << 20

// Load reads and parses the policy file at path. Only a regular file is read (a FIFO or a
// device would block the reload, or never end: localfile), and only up to MaxFileSize.
func Load(path string) (*Policy, error) {
	f, err := localfile.Open(path, os.O_RDONLY, 0, localfile.Input)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the policy: %w; give the path of a policy file (docs/autopilot-policy.yaml is one to start from)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the policy: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: its close says nothing the read did not
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the policy: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("reading the policy: %s is larger than %d KiB; a policy is a page of rules (see docs/autopilot.md)", path, MaxFileSize>>10)
	}
	return Parse(path, data)
}

// Parse reads a policy from data; file names it in messages. It reports every mistake it
// finds (Error), not just the first.
func Parse(file string, data []byte) (*Policy, error) {
	p := &parser{file: filepath.Base(file)}
	pol := &Policy{File: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.syntax(err, data)
		return nil, p.err()
	}
	if len(doc.Content) == 0 {
		p.add(1, "the file is empty: write name: and rules: (see docs/autopilot.md)")
		return nil, p.err()
	}
	// An alias node's Value is its anchor's name, not the value it stands for: read as a
	// value, "local_disks: *wipe" would say wipe whatever the anchor holds. A policy is
	// read by people: every value is written where it applies.
	p.aliases(&doc)
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	root := doc.Content[0]
	fields := p.mapping(root, "the policy", "name", "rules")
	if fields == nil {
		return nil, p.err()
	}
	if n := fields["name"]; n == nil {
		p.add(root.Line, "name: missing: name the policy (the autopilot is autopilot:<name>), e.g. name: web-oncall")
	} else if s, ok := p.str(n, "name"); ok {
		if !nameShape.MatchString(s) {
			p.add(n.Line, fmt.Sprintf("name %q: use lower-case letters, digits, '.', '_' and '-' (at most 63), e.g. web-oncall", s))
		}
		pol.Name = s
	}
	rules := fields["rules"]
	switch {
	case rules == nil:
		p.add(root.Line, "rules: missing: give at least one rule")
	case rules.Kind != yaml.SequenceNode:
		p.add(rules.Line, "rules: write a list of rules (each line starting with '- name:')")
	case len(rules.Content) == 0:
		p.add(rules.Line, "rules: empty: give at least one rule")
	default:
		seen := map[string]int{}
		for _, rn := range rules.Content {
			r, ok := p.rule(rn)
			if !ok {
				continue
			}
			if first, dup := seen[r.Name]; dup && r.Name != "" {
				p.add(rn.Line, fmt.Sprintf("rule %q: a rule of that name is already on line %d: give each rule its own name", r.Name, first))
			}
			seen[r.Name] = rn.Line
			pol.Rules = append(pol.Rules, r)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return pol, nil
}

var nameShape = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// parser collects the mistakes of one file.
type parser struct {
	file     string
	problems []problem
}

type problem struct {
	line int
	msg  string
}

func (p *parser) add(line int, msg string) { p.problems = append(p.problems, problem{line, msg}) }

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(p.problems, func(a, b problem) int { return a.line - b.line })
	e := &Error{}
	for _, pr := range p.problems {
		e.Problems = append(e.Problems, fmt.Sprintf("%s:%d: %s", p.file, pr.line, pr.msg))
	}
	return e
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns a YAML syntax error into "file:line: …".
func (p *parser) syntax(err error, data []byte) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		// yaml.v3 says a tab "cannot start any token": say what to do about it.
		if lines := strings.Split(string(data), "\n"); n >= 1 && n <= len(lines) && strings.Contains(lines[n-1], "\t") {
			p.add(n, "not valid YAML: a tab; indent with spaces")
			return
		}
		p.add(n, "not valid YAML: "+m[2])
		return
	}
	p.add(1, "not valid YAML: "+strings.TrimPrefix(msg, "yaml: "))
}

// mapping checks that n is a mapping whose keys are among known, each once, and returns
// its values by key; nil when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, what string, known ...string) map[string]*yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, fmt.Sprintf("%s: write key: value lines (%s)", what, strings.Join(known, ", ")))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(known, k.Value):
			p.add(k.Line, fmt.Sprintf("%s: unknown key %q: the keys are %s", what, k.Value, strings.Join(known, ", ")))
		case out[k.Value] != nil:
			p.add(k.Line, fmt.Sprintf("%s: %s is given twice (first on line %d): keep one", what, k.Value, out[k.Value].Line))
		default:
			out[k.Value] = v
		}
	}
	return out
}

// aliases reports every alias under n (never following one).
func (p *parser) aliases(n *yaml.Node) {
	if n.Kind == yaml.AliasNode {
		p.add(n.Line, fmt.Sprintf("*%s: aliases are not read in a policy: write the value itself", n.Value))
		return
	}
	for _, c := range n.Content {
		p.aliases(c)
	}
}

func (p *parser) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.add(n.Line, key+": write a single value")
		return "", false
	}
	return n.Value, true
}

// list reads a list of strings; a single value is a list of one.
func (p *parser) list(n *yaml.Node, key string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, key+": write a list, e.g. ["+key+"-1, "+key+"-2]")
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			p.add(c.Line, key+": each entry is a single value")
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func (p *parser) rule(n *yaml.Node) (Rule, bool) {
	r := Rule{Line: n.Line}
	f := p.mapping(n, "rule", "name", "match", "when", "how")
	if f == nil {
		return r, false
	}
	if v := f["name"]; v == nil {
		p.add(n.Line, "rule: name: missing: name each rule (audit lines and the timeline say which rule acted)")
	} else if s, ok := p.str(v, "name"); ok {
		if s == "" {
			p.add(v.Line, "rule: name: empty: name each rule")
		}
		r.Name = s
	}
	label := "rule"
	if r.Name != "" {
		label = fmt.Sprintf("rule %q", r.Name)
	}
	if v := f["match"]; v == nil {
		p.add(n.Line, label+": match: missing: say which instances the rule takes (regions, tags, event_types, event_statuses)")
	} else {
		r.Match = p.match(v, label)
	}
	r.When = When{InWindow: true, Zone: time.UTC, Margin: DefaultMargin}
	if v := f["when"]; v != nil {
		p.when(v, &r.When)
	}
	r.How = How{MaxInFlight: 1, OnFailure: "pause", LocalDisks: LocalDisksLeave, ForceStop: ForceStopNever}
	if v := f["how"]; v != nil {
		p.how(v, &r.How)
	}
	return r, true
}

func (p *parser) match(n *yaml.Node, label string) Match {
	var m Match
	f := p.mapping(n, "match", "regions", "tags", "event_types", "event_statuses")
	if f == nil {
		return m
	}
	if len(f) == 0 {
		p.add(n.Line, label+": match: empty: give at least one of regions, tags, event_types, event_statuses")
	}
	if v := f["regions"]; v != nil {
		for _, r := range p.list(v, "regions") {
			if !model.IsRegionID(r) {
				p.add(v.Line, fmt.Sprintf("regions: %q is not a region id: write ids like cn-hangzhou", r))
				continue
			}
			m.Regions = append(m.Regions, r)
		}
	}
	if v := f["tags"]; v != nil {
		if v.Kind != yaml.MappingNode {
			p.add(v.Line, "tags: write key: value lines (app: web); the value * matches any value")
		} else {
			m.Tags = map[string]string{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, val := v.Content[i], v.Content[i+1]
				if val.Kind != yaml.ScalarNode || k.Value == "" {
					p.add(k.Line, fmt.Sprintf("tags: %q: write key: value", k.Value))
					continue
				}
				m.Tags[k.Value] = val.Value
			}
		}
	}
	if v := f["event_types"]; v != nil {
		for _, t := range p.list(v, "event_types") {
			if !slices.Contains(model.AllEventTypes, model.EventType(t)) {
				p.add(v.Line, fmt.Sprintf("event_types: %q is not an event type: write one of %s", t, eventTypes()))
				continue
			}
			m.EventTypes = append(m.EventTypes, model.EventType(t))
		}
	}
	if v := f["event_statuses"]; v != nil {
		for _, s := range p.list(v, "event_statuses") {
			st := model.EventCycleStatus(s)
			if !st.Pending() {
				p.add(v.Line, fmt.Sprintf("event_statuses: %q: write Inquiring, Scheduled or Executing (only pending events are redeployed)", s))
				continue
			}
			m.EventStatuses = append(m.EventStatuses, st)
		}
	}
	return m
}

func eventTypes() string {
	s := make([]string, len(model.AllEventTypes))
	for i, t := range model.AllEventTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func (p *parser) when(n *yaml.Node, w *When) {
	f := p.mapping(n, "when", "lead_time", "in_maintenance_window", "avoid_hours", "time_zone", "margin")
	if f == nil {
		return
	}
	if v := f["lead_time"]; v != nil {
		if d, ok := p.duration(v, "lead_time"); ok {
			w.LeadTime = d
		}
	}
	if v := f["margin"]; v != nil {
		if d, ok := p.duration(v, "margin"); ok {
			w.Margin = d
		}
	}
	if v := f["in_maintenance_window"]; v != nil {
		switch v.Value {
		case "true", "yes":
			w.InWindow = true
		case "false", "no":
			w.InWindow = false
		default:
			p.add(v.Line, fmt.Sprintf("in_maintenance_window %q: write true or false", v.Value))
		}
	}
	if v := f["time_zone"]; v != nil {
		if s, ok := p.str(v, "time_zone"); ok {
			z, err := Zone(s)
			if err != nil {
				p.add(v.Line, err.Error())
			} else {
				w.Zone = z
			}
		}
	}
	if v := f["avoid_hours"]; v != nil {
		for _, s := range p.list(v, "avoid_hours") {
			h, err := ParseHours(s)
			if err != nil {
				p.add(v.Line, err.Error())
				continue
			}
			w.Avoid = append(w.Avoid, h)
		}
	}
}

func (p *parser) how(n *yaml.Node, h *How) {
	f := p.mapping(n, "how", "max_in_flight", "max_per", "on_failure", "local_disks", "force_stop")
	if f == nil {
		return
	}
	if v := f["max_in_flight"]; v != nil {
		if k, err := strconv.Atoi(v.Value); err != nil || k < 1 || v.Kind != yaml.ScalarNode {
			p.add(v.Line, fmt.Sprintf("max_in_flight %q: write a whole number, at least 1", v.Value))
		} else {
			h.MaxInFlight = k
		}
	}
	if v := f["max_per"]; v != nil {
		if v.Kind != yaml.MappingNode {
			p.add(v.Line, `max_per: write grouping: number lines ("tag:app": 1, host: 1, rack: 2)`)
		} else {
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, val := v.Content[i], v.Content[i+1]
				by := k.Value
				if !(by == "host" || by == "rack" || (strings.HasPrefix(by, "tag:") && len(by) > 4)) {
					p.add(k.Line, fmt.Sprintf(`max_per: %q: group by "tag:KEY", host or rack`, by))
					continue
				}
				m, err := strconv.Atoi(val.Value)
				if err != nil || m < 1 || val.Kind != yaml.ScalarNode {
					p.add(val.Line, fmt.Sprintf("max_per: %s %q: write a whole number, at least 1", by, val.Value))
					continue
				}
				h.Limits = append(h.Limits, Limit{By: by, Max: m})
			}
		}
	}
	if v := f["on_failure"]; v != nil && v.Value != "pause" {
		p.add(v.Line, fmt.Sprintf("on_failure %q: write pause (the autopilot stops at a failure and waits for a human)", v.Value))
	}
	if v := f["local_disks"]; v != nil {
		switch LocalDisks(v.Value) {
		case LocalDisksLeave, LocalDisksWipe:
			h.LocalDisks = LocalDisks(v.Value)
		default:
			p.add(v.Line, fmt.Sprintf("local_disks %q: write leave (left to humans) or wipe (redeploy re-initializes the local disks: ALL THEIR DATA IS LOST)", v.Value))
		}
	}
	if v := f["force_stop"]; v != nil {
		switch ForceStop(v.Value) {
		case ForceStopNever, ForceStopLoseUnwrittenData:
			h.ForceStop = ForceStop(v.Value)
		default:
			p.add(v.Line, fmt.Sprintf("force_stop %q: write never, or lose-unwritten-data (stops like pulling the power: data not yet written to disk is lost)", v.Value))
		}
	}
}

// duration reads "6h", "90m" or "2d".
func (p *parser) duration(n *yaml.Node, key string) (time.Duration, bool) {
	d, err := ParseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		p.add(n.Line, fmt.Sprintf("%s %q: write a duration like 6h, 90m or 2d", key, n.Value))
		return 0, false
	}
	return d, true
}

// ParseDuration reads a Go duration (6h, 90m, 1h30m), or whole days (2d). It must be
// positive.
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%q: write a duration like 6h, 90m or 2d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: write a duration like 6h, 90m or 2d", s)
	}
	return d, nil
}

var hoursShape = regexp.MustCompile(`^(\d{2}):(\d{2})-(\d{2}):(\d{2})$`)

// ParseHours reads "08:00-20:00" (24:00 is midnight at the end of the day).
func ParseHours(s string) (Hours, error) {
	bad := fmt.Errorf("avoid_hours %q: write HH:MM-HH:MM, e.g. 08:00-20:00", s)
	m := hoursShape.FindStringSubmatch(s)
	if m == nil {
		return Hours{}, bad
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	if n[0] > 24 || n[2] > 24 || n[1] > 59 || n[3] > 59 || (n[0] == 24 && n[1] > 0) || (n[2] == 24 && n[3] > 0) {
		return Hours{}, bad
	}
	h := Hours{Start: time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute,
		End: time.Duration(n[2])*time.Hour + time.Duration(n[3])*time.Minute}
	h.Start %= 24 * time.Hour
	h.End %= 24 * time.Hour
	if h.Start == h.End {
		return Hours{}, fmt.Errorf("avoid_hours %q: the range is empty (or the whole day): write two different times", s)
	}
	return h, nil
}

var offsetShape = regexp.MustCompile(`^UTC([+-])(\d{1,2})(?::(\d{2}))?$`)

// Zone reads a time zone: UTC, a fixed offset (UTC+8, UTC-05:30), or an IANA name
// (Asia/Shanghai; the binary embeds the zone database).
func Zone(s string) (*time.Location, error) {
	if s == "UTC" {
		return time.UTC, nil
	}
	if m := offsetShape.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mins := 0
		if m[3] != "" {
			mins, _ = strconv.Atoi(m[3])
		}
		if h <= 14 && mins < 60 {
			off := h*3600 + mins*60
			if m[1] == "-" {
				off = -off
			}
			return time.FixedZone(s, off), nil
		}
	}
	if s != "" && s != "Local" && !strings.HasPrefix(s, "UTC") {
		if z, err := time.LoadLocation(s); err == nil {
			return z, nil
		}
	}
	return nil, fmt.Errorf("time_zone %q: write UTC, an offset like UTC+8, or a zone name like Asia/Shanghai", s)
}
