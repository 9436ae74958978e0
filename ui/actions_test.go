package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"ecs-redeploy/backend"
)

func TestErrLineKeepsWhatTheWholeErrorSays(t *testing.T) {
	api := &backend.APIError{Code: "ServiceUnavailable", HTTPStatus: 503, Message: "The service is unavailable.", RequestID: "REQ-1"}
	unknown := errors.New("whether the redeploy started is unknown")
	const what = "RedeployInstance i-bp1x"
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"an API error alone", api,
			"RedeployInstance i-bp1x: ServiceUnavailable · RequestId REQ-1 · The service is unavailable."},
		// A lost reply: the line must not say "failed", must keep the backend's verdict, and
		// must not name the call twice.
		{"a lost reply", fmt.Errorf("RedeployInstance i-bp1x: %w: the reply was lost (%w); check DescribeTasks before trying again", unknown, api),
			"RedeployInstance i-bp1x: ServiceUnavailable · RequestId REQ-1 · whether the redeploy started is unknown: the reply was lost"},
		{"no API error", errors.New("dial tcp 127.0.0.1:1: connection refused"),
			"RedeployInstance i-bp1x: dial tcp 127.0.0.1:1: connection refused"},
	} {
		if got := errLine(what, c.err); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q…", c.name, got, c.want)
		}
	}
}
