package labpage

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// view is what the template shows: every string and coordinate made here.
type view struct {
	Rotation, Strategy string
	Zone, ZoneNote     string // the zone times are shown in; why it is not the rotation's
	Period             string
	Shifts, Members    int
	Spread             report.Spread
	BeyondLimit        report.Spread
	Balance, Coverage  string
	NeedViolations     int
	RestViolations     int

	Run *runView // nil: not measured

	Events        []eventRow
	EventsOmitted int

	Compare []compareRow

	Weekdays   []string
	Weeks      []weekRow
	WeeksTotal int
	WeeksShown string // what part of the grid is shown, when not all

	Bars      barChart
	Heat      heatMap
	Line      lineChart
	MemberCap string // what the bar chart and heat map leave out, when they do
}

type runView struct {
	EventsPerShift, BytesPerShift, Wall string
	ContinueAsNew                       int
	Activities                          []ActivityCount
}

type eventRow struct {
	At, Op, Summary, Applied, Reason string
	OK                               bool
}

type compareRow struct {
	Strategy                              string
	Spread                                report.Spread
	Balance, Coverage                     string
	NeedViolations, RestViolations, Moved int
}

// weekRow is a week of the grid, or (Gap > 0) the weeks left out.
type weekRow struct {
	Label string
	Days  [7]string
	Gap   int
}

func build(in Input) view {
	loc, note := zone(in.Timezone)
	r := in.Report
	if !slices.IsSortedFunc(in.Shifts, byStart) {
		in.Shifts = slices.Clone(in.Shifts)
		slices.SortStableFunc(in.Shifts, byStart)
	}
	v := view{
		Rotation: in.Rotation, Strategy: in.Strategy,
		Zone: loc.String(), ZoneNote: note,
		Shifts: len(in.Shifts), Members: len(r.Members),
		Spread: r.Spread, BeyondLimit: r.BeyondLimit, Balance: number(r.Balance) + "%", Coverage: number(r.Coverage) + "%",
		NeedViolations: r.NeedViolations, RestViolations: r.RestViolations,
		Weekdays: []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
	}
	if len(in.Shifts) > 0 {
		first, last := in.Shifts[0].Start, in.Shifts[0].End
		for _, sh := range in.Shifts {
			if sh.Start.Before(first) {
				first = sh.Start
			}
			if sh.End.After(last) {
				last = sh.End
			}
		}
		v.Period = local(first, loc) + " to " + local(last, loc)
	}
	if run := in.Run; run.ModelledEventsPerShift != 0 || run.PayloadBytesPerShift != 0 || run.ContinueAsNew != 0 ||
		len(run.Activities) != 0 || run.WallSeconds != 0 {
		v.Run = &runView{
			EventsPerShift: number(run.ModelledEventsPerShift), BytesPerShift: strconv.FormatFloat(math.Round(run.PayloadBytesPerShift), 'f', -1, 64),
			Wall: number(run.WallSeconds) + " s", ContinueAsNew: run.ContinueAsNew, Activities: run.Activities,
		}
	}
	for i, e := range in.Events {
		if i == MaxEvents {
			v.EventsOmitted = len(in.Events) - MaxEvents
			break
		}
		row := eventRow{At: "–", Op: e.Op, Summary: e.Summary, Applied: "no", Reason: e.Reason, OK: e.Applied}
		if !e.At.IsZero() {
			row.At = local(e.At, loc)
		}
		if e.Applied {
			row.Applied = "yes"
		}
		v.Events = append(v.Events, row)
	}
	for _, c := range in.Compare {
		v.Compare = append(v.Compare, compareRow{Strategy: c.Strategy, Spread: c.Spread,
			Balance: number(c.Balance) + "%", Coverage: number(c.Coverage) + "%",
			NeedViolations: c.NeedViolations, RestViolations: c.RestViolations, Moved: c.Moved})
	}

	weeks := WeekGrid(in.Shifts, loc)
	v.WeeksTotal = len(weeks)
	v.Weeks = weekRows(weeks)
	if len(weeks) > GridHeadWeeks+GridTailWeeks {
		v.WeeksShown = fmt.Sprintf("the first %d and the last %d of %d weeks", GridHeadWeeks, GridTailWeeks, len(weeks))
	}

	shown, left := Extremes(r.Members, ChartMembers)
	if left > 0 {
		v.MemberCap = fmt.Sprintf("%d of %d members: the %d with the most shifts and the %d with the fewest",
			len(shown), len(r.Members), ChartMembers/2, len(shown)-ChartMembers/2)
	}
	v.Bars = bars(shown)
	ids := make([]string, len(shown))
	for i, m := range shown {
		ids[i] = m.ID
	}
	v.Heat = heat(WeekdayCounts(ids, in.Shifts, loc))

	all := make([]string, len(r.Members))
	for i, m := range r.Members {
		all[i] = m.ID
	}
	v.Line = line(CumulativeSpread(all, in.Shifts), loc)
	return v
}

func byStart(a, b render.Shift) int { return a.Start.Compare(b.Start) }

// weekRows is the grid's rows: every week, or the first and the last
// with a row saying how many are left out between them.
func weekRows(weeks []Week) []weekRow {
	row := func(w Week) weekRow { return weekRow{Label: w.Monday.String(), Days: w.Days} }
	var out []weekRow
	if len(weeks) <= GridHeadWeeks+GridTailWeeks {
		for _, w := range weeks {
			out = append(out, row(w))
		}
		return out
	}
	for _, w := range weeks[:GridHeadWeeks] {
		out = append(out, row(w))
	}
	out = append(out, weekRow{Gap: len(weeks) - GridHeadWeeks - GridTailWeeks})
	for _, w := range weeks[len(weeks)-GridTailWeeks:] {
		out = append(out, row(w))
	}
	return out
}

// local formats t for people in loc, with the zone's abbreviation.
func local(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
}

// number formats x with at most one decimal: 12, 12.5.
func number(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}
