package main

import "github.com/spf13/cobra"

func newRedeployCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{Use: "redeploy INSTANCE_ID", Short: "Redeploy one instance"}
}
