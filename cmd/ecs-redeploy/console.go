package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/aliyun"
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
	store, err := g.planStore()
	if err != nil {
		return err
	}
	view := e.newHub(fleet.Options{Plans: store, Where: g.planWhere()})
	deps := ui.Deps{
		Fleet:    view,
		Now:      e.Now,
		Wall:     time.Now,
		Renderer: lipgloss.NewRenderer(os.Stdout),
		Identity: g.localIdentity(),
		Context:  ctx,
		NoMouse:  g.NoMouse,
	}
	// ctrl+s saves what the view shows here, where the console was started.
	if wd, err := os.Getwd(); err == nil {
		deps.SaveDir = wd
	}
	if e.Engine != nil {
		deps.Regions, deps.Simulated = regionIDs(e.Engine), true
	} else {
		deps.AccountFlags = g.accountFlags()
	}
	if err := resumeConsolePlans(ctx, view, store, g.planWhere(), deps.Identity, cmd.ErrOrStderr()); err != nil {
		return err
	}
	go view.Run(ctx)

	m := ui.New(deps)
	defer m.Close()
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx))
	_, runErr := p.Run()
	// The calls in flight answer before the process ends, so their audit result lines are
	// written and the batches saved with their tasks; what was not sent stays saved.
	drainCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_ = view.Drain(drainCtx) // what is still out is on the farewell below
	stop()
	if runErr != nil && ctx.Err() == nil {
		return fmt.Errorf("console: %w", runErr)
	}
	// What goes on without the console, and how to follow it.
	if bye := m.Farewell(); bye != "" {
		pr := &printer{w: cmd.OutOrStdout()}
		pr.printf("%s", bye)
		return pr.Err()
	}
	return nil
}

// resumeConsolePlans picks up the unfinished plans of this account, reconciled through
// DescribeTasks, for the hub to run (Hub.ResumePlans). A --demo console keeps nothing; a
// --read-only one (who a viewer) resumes nothing and says how many plans wait for an
// operator. What cannot be resumed is said on w, and the console starts anyway: those
// plans stay on disk for --resume.
func resumeConsolePlans(ctx context.Context, h *fleet.Hub, store *fleet.PlanStore, where string, who backend.Identity, w io.Writer) error {
	if store == nil {
		return nil
	}
	pr := &printer{w: w}
	defer func() { _ = pr.Err() }() // only notes before the screen opens
	if !who.CanRedeploy() {
		// A viewer (--read-only) runs no batch: the hub would refuse it, and must not
		// touch an operator's plan (not even its lock).
		recs, err := store.Unfinished()
		if err != nil {
			return err
		}
		n := 0
		for _, rec := range recs {
			if rec.Where == where {
				n++
			}
		}
		if n > 0 {
			pr.printf("ecs-redeploy: read-only: %d unfinished plan(s) left for an operator: ecs-redeploy redeploy --resume\n", n)
		}
		return nil
	}
	others, _, err := h.ResumePlans(ctx, who)
	for _, rec := range others {
		pr.printf("ecs-redeploy: plan %s was made against %s; left alone\n", rec.ID, rec.Where)
	}
	if err != nil {
		pr.printf("ecs-redeploy: %s\n", oneLine(err))
	}
	return nil
}

// accountFlags are the flags that select the account and endpoint this process talks to,
// as the flags and the environment gave them, shell-quoted: a command printed for the
// engineer to paste (the console's exit hints) carries them, so that it addresses this
// account and not the default profile's.
func (g *globalOptions) accountFlags() string {
	var out []string
	add := func(flag, v, env string) {
		if v == "" && env != "" {
			v = os.Getenv(env)
		}
		if v != "" {
			out = append(out, flag, shellQuote(v))
		}
	}
	add("--endpoint", g.Endpoint, aliyun.EnvEndpoint)
	add("--profile", g.Profile, aliyun.EnvProfile)
	add("--ecs-metadata-role", g.MetadataRole, "")
	return strings.Join(out, " ")
}

// shellQuote is s as one POSIX shell word: as is when it holds only characters no shell
// treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@=,+", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
