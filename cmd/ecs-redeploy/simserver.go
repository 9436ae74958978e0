package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newSimServerCmd serves the simulator as an ECS-compatible HTTP endpoint.
func newSimServerCmd(_ *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "sim-server",
		Short: "Serve the simulator as an ECS HTTP API endpoint (not yet available)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("sim-server is not available yet")
		},
	}
}
