package aliyun

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"ecs-redeploy/backend"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// delay is how long a call booked at now waits.
func delay(l *limiter, now time.Time) time.Duration {
	_, d := l.reserve(now)
	return d
}

func TestLimiterAllowsABurstThenPaces(t *testing.T) {
	l := newLimiter(10, 3) // one call per 100ms, three at once
	var waits []time.Duration
	for range 5 {
		waits = append(waits, delay(l, t0))
	}
	want := []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v; want %v", waits, want)
		}
	}
	// After a quiet second the burst is back.
	if d := delay(l, t0.Add(time.Second)); d != 0 {
		t.Errorf("after a pause: wait %v", d)
	}
}

func TestLimiterHoldStopsTheRegion(t *testing.T) {
	l := newLimiter(0, 0) // unpaced: only hold applies
	if d := delay(l, t0); d != 0 {
		t.Fatalf("unpaced wait %v", d)
	}
	l.hold(t0, 1500*time.Millisecond)
	l.hold(t0, 500*time.Millisecond) // a shorter hold does not shorten it
	if d := delay(l, t0.Add(time.Second)); d != 500*time.Millisecond {
		t.Errorf("during hold: wait %v; want 500ms", d)
	}
	if d := delay(l, t0.Add(2*time.Second)); d != 0 {
		t.Errorf("after hold: wait %v", d)
	}
}

// The calls that wait out a hold leave at its end as the bucket allows, not all at once.
func TestLimiterPacesTheCallsAfterAHold(t *testing.T) {
	l := newLimiter(10, 2) // one call per 100ms, two at once
	for range 2 {
		delay(l, t0) // the burst is spent
	}
	l.hold(t0, time.Second)
	var waits []time.Duration
	for range 4 {
		waits = append(waits, delay(l, t0))
	}
	// At t0+1s the bucket has refilled (two calls), then one per 100ms.
	want := []time.Duration{time.Second, time.Second, 1100 * time.Millisecond, 1200 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v; want %v", waits, want)
		}
	}
}

func TestLimiterWaitHonoursTheContext(t *testing.T) {
	l := newLimiter(1, 1)
	delay(l, t0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.wait(ctx, func() time.Time { return t0 }, sleepCtx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("wait on a cancelled context: %v", err)
	}
}

// A caller that gives up while waiting hands its slot back: the next caller is not made to
// wait behind a call that will never be made.
func TestLimiterWaitGivesBackTheSlotOfACallerThatGaveUp(t *testing.T) {
	l := newLimiter(1, 1)
	delay(l, t0) // the one token is spent: the next call waits 1s
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gaveUp := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	if _, err := l.wait(ctx, func() time.Time { return t0 }, gaveUp); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait: %v", err)
	}
	if d := delay(l, t0); d != time.Second {
		t.Errorf("next caller waits %v; want 1s (as if the abandoned call had never been booked)", d)
	}
}

func TestBackoff(t *testing.T) {
	b := &Backend{o: Options{BaseBackoff: 200 * time.Millisecond, MaxBackoff: 2 * time.Second}}
	for _, c := range []struct {
		jitter     float64
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{0, 1, 0, 100 * time.Millisecond},        // lower half of 200ms
		{0.999999, 1, 0, 200 * time.Millisecond}, // upper end
		{0, 3, 0, 400 * time.Millisecond},        // 800ms halved
		{0, 10, 0, time.Second},                  // capped at 2s, halved
		{0, 60, 0, time.Second},                  // no overflow
		{0, 1, 3 * time.Second, 3 * time.Second},
		{0.5, 1, 3 * time.Second, 3*time.Second + 150*time.Millisecond},
		{0, 5, 300 * time.Millisecond, time.Second}, // retry-after is a floor, not a replacement
	} {
		b.o.Jitter = func() float64 { return c.jitter }
		if got := b.backoff(c.n, c.retryAfter); got.Round(time.Millisecond) != c.want {
			t.Errorf("backoff(%d, %v) with jitter %v = %v; want %v", c.n, c.retryAfter, c.jitter, got, c.want)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"":        0,
		"1500":    1500 * time.Millisecond,
		" 20 ":    20 * time.Millisecond,
		"0":       0,
		"-5":      0,
		"soon":    0,
		"9999999": time.Minute,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("x-acs-retry-after", v)
		}
		if got := retryAfter(h); got != want {
			t.Errorf("x-acs-retry-after %q: %v; want %v", v, got, want)
		}
	}
}

func TestCredentialErrorIsOneLineAndKeepsTheAPIError(t *testing.T) {
	ae := &backend.APIError{Code: "SignatureDoesNotMatch", HTTPStatus: 400, RequestID: "R-1",
		Message: "Specified signature is not matched with our calculation.\nserver string to sign is:POST&%2F&…"}
	err := credentialError(ae)
	if err == nil {
		t.Fatal("not recognised")
	}
	if got, want := err.Error(), "the AccessKey secret does not match the AccessKey ID: check ALIBABA_CLOUD_ACCESS_KEY_SECRET or the profile's access_key_secret (SignatureDoesNotMatch, RequestId R-1)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, _ := backend.AsAPIError(err); got != ae {
		t.Error("the APIError is not reachable")
	}
	if credentialError(&backend.APIError{Code: "IncorrectInstanceStatus"}) != nil {
		t.Error("a refusal of the action taken for a credentials problem")
	}
}

// The real gateway's Throttling.User and Throttling.Api are waited out like Throttling, with
// their retry-after; a code that merely starts with the same letters is not.
func TestThrottlingCodesAreWaitedOut(t *testing.T) {
	b := &Backend{}
	ctx := context.Background()
	for code, want := range map[string]outcome{
		"Throttling":          outThrottled,
		"Throttling.User":     outThrottled,
		"Throttling.Api":      outThrottled,
		"ThrottlingSomething": outRefused,
	} {
		se := sdkerrors.NewServerError(400, `{"Code":"`+code+`","Message":"m","RequestId":"R-1"}`, "").(*sdkerrors.ServerError)
		se.RespHeaders = map[string][]string{"X-Acs-Retry-After": {"800"}}
		r := b.classify(ctx, ctx, "cn-hangzhou", "DescribeTasks", se, true)
		if r.out != want || backend.Code(r.err) != code {
			t.Errorf("%s: outcome %d, error %v; want outcome %d keeping the code", code, r.out, r.err, want)
		}
		if want == outThrottled && r.retryAfter != 800*time.Millisecond {
			t.Errorf("%s: retry-after %v; want 800ms", code, r.retryAfter)
		}
	}
}

func TestParseTime(t *testing.T) {
	for s, want := range map[string]time.Time{
		"2026-11-25T03:04:05Z":      time.Date(2026, 11, 25, 3, 4, 5, 0, time.UTC),
		"2026-11-25T03:04Z":         time.Date(2026, 11, 25, 3, 4, 0, 0, time.UTC),
		"2026-11-25T11:04:05+08:00": time.Date(2026, 11, 25, 3, 4, 5, 0, time.UTC),
		"":                          {},
		"yesterday":                 {},
	} {
		if got := parseTime(s); !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v; want %v", s, got, want)
		}
	}
}
