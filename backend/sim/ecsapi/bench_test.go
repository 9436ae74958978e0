package ecsapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// benchFleet is the size of the account benchmarked: a large one, whose busiest region
// has a full first page of 100 pending events.
const benchFleet = 1000

// BenchmarkDescribeInstanceHistoryEvents measures the server on loopback with requests
// shaped and signed as the SDK sends them (POST /?…, form content type, a fresh nonce and
// signature each), asking for the first page of 100 pending events as the console polls.
func BenchmarkDescribeInstanceHistoryEvents(b *testing.B) {
	f := newFixture(b, benchFleet, sim.Options{Seed: 1})
	f.srv = nil
	base := url.Values{
		"Action":                     {"DescribeInstanceHistoryEvents"},
		"RegionId":                   {"cn-hangzhou"},
		"Format":                     {"JSON"},
		"Version":                    {ecsapi.APIVersion},
		"MaxResults":                 {"100"},
		"InstanceEventCycleStatus.1": {"Scheduled"},
		"InstanceEventCycleStatus.2": {"Executing"},
		"InstanceEventCycleStatus.3": {"Inquiring"},
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * runtime.GOMAXPROCS(0)}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var nonce atomic.Int64
	call := func(buf *bytes.Buffer) (int, []byte, error) {
		p := url.Values{}
		for k, v := range base {
			p[k] = v
		}
		ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), fmt.Sprintf("bench-%d", nonce.Add(1)))
		req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+"/?"+p.Encode(), nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, buf.Bytes(), err
	}

	// One checked call first: the benchmark measures full pages, not errors.
	status, body, err := call(&bytes.Buffer{})
	if err != nil || status != 200 {
		b.Fatalf("%d %v %s", status, err, body)
	}
	var page ecs.DescribeInstanceHistoryEventsResponse
	if err := json.Unmarshal(body, &page); err != nil || len(page.InstanceSystemEventSet.InstanceSystemEventType) != 100 {
		b.Fatalf("first page: %d events, %v", len(page.InstanceSystemEventSet.InstanceSystemEventType), err)
	}
	b.SetBytes(int64(len(body)))

	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			if status, body, err := call(&buf); err != nil || status != 200 {
				b.Errorf("%d %v %s", status, err, body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkDescribeInstanceHistoryEventsSDK is the same call through the official SDK
// client, whose own cost (reflection, signing, decoding) shares the machine with the
// server: what a Go client really gets end to end.
func BenchmarkDescribeInstanceHistoryEventsSDK(b *testing.B) {
	f := newFixture(b, benchFleet, sim.Options{Seed: 1})
	c := f.client(b, "cn-hangzhou", testKeyID, testSecret)
	newReq := func() *ecs.DescribeInstanceHistoryEventsRequest {
		req := ecs.CreateDescribeInstanceHistoryEventsRequest()
		req.InstanceEventCycleStatus = pendingStatuses()
		req.MaxResults = requests.NewInteger(100)
		return req
	}
	if resp, err := c.DescribeInstanceHistoryEvents(newReq()); err != nil || len(resp.InstanceSystemEventSet.InstanceSystemEventType) != 100 {
		b.Fatalf("first page: %v", err)
	}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.DescribeInstanceHistoryEvents(newReq()); err != nil {
				b.Error(oneLine(err))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
