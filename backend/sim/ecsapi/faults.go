package ecsapi

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/sim"
)

// errDrop is not answered: the connection is closed without a reply.
var errDrop = &apiError{status: 0, code: "ConnectionDropped", message: "the simulator dropped the connection"}

// inject applies the engine's fault decision for one authenticated call, the same
// decision the in-process Backend takes. It returns FaultLostReply when the call must be
// applied and its reply then lost, and an error when the call must fail untouched.
func (s *Server) inject(ctx context.Context, action, region string) (sim.Fault, *apiError) {
	f := s.e.Faults()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return sim.FaultHang, errDrop
		case <-s.closing:
			t.Stop()
			return sim.FaultHang, errDrop
		}
	}
	switch fault := s.e.Fault(action, region); fault {
	case sim.FaultThrottle:
		e := &apiError{status: 400, code: backend.CodeThrottling, message: "Request was denied due to request throttling."}
		if f.RetryAfter > 0 {
			e.header = map[string]string{"x-acs-retry-after": strconv.FormatInt(f.RetryAfter.Milliseconds(), 10)}
		}
		return fault, e
	case sim.FaultServerError:
		return fault, &apiError{status: 500, code: backend.CodeInternalError,
			message: "The request processing has failed due to some unknown error."}
	case sim.FaultHang:
		// Never answer: the client's timeout is what is under test.
		s.hanging.Add(1)
		defer s.hanging.Add(-1)
		select {
		case <-ctx.Done():
		case <-s.closing:
		}
		return fault, errDrop
	default:
		return fault, nil
	}
}

// loseReply fails the reply of a call that was applied: every other lost reply is a 503,
// the rest a dropped connection, so a client meets both.
func (s *Server) loseReply(w http.ResponseWriter, r *http.Request, o outcome) outcome {
	if s.lost.Add(1)%2 == 1 {
		return s.fail(w, r, o, &apiError{status: 503, code: backend.CodeServiceUnavailable,
			message: "The request has failed due to a temporary failure of the server."})
	}
	return s.fail(w, r, o, errDrop)
}

// badReply answers a call that was applied with a reply that proves nothing: what a
// broken proxy or a gateway in front of ECS sends.
func (s *Server) badReply(w http.ResponseWriter, o outcome) outcome {
	kind := s.e.Faults().BadReply
	if kind == "" {
		kind = sim.BadReplyGateway
	}
	o.code = "BadReply" + string(kind)
	switch kind {
	case sim.BadReplyEmptyJSON:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		o.status = http.StatusOK
		w.WriteHeader(o.status)
		_, _ = io.WriteString(w, "{}") // a client that left cannot be answered anyway
	case sim.BadReplyEmpty:
		o.status = http.StatusOK
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(o.status)
	default:
		w.Header().Set("Content-Type", "text/html")
		o.status = http.StatusBadGateway
		w.WriteHeader(o.status)
		_, _ = io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n")
	}
	return o
}

// drop closes the client's connection without a reply. A ResponseWriter that cannot be
// hijacked (a recorder, HTTP/2) gets a 503 instead.
func drop(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return false
	}
	_ = conn.Close() // the drop is the point; how the close went concerns nobody
	return true
}
