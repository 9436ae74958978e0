package aliyun_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"

	"ecs-redeploy/backend/aliyun"
)

// hostile is an ECS endpoint on 127.0.0.1 that misbehaves on purpose: each action it
// knows is answered by a handler of the test, every other action by an error body. It
// checks no signature: what it tests is what the backend makes of the replies.
type hostile struct {
	srv   *httptest.Server
	calls atomic.Int64

	mu      sync.Mutex
	actions map[string]func(w http.ResponseWriter, q map[string]string)
	count   map[string]int
}

func newHostile(t testing.TB) *hostile {
	t.Helper()
	h := &hostile{actions: map[string]func(http.ResponseWriter, map[string]string){}, count: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.calls.Add(1)
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		q := map[string]string{}
		for k, v := range r.Form {
			q[k] = v[0]
		}
		h.mu.Lock()
		h.count[q["Action"]]++
		fn := h.actions[q["Action"]]
		h.mu.Unlock()
		if fn == nil {
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"RequestId":"R-404","Code":"InvalidAction.NotFound","Message":"%s"}`, q["Action"])
			return
		}
		fn(w, q)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hostile) handle(action string, fn func(w http.ResponseWriter, q map[string]string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.actions[action] = fn
}

func (h *hostile) calledFor(action string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count[action]
}

func (h *hostile) addr() string { return strings.TrimPrefix(h.srv.URL, "http://") }

// backend is a Backend pointed at the hostile endpoint, on a clock that does not sleep.
func (h *hostile) backend(t testing.TB, opts func(*aliyun.Options)) *aliyun.Backend {
	t.Helper()
	ft := newFakeTime()
	o := aliyun.Options{
		Credentials: &aliyun.Credentials{Provider: credentials.NewStaticAKCredentialsProvider(testKeyID, testSecret), Source: "test"},
		Region:      "cn-hangzhou",
		Endpoint:    h.addr(),
		Timeout:     5 * time.Second,
		Sleep:       ft.Sleep,
		Now:         ft.Now,
		Transport:   &http.Transport{},
	}
	if opts != nil {
		opts(&o)
	}
	b, err := aliyun.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.CloseIdleConnections)
	return b
}

// hostileInstanceID is the i-th instance of the hostile endpoint.
func hostileInstanceID(i int) string { return fmt.Sprintf("i-bp1hostile%010d", i) }

// eventsPage is a DescribeInstanceHistoryEvents reply with events for instances
// [from, from+n), each with one Scheduled SystemMaintenance.Redeploy event.
func eventsPage(from, n, total int, next string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"RequestId":"R-ev-%d","TotalCount":%d,"NextToken":%q,"MaxResults":100,"InstanceSystemEventSet":{"InstanceSystemEventType":[`, from, total, next)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"EventId":"e-hostile%06d","InstanceId":%q,"EventType":{"Name":"SystemMaintenance.Redeploy","Code":1},"EventCycleStatus":{"Name":"Scheduled","Code":24},"NotBefore":"2026-12-01T00:00:00Z","EventPublishTime":"2026-11-20T00:00:00Z"}`,
			from+i, hostileInstanceID(from+i))
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// answerInstances answers DescribeInstances with a Running instance for each id asked.
func answerInstances(w http.ResponseWriter, q map[string]string) {
	var ids []string
	_ = json.Unmarshal([]byte(q["InstanceIds"]), &ids)
	var b strings.Builder
	fmt.Fprintf(&b, `{"RequestId":"R-in","TotalCount":%d,"PageNumber":1,"PageSize":100,"Instances":{"Instance":[`, len(ids))
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"InstanceId":%q,"InstanceName":"web","RegionId":"cn-hangzhou","ZoneId":"cn-hangzhou-h","InstanceType":"ecs.g7.large","Status":"Running","InstanceChargeType":"PostPaid"}`, id)
	}
	b.WriteString(`]}}`)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(b.String()))
}

// tasksPage is a DescribeTasks reply of RedeployInstance tasks ids, each of its instance.
func tasksPage(number, total int, tasks [][3]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"RequestId":"R-tasks-%d","TotalCount":%d,"PageNumber":%d,"PageSize":100,"RegionId":"cn-hangzhou","TaskSet":{"Task":[`, number, total, number)
	for i, t := range tasks {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"TaskId":%q,"TaskAction":"RedeployInstance","TaskStatus":%q,"ResourceId":%q,"CreationTime":"2026-11-25T11:00Z","SupportCancel":"false"}`, t[0], t[2], t[1])
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
