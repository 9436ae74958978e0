package ecsapi_test

import (
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
)

func TestDescribeRegions(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})
	c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
	resp, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if got, want := len(resp.Regions.Region), len(f.eng.Regions()); got != want {
		t.Fatalf("regions = %d, want %d", got, want)
	}
	r := resp.Regions.Region[0]
	if r.RegionId != "cn-hangzhou" || r.LocalName == "" || r.RegionEndpoint != f.addr || r.Status != "available" {
		t.Errorf("first region = %+v", r)
	}
	if resp.RequestId == "" {
		t.Error("no RequestId")
	}
	t.Log(f.log.String())
}
