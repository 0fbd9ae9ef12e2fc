package engine

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// TestFairSharesAreTheLedgersExpected plans a year with time away and
// bounds, and a year without, and checks that FairShares, computed from
// the shifts, equals what the ledgers kept as Expected.
func TestFairSharesAreTheLedgersExpected(t *testing.T) {
	from, to := calendar.Date{Year: 2026, Month: 3, Day: 2}, calendar.Date{Year: 2026, Month: 3, Day: 15}
	leave := map[string][]config.Window{"m3": {{From: calendar.Moment{Date: &from}, To: calendar.Moment{Date: &to}}}}
	for _, p := range []*Planner{
		restTeam(t, 7, 2, calendar.Period{N: 12, Unit: calendar.Hour}, 24*time.Hour, 11, leave),
		restTeam(t, 5, 1, calendar.Period{N: 24, Unit: calendar.Hour}, 0, 5, nil),
		team(t, 6, 23, 0, config.Fair),
	} {
		st := p.Begin()
		st.Away = append(st.Away, Away{Member: "m1", From: p.spec.Start.In(p.spec.Location).AddDate(0, 2, 0), To: p.spec.Start.In(p.spec.Location).AddDate(0, 2, 9)})
		shifts := slices.Clone(p.PlanShifts(st, 400))
		got := p.FairShares(shifts, st)
		if len(got) != len(st.Ledgers) {
			t.Fatalf("%d shares, %d ledgers", len(got), len(st.Ledgers))
		}
		for id, led := range st.Ledgers {
			g, e := got[id], led.Expected
			for _, d := range []float64{g.Weekday - e.Weekday, g.Weekend - e.Weekend, g.Holiday - e.Holiday, g.Hours - e.Hours} {
				if math.Abs(d) > 1e-6 {
					t.Fatalf("%s: share %+v, ledger %+v", id, g, e)
				}
			}
		}
	}
}
