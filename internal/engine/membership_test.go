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

// TestNoShiftPastUntil: a member leaving on a date is not given a shift
// that does not end by then (issue: a, until 2026-01-14, got Jan 12-19).
func TestNoShiftPastUntil(t *testing.T) {
	cfg, err := config.Parse("t.yaml", []byte(`version: 1
members: [{id: a}, {id: b}]
rotations:
  - id: r
    timezone: UTC
    start: 2026-01-05T09:00
    shift: 1w
    strategy: queue
    members: [b, {id: a, until: 2026-01-14}]
`), "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(&cfg.Rotations[0], cfg.Members)
	if err != nil {
		t.Fatal(err)
	}
	shifts := p.PlanShifts(p.Begin(), 4)
	until := time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC)
	for _, sh := range shifts {
		if sh.Has("a") && sh.End.After(until) {
			t.Errorf("a serves %s..%s, past until %s", sh.Start, sh.End, until)
		}
	}
}
