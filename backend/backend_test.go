package backend

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsThrottling(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&APIError{Code: "Throttling", HTTPStatus: 400}, true},
		{&APIError{Code: "Throttling.User", HTTPStatus: 400}, true},
		{&APIError{Code: "Throttling.Api", HTTPStatus: 400}, true},
		{&APIError{Code: "ThrottlingX", HTTPStatus: 400}, false},
		{&APIError{Code: "InternalError", HTTPStatus: 500}, false},
		{&APIError{Code: "IncorrectInstanceStatus", HTTPStatus: 403}, false},
		{fmt.Errorf("listing: %w", &APIError{Code: "Throttling", HTTPStatus: 400}), true},
		{errors.New("plain"), false},
		{nil, false},
	} {
		if got := IsThrottling(Code(tc.err)); got != tc.want {
			t.Errorf("IsThrottling(Code(%v)) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestAPIErrorKeepsCodeAndRequestID(t *testing.T) {
	err := fmt.Errorf("redeploy i-1: %w", &APIError{Code: "InstanceLockedForSecurity", HTTPStatus: 403, Message: "locked", RequestID: "R-1"})
	if got, want := err.Error(), "redeploy i-1: InstanceLockedForSecurity: locked (RequestId R-1)"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if Code(err) != "InstanceLockedForSecurity" {
		t.Fatal("Code lost through wrapping")
	}
}
