package aliyun_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// TestMaintenanceAttributesEndToEnd reads 250 instances' windows through the SDK from
// sim-server: three calls of at most 100 ids, every answer the engine's.
func TestMaintenanceAttributesEndToEnd(t *testing.T) {
	f := newFixture(t, sim.Generate(3, 1500, sim.Epoch), sim.Options{Seed: 3}, nil)
	var ids []string
	for _, in := range f.eng.Instances("cn-hangzhou", nil) {
		ids = append(ids, in.ID)
	}
	if len(ids) < 250 {
		t.Fatalf("%d instances in cn-hangzhou; the test needs 250", len(ids))
	}
	ids = ids[:250]
	before := f.b.Stats().Calls
	got, err := f.b.MaintenanceAttributes(context.Background(), "cn-hangzhou", ids)
	if err != nil {
		t.Fatal(err)
	}
	if calls := f.b.Stats().Calls - before; calls != 3 {
		t.Errorf("%d calls for 250 ids; want 3 (100 ids a call)", calls)
	}
	want := f.eng.MaintenanceAttributes("cn-hangzhou", ids)
	if len(got) != len(want) {
		t.Fatalf("%d attributes, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].InstanceID != want[i].InstanceID || got[i].Action != want[i].Action || got[i].NotifyOnMaintenance != want[i].NotifyOnMaintenance ||
			!slices.Equal(got[i].Windows, want[i].Windows) || !slices.Equal(got[i].SupportedActions, want[i].SupportedActions) {
			t.Fatalf("attribute %d: %+v, engine %+v", i, got[i], want[i])
		}
	}
}

func TestMaintenanceAttributesRefusals(t *testing.T) {
	f := newFixture(t, sim.Generate(3, 50, sim.Epoch), sim.Options{Seed: 3}, nil)
	id := f.eng.Instances("cn-hangzhou", nil)[0].ID

	t.Run("no ids is no call", func(t *testing.T) {
		before := f.b.Stats().Calls
		if got, err := f.b.MaintenanceAttributes(context.Background(), "cn-hangzhou", nil); err != nil || got != nil || f.b.Stats().Calls != before {
			t.Errorf("%v %v, %d calls", got, err, f.b.Stats().Calls-before)
		}
	})
	t.Run("a malformed id is not sent", func(t *testing.T) {
		before := f.b.Stats().Calls
		_, err := f.b.MaintenanceAttributes(context.Background(), "cn-hangzhou", []string{id, ""})
		if !errors.Is(err, backend.ErrInvalidInstanceID) || f.b.Stats().Calls != before {
			t.Errorf("%v", err)
		}
	})
	t.Run("an answer about another instance proves nothing", func(t *testing.T) {
		other := f.eng.Instances("cn-hangzhou", nil)[1].ID
		b := f.backend(t, testKeyID, testSecret, rewriting("DescribeInstanceMaintenanceAttributes", func(status int, body []byte) (int, []byte) {
			return status, []byte(strings.ReplaceAll(string(body), id, other))
		}))
		_, err := b.MaintenanceAttributes(context.Background(), "cn-hangzhou", []string{id})
		if !errors.Is(err, backend.ErrUnprovenReply) || !strings.Contains(err.Error(), other) {
			t.Errorf("%v", err)
		}
	})
	t.Run("a window that does not read is not guessed", func(t *testing.T) {
		var id string
		for _, a := range f.eng.MaintenanceAttributes("cn-hangzhou", nil) {
			if len(a.Windows) > 0 {
				id = a.InstanceID
				break
			}
		}
		b := f.backend(t, testKeyID, testSecret, rewriting("DescribeInstanceMaintenanceAttributes", func(status int, body []byte) (int, []byte) {
			s := string(body)
			i := strings.Index(s, `"StartTime":"`) + len(`"StartTime":"`)
			return status, []byte(s[:i] + "2am" + s[i+8:])
		}))
		_, err := b.MaintenanceAttributes(context.Background(), "cn-hangzhou", []string{id})
		if !errors.Is(err, backend.ErrUnprovenReply) || !strings.Contains(err.Error(), `"2am"`) {
			t.Errorf("%v", err)
		}
	})
	t.Run("the API's refusal keeps its Code and RequestId", func(t *testing.T) {
		_, err := f.b.MaintenanceAttributes(context.Background(), "eu-nowhere-1", []string{id})
		ae, ok := backend.AsAPIError(err)
		if !ok || ae.Code != "InvalidRegionId.NotFound" || ae.RequestID == "" {
			t.Errorf("%v", err)
		}
	})
}
