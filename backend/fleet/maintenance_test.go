package fleet

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// maintCounting counts MaintenanceAttributes calls and can hold them until released.
type maintCounting struct {
	*counting
	calls   atomic.Int32
	hold    chan struct{}
	entered chan struct{}
}

func (m *maintCounting) MaintenanceAttributes(ctx context.Context, region string, ids []string) ([]model.MaintenanceAttribute, error) {
	m.calls.Add(1)
	if m.hold != nil {
		select {
		case m.entered <- struct{}{}:
		default: // a second call is counted, not hung on a full channel
		}
		<-m.hold
	}
	return m.counting.MaintenanceAttributes(ctx, region, ids)
}

func TestHubMaintenance(t *testing.T) {
	h, c, eng, clock := setup(t, sim.Options{})
	m := &maintCounting{counting: c}
	h.b = m
	const id = "i-bp1soon000000000000001"

	if _, err := h.Maintenance(context.Background(), id); !errors.Is(err, ErrNotListed) {
		t.Fatalf("before any listing: %v, want ErrNotListed", err)
	}
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := eng.MaintenanceAttributes("cn-hangzhou", []string{id})[0]
	got, err := h.Maintenance(context.Background(), id)
	if err != nil || got.InstanceID != id || got.Action != want.Action || len(got.Windows) != len(want.Windows) {
		t.Fatalf("%+v %v, want %+v", got, err, want)
	}
	// Read again within the TTL: from the cache.
	clock.Advance(MaintenanceTTL - time.Second)
	if _, err := h.Maintenance(context.Background(), id); err != nil || m.calls.Load() != 1 {
		t.Fatalf("second read: %v, %d calls; want 1", err, m.calls.Load())
	}
	// After it: read again.
	clock.Advance(time.Second)
	if _, err := h.Maintenance(context.Background(), id); err != nil || m.calls.Load() != 2 {
		t.Fatalf("after the TTL: %v, %d calls; want 2", err, m.calls.Load())
	}
	for _, bad := range []string{"", "i-", "i-bp1nobodylistedthis0001"} {
		if _, err := h.Maintenance(context.Background(), bad); !errors.Is(err, backend.ErrInvalidInstanceID) && !errors.Is(err, ErrNotListed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if m.calls.Load() != 2 {
		t.Errorf("a refused id cost a call: %d calls", m.calls.Load())
	}
}

// TestHubMaintenanceOneCallForManySessions: sessions that open the pane at once share one
// call, and one that leaves does not cancel it for the others.
func TestHubMaintenanceOneCallForManySessions(t *testing.T) {
	h, c, _, _ := setup(t, sim.Options{})
	m := &maintCounting{counting: c, hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	h.b = m
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	const id = "i-bp1later00000000000001"
	// The first session starts the call, then leaves while it is held.
	leaving, leave := context.WithCancel(context.Background())
	left := make(chan error)
	go func() { _, err := h.Maintenance(leaving, id); left <- err }()
	<-m.entered
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = h.Maintenance(context.Background(), id) }()
	}
	leave()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Errorf("the session that left: %v", err)
	}
	close(m.hold)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("session %d: %v", i+1, err)
		}
	}
	if n := m.calls.Load(); n != 1 {
		t.Errorf("%d calls for 5 sessions at once; want 1", n)
	}
}
