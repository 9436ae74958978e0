// Command ecs-redeploy is a terminal console for Alibaba Cloud ECS system events: list the
// instances with pending events, redeploy them safely, and watch the tasks finish.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ecs-redeploy/backend"
	"ecs-redeploy/backend/fleet"
	"ecs-redeploy/backend/localfile"
	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
	"ecs-redeploy/model/safetext"
)

// version is set at build time with -ldflags "-X main.version=…"; --version adds the
// commit from the build info (version.go).
var version = "dev"

// globalOptions are the flags every command shares.
type globalOptions struct {
	// onCall, when set, is told of every API call the backend sends (serve --metrics).
	onCall backend.CallObserver
	// Simulator (--demo, and sim-server).
	Demo        bool
	Seed        int64
	Instances   int
	Scenario    string
	SimSpeed    float64
	FailureRate float64

	// Real API.
	Regions      []string
	Profile      string
	Endpoint     string
	MetadataRole string
	APITimeout   time.Duration
	// APIBudget is --api-budget: the calls a minute the console may spend (fleet and
	// aliyun Budget).
	APIBudget float64
	// oneShot is a command that makes its calls once and ends (events): it is held to
	// APIBudget only when --api-budget is given (oneShotBudget).
	oneShot bool

	ReadOnly bool
	AuditLog string
	// NoMouse leaves the mouse to the terminal (its own selection) instead of the console.
	NoMouse bool
	// Notify is the console's --notify (serve has its own).
	Notify notifyFlags
}

// env is what a command runs against, built once from the flags.
type env struct {
	Backend backend.Backend
	// Engine is set on --demo, for commands that want to show simulator facts.
	Engine *sim.Engine
	// Now is the backend's clock: the simulator's on --demo, the wall clock otherwise.
	Now func() time.Time
	// Until fires once Now reads a time (fleet.Options.Until): the simulator's on --demo,
	// which runs --sim-speed times faster than the wall clock; nil otherwise (the hub
	// waits on the wall clock, which is Now).
	Until func(time.Time) <-chan time.Time
	// Regions is the scope asked for (empty: every region).
	Regions []string
	// Drills keeps the drill events this tool made (the state directory), so every hub
	// marks them; nil on --demo, whose simulator marks its own and ends with the process.
	Drills *fleet.DrillBook
	// AccountFlags are the flags that chose the account (globalOptions.accountFlags): every
	// hub's refusals print commands that carry them. Empty on --demo.
	AccountFlags string
}

// newHub is the one place a command reaches the account: a hub over the backend the flags
// built (guard and audit included), scoped to e.Regions on e.Now. Commands ask the hub,
// never the backend, so every redeploy passes one gate, one outcome hold, one send lock
// and one drain (TestCmdCallsNoBackendMethod).
func (e *env) newHub(opt fleet.Options) *fleet.Hub {
	if opt.Regions == nil {
		opt.Regions = e.Regions
	}
	if opt.Now == nil {
		opt.Now, opt.Until = e.Now, e.Until
	}
	if opt.Drills == nil {
		opt.Drills = e.Drills
	}
	if opt.AccountFlags == "" {
		opt.AccountFlags = e.AccountFlags
	}
	if adjustHubOptions != nil {
		adjustHubOptions(&opt)
	}
	return fleet.New(e.Backend, opt)
}

// usageError marks errors caused by how the command was called (exit status 2).
type usageError struct{ error }

// Unwrap keeps the cause findable (errors.Is(err, localfile.ErrNotRegular)).
func (u usageError) Unwrap() error { return u.error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err))
	}
	os.Exit(exitCode(err))
}

// errorLine is how a command's error is printed: one line, the API's words in it (a
// Message, a RequestId, a name) shown, never obeyed (safetext.Terminal).
func errorLine(err error) string {
	return "ecs-redeploy: " + safetext.Terminal(err.Error())
}

// exitCode is the exit status for a command's error, as the README documents it: 0 done,
// 2 a usage mistake (how the command was called), an exitError's own code, and 1 for
// everything else: a refusal (blocked, data loss without --yes, read-only) or a failure.
func exitCode(err error) int {
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// flagError words a flag value that does not parse as what the flag expects, instead of
// Go's `strconv.ParseInt: parsing "abc": invalid syntax`.
func flagError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	var fre floatRangeError
	if errors.As(err, &fre) {
		return fmt.Errorf("--%s %q: %w", ive.GetFlag().Name, ive.GetValue(), fre)
	}
	want := "a value of type " + ive.GetFlag().Value.Type()
	switch ive.GetFlag().Value.Type() {
	case "int", "int64", "int32", "uint", "uint64":
		want = "a whole number, e.g. --" + ive.GetFlag().Name + " " + orDefault(ive.GetFlag().DefValue, "500")
		if errors.Is(err, strconv.ErrRange) {
			// It is a whole number: one too large (or too small) to hold.
			return fmt.Errorf("--%s %q: out of range; e.g. --%s %s", ive.GetFlag().Name, ive.GetValue(), ive.GetFlag().Name, orDefault(ive.GetFlag().DefValue, "500"))
		}
	case "float64", "float32":
		want = "a number, e.g. --" + ive.GetFlag().Name + " " + orDefault(ive.GetFlag().DefValue, "0.5")
	case "duration":
		want = "a duration such as 30s, 5m, 1h or 2d"
	case "bool":
		want = "true or false"
	}
	return fmt.Errorf("--%s %q: expected %s", ive.GetFlag().Name, ive.GetValue(), want)
}

// orDefault is s, or def when s is empty or zero.
func orDefault(s, def string) string {
	if s == "" || s == "0" {
		return def
	}
	return s
}

// exitError carries a specific exit status.
type exitError struct {
	error
	code int
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "ecs-redeploy",
		Short: "Triage Alibaba Cloud ECS system events and redeploy instances safely",
		Long: `ecs-redeploy lists every ECS instance with a pending system event, sorted by deadline,
with the warnings that matter, and redeploys them (RedeployInstance) behind a confirmation
that states every consequence. With no subcommand it opens the console.

Run it on the built-in simulator, no credentials needed:
  ecs-redeploy --demo`,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConsole(cmd, g)
		},
	}
	// The version text names the program itself, and cobra's default template would add
	// "ecs-redeploy version" before it.
	root.SetVersionTemplate("{{.Version}}")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see --help)", flagError(err))}
	})
	// cobra suggests a command only to a root that takes no positional arguments of its
	// own check; say what was meant (`event` → `events`) and that it is a usage mistake.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q", args[0])
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageError{errors.New(msg + " (see --help)")}
	}
	pf := root.PersistentFlags()
	pf.BoolVar(&g.Demo, "demo", false, "run on the built-in simulator (no credentials)")
	pf.Int64Var(&g.Seed, "seed", 1, "simulator: seed of the generated fleet")
	pf.IntVar(&g.Instances, "instances", 60, "simulator: number of instances with pending events")
	pf.StringVar(&g.Scenario, "scenario", "", "simulator: load the fleet from a YAML or JSON scenario file (implies --demo)")
	finiteFloatVar(pf, &g.SimSpeed, "sim-speed", 1, "simulator: clock speed (60 runs a 10-minute redeploy in 10s)")
	finiteFloatVar(pf, &g.FailureRate, "sim-failure-rate", 0, "simulator: fraction of redeploys that fail and roll back (0..1)")
	pf.StringSliceVar(&g.Regions, "region", nil, "regions to scope to: a list (cn-hangzhou,cn-beijing) or all")
	pf.StringVar(&g.Profile, "profile", "", "aliyun CLI profile in ~/.aliyun/config.json (default: ALIBABA_CLOUD_PROFILE or current)")
	pf.StringVar(&g.Endpoint, "endpoint", "", "ECS endpoint HOST:PORT over plain HTTP, e.g. a sim-server (default: ALIBABA_CLOUD_ENDPOINT)")
	pf.BoolVar(&g.ReadOnly, "read-only", false, "refuse every redeploy; only look")
	pf.StringVar(&g.AuditLog, "audit-log", "", "append one JSON line per redeploy (who, what, result) to this file")
	root.Flags().BoolVar(&g.NoMouse, "no-mouse", false, "console: leave the mouse to the terminal (select text) instead of wheel and click")
	g.Notify.add(root.Flags())
	addCloudFlags(root, g)

	root.AddCommand(newEventsCmd(g), newRedeployCmd(g), newAcceptCmd(g), newDrillCmd(g), newSimServerCmd(g), newServeCmd(g), newAutopilotCmd(g))
	completionUsage(root)
	readDays(root)
	// An argument a command does not take is a usage mistake (exit 2) on every command, as
	// the root's own is: cobra.NoArgs's error is a plain one (exit 1).
	for _, c := range root.Commands() {
		if c.Args != nil {
			c.Args = usageArgs(c.Args)
		}
	}
	return root
}

// usageArgs is check with its error marked a usage mistake.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		var ue usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return usageError{fmt.Errorf("%w (see --help)", err)}
	}
}

// completionShells are the shells cobra writes a completion script for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// completionUsage makes `completion` without a shell, or with one cobra has no script for
// (tcsh), a usage mistake in one line, exit 2: by default cobra printed the command's help
// and exited 0, as if a script had been written.
func completionUsage(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	c, _, err := root.Find([]string{"completion"})
	if err != nil || c.Name() != "completion" {
		return
	}
	c.Args = func(_ *cobra.Command, args []string) error {
		choose := strings.Join(completionShells, ", ")
		if len(args) == 0 {
			return usageError{errors.New("completion needs a shell: one of " + choose)}
		}
		return usageError{fmt.Errorf("completion: %q is not supported; the shells with a completion script are %s", args[0], choose)}
	}
	c.RunE = func(*cobra.Command, []string) error { return nil } // Args refused every call already
	// cobra's scripts write where the root wrote when the command was made (it keeps
	// OutOrStdout from then); write them where the root writes when they run.
	for _, sh := range c.Commands() {
		sh.RunE = func(cmd *cobra.Command, _ []string) error {
			desc := true
			if f := cmd.Flags().Lookup("no-descriptions"); f != nil && f.Value.String() == "true" {
				desc = false
			}
			out, r := cmd.OutOrStdout(), cmd.Root()
			switch cmd.Name() {
			case "bash":
				return r.GenBashCompletionV2(out, desc)
			case "zsh":
				if !desc {
					return r.GenZshCompletionNoDesc(out)
				}
				return r.GenZshCompletion(out)
			case "fish":
				return r.GenFishCompletion(out, desc)
			case "powershell":
				if !desc {
					return r.GenPowerShellCompletion(out)
				}
				return r.GenPowerShellCompletionWithDesc(out)
			}
			return usageError{fmt.Errorf("completion: %q is not supported", cmd.Name())}
		}
		sh.Run = nil
	}
}

// validateSim checks the simulator flags before anything is built.
func (g *globalOptions) validateSim() error {
	switch {
	case g.Instances < 0 || g.Instances > 1_000_000:
		return usageError{fmt.Errorf("--instances must be between 0 and 1000000, got %d", g.Instances)}
	case g.SimSpeed <= 0 || g.SimSpeed > 100_000:
		return usageError{fmt.Errorf("--sim-speed must be above 0 and at most 100000, got %g", g.SimSpeed)}
	case g.FailureRate < 0 || g.FailureRate > 1:
		return usageError{fmt.Errorf("--sim-failure-rate must be between 0 and 1, got %g", g.FailureRate)}
	}
	return nil
}

// newEngine builds the simulator from the flags: a scenario file or a generated fleet, on
// a clock running at --sim-speed.
func (g *globalOptions) newEngine(faults sim.Faults) (*sim.Engine, error) {
	if err := g.validateSim(); err != nil {
		return nil, err
	}
	start := time.Now().UTC().Truncate(time.Second)
	var clock sim.Clock = sim.RealClock{}
	if g.SimSpeed != 1 {
		clock = sim.NewScaledClock(start, g.SimSpeed)
	}
	opts := sim.Options{Seed: g.Seed, FailureRate: g.FailureRate, Faults: faults}
	if g.Scenario == "" {
		// The demo starts with something to do: the main cases on its first rows
		// (Showcase). Each region is drawn when it is first asked for, so the first
		// region listed shows before the others are drawn (issue 20).
		return sim.NewGenerated(g.Seed, g.Instances, start, clock, opts), nil
	}
	fleet, err := sim.LoadScenario(g.Scenario, start)
	if err != nil {
		return nil, usageError{err} // a file the command was given: as a bad --policy
	}
	return sim.New(fleet, clock, opts), nil
}

// open builds the backend the flags ask for, wrapped in the decorators.
func (g *globalOptions) open(ctx context.Context) (*env, error) {
	e := &env{Now: time.Now}
	if err := checkBudget(&g.APIBudget); err != nil {
		return nil, err
	}
	if g.Demo || g.Scenario != "" {
		eng, err := g.newEngine(sim.Faults{})
		if err != nil {
			return nil, err
		}
		e.Engine = eng
		sb := sim.NewBackend(eng)
		sb.OnCall = g.onCall
		e.Backend = sb
		e.Now, e.Until = eng.Now, eng.Until
		// --region all and no --region both mean every region of the simulator.
		names, _, err := parseRegions(g.Regions)
		if err != nil {
			return nil, err
		}
		for _, r := range names {
			// The console's :region asks the same (ui.Deps.Regions).
			if err := model.CheckRegion(r, regionIDs(eng)); err != nil {
				return nil, usageError{fmt.Errorf("--region %w (the simulator's regions)", err)}
			}
		}
		e.Regions = names
	} else {
		b, regions, err := openCloudBackend(g)
		if err != nil {
			return nil, err
		}
		e.Backend, e.Regions, e.AccountFlags = b, regions, g.accountFlags()
		if dir, err := fleet.StateDir(); err == nil {
			e.Drills = fleet.NewDrillBook(dir)
		}
	}
	// Decorators, outermost first: role guard → audit → backend.
	if g.AuditLog != "" {
		f, err := localfile.Open(g.AuditLog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600, localfile.State)
		if err != nil {
			// A directory, a FIFO, another user's file, no permission: the path given is
			// the mistake, as for --from-file.
			return nil, usageError{fmt.Errorf("--audit-log: %w", err)}
		}
		e.Backend = backend.Audit(e.Backend, f, e.Now)
	}
	e.Backend = backend.Guard(e.Backend)
	return e, nil
}

// regionIDs are the simulator's regions, the ones --region and :region may name.
func regionIDs(eng *sim.Engine) []string {
	var ids []string
	for _, r := range eng.Regions() {
		ids = append(ids, r.RegionID)
	}
	return ids
}
