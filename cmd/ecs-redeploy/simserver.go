package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model/safetext"
)

// simServerOptions are sim-server's own flags; the fleet comes from the shared ones.
type simServerOptions struct {
	Listen              string
	AccessKeyID         string
	AccessKeySecret     string
	AccessKeySecretFile string
	Faults              sim.Faults
	BadReply            string
}

// newSimServerCmd serves the simulator as an ECS-compatible HTTP endpoint.
func newSimServerCmd(g *globalOptions) *cobra.Command {
	o := &simServerOptions{}
	cmd := &cobra.Command{
		Use:   "sim-server",
		Short: "Serve the simulator as an ECS HTTP API endpoint for the SDK and the aliyun CLI",
		Long: `sim-server answers the ECS RPC API (DescribeRegions, DescribeInstances,
DescribeInstanceHistoryEvents, RedeployInstance, DescribeTasks) over plain HTTP from the
simulated fleet, checking signatures like ECS does. Point the official Go SDK
(client.Domain = "HOST:PORT"), the aliyun CLI (--endpoint HOST:PORT --insecure) or
ecs-redeploy itself (--endpoint HOST:PORT --region all) at it.

The access key clients must sign with: the id from --access-key-id, else
ALIBABA_CLOUD_ACCESS_KEY_ID; the secret from --access-key-secret-file (a file holding
it), else ALIBABA_CLOUD_ACCESS_KEY_SECRET. Give both or neither: with neither, a pair is
generated and printed at start. --access-key-secret also works, but a secret on the
command line is visible to every local user in ps; prefer the file or the environment.`,
		Example: `  ecs-redeploy sim-server --listen 127.0.0.1:8080 --instances 500 --sim-speed 60
  ecs-redeploy sim-server --listen 127.0.0.1:0 --throttle-rate 0.1 --retry-after 2s --lost-reply-rate 0.05
  ALIBABA_CLOUD_ACCESS_KEY_SECRET=... ecs-redeploy sim-server --access-key-id LTAIdemo
  ecs-redeploy sim-server --access-key-id LTAIdemo --access-key-secret-file ~/.sim-secret`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimServer(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "HOST:PORT to listen on (port 0 picks a free one)")
	fl.StringVar(&o.AccessKeyID, "access-key-id", "", "AccessKeyId clients must sign with (default: ALIBABA_CLOUD_ACCESS_KEY_ID, else generated)")
	fl.StringVar(&o.AccessKeySecretFile, "access-key-secret-file", "", "file holding the AccessKeySecret clients must sign with (default: ALIBABA_CLOUD_ACCESS_KEY_SECRET, else generated)")
	fl.StringVar(&o.AccessKeySecret, "access-key-secret", "", "AccessKeySecret on the command line: visible to every local user in ps; prefer --access-key-secret-file or ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	finiteFloatVar(fl, &o.Faults.ThrottleRate, "throttle-rate", 0, "fault: fraction of calls answered 400 Throttling (0..1)")
	fl.DurationVar(&o.Faults.RetryAfter, "retry-after", time.Second, "fault: x-acs-retry-after advertised on throttled replies (0: no header)")
	finiteFloatVar(fl, &o.Faults.ServerErrorRate, "server-error-rate", 0, "fault: fraction of calls answered 500 InternalError (0..1)")
	finiteFloatVar(fl, &o.Faults.HangRate, "hang-rate", 0, "fault: fraction of calls that never answer (0..1)")
	finiteFloatVar(fl, &o.Faults.LostReplyRate, "lost-reply-rate", 0, "fault: fraction of calls applied whose reply is then lost: a 503 or a dropped connection (0..1)")
	finiteFloatVar(fl, &o.Faults.BadReplyRate, "bad-reply-rate", 0, "fault: fraction of calls applied whose reply then proves nothing (see --bad-reply) (0..1)")
	fl.StringVar(&o.BadReply, "bad-reply", string(sim.BadReplyGateway), `fault: what --bad-reply-rate answers: 502 (a gateway's HTML page), {} (200 {}), or empty (200, no body)`)
	fl.StringSliceVar(&o.Faults.Actions, "fault-actions", nil, "fault: apply the rate faults only to these actions (e.g. RedeployInstance,DescribeTasks; default all)")
	fl.DurationVar(&o.Faults.Latency, "latency", 0, "fault: delay added to every call")
	finiteFloatVar(fl, &o.Faults.RegionQPS, "region-qps", 0, "fault: calls per second per region and action before Throttling, on the simulator's clock (0: no limit)")
	return cmd
}

func (o *simServerOptions) validate() error {
	if err := checkAddr("--listen", o.Listen, true); err != nil {
		return err
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"--throttle-rate", o.Faults.ThrottleRate}, {"--server-error-rate", o.Faults.ServerErrorRate},
		{"--hang-rate", o.Faults.HangRate}, {"--lost-reply-rate", o.Faults.LostReplyRate}, {"--bad-reply-rate", o.Faults.BadReplyRate}} {
		if r.v < 0 || r.v > 1 {
			return usageError{fmt.Errorf("%s must be between 0 and 1, got %g", r.name, r.v)}
		}
	}
	kind, ok := sim.ParseBadReply(o.BadReply)
	if !ok {
		return usageError{fmt.Errorf("--bad-reply must be 502, {} or empty, got %q", o.BadReply)}
	}
	o.Faults.BadReply = kind
	switch {
	case o.Faults.RetryAfter < 0:
		return usageError{fmt.Errorf("--retry-after must not be negative, got %s", o.Faults.RetryAfter)}
	case o.Faults.Latency < 0:
		return usageError{fmt.Errorf("--latency must not be negative, got %s", o.Faults.Latency)}
	case o.Faults.RegionQPS < 0:
		return usageError{fmt.Errorf("--region-qps must not be negative, got %g", o.Faults.RegionQPS)}
	case o.AccessKeySecret != "" && o.AccessKeySecretFile != "":
		return usageError{errors.New("--access-key-secret and --access-key-secret-file both give the secret; keep --access-key-secret-file")}
	}
	return nil
}

// keys picks the access key: the id from the flag or the environment, the secret from
// the file, the flag or the environment; a generated pair when neither is given. It says
// where the pair came from, so the banner can show a generated secret and hide a given one.
func (o *simServerOptions) keys() (id, secret, source string, err error) {
	id, idFrom := o.AccessKeyID, "--access-key-id"
	if id == "" {
		id, idFrom = os.Getenv(aliyun.EnvAccessKeyID), aliyun.EnvAccessKeyID
	}
	secret, secretFrom := o.AccessKeySecret, "--access-key-secret"
	switch {
	case o.AccessKeySecretFile != "":
		b, err := localfile.ReadFile(o.AccessKeySecretFile, localfile.Input)
		if err != nil {
			return "", "", "", usageError{fmt.Errorf("--access-key-secret-file: %w", err)}
		}
		// A trailing newline is how editors and echo leave a file, not part of the secret.
		secret, secretFrom = strings.TrimRight(string(b), "\r\n"), "--access-key-secret-file"
		if secret == "" || strings.ContainsAny(secret, "\r\n") {
			return "", "", "", usageError{fmt.Errorf("--access-key-secret-file %s: want the secret alone on one line", o.AccessKeySecretFile)}
		}
	case secret == "":
		secret, secretFrom = os.Getenv(aliyun.EnvAccessKeySecret), aliyun.EnvAccessKeySecret
	}
	switch {
	case id != "" && secret != "":
		return id, secret, "id from " + idFrom + ", secret from " + secretFrom, nil
	case id != "":
		return "", "", "", usageError{fmt.Errorf("the AccessKeyId (from %s) needs its secret: --access-key-secret-file FILE or %s", idFrom, aliyun.EnvAccessKeySecret)}
	case secret != "":
		return "", "", "", usageError{fmt.Errorf("the AccessKeySecret (from %s) needs its id: --access-key-id ID or %s", secretFrom, aliyun.EnvAccessKeyID)}
	}
	return "LTAI" + randomAlnum(20), randomAlnum(30), "generated", nil
}

// randomAlnum returns n characters of crypto/rand.Text's alphabet (A–Z and 2–7, five
// random bits each, no bias), for generated access keys.
func randomAlnum(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(rand.Text())
	}
	return b.String()[:n]
}

func runSimServer(ctx context.Context, out, logw io.Writer, g *globalOptions, o *simServerOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	id, secret, source, err := o.keys()
	if err != nil {
		return err
	}
	eng, err := g.newEngine(o.Faults)
	if err != nil {
		return err
	}
	// Every region drawn before it listens: a client's first page waits for nothing.
	eng.Load()
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: id, AccessKeySecret: secret, Log: logw})
	ep, err := srv.Start(o.Listen)
	if err != nil {
		return fmt.Errorf("sim-server: %w; choose another address with --listen HOST:PORT (port 0 picks a free one)", err)
	}
	shownSecret := "(" + source + ")"
	if source == "generated" {
		shownSecret = secret + " (generated)"
	}
	region := "cn-hangzhou" // for the banner's examples; a scenario may have other regions
	if rs := eng.Regions(); len(rs) > 0 {
		region = rs[0].RegionID
	}
	_, err = fmt.Fprintf(out, `ecs-redeploy sim-server: %d instances in %d regions, clock speed %gx
listening on http://%[4]s
AccessKeyId:     %[5]s
AccessKeySecret: %[6]s

Go SDK:     client, _ := ecs.NewClientWithAccessKey("%[7]s", ID, SECRET)
            client.Domain = "%[4]s" // plain HTTP is the SDK's default scheme
aliyun CLI: aliyun ecs DescribeRegions --endpoint %[4]s --insecure --region %[7]s --access-key-id ID --access-key-secret SECRET
console:    ALIBABA_CLOUD_ACCESS_KEY_ID=ID ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET ecs-redeploy --endpoint %[4]s --region all

one line per call: time action region status code duration. Ctrl-C stops.
`, len(eng.Instances("", nil)), len(eng.Regions()), g.SimSpeed, ep.Addr, id, shownSecret, safetext.Terminal(region)) // a scenario names the region
	if err != nil {
		// Without the banner nobody learns the address or a generated key: stop, do not
		// serve unseen.
		return errors.Join(fmt.Errorf("sim-server: cannot print the banner: %w", err), ep.Close())
	}

	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ep.Shutdown(sctx); err != nil {
		return fmt.Errorf("sim-server shutdown: %w", err)
	}
	if _, err := fmt.Fprintln(out, "sim-server stopped"); err != nil {
		return fmt.Errorf("sim-server stopped, but saying so failed: %w", err)
	}
	return nil
}
