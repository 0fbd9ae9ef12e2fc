package main

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/report"
	"github.com/rota-scheduler/rota/lab"
	"github.com/rota-scheduler/rota/workflows"
)

// burstWindow is how long after a return from leave the shifts served
// are counted.
const burstWindow = 28 * 24 * time.Hour

// window is a span a member was away: [from, to).
type window struct{ from, to time.Time }

// awayWindows are the members' windows of the unavailable events the
// workflow applied (scripted or random), merged where they touch, read
// back from each event's summary ("MEMBER unavailable FROM to TO", UTC
// RFC 3339).
func awayWindows(res *lab.Result) map[string][]window {
	away := map[string][]window{}
	for _, e := range res.Events {
		if e.Op != workflows.Unavailable || !e.Applied {
			continue
		}
		f := strings.Fields(e.Summary)
		if len(f) != 5 || f[1] != "unavailable" || f[3] != "to" {
			continue
		}
		from, err1 := time.Parse(time.RFC3339, f[2])
		to, err2 := time.Parse(time.RFC3339, f[4])
		if err1 != nil || err2 != nil || !to.After(from) {
			continue
		}
		away[f[0]] = append(away[f[0]], window{from, to})
	}
	for m, ws := range away {
		sort.Slice(ws, func(i, j int) bool { return ws[i].from.Before(ws[j].from) })
		merged := ws[:1]
		for _, w := range ws[1:] {
			last := &merged[len(merged)-1]
			if !w.from.After(last.to) {
				if w.to.After(last.to) {
					last.to = w.to
				}
				continue
			}
			merged = append(merged, w)
		}
		away[m] = merged
	}
	return away
}

// isAway reports whether one of ws overlaps [from, to).
func isAway(ws []window, from, to time.Time) bool {
	for _, w := range ws {
		if w.from.Before(to) && from.Before(w.to) {
			return true
		}
	}
	return false
}

// burst measures the shifts members serve just after coming back from
// leave. For each return (the end of a merged away window) whose next
// burstWindow lies inside the simulation, served is the member's shifts
// starting in that window, and expected their fair share of it: over the
// window's shifts for which the member is not away, each shift's seats
// (its assignees) divided by the rotation's members not away for it.
// Rest rules and grace are not taken out, so expected is the share of an
// equal split among those present. Excess is served minus expected.
type burst struct {
	Returns      int
	Served       float64 // mean per return
	Expected     float64 // mean per return
	MeanExcess   float64
	MaxExcess    float64
	OverOneShift int // returns with an excess of 1 shift or more
}

func returnBurst(res *lab.Result, members []string, away map[string][]window, span time.Duration) burst {
	var b burst
	b.MaxExcess = -1e9
	eligible := make([]int, len(res.Shifts))
	for i, sh := range res.Shifts {
		for _, m := range members {
			if !isAway(away[m], sh.Start, sh.End) {
				eligible[i]++
			}
		}
	}
	for _, m := range members {
		for _, w := range away[m] {
			back := w.to
			if !back.After(res.From) || back.Add(span).After(res.To) {
				continue
			}
			served, expected := 0, 0.0
			for i, sh := range res.Shifts {
				if sh.Start.Before(back) || !sh.Start.Before(back.Add(span)) {
					continue
				}
				if slices.Contains(sh.Assignees, m) {
					served++
				}
				if !isAway(away[m], sh.Start, sh.End) && eligible[i] > 0 {
					expected += float64(len(sh.Assignees)) / float64(eligible[i])
				}
			}
			excess := float64(served) - expected
			b.Returns++
			b.Served += float64(served)
			b.Expected += expected
			b.MeanExcess += excess
			b.MaxExcess = max(b.MaxExcess, excess)
			if excess >= 1-1e-9 {
				b.OverOneShift++
			}
		}
	}
	if b.Returns == 0 {
		return burst{}
	}
	n := float64(b.Returns)
	b.Served, b.Expected, b.MeanExcess = b.Served/n, b.Expected/n, b.MeanExcess/n
	return b
}

// yearSpread is the spread of shifts served (most minus fewest, over the
// rotation's members) at the end of a year of the simulation: of every
// shift until then (cumulative), and of that year's shifts alone.
type yearSpread struct {
	Cumulative, Year int
}

func yearSpreads(res *lab.Result, members []string) []yearSpread {
	var out []yearSpread
	for k := 1; ; k++ {
		end := res.From.AddDate(k, 0, 0)
		if end.After(res.To) {
			break
		}
		begin := res.From.AddDate(k-1, 0, 0)
		cum, year := map[string]int{}, map[string]int{}
		for _, sh := range res.Shifts {
			if !sh.Start.Before(end) {
				break
			}
			for _, a := range sh.Assignees {
				cum[a]++
				if !sh.Start.Before(begin) {
					year[a]++
				}
			}
		}
		out = append(out, yearSpread{Cumulative: spreadOf(cum, members), Year: spreadOf(year, members)})
	}
	return out
}

// spreadOf is the most minus the fewest of n over members.
func spreadOf(n map[string]int, members []string) int {
	if len(members) == 0 {
		return 0
	}
	lo, hi := n[members[0]], n[members[0]]
	for _, m := range members[1:] {
		lo, hi = min(lo, n[m]), max(hi, n[m])
	}
	return hi - lo
}

// maxSeries is the largest spread after any shift (report.json's
// spread_series).
func maxSeries(res *lab.Result) int {
	hi := 0
	for _, p := range res.Spread {
		hi = max(hi, p.Spread.Shifts)
	}
	return hi
}

// teamSpread is the spread of shifts within each team (members grouped
// by their skill of the team prefix), its largest over the teams at the
// end, and at each year's end.
type teamSpread struct {
	Teams   int
	End     int   // the largest team spread at the end
	ByYear  []int // the largest team spread at each year's end
	Members int   // members in a team
}

func teamSpreads(res *lab.Result, all []config.Member, members []string, prefix string) teamSpread {
	team := map[string]string{}
	for _, m := range all {
		if !slices.Contains(members, m.ID) {
			continue
		}
		var names []string
		for s := range m.Skills {
			if strings.HasPrefix(s, prefix) {
				names = append(names, s)
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			team[m.ID] = names[0]
		}
	}
	byTeam := map[string][]string{}
	for _, m := range members {
		if t, ok := team[m]; ok {
			byTeam[t] = append(byTeam[t], m)
		}
	}
	worst := func(until time.Time) int {
		n := map[string]int{}
		for _, sh := range res.Shifts {
			if !sh.Start.Before(until) {
				break
			}
			for _, a := range sh.Assignees {
				n[a]++
			}
		}
		w := 0
		for _, ms := range byTeam {
			w = max(w, spreadOf(n, ms))
		}
		return w
	}
	ts := teamSpread{Teams: len(byTeam), Members: len(team), End: worst(res.To)}
	for k := 1; !res.From.AddDate(k, 0, 0).After(res.To); k++ {
		ts.ByYear = append(ts.ByYear, worst(res.From.AddDate(k, 0, 0)))
	}
	return ts
}

// steadyMembers are the members with equal availability throughout: in
// the rotation from its start to the end (no from or until in the
// config, not taken out by a leave_rotation event) and never away (no
// unavailable window applied, none in the config).
func steadyMembers(opt lab.Options, away map[string][]window) []string {
	left := map[string]bool{}
	for _, e := range opt.Events {
		if e.Op == lab.OpLeaveRotation {
			left[e.Member] = true
		}
	}
	windows := map[string]bool{}
	for _, m := range opt.Members {
		windows[m.ID] = len(m.Unavailable) > 0
	}
	var out []string
	for _, l := range opt.Rotation.Layers {
		for _, ms := range l.Members {
			if ms.From != nil || ms.Until != nil || left[ms.ID] || windows[ms.ID] || len(away[ms.ID]) > 0 || slices.Contains(out, ms.ID) {
				continue
			}
			out = append(out, ms.ID)
		}
	}
	return out
}

// spreadAmong is the spread of shifts served, in all and per kind, over
// members only.
func spreadAmong(res *lab.Result, members []string) report.Spread {
	all, kind := map[string]int{}, map[string]map[string]int{}
	for _, k := range []string{"weekday", "weekend", "holiday"} {
		kind[k] = map[string]int{}
	}
	for _, sh := range res.Shifts {
		for _, a := range sh.Assignees {
			all[a]++
			if kind[sh.Kind] != nil {
				kind[sh.Kind][a]++
			}
		}
	}
	return report.Spread{Shifts: spreadOf(all, members), Weekday: spreadOf(kind["weekday"], members),
		Weekend: spreadOf(kind["weekend"], members), Holiday: spreadOf(kind["holiday"], members)}
}
