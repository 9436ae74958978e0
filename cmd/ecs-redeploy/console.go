package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/ui"
)

// runConsole opens the interactive console on the backend the flags choose.
func runConsole(cmd *cobra.Command, g *globalOptions) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	e, err := g.open(ctx)
	if err != nil {
		return err
	}
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return usageError{errors.New("the console needs a terminal on stdin and stdout; for scripts use `ecs-redeploy events` and `ecs-redeploy redeploy`")}
	}
	view := fleet.New(e.Backend, fleet.Options{Regions: e.Regions, Now: e.Now})
	go view.Run(ctx)

	m := ui.New(ui.Deps{
		Fleet:    view,
		Now:      e.Now,
		Wall:     time.Now,
		Renderer: lipgloss.NewRenderer(os.Stdout),
		Identity: g.localIdentity(),
		Context:  ctx,
		NoMouse:  g.NoMouse,
	})
	defer m.Close()
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
