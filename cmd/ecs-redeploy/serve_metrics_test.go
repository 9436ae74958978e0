package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"ecs-redeploy/ui/serve/sshtest"
)

// serve --metrics ADDR serves the exposition beside SSH, and stops with it.
func TestServeMetrics(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	dir := t.TempDir()
	_, viewers := sshtest.KeyFile(t, dir, "viewers")
	_, logs, stop := startServe(t, "--demo", "--scenario", scenario, "--host-key", filepath.Join(dir, "host_key"),
		"--authorized-keys", viewers, "--metrics", "127.0.0.1:0")
	url := logs.WaitMatch(t, regexp.MustCompile(`metrics url=(http://127\.0\.0\.1:\d+/metrics)`))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	for _, name := range []string{"ecs_redeploy_ssh_sessions", "ecs_redeploy_refresh_failing", "ecs_redeploy_tasks", "go_goroutines"} {
		if fams[name] == nil {
			t.Errorf("no %s in the exposition", name)
		}
	}
	if f := fams["ecs_redeploy_ssh_sessions"]; f != nil && f.Metric[0].GetGauge().GetValue() != 0 {
		t.Errorf("sessions: %v, want 0", f.Metric[0].GetGauge().GetValue())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("metrics still served after serve stopped")
	}
}
