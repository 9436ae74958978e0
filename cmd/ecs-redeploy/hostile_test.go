package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/backend/sim/ecsapi"
	"ecs-redeploy/model/eventsjson"
	"ecs-redeploy/model/safetext"
)

// hostileText is what issue 21 found in instance names, tags, reasons and API errors: an
// OSC 52 clipboard write, an OSC 0 window title, a screen wipe, C1 controls, a
// right-to-left override and isolates, a zero-width space, and a newline that would start
// a line of its own.
var hostileText = []string{
	"web\x1b]52;c;cm0gLXJmIH4K\x07",
	"db\x1b]0;PWNED-TITLE\x07",
	"wipe\x1b[2J\x1b[H",
	"c1\u009b31m\u009d0;T\u009c",
	"invoice-\u202egnp.exe\u2066x\u2069\u200b",
	"two\nINFO forged=line\r",
}

// assertShown fails unless every line of out is as safetext.Terminal shows it: no
// control character (but the newlines between lines), no C1, no bidi or invisible
// character reached the output.
func assertShown(t *testing.T, what, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if safetext.Terminal(line) != line {
			t.Errorf("%s, line %d carries text a terminal obeys: %q", what, i+1, line)
		}
	}
}

// hostileScenario writes a scenario whose names, tags and reasons are hostileText (JSON
// is YAML: its \u escapes give the raw bytes). The first instances are redeployable.
func hostileScenario(t *testing.T) (path string, ids []string) {
	t.Helper()
	type event struct {
		Type      string `json:"type"`
		Status    string `json:"status"`
		NotBefore string `json:"not_before"`
		Reason    string `json:"reason"`
	}
	type inst struct {
		ID     string            `json:"id"`
		Name   string            `json:"name"`
		Region string            `json:"region"`
		Zone   string            `json:"zone"`
		Type   string            `json:"type"`
		Status string            `json:"status"`
		Tags   map[string]string `json:"tags"`
		Locks  []string          `json:"locks,omitempty"`
		Events []event           `json:"events"`
	}
	var ins []inst
	for i, h := range hostileText {
		id := "i-bp1hostile" + strings.Repeat(string(rune('a'+i)), 10)
		in := inst{ID: id, Name: h, Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Type: "ecs.g7.xlarge", Status: "Running",
			Tags:   map[string]string{h: hostileText[(i+1)%len(hostileText)]},
			Events: []event{{Type: "SystemMaintenance.Redeploy", Status: "Scheduled", NotBefore: "+" + string(rune('1'+i)) + "h", Reason: h}}}
		if i == len(hostileText)-1 {
			in.Locks = []string{"security"} // one blocked: its refusal is printed too
		}
		ins = append(ins, in)
		ids = append(ids, id)
	}
	b, err := json.Marshal(map[string]any{"regions": []string{"cn-hangzhou"}, "instances": ins})
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "hostile.yaml")
	if err := os.WriteFile(path, safetext.JSON(b), 0o600); err != nil { // YAML takes C1 only escaped
		t.Fatal(err)
	}
	return path, ids
}

// Issue 21, kind 1: every text output of the CLI, fed names, tags, reasons and errors
// that carry escape sequences and bidi controls, shows them and obeys none; JSON keeps
// them exact, with U+202E escaped.
func TestCLITextOutputsShowHostileTextNeverObeyIt(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	scen, ids := hostileScenario(t)

	out, err := run(t, "events", "--scenario", scen)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	assertShown(t, "events", out)
	for _, want := range []string{`db\x1b]0;PWNED-TITLE\x07`, `invoice-<U+202E>gnp.exe`, `c1<U+009B>31m`, `two\nINFO forged=line\r`} {
		if !strings.Contains(out, want) {
			t.Errorf("events does not show %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != len(hostileText)+2 {
		t.Errorf("events printed %d lines, want %d (header, a row each, summary)", n, len(hostileText)+2)
	}

	out, err = run(t, "events", "--scenario", scen, "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	assertShown(t, "events --json", out)
	if !strings.Contains(out, `invoice-\u202egnp.exe\u2066x\u2069\u200b`) {
		t.Errorf("events --json does not escape the bidi controls:\n%s", out)
	}
	var rows []eventsjson.Row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range rows {
		names[r.InstanceName] = true
		if len(r.Events) != 1 || r.Events[0].Reason != r.InstanceName || len(r.Tags) != 1 {
			t.Errorf("%s: reason or tags not exact: %+v", r.InstanceID, r)
		}
	}
	for _, h := range hostileText {
		if !names[h] {
			t.Errorf("events --json lost the exact name %q", h)
		}
	}

	// One redeploy: the name line, the warnings, the task.
	out, err = run(t, "redeploy", ids[1], "--scenario", scen)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	assertShown(t, "redeploy", out)
	if !strings.Contains(out, `(db\x1b]0;PWNED-TITLE\x07)`) {
		t.Errorf("redeploy does not name the instance as shown:\n%s", out)
	}
	// A blocked one: the refusal is the error line.
	out, err = run(t, "redeploy", ids[len(ids)-1], "--scenario", scen)
	if err == nil {
		t.Fatalf("a security-locked instance was redeployed:\n%s", out)
	}
	assertShown(t, "redeploy (blocked)", out+errorLine(err))

	// A batch: the plan (targets with names and zones, skipped with reasons) and each
	// change; then --json, one exact JSON line each.
	// The blocked one is skipped, and the exit status says so.
	out, err = run(t, append([]string{"redeploy", "--scenario", scen, "--yes", "--max-in-flight", "10"}, ids...)...)
	if err == nil {
		t.Fatalf("a batch with a blocked instance exited 0:\n%s", out)
	}
	assertShown(t, "redeploy batch", out+errorLine(err))
	if !strings.Contains(out, `wipe\x1b[2J\x1b[H`) {
		t.Errorf("the batch's plan does not name the targets as shown:\n%s", out)
	}
	out, err = run(t, append([]string{"redeploy", "--scenario", scen, "--yes", "--json", "--max-in-flight", "10"}, ids[2:4]...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	assertShown(t, "redeploy batch --json", out)

	// --from-file: a line that is no instance id is quoted in the error.
	ff := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(ff, []byte(ids[0]+"\n"+hostileText[1]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "redeploy", "--scenario", scen, "--from-file", ff)
	if err == nil {
		t.Fatalf("a hostile line in --from-file was taken:\n%s", out)
	}
	assertShown(t, "redeploy --from-file", out+errorLine(err))

	// A scenario whose value is refused: the error quotes it.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(`{"instances":[{"id":"i-bp1x","status":"Run\u001b]0;PWNED-TITLE\u0007ning\u202e"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "events", "--scenario", bad)
	if err == nil {
		t.Fatalf("a scenario with a hostile status loaded:\n%s", out)
	}
	assertShown(t, "events on a bad scenario", out+errorLine(err))
}

// Issue 21, kind 1: an API error's Code, Message and RequestId come from the wire. The
// error line shows them, and the audit log keeps them exact, U+202E escaped.
func TestAPIErrorTextIsShownNeverObeyed(t *testing.T) {
	eng, addr := simServer(t, 3, 200)
	noWait(t)
	in := redeployable(t, eng)
	u, _ := url.Parse("http://" + addr)
	proxy := httputil.NewSingleHostReverseProxy(u)
	body := `{"RequestId":"REQ\u001b]0;PWNED-TITLE\u0007","HostId":"ecs.aliyuncs.com",` +
		`"Code":"Forbidden\u001b[2J","Message":"denied\u202e\u009b31m\nINFO forged=line","Recommend":""}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == "RedeployInstance" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, body)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	audit := filepath.Join(t.TempDir(), "audit.log")
	out, err := run(t, "redeploy", in.ID, "--endpoint", strings.TrimPrefix(srv.URL, "http://"), "--region", "cn-hangzhou", "--yes", "--audit-log", audit)
	var ae *backend.APIError
	if !errors.As(err, &ae) || ae.Code != "Forbidden\x1b[2J" {
		t.Fatalf("error %v; want the API's error\n%s", err, out)
	}
	line := errorLine(err)
	assertShown(t, "the error line", out+line)
	for _, want := range []string{`Forbidden\x1b[2J`, `denied<U+202E><U+009B>31m\nINFO forged=line`} {
		if !strings.Contains(line, want) {
			t.Errorf("the error line %q does not show %q", line, want)
		}
	}
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	assertShown(t, "the audit log", string(b))
	if !strings.Contains(string(b), `\u202e`) {
		t.Errorf("the audit log does not escape U+202E:\n%s", b)
	}
	var rec backend.AuditRecord
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Code != "Forbidden\x1b[2J" || rec.RequestID != "REQ\x1b]0;PWNED-TITLE\x07" {
		t.Errorf("the audit record is not exact: %+v", rec)
	}
}

// The simulator behind events is the same as the console's: a generated fleet whose
// names are hostile lists cleanly through the real backend's decoder too.
func TestEventsOverTheAPIShowsHostileNames(t *testing.T) {
	cloudEnv(t, "")
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	f := sim.Generate(5, 30, sim.Epoch)
	for i := range f.Instances {
		f.Instances[i].Name = hostileText[i%len(hostileText)]
		for j := range f.Instances[i].Events {
			f.Instances[i].Events[j].Reason = hostileText[(i+1)%len(hostileText)]
		}
	}
	eng := sim.New(f, sim.NewStepClock(sim.Epoch), sim.Options{Seed: 5})
	addr := startSimServer(t, eng)
	out, err := run(t, "events", "--endpoint", addr, "--region", "all")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	assertShown(t, "events over the API", out)
	if !strings.Contains(out, `db\x1b]0;PWNED-TITLE\x07`) {
		t.Errorf("events does not show the name:\n%s", out)
	}
}

// startSimServer serves eng's ECS API on 127.0.0.1 with the test credentials.
func startSimServer(t *testing.T, eng *sim.Engine) string {
	t.Helper()
	srv := ecsapi.NewServer(eng, ecsapi.Options{AccessKeyID: "clitest", AccessKeySecret: "clisecret"})
	ep, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	t.Setenv(aliyun.EnvAccessKeyID, "clitest")
	t.Setenv(aliyun.EnvAccessKeySecret, "clisecret")
	return ep.Addr
}
