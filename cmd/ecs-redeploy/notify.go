package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/notify"
)

// notifyFlags are --notify and its tuning, on serve and the console (docs/notify.md).
type notifyFlags struct {
	URL    string
	Lead   time.Duration
	Queue  int
	Source string
}

func (o *notifyFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&o.URL, "notify", "", "POST a JSON notice to this webhook URL: new events, near deadlines with nothing planned, paused or failed plans, unknown outcomes (docs/notify.md)")
	fs.DurationVar(&o.Lead, "notify-lead", notify.DefaultLead, "with --notify: tell of a deadline this close when nothing is planned for its instance")
	fs.IntVar(&o.Queue, "notify-queue", notify.DefaultQueue, "with --notify: notices that may wait for a slow webhook; beyond it the oldest is dropped")
	fs.StringVar(&o.Source, "notify-source", "", "with --notify: the source each notice names (default: the host name)")
}

// notifier is the notifier the flags ask for, nil without --notify. A bad value is a
// usage error in one line.
func (o *notifyFlags) notifier(logger *slog.Logger) (*notify.Notifier, error) {
	return o.notifierWith(logger, nil)
}

// notifierWith is notifier with onHealth hearing how the webhook answers (the console,
// which has no server log, shows it: docs/notify.md).
func (o *notifyFlags) notifierWith(logger *slog.Logger, onHealth func(notify.Health)) (*notify.Notifier, error) {
	if o.URL == "" {
		return nil, nil
	}
	if o.Lead <= 0 {
		return nil, usageError{fmt.Errorf("--notify-lead must be positive, got %s", o.Lead)}
	}
	if o.Queue <= 0 {
		return nil, usageError{fmt.Errorf("--notify-queue must be at least 1, got %d", o.Queue)}
	}
	n, err := notify.New(notify.Options{URL: o.URL, Lead: o.Lead, Queue: o.Queue, Source: o.Source, Logger: logger, OnHealth: onHealth})
	if err != nil {
		return nil, usageError{err}
	}
	return n, nil
}

// runNotifier sends n's notices and watches hub until the returned drain is called: it
// waits at most d for what is still queued (nothing is retried then, and nothing is tried
// while the webhook fails: notify.Drain), then stops both and hands report the one line on
// what did not reach the webhook, if anything did not. A signal that ends the command does
// not stop them first: what the last moments told still goes out.
func runNotifier(ctx context.Context, n *notify.Notifier, hub *fleet.Hub, report func(line string)) (drain func(d time.Duration)) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() { n.Run(ctx); done <- struct{}{} }()
	go func() { n.Watch(ctx, hub); done <- struct{}{} }()
	return func(d time.Duration) {
		dctx, stop := context.WithTimeout(ctx, d)
		_ = n.Drain(dctx) // what is left is counted as queued; the process ends anyway
		stop()
		cancel()
		<-done
		<-done
		if line := n.Summary(); line != "" && report != nil {
			report(line)
		}
	}
}
