package engine

import (
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// count returns how many of shifts each member serves.
func count(shifts []Shift) map[string]int {
	out := map[string]int{}
	for _, sh := range shifts {
		for _, m := range sh.Assignees {
			out[m]++
		}
	}
	return out
}

// TestTimeAwayCreatesNoDebt: a member away for four weeks, or joining four
// weeks late, serves no more than the others afterwards, and nothing while
// away or before joining.
func TestTimeAwayCreatesNoDebt(t *testing.T) {
	for _, c := range []string{"away", "joins", "leaves"} {
		t.Run(c, func(t *testing.T) {
			p := team(t, 6, 23, 24*time.Hour, config.Fair)
			loc := p.spec.Location
			from := calendar.Date{Year: 2026, Month: 12, Day: 7}
			to := from.AddDays(27) // four whole weeks
			switch c {
			case "away":
				p.members[0].away = []span{{from.StartIn(loc), to.AddDays(1).StartIn(loc)}}
			case "joins":
				p.layers[0].from[0] = to.AddDays(1).StartIn(loc)
			case "leaves":
				p.layers[0].until[0] = from.StartIn(loc)
			}
			st := p.NewState(p.rot.Start.In(loc))
			before := p.PlanUntil(st, from.StartIn(loc))
			during := p.PlanUntil(st, to.AddDays(1).StartIn(loc))
			after := p.PlanUntil(st, to.AddDays(1+6*7).StartIn(loc))
			if n := count(during)["m0"]; n != 0 {
				t.Errorf("m0 serves %d shifts while out", n)
			}
			if c == "joins" && count(before)["m0"] != 0 {
				t.Errorf("m0 serves before joining")
			}
			a := count(after)
			lo, hi := 1000, 0
			for id, n := range a {
				if id != "m0" {
					lo, hi = min(lo, n), max(hi, n)
				}
			}
			t.Logf("six weeks after: m0 %d, others %d..%d", a["m0"], lo, hi)
			if c == "leaves" {
				if a["m0"] != 0 {
					t.Errorf("m0 serves %d shifts after leaving", a["m0"])
				}
				return
			}
			if a["m0"] > hi+1 {
				t.Errorf("m0 catches up: %d shifts in six weeks, others %d..%d", a["m0"], lo, hi)
			}
			if a["m0"] < lo-1 {
				t.Errorf("m0 is left out: %d shifts in six weeks, others %d..%d", a["m0"], lo, hi)
			}
		})
	}
}
