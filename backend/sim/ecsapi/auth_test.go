package ecsapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

type errorReply struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

var nonceSeq atomic.Int64

func nextNonce() string { return fmt.Sprintf("test-nonce-%d", nonceSeq.Add(1)) }

// describeRegionsParams are the parameters of a signed-ready DescribeRegions call.
func describeRegionsParams() url.Values {
	return url.Values{"Action": {"DescribeRegions"}, "RegionId": {"cn-hangzhou"}, "Format": {"JSON"}, "Version": {ecsapi.APIVersion}}
}

// post sends params as the SDK does: POST /?query with a form content type.
func (f *fixture) post(t *testing.T, params url.Values) (int, http.Header, errorReply) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+"/?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e errorReply
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, body)
	}
	return resp.StatusCode, resp.Header, e
}

// TestSignParamsMatchesSDK pins the server's canonicalization to the SDK's: the SDK signs
// a request with parameters that need escaping, and the server's SignParams reproduces the
// signature byte for byte.
func TestSignParamsMatchesSDK(t *testing.T) {
	var got url.Values
	var method string
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method = r.Method
		got, _ = url.ParseQuery(r.URL.RawQuery)
		w.WriteHeader(200)
		io.WriteString(w, `{"RequestId":"x"}`)
	}))
	defer rec.Close()
	c, err := ecs.NewClientWithAccessKey("cn-hangzhou", testKeyID, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = strings.TrimPrefix(rec.URL, "http://")
	req := ecs.CreateDescribeInstancesRequest()
	req.InstanceIds = `["i-a b*c~d", "ü+/&="]`
	req.InstanceName = "web prod*01 ~ (x)"
	if _, err := c.DescribeInstances(req); err != nil {
		t.Fatal(oneLine(err))
	}
	want := got.Get("Signature")
	ts, _ := time.Parse("2006-01-02T15:04:05Z", got.Get("Timestamp"))
	again := url.Values{}
	for k, v := range got {
		again[k] = v
	}
	ecsapi.SignParams(method, again, got.Get("AccessKeyId"), testSecret, ts, got.Get("SignatureNonce"))
	if again.Get("Signature") != want {
		t.Errorf("SignParams = %s, SDK signed %s", again.Get("Signature"), want)
	}
}

func TestAuthErrors(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})

	t.Run("wrong secret", func(t *testing.T) {
		_, err := f.client(t, "cn-hangzhou", testKeyID, "not-the-secret").DescribeRegions(ecs.CreateDescribeRegionsRequest())
		se := serverError(t, err)
		if se.HttpStatus() != 400 || se.ErrorCode() != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", se.HttpStatus(), se.ErrorCode())
		}
		// The SDK compares the server's string to sign with its own; equal strings mean
		// the only difference is the secret, which is what happened.
		if !strings.Contains(se.Message(), "server string to sign is:POST&%2F&") ||
			se.Recommend() != "InvalidAccessKeySecret: Please check you AccessKeySecret" {
			t.Errorf("message %q recommend %q", se.Message(), se.Recommend())
		}
	})

	t.Run("unknown key", func(t *testing.T) {
		_, err := f.client(t, "cn-hangzhou", "LTAInobody", testSecret).DescribeRegions(ecs.CreateDescribeRegionsRequest())
		se := serverError(t, err)
		if se.HttpStatus() != 404 || se.ErrorCode() != "InvalidAccessKeyId.NotFound" {
			t.Errorf("got %d %s", se.HttpStatus(), se.ErrorCode())
		}
	})

	t.Run("unknown action", func(t *testing.T) {
		c := f.client(t, "cn-hangzhou", testKeyID, testSecret)
		req := requests.NewCommonRequest()
		req.Domain = f.addr
		req.Version = ecsapi.APIVersion
		req.ApiName = "DeleteEverything"
		_, err := c.ProcessCommonRequest(req)
		se := serverError(t, err)
		if se.HttpStatus() != 404 || se.ErrorCode() != "InvalidAction.NotFound" {
			t.Errorf("got %d %s", se.HttpStatus(), se.ErrorCode())
		}
	})

	t.Run("nonce reused", func(t *testing.T) {
		p := describeRegionsParams()
		ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), nextNonce())
		if status, _, e := f.post(t, p); status != 200 {
			t.Fatalf("first use: %d %s %s", status, e.Code, e.Message)
		}
		status, _, e := f.post(t, p)
		if status != 400 || e.Code != "SignatureNonceUsed" {
			t.Errorf("replay: %d %s", status, e.Code)
		}
	})

	t.Run("timestamp", func(t *testing.T) {
		for _, tc := range []struct {
			skew time.Duration
			ok   bool
		}{{-14 * time.Minute, true}, {-16 * time.Minute, false}, {16 * time.Minute, false}, {5 * time.Minute, true}} {
			p := describeRegionsParams()
			ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now().Add(tc.skew), nextNonce())
			status, _, e := f.post(t, p)
			if tc.ok && status != 200 || !tc.ok && (status != 400 || e.Code != "InvalidTimeStamp.Expired") {
				t.Errorf("skew %v: %d %s", tc.skew, status, e.Code)
			}
		}
		p := describeRegionsParams()
		ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), nextNonce())
		p.Set("Timestamp", "yesterday")
		p.Set("Signature", ecsapi.Sign(ecsapi.StringToSign("POST", p), testSecret))
		if status, _, e := f.post(t, p); status != 400 || e.Code != "InvalidTimeStamp.Format" {
			t.Errorf("bad format: %d %s", status, e.Code)
		}
	})

	t.Run("missing parameters", func(t *testing.T) {
		for _, drop := range []string{"Action", "Version", "AccessKeyId", "SignatureNonce", "Timestamp", "RegionId"} {
			p := describeRegionsParams()
			p.Set("Action", "DescribeInstances")
			ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), nextNonce())
			p.Del(drop)
			p.Set("Signature", ecsapi.Sign(ecsapi.StringToSign("POST", p), testSecret))
			status, _, e := f.post(t, p)
			if status != 400 || e.Code != "MissingParameter" || !strings.Contains(e.Message, `"`+drop+`"`) {
				t.Errorf("without %s: %d %s %s", drop, status, e.Code, e.Message)
			}
		}
		p := describeRegionsParams()
		ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), nextNonce())
		p.Del("Signature")
		if status, _, e := f.post(t, p); status != 400 || e.Code != "IncompleteSignature" {
			t.Errorf("without Signature: %d %s", status, e.Code)
		}
	})

	t.Run("every error is an ECS error document", func(t *testing.T) {
		p := describeRegionsParams()
		ecsapi.SignParams("POST", p, testKeyID, "wrong", time.Now(), nextNonce())
		status, h, e := f.post(t, p)
		if status != 400 || e.RequestID == "" || e.HostID != f.addr || e.Code == "" || e.Message == "" || e.Recommend == "" {
			t.Errorf("%d %+v", status, e)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	})

	if strings.Contains(f.log.String(), testSecret) {
		t.Error("the log contains the secret")
	}
}

// TestGETAndFormBody: parameters may come in the query of a GET, or in a form body, and
// the signature covers both, as the SDK signs query and form parameters together.
func TestGETAndFormBody(t *testing.T) {
	f := newFixture(t, 20, sim.Options{Seed: 1})
	p := describeRegionsParams()
	ecsapi.SignParams("GET", p, testKeyID, testSecret, time.Now(), nextNonce())
	resp, err := http.Get("http://" + f.addr + "/?" + p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET: %d", resp.StatusCode)
	}

	p = describeRegionsParams()
	ecsapi.SignParams("POST", p, testKeyID, testSecret, time.Now(), nextNonce())
	form := url.Values{"RegionId": p["RegionId"], "Action": p["Action"]}
	p.Del("RegionId")
	p.Del("Action")
	resp, err = http.Post("http://"+f.addr+"/?"+p.Encode(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("form body: %d", resp.StatusCode)
	}
}
