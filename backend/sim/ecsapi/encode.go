package ecsapi

import (
	"strconv"
	"time"
	"unicode/utf8"

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
//	 "EventPublishTime","NotBefore","EventFinishTime"(final),"Reason","ImpactLevel"}]}}
func appendEventsReply(b []byte, requestID string, total, pageNumber, pageSize int, next string, evs []model.Event) rawJSON {
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
	if ev.ImpactLevel != "" {
		b = append(b, `,"ImpactLevel":`...)
		b = appendJSONString(b, ev.ImpactLevel)
	}
	return append(b, '}')
}

// appendTime writes t as ECS writes event times, to the second in UTC; zero is "".
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	if !t.IsZero() {
		b = t.UTC().AppendFormat(b, secondLayout)
	}
	return append(b, '"')
}

// appendJSONString writes s as a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
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
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSON encodes a DescribeInstances page by hand, as appendEventsReply does an events
// page: encoding/json's reflection over 100 instances of 28 fields was a fifth of
// sim-server's CPU in a listing. Fields, order and omissions are describeInstancesReply's
// tags; TestInstancesReplyEncoderMatchesEncodingJSON keeps the two in step.
func (o *describeInstancesReply) appendJSON(b []byte) rawJSON {
	b = append(b, `{"RequestId":`...)
	b = appendJSONString(b, o.RequestID)
	b = append(b, `,"TotalCount":`...)
	b = strconv.AppendInt(b, int64(o.TotalCount), 10)
	if o.PageNumber != 0 {
		b = append(b, `,"PageNumber":`...)
		b = strconv.AppendInt(b, int64(o.PageNumber), 10)
	}
	b = append(b, `,"PageSize":`...)
	b = strconv.AppendInt(b, int64(o.PageSize), 10)
	if o.NextToken != "" {
		b = append(b, `,"NextToken":`...)
		b = appendJSONString(b, o.NextToken)
	}
	b = append(b, `,"Instances":{"Instance":`...)
	if o.Instances.Instance == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range o.Instances.Instance {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.Instances.Instance[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

func (j *instanceJSON) appendJSON(b []byte) []byte {
	str := func(name, v string) {
		b = append(b, name...)
		b = appendJSONString(b, v)
	}
	num := func(name string, v int64) {
		b = append(b, name...)
		b = strconv.AppendInt(b, v, 10)
	}
	str(`{"InstanceId":`, j.InstanceID)
	str(`,"InstanceName":`, j.InstanceName)
	str(`,"HostName":`, j.HostName)
	str(`,"Description":`, j.Description)
	str(`,"RegionId":`, j.RegionID)
	str(`,"ZoneId":`, j.ZoneID)
	str(`,"InstanceType":`, j.InstanceType)
	str(`,"InstanceTypeFamily":`, j.InstanceTypeFamily)
	num(`,"Cpu":`, int64(j.Cpu))
	num(`,"Memory":`, int64(j.Memory))
	str(`,"Status":`, j.Status)
	str(`,"InstanceChargeType":`, j.InstanceChargeType)
	str(`,"InternetChargeType":`, j.InternetChargeType)
	str(`,"InstanceNetworkType":`, j.InstanceNetworkType)
	str(`,"OSType":`, j.OSType)
	str(`,"CreationTime":`, j.CreationTime)
	str(`,"StartTime":`, j.StartTime)
	str(`,"ExpiredTime":`, j.ExpiredTime)
	num(`,"LocalStorageAmount":`, int64(j.LocalStorageAmount))
	num(`,"LocalStorageCapacity":`, j.LocalStorageCapacity)
	str(`,"DeploymentSetId":`, j.DeploymentSetID)
	b = append(b, `,"IoOptimized":`...)
	b = strconv.AppendBool(b, j.IoOptimized)
	str(`,"VpcAttributes":{"VpcId":`, j.VpcAttributes.VpcID)
	str(`,"VSwitchId":`, j.VpcAttributes.VSwitchID)
	b = append(b, `,"PrivateIpAddress":{"IpAddress":`...)
	if ips := j.VpcAttributes.PrivateIPAddress.IPAddress; ips == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, ip := range ips {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, ip)
		}
		b = append(b, ']')
	}
	str(`}},"DedicatedHostAttribute":{"DedicatedHostId":`, j.DedicatedHostAttribute.DedicatedHostID)
	str(`,"DedicatedHostName":`, j.DedicatedHostAttribute.DedicatedHostName)
	str(`,"DedicatedHostClusterId":`, j.DedicatedHostAttribute.DedicatedHostClusterID)
	b = append(b, `},"OperationLocks":{"LockReason":`...)
	if locks := j.OperationLocks.LockReason; locks == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range locks {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"LockReason":`, l.LockReason)
			if l.LockMsg != "" {
				str(`,"LockMsg":`, l.LockMsg)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `},"Tags":{"Tag":`...)
	if tags := j.Tags.Tag; tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range tags {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"TagKey":`, t.TagKey)
			str(`,"TagValue":`, t.TagValue)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}
