package aliyun

import (
	"encoding/json"
	"testing"

	"ecs-redeploy/backend"
)

// DescribeInstances' InstanceIds is the JSON array json.Marshal writes for the ids.
func TestInstanceIDsJSONIsJSONMarshal(t *testing.T) {
	for _, ids := range [][]string{{"i-bp1azkttqpldxgtedxxx"}, {"i-a1", "i-b2", "i-0123456789abcdefghijklmnopqrstuvwxyz"}} {
		if err := backend.CheckInstanceIDs(ids); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(ids)
		if got := instanceIDsJSON(ids); got != string(want) {
			t.Errorf("InstanceIds %s; json.Marshal writes %s", got, want)
		}
	}
}
