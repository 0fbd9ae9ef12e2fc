package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/report"
)

// kinds are the spreads compared, in the table's order.
var kinds = []struct {
	name string
	of   func(report.Spread) int
}{
	{"all", func(s report.Spread) int { return s.Shifts }},
	{"weekday", func(s report.Spread) int { return s.Weekday }},
	{"weekend", func(s report.Spread) int { return s.Weekend }},
	{"holiday", func(s report.Spread) int { return s.Holiday }},
}

// writeResults writes the markdown results: the runs, the table, the
// checks.
func writeResults(b *strings.Builder, done []runResult, wall time.Duration) {
	fmt.Fprintf(b, "# Benchmark set: results\n\n")
	fmt.Fprintf(b, "Written by `make bench` (`go run ./bench/lab`): every run of the set simulated by the rotation lab "+
		"(the real workflow, time-skipping) under fair, queue and lottery. Everything but the wall times is deterministic "+
		"(fixed seeds). %s, %d CPUs, load average %s when written; %.0f s in all.\n\n",
		runtime.Version(), runtime.NumCPU(), loadAverage(), wall.Seconds())

	fmt.Fprintf(b, "| run | scenario | weeks | events | what |\n|---|---|---|---|---|\n")
	for _, d := range done {
		r := d.run
		ev := r.Events
		if ev == "" {
			ev = "-"
		}
		if r.Leave > 0 && r.Notice > 0 {
			ev = fmt.Sprintf("%s, random leave %.0f %% (seed %d) announced %.0f days ahead", ev, 100*r.Leave, r.Seed, r.Notice.Hours()/24)
			ev = strings.TrimPrefix(ev, "-, ")
		} else if r.Leave > 0 {
			ev = fmt.Sprintf("%s, random leave %.0f %% (seed %d)", ev, 100*r.Leave, r.Seed)
			ev = strings.TrimPrefix(ev, "-, ")
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s |\n", r.Name, r.File, r.Weeks, ev, r.What)
	}

	fmt.Fprintf(b, "\n| run | strategy | shifts | spread all/wd/we/hol | balance | coverage | need-v | rest-v | moved | events ok/all | wall s | hist. events/shift | payload B/shift |\n")
	fmt.Fprintf(b, "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range done {
		for _, rw := range d.rows {
			res, rp := rw.res, rw.res.Report
			ok := 0
			for _, e := range res.Events {
				if e.Applied {
					ok++
				}
			}
			fmt.Fprintf(b, "| %s | %s | %d | %d/%d/%d/%d | %.1f %% | %.1f %% | %d | %d | %d | %d/%d | %.1f | %.1f | %.0f |\n",
				d.run.Name, rw.strategy, len(res.Shifts), rp.Spread.Shifts, rp.Spread.Weekday, rp.Spread.Weekend, rp.Spread.Holiday,
				rp.Balance, rp.Coverage, rp.NeedViolations, rp.RestViolations, rw.moved, ok, len(res.Events),
				res.Run.WallSeconds, res.Run.ModelledHistoryEventsPerShift, res.Run.PayloadBytesPerShift)
		}
	}
	fmt.Fprintf(b, "\nspread: most minus fewest shifts served over the rotation's members at the end, in all and per kind "+
		"(wd weekday, we weekend, hol holiday); moved: shifts whose assignees differ from `rota plan`'s under the same strategy; "+
		"hist. events/shift: the lab's modelled history events per shift.\n")

	fmt.Fprintf(b, "\n## Checks\n\n")
	fmt.Fprintf(b, "Equal availability: members in the rotation from start to end, never away (no unavailable window, no from/until, "+
		"no leave_rotation), with the same skills (a run with needs has none). Their spreads, all/wd/we/hol, per strategy; "+
		"the target is fair's within 1.\n\n")
	fmt.Fprintf(b, "| run | fair lowest spread per kind | equal-availability members | their spread fair; queue; lottery | fair ≤ 1 | rest violations fair/queue/lottery |\n|---|---|---|---|---|---|\n")
	for _, d := range done {
		eq, who, their := "n/a", "none", "-"
		if st := d.rows[0].steady; len(st) >= 2 {
			who = fmt.Sprintf("%d", len(st))
			if len(st) <= 6 {
				who = strings.Join(st, ", ")
			}
			var sp []string
			for _, rw := range d.rows {
				s := rw.steadySpread
				sp = append(sp, fmt.Sprintf("%d/%d/%d/%d", s.Shifts, s.Weekday, s.Weekend, s.Holiday))
			}
			their = strings.Join(sp, "; ")
			eq = yesNo(allWithin(d.rows[0].steadySpread, 1))
		}
		var rest []string
		for _, rw := range d.rows {
			rest = append(rest, fmt.Sprint(rw.res.Report.RestViolations))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", d.run.Name, lowest(d.rows), who, their, eq, strings.Join(rest, "/"))
	}

	for _, d := range done {
		if !d.run.Years {
			continue
		}
		fmt.Fprintf(b, "\n### %s: spread at each year's end\n\n", d.run.Name)
		fmt.Fprintf(b, "Cumulative: of every shift from the start; year: of that year's shifts alone; max: the largest cumulative spread after any shift (report.json's spread_series).\n\n")
		fmt.Fprintf(b, "| strategy | cumulative, years 1… | year alone, years 1… | median year | max after any shift |\n|---|---|---|---:|---:|\n")
		for _, rw := range d.rows {
			var cum, yr []string
			var ys []int
			for _, y := range rw.years {
				cum = append(cum, fmt.Sprint(y.Cumulative))
				yr = append(yr, fmt.Sprint(y.Year))
				ys = append(ys, y.Year)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %d |\n", rw.strategy, strings.Join(cum, " "), strings.Join(yr, " "), median(ys), maxSeries(rw.res))
		}
		if d.run.TeamPrefix != "" {
			fmt.Fprintf(b, "\nWithin teams (members grouped by their `%s*` skill; the largest spread of any team):\n\n", d.run.TeamPrefix)
			fmt.Fprintf(b, "| strategy | teams | at the end | at each year's end |\n|---|---:|---:|---|\n")
			for _, rw := range d.rows {
				var ys []string
				for _, y := range rw.teams.ByYear {
					ys = append(ys, fmt.Sprint(y))
				}
				fmt.Fprintf(b, "| %s | %d | %d | %s |\n", rw.strategy, rw.teams.Teams, rw.teams.End, strings.Join(ys, " "))
			}
		}
	}

	header := false
	for _, d := range done {
		if d.rows[0].burst.Returns == 0 {
			continue
		}
		if !header {
			header = true
			fmt.Fprintf(b, "\n### Return from leave\n\n")
			fmt.Fprintf(b, "For each return from an away block (unavailable windows applied, merged where they touch) whose next 4 weeks lie "+
				"inside the run: served = the member's shifts starting in those 4 weeks; expected = their fair share of them: for each shift "+
				"the member is not away for, its seats ÷ the rotation's members not away for it (rest and grace not taken out). "+
				"Excess = served − expected, in shifts.\n\n")
			fmt.Fprintf(b, "| run | strategy | returns | served (mean) | expected (mean) | excess mean | excess max | returns with excess ≥ 1 |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
		}
		for _, rw := range d.rows {
			x := rw.burst
			fmt.Fprintf(b, "| %s | %s | %d | %.2f | %.2f | %+.2f | %+.2f | %d (%.0f %%) |\n", d.run.Name, rw.strategy, x.Returns,
				x.Served, x.Expected, x.MeanExcess, x.MaxExcess, x.OverOneShift, 100*float64(x.OverOneShift)/float64(max(x.Returns, 1)))
		}
	}
}

// lowest says whether the first row (fair) has the lowest spread of
// every kind, and where it does not.
func lowest(rows []row) string {
	fair := rows[0].res.Report.Spread
	var miss []string
	for _, k := range kinds {
		for _, rw := range rows[1:] {
			if o := k.of(rw.res.Report.Spread); o < k.of(fair) {
				miss = append(miss, fmt.Sprintf("%s (fair %d, %s %d)", k.name, k.of(fair), rw.strategy, o))
			}
		}
	}
	if len(miss) == 0 {
		return "yes"
	}
	return "no: " + strings.Join(miss, ", ")
}

func allWithin(s report.Spread, n int) bool {
	for _, k := range kinds {
		if k.of(s) > n {
			return false
		}
	}
	return true
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func median(xs []int) string {
	if len(xs) == 0 {
		return "-"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return fmt.Sprint(s[len(s)/2])
	}
	return fmt.Sprintf("%g", float64(s[len(s)/2-1]+s[len(s)/2])/2)
}

// loadAverage is the 1-minute load average, or "unknown".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
