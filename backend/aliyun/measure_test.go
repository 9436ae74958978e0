package aliyun_test

import (
	"context"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"ecs-redeploy/backend"
)

// TestMeasureCyclingTokens reports the calls and the process's peak RSS of a listing
// against a NextToken that cycles A→B→A over the same 100 events, stopped after 20 s at
// most (docs/performance.md). A measurement, not a check: it runs only with
// MEASURE_PAGING=1.
func TestMeasureCyclingTokens(t *testing.T) {
	if os.Getenv("MEASURE_PAGING") == "" {
		t.Skip("a measurement: set MEASURE_PAGING=1")
	}
	h := newHostile(t)
	h.handle("DescribeInstanceHistoryEvents", func(w http.ResponseWriter, q map[string]string) {
		next := map[string]string{"": "A", "A": "B", "B": "A"}[q["NextToken"]]
		_, _ = w.Write(eventsPage(0, 100, 100_000, next))
	})
	h.handle("DescribeInstances", answerInstances)
	b := h.backend(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := b.Instances(ctx, backend.Query{Regions: []string{"cn-hangzhou"}})
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	t.Logf("after %s: %d calls (%d event pages), peak RSS %d MB; error: %.200v", time.Since(start).Round(time.Millisecond), h.calls.Load(), h.calledFor("DescribeInstanceHistoryEvents"), ru.Maxrss/1024, err)
}
