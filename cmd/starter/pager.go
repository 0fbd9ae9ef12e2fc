package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/activities/pagers"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// pagerRow is one shift: who rota has on it, and who each paging tool
// has on call in its middle.
type pagerRow struct {
	Shift string              `json:"shift"`
	Start time.Time           `json:"start"`
	End   time.Time           `json:"end"`
	Rota  []string            `json:"rota"`
	Tools map[string][]string `json:"tools"` // tool -> its users on call
	Want  map[string][]string `json:"want"`  // tool -> rota's assignees as the tool names them
	Same  bool                `json:"same"`
}

// runPager shows, for the next weeks, what rota plans and what each
// paging tool holds, and fails (exit 1) when they differ: for monitoring.
// It asks the tools itself, with the worker's environment variables.
func runPager(args []string, stdout io.Writer) error {
	var weeks int
	r, err := openReadOne("pager", args, []string{"table", "json"}, func(fs *flag.FlagSet) {
		fs.IntVar(&weeks, "weeks", 2, "compare this many weeks")
	}, func() error {
		if weeks < 1 || weeks > workflows.MaxScheduleWeeks {
			return usagef("--weeks must be between 1 and %d", workflows.MaxScheduleWeeks)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer r.done()
	var cfg workflows.ConfigResult
	if err := query(r.ctx, r.c, r.rotation, workflows.QueryConfig, &cfg); err != nil {
		return err
	}
	uses := cfg.Rotation.Pagers()
	if len(uses) == 0 {
		return fmt.Errorf("rotation %s has no opsgenie or pagerduty block", r.rotation)
	}
	ps, status, err := pagers.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	tool := func(name string) activities.Pager {
		for _, p := range ps {
			if p.Name() == name {
				return p
			}
		}
		return nil
	}
	for _, u := range uses {
		if tool(u.Tool) == nil {
			for _, s := range status {
				if s.Name == u.Tool {
					return fmt.Errorf("rotation %s uses %s: set %s (and %s if not %s)", r.rotation, u.Tool, s.SecretVar, s.URLVar, s.DefaultURL)
				}
			}
		}
	}
	now := time.Now().UTC()
	var plan render.Plan
	q := workflows.ScheduleQuery{From: now, To: now.AddDate(0, 0, 7*weeks)}
	if err := query(r.ctx, r.c, r.rotation, workflows.QuerySchedule, &plan, q); err != nil {
		return err
	}
	members := map[string]config.Member{}
	for _, m := range cfg.Members {
		members[m.ID] = m
	}
	var rows []pagerRow
	differ := 0
	for _, sh := range plan.Shifts {
		if sh.Status == workflows.StatusForecast || !sh.End.After(now) {
			continue
		}
		at := sh.Start.Add(sh.End.Sub(sh.Start) / 2)
		if sh.Status == workflows.StatusCurrent {
			at = now
		}
		row := pagerRow{Shift: sh.ID, Start: sh.Start, End: sh.End, Rota: sh.Assignees, Tools: map[string][]string{}, Want: map[string][]string{}, Same: true}
		for _, u := range uses {
			p := tool(u.Tool)
			ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
			have, err := p.OnCall(ctx, u.Schedule, at)
			var want []string
			for _, id := range sh.Assignees {
				if name, err2 := p.User(ctx, members[id]); err2 == nil {
					want = append(want, name)
				} else if err == nil {
					err = err2
				}
			}
			cancel()
			if err != nil {
				return fmt.Errorf("%s: %w", u.Tool, err)
			}
			slices.Sort(have)
			slices.Sort(want)
			row.Tools[u.Tool], row.Want[u.Tool] = have, want
			if !slices.Equal(slices.Compact(have), slices.Compact(want)) {
				row.Same = false
			}
		}
		if !row.Same {
			differ++
		}
		rows = append(rows, row)
	}
	if r.format == "json" {
		if err := writeJSON(stdout, rows); err != nil {
			return err
		}
	} else {
		loc := viewZone(r.loc, cfg.Rotation.Timezone)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		head := []string{"START", "END", "ROTA"}
		for _, u := range uses {
			head = append(head, strings.ToUpper(u.Tool)+" ("+u.Schedule+")")
		}
		fmt.Fprintln(tw, strings.Join(append(head, ""), "\t"))
		for _, row := range rows {
			cells := []string{render.Local(row.Start, loc), render.Local(row.End, loc), render.Who(row.Rota)}
			for _, u := range uses {
				cells = append(cells, render.Who(row.Tools[u.Tool]))
			}
			mark := "ok"
			if !row.Same {
				mark = "DIFFERS"
			}
			fmt.Fprintln(tw, strings.Join(append(cells, mark), "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if differ > 0 {
		return fmt.Errorf("%d of %d shifts differ between rota and the pager", differ, len(rows))
	}
	return nil
}
