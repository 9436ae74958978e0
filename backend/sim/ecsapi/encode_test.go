package ecsapi

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The DescribeInstances encoder writes, byte for byte, what the former encoder wrote from
// an instanceJSON per instance (instancejson_test.go), and that is what encoding/json
// writes for the same reply, value for value: on generated instances (locks, tags,
// dedicated hosts, local disks, expiry dates among them), on strings encoding/json
// escapes, on ids too short for a stem, on more tags than are sorted on the stack, on an
// empty page, and on a page as the engine answers it, tags sorted. Comparing decoded values compares the member sets too, so a field added
// to instanceJSON and not to the encoders fails here.
func TestInstancesReplyEncoderMatchesEncodingJSON(t *testing.T) {
	eng := sim.New(sim.Generate(5, 400, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 5})
	s := NewServer(eng, Options{AccessKeyID: "k", AccessKeySecret: "s"})
	ins := eng.PendingInstances(nil, nil)
	odd := ins[0]
	odd.Name = "db <primary> & \"replica\"\u2028\\\t\x01\xff 数据库"
	odd.Tags = map[string]string{"k<": "v&", "": ""}
	odd.OperationLocks = []model.LockReason{model.LockSecurity, "UnknownReason"}
	odd.DedicatedHostID = "dh-1"
	odd.ZoneID = "cn-\"zone\"\n"
	odd.ExpiredTime = time.Date(2031, 2, 3, 4, 5, 6, 0, time.FixedZone("CST", 8*3600))
	short := ins[1]
	short.ID, short.Name, short.Tags, short.OperationLocks = "i-", "", nil, nil
	quoted := ins[2]
	quoted.ID = "i-\"\\\xffbc"
	many := ins[3]
	many.Tags = map[string]string{}
	for i := range maxSortedTags + 5 {
		many.Tags["tag-"+strconv.Itoa(i*7%(maxSortedTags+5))] = strconv.Itoa(i)
	}
	ins = append(ins, odd, short, quoted, many)

	var locks, tags, hosts, disks, expiring int
	for i := range ins {
		locks += len(ins[i].OperationLocks)
		tags += len(ins[i].Tags)
		if ins[i].DedicatedHostID != "" {
			hosts++
		}
		if ins[i].LocalStorageAmount > 0 {
			disks++
		}
		if !ins[i].ExpiredTime.IsZero() {
			expiring++
		}
	}
	if locks == 0 || tags == 0 || hosts < 2 || disks == 0 || expiring < 2 {
		t.Fatalf("fixture: %d locks, %d tags, %d dedicated hosts, %d local disks, %d expiry dates; want some of each",
			locks, tags, hosts, disks, expiring)
	}

	// A page as DescribeInstances gets it: the engine's copies, with their tags sorted by
	// the engine, reused from an earlier page.
	first := eng.ListInstancesInto(sim.InstancePage{}, sim.InstanceFilter{Region: "cn-shanghai", WithoutEvents: true, SortedTags: true},
		sim.Page{After: -1, Limit: 100})
	pg := eng.ListInstancesInto(first, sim.InstanceFilter{Region: "cn-hangzhou", WithoutEvents: true, SortedTags: true},
		sim.Page{After: -1, Limit: 100})
	if len(pg.Instances) < 50 || len(pg.Tags) != len(pg.Instances) {
		t.Fatalf("engine page: %d instances, tags of %d", len(pg.Instances), len(pg.Tags))
	}

	for _, c := range []struct {
		id                  string
		total, number, size int
		next                string
		ins                 []model.Instance
		tags                [][]sim.Tag
	}{
		{"r-1", len(ins), 0, 100, "t<1>", ins, nil},
		{"r-2", 7, 3, 10, "", ins[:1], nil},
		{"r-3", 0, 1, 10, "", nil, nil},
		{"r-4", pg.Total, 0, 100, "i9", pg.Instances, pg.Tags},
	} {
		ref := describeInstancesReply{RequestID: c.id, TotalCount: c.total, PageNumber: c.number, PageSize: c.size, NextToken: c.next}
		ref.Instances.Instance = make([]instanceJSON, 0, len(c.ins))
		for i := range c.ins {
			ref.Instances.Instance = append(ref.Instances.Instance, s.instanceJSON(&c.ins[i]))
		}
		got := s.appendInstancesReply(nil, c.id, c.total, c.number, c.size, c.next, c.ins, c.tags)
		if old := ref.appendJSON(nil); !bytes.Equal(got, old) {
			i := 0
			for i < min(len(got), len(old)) && got[i] == old[i] {
				i++
			}
			t.Fatalf("%s: differs from the former encoder at byte %d:\n got …%.200s\nwant …%.200s", c.id, i, got[i:], old[i:])
		}
		want, err := json.Marshal(ref)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", c.id, err, got)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s:\n got %s\nwant %s", c.id, got, want)
		}
	}

	// The reference itself against encoding/json where the direct encoder never goes: nil
	// lists and a zero instance.
	nils := describeInstancesReply{RequestID: "r-5", PageNumber: 3}
	nils.Instances.Instance = []instanceJSON{{InstanceID: "i-nil"}}
	for _, r := range []describeInstancesReply{nils, {RequestID: "r-6"}} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(r.appendJSON(nil), &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s:\n got %s\nwant %s", r.RequestID, r.appendJSON(nil), want)
		}
	}
}

// appendMinute and appendSecond write what time.AppendFormat writes for the layouts ECS
// uses, in any zone, across the years they write by hand and those they hand back.
func TestTimeAppendersMatchAppendFormat(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("W", -(9*3600 + 30*60))}
	times := []time.Time{sim.Epoch, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(999, 6, 7, 8, 9, 10, 0, time.UTC)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		times = append(times, time.Unix(rng.Int64N(400*365*86400)-100*365*86400, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		for _, z := range zones {
			tz := tm.In(z)
			if got, want := string(appendMinute([]byte("x"), tz)), "x"+tz.UTC().Format(minuteLayout); got != want {
				t.Fatalf("appendMinute(%v) = %q, want %q", tz, got, want)
			}
			if got, want := string(appendSecond([]byte("x"), tz)), "x"+tz.UTC().Format(secondLayout); got != want {
				t.Fatalf("appendSecond(%v) = %q, want %q", tz, got, want)
			}
		}
	}
}

// netID and fnv32a hash as hash/fnv does: the VPC, vSwitch and creation time a client
// sees for an instance stay what they were.
func TestHashesAreHashFNV(t *testing.T) {
	for _, s := range []string{"", "i-bp1abc", "cn-hangzhou/prod", "数据库\xff"} {
		h32 := fnv.New32a()
		h32.Write([]byte(s))
		if got := fnv32a(s); got != h32.Sum32() {
			t.Errorf("fnv32a(%q) = %d, hash/fnv %d", s, got, h32.Sum32())
		}
	}
	in := model.Instance{ID: "i-bp1abcdef", RegionID: "cn-hangzhou", Tags: map[string]string{"env": "prod"}}
	h := fnv.New64a()
	h.Write([]byte("cn-hangzhou/prod"))
	if got, want := netID(&in, in.RegionID), "bp1"+strconv.FormatUint(h.Sum64(), 36); got != want {
		t.Errorf("netID = %q, want %q", got, want)
	}
}
