package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/fleet/metrics"
	"ecs-redeploy/model/safetext"
	"ecs-redeploy/ui/serve"
)

// serveOptions are serve's own flags; the backend comes from the shared ones.
type serveOptions struct {
	Listen          string
	HostKey         string
	AuthorizedKeys  string
	OperatorKeys    string
	IdleTimeout     time.Duration
	MaxSessions     int
	Keepalive       time.Duration
	ShutdownTimeout time.Duration
	LogFormat       string
	Metrics         string
	Notify          notifyFlags
	// Policy runs the autopilot of this policy file (docs/autopilot.md).
	Policy string
	// What a connection that has not authenticated may hold (sshd_config's names).
	LoginGraceTime time.Duration
	MaxStartups    string
	PerSource      int
}

// newServeCmd serves the console over SSH.
func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the console to a team over SSH (public keys, viewer and operator roles)",
		Long: `serve runs one backend and one fleet hub and serves the console to every engineer who
connects with ssh: API calls do not grow with sessions, and a redeploy started in one
session shows live in every other.

Authentication is by public key only. A key in --authorized-keys is a viewer; a key in
--operator-keys is an operator who may redeploy (--read-only makes everyone a viewer).
Both are OpenSSH authorized_keys files; edits take effect at the next login, and SIGHUP
re-reads them at once. Every redeploy is audited (--audit-log) with the SSH user and the
key's SHA256 fingerprint. A key removed from the files, or whose role changes, closes its
sessions within a second.

Connections that have not authenticated are bounded as sshd bounds them: each has
--login-grace-time to log in, at most --per-source-max-startups come from one address,
and past the start of --max-startups new ones are refused at random, all of them at its
full, except from an address a key logged in from within 24 h. Refusals are summed up in
the log every 10 s.

SIGTERM stops accepting, lets redeploy calls in flight answer, then closes the sessions.`,
		Example: `  ecs-redeploy serve --demo --authorized-keys team.pub --operator-keys oncall.pub
  ssh -p 2222 127.0.0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cmd.ErrOrStderr(), g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Listen, "listen", "127.0.0.1:2222", "HOST:PORT to listen on (port 0 picks a free one)")
	fl.StringVar(&o.HostKey, "host-key", "ecs-redeploy_host_ed25519", "host private key; generated (Ed25519, mode 0600) if missing")
	fl.StringVar(&o.AuthorizedKeys, "authorized-keys", "", "authorized_keys file of viewers (may look, cannot redeploy)")
	fl.StringVar(&o.OperatorKeys, "operator-keys", "", "authorized_keys file of operators (may redeploy)")
	fl.DurationVar(&o.IdleTimeout, "idle-timeout", 15*time.Minute, "close a session after this long without input (0: never)")
	fl.IntVar(&o.MaxSessions, "max-sessions", 50, "most concurrent sessions; the next is refused (0: no cap)")
	fl.DurationVar(&o.Keepalive, "keepalive", 15*time.Second, "send an SSH keepalive this often; 3 unanswered close the connection (0: none)")
	fl.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 2*time.Minute, "on SIGTERM, how long to wait for redeploy calls in flight")
	fl.StringVar(&o.LogFormat, "log-format", "text", "server log format: text, logfmt or json")
	fl.StringVar(&o.Metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464); off when empty")
	o.Notify.add(fl)
	fl.StringVar(&o.Policy, "policy", "", "run the autopilot of this policy file (docs/autopilot.md); SIGHUP reloads it")
	def := serve.DefaultLimits
	fl.DurationVar(&o.LoginGraceTime, "login-grace-time", def.LoginGraceTime, "close a connection not authenticated this long after it opened (0: never)")
	fl.StringVar(&o.MaxStartups, "max-startups", def.MaxStartups.String(), "unauthenticated connections, start:rate:full: from start on refuse rate % of new ones, rising to all at full (0: no cap)")
	fl.IntVar(&o.PerSource, "per-source-max-startups", def.PerSource, "most unauthenticated connections from one IPv4 address or IPv6 /64; more are refused (0: no cap)")
	return cmd
}

func (o *serveOptions) validate(readOnly bool) error {
	if err := checkAddr("--listen", o.Listen, true); err != nil {
		return err
	}
	if o.Metrics != "" {
		if err := checkAddr("--metrics", o.Metrics, true); err != nil {
			return err
		}
	}
	switch {
	case o.AuthorizedKeys == "" && o.OperatorKeys == "":
		return usageError{errors.New("serve needs --authorized-keys FILE (viewers) and/or --operator-keys FILE (operators)")}
	case o.IdleTimeout < 0:
		return usageError{fmt.Errorf("--idle-timeout must not be negative, got %s", o.IdleTimeout)}
	case o.MaxSessions < 0:
		return usageError{fmt.Errorf("--max-sessions must not be negative, got %d", o.MaxSessions)}
	case o.Keepalive < 0:
		return usageError{fmt.Errorf("--keepalive must not be negative, got %s", o.Keepalive)}
	case o.ShutdownTimeout <= 0:
		return usageError{fmt.Errorf("--shutdown-timeout must be positive, got %s", o.ShutdownTimeout)}
	case o.Policy != "" && readOnly:
		return usageError{errors.New("--policy with --read-only: the autopilot redeploys; drop one of them")}
	case o.HostKey == "":
		return usageError{errors.New("--host-key must name a file")}
	case o.LoginGraceTime < 0:
		return usageError{fmt.Errorf("--login-grace-time must not be negative, got %s", o.LoginGraceTime)}
	case o.PerSource < 0:
		return usageError{fmt.Errorf("--per-source-max-startups must not be negative, got %d", o.PerSource)}
	}
	if _, err := serve.ParseStartups(o.MaxStartups); err != nil {
		return usageError{fmt.Errorf("--max-startups: %w", err)}
	}
	return nil
}

// limits are the flags' Limits; validate has checked them.
func (o *serveOptions) limits() serve.Limits {
	st, _ := serve.ParseStartups(o.MaxStartups)
	return serve.Limits{LoginGraceTime: o.LoginGraceTime, MaxStartups: st, PerSource: o.PerSource, LogEvery: serve.DefaultLimits.LogEvery}
}

func (o *serveOptions) logger(w io.Writer) (*log.Logger, error) {
	l := log.NewWithOptions(w, log.Options{ReportTimestamp: true, TimeFormat: time.RFC3339, Prefix: "serve"})
	switch o.LogFormat {
	case "text":
	case "logfmt":
		l.SetFormatter(log.LogfmtFormatter)
	case "json":
		l.SetFormatter(log.JSONFormatter)
	default:
		return nil, usageError{fmt.Errorf("--log-format must be text, logfmt or json, got %q", o.LogFormat)}
	}
	return l, nil
}

// runServe serves until ctx ends (SIGINT or SIGTERM), then shuts down gracefully.
func runServe(ctx context.Context, logw io.Writer, g *globalOptions, o *serveOptions) error {
	if err := o.validate(g.ReadOnly); err != nil {
		return err
	}
	logger, err := o.logger(logw)
	if err != nil {
		return err
	}
	notifier, err := o.Notify.notifier(slog.New(logger))
	if err != nil {
		return err
	}
	// The keys first: a refused --authorized-keys must not leave a new private host key
	// behind (by default in the working directory, which may be a clone).
	keys, err := serve.NewKeyring(o.AuthorizedKeys, o.OperatorKeys)
	if err != nil {
		return usageError{err} // a key file that is missing, unreadable or has no key
	}
	hostKey, err := serve.LoadHostKey(o.HostKey)
	if err != nil {
		return err
	}
	// The hub and the backend outlive the signal: redeploy calls in flight must answer,
	// and the sessions keep following them, until the drain is over.
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHub()
	var m *metrics.Metrics
	if o.Metrics != "" {
		m = metrics.New()
		g.onCall = m.ObserveCall
	}
	e, err := g.open(hubCtx)
	if err != nil {
		return err
	}
	store, err := g.planStore()
	if err != nil {
		return err
	}
	// The hub's panics, loop failures and plans (started, paused, answered, done) go to
	// the server log too.
	hub := e.newHub(fleet.Options{Plans: store, Where: g.planWhere(), Budget: g.APIBudget, Logger: slog.New(logger)})
	if notifier != nil {
		// Watching before the plans resume: the first listing is the baseline.
		drain := runNotifier(hubCtx, notifier, hub, func(line string) { logger.Warn(line) })
		defer drain(5 * time.Second)
		logger.Info("notify", "webhook", notifier.Where(), "lead", o.Notify.Lead)
	}
	resumeServePlans(hubCtx, hub, store, g, logger)
	// The autopilot adopts its resumed plans (their holds) before the hub steps them.
	ap, err := startServeAutopilot(hubCtx, g, hub, o.Policy, logger, logw, notifier)
	if err != nil {
		return err
	}
	go hub.Run(hubCtx)

	opt := serve.Options{
		Fleet: hub, Now: e.Now, Keys: keys, HostKey: hostKey, ReadOnly: g.ReadOnly,
		IdleTimeout: o.IdleTimeout, MaxSessions: o.MaxSessions, KeepaliveInterval: o.Keepalive,
		Limits: o.limits(), Logger: logger,
	}
	if e.Engine != nil {
		opt.Regions = regionIDs(e.Engine)
		opt.Unbudgeted = true
	} else {
		opt.GivesUpAfter = aliyun.GivesUpAfter(g.APITimeout)
	}
	srv, err := serve.New(opt)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.Listen, err)
	}
	if m != nil {
		m.Watch(hub, srv.Sessions)
		if notifier != nil {
			m.WatchNotify(notifier)
		}
		ms, err := m.Listen(o.Metrics)
		if err != nil {
			_ = ln.Close()
			return err
		}
		logger.Info("metrics", "url", "http://"+ms.Addr+"/metrics")
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = ms.Shutdown(sctx) // a scrape cut short is retried by Prometheus
		}()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	for {
		select {
		case <-hup:
			srv.Reload()
			if ap != nil {
				reloadPolicy(ap, o.Policy, slog.New(logger))
			}
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
			err := srv.Shutdown(sctx)
			cancel()
			if serr := <-served; serr != nil && err == nil {
				err = serr
			}
			if err != nil {
				return fmt.Errorf("shutdown after %s: %w (they end with the process: check their tasks with DescribeTasks)", o.ShutdownTimeout, err)
			}
			return nil
		}
	}
}

// resumeServePlans picks up the plans a serve (or a console) of this account left
// unfinished, before the first session: reconciled through DescribeTasks first, then run
// by the hub under the identity that started each (the server resumes for the team), and
// shown to every session. A --read-only server resumes nothing: nobody there may answer
// for a redeploy.
func resumeServePlans(ctx context.Context, hub *fleet.Hub, store *fleet.PlanStore, g *globalOptions, logger *log.Logger) {
	if store == nil {
		return
	}
	if g.ReadOnly {
		if recs, err := store.Unfinished(); err == nil && len(recs) > 0 {
			logger.Warn("read-only: unfinished plans left for an operator", "plans", len(recs), "dir", store.Dir)
		}
		return
	}
	others, n, err := hub.ResumePlans(ctx, backend.Identity{})
	for _, rec := range others {
		logger.Warn("plan made against another account: left alone", "plan", rec.ID, "where", rec.Where)
	}
	if err != nil {
		logger.Error("resuming the unfinished plans", "err", safetext.Log(err.Error()))
	}
	if n > 0 {
		logger.Info("plans resumed", "plans", n, "dir", store.Dir)
	}
}
