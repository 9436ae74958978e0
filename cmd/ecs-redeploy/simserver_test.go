package main

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model/safetext"
)

// TestSimServerCommand runs the command as a user does, on a free port, answers one SDK
// call, and stops on cancellation as it does on SIGINT.
func TestSimServerCommand(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	logs := &lockedWriter{}
	cmd := newRootCmd()
	cmd.SetArgs([]string{"sim-server", "--listen", "127.0.0.1:0", "--instances", "30", "--seed", "4",
		"--access-key-id", "cmdtest", "--access-key-secret", "cmdsecret"})
	cmd.SetOut(pw)
	cmd.SetErr(logs)
	done := make(chan error, 1)
	go func() {
		done <- cmd.ExecuteContext(ctx)
		_ = pw.Close() // an io.Pipe's Close always returns nil
	}()

	sc := bufio.NewScanner(pr)
	var banner []string
	addrRE := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
	consoleRE := regexp.MustCompile(`^console:.* ecs-redeploy (.*)$`)
	addr, console := "", ""
	for console == "" && sc.Scan() {
		banner = append(banner, sc.Text())
		if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
		if m := consoleRE.FindStringSubmatch(sc.Text()); m != nil {
			console = m[1]
		}
	}
	if addr == "" || console == "" {
		t.Fatalf("no address or console command in the banner:\n%s\n(err %v)", strings.Join(banner, "\n"), <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // drain the rest; only the banner is checked

	c, err := ecs.NewClientWithAccessKey("cn-hangzhou", "cmdtest", "cmdsecret")
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = addr
	resp, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
	if err != nil {
		t.Fatal(safetext.Terminal(err.Error()))
	}
	if len(resp.Regions.Region) == 0 {
		t.Error("no regions")
	}

	// The console command the banner shows works as printed, with only the keys filled in
	// (events instead of the interactive console).
	cloudEnv(t, "")
	t.Setenv(aliyun.EnvAccessKeyID, "cmdtest")
	t.Setenv(aliyun.EnvAccessKeySecret, "cmdsecret")
	out, err := run(t, append(strings.Fields(console), "events", "--json")...)
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "[") || !strings.Contains(out, "InstanceId") {
		t.Errorf("the banner's console command %q: %v\n%s", console, err, out)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sim-server: %v", err)
	}
	if strings.Contains(strings.Join(banner, "\n"), "cmdsecret") || strings.Contains(logs.String(), "cmdsecret") {
		t.Error("the banner or the log shows a secret the user gave")
	}
	if !strings.Contains(logs.String(), "DescribeRegions cn-hangzhou 200 -") {
		t.Errorf("log:\n%s", logs)
	}
}

// lockedWriter collects the server's log lines safely across goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// Without keys given, sim-server generates a pair shaped like Alibaba Cloud's (an id of
// 24 characters starting LTAI, a 30-character secret), different on every run.
func TestSimServerGeneratesKeys(t *testing.T) {
	t.Setenv(aliyun.EnvAccessKeyID, "")
	t.Setenv(aliyun.EnvAccessKeySecret, "")
	shape := regexp.MustCompile(`^[A-Z2-7]+$`)
	seen := map[string]bool{}
	for range 2 {
		id, secret, source, err := (&simServerOptions{}).keys()
		if err != nil || source != "generated" {
			t.Fatalf("keys: %v from %q", err, source)
		}
		if len(id) != 24 || !strings.HasPrefix(id, "LTAI") || len(secret) != 30 || !shape.MatchString(id[4:]) || !shape.MatchString(secret) {
			t.Fatalf("generated %q / %q; want LTAI+20 and 30 characters of A–Z, 2–7", id, secret)
		}
		if seen[id] || seen[secret] {
			t.Fatal("a generated key repeats")
		}
		seen[id], seen[secret] = true, true
	}
}

// brokenWriter is a stdout that is gone (a closed pipe, a full disk).
type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// A sim-server that cannot print its banner (address, keys) says so and exits non-zero,
// instead of serving where nobody can see how to reach it.
func TestSimServerFailsWhenItCannotPrintItsBanner(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // were the banner's failure ignored, the server would stop at once and return nil
	g := &globalOptions{Instances: 5, Seed: 1, SimSpeed: 1}
	o := &simServerOptions{Listen: "127.0.0.1:0", AccessKeyID: "cmdtest", AccessKeySecret: "cmdsecret", BadReply: string(sim.BadReplyGateway)}
	err := runSimServer(ctx, brokenWriter{}, io.Discard, g, o)
	if err == nil || !strings.Contains(err.Error(), "cannot print the banner") {
		t.Fatalf("err = %v; want the banner's write error", err)
	}
}
