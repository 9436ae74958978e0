package ecsapi

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// rawJSON is a reply already encoded; writeJSON sends it as is.
type rawJSON []byte

// appendEventsReply encodes a DescribeInstanceHistoryEvents page by hand: it is the call
// clients poll, and reflection-based encoding of 100 events was most of its cost. The shape
// is what the SDK's DescribeInstanceHistoryEventsResponse unmarshals:
//
//	{"RequestId","TotalCount","PageNumber"(page style),"PageSize","NextToken"(more pages),
//	 "InstanceSystemEventSet":{"InstanceSystemEventType":[{"EventId","InstanceId",
//	 "ResourceType","EventType":{"Name","Code"},"EventCycleStatus":{"Name","Code"},
//	 "EventPublishTime","NotBefore","EventFinishTime"(final),"Reason","ReasonCode",
//	 "ImpactLevel","ExtendedAttribute":{"Device","DiskId","HostId","HostType","Rack",
//	 "CanAccept","InitialNotBefore","MigrationOptions":{"MigrationOption":[…]},
//	 "InactiveDisks":{"InactiveDisk":[…]},…}(when the event has one)}]}}
func appendEventsReply(b []byte, requestID string, total, pageNumber, pageSize int, next string, evs []model.Event) rawJSON {
	b = appendPageHeader(b, requestID, total, pageNumber, pageSize, next)
	b = append(b, `,"InstanceSystemEventSet":{"InstanceSystemEventType":[`...)
	for i := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEvent(b, &evs[i])
	}
	return append(b, "]}}"...)
}

func appendEvent(b []byte, ev *model.Event) []byte {
	b = append(b, `{"EventId":`...)
	b = appendJSONString(b, ev.ID)
	b = append(b, `,"InstanceId":`...)
	b = appendJSONString(b, ev.InstanceID)
	b = append(b, `,"ResourceType":"instance","EventType":{"Name":`...)
	b = appendJSONString(b, string(ev.Type))
	b = append(b, `,"Code":`...)
	b = strconv.AppendInt(b, int64(model.EventTypeCode(ev.Type)), 10)
	b = append(b, `},"EventCycleStatus":{"Name":`...)
	b = appendJSONString(b, string(ev.CycleStatus))
	b = append(b, `,"Code":`...)
	b = strconv.AppendInt(b, int64(model.CycleStatusCode(ev.CycleStatus)), 10)
	b = append(b, `},"EventPublishTime":`...)
	b = appendTime(b, ev.PublishTime)
	b = append(b, `,"NotBefore":`...)
	b = appendTime(b, ev.NotBefore)
	if !ev.FinishTime.IsZero() {
		b = append(b, `,"EventFinishTime":`...)
		b = appendTime(b, ev.FinishTime)
	}
	b = append(b, `,"Reason":`...)
	b = appendJSONString(b, ev.Reason)
	if ev.ReasonCode != "" {
		b = append(b, `,"ReasonCode":`...)
		b = appendJSONString(b, ev.ReasonCode)
	}
	if ev.ImpactLevel != "" {
		b = append(b, `,"ImpactLevel":`...)
		b = appendJSONString(b, ev.ImpactLevel)
	}
	if a := ev.ExtendedAttribute; a != nil && !a.IsZero() {
		b = appendExtendedAttribute(append(b, `,"ExtendedAttribute":`...), a)
	}
	return append(b, '}')
}

// appendExtendedAttribute writes an event's ExtendedAttribute with the members it has, in
// the shape of the SDK's ExtendedAttribute (lists in their {"Item":[…]} wrappers).
func appendExtendedAttribute(b []byte, a *model.ExtendedAttribute) []byte {
	sep := byte('{')
	str := func(name, v string) {
		if v == "" {
			return
		}
		b = append(b, sep, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b = appendJSONString(b, v)
		sep = ','
	}
	str("Device", a.Device)
	str("DiskId", a.DiskID)
	str("HostId", a.HostID)
	str("HostType", a.HostType)
	str("Rack", a.Rack)
	str("Code", a.Code)
	str("CanAccept", a.CanAccept)
	if !a.InitialNotBefore.IsZero() {
		b = append(b, sep)
		b = append(b, `"InitialNotBefore":`...)
		b = appendTime(b, a.InitialNotBefore)
		sep = ','
	}
	str("OnlineRepairPolicy", a.OnlineRepairPolicy)
	str("ResponseResult", a.ResponseResult)
	str("PunishType", a.PunishType)
	str("PunishDomain", a.PunishDomain)
	str("PunishUrl", a.PunishURL)
	if len(a.MigrationOptions) > 0 {
		b = append(b, sep)
		b = append(b, `"MigrationOptions":{"MigrationOption":[`...)
		for i, o := range a.MigrationOptions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, o)
		}
		b = append(b, "]}"...)
		sep = ','
	}
	if len(a.InactiveDisks) > 0 {
		b = append(b, sep)
		b = append(b, `"InactiveDisks":{"InactiveDisk":[`...)
		for i, k := range a.InactiveDisks {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"CreationTime":`...)
			b = appendJSONString(b, k.CreationTime)
			b = append(b, `,"ReleaseTime":`...)
			b = appendJSONString(b, k.ReleaseTime)
			b = append(b, `,"DeviceCategory":`...)
			b = appendJSONString(b, k.DeviceCategory)
			b = append(b, `,"DeviceSize":`...)
			b = appendJSONString(b, k.DeviceSize)
			b = append(b, `,"DeviceType":`...)
			b = appendJSONString(b, k.DeviceType)
			b = append(b, '}')
		}
		b = append(b, "]}"...)
		sep = ','
	}
	if sep == '{' {
		b = append(b, '{')
	}
	return append(b, '}')
}

// appendPageHeader opens a page of a listing reply with the members every listing action
// returns: {"RequestId","TotalCount","PageNumber" (page style only),"PageSize","NextToken"
// (when more pages follow). The caller appends the page's set and closes the object.
func appendPageHeader(b []byte, requestID string, total, pageNumber, pageSize int, next string) []byte {
	b = append(b, `{"RequestId":`...)
	b = appendJSONString(b, requestID)
	b = append(b, `,"TotalCount":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	if pageNumber > 0 {
		b = append(b, `,"PageNumber":`...)
		b = strconv.AppendInt(b, int64(pageNumber), 10)
	}
	b = append(b, `,"PageSize":`...)
	b = strconv.AppendInt(b, int64(pageSize), 10)
	if next != "" {
		b = append(b, `,"NextToken":`...)
		b = appendJSONString(b, next)
	}
	return b
}

// appendTime writes t as ECS writes event times, to the second in UTC; zero is "".
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	if !t.IsZero() {
		b = appendSecond(b, t)
	}
	return append(b, '"')
}

// appendJSONString writes s as a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	return append(appendEscaped(append(b, '"'), s), '"')
}

// appendEscaped writes s escaped as appendJSONString does, without the quotes, for a
// string the encoder writes in pieces ("dh-" and a zone).
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		if plainByte[s[i]] {
			i++
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript; encoding/json escapes them.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// plainByte marks the bytes appendEscaped copies as they are: printable ASCII but '"' and
// '\\'. One load per byte instead of four comparisons.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendInstancesReply encodes a DescribeInstances page straight from the engine's
// instances, as appendEventsReply does an events page: building an instanceJSON per
// instance first (its strings, lock and tag slices) cost more than the writing. Fields,
// order and omissions are those of instanceJSON's tags; encode_test.go holds the two to
// the same bytes. The shape is what the SDK's DescribeInstancesResponse unmarshals:
//
//	{"RequestId","TotalCount","PageNumber"(page style),"PageSize","NextToken"(more pages),
//	 "Instances":{"Instance":[{"InstanceId",…,"VpcAttributes":{…},
//	 "DedicatedHostAttribute":{…},"OperationLocks":{"LockReason":[…]},"Tags":{"Tag":[…]}}]}}
//
// tags, when not nil, are each instance's tags sorted by key, as the engine keeps them;
// nil has them read from the instances' maps.
func (s *Server) appendInstancesReply(b []byte, requestID string, total, pageNumber, pageSize int, next string,
	ins []model.Instance, tags [][]sim.Tag) rawJSON {
	b = appendPageHeader(b, requestID, total, pageNumber, pageSize, next)
	b = append(b, `,"Instances":{"Instance":[`...)
	for i := range ins {
		if i > 0 {
			b = append(b, ',')
		}
		var sorted []sim.Tag
		if tags != nil {
			sorted = tags[i]
		}
		b = s.appendInstance(b, &ins[i], sorted)
	}
	return append(b, "]}}"...)
}

// maxSortedTags is how many tags appendInstance sorts without allocating; an instance
// with more still answers all of them.
const maxSortedTags = 16

// appendInstance writes one instance; tags are its tags sorted by key, or nil to sort
// them from its map.
func (s *Server) appendInstance(b []byte, in *model.Instance, tags []sim.Tag) []byte {
	if tags == nil && len(in.Tags) > 0 {
		// At most maxSortedTags are sorted without allocating.
		tags = make([]sim.Tag, 0, maxSortedTags)
		for k, v := range in.Tags {
			tags = append(tags, sim.Tag{Key: k, Value: v})
		}
		slices.SortFunc(tags, func(a, b sim.Tag) int { return strings.Compare(a.Key, b.Key) })
	}
	env := ""
	for _, t := range tags {
		if t.Key == "env" {
			env = t.Value
			break
		}
	}

	// CreationTime is not in the model; derive a stable one from the id.
	h := fnv32a(in.ID)
	created := s.created.Add(-time.Duration(30+h%700) * 24 * time.Hour).Add(time.Duration(h%1440) * time.Minute)
	cpu, mem := shape(in.InstanceType)

	b = append(b, `{"InstanceId":`...)
	b = appendJSONString(b, in.ID)
	b = append(b, `,"InstanceName":`...)
	b = appendJSONString(b, in.Name)
	b = append(b, `,"HostName":`...)
	b = appendJSONString(b, in.Name)
	b = append(b, `,"Description":"","RegionId":`...)
	b = appendJSONString(b, in.RegionID)
	b = append(b, `,"ZoneId":`...)
	b = appendJSONString(b, in.ZoneID)
	b = append(b, `,"InstanceType":`...)
	b = appendJSONString(b, in.InstanceType)
	b = append(b, `,"InstanceTypeFamily":`...)
	b = appendJSONString(b, in.Family)
	b = append(b, `,"Cpu":`...)
	b = strconv.AppendInt(b, int64(cpu), 10)
	b = append(b, `,"Memory":`...)
	b = strconv.AppendInt(b, int64(mem), 10)
	b = append(b, `,"Status":`...)
	b = appendJSONString(b, string(in.Status))
	b = append(b, `,"InstanceChargeType":`...)
	b = appendJSONString(b, in.ChargeType)
	b = append(b, `,"InternetChargeType":"`+internetChargeType+`","InstanceNetworkType":"`+networkType+
		`","OSType":"linux","CreationTime":"`...)
	b = appendMinute(b, created)
	b = append(b, `","StartTime":"`...)
	b = appendMinute(b, created)
	b = append(b, `","ExpiredTime":"`...)
	if in.ExpiredTime.IsZero() {
		b = append(b, neverExpires...)
	} else {
		b = appendMinute(b, in.ExpiredTime)
	}
	b = append(b, `","LocalStorageAmount":`...)
	b = strconv.AppendInt(b, int64(in.LocalStorageAmount), 10)
	b = append(b, `,"LocalStorageCapacity":`...)
	b = strconv.AppendInt(b, in.LocalStorageCapacity, 10)
	b = append(b, `,"DeploymentSetId":`...)
	b = appendJSONString(b, in.DeploymentSetID)
	b = append(b, `,"IoOptimized":true,"VpcAttributes":{"VpcId":"vpc-`...)
	b = appendNetID(b, in.ID, in.RegionID, env)
	b = append(b, `","VSwitchId":"vsw-`...)
	b = appendNetID(b, in.ID, in.ZoneID, env)
	b = append(b, `","PrivateIpAddress":{"IpAddress":[]}},"DedicatedHostAttribute":{"DedicatedHostId":`...)
	if in.DedicatedHostID == "" {
		b = append(b, `"","DedicatedHostName":"","DedicatedHostClusterId":""`...)
	} else {
		b = appendJSONString(b, in.DedicatedHostID)
		b = append(b, `,"DedicatedHostName":"dh-`...)
		b = appendEscaped(b, in.ZoneID)
		b = append(b, `","DedicatedHostClusterId":"dc-`...)
		b = appendEscaped(b, in.ZoneID)
		b = append(b, '"')
	}
	b = append(b, `},"OperationLocks":{"LockReason":[`...)
	for i, l := range in.OperationLocks {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"LockReason":`...)
		b = appendJSONString(b, string(l))
		if msg := lockMessages[l]; msg != "" {
			b = append(b, `,"LockMsg":`...)
			b = appendJSONString(b, msg)
		}
		b = append(b, '}')
	}
	b = append(b, `]},"Tags":{"Tag":[`...)
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"TagKey":`...)
		b = appendJSONString(b, t.Key)
		b = append(b, `,"TagValue":`...)
		b = appendJSONString(b, t.Value)
		b = append(b, '}')
	}
	return append(b, "]}}"...)
}

// appendNetID writes netID of the instance id with env tag env in scope, escaped for a
// JSON string, without building it.
func appendNetID(b []byte, id, scope, env string) []byte {
	stem := strings.TrimPrefix(id, "i-")
	b = appendEscaped(b, stem[:min(3, len(stem))])
	return strconv.AppendUint(b, netHash(scope, env), 36)
}

// appendMinute writes t as fmtMinute does (to the minute, in UTC), for t not zero.
func appendMinute(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, minuteLayout)
	}
	hour, minute, _ := t.Clock()
	return append(appendDay(b, year, month, day), 'T', digit(hour/10), digit(hour%10), ':', digit(minute/10), digit(minute%10), 'Z')
}

// appendSecond writes t as ECS writes event times, to the second in UTC, for t not zero:
// time.AppendFormat walks its layout on every call, which was most of an event's cost.
func appendSecond(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, secondLayout)
	}
	hour, minute, sec := t.Clock()
	return append(appendDay(b, year, month, day), 'T', digit(hour/10), digit(hour%10), ':',
		digit(minute/10), digit(minute%10), ':', digit(sec/10), digit(sec%10), 'Z')
}

// appendDay writes yyyy-mm-dd for a year from 0 to 9999.
func appendDay(b []byte, year int, month time.Month, day int) []byte {
	m := int(month)
	return append(b, digit(year/1000), digit(year/100%10), digit(year/10%10), digit(year%10), '-',
		digit(m/10), digit(m%10), '-', digit(day/10), digit(day%10))
}

func digit(n int) byte { return byte('0' + n) }
