package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
)

// addCloudFlags adds the flags only the real API needs.
func addCloudFlags(_ *cobra.Command, _ *globalOptions) {}

// openCloudBackend builds the real Alibaba Cloud backend from the flags and environment,
// and returns it with the region scope.
func openCloudBackend(_ context.Context, _ *globalOptions) (backend.Backend, []string, error) {
	return nil, nil, errors.New("the real Alibaba Cloud backend is not available yet; run with --demo to use the built-in simulator")
}
