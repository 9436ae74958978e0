package ecsapi

import (
	"encoding/json"
	"hash/fnv"
	"reflect"
	"strconv"
	"testing"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The hand-written DescribeInstances encoder writes what encoding/json writes for the same
// reply, value for value: on generated instances (locks, tags, dedicated hosts, local
// disks among them), on strings encoding/json escapes, and on nil lists and omitted
// fields. Comparing decoded values compares the member sets too, so a field added to
// instanceJSON and not to the encoder fails here.
func TestInstancesReplyEncoderMatchesEncodingJSON(t *testing.T) {
	eng := sim.New(sim.Generate(5, 300, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 5})
	s := NewServer(eng, Options{AccessKeyID: "k", AccessKeySecret: "s"})
	ins := eng.PendingInstances(nil, nil)
	odd := ins[0]
	odd.Name = "db <primary> & \"replica\"\u2028\\\t\x01\xff 数据库"
	odd.Tags = map[string]string{"k<": "v&", "": ""}
	odd.OperationLocks = []model.LockReason{model.LockSecurity, "UnknownReason"}
	odd.DedicatedHostID = "dh-1"
	ins = append(ins, odd)

	page := describeInstancesReply{RequestID: "r-1", TotalCount: len(ins), PageSize: 100, NextToken: "t<1>"}
	var locks, tags, hosts, disks int
	for i := range ins {
		j := s.instanceJSON(&ins[i])
		page.Instances.Instance = append(page.Instances.Instance, j)
		locks += len(j.OperationLocks.LockReason)
		tags += len(j.Tags.Tag)
		if j.DedicatedHostAttribute.DedicatedHostID != "" {
			hosts++
		}
		if j.LocalStorageAmount > 0 {
			disks++
		}
	}
	if locks == 0 || tags == 0 || hosts == 0 || disks == 0 {
		t.Fatalf("fixture: %d locks, %d tags, %d dedicated hosts, %d local disks; want some of each", locks, tags, hosts, disks)
	}
	nils := describeInstancesReply{RequestID: "r-2", PageNumber: 3}
	nils.Instances.Instance = []instanceJSON{{InstanceID: "i-nil"}}
	empty := describeInstancesReply{RequestID: "r-3"}

	for _, r := range []describeInstancesReply{page, nils, empty} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got := r.appendJSON(nil)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", r.RequestID, err, got)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s:\n got %s\nwant %s", r.RequestID, got, want)
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
