package sim

import (
	"fmt"
	"maps"
	"reflect"
	"testing"
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
