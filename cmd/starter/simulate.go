package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/lab"
	"github.com/rota-scheduler/rota/labpage"
)

// progressOut is where simulate draws its progress bar, when it is a
// terminal.
var progressOut io.Writer = os.Stderr

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runSimulate(args []string, stdout io.Writer) error {
	fs := newFlags("simulate")
	var fl files
	fs.Var(&fl, "f", "config file (repeatable)")
	rotation := fs.String("rotation", "", "rotation id (optional when the files have one rotation)")
	weeks := fs.Int("weeks", 52, "simulate this many weeks from the rotation's start")
	eventsFile := fs.String("events", "", "events file (YAML): the operations to send, and when")
	strategy := fs.String("strategy", "", "override every layer's strategy: "+config.StrategyNames())
	compare := fs.String("compare", "", "run the scenario under each of these strategies (comma-separated) and compare")
	seed := fs.Int64("seed", 1, "seed of --random-leave and --random-swaps")
	leave := fs.Float64("random-leave", 0, "share of days each member is away at random (0 to 0.9), in blocks of 1 to 10 days")
	swaps := fs.Int("random-swaps", 0, "how many random swaps of final shifts members ask for")
	out := fs.String("out", "", "output directory (default ./lab-out/ROTATION-TIMESTAMP)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *weeks < 1 || *weeks > 520 {
		return usagef("--weeks must be between 1 and 520")
	}
	if *leave < 0 || *leave > 0.9 {
		return usagef("--random-leave must be between 0 and 0.9")
	}
	if *swaps < 0 {
		return usagef("--random-swaps must not be negative")
	}
	if *strategy != "" && *compare != "" {
		return usagef("give --strategy or --compare, not both")
	}
	var strategies []config.Strategy
	for _, s := range strings.Split(*compare, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		st, err := config.ParseStrategy(s)
		if err != nil {
			return usagef("--compare: %v", err)
		}
		strategies = append(strategies, st)
	}
	if *compare != "" && len(strategies) == 0 {
		return usagef("--compare needs at least one strategy")
	}
	o, err := loadOffline(fl, *rotation, "")
	if err != nil {
		return err
	}
	opt := lab.Options{Rotation: *o.rot, Members: o.cfg.Members, Weeks: *weeks, Seed: *seed, RandomLeave: *leave, RandomSwaps: *swaps}
	if *strategy != "" {
		st, err := config.ParseStrategy(*strategy)
		if err != nil {
			return usagef("--strategy: %v", err)
		}
		opt.Strategy = st
	}
	if *eventsFile != "" {
		if opt.Events, err = lab.LoadEvents(*eventsFile, o.rot); err != nil {
			return err
		}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("lab-out", fmt.Sprintf("%s-%s", o.rot.ID, time.Now().UTC().Format("20060102T150405Z")))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(strategies) == 0 {
		res, err := simulateOne(ctx, opt, dir)
		if err != nil {
			return err
		}
		if err := writePage(dir, res, nil); err != nil {
			return err
		}
		return writeSummary(stdout, res, dir)
	}
	rows := make([]compareRow, 0, len(strategies))
	for _, st := range strategies {
		o := opt
		o.Strategy = st
		res, err := simulateOne(ctx, o, filepath.Join(dir, string(st)))
		if err != nil {
			return fmt.Errorf("strategy %s: %w", st, err)
		}
		base, err := lab.Plan(o)
		if err != nil {
			return fmt.Errorf("strategy %s: %w", st, err)
		}
		rows = append(rows, compareRow{strategy: string(st), res: res, moved: lab.Moved(res, base)})
	}
	table := make([]labpage.CompareRow, len(rows))
	for i, r := range rows {
		rep := r.res.Report
		table[i] = labpage.CompareRow{Strategy: r.strategy, Spread: rep.Spread, Balance: rep.Balance, Coverage: rep.Coverage,
			NeedViolations: rep.NeedViolations, RestViolations: rep.RestViolations, Moved: r.moved}
	}
	for _, r := range rows {
		if err := writePage(filepath.Join(dir, r.strategy), r.res, table); err != nil {
			return err
		}
	}
	if err := writeCompare(stdout, rows); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\noutput: %s/{%s}/schedule.csv, report.json, report.html\n", dir, strings.Join(strategyNames(rows), ","))
	return err
}

func strategyNames(rows []compareRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.strategy
	}
	return out
}

// simulateOne runs one simulation and writes its files to dir.
func simulateOne(ctx context.Context, opt lab.Options, dir string) (*lab.Result, error) {
	if isTerminal(progressOut) {
		opt.Progress = func(p lab.Progress) { drawProgress(progressOut, p) }
	}
	res, err := lab.Run(ctx, opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "schedule.csv"), func(w io.Writer) error { return lab.WriteCSV(w, res) }); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "report.json"), func(w io.Writer) error { return lab.WriteJSON(w, res) }); err != nil {
		return nil, err
	}
	return res, nil
}

// writePage writes dir/report.html: res (and the comparison, if any) as
// labpage shows it.
func writePage(dir string, res *lab.Result, compare []labpage.CompareRow) error {
	st := res.Run
	in := labpage.Input{
		Rotation: res.Rotation, Timezone: res.Timezone, Strategy: res.Strategy,
		Shifts: res.Shifts, Report: res.Report, Compare: compare,
		// The lab's history figures are modelled (events) and payload
		// bytes: see lab.RunStats.
		Run: labpage.RunStats{ModelledEventsPerShift: st.ModelledHistoryEventsPerShift, PayloadBytesPerShift: st.PayloadBytesPerShift,
			ContinueAsNew: st.ContinueAsNew, WallSeconds: st.WallSeconds},
	}
	for _, a := range st.Activities {
		in.Run.Activities = append(in.Run.Activities, labpage.ActivityCount{Name: a.Name, Count: a.Count})
	}
	for _, e := range res.Events {
		at := e.Sent
		if at.IsZero() {
			at = e.At
		}
		why := e.Reason
		if e.Applied {
			why = strings.Join(e.Notes, "; ")
		}
		in.Events = append(in.Events, labpage.EventOutcome{At: at, Op: e.Op, Summary: e.Summary, Applied: e.Applied, Reason: why})
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error { return labpage.Write(w, in) })
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("output %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// drawProgress draws one line: simulated date, shifts done, elapsed.
func drawProgress(w io.Writer, p lab.Progress) {
	const width = 30
	frac := 0.0
	if span := p.To.Sub(p.From); span > 0 {
		frac = min(max(float64(p.Now.Sub(p.From))/float64(span), 0), 1)
	}
	n := int(frac * width)
	bar := strings.Repeat("#", n) + strings.Repeat(".", width-n)
	fmt.Fprintf(w, "\r[%s] %s  %d shifts  %.1fs ", bar, p.Now.In(p.From.Location()).Format("2006-01-02"), p.Shifts, p.Elapsed.Seconds())
	if p.Done {
		fmt.Fprintln(w)
	}
}

// writeSummary prints what a simulation gave: the report, each event's
// outcome, how the workflow ran, and where the files are.
func writeSummary(w io.Writer, res *lab.Result, dir string) error {
	r := res.Report
	fmt.Fprintf(w, "%s (%s, %s): %d shifts simulated from %s to %s\n", res.Rotation, res.Strategy, res.Timezone,
		len(res.Shifts), res.From.Format("2006-01-02"), res.To.Format("2006-01-02"))
	fmt.Fprintf(w, "spread shifts %d, weekday %d, weekend %d, holiday %d; balance %.1f%%; coverage %.1f%%; need violations %d; rest violations %d\n",
		r.Spread.Shifts, r.Spread.Weekday, r.Spread.Weekend, r.Spread.Holiday, r.Balance, r.Coverage, r.NeedViolations, r.RestViolations)
	if len(res.Events) > 0 {
		applied := 0
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nSENT\tOP\tSOURCE\tOUTCOME\tWHAT")
		for _, e := range res.Events {
			outcome := "applied"
			if e.Applied {
				applied++
			} else {
				outcome = "rejected: " + e.Reason
			}
			sent := "-"
			if !e.Sent.IsZero() {
				sent = e.Sent.UTC().Format("2006-01-02T15:04Z")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sent, e.Op, e.Source, outcome, e.Summary)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "%d events: %d applied, %d rejected\n", len(res.Events), applied, len(res.Events)-applied)
	}
	st := res.Run
	fmt.Fprintf(w, "\nrun: %d runs (%d continue-as-new), %.1f modelled history events per shift (largest run %d), %.0f payload bytes per shift, %.2f s wall\n",
		st.Runs, st.ContinueAsNew, st.ModelledHistoryEventsPerShift, st.MaxRunModelledHistoryEvents, st.PayloadBytesPerShift, st.WallSeconds)
	acts := make([]string, len(st.Activities))
	for i, a := range st.Activities {
		acts[i] = fmt.Sprintf("%s %d", a.Name, a.Count)
	}
	fmt.Fprintf(w, "activities: %s\n", strings.Join(acts, ", "))
	_, err := fmt.Fprintf(w, "output: %s\n", strings.Join([]string{filepath.Join(dir, "schedule.csv"), filepath.Join(dir, "report.json"), filepath.Join(dir, "report.html")}, ", "))
	return err
}

// compareRow is one strategy's simulation in --compare.
type compareRow struct {
	strategy string
	res      *lab.Result
	moved    int
}

func writeCompare(w io.Writer, rows []compareRow) error {
	if len(rows) == 0 {
		return errors.New("nothing to compare")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STRATEGY\tSPREAD\tWEEKDAY\tWEEKEND\tHOLIDAY\tBALANCE\tCOVERAGE\tNEED-V\tREST-V\tMOVED\tEVENTS OK/ALL\tWALL\t")
	for _, r := range rows {
		rep := r.res.Report
		ok := 0
		for _, e := range r.res.Events {
			if e.Applied {
				ok++
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t%d\t%d\t%d\t%d/%d\t%.1fs\t\n", r.strategy,
			rep.Spread.Shifts, rep.Spread.Weekday, rep.Spread.Weekend, rep.Spread.Holiday, rep.Balance, rep.Coverage,
			rep.NeedViolations, rep.RestViolations, r.moved, ok, len(r.res.Events), r.res.Run.WallSeconds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(%d shifts each; spread: most minus fewest shifts served, in all and per kind; MOVED: shifts whose assignees differ from rota plan's under the same strategy)\n",
		len(rows[0].res.Shifts))
	return err
}
