package aliyun_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
)

// DESIGN §5: only ECS's own error body proves a redeploy did not start. After a lost
// reply, DescribeInstances not listing the instance proves nothing (a lagging listing, a
// wrong region): the outcome is unknown, and the error says what was seen.
func TestLostReplyAndUnlistedInstanceIsUnknownNotNotStarted(t *testing.T) {
	f := newFixture(t, sim.Generate(38, 300, sim.Epoch), sim.Options{Seed: 38}, func(o *aliyun.Options) {
		o.Transport = &rewriteReply{base: &http.Transport{}, action: "RedeployInstance", unsent: true,
			rewrite: func(int, []byte) (int, []byte) { return 503, []byte("<html>503 Service Unavailable</html>") }}
	})
	id := "i-bp1nolisting000000000"
	_, err := f.b.Redeploy(context.Background(), backend.RedeployRequest{RegionID: "cn-hangzhou", InstanceID: id})
	if !errors.Is(err, aliyun.ErrRedeployOutcomeUnknown) {
		t.Fatalf("error %v; want ErrRedeployOutcomeUnknown", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "DescribeInstances lists no such instance in cn-hangzhou") || !strings.HasSuffix(msg, "before trying again") {
		t.Errorf("message %q", msg)
	}
}
