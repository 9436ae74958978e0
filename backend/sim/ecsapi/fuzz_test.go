package ecsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"ecs-redeploy/backend/sim"
)

// sdkEscape is the SDK's recipe for one key or value: QueryEscape, then + → %20,
// * → %2A, %7E → ~.
func sdkEscape(s string) string {
	s = url.QueryEscape(s)
	s = strings.ReplaceAll(s, "+", "%20")
	s = strings.ReplaceAll(s, "*", "%2A")
	return strings.ReplaceAll(s, "%7E", "~")
}

// FuzzServeHTTP feeds arbitrary requests through parsing, signature checking and the
// actions. No input may panic or produce anything but an ECS reply; a request the fuzzer's
// input re-signs correctly is never refused for its signature.
func FuzzServeHTTP(f *testing.F) {
	now := sim.Epoch
	eng := sim.New(sim.Generate(1, 40, now), sim.NewStepClock(now), sim.Options{Seed: 1})
	srv := NewServer(eng, Options{AccessKeyID: "fuzz", AccessKeySecret: "fuzz-secret", Now: func() time.Time { return now }})
	in := eng.Instances("", nil)[0]

	seeds := []string{
		"Action=DescribeRegions&RegionId=cn-hangzhou",
		"Action=DescribeInstances&RegionId=" + in.RegionID + `&InstanceIds=["` + in.ID + `"]&PageSize=5&PageNumber=2`,
		"Action=DescribeInstances&RegionId=cn-hangzhou&MaxResults=3&NextToken=i5",
		"Action=DescribeInstanceHistoryEvents&RegionId=cn-hangzhou&InstanceEventCycleStatus.1=Scheduled&InstanceEventCycleStatus.2=Executing&MaxResults=10",
		"Action=DescribeInstanceHistoryEvents&RegionId=cn-hangzhou&ResourceId.1=" + in.ID + "&InstanceEventType.1=SystemMaintenance.Reboot&NextToken=e2",
		"Action=RedeployInstance&RegionId=" + in.RegionID + "&InstanceId=" + in.ID + "&ForceStop=true",
		"Action=DescribeTasks&RegionId=cn-hangzhou&TaskIds=t-1,t-2&TaskAction=RedeployInstance&ResourceIds.1=i-x",
		`Action=DescribeTasks&RegionId=cn-hangzhou&TaskIds=["t-1"]&PageSize=100`,
		"Action=Nope&RegionId=cn-hangzhou",
		"Action=DescribeInstances&RegionId=cn-hangzhou&ResourceId.0=x&PageSize=-1&InstanceIds=[1,2",
		"Action=DescribeInstanceHistoryEvents&RegionId=cn-hangzhou&ResourceId.99999999999999999999=x",
		"%zz=1&Action",
		"Action=DescribeInstances&RegionId=cn-hangzhou&InstanceName=%22%5C%0A%01%E2%80%A8%FF%3C",
		"",
	}
	for _, q := range seeds {
		f.Add("POST", q, "", true)
		f.Add("GET", q, "", false)
	}
	f.Add("POST", "Action=DescribeRegions", "RegionId=cn-hangzhou&Format=JSON", true)
	f.Add("PUT", "Action=DescribeRegions", "", true)

	nonce := 0
	f.Fuzz(func(t *testing.T, method, rawQuery, body string, resign bool) {
		signed := false
		if resign {
			if q, err := url.ParseQuery(rawQuery); err == nil && (method == "GET" || method == "POST") && body == "" {
				nonce++
				q.Set("Version", APIVersion)
				SignParams(method, q, "fuzz", "fuzz-secret", now, fmt.Sprintf("fuzz-%d", nonce))
				rawQuery, signed = q.Encode(), true
			}
		}
		req := &http.Request{
			Method: method,
			URL:    &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   http.NoBody,
			Host:   "127.0.0.1:1",
		}
		if body != "" {
			req.Body = httpBody(body)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)

		var reply map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
			t.Fatalf("%d reply is not JSON: %v: %q", rec.Code, err, rec.Body.String())
		}
		if _, ok := reply["RequestId"]; !ok {
			t.Fatalf("reply without RequestId: %s", rec.Body.String())
		}
		if rec.Code != 200 {
			code, _ := reply["Code"].(string)
			if code == "" || rec.Code < 400 || rec.Code > 599 {
				t.Fatalf("error reply %d without a Code: %s", rec.Code, rec.Body.String())
			}
			if signed && (code == "SignatureDoesNotMatch" || code == "IncompleteSignature" || code == "InvalidAccessKeyId.NotFound") {
				t.Fatalf("a correctly signed request was refused: %s\nquery %q", rec.Body.String(), rawQuery)
			}
		}

		// The one-pass string to sign is the recipe's two encodings, on any parameters.
		if q, err := url.ParseQuery(rawQuery); err == nil {
			if got, want := StringToSign(method, q), stringToSignTwice(method, q); got != want {
				t.Fatalf("StringToSign(%q, %q) = %q, the recipe gives %q", method, q, got, want)
			}
		}

		for _, s := range []string{rawQuery, body, method} {
			// InstanceIds reads as encoding/json reads it.
			checkInstanceIDs(t, s)
			// The server's escaping is the SDK's, for every string the fuzzer invents.
			if got, want := percentEncode(s), sdkEscape(s); got != want {
				t.Fatalf("percentEncode(%q) = %q, SDK escapes %q", s, got, want)
			}
			// The hand-written JSON string encoder reads back as encoding/json's does.
			std, _ := json.Marshal(s)
			var got, want string
			if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
				t.Fatalf("appendJSONString(%q) is not JSON: %v", s, err)
			}
			json.Unmarshal(std, &want)
			if got != want {
				t.Fatalf("appendJSONString(%q) reads back %q, encoding/json %q", s, got, want)
			}
		}
	})
}

func httpBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
