package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// cliLoop is what an aliyun CLI user scripts today to list pending events with their
// instances, emulated with the official SDK because the CLI cannot be installed here:
//
//	aliyun ecs DescribeRegions
//	for r in $regions; do
//	  aliyun ecs DescribeInstanceHistoryEvents --RegionId $r --InstanceEventCycleStatus.1 Scheduled … --MaxResults 100 --pager path=InstanceSystemEventSet.InstanceSystemEventType
//	  aliyun ecs DescribeInstances --RegionId $r --MaxResults 100 --pager path=Instances.Instance
//	done
//
// The same calls and pages (NextToken, 100 a page), one after the other through one SDK
// client, each command's pages merged and printed as indented JSON as the CLI's --pager
// does. It is kinder to the loop than the real CLI: no process is started per command.
// It returns the calls made.
func cliLoop(c *ecs.Client, w io.Writer) (int, error) {
	calls := 0
	regions, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
	if err != nil {
		return calls, err
	}
	calls++
	if err := printMerged(w, [][]byte{regions.GetHttpContentBytes()}, "Regions", "Region"); err != nil {
		return calls, err
	}
	statuses := []string{"Scheduled", "Executing", "Inquiring"}
	for _, r := range regions.Regions.Region {
		var pages [][]byte
		for token := ""; ; {
			req := ecs.CreateDescribeInstanceHistoryEventsRequest()
			req.RegionId = r.RegionId
			req.InstanceEventCycleStatus = &statuses
			req.MaxResults = requests.NewInteger(100)
			req.NextToken = token
			resp, err := c.DescribeInstanceHistoryEvents(req)
			if err != nil {
				return calls, err
			}
			calls++
			pages = append(pages, resp.GetHttpContentBytes())
			if token = resp.NextToken; token == "" {
				break
			}
		}
		if err := printMerged(w, pages, "InstanceSystemEventSet", "InstanceSystemEventType"); err != nil {
			return calls, err
		}
		pages = nil
		for token := ""; ; {
			req := ecs.CreateDescribeInstancesRequest()
			req.RegionId = r.RegionId
			req.MaxResults = requests.NewInteger(100)
			req.NextToken = token
			resp, err := c.DescribeInstances(req)
			if err != nil {
				return calls, err
			}
			calls++
			pages = append(pages, resp.GetHttpContentBytes())
			if token = resp.NextToken; token == "" {
				break
			}
		}
		if err := printMerged(w, pages, "Instances", "Instance"); err != nil {
			return calls, err
		}
	}
	return calls, nil
}

// printMerged merges the list at set.item of every page into the first page and prints it
// indented, as the aliyun CLI's --pager does.
func printMerged(w io.Writer, pages [][]byte, set, item string) error {
	var merged map[string]any
	var all []any
	for _, p := range pages {
		var m map[string]any
		if err := json.Unmarshal(p, &m); err != nil {
			return err
		}
		s, _ := m[set].(map[string]any)
		list, _ := s[item].([]any)
		all = append(all, list...)
		if merged == nil {
			merged = m
		}
	}
	if s, ok := merged[set].(map[string]any); ok {
		s[item] = all
	}
	out, err := json.MarshalIndent(merged, "", "\t")
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// rowCounter counts the bytes and the rows of events --json written to it and keeps none
// but the tail of the last write: a row starts with its InstanceId at the first indent, and
// a pipe may split that anywhere.
type rowCounter struct {
	bytes, rows int64
	tail        []byte
}

var rowStart = []byte("  {\n    \"InstanceId\"")

func (c *rowCounter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	buf := append(c.tail, p...)
	c.rows += int64(bytes.Count(buf, rowStart))
	// Keep what could be the start of a row the next write completes.
	c.tail = append(c.tail[:0], buf[max(0, len(buf)-len(rowStart)+1):]...)
	return len(p), nil
}

// listingChild, in the environment of this test binary, makes it one side of
// BenchmarkEventsVsCLILoop instead of the tests: "events" runs the command line given, as
// the ecs-redeploy binary would; "cli-loop" runs cliLoop against LISTING_ENDPOINT.
const listingChild = "LISTING_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(listingChild) {
	case "events", "main": // main: the command line as given (a serve to kill)
		main()
		os.Exit(0)
	case "cli-loop":
		c, err := ecs.NewClientWithAccessKey("cn-hangzhou", os.Getenv(aliyun.EnvAccessKeyID), os.Getenv(aliyun.EnvAccessKeySecret))
		if err == nil {
			c.Domain = os.Getenv("LISTING_ENDPOINT")
			_, err = cliLoop(c, os.Stdout)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cli loop:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// BenchmarkEventsVsCLILoop lists 10,000 instances with pending events over every region of
// one sim-server on 127.0.0.1 (issue 12's budget: at least 10× faster than the CLI loop),
// both ways in the same run, each as a process of its own (this test binary, see
// listingChild) reading the server this benchmark runs: `ecs-redeploy events --json
// --region all`, and cliLoop. It reports both wall times (process start to exit, output
// read), their ratio, the loop's calls and the bytes of JSON events wrote, and fails if
// events did not list every instance.
//
//	go test -run '^$' -bench EventsVsCLILoop -benchtime 5x -count 5 ./cmd/ecs-redeploy
//
// LISTING_INSTANCES changes the fleet size.
func BenchmarkEventsVsCLILoop(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("LISTING_INSTANCES")); err == nil && v > 0 {
		n = v
	}
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		b.Setenv(k, "")
	}
	b.Setenv("HOME", b.TempDir())
	b.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	b.Setenv(aliyun.EnvRegion, "")
	b.Setenv(aliyun.EnvEndpoint, "")
	b.Setenv(aliyun.EnvAccessKeyID, "benchkey")
	b.Setenv(aliyun.EnvAccessKeySecret, "benchsecret")
	eng := sim.New(sim.Generate(1, n, sim.Epoch), sim.NewStepClock(sim.Epoch), sim.Options{Seed: 1})
	ep, err := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "benchkey", AccessKeySecret: "benchsecret"}).Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ep.Close() })
	b.Setenv("LISTING_ENDPOINT", ep.Addr)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	// child runs one side and returns its wall time and what it wrote.
	child := func(kind string, args ...string) (time.Duration, rowCounter) {
		var out rowCounter
		var stderr bytes.Buffer
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), listingChild+"="+kind)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v\n%s", kind, err, stderr.String())
		}
		return time.Since(start), out
	}
	child("cli-loop") // warm: the page cache and the server's connections

	var loopWall, toolWall time.Duration
	var loopOut, toolOut rowCounter
	b.ResetTimer()
	for range b.N {
		d, out := child("cli-loop")
		loopWall, loopOut = loopWall+d, out
		d, out = child("events", "events", "--json", "--region", "all", "--endpoint", ep.Addr)
		toolWall, toolOut = toolWall+d, out
	}
	b.StopTimer()
	loop, tool := loopWall.Seconds()/float64(b.N), toolWall.Seconds()/float64(b.N)
	b.ReportMetric(loop, "cli-loop-s/op")
	b.ReportMetric(tool, "events-s/op")
	b.ReportMetric(loop/tool, "x-faster")
	b.ReportMetric(float64(loopOut.bytes), "cli-loop-bytes/op")
	b.ReportMetric(float64(toolOut.bytes), "events-bytes/op")
	if want := len(eng.PendingInstances(nil, nil)); toolOut.rows != int64(want) {
		b.Fatalf("events --json wrote %d rows; the engine has %d instances with pending events", toolOut.rows, want)
	}
}
