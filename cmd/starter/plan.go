package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

func runValidate(args []string, stdout io.Writer) error {
	fs := newFlags("validate")
	var fl files
	fs.Var(&fl, "f", "config file (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(fl) == 0 {
		return usagef("-f FILE is required")
	}
	cfg, err := config.Load(fl...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok: %d members, %d rotations\n", len(cfg.Members), len(cfg.Rotations))
	return nil
}

// offline is a rotation loaded from config files for planning without a server.
type offline struct {
	cfg     *config.Config
	rot     *config.Rotation
	planner *engine.Planner
	loc     *time.Location
}

func loadOffline(fl files, rotation, strategy string) (*offline, error) {
	if len(fl) == 0 {
		return nil, usagef("-f FILE is required")
	}
	cfg, err := config.Load(fl...)
	if err != nil {
		return nil, err
	}
	if rotation == "" {
		if len(cfg.Rotations) != 1 {
			ids := make([]string, len(cfg.Rotations))
			for i, r := range cfg.Rotations {
				ids[i] = r.ID
			}
			return nil, usagef("--rotation is required: the files have %s", strings.Join(ids, ", "))
		}
		rotation = cfg.Rotations[0].ID
	}
	rot, ok := cfg.Rotation(rotation)
	if !ok {
		return nil, fmt.Errorf("no rotation %q in %s", rotation, strings.Join(fl, ", "))
	}
	if strategy != "" {
		s, err := config.ParseStrategy(strategy)
		if err != nil {
			return nil, usagef("--strategy: %v", err)
		}
		for i := range rot.Layers {
			rot.Layers[i].Strategy = s
		}
	}
	p, err := engine.New(rot, cfg.Members)
	if err != nil {
		return nil, err
	}
	return &offline{cfg: cfg, rot: rot, planner: p, loc: p.Calendar().Location}, nil
}

// instant reads a --from or --to value as the start of that moment in the
// rotation's zone (a date is its first instant).
func (o *offline) instant(flagName, s string) (time.Time, error) {
	m, err := parseMoment(flagName, s)
	if err != nil {
		return time.Time{}, err
	}
	return m.Start(o.loc), nil
}

func strategyName(rot *config.Rotation) string {
	names := []string{}
	for _, l := range rot.Layers {
		if !slices.Contains(names, string(l.Strategy)) {
			names = append(names, string(l.Strategy))
		}
	}
	return strings.Join(names, ",")
}

// viewerZone is --tz, or the rotation's zone.
func viewerZone(o *offline, tz string) (*time.Location, error) {
	loc, err := loadZone(tz)
	if err != nil || loc != nil {
		return loc, err
	}
	return o.loc, nil
}

// offlineFlags are the flags of the commands that plan from config files.
type offlineFlags struct {
	files              files
	rotation, from, tz string
}

func (f *offlineFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.files, "f", "config file (repeatable)")
	fs.StringVar(&f.rotation, "rotation", "", "rotation id (optional when the files have one rotation)")
	fs.StringVar(&f.from, "from", "", "show from the shift running at this date or date-time (default: the rotation's start); the rotation is always planned from its start")
	fs.StringVar(&f.tz, "tz", "", "show times in this IANA zone (default: the rotation's)")
}

// load loads the rotation and returns it with the viewer's zone and the
// instant planning begins at.
func (f *offlineFlags) load(strategy string) (*offline, *time.Location, time.Time, error) {
	o, err := loadOffline(f.files, f.rotation, strategy)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	loc, err := viewerZone(o, f.tz)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	start := o.rot.Start.In(o.loc)
	if f.from != "" {
		if start, err = o.instant("from", f.from); err != nil {
			return nil, nil, time.Time{}, err
		}
	}
	return o, loc, start, nil
}

func runPlan(args []string, stdout io.Writer) error {
	fs := newFlags("plan")
	var of offlineFlags
	of.register(fs)
	to := fs.String("to", "", "plan shifts starting before this date or date-time")
	weeks := fs.Int("weeks", 4, "plan this many weeks")
	shifts := fs.Int("shifts", 0, "plan this many shifts")
	strategy := fs.String("strategy", "", "override every layer's strategy: "+config.StrategyNames())
	format := fs.String("format", "table", "output: table, json, csv or grid")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, render.Formats...); err != nil {
		return err
	}
	set := 0
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "to" || f.Name == "weeks" || f.Name == "shifts" {
			set++
		}
	})
	if set > 1 {
		return usagef("give only one of --to, --weeks and --shifts")
	}
	if *weeks < 1 || *shifts < 0 {
		return usagef("--weeks and --shifts must be positive")
	}
	o, loc, start, err := of.load(*strategy)
	if err != nil {
		return err
	}
	// From the rotation's start, whatever --from says: the shifts from
	// there on are those of a plan from the start.
	st := o.planner.Begin()
	planned := slices.Clone(o.planner.PlanTo(st, start))
	switch {
	case *shifts > 0:
		planned = append(planned, o.planner.PlanShifts(st, *shifts-len(planned))...)
	case *to != "":
		end, err := o.instant("to", *to)
		if err != nil {
			return err
		}
		planned = append(planned, o.planner.PlanUntil(st, end)...)
	default:
		n := *weeks
		if n == 0 {
			n = 4
		}
		planned = append(planned, o.planner.PlanUntil(st, calendar.AddWeeks(start, n, o.loc))...)
	}
	rep := report.Of(o.planner, planned)
	doc := render.Plan{Rotation: o.rot.ID, Timezone: o.rot.Timezone, Strategy: strategyName(o.rot), Report: &rep}
	doc.Shifts = make([]render.Shift, len(planned))
	for i, sh := range planned {
		doc.Shifts[i] = render.FromShift(sh)
	}
	return render.Write(stdout, *format, doc, loc)
}

func runForecast(args []string, stdout io.Writer) error {
	fs := newFlags("forecast")
	var of offlineFlags
	of.register(fs)
	shifts := fs.Int("shifts", 10, "how many shifts")
	samples := fs.Int("samples", 1000, "Monte Carlo samples (lottery)")
	format := fs.String("format", "table", "output: table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *shifts < 1 || *samples < 1 {
		return usagef("--shifts and --samples must be at least 1")
	}
	if err := checkFormat(*format, "table", "json"); err != nil {
		return err
	}
	o, loc, start, err := of.load("")
	if err != nil {
		return err
	}
	st := o.planner.Begin()
	o.planner.PlanTo(st, start) // the shifts before --from, as planned from the start
	f := o.planner.Forecast(st, *shifts, *samples)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(f)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: %d samples, shown in %s\nSTART\tLAYER\tCHANCES\n", f.Rotation, f.Samples, loc)
	for _, s := range f.Shifts {
		parts := make([]string, 0, len(s.Chances))
		for _, c := range s.Chances {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", c.Member, 100*c.P))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", render.Local(s.Start, loc), s.Layer, strings.Join(parts, ", "))
	}
	return tw.Flush()
}
