package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
)

// Keys of the RAM user whose profile assumes the role; only the STS server knows them.
const (
	stsUserKeyID  = "LTAI5tRoleAssumer"
	stsUserSecret = "role-assumer-secret"
	stsRoleArn    = "acs:ram::1234567890123456:role/ecs-oncall"
)

// stsServer is STS on 127.0.0.1, over HTTPS because the SDK calls STS over HTTPS only. It
// checks that an AssumeRole is signed with the RAM user's key, then answers with answer.
type stsServer struct {
	addr   string
	answer func(form url.Values) (status int, body string)

	mu    sync.Mutex
	calls []url.Values
}

func newSTSServer(t *testing.T, answer func(form url.Values) (int, string)) *stsServer {
	t.Helper()
	s := &stsServer{answer: answer}
	srv := httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.addr = srv.Listener.Addr().String()
	// The SDK's RAM role provider builds its HTTP client from a clone of
	// http.DefaultTransport and takes no other: trust the test server's certificate there.
	dt := http.DefaultTransport.(*http.Transport)
	old := dt.TLSClientConfig
	dt.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	t.Cleanup(func() { dt.TLSClientConfig = old })
	return s
}

func (s *stsServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil { // query and body, as STS reads them
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	params := r.Form
	s.mu.Lock()
	s.calls = append(s.calls, params)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if params.Get("Action") != "AssumeRole" || params.Get("AccessKeyId") != stsUserKeyID ||
		ecsapi.Sign(ecsapi.StringToSign(r.Method, params), stsUserSecret) != params.Get("Signature") {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprint(w, `{"RequestId":"STS-BAD","Code":"SignatureDoesNotMatch","Message":"not signed by the RAM user"}`)
		return
	}
	status, body := s.answer(params)
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, body) // a short write shows as a bad reply in the client under test
}

func (s *stsServer) Calls() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.calls...)
}

// assumed answers AssumeRole as STS does, with the session keys the sim-server accepts.
func assumed(url.Values) (int, string) {
	exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	return http.StatusOK, `{"RequestId":"STS-OK-1","AssumedRoleUser":{"Arn":"` + stsRoleArn + `/ecs-redeploy","AssumedRoleId":"3000:ecs-redeploy"},` +
		`"Credentials":{"AccessKeyId":"` + testKeyID + `","AccessKeySecret":"` + testSecret + `","SecurityToken":"session-token","Expiration":"` + exp + `"}}`
}

// ramRoleProfile is a config.json whose current profile assumes stsRoleArn; extra is
// spliced into the profile (e.g. `"sts_endpoint": "…",`).
func ramRoleProfile(extra string) string {
	return `{"current": "ops", "profiles": [{"name": "ops", "mode": "RamRoleArn", ` + extra +
		`"access_key_id": "` + stsUserKeyID + `", "access_key_secret": "` + stsUserSecret + `", "ram_role_arn": "` + stsRoleArn + `", "region_id": "cn-hangzhou"}]}`
}

// A RamRoleArn profile calls the STS endpoint it is configured with (the profile's
// sts_endpoint, else ALIBABA_CLOUD_STS_ENDPOINT), not sts.aliyuncs.com, and the assumed
// session signs the ECS calls.
func TestRamRoleArnCallsTheConfiguredSTSEndpoint(t *testing.T) {
	f := newFixture(t, sim.Generate(31, 40, sim.Epoch), sim.Options{Seed: 31}, nil)
	for _, c := range []struct {
		name    string
		profile func(sts, other string) string
		env     func(sts, other string) map[string]string
	}{
		{name: "profile sts_endpoint",
			profile: func(sts, _ string) string { return ramRoleProfile(`"sts_endpoint": "` + sts + `",`) }},
		{name: "ALIBABA_CLOUD_STS_ENDPOINT",
			profile: func(string, string) string { return ramRoleProfile("") },
			env:     func(sts, _ string) map[string]string { return map[string]string{aliyun.EnvSTSEndpoint: sts} }},
		{name: "the profile's endpoint beats the environment's",
			profile: func(sts, _ string) string { return ramRoleProfile(`"sts_endpoint": "https://` + sts + `/",`) },
			env:     func(_, other string) map[string]string { return map[string]string{aliyun.EnvSTSEndpoint: other} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			sts := newSTSServer(t, assumed)
			other := newSTSServer(t, assumed)
			var env map[string]string
			if c.env != nil {
				env = c.env(sts.addr, other.addr)
			}
			creds, err := aliyun.Resolve(aliyun.Lookup{Getenv: envOf(env),
				Home: home(t, map[string]string{".aliyun/config.json": c.profile(sts.addr, other.addr)})})
			if err != nil {
				t.Fatal(err)
			}
			b := f.backend(t, "", "", func(o *aliyun.Options) { o.Credentials = creds })
			if _, err := b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}}); err != nil {
				t.Fatalf("listing with the assumed role: %v", err)
			}
			calls := sts.Calls()
			if len(calls) != 1 || calls[0].Get("RoleArn") != stsRoleArn {
				t.Fatalf("STS at %s got %d calls (%v); want one AssumeRole of %s", sts.addr, len(calls), calls, stsRoleArn)
			}
			if n := len(other.Calls()); n != 0 {
				t.Errorf("the other STS endpoint got %d calls", n)
			}
		})
	}
}

// An STS that refuses, or cannot be reached, is named in the error as the AssumeRole call
// at its endpoint, with STS's Code and RequestId; the ECS action that needed the
// credentials is not blamed.
func TestAssumeRoleFailureNamesTheSTSCall(t *testing.T) {
	f := newFixture(t, sim.Generate(32, 40, sim.Epoch), sim.Options{Seed: 32}, nil)
	refusing := newSTSServer(t, func(url.Values) (int, string) {
		return http.StatusForbidden, `{"RequestId":"STS-REQ-403","HostId":"sts.aliyuncs.com","Code":"NoPermission",` +
			`"Message":"You are not authorized to do this action. You should be authorized by RAM."}`
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	if err := l.Close(); err != nil { // nothing listens there now
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, endpoint string
		code, reqID    string
		says           []string
	}{
		{name: "refused", endpoint: refusing.addr, code: "NoPermission", reqID: "STS-REQ-403",
			says: []string{"AssumeRole", refusing.addr, stsRoleArn, "NoPermission", "STS-REQ-403"}},
		{name: "unreachable", endpoint: closed,
			says: []string{"AssumeRole", closed, "cannot reach it", "sts_endpoint", aliyun.EnvSTSEndpoint}},
	} {
		t.Run(c.name, func(t *testing.T) {
			creds, err := aliyun.Resolve(aliyun.Lookup{Getenv: envOf(nil),
				Home: home(t, map[string]string{".aliyun/config.json": ramRoleProfile(`"sts_endpoint": "` + c.endpoint + `",`)})})
			if err != nil {
				t.Fatal(err)
			}
			b := f.backend(t, "", "", func(o *aliyun.Options) { o.Credentials = creds })
			before := b.Stats().Calls
			_, err = b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
			if err == nil {
				t.Fatal("listed; want the STS failure")
			}
			msg := err.Error()
			t.Log(msg)
			for _, s := range c.says {
				if !strings.Contains(msg, s) {
					t.Errorf("message does not say %q", s)
				}
			}
			for _, ecsAction := range []string{"DescribeInstanceHistoryEvents", "DescribeInstances"} {
				if strings.Contains(msg, ecsAction) {
					t.Errorf("message blames %s", ecsAction)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "Signature=") {
				t.Error("message is not one clean line")
			}
			var are *aliyun.AssumeRoleError
			if !errors.As(err, &are) || are.Endpoint != c.endpoint {
				t.Errorf("error %T does not carry the STS endpoint %s", err, c.endpoint)
			}
			if c.code != "" {
				ae, ok := backend.AsAPIError(err)
				if !ok || ae.Code != c.code || ae.RequestID != c.reqID || ae.HTTPStatus != http.StatusForbidden {
					t.Errorf("API error %+v; want STS's %s with RequestId %s", ae, c.code, c.reqID)
				}
			}
			if n := b.Stats().Calls - before; n != 0 {
				t.Errorf("%d ECS calls went out without credentials", n)
			}
		})
	}
}

// A ChainableRamRoleArn profile whose source profile's own AssumeRole fails reports that
// call, at the source's endpoint, not its own AssumeRole that never ran.
func TestChainedRoleReportsTheSourceRoleFailure(t *testing.T) {
	f := newFixture(t, sim.Generate(33, 40, sim.Epoch), sim.Options{Seed: 33}, nil)
	refusing := newSTSServer(t, func(url.Values) (int, string) {
		return http.StatusForbidden, `{"RequestId":"STS-SRC-403","Code":"NoPermission","Message":"not authorized"}`
	})
	outer := newSTSServer(t, assumed)
	cfg := `{"current": "chain", "profiles": [
		{"name": "src", "mode": "RamRoleArn", "access_key_id": "` + stsUserKeyID + `", "access_key_secret": "` + stsUserSecret + `",
		 "ram_role_arn": "acs:ram::1234567890123456:role/source", "sts_endpoint": "` + refusing.addr + `"},
		{"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "src", "ram_role_arn": "` + stsRoleArn + `",
		 "sts_endpoint": "` + outer.addr + `", "region_id": "cn-hangzhou"}]}`
	creds, err := aliyun.Resolve(aliyun.Lookup{Getenv: envOf(nil), Home: home(t, map[string]string{".aliyun/config.json": cfg})})
	if err != nil {
		t.Fatal(err)
	}
	b := f.backend(t, "", "", func(o *aliyun.Options) { o.Credentials = creds })
	_, err = b.Instances(context.Background(), backend.Query{Regions: []string{"cn-hangzhou"}})
	var are *aliyun.AssumeRoleError
	if !errors.As(err, &are) || are.Endpoint != refusing.addr || !strings.Contains(err.Error(), "role/source") || backend.Code(err) != "NoPermission" {
		t.Fatalf("err = %v; want the source role's AssumeRole at %s", err, refusing.addr)
	}
	if n := len(outer.Calls()); n != 0 {
		t.Errorf("the chained role's STS got %d calls; its keys never existed", n)
	}
}
