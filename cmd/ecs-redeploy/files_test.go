//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 21, kind 3: a FIFO at a plan's path hung `redeploy --resume` in open() for ten
// minutes. Every file the CLI opens, state or input, is refused at once when it is not a
// regular file, with one line naming the path.
func TestFIFOsAreRefusedAtOnce(t *testing.T) {
	fifo := func(t *testing.T, path string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		name string
		// args returns the command line, after putting a FIFO where it will look.
		args func(t *testing.T) (path string, args []string)
	}{{
		"plan for --resume", func(t *testing.T) (string, []string) {
			p := fifo(t, filepath.Join(stateDir(t), "plan-p-x.json"))
			_, addr := scenarioServer(t)
			return p, []string{"redeploy", "--endpoint", addr, "--region", "cn-hangzhou", "--resume"}
		},
	}, {
		"--audit-log", func(t *testing.T) (string, []string) {
			p := fifo(t, filepath.Join(t.TempDir(), "audit.log"))
			return p, []string{"redeploy", "--demo", "--scenario", scenario, "--audit-log", p, "i-bp1webprod0000000001"}
		},
	}, {
		"--from-file", func(t *testing.T) (string, []string) {
			p := fifo(t, filepath.Join(t.TempDir(), "ids.txt"))
			return p, []string{"redeploy", "--demo", "--scenario", scenario, "--from-file", p}
		},
	}, {
		"--scenario", func(t *testing.T) (string, []string) {
			p := fifo(t, filepath.Join(t.TempDir(), "fleet.yaml"))
			return p, []string{"events", "--scenario", p}
		},
	}, {
		"aliyun config", func(t *testing.T) (string, []string) {
			cloudEnv(t, "")
			p := fifo(t, filepath.Join(os.Getenv("HOME"), ".aliyun", "config.json"))
			return p, []string{"events", "--region", "cn-hangzhou"}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, args := c.args(t)
			type result struct {
				out string
				err error
			}
			done := make(chan result, 1)
			go func() {
				out, err := run(t, args...)
				done <- result{out, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%v still blocked after 10s on the FIFO %s", args, path)
			}
			if r.err == nil {
				t.Fatalf("%v: no error\n%s", args, r.out)
			}
			if msg := r.err.Error(); !strings.Contains(msg, path+" is a named pipe (FIFO), not a regular file") || strings.Contains(msg, "\n") {
				t.Errorf("error %q; want one line naming %s", msg, path)
			}
		})
	}
}
