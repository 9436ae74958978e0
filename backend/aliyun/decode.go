package aliyun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"ecs-redeploy/model"
)

// Listing replies (DescribeInstances, DescribeInstanceHistoryEvents) are read token by
// token with jsontext, encoding/json/v2's syntax layer, into the fields the backend uses.
// The SDK's reflection decoder allocated 5,300 times for a page of 100 instances, and
// that garbage was a good part of a listing's CPU; here a page costs a few hundred. The
// SDK still signs, sends and reads the call (it is handed a CommonResponse, which it
// leaves undecoded).
//
// The reading is no more lenient than the SDK's, and stricter where leniency could hide a
// garbled reply. A member may be missing or null (read as empty), a number may stand where
// a string is documented (read as its digits) and a numeric string where a number is
// (read as its value), and unknown members are skipped. Anything else is an error that
// says where, and the caller makes the reply unproven: an object where a string belongs,
// a count that is not an integer, invalid UTF-8, a body that is not JSON, bytes after the
// reply, and a member the backend reads given twice in one object. ECS never repeats a
// name; the SDK's decoder would keep the last list of two, or merge two objects, and
// either way read a page other than the one sent: two InstanceSystemEventType lists, or an
// empty InstanceSystemEventSet after a full one, would have lost or added events without
// a word.

// replyDecoder is a decoder over one reply body. A name given twice is refused by the
// readers below for the members they read (errMemberTwice), and ignored for the members
// they skip, which cannot change what is read: jsontext's own check of every name cost a
// sixth of the decoding.
func replyDecoder(body []byte) *jsontext.Decoder {
	return jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true))
}

// errMemberTwice is a member the backend reads given twice in one object.
var errMemberTwice = errors.New("duplicate object member")

// open reads the start of an object or an array, as kind says. A null is none: ok is
// false and there is nothing to close.
func open(d *jsontext.Decoder, kind jsontext.Kind) (ok bool, err error) {
	tok, err := d.ReadToken()
	switch {
	case err != nil:
		return false, err
	case tok.Kind() == kind:
		return true, nil
	case tok.Kind() == 'n':
		return false, nil
	}
	return false, fmt.Errorf("%s where %s belongs", kindName(tok.Kind()), kindName(kind))
}

// more reports whether the object or array just opened at d has another member. It is
// false on a malformed body too: then close reports the error.
func more(d *jsontext.Decoder) bool {
	k := d.PeekKind()
	return k != '}' && k != ']' && k != 0
}

// closeValue reads the end of the object or array being read.
func closeValue(d *jsontext.Decoder) error {
	_, err := d.ReadToken()
	return err
}

// endReply checks that nothing follows the reply object.
func endReply(d *jsontext.Decoder) error {
	if _, err := d.ReadToken(); err != io.EOF {
		return fmt.Errorf("more after the reply object")
	}
	return nil
}

// readString reads a string; a number is read as its digits and null as "".
func readString(d *jsontext.Decoder) (string, error) {
	v, err := d.ReadValue()
	if err != nil {
		return "", err
	}
	switch v.Kind() {
	case '"':
		return string(unquote(v)), nil
	case '0':
		return string(v), nil
	case 'n':
		return "", nil
	}
	return "", fmt.Errorf("%s where a string belongs", kindName(v.Kind()))
}

// interner hands out the one copy of each string a reply repeats (zones, types, statuses,
// event types, tag keys), looked up by the bytes read, so that a repeat costs no
// allocation; the copies are intern's, shared by the whole listing.
type interner map[string]string

// instanceInterners are DescribeInstances pages' interners, kept from page to page (pages
// are read at once, so one each): a fresh one for every page of 100 instances interned
// its zones, types and tags anew, 2 % of `events`' CPU at 100,000 instances (issue 20).
var instanceInterners = sync.Pool{New: func() any { return interner{} }}

// keptInterned is the most strings a pooled interner keeps: a fleet's zones, types and
// tag sets are a few hundred; tags unique to each instance grow it past this, and it is
// let go.
const keptInterned = 4096

// put hands strs back to instanceInterners, unless it grew past keptInterned.
func (strs interner) put() {
	if len(strs) <= keptInterned {
		instanceInterners.Put(strs)
	}
}

// readInterned is readString for a value the reply repeats.
func (strs interner) readInterned(d *jsontext.Decoder) (string, error) {
	v, err := d.ReadValue()
	if err != nil {
		return "", err
	}
	var b []byte
	switch v.Kind() {
	case '"':
		b = unquote(v)
	case '0':
		b = v
	case 'n':
		return "", nil
	default:
		return "", fmt.Errorf("%s where a string belongs", kindName(v.Kind()))
	}
	if s, ok := strs[string(b)]; ok {
		return s, nil
	}
	s := intern(string(b))
	strs[s] = s
	return s, nil
}

// readName reads the name of an object's member, valid until d reads on.
func readName(d *jsontext.Decoder) ([]byte, error) {
	v, err := d.ReadValue()
	if err != nil {
		return nil, err
	}
	return unquote(v), nil
}

// unquote is the text of v, a JSON string the decoder read and checked. Without an escape
// it is v's own bytes: names and values almost never have one, and Token.String would
// scan each string a second time to find that out.
func unquote(v jsontext.Value) []byte {
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	s, _ := jsontext.AppendUnquote(nil, v)
	return s
}

// readInt reads an integer; a string holding one is read as its value, and "" and null
// as 0.
func readInt(d *jsontext.Decoder) (int64, error) {
	tok, err := d.ReadToken()
	if err != nil {
		return 0, err
	}
	switch tok.Kind() {
	case '0':
		return strconv.ParseInt(tok.String(), 10, 64)
	case '"':
		if s := tok.String(); s != "" {
			return strconv.ParseInt(s, 10, 64)
		}
		return 0, nil
	case 'n':
		return 0, nil
	}
	return 0, fmt.Errorf("%s where a number belongs", kindName(tok.Kind()))
}

// readCount reads a count the reply must carry (TotalCount): nil when it is null.
func readCount(d *jsontext.Decoder) (*int, error) {
	if d.PeekKind() == 'n' {
		return nil, d.SkipValue()
	}
	n, err := readInt(d)
	if err != nil {
		return nil, err
	}
	v := int(n)
	return &v, nil
}

// readObject reads the object at d, calling member with each name and d at its value.
// member reads or skips the value and returns the member's own bit among the object's
// members it reads (0 for one it skips), so that a member read twice is refused
// (errMemberTwice). The name is only valid until d reads on. A null is no object: present
// is false.
func readObject(d *jsontext.Decoder, member func(name []byte) (bit uint32, err error)) (present bool, err error) {
	if present, err = open(d, '{'); !present {
		return false, err
	}
	var seen uint32 // the members read so far: each may come once
	for more(d) {
		name, err := readName(d)
		if err != nil {
			return true, err
		}
		bit, err := member(name)
		if seen&bit != 0 {
			err = errMemberTwice
		}
		seen |= bit
		if err != nil {
			return true, err
		}
	}
	return true, closeValue(d)
}

// readNamed reads an object of which only the string member name is wanted (the API's
// {"Name": "..."} and {"LockReason": "..."} wrappers), a value replies repeat.
func (strs interner) readNamed(d *jsontext.Decoder, name string) (v string, err error) {
	_, err = readObject(d, func(n []byte) (uint32, error) {
		if string(n) != name {
			return 0, d.SkipValue()
		}
		v, err = strs.readInterned(d)
		return 1, err
	})
	return v, err
}

// readList reads {"item": [...]}, the API's wrapper of every list, calling elem with d at
// each element of the array, which elem must consume. present is false when the wrapper
// is null; a wrapper without the array is present and empty.
func readList(d *jsontext.Decoder, item string, elem func() error) (present bool, err error) {
	return readObject(d, func(n []byte) (uint32, error) {
		if string(n) != item {
			return 0, d.SkipValue()
		}
		ok, err := open(d, '[')
		for ok && err == nil && more(d) {
			err = elem()
		}
		if ok && err == nil {
			err = closeValue(d)
		}
		return 1, err
	})
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "nothing"
}

// located says where in the body err happened, as a JSON Pointer (/Instances/Instance/3/
// ZoneId). jsontext's own errors already say where, with the pointer cut short when it is
// long: those are returned as they are.
func located(d *jsontext.Decoder, err error) error {
	var se *jsontext.SyntacticError
	if err == nil || errors.As(err, &se) {
		return err
	}
	p := string(d.StackPointer())
	if p == "" {
		return err // the reply itself: nowhere more precise to point
	}
	if len(p) > 200 {
		p = p[:200] + "…"
	}
	return fmt.Errorf("at %q: %w", p, err)
}

// A page's decoded lists (instanceSet, eventSet) are scratch: the caller turns them into
// model values and lets them go (release), and the next page is read into them. A fresh
// set for every page was a sixth of the bytes a listing allocated (70 MB at 100,000
// instances), all of it garbage within the call (issue 20).
var (
	instanceSets = sync.Pool{New: func() any {
		return &instanceSet{
			Instance: make([]listedInstance, 0, instancesPerCall),
			tags:     make([]listedTag, 0, instancesPerCall*tagsPerInstance),
		}
	}}
	eventSets = sync.Pool{New: func() any {
		return &eventSet{
			InstanceSystemEventType: make([]listedEvent, 0, eventsPageSize),
			attrs:                   make([]model.ExtendedAttribute, 0, eventsPageSize),
		}
	}}
)

// keptSetItems is the most items a pooled set keeps room for: a page is at most 100
// items (and their tags, up to 20 each); a set grown past that by a reply the backend
// then refuses is let go.
const keptSetItems = 20 * instancesPerCall

// release hands r's Instances back for the next page to be read into, cleared (it holds
// no string of the page); r has none after.
func (r *instancesReply) release() {
	s := r.Instances
	r.Instances = nil
	if s == nil || cap(s.Instance) > keptSetItems || cap(s.tags) > keptSetItems {
		return
	}
	clear(s.Instance)
	clear(s.tags)
	s.Instance, s.tags = s.Instance[:0], s.tags[:0]
	instanceSets.Put(s)
}

// release is instancesReply.release for an events reply.
func (r *eventsReply) release() {
	s := r.InstanceSystemEventSet
	r.InstanceSystemEventSet = nil
	if s == nil || cap(s.InstanceSystemEventType) > keptSetItems || cap(s.attrs) > keptSetItems {
		return
	}
	clear(s.InstanceSystemEventType)
	clear(s.attrs)
	s.InstanceSystemEventType, s.attrs = s.InstanceSystemEventType[:0], s.attrs[:0]
	eventSets.Put(s)
}

// decodeInstances reads a DescribeInstances reply body. The reply's Instances is r's to
// release once read.
func decodeInstances(body []byte) (r instancesReply, err error) {
	d := replyDecoder(body)
	strs := instanceInterners.Get().(interner)
	defer strs.put()
	present, err := readObject(d, func(name []byte) (bit uint32, err error) {
		switch string(name) {
		case "RequestId":
			r.RequestId, err = readString(d)
			return 1 << 0, err
		case "TotalCount":
			r.TotalCount, err = readCount(d)
			return 1 << 1, err
		case "Instances":
			r.release() // a second Instances is refused (errMemberTwice); its first is let go
			set := instanceSets.Get().(*instanceSet)
			// The page's tags, in one array: each instance's Tags is its part of it.
			present, err := readList(d, "Instance", func() error {
				set.Instance = append(set.Instance, listedInstance{})
				var err error
				set.tags, err = readInstance(d, strs, &set.Instance[len(set.Instance)-1], set.tags)
				return err
			})
			r.Instances = set
			if !present {
				r.release()
			}
			return 1 << 2, err
		}
		return 0, d.SkipValue()
	})
	return r, endDecoding(d, present, err)
}

// endDecoding is the error of a reply read with present and err: where it went wrong, a
// reply that is null, or bytes after it.
func endDecoding(d *jsontext.Decoder, present bool, err error) error {
	switch {
	case err != nil:
		return located(d, err)
	case !present:
		return errors.New("null where the reply object belongs")
	}
	return endReply(d)
}

// tagsPerInstance is what a page's tag array is sized for, per instance: ECS allows 20
// tags, most instances have a handful (the array grows for more).
const tagsPerInstance = 4

// readInstance reads one element of Instances.Instance into in. Its tags are appended to
// tags, and in.Tags is that part of the result: a slice of its own for each instance grew
// three or four times, and was garbage as soon as toInstance made the instance's map.
func readInstance(d *jsontext.Decoder, strs interner, in *listedInstance, tags []listedTag) ([]listedTag, error) {
	_, err := readObject(d, func(name []byte) (bit uint32, err error) {
		var n int64
		switch string(name) {
		case "InstanceId":
			in.InstanceId, err = readString(d)
			return 1 << 0, err
		case "InstanceName":
			in.InstanceName, err = readString(d)
			return 1 << 1, err
		case "RegionId":
			in.RegionId, err = strs.readInterned(d)
			return 1 << 2, err
		case "ZoneId":
			in.ZoneId, err = strs.readInterned(d)
			return 1 << 3, err
		case "InstanceType":
			in.InstanceType, err = strs.readInterned(d)
			return 1 << 4, err
		case "InstanceTypeFamily":
			in.InstanceTypeFamily, err = strs.readInterned(d)
			return 1 << 5, err
		case "Status":
			in.Status, err = strs.readInterned(d)
			return 1 << 6, err
		case "InstanceChargeType":
			in.InstanceChargeType, err = strs.readInterned(d)
			return 1 << 7, err
		case "ExpiredTime":
			in.ExpiredTime, err = readString(d) // parsed, then dropped: not interned
			return 1 << 8, err
		case "DeploymentSetId":
			in.DeploymentSetId, err = readString(d)
			return 1 << 9, err
		case "LocalStorageAmount":
			n, err = readInt(d)
			in.LocalStorageAmount = int(n)
			return 1 << 10, err
		case "LocalStorageCapacity":
			in.LocalStorageCapacity, err = readInt(d)
			return 1 << 11, err
		case "DedicatedHostAttribute":
			in.DedicatedHostId, err = strs.readNamed(d, "DedicatedHostId")
			return 1 << 12, err
		case "OperationLocks":
			in.LockReasons = in.LockReasons[:0]
			_, err = readList(d, "LockReason", func() error {
				l, err := strs.readNamed(d, "LockReason")
				in.LockReasons = append(in.LockReasons, l)
				return err
			})
			return 1 << 13, err
		case "Tags":
			lo := len(tags)
			_, err = readList(d, "Tag", func() error {
				tags = append(tags, listedTag{})
				return readTag(d, strs, &tags[len(tags)-1])
			})
			in.Tags = tags[lo:len(tags):len(tags)]
			return 1 << 14, err
		}
		return 0, d.SkipValue()
	})
	return tags, err
}

// readTag reads one element of Tags.Tag: ECS names its members TagKey/TagValue, some
// replies Key/Value.
func readTag(d *jsontext.Decoder, strs interner, t *listedTag) error {
	_, err := readObject(d, func(name []byte) (bit uint32, err error) {
		switch string(name) {
		case "TagKey":
			t.TagKey, err = strs.readInterned(d)
			return 1 << 0, err
		case "TagValue":
			t.TagValue, err = strs.readInterned(d)
			return 1 << 1, err
		case "Key":
			t.Key, err = strs.readInterned(d)
			return 1 << 2, err
		case "Value":
			t.Value, err = strs.readInterned(d)
			return 1 << 3, err
		}
		return 0, d.SkipValue()
	})
	return err
}

// decodeEvents reads a DescribeInstanceHistoryEvents reply body. Its InstanceSystemEventSet
// is r's to release once read.
func decodeEvents(body []byte) (r eventsReply, err error) {
	return decodeEventsWith(body, interner{})
}

// decodeEventsWith is decodeEvents with the interner of the listing the page is one of:
// reasons, racks and types repeat from page to page, and each is then interned once a
// listing instead of once a page.
func decodeEventsWith(body []byte, strs interner) (r eventsReply, err error) {
	d := replyDecoder(body)
	present, err := readObject(d, func(name []byte) (bit uint32, err error) {
		switch string(name) {
		case "RequestId":
			r.RequestId, err = readString(d)
			return 1 << 0, err
		case "TotalCount":
			r.TotalCount, err = readCount(d)
			return 1 << 1, err
		case "NextToken":
			r.NextToken, err = readString(d)
			return 1 << 2, err
		case "InstanceSystemEventSet":
			r.release()
			set := eventSets.Get().(*eventSet)
			present, err := readList(d, "InstanceSystemEventType", func() error {
				set.InstanceSystemEventType = append(set.InstanceSystemEventType, listedEvent{})
				return readEvent(d, strs, &set.InstanceSystemEventType[len(set.InstanceSystemEventType)-1], set)
			})
			r.InstanceSystemEventSet = set
			if !present {
				r.release()
			}
			return 1 << 3, err
		}
		return 0, d.SkipValue()
	})
	return r, endDecoding(d, present, err)
}

// readEvent reads one element of InstanceSystemEventSet.InstanceSystemEventType into e; its
// ExtendedAttribute, when it has one, is one of set's attrs.
func readEvent(d *jsontext.Decoder, strs interner, e *listedEvent, set *eventSet) error {
	_, err := readObject(d, func(name []byte) (bit uint32, err error) {
		switch string(name) {
		case "EventId":
			e.EventId, err = readString(d)
			return 1 << 0, err
		case "InstanceId":
			e.InstanceId, err = readString(d)
			return 1 << 1, err
		case "EventPublishTime":
			e.EventPublishTime, err = readString(d)
			return 1 << 2, err
		case "EventFinishTime":
			e.EventFinishTime, err = readString(d)
			return 1 << 3, err
		case "NotBefore":
			e.NotBefore, err = readString(d)
			return 1 << 4, err
		case "Reason":
			e.Reason, err = strs.readInterned(d)
			return 1 << 5, err
		case "ImpactLevel":
			e.ImpactLevel, err = strs.readInterned(d)
			return 1 << 6, err
		case "EventType":
			e.EventType, err = strs.readNamed(d, "Name")
			return 1 << 7, err
		case "EventCycleStatus":
			e.EventCycleStatus, err = strs.readNamed(d, "Name")
			return 1 << 8, err
		case "ReasonCode":
			e.ReasonCode, err = strs.readInterned(d)
			return 1 << 9, err
		case "ExtendedAttribute":
			var a model.ExtendedAttribute
			var some bool
			e.ExtendedAttribute = nil
			if a, some, err = readExtendedAttribute(d, strs); some {
				set.attrs = append(set.attrs, a)
				e.ExtendedAttribute = &set.attrs[len(set.attrs)-1]
			}
			return 1 << 10, err
		}
		return 0, d.SkipValue()
	})
	return err
}

// readExtendedAttribute reads an event's ExtendedAttribute: none (some false) when it is
// null, or an object with none of the members the console reads (the usual case for
// events that are not about a disk or a host). Racks and host types repeat
// across a listing and are interned; InitialNotBefore is read from the JSON, as the
// SDK's struct does not have it.
func readExtendedAttribute(d *jsontext.Decoder, strs interner) (a model.ExtendedAttribute, some bool, err error) {
	used := false
	_, err = readObject(d, func(name []byte) (bit uint32, err error) {
		used = true
		switch string(name) {
		case "Device":
			a.Device, err = readString(d)
			return 1 << 0, err
		case "DiskId":
			a.DiskID, err = readString(d)
			return 1 << 1, err
		case "HostId":
			// Not interned: a host has a few instances at most, so nearly every id is
			// new, and interning each was a twelfth of a listing's CPU (issue 20).
			a.HostID, err = readString(d)
			return 1 << 2, err
		case "HostType":
			a.HostType, err = strs.readInterned(d)
			return 1 << 3, err
		case "Rack":
			a.Rack, err = strs.readInterned(d)
			return 1 << 4, err
		case "Code":
			a.Code, err = strs.readInterned(d)
			return 1 << 5, err
		case "CanAccept":
			a.CanAccept, err = strs.readInterned(d)
			return 1 << 6, err
		case "InitialNotBefore":
			var t string
			t, err = readString(d)
			a.InitialNotBefore = parseTime(t)
			return 1 << 7, err
		case "OnlineRepairPolicy":
			a.OnlineRepairPolicy, err = strs.readInterned(d)
			return 1 << 8, err
		case "ResponseResult":
			a.ResponseResult, err = strs.readInterned(d)
			return 1 << 9, err
		case "PunishType":
			a.PunishType, err = strs.readInterned(d)
			return 1 << 10, err
		case "PunishDomain":
			a.PunishDomain, err = readString(d)
			return 1 << 11, err
		case "PunishUrl":
			a.PunishURL, err = readString(d)
			return 1 << 12, err
		case "MigrationOptions":
			a.MigrationOptions = make([]string, 0, 2) // the API lists one or two
			_, err = readList(d, "MigrationOption", func() error {
				o, err := strs.readInterned(d)
				a.MigrationOptions = append(a.MigrationOptions, o)
				return err
			})
			return 1 << 13, err
		case "InactiveDisks":
			a.InactiveDisks = a.InactiveDisks[:0]
			_, err = readList(d, "InactiveDisk", func() error {
				a.InactiveDisks = append(a.InactiveDisks, model.InactiveDisk{})
				return readInactiveDisk(d, strs, &a.InactiveDisks[len(a.InactiveDisks)-1])
			})
			return 1 << 14, err
		}
		return 0, d.SkipValue()
	})
	if err != nil || !used || a.IsZero() {
		return model.ExtendedAttribute{}, false, err
	}
	return a, true, nil
}

// readInactiveDisk reads one element of InactiveDisks.InactiveDisk.
func readInactiveDisk(d *jsontext.Decoder, strs interner, k *model.InactiveDisk) error {
	_, err := readObject(d, func(name []byte) (bit uint32, err error) {
		switch string(name) {
		case "CreationTime":
			k.CreationTime, err = readString(d)
			return 1 << 0, err
		case "ReleaseTime":
			k.ReleaseTime, err = readString(d)
			return 1 << 1, err
		case "DeviceCategory":
			k.DeviceCategory, err = strs.readInterned(d)
			return 1 << 2, err
		case "DeviceSize":
			k.DeviceSize, err = readString(d)
			return 1 << 3, err
		case "DeviceType":
			k.DeviceType, err = strs.readInterned(d)
			return 1 << 4, err
		}
		return 0, d.SkipValue()
	})
	return err
}
