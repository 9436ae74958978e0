package backend

// CallOutcome is how one API call a backend sent ended, as the metrics count it.
type CallOutcome string

// Call outcomes.
const (
	// CallOK: ECS answered the call.
	CallOK CallOutcome = "ok"
	// CallThrottled: ECS refused it as over the rate (Throttling, Throttling.User, …).
	CallThrottled CallOutcome = "throttled"
	// CallFailed: any other refusal or failure once sent (4xx, 5xx, timeout, transport,
	// a reply that proves nothing).
	CallFailed CallOutcome = "error"
)

// CallObserver is told of every API call a backend sends, each attempt on its own
// (retries included), with the call's action (DescribeInstances, RedeployInstance, …). It
// must not block: it runs on the caller's path.
type CallObserver func(action string, outcome CallOutcome)
