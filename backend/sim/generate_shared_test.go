package sim

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"ecs-redeploy/model"
)

// Names are written without fmt, as fmt's "%s-%s-%03d" wrote them.
func TestInstanceNameIsZeroPaddedToThree(t *testing.T) {
	for _, n := range []int{0, 7, 42, 99, 100, 999, 1000, 1006} {
		if got, want := instanceName("kafka", "prod", n), fmt.Sprintf("%s-%s-%03d", "kafka", "prod", n); got != want {
			t.Errorf("instanceName(%d) = %q, want %q", n, got, want)
		}
	}
}

// Instances alike share one tag set (read only), and every instance still has its own
// role's and environment's tags.
func TestGeneratedTagSetsAreSharedAndRight(t *testing.T) {
	f := Generate(3, 5000, Epoch)
	sets := map[uintptr]bool{}
	for i := range f.Instances {
		in := &f.Instances[i]
		sets[reflect.ValueOf(in.Tags).Pointer()] = true
		want := map[string]string{"team": in.Tags["team"], "env": in.Tags["env"]}
		if in.DeploymentSetID != "" {
			want["cluster"] = in.Tags["team"] + "-" + in.Tags["env"]
		}
		if !maps.Equal(in.Tags, want) || in.Name[:len(in.Tags["team"])] != in.Tags["team"] {
			t.Fatalf("%s (%s) has tags %v", in.ID, in.Name, in.Tags)
		}
	}
	if len(sets) > 2*len(roles)*len(envs) {
		t.Fatalf("%d instances have %d tag maps: alike ones are not shared", len(f.Instances), len(sets))
	}
}

// Events whose attributes say only where the instance stands share one per host and
// offer (issue 20); an attribute that says more (a disk, CanAccept, a first deadline)
// is the event's own. The engine's sorted tags are shared per tag set, each sorted.
func TestGeneratedHostAttributesAreSharedAndRight(t *testing.T) {
	f := Generate(3, 5000, Epoch)
	type key struct {
		host, rack string
		options    int
	}
	byKey := map[key]*model.ExtendedAttribute{}
	owner := map[*model.ExtendedAttribute]string{}
	shared := 0
	for i := range f.Instances {
		in := &f.Instances[i]
		for j := range in.Events {
			a := in.Events[j].ExtendedAttribute
			if a == nil {
				continue
			}
			if in.OnDedicatedHost() && a.HostID != in.DedicatedHostID {
				t.Fatalf("%s: host %q on dedicated host %s", in.ID, a.HostID, in.DedicatedHostID)
			}
			hostOnly := a.DiskID == "" && a.Device == "" && a.CanAccept == "" && a.InitialNotBefore.IsZero()
			if o, ok := owner[a]; ok && o != in.Events[j].ID {
				if !hostOnly {
					t.Fatalf("%s shares an attribute that says more than its host: %+v", in.Events[j].ID, *a)
				}
				shared++
			}
			owner[a] = in.Events[j].ID
			if hostOnly {
				k := key{a.HostID, a.Rack, len(a.MigrationOptions)}
				if o, ok := byKey[k]; ok && o != a {
					t.Fatalf("%s: two attributes for %v", in.ID, k)
				}
				byKey[k] = a
			}
		}
	}
	if shared == 0 {
		t.Fatal("no event shares its host's attribute")
	}
	e := New(f, NewStepClock(Epoch), Options{Seed: 1})
	for _, st := range e.insts {
		if len(st.tags) != len(st.Tags) || !slices.IsSortedFunc(st.tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) }) {
			t.Fatalf("%s: sorted tags %v for %v", st.ID, st.tags, st.Tags)
		}
		for _, tg := range st.tags {
			if st.Tags[tg.Key] != tg.Value {
				t.Fatalf("%s: sorted tags %v for %v", st.ID, st.tags, st.Tags)
			}
		}
	}
}
