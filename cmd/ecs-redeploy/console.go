package main

import "github.com/spf13/cobra"

// runConsole opens the interactive console. Until the console lands it prints help.
func runConsole(cmd *cobra.Command, _ *globalOptions) error {
	return cmd.Help()
}
