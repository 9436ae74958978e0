package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestMeasureServe is the measured run of docs/performance.md: it builds the
// binary, serves the on-call scenario, and connects 50 sessions from this process, so the
// server's memory and CPU are its own. It takes about 40 s; set ECS_REDEPLOY_MEASURE=1.
//
//	ECS_REDEPLOY_MEASURE=1 go test -run TestMeasureServe -v ./cmd/ecs-redeploy/
func TestMeasureServe(t *testing.T) {
	if os.Getenv("ECS_REDEPLOY_MEASURE") == "" {
		t.Skip("a measured run, not a test: set ECS_REDEPLOY_MEASURE=1")
	}
	const sessions = 50
	const window = 5 * time.Second
	dir := t.TempDir()
	bin := filepath.Join(dir, "ecs-redeploy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	viewer, viewers := sshKey(t, dir, "viewers")
	operator, operators := sshKey(t, dir, "operators")
	srv := exec.Command(bin, "serve", "--scenario", scenario, "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "hk"),
		"--authorized-keys", viewers, "--operator-keys", operators, "--max-sessions", "100")
	srv.Env = append(os.Environ(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	logs := newLockedBuffer()
	srv.Stderr = logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	addr := logs.waitMatch(t, regexp.MustCompile(`listen addr=(127\.0\.0\.1:\d+)`))
	pid := srv.Process.Pid

	type session struct {
		conn  *gossh.Client
		in    io.Writer
		out   *lockedBuffer
		bytes atomic.Int64
	}
	open := func(user string, key gossh.Signer) (*session, time.Duration) {
		start := time.Now()
		conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 15 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		s := &session{conn: conn, out: newLockedBuffer()}
		s.in, _ = sess.StdinPipe()
		sess.Stdout = countingWriter{s.out, &s.bytes}
		if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		s.out.wait(t, regexp.MustCompile(`\x1b\]11;\?`), func(s string) string { return s })
		_, _ = io.WriteString(s.in, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
		s.out.waitMatch(t, regexp.MustCompile(`i-uf6hdfs000000000007`))
		return s, time.Since(start)
	}

	first, _ := open("oscar", operator)
	rss1 := procKiB(t, pid, "VmRSS")
	var all []*session
	var latencies []time.Duration
	for i := 1; i < sessions; i++ {
		s, d := open(fmt.Sprintf("viewer%02d", i), viewer)
		all = append(all, s)
		latencies = append(latencies, d)
	}
	rss50 := procKiB(t, pid, "VmRSS")
	slices.Sort(latencies)
	t.Logf("RSS: %d KiB with 1 session, %d KiB with %d: %.2f MiB per idle session",
		rss1, rss50, sessions, float64(rss50-rss1)/float64(sessions-1)/1024)
	t.Logf("connect to first screen (%d sessions, loopback, one at a time): median %s, p95 %s, max %s",
		len(latencies), latencies[len(latencies)/2].Round(time.Millisecond),
		latencies[len(latencies)*95/100].Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))

	measure := func(what string, n int, ss []*session) float64 {
		for _, s := range ss {
			s.bytes.Store(0)
		}
		c0, t0 := procCPU(t, pid), time.Now()
		time.Sleep(window) // a measured run: wall time is what is measured
		cpu, wall := procCPU(t, pid)-c0, time.Since(t0)
		var bytes int64
		for _, s := range ss {
			bytes += s.bytes.Load()
		}
		pct := 100 * cpu.Seconds() / wall.Seconds()
		t.Logf("%s, %d sessions: server CPU %.1f%% of one core; %.0f B/s per session to the client",
			what, n, pct, float64(bytes)/wall.Seconds()/float64(len(ss)))
		return pct
	}
	idle50 := measure("idle", sessions, append([]*session{first}, all...))

	// The operator redeploys web-prod-001 (Running: minutes of Stopping, Starting).
	_, _ = io.WriteString(first.in, "/")
	first.out.waitMatch(t, regexp.MustCompile(`(?m)^/`))
	_, _ = io.WriteString(first.in, "web-prod-001")
	first.out.waitMatch(t, regexp.MustCompile(`1 of 7`))
	_, _ = io.WriteString(first.in, "\r")
	// R on its own, not in the same burst as the enter: a burst is pasted text.
	first.out.pressUntil(t, first.in, "R", regexp.MustCompile(`ForceStop:`))
	first.out.pressUntil(t, first.in, "\t", regexp.MustCompile(`> Redeploy <`))
	_, _ = io.WriteString(first.in, "\r")
	first.out.waitMatch(t, regexp.MustCompile(`started: task`))
	for _, s := range all {
		s.out.waitMatch(t, regexp.MustCompile(`1 running`))
	}
	anim50 := measure("a task animating", sessions, append([]*session{first}, all...))
	for _, s := range all {
		_ = s.conn.Close()
	}
	logs.waitMatch(t, regexp.MustCompile(`(?s)(session end[^\n]*\n.*){49}`))
	anim1 := measure("a task animating", 1, []*session{first})
	t.Logf("render cost while a task animates: %.2f%% of one core per session ((%.1f%% − %.1f%%) / %d); idle: %.2f%% per session",
		(anim50-anim1)/float64(sessions-1), anim50, anim1, sessions-1, idle50/float64(sessions))
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.w.Write(p)
}

// procKiB reads a field such as VmRSS from /proc/PID/status.
func procKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// procCPU is the user+system time the process has used (/proc/PID/stat, fields 14 and 15,
// in clock ticks of 1/100 s on Linux).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name may hold spaces; the fields after its closing parenthesis do not.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
