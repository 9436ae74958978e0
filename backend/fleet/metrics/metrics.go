// Package metrics exposes the fleet hub to Prometheus (serve --metrics): what its latest
// snapshot shows (events, deadlines, tasks, redeploys, plans), read at scrape time, the
// API calls the backend sent, the SSH sessions, and the webhook notifier's counters.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/notify"
)

// Hub is what the metrics read: the latest snapshot, and the backend's clock that the
// deadlines are counted on.
type Hub interface {
	Snapshot() *fleet.Snapshot
	Now() time.Time
}

// Metrics is one registry: the API call counter, the process's own metrics (Go runtime,
// process), and once Watch is called the hub's snapshot and the sessions.
type Metrics struct {
	reg   *prometheus.Registry
	calls *prometheus.CounterVec
}

// New makes a registry of its own (never the global one: two servers in one test process
// must not share counters) with the call counter, so ObserveCall can be handed to the
// backend before the hub exists.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecs_redeploy_api_calls_total",
			Help: "ECS API calls sent, each attempt on its own, by action and outcome (ok, throttled, error).",
		}, []string{"action", "outcome"}),
	}
	m.reg.MustRegister(m.calls, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Watch exposes hub's latest snapshot and, when sessions is not nil, the number of SSH
// sessions open. Call it once, before Listen.
func (m *Metrics) Watch(hub Hub, sessions func() int) {
	m.reg.MustRegister(&snapshotCollector{hub: hub})
	if sessions != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ecs_redeploy_ssh_sessions",
			Help: "SSH sessions open now.",
		}, func() float64 { return float64(sessions()) }))
	}
}

// NotifyStats is what the webhook notifier counts (notify.Notifier).
type NotifyStats interface {
	Stats() notify.Stats
}

// WatchNotify exposes the webhook notifier's queue and counters (serve --notify). Call it
// once, before Listen.
func (m *Metrics) WatchNotify(n NotifyStats) {
	counter := func(name, help string, v func(notify.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(n.Stats())) })
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ecs_redeploy_notify_queued",
			Help: "Notices waiting for the webhook now, the one being sent included.",
		}, func() float64 { return float64(n.Stats().Queued) }),
		counter("ecs_redeploy_notify_sent_total", "Notices the webhook took (2xx).",
			func(s notify.Stats) uint64 { return s.Sent }),
		counter("ecs_redeploy_notify_retries_total", "Attempts sent again after a network error, 429 or 5xx.",
			func(s notify.Stats) uint64 { return s.Retried }),
		counter("ecs_redeploy_notify_failed_total", "Notices given up: refused (3xx, 4xx other than 429) or every retry spent.",
			func(s notify.Stats) uint64 { return s.Failed }),
		counter("ecs_redeploy_notify_dropped_total", "Notices pushed out of the full queue unsent (a slow or dead webhook).",
			func(s notify.Stats) uint64 { return s.Dropped }),
	)
}

// ObserveCall counts one API call; it is a backend.CallObserver.
func (m *Metrics) ObserveCall(action string, outcome backend.CallOutcome) {
	m.calls.WithLabelValues(action, string(outcome)).Inc()
}

// Handler serves the exposition (text, or protobuf when asked) at any path.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Server serves /metrics on one address.
type Server struct {
	// Addr is the address it listens on (the port chosen when ADDR asked for port 0).
	Addr string
	srv  *http.Server
	done chan error
}

// Listen serves m's /metrics on addr until Shutdown.
func (m *Metrics) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	s := &Server{Addr: ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Shutdown stops serving, letting scrapes in flight finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
