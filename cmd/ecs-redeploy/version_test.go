package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "ecs-redeploy", Version: "v0.0.0-20261130103034-5f7519d2c4e1"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "5f7519d2c4e1a8b0f00d5c0de5f7519d2c4e1a8b"},
			{Key: "vcs.time", Value: "2026-11-30T10:30:34Z"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	modified := *stamped
	modified.Settings = append(append([]debug.BuildSetting(nil), stamped.Settings[:3]...), debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	unstamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "ecs-redeploy", Version: "(devel)"}}

	for _, tc := range []struct {
		name    string
		version string
		info    *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"go build in a clone", "dev", stamped, true,
			"ecs-redeploy v0.0.0-20261130103034-5f7519d2c4e1\n" +
				"commit 5f7519d2c4e1a8b0f00d5c0de5f7519d2c4e1a8b\n" +
				"date   2026-11-30T10:30:34Z (the commit's time; Go records no build time)\n" +
				"go     go1.26.8\n"},
		{"a release's -ldflags version wins over the module's", "v1.2.0", stamped, true,
			"ecs-redeploy v1.2.0\n" +
				"commit 5f7519d2c4e1a8b0f00d5c0de5f7519d2c4e1a8b\n" +
				"date   2026-11-30T10:30:34Z (the commit's time; Go records no build time)\n" +
				"go     go1.26.8\n"},
		{"uncommitted changes are said", "dev", &modified, true,
			"ecs-redeploy v0.0.0-20261130103034-5f7519d2c4e1\n" +
				"commit 5f7519d2c4e1a8b0f00d5c0de5f7519d2c4e1a8b (modified: built with uncommitted changes)\n" +
				"date   2026-11-30T10:30:34Z (the commit's time; Go records no build time)\n" +
				"go     go1.26.8\n"},
		{"go run: no commit is invented", "dev", unstamped, true,
			"ecs-redeploy dev\n" +
				"commit unknown (built without VCS stamping: go run, go test or -buildvcs=false)\n" +
				"go     go1.26.8\n"},
		{"no build info at all", "dev", nil, false,
			"ecs-redeploy dev\n" +
				"commit unknown (no build info in this binary)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionText(tc.version, tc.info, tc.ok); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// --version goes through cobra: the text is printed once, without cobra's own
// "ecs-redeploy version" prefix, and the command exits 0 without opening anything.
func TestVersionFlag(t *testing.T) {
	out, err := run(t, "--version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "ecs-redeploy ") || strings.Count(out, "ecs-redeploy") != 1 {
		t.Errorf("--version printed:\n%s", out)
	}
	if !strings.Contains(out, "\ncommit ") || !strings.Contains(out, "\ngo     go1.") {
		t.Errorf("--version lacks the commit or Go lines:\n%s", out)
	}
}

// The shell completions docs/development.md documents are cobra's: the scripts are generated for
// bash, zsh and fish, and the hidden __complete command they call answers with the
// subcommands and flags.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, err := run(t, "completion", shell)
		if err != nil || !strings.Contains(out, "ecs-redeploy") || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: err %v, script:\n%.300s", shell, err, out)
		}
	}
	out, err := run(t, "__complete", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"events", "redeploy", "serve", "sim-server"} {
		if !strings.Contains(out, want+"\t") {
			t.Errorf("__complete '' lacks %s:\n%s", want, out)
		}
	}
	out, err = run(t, "__complete", "redeploy", "--max-in")
	if err != nil || !strings.Contains(out, "--max-in-flight") {
		t.Errorf("__complete redeploy --max-in: err %v\n%s", err, out)
	}
}
