// Command lab runs the rotation lab (package lab, the real workflow in
// the time-skipping test environment) over the benchmark set of
// bench/scenarios and bench/events under fair, queue and lottery, and
// writes bench/results.md: one row per run and strategy, then the checks
// of issue 12's targets (lowest spread per kind, spread within 1 where
// members have equal availability, rest violations, the ten-year
// cumulative spread, the spread within teams, and the burst of shifts on
// return from leave). `make bench` runs it:
//
//	go run ./bench/lab [-root .] [-out bench/results.md] [-json bench/out/lab] [-only a,b] [-weeks N]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/report"
	"github.com/rota-scheduler/rota/lab"
	"github.com/rota-scheduler/rota/workflows"
)

// benchRun is one simulation of the benchmark set, run under each
// strategy.
type benchRun struct {
	Name     string  // the row's name
	File     string  // the scenario, under bench/scenarios
	Rotation string  // its rotation
	Weeks    int     // simulated weeks from the rotation's start
	Events   string  // the events file, under bench/events (optional)
	Leave    float64 // --random-leave
	Seed     int64   // --seed
	// Notice: the random leave of Leave and Seed is drawn once (from a
	// fair run), then each away window is sent as a scripted
	// unavailable event this long before it starts, instead of the
	// random leave's 1 to 14 days.
	Notice time.Duration
	// TeamPrefix: members are in teams, by a skill of this prefix; the
	// spread within each team is reported.
	TeamPrefix string
	// Years: the cumulative spread at each year's end, and the spread of
	// each year's shifts alone, are reported.
	Years bool
	What  string // for people
}

// runs is the benchmark set.
var runs = []benchRun{
	{Name: "sre7", File: "sre7.yaml", Rotation: "sre7", Weeks: 52,
		What: "7 people, 24h shifts, min_rest 24h, 10 holidays, a year, no events"},
	{Name: "sre7-leave", File: "sre7.yaml", Rotation: "sre7", Weeks: 52, Events: "sre7-leave.yaml",
		What: "the same with scripted leave (unavailable windows), a leave_shift, swaps and a cover"},
	{Name: "sre7-random", File: "sre7.yaml", Rotation: "sre7", Weeks: 52, Leave: 0.1, Seed: 1,
		What: "the same with 10 % random leave (seed 1), no script"},
	{Name: "sre7-early", File: "sre7.yaml", Rotation: "sre7", Weeks: 52, Leave: 0.1, Seed: 1, Notice: 30 * 24 * time.Hour,
		What: "the leave of sre7-random, each away block announced 30 days ahead (beyond plan_ahead, 14 days)"},
	{Name: "icebreaker", File: "icebreaker.yaml", Rotation: "icebreaker", Weeks: 522, Years: true,
		What: "30 people, weekly, 2 a week, grace 3, ten years"},
	{Name: "icebreaker-random", File: "icebreaker.yaml", Rotation: "icebreaker", Weeks: 104, Leave: 0.1, Seed: 2,
		What: "the same for two years with 10 % random leave (seed 2)"},
	{Name: "icebreaker-early", File: "icebreaker.yaml", Rotation: "icebreaker", Weeks: 104, Leave: 0.1, Seed: 2, Notice: 30 * 24 * time.Hour,
		What: "the leave of icebreaker-random, each away block announced 30 days ahead (beyond plan_ahead and a week's shift)"},
	{Name: "set", File: "set.yaml", Rotation: "set", Weeks: 522, TeamPrefix: "team-", Years: true,
		What: "30 people in six teams, monthly, 5 a month, grace 1, 10 needs (one lead, team mins and maxes), ten years"},
	{Name: "daily1000", File: "daily1000.yaml", Rotation: "daily1000", Weeks: 52,
		What: "1,000 people, daily, 3 a day, a year"},
	{Name: "joiners", File: "joiners.yaml", Rotation: "joiners", Weeks: 52, Events: "joiners.yaml",
		What: "daily, min_rest 24h: 2 join and 1 leaves by config dates, 2 join and 2 leave by events, swaps"},
}

// strategies are compared in this order; fair first.
var strategies = []config.Strategy{config.Fair, config.Queue, config.Lottery}

// options say what the driver does.
type options struct {
	Root    string   // the repository root
	Out     string   // the markdown file ("" or "-": stdout)
	JSONDir string   // where each simulation's report.json goes ("": nowhere)
	Only    []string // run only these runs
	Weeks   int      // cap every run at this many weeks (0: as set)
	GoBench []string // go test -bench outputs to summarize in the results
	Log     io.Writer
}

// path is p under the root, unless absolute.
func (o options) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.Root, p)
}

func main() {
	var o options
	var only string
	flag.StringVar(&o.Root, "root", ".", "the repository root")
	flag.StringVar(&o.Out, "out", "bench/results.md", "the results table (markdown); - for stdout")
	flag.StringVar(&o.JSONDir, "json", "bench/out/lab", "directory for each simulation's report.json (empty: none)")
	flag.StringVar(&only, "only", "", "comma-separated runs to do (default: all)")
	flag.IntVar(&o.Weeks, "weeks", 0, "cap every run at this many weeks (0: the set's own)")
	gobench := flag.String("gobench", "", "comma-separated `go test -bench` outputs to summarize in the results")
	flag.Parse()
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.Only = append(o.Only, s)
		}
	}
	for _, s := range strings.Split(*gobench, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.GoBench = append(o.GoBench, s)
		}
	}
	o.Log = os.Stderr
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/lab:", err)
		os.Exit(1)
	}
}

// run does the benchmark set and writes the results.
func run(ctx context.Context, o options) error {
	var todo []benchRun
	for _, r := range runs {
		if len(o.Only) == 0 || slices.Contains(o.Only, r.Name) {
			if o.Weeks > 0 {
				r.Weeks = min(r.Weeks, o.Weeks)
			}
			todo = append(todo, r)
		}
	}
	for _, name := range o.Only {
		if !slices.ContainsFunc(runs, func(r benchRun) bool { return r.Name == name }) {
			return fmt.Errorf("no run %q", name)
		}
	}
	began := time.Now()
	var done []runResult
	for _, r := range todo {
		rr, err := simulate(ctx, o, r)
		if err != nil {
			return fmt.Errorf("run %s: %w", r.Name, err)
		}
		done = append(done, rr)
	}
	var b strings.Builder
	writeResults(&b, done, time.Since(began))
	if len(o.GoBench) > 0 {
		var rows []goBench
		for _, f := range o.GoBench {
			data, err := os.ReadFile(o.path(f))
			if err != nil {
				return fmt.Errorf("go benchmarks: %w", err)
			}
			rows = append(rows, parseGoBench(string(data))...)
		}
		writeGoBench(&b, rows, o.GoBench)
	}
	if o.Out == "" || o.Out == "-" {
		_, err := io.WriteString(os.Stdout, b.String())
		return err
	}
	if err := os.WriteFile(o.path(o.Out), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// loadRun is a run's lab options, before a strategy is chosen.
func loadRun(root string, r benchRun) (lab.Options, error) {
	path := filepath.Join(root, "bench", "scenarios", r.File)
	cfg, err := config.Load(path)
	if err != nil {
		return lab.Options{}, fmt.Errorf("scenario: %w", err)
	}
	rot, ok := cfg.Rotation(r.Rotation)
	if !ok {
		return lab.Options{}, fmt.Errorf("%s has no rotation %s", path, r.Rotation)
	}
	opt := lab.Options{Rotation: *rot, Members: cfg.Members, Weeks: r.Weeks, RandomLeave: r.Leave, Seed: r.Seed}
	if r.Events != "" {
		if opt.Events, err = lab.LoadEvents(filepath.Join(root, "bench", "events", r.Events), rot); err != nil {
			return lab.Options{}, fmt.Errorf("events: %w", err)
		}
	}
	return opt, nil
}

// runResult is a run under every strategy.
type runResult struct {
	run  benchRun
	rows []row
}

// row is one strategy's simulation of a run, and what was measured of it.
type row struct {
	strategy string
	res      *lab.Result
	moved    int
	burst    burst
	years    []yearSpread
	teams    teamSpread
	// steady are the members with equal availability throughout, and
	// steadySpread their spread.
	steady       []string
	steadySpread report.Spread
}

func simulate(ctx context.Context, o options, r benchRun) (runResult, error) {
	opt, err := loadRun(o.Root, r)
	if err != nil {
		return runResult{}, err
	}
	if r.Notice > 0 {
		if opt, err = announced(ctx, opt, r.Notice); err != nil {
			return runResult{}, err
		}
	}
	out := runResult{run: r}
	for _, st := range strategies {
		so := opt
		so.Strategy = st
		res, err := lab.Run(ctx, so)
		if err != nil {
			return runResult{}, fmt.Errorf("%s: %w", st, err)
		}
		base, err := lab.Plan(so)
		if err != nil {
			return runResult{}, fmt.Errorf("%s: %w", st, err)
		}
		rw := row{strategy: string(st), res: res, moved: lab.Moved(res, base)}
		members := opt.Rotation.MemberIDs()
		away := awayWindows(res)
		if len(away) > 0 {
			rw.burst = returnBurst(res, members, away, burstWindow)
		}
		if !slices.ContainsFunc(opt.Rotation.Layers, func(l config.Layer) bool { return len(l.Needs) > 0 }) {
			rw.steady = steadyMembers(opt, away)
			rw.steadySpread = spreadAmong(res, rw.steady)
		}
		if r.Years {
			rw.years = yearSpreads(res, members)
		}
		if r.TeamPrefix != "" {
			rw.teams = teamSpreads(res, opt.Members, members, r.TeamPrefix)
		}
		if o.Log != nil {
			rp := res.Report
			fmt.Fprintf(o.Log, "%-18s %-8s %4d shifts  spread %d/%d/%d/%d  %.1fs\n", r.Name, st, len(res.Shifts),
				rp.Spread.Shifts, rp.Spread.Weekday, rp.Spread.Weekend, rp.Spread.Holiday, res.Run.WallSeconds)
		}
		if o.JSONDir != "" {
			if err := writeJSON(filepath.Join(o.path(o.JSONDir), r.Name, string(st)), res); err != nil {
				return runResult{}, err
			}
		}
		out.rows = append(out.rows, rw)
	}
	return out, nil
}

// announced is opt with its random leave drawn (by a fair run) and sent
// as scripted unavailable events, each notice before its window (or, for
// the first weeks, as the rotation's first shifts are planned).
func announced(ctx context.Context, opt lab.Options, notice time.Duration) (lab.Options, error) {
	draw := opt
	draw.Strategy = config.Fair
	res, err := lab.Run(ctx, draw)
	if err != nil {
		return opt, fmt.Errorf("drawing the leave: %w", err)
	}
	away := awayWindows(res)
	members := make([]string, 0, len(away))
	for m := range away {
		members = append(members, m)
	}
	slices.Sort(members)
	// An update that reaches the workflow before its first planning is
	// rejected ("not been planned yet"): none is sent before the
	// rotation's first shifts are planned (plan_ahead before its start).
	loc, err := opt.Rotation.Location()
	if err != nil {
		return opt, fmt.Errorf("rotation %s: %w", opt.Rotation.ID, err)
	}
	earliest := opt.Rotation.Start.In(loc).Add(-max(opt.Rotation.PlanAhead, opt.Rotation.NotifyBefore))
	opt.RandomLeave = 0
	opt.Events = slices.Clone(opt.Events)
	for _, m := range members {
		for _, w := range away[m] {
			at := w.from.Add(-notice)
			if at.Before(earliest) {
				at = earliest
			}
			opt.Events = append(opt.Events, lab.Event{Source: "announced", At: at, Op: workflows.Unavailable,
				Member: m, From: w.from, To: w.to, Reason: "leave, announced early"})
		}
	}
	return opt, nil
}

func writeJSON(dir string, res *lab.Result) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "report.json"))
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	if err := lab.WriteJSON(f, res); err != nil {
		return fmt.Errorf("output %s: %w", f.Name(), err)
	}
	return nil
}
