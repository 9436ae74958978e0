package aliyun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
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

// readNamed reads an object of which only the string member name is wanted (the API's
// {"Name": "..."} and {"LockReason": "..."} wrappers), a value replies repeat.
func (strs interner) readNamed(d *jsontext.Decoder, name string) (v string, err error) {
	found := false
	ok, err := open(d, '{')
	if !ok {
		return "", err
	}
	for more(d) {
		n, err := readName(d)
		if err != nil {
			return "", err
		}
		if string(n) == name {
			if found {
				return "", errMemberTwice
			}
			found = true
			v, err = strs.readInterned(d)
		} else {
			err = d.SkipValue()
		}
		if err != nil {
			return "", err
		}
	}
	return v, closeValue(d)
}

// readList reads {"item": [...]}, the API's wrapper of every list, calling elem with d at
// each element of the array, which elem must consume. present is false when the wrapper
// is null; a wrapper without the array is present and empty.
func readList(d *jsontext.Decoder, item string, elem func() error) (present bool, err error) {
	listed := false
	if present, err = open(d, '{'); !present {
		return false, err
	}
	for more(d) {
		n, err := readName(d)
		if err != nil {
			return true, err
		}
		if string(n) != item {
			if err := d.SkipValue(); err != nil {
				return true, err
			}
			continue
		}
		if listed {
			return true, errMemberTwice
		}
		listed = true
		ok, err := open(d, '[')
		if err != nil {
			return true, err
		}
		for ok && more(d) {
			if err := elem(); err != nil {
				return true, err
			}
		}
		if ok {
			if err := closeValue(d); err != nil {
				return true, err
			}
		}
	}
	return true, closeValue(d)
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
	if len(p) > 200 {
		p = p[:200] + "…"
	}
	return fmt.Errorf("at %q: %w", p, err)
}

// decodeInstances reads a DescribeInstances reply body.
func decodeInstances(body []byte) (r instancesReply, err error) {
	d := replyDecoder(body)
	strs := interner{}
	if ok, err := open(d, '{'); !ok {
		return r, orNotAnObject(err)
	}
	var seen uint32 // the members read so far: each may come once
	for more(d) {
		name, err := readName(d)
		if err != nil {
			return r, err
		}
		bit := uint32(0) // the member's own bit in seen, if it is one the backend reads
		switch string(name) {
		case "RequestId":
			bit = 1 << 0
			r.RequestId, err = readString(d)
		case "TotalCount":
			bit = 1 << 1
			r.TotalCount, err = readCount(d)
		case "Instances":
			bit = 1 << 2
			set := &instanceSet{Instance: make([]listedInstance, 0, instancesPerCall)}
			var present bool
			present, err = readList(d, "Instance", func() error {
				set.Instance = append(set.Instance, listedInstance{})
				return readInstance(d, strs, &set.Instance[len(set.Instance)-1])
			})
			r.Instances = nil
			if present {
				r.Instances = set
			}
		default:
			err = d.SkipValue()
		}
		if seen&bit != 0 {
			err = errMemberTwice
		}
		seen |= bit
		if err != nil {
			return r, located(d, err)
		}
	}
	if err := closeValue(d); err != nil {
		return r, err
	}
	return r, endReply(d)
}

// orNotAnObject is err, or for a body that is null, an error saying so.
func orNotAnObject(err error) error {
	if err == nil {
		return fmt.Errorf("null where the reply object belongs")
	}
	return err
}

// readInstance reads one element of Instances.Instance into in.
func readInstance(d *jsontext.Decoder, strs interner, in *listedInstance) error {
	if ok, err := open(d, '{'); !ok {
		return err
	}
	var seen uint32 // the members read so far: each may come once
	for more(d) {
		name, err := readName(d)
		if err != nil {
			return err
		}
		var n int64
		bit := uint32(0) // the member's own bit in seen, if it is one the backend reads
		switch string(name) {
		case "InstanceId":
			bit = 1 << 0
			in.InstanceId, err = readString(d)
		case "InstanceName":
			bit = 1 << 1
			in.InstanceName, err = readString(d)
		case "RegionId":
			bit = 1 << 2
			in.RegionId, err = strs.readInterned(d)
		case "ZoneId":
			bit = 1 << 3
			in.ZoneId, err = strs.readInterned(d)
		case "InstanceType":
			bit = 1 << 4
			in.InstanceType, err = strs.readInterned(d)
		case "InstanceTypeFamily":
			bit = 1 << 5
			in.InstanceTypeFamily, err = strs.readInterned(d)
		case "Status":
			bit = 1 << 6
			in.Status, err = strs.readInterned(d)
		case "InstanceChargeType":
			bit = 1 << 7
			in.InstanceChargeType, err = strs.readInterned(d)
		case "ExpiredTime":
			bit = 1 << 8
			in.ExpiredTime, err = readString(d) // parsed, then dropped: not interned
		case "DeploymentSetId":
			bit = 1 << 9
			in.DeploymentSetId, err = readString(d)
		case "LocalStorageAmount":
			bit = 1 << 10
			n, err = readInt(d)
			in.LocalStorageAmount = int(n)
		case "LocalStorageCapacity":
			bit = 1 << 11
			in.LocalStorageCapacity, err = readInt(d)
		case "DedicatedHostAttribute":
			bit = 1 << 12
			in.DedicatedHostId, err = strs.readNamed(d, "DedicatedHostId")
		case "OperationLocks":
			bit = 1 << 13
			in.LockReasons = in.LockReasons[:0]
			_, err = readList(d, "LockReason", func() error {
				l, err := strs.readNamed(d, "LockReason")
				in.LockReasons = append(in.LockReasons, l)
				return err
			})
		case "Tags":
			bit = 1 << 14
			in.Tags = in.Tags[:0]
			_, err = readList(d, "Tag", func() error {
				in.Tags = append(in.Tags, listedTag{})
				return readTag(d, strs, &in.Tags[len(in.Tags)-1])
			})
		default:
			err = d.SkipValue()
		}
		if seen&bit != 0 {
			err = errMemberTwice
		}
		seen |= bit
		if err != nil {
			return err
		}
	}
	return closeValue(d)
}

// readTag reads one element of Tags.Tag: ECS names its members TagKey/TagValue, some
// replies Key/Value.
func readTag(d *jsontext.Decoder, strs interner, t *listedTag) error {
	if ok, err := open(d, '{'); !ok {
		return err
	}
	var seen uint32 // the members read so far: each may come once
	for more(d) {
		name, err := readName(d)
		if err != nil {
			return err
		}
		bit := uint32(0) // the member's own bit in seen, if it is one the backend reads
		switch string(name) {
		case "TagKey":
			bit = 1 << 0
			t.TagKey, err = strs.readInterned(d)
		case "TagValue":
			bit = 1 << 1
			t.TagValue, err = strs.readInterned(d)
		case "Key":
			bit = 1 << 2
			t.Key, err = strs.readInterned(d)
		case "Value":
			bit = 1 << 3
			t.Value, err = strs.readInterned(d)
		default:
			err = d.SkipValue()
		}
		if seen&bit != 0 {
			err = errMemberTwice
		}
		seen |= bit
		if err != nil {
			return err
		}
	}
	return closeValue(d)
}

// decodeEvents reads a DescribeInstanceHistoryEvents reply body.
func decodeEvents(body []byte) (r eventsReply, err error) {
	d := replyDecoder(body)
	strs := interner{}
	if ok, err := open(d, '{'); !ok {
		return r, orNotAnObject(err)
	}
	var seen uint32 // the members read so far: each may come once
	for more(d) {
		name, err := readName(d)
		if err != nil {
			return r, err
		}
		bit := uint32(0) // the member's own bit in seen, if it is one the backend reads
		switch string(name) {
		case "RequestId":
			bit = 1 << 0
			r.RequestId, err = readString(d)
		case "TotalCount":
			bit = 1 << 1
			r.TotalCount, err = readCount(d)
		case "NextToken":
			bit = 1 << 2
			r.NextToken, err = readString(d)
		case "InstanceSystemEventSet":
			bit = 1 << 3
			set := &eventSet{InstanceSystemEventType: make([]listedEvent, 0, eventsPageSize)}
			var present bool
			present, err = readList(d, "InstanceSystemEventType", func() error {
				set.InstanceSystemEventType = append(set.InstanceSystemEventType, listedEvent{})
				return readEvent(d, strs, &set.InstanceSystemEventType[len(set.InstanceSystemEventType)-1])
			})
			r.InstanceSystemEventSet = nil
			if present {
				r.InstanceSystemEventSet = set
			}
		default:
			err = d.SkipValue()
		}
		if seen&bit != 0 {
			err = errMemberTwice
		}
		seen |= bit
		if err != nil {
			return r, located(d, err)
		}
	}
	if err := closeValue(d); err != nil {
		return r, err
	}
	return r, endReply(d)
}

// readEvent reads one element of InstanceSystemEventSet.InstanceSystemEventType into e.
func readEvent(d *jsontext.Decoder, strs interner, e *listedEvent) error {
	if ok, err := open(d, '{'); !ok {
		return err
	}
	var seen uint32 // the members read so far: each may come once
	for more(d) {
		name, err := readName(d)
		if err != nil {
			return err
		}
		bit := uint32(0) // the member's own bit in seen, if it is one the backend reads
		switch string(name) {
		case "EventId":
			bit = 1 << 0
			e.EventId, err = readString(d)
		case "InstanceId":
			bit = 1 << 1
			e.InstanceId, err = readString(d)
		case "EventPublishTime":
			bit = 1 << 2
			e.EventPublishTime, err = readString(d)
		case "EventFinishTime":
			bit = 1 << 3
			e.EventFinishTime, err = readString(d)
		case "NotBefore":
			bit = 1 << 4
			e.NotBefore, err = readString(d)
		case "Reason":
			bit = 1 << 5
			e.Reason, err = strs.readInterned(d)
		case "ImpactLevel":
			bit = 1 << 6
			e.ImpactLevel, err = strs.readInterned(d)
		case "EventType":
			bit = 1 << 7
			e.EventType, err = strs.readNamed(d, "Name")
		case "EventCycleStatus":
			bit = 1 << 8
			e.EventCycleStatus, err = strs.readNamed(d, "Name")
		default:
			err = d.SkipValue()
		}
		if seen&bit != 0 {
			err = errMemberTwice
		}
		seen |= bit
		if err != nil {
			return err
		}
	}
	return closeValue(d)
}
