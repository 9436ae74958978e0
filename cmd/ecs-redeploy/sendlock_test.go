package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// lockWaiter reports whether some process (or descriptor) waits for the flock on path:
// /proc/locks lists a blocked request as "-> FLOCK … <dev>:<inode> …".
func lockWaiter(t *testing.T, path string) bool {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return false
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Skipf("no /proc/locks: %v", err)
	}
	ino := ":" + strconv.FormatUint(st.Ino, 10) + " "
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "-> FLOCK") && strings.Contains(line, ino) {
			return true
		}
	}
	return false
}

// Issue 19: two headless `redeploy` of one instance started at the same moment on one
// host send one RedeployInstance, counted at the server. The first holds the instance's
// send lock from its DescribeTasks check to the recording of its task; the second waits,
// then finds the task Processing and is refused naming it. Without the lock, the second's
// check ran while the first's call was out, found nothing, and sent a second call.
func TestTwoHeadlessRedeploysOfOneInstanceSendOne(t *testing.T) {
	dir := stateDir(t)
	eng, addr := simServer(t, 3, 200)
	noWait(t)
	in := redeployable(t, eng)
	lock := filepath.Join(dir, "send-"+in.ID+".lock")

	// The first RedeployInstance is held until the other command either waits for the
	// send lock or sends a RedeployInstance of its own (which it could only do unlocked,
	// its DescribeTasks check having found nothing while the first call was out).
	var mu sync.Mutex
	calls := 0
	second := make(chan struct{})
	u, _ := url.Parse("http://" + addr)
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == "RedeployInstance" {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			switch n {
			case 1:
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
			wait:
				for !lockWaiter(t, lock) {
					select {
					case <-second:
						break wait
					case <-tick.C:
					}
				}
			case 2:
				close(second)
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	type result struct {
		out string
		err error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			out, err := run(t, "redeploy", in.ID, "--endpoint", strings.TrimPrefix(front.URL, "http://"), "--region", "cn-hangzhou", "--yes")
			results <- result{out, err}
		}()
	}
	var started, refused []result
	for range 2 {
		r := <-results
		if r.err == nil {
			started = append(started, r)
		} else {
			refused = append(refused, r)
		}
	}
	mu.Lock()
	n := calls
	mu.Unlock()
	if n != 1 || len(started) != 1 {
		t.Fatalf("%d RedeployInstance calls reached the server, %d commands started one; want one:\n%v", n, len(started), refused)
	}
	tasks := eng.Tasks("cn-hangzhou", sim.TaskFilter{ResourceIDs: []string{in.ID}})
	if len(tasks) != 1 {
		t.Fatalf("%d tasks of %s", len(tasks), in.ID)
	}
	if err := refused[0].err; !errors.Is(err, backend.ErrAlreadyInProgress) || !strings.Contains(err.Error(), tasks[0].ID) {
		t.Fatalf("the second command: %v; want a refusal that names task %s", err, tasks[0].ID)
	}
}
