package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"ecs-redeploy/ui/serve/sshtest"
)

// TestMeasureServe is the measured run of docs/performance.md: it builds the
// binary, serves the on-call scenario, and connects 50 sessions from this process, so the
// server's memory and CPU are its own. It takes about 40 s; set ECS_REDEPLOY_MEASURE=1.
// ECS_REDEPLOY_MEASURE_INSTANCES=N serves a generated fleet of N instances instead and
// measures idle sessions only (the redeploy step needs the scenario's instance).
//
//	ECS_REDEPLOY_MEASURE=1 go test -run TestMeasureServe -v ./cmd/ecs-redeploy/
//	ECS_REDEPLOY_MEASURE=1 ECS_REDEPLOY_MEASURE_INSTANCES=100000 go test -run TestMeasureServe -v ./cmd/ecs-redeploy/
func TestMeasureServe(t *testing.T) {
	if os.Getenv("ECS_REDEPLOY_MEASURE") == "" {
		t.Skip("a measured run, not a test: set ECS_REDEPLOY_MEASURE=1")
	}
	const sessions = 50
	window := 5 * time.Second
	fleetArgs := []string{"--scenario", scenario}
	firstScreen := regexp.MustCompile(`i-uf6hdfs000000000007`)
	instances := os.Getenv("ECS_REDEPLOY_MEASURE_INSTANCES")
	if instances != "" {
		fleetArgs = []string{"--demo", "--instances", instances}
		firstScreen = regexp.MustCompile(`\d pending`)
		window = 20 * time.Second // four refreshes of the whole fleet
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ecs-redeploy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	viewer, viewers := sshtest.KeyFile(t, dir, "viewers")
	operator, operators := sshtest.KeyFile(t, dir, "operators")
	srv := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "hk"),
		"--authorized-keys", viewers, "--operator-keys", operators, "--max-sessions", "100"}, fleetArgs...)...)
	srv.Env = append(os.Environ(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	logs := sshtest.NewBuffer()
	srv.Stderr = logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	addr := logs.WaitMatch(t, regexp.MustCompile(`listen addr=(127\.0\.0\.1:\d+)`))
	pid := srv.Process.Pid

	open := func(user string, key gossh.Signer) (*sshtest.Client, time.Duration) {
		start := time.Now()
		c := sshtest.Connect(t, addr, user, key, sshtest.Terminal{Term: "xterm-256color", Width: 120, Height: 40})
		if instances == "" {
			c.Out.WaitMatch(t, firstScreen)
		} else if !c.Out.Within(firstScreen, 3*time.Minute) {
			// A large fleet is generated and listed after the server listens: the first
			// session may wait for it well past WaitMatch's 15 s on a loaded machine.
			t.Fatalf("never saw %s", firstScreen)
		}
		return c, time.Since(start)
	}

	measure := func(what string, n int, ss []*sshtest.Client) float64 {
		before := make([]int, len(ss))
		for i, s := range ss {
			before[i] = s.Out.Len()
		}
		c0, t0 := procCPU(t, pid), time.Now()
		time.Sleep(window) // a measured run: wall time is what is measured
		cpu, wall := procCPU(t, pid)-c0, time.Since(t0)
		var bytes int64
		for i, s := range ss {
			bytes += int64(s.Out.Len() - before[i])
		}
		pct := 100 * cpu.Seconds() / wall.Seconds()
		t.Logf("%s, %d sessions: server CPU %.1f%% of one core; %.0f B/s per session to the client",
			what, n, pct, float64(bytes)/wall.Seconds()/float64(len(ss)))
		return pct
	}

	first, _ := open("oscar", operator)
	rss1 := procKiB(t, pid, "VmRSS")
	var idle1 float64
	if instances != "" {
		idle1 = measure("idle", 1, []*sshtest.Client{first})
	}
	var all []*sshtest.Client
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

	idle50 := measure("idle", sessions, append([]*sshtest.Client{first}, all...))
	if instances != "" {
		// The RSS figures above do not resolve a session at this size: the shared heap of a
		// large fleet moves by more than 50 sessions cost. A session's memory is
		// ui.TestAnIdleSessionCostsTheSameAtAnyFleetSize's.
		t.Logf("idle at %s instances, per session (50 sessions less 1, over 49): %.2f%% of one core ((%.1f%% − %.1f%%) / %d)",
			instances, (idle50-idle1)/float64(sessions-1), idle50, idle1, sessions-1)
		return
	}

	// The operator redeploys web-prod-001 (Running: minutes of Stopping, Starting).
	_, _ = io.WriteString(first.Stdin, "/")
	first.Out.WaitMatch(t, regexp.MustCompile(`(?m)^/`))
	_, _ = io.WriteString(first.Stdin, "web-prod-001")
	first.Out.WaitMatch(t, regexp.MustCompile(`1 of 7`))
	_, _ = io.WriteString(first.Stdin, "\r")
	// R on its own, not in the same burst as the enter: a burst is pasted text.
	first.Out.PressUntil(t, first.Stdin, "R", regexp.MustCompile(`ForceStop:`))
	first.Out.PressUntil(t, first.Stdin, "\t", regexp.MustCompile(`> Redeploy <`))
	first.Out.Choose(t, first.Stdin, regexp.MustCompile(`redeploy submitted|started: task`))
	first.Out.WaitMatch(t, regexp.MustCompile(`started: task`))
	for _, s := range all {
		s.Out.WaitMatch(t, regexp.MustCompile(`1 running`))
	}
	anim50 := measure("a task animating", sessions, append([]*sshtest.Client{first}, all...))
	for _, s := range all {
		_ = s.Conn.Close()
	}
	logs.WaitMatch(t, regexp.MustCompile(`(?s)(session end[^\n]*\n.*){49}`))
	anim1 := measure("a task animating", 1, []*sshtest.Client{first})
	t.Logf("render cost while a task animates: %.2f%% of one core per session ((%.1f%% − %.1f%%) / %d); idle: %.2f%% per session",
		(anim50-anim1)/float64(sessions-1), anim50, anim1, sessions-1, idle50/float64(sessions))
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

// TestMeasureServeUnderKnocks is the measured run of issue 21's flood: 10,000 TCP
// connections that never say a word, from 127.0.0.2 (ECS_REDEPLOY_KNOCK_SOURCES=200
// spreads them over 127.0.0.2 to 127.0.0.201), then the login of an operator from
// 127.0.0.1, who logged in once before the knocks. It reports the server's RSS and open
// file descriptors before and after the knocks, and the operator's time from dial to first
// screen. ECS_REDEPLOY_BIN measures another build (such as the one before the limits);
// ulimit -n must allow the knocks.
//
//	ECS_REDEPLOY_MEASURE=1 go test -run TestMeasureServeUnderKnocks -v ./cmd/ecs-redeploy/
func TestMeasureServeUnderKnocks(t *testing.T) {
	if os.Getenv("ECS_REDEPLOY_MEASURE") == "" {
		t.Skip("a measured run, not a test: set ECS_REDEPLOY_MEASURE=1")
	}
	knocks, sources := 10000, 1
	if v := os.Getenv("ECS_REDEPLOY_KNOCKS"); v != "" {
		knocks, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("ECS_REDEPLOY_KNOCK_SOURCES"); v != "" {
		sources, _ = strconv.Atoi(v)
	}
	dir := t.TempDir()
	bin := os.Getenv("ECS_REDEPLOY_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "ecs-redeploy")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	_, viewers := sshtest.KeyFile(t, dir, "viewers")
	operator, operators := sshtest.KeyFile(t, dir, "operators")
	srv := exec.Command(bin, "serve", "--scenario", scenario, "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "hk"),
		"--authorized-keys", viewers, "--operator-keys", operators)
	srv.Env = append(os.Environ(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	logs := sshtest.NewBuffer()
	srv.Stderr = logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	addr := logs.WaitMatch(t, regexp.MustCompile(`listen addr=(127\.0\.0\.1:\d+)`))
	pid := srv.Process.Pid
	fds := func() int {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	login := func() string {
		start := time.Now()
		conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "oscar", Auth: []gossh.AuthMethod{gossh.PublicKeys(operator)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 60 * time.Second})
		if err != nil {
			return "failed: " + err.Error()
		}
		c := sshtest.Open(t, conn, sshtest.Terminal{Term: "xterm-256color", Width: 120, Height: 40})
		if !c.Out.Within(regexp.MustCompile(`i-uf6hdfs000000000007`), 60*time.Second) {
			return "failed: no first screen"
		}
		return time.Since(start).Round(time.Millisecond).String()
	}
	t.Logf("operator's login before the knocks: %s", login())
	rss0, fd0 := procKiB(t, pid, "VmRSS"), fds()

	start := time.Now()
	var conns []net.Conn
	var kept, refused, failed int
	for i := range knocks {
		k := i % sources
		src := net.IPv4(127, 0, byte(k/250), byte(2+k%250))
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 30 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			failed++
			continue
		}
		conns = append(conns, c)
	}
	// Every knock is answered before anything is measured: a kept one with the server's
	// version line, a refused one with its close.
	buf := make([]byte, 4)
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.ReadFull(c, buf); err == nil {
			kept++
		} else {
			refused++
		}
	}
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	knocked := time.Since(start)
	rss1, fd1 := procKiB(t, pid, "VmRSS"), fds()

	under := login()
	t.Logf("%d knocks from %d address(es) in %s: %d kept by the server, %d closed by it, %d not connected", knocks, sources,
		knocked.Round(time.Millisecond), kept, refused, failed)
	t.Logf("server RSS %d KiB → %d KiB, open fds %d → %d; operator's login to first screen under the knocks: %s",
		rss0, rss1, fd0, fd1, under)
}
