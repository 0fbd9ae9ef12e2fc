package main

// Read commands: who, show, audit, stats. Each runs a query on a rotation's
// workflow; --format json prints machine output with times in UTC RFC 3339,
// the table shows times in --tz, else the rotation's zone, with the zone named.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// readFlags are the flags every read command has.
type readFlags struct {
	format  *string
	tz      *string
	formats []string
}

func addReadFlags(fs *flag.FlagSet, formats ...string) readFlags {
	return readFlags{
		format:  fs.String("format", "table", "output: "+strings.Join(formats, ", ")),
		tz:      fs.String("tz", "", "show times in this IANA zone, or Local (default: the rotation's)"),
		formats: formats,
	}
}

// check checks --format and returns the --tz zone (nil when not given).
func (rf readFlags) check() (*time.Location, error) {
	if err := checkFormat(*rf.format, rf.formats...); err != nil {
		return nil, err
	}
	return loadZone(*rf.tz)
}

// readOne is what the read commands on one rotation share: the rotation
// (ROTATION or --rotation), --format and --tz checked, and a session.
type readOne struct {
	rotation string
	format   string
	loc      *time.Location // --tz; nil: the rotation's zone
	ctx      context.Context
	c        client.Client
	done     func()
}

// openReadOne parses a read command's flags (define adds its own, and
// check checks them before a session is opened) and connects.
func openReadOne(name string, args []string, formats []string, define func(fs *flag.FlagSet), check func() error) (*readOne, error) {
	fs := newFlags(name)
	rf := addReadFlags(fs, formats...)
	if define != nil {
		define(fs)
	}
	rot := fs.String("rotation", "", "rotation id (or give it as the argument)")
	rem := addRemote(fs, false)
	pos, err := parseArgs(fs, args, 0, 1, "ROTATION")
	if err != nil {
		return nil, err
	}
	r := &readOne{format: *rf.format}
	if r.rotation, err = rotationArg(pos, *rot); err != nil {
		return nil, err
	}
	if r.loc, err = rf.check(); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	if r.ctx, r.c, r.done, err = rem.session(); err != nil {
		return nil, err
	}
	return r, nil
}

// whoView is who is on call in one rotation: the who query's answer with
// the rotation's zone, or why the rotation did not answer.
type whoView struct {
	workflows.WhoResult
	Timezone string `json:"timezone,omitempty"`
	Error    string `json:"error,omitempty"`
}

func runWho(args []string, stdout io.Writer) error {
	fs := newFlags("who")
	rf := addReadFlags(fs, "table", "json")
	rem := addRemote(fs, false)
	pos, err := parseArgs(fs, args, 0, 1, "ROTATION")
	if err != nil {
		return err
	}
	loc, err := rf.check()
	if err != nil {
		return err
	}
	ctx, c, done, err := rem.session()
	if err != nil {
		return err
	}
	defer done()
	var rotations []string
	if len(pos) == 1 {
		rotations = pos
	} else {
		rows, err := listRotations(ctx, c, runningQuery)
		if err != nil {
			return err
		}
		for _, r := range rows {
			rotations = append(rotations, r.Rotation)
		}
	}
	views := make([]whoView, 0, len(rotations))
	failed := 0
	for _, r := range rotations {
		v, err := queryWho(ctx, c, r)
		if err != nil {
			if len(pos) == 1 {
				return err
			}
			v = whoView{WhoResult: workflows.WhoResult{Rotation: r, OnCall: []string{}, Current: []render.Shift{}, Next: []render.Shift{}}, Error: err.Error()}
			failed++
		}
		views = append(views, v)
	}
	if *rf.format == "json" {
		if len(pos) == 1 {
			return writeJSON(stdout, views[0])
		}
		return writeJSON(stdout, views)
	}
	if len(views) == 0 {
		fmt.Fprintln(stdout, "no rotations running (rota apply -f FILE starts them)")
		return nil
	}
	if err := writeWho(stdout, views, loc); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rotations did not answer", failed, len(views))
	}
	return nil
}

func queryWho(ctx context.Context, c client.Client, rotation string) (whoView, error) {
	var v whoView
	if err := query(ctx, c, rotation, workflows.QueryWho, &v.WhoResult); err != nil {
		return v, err
	}
	var cfg workflows.ConfigResult
	if err := query(ctx, c, rotation, workflows.QueryConfig, &cfg); err != nil {
		return v, err
	}
	return normalizeWho(rotation, v, cfg.Rotation.Timezone), nil
}

// normalizeWho fills in what machine output promises: the rotation, its
// zone, UTC times and lists that are never null.
func normalizeWho(rotation string, v whoView, tz string) whoView {
	if v.Rotation == "" {
		v.Rotation = rotation
	}
	v.Timezone = tz
	if !v.At.IsZero() {
		v.At = v.At.UTC().Truncate(time.Second)
	}
	if v.OnCall == nil {
		v.OnCall = []string{}
	}
	v.Current = normalizeShifts(v.Current)
	v.Next = normalizeShifts(v.Next)
	return v
}

// normalizeShifts writes times in UTC and empty lists as [].
func normalizeShifts(shifts []render.Shift) []render.Shift {
	if shifts == nil {
		return []render.Shift{}
	}
	for i := range shifts {
		shifts[i].Start, shifts[i].End = shifts[i].Start.UTC(), shifts[i].End.UTC()
		if shifts[i].Assignees == nil {
			shifts[i].Assignees = []string{}
		}
		if shifts[i].Problems == nil {
			shifts[i].Problems = []string{}
		}
	}
	return shifts
}

func writeWho(w io.Writer, views []whoView, flagZone *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROTATION\tON CALL\tSINCE\tUNTIL\tNEXT")
	for _, v := range views {
		loc := viewZone(flagZone, v.Timezone)
		if v.Error != "" {
			fmt.Fprintf(tw, "%s\t?\t\t\t%s\n", v.Rotation, v.Error)
			continue
		}
		name := v.Rotation
		if v.Paused {
			name += " (paused)"
		}
		if h := v.Health.Health; h != "" && h != workflows.HealthOK {
			name += " (" + h + ": rota status " + v.Rotation + ")"
		}
		next := "-"
		if len(v.Next) > 0 {
			n := v.Next[0]
			next = fmt.Sprintf("%s from %s", orDash(strings.Join(n.Assignees, ", ")), render.Local(n.Start, loc))
		}
		if len(v.Current) == 0 {
			fmt.Fprintf(tw, "%s\t-\t\t\t%s\n", name, next)
			continue
		}
		for i, s := range v.Current {
			if i > 0 {
				name, next = "", ""
			}
			who := orDash(strings.Join(s.Assignees, ", "))
			if len(v.Current) > 1 {
				who += " (" + s.Layer + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, who, render.Local(s.Start, loc), render.Local(s.End, loc), next)
		}
	}
	return tw.Flush()
}

func runShow(args []string, stdout io.Writer) error {
	var weeks int
	var from string
	var start *calendar.Moment
	r, err := openReadOne("show", args, render.Formats, func(fs *flag.FlagSet) {
		fs.IntVar(&weeks, "weeks", 2, fmt.Sprintf("show this many weeks (1 to %d)", workflows.MaxScheduleWeeks))
		fs.StringVar(&from, "from", "", "from this date or time (default: now)")
	}, func() error {
		if weeks < 1 || weeks > workflows.MaxScheduleWeeks {
			return usagef("--weeks must be between 1 and %d", workflows.MaxScheduleWeeks)
		}
		if from != "" {
			m, err := parseMoment("from", from)
			if err != nil {
				return err
			}
			start = &m
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer r.done()
	ctx, c, rotation, loc := r.ctx, r.c, r.rotation, r.loc
	rf := readFlags{format: &r.format}
	var cfg workflows.ConfigResult
	if err := query(ctx, c, rotation, workflows.QueryConfig, &cfg); err != nil {
		return err
	}
	rotZone := viewZone(nil, cfg.Rotation.Timezone)
	q := workflows.ScheduleQuery{From: time.Now().UTC()}
	if start != nil {
		q.From = start.Start(rotZone).UTC()
	}
	q.To = calendar.AddWeeks(q.From, weeks, rotZone).UTC()
	var plan render.Plan
	if err := query(ctx, c, rotation, workflows.QuerySchedule, &plan, q); err != nil {
		return err
	}
	plan.Rotation = rotation
	if plan.Timezone == "" {
		plan.Timezone = cfg.Rotation.Timezone
	}
	if plan.Strategy == "" {
		plan.Strategy = strategyName(&cfg.Rotation)
	}
	plan.Shifts = normalizeShifts(plan.Shifts)
	if cfg.Paused && *rf.format != "json" && *rf.format != "csv" {
		fmt.Fprintf(stdout, "%s is paused%s: no planning or announcements until `rota resume %s`\n",
			rotation, reasonNote(cfg.PauseReason), rotation)
	}
	view := viewZone(loc, plan.Timezone)
	if len(plan.Shifts) == 0 && (*rf.format == "table" || *rf.format == "grid") {
		_, err := fmt.Fprintf(stdout, "%s: no shifts from %s to %s (the rotation may have ended, or not begun)\n",
			rotation, render.Local(q.From, view), render.Local(q.To, view))
		return err
	}
	return render.Write(stdout, *rf.format, plan, view)
}

func reasonNote(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

func runAudit(args []string, stdout io.Writer) error {
	r, err := openReadOne("audit", args, []string{"table", "json"}, nil, nil)
	if err != nil {
		return err
	}
	defer r.done()
	ctx, c, rotation, loc := r.ctx, r.c, r.rotation, r.loc
	rf := readFlags{format: &r.format}
	var entries []workflows.AuditEntry
	if err := query(ctx, c, rotation, workflows.QueryAudit, &entries); err != nil {
		return err
	}
	if entries == nil {
		entries = []workflows.AuditEntry{}
	}
	for i := range entries {
		entries[i].Time = entries[i].Time.UTC()
	}
	if *rf.format == "json" {
		return writeJSON(stdout, entries)
	}
	var cfg workflows.ConfigResult
	if loc == nil {
		if err := query(ctx, c, rotation, workflows.QueryConfig, &cfg); err != nil {
			return err
		}
	}
	return writeAudit(stdout, rotation, entries, viewZone(loc, cfg.Rotation.Timezone))
}

func writeAudit(w io.Writer, rotation string, entries []workflows.AuditEntry, loc *time.Location) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintf(w, "%s: no operations recorded\n", rotation)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: operations, oldest first, shown in %s\n", rotation, loc)
	fmt.Fprintln(tw, "WHEN\tOPERATION\tVIA\tBY\tRESULT\tINPUT")
	for _, e := range entries {
		result := "accepted"
		if !e.Accepted {
			result = "rejected: " + e.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", render.Local(e.Time, loc), e.Operation, e.Via, orDash(e.RequestedBy), result, e.Input)
		for _, n := range e.Notes {
			fmt.Fprintf(tw, "\t\t\t\t\t  %s\n", n)
		}
	}
	return tw.Flush()
}

func runStats(args []string, stdout io.Writer) error {
	r, err := openReadOne("stats", args, []string{"table", "json"}, nil, nil)
	if err != nil {
		return err
	}
	defer r.done()
	ctx, c, rotation := r.ctx, r.c, r.rotation
	format := &r.format
	var res workflows.StatsResult
	if err := query(ctx, c, rotation, workflows.QueryStats, &res); err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(stdout, res)
	}
	if h := res.Health.Health; h != "" && h != workflows.HealthOK {
		fmt.Fprintf(stdout, "%s is %s: rota status %s says why\n", rotation, h, rotation)
	}
	fmt.Fprintf(stdout, "%s: load per member over the shifts it keeps\n", rotation)
	return render.WriteReport(stdout, res.Report)
}
