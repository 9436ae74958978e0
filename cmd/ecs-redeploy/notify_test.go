package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/notify"
	"ecs-redeploy/ui/serve/sshtest"
)

// serve --notify URL posts the watching notice of its first listing to the webhook, and
// --metrics counts it.
func TestServeNotify(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	got := make(chan []byte, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()
	dir := t.TempDir()
	_, viewers := sshtest.KeyFile(t, dir, "viewers")
	_, _, stop := startServe(t, "--demo", "--scenario", scenario, "--host-key", filepath.Join(dir, "host_key"),
		"--authorized-keys", viewers, "--notify", hook.URL+"/hook", "--notify-source", "oncall-1")
	var nt notify.Notice
	select {
	case b := <-got:
		if err := json.Unmarshal(b, &nt); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no notice reached the webhook")
	}
	if nt.Kind != notify.KindWatching || nt.Source != "oncall-1" || nt.Count != 7 || !strings.Contains(nt.Text, "watching: 7 pending") {
		t.Fatalf("first notice: %+v", nt)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// A bad --notify value is a usage error in one line, before anything starts.
func TestNotifyFlagsRefusedInOneLine(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	dir := t.TempDir()
	_, viewers := sshtest.KeyFile(t, dir, "viewers")
	serve := []string{"serve", "--demo", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "host_key"), "--authorized-keys", viewers}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(serve, "--notify", "hooks.example.com/x"), "--notify needs an http:// or https:// URL"},
		{append(serve, "--notify", "https://hooks.example.com/x", "--notify-lead", "0s"), "--notify-lead must be positive"},
		{append(serve, "--notify", "https://hooks.example.com/x", "--notify-queue", "0"), "--notify-queue must be at least 1"},
		{[]string{"--demo", "--notify", "ftp://hooks.example.com/x"}, "--notify needs an http:// or https:// URL"},
	} {
		_, err := run(t, c.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) || strings.Contains(errorLine(err), "\n") {
			t.Errorf("%v: %v (exit %d), want %q", c.args, err, exitCode(err), c.want)
		}
	}
}
