package eventsjson

import (
	"slices"
	"strconv"
	"time"

	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// rowEncoder writes Rows as `events --json` prints them: each an element of the
// top-level array, indented two spaces a level, fields in Row's order under its JSON
// names. It is the layout json.Encoder with SetIndent("", "  ") gives the slice, written
// straight from the fields: reflecting over every row and indenting the result in a
// second pass was most of a listing's CPU (at 10,000 instances, 0.13 s of 0.40 s).
// Strings are quoted by safetext.AppendJSONQuote, which turns invalid UTF-8 into U+FFFD
// as encoding/json does and, unlike it, leaves <, >, & unescaped, which JSON allows, and
// escapes U+202E and the other bidi and invisible characters. TestRowEncoderMatchesEncodingJSON keeps
// the two in step, field by field.
type rowEncoder struct {
	b     []byte
	depth int    // levels open below the array; a row's fields are at depth 2
	first []bool // per open level: no member written yet
	// keySets are the sorted tag keys of recent rows, the latest first (tagKeys).
	keySets [][]string
}

// row appends r as an element of the array, preceded by a comma unless it is the array's
// first element.
func (e *rowEncoder) row(r *Row, firstInArray bool) {
	if !firstInArray {
		e.b = append(e.b, ',')
	}
	e.depth = 1
	e.newline()
	e.open('{')
	e.str("InstanceId", r.InstanceID)
	e.str("InstanceName", r.InstanceName)
	e.str("RegionId", r.RegionID)
	e.str("ZoneId", r.ZoneID)
	e.str("Status", string(r.Status))
	e.str("InstanceType", r.InstanceType)
	e.str("EventId", r.EventID)
	e.str("EventType", string(r.EventType))
	e.str("EventCycleStatus", string(r.EventCycleStatus))
	e.time("NotBefore", r.NotBefore)
	e.key("Badges")
	e.open('[')
	for _, b := range r.Badges {
		e.elem()
		e.quote(string(b))
	}
	e.close(']')
	e.key("LocalStorage")
	e.open('{')
	e.int("LocalStorageAmount", int64(r.LocalStorage.Amount))
	e.int("LocalStorageCapacity", r.LocalStorage.CapacityGiB)
	e.close('}')
	e.str("DedicatedHostId", r.DedicatedHostID)
	e.key("OperationLocks")
	e.open('[')
	for _, l := range r.OperationLocks {
		e.elem()
		e.quote(string(l))
	}
	e.close(']')
	e.key("Events")
	e.open('[')
	for i := range r.Events {
		e.elem()
		e.event(&r.Events[i])
	}
	e.close(']')
	e.key("Eligibility")
	e.open('{')
	e.bool("Allowed", r.Eligibility.Allowed)
	e.key("Blocks")
	e.open('[')
	for _, b := range r.Eligibility.Blocks {
		e.elem()
		e.open('{')
		e.str("Kind", string(b.Kind))
		e.str("Code", b.Code)
		e.int("HttpStatus", int64(b.HTTPStatus))
		e.str("Message", b.Message)
		e.close('}')
	}
	e.close(']')
	e.key("Warnings")
	e.open('[')
	for _, w := range r.Eligibility.Warnings {
		e.elem()
		e.open('{')
		e.str("Kind", string(w.Kind))
		e.bool("Destructive", w.Destructive)
		e.str("Message", w.Message)
		e.close('}')
	}
	e.close(']')
	e.close('}')
	e.int("LocalStorageAmount", int64(r.LocalStorageAmount))
	e.int("LocalStorageCapacity", r.LocalStorageCapacity)
	e.str("DeploymentSetId", r.DeploymentSetID)
	e.str("InstanceChargeType", r.InstanceChargeType)
	if r.ExpiredTime == nil {
		e.key("ExpiredTime")
		e.b = append(e.b, "null"...)
	} else {
		e.time("ExpiredTime", *r.ExpiredTime)
	}
	e.key("Tags")
	e.open('{')
	var vals [8]string
	keys, values := e.tagKeys(r.Tags, vals[:0])
	for i, k := range keys {
		e.elem() // a tag key is anybody's text: quoted
		e.quote(k)
		e.b = append(e.b, ':', ' ')
		e.quote(values[i])
	}
	e.close('}')
	e.close('}')
}

// tagKeys is tags' keys sorted, as encoding/json orders them, and their values in that
// order (appended to values). A fleet's instances carry a few key sets (env and app; env,
// app and cluster): the encoder keeps the last recentKeySets sorted and tries them first,
// by the map's own lookups. Walking each row's map and sorting its keys was 3 % of
// `events`' CPU at 100,000 instances (issue 20).
func (e *rowEncoder) tagKeys(tags map[string]string, values []string) (keys, vals []string) {
	for _, keys := range e.keySets {
		if len(keys) != len(tags) {
			continue
		}
		vals := values
		for _, k := range keys {
			v, ok := tags[k]
			if !ok {
				break
			}
			vals = append(vals, v)
		}
		if len(vals) == len(keys) {
			// As many keys as the map, each in it: the map's keys, and nothing else.
			return keys, vals
		}
	}
	keys = make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		values = append(values, tags[k])
	}
	if len(e.keySets) < recentKeySets {
		e.keySets = append(e.keySets, keys)
	} else {
		copy(e.keySets[1:], e.keySets[:recentKeySets-1])
		e.keySets[0] = keys
	}
	return keys, values
}

// recentKeySets is how many sorted tag key sets a rowEncoder keeps.
const recentKeySets = 4

// event appends one model.Event as encoding/json would: FinishTime omitted when zero,
// Reason, ImpactLevel, ReasonCode, ExtendedAttribute (and each of its members) and
// Simulated when empty (their omitzero/omitempty tags).
func (e *rowEncoder) event(ev *model.Event) {
	e.open('{')
	e.str("EventId", ev.ID)
	e.str("InstanceId", ev.InstanceID)
	e.str("EventType", string(ev.Type))
	e.str("EventCycleStatus", string(ev.CycleStatus))
	e.time("EventPublishTime", ev.PublishTime)
	e.time("NotBefore", ev.NotBefore)
	if !ev.FinishTime.IsZero() {
		e.time("EventFinishTime", ev.FinishTime)
	}
	if ev.Reason != "" {
		e.str("Reason", ev.Reason)
	}
	if ev.ImpactLevel != "" {
		e.str("ImpactLevel", ev.ImpactLevel)
	}
	if ev.ReasonCode != "" {
		e.str("ReasonCode", ev.ReasonCode)
	}
	if a := ev.ExtendedAttribute; a != nil {
		e.key("ExtendedAttribute")
		e.extendedAttribute(a)
	}
	if ev.Simulated {
		e.bool("Simulated", true)
	}
	e.close('}')
}

// extendedAttribute appends an event's ExtendedAttribute in model.ExtendedAttribute's
// order, each member omitted when empty.
func (e *rowEncoder) extendedAttribute(a *model.ExtendedAttribute) {
	e.open('{')
	opt := func(name, v string) {
		if v != "" {
			e.str(name, v)
		}
	}
	opt("Device", a.Device)
	opt("DiskId", a.DiskID)
	if len(a.InactiveDisks) > 0 {
		e.key("InactiveDisks")
		e.open('[')
		for i := range a.InactiveDisks {
			k := &a.InactiveDisks[i]
			e.elem()
			e.open('{')
			opt("CreationTime", k.CreationTime)
			opt("ReleaseTime", k.ReleaseTime)
			opt("DeviceCategory", k.DeviceCategory)
			opt("DeviceSize", k.DeviceSize)
			opt("DeviceType", k.DeviceType)
			e.close('}')
		}
		e.close(']')
	}
	opt("HostId", a.HostID)
	opt("HostType", a.HostType)
	opt("Rack", a.Rack)
	opt("Code", a.Code)
	opt("CanAccept", a.CanAccept)
	if !a.InitialNotBefore.IsZero() {
		e.time("InitialNotBefore", a.InitialNotBefore)
	}
	if len(a.MigrationOptions) > 0 {
		e.key("MigrationOptions")
		e.open('[')
		for _, o := range a.MigrationOptions {
			e.elem()
			e.quote(o)
		}
		e.close(']')
	}
	opt("OnlineRepairPolicy", a.OnlineRepairPolicy)
	opt("ResponseResult", a.ResponseResult)
	opt("PunishType", a.PunishType)
	opt("PunishDomain", a.PunishDomain)
	opt("PunishUrl", a.PunishURL)
	e.close('}')
}

func (e *rowEncoder) newline() {
	if n := 1 + 2*e.depth; n <= len(newlineIndent) {
		// One append a line instead of a loop of two spaces a level: a row has about
		// sixty lines.
		e.b = append(e.b, newlineIndent[:n]...)
		return
	}
	e.b = append(e.b, '\n')
	for range e.depth {
		e.b = append(e.b, ' ', ' ')
	}
}

// newlineIndent is a newline and the indent of the deepest level a row usually reaches
// (an event's ExtendedAttribute's InactiveDisks: 6), with room to spare.
const newlineIndent = "\n                                "

// open starts an object or array one level deeper.
func (e *rowEncoder) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	for len(e.first) <= e.depth {
		e.first = append(e.first, false)
	}
	e.first[e.depth] = true
}

// close ends the innermost object or array: on its own line unless it is empty ([] or {}).
func (e *rowEncoder) close(c byte) {
	empty := e.first[e.depth]
	e.depth--
	if !empty {
		e.newline()
	}
	e.b = append(e.b, c)
}

// elem starts the next member of the innermost level.
func (e *rowEncoder) elem() {
	if !e.first[e.depth] {
		e.b = append(e.b, ',')
	}
	e.first[e.depth] = false
	e.newline()
}

// key starts a member named name, one of Row's JSON names: plain ASCII, written as is.
func (e *rowEncoder) key(name string) {
	e.elem()
	e.b = append(e.b, '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':', ' ')
}

// quote appends s as a JSON string: invalid UTF-8 as U+FFFD, as encoding/json writes it,
// and bidi and invisible characters (U+202E…) as \u escapes, which encoding/json leaves
// raw (safetext.AppendJSONQuote): the values stay exact for a decoder, and nobody reading
// the output sees a line reordered.
func (e *rowEncoder) quote(s string) {
	e.b = safetext.AppendJSONQuote(e.b, s)
}

func (e *rowEncoder) str(name, v string) {
	e.key(name)
	e.quote(v)
}

func (e *rowEncoder) int(name string, v int64) {
	e.key(name)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *rowEncoder) bool(name string, v bool) {
	e.key(name)
	e.b = strconv.AppendBool(e.b, v)
}

// time appends t as time.Time's MarshalJSON does: RFC 3339 with the fraction it has.
func (e *rowEncoder) time(name string, t time.Time) {
	e.key(name)
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}
