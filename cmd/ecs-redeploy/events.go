package main

import "github.com/spf13/cobra"

func newEventsCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{Use: "events", Short: "List instances with pending system events"}
}
