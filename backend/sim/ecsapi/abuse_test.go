package ecsapi_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// TestNonceCacheKeepsTheNonceOnly: 40 signed calls of 1 MB each leave the replay cache
// holding their nonces, not their bodies. Before, each nonce shared the memory of its
// parsed body and the cache kept 40 MB alive.
func TestNonceCacheKeepsTheNonceOnly(t *testing.T) {
	f := newFixture(t, 10, sim.Options{Seed: 1})
	pad := strings.Repeat("p", 1<<20-4096)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	send := func(body url.Values) int {
		req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+"/", strings.NewReader(body.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	before := heap()
	for i := range 40 {
		p := describeRegionsParams()
		p.Set("Pad", pad)
		ecsapi.SignParams(http.MethodPost, p, testKeyID, testSecret, time.Now(), nextNonce())
		send(p)
		if i == 0 {
			// The nonce was taken: a replay is refused, so the cache holds it.
			if status := send(p); status != 400 {
				t.Fatalf("replay answered %d", status)
			}
		}
	}
	if grown := int64(heap()) - int64(before); grown > 8<<20 {
		t.Errorf("the heap grew by %d MiB over 40 calls of 1 MiB; the nonce cache keeps their bodies", grown>>20)
	}

	long := describeRegionsParams()
	ecsapi.SignParams(http.MethodPost, long, testKeyID, testSecret, time.Now(), strings.Repeat("n", ecsapi.MaxNonceLength+1))
	if status, _, e := f.post(t, long); status != 400 || e.Code != "InvalidParameter" || !strings.Contains(e.Message, "SignatureNonce") {
		t.Errorf("a %d-byte nonce: %d %s %s", ecsapi.MaxNonceLength+1, status, e.Code, e.Message)
	}
}

// TestSlowBodyIsCutOff: a client that sends its headers and then one byte of its body is
// answered once the configured body timeout passes, instead of holding the connection.
func TestSlowBodyIsCutOff(t *testing.T) {
	eng := sim.New(sim.Generate(1, 10, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1})
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: testKeyID, AccessKeySecret: testSecret, BodyTimeout: 100 * time.Millisecond})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	conn, err := net.Dial("tcp", ep.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write([]byte("POST /?Action=DescribeRegions HTTP/1.1\r\nHost: " + ep.Addr +
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nA")); err != nil {
		t.Fatal(err)
	}
	// The guard, not a sleep: without a body timeout nothing ever arrives.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer %s after one byte of a 1000-byte body: %v", time.Since(start).Round(time.Millisecond), err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}
