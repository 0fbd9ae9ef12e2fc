package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// team is a rotation of n members taking daily 24h shifts at 09:00 London
// time from the given day of November 2026, with UK Christmas holidays.
func team(t testing.TB, n int, startDay int, rest time.Duration, strategy config.Strategy) *Planner {
	t.Helper()
	var members []config.Member
	var ms []config.Membership
	for i := range n {
		id := fmt.Sprintf("m%d", i)
		members = append(members, config.Member{ID: id, Name: id})
		ms = append(ms, config.Membership{ID: id})
	}
	rot := &config.Rotation{
		ID: "r", Timezone: "Europe/London",
		Start: calendar.DateTime{Date: calendar.Date{Year: 2026, Month: 11, Day: startDay}, Hour: 9},
		Shift: calendar.Period{N: 1, Unit: calendar.Day}, MinRest: rest,
		Weekend: calendar.WeekdaysOf(time.Saturday, time.Sunday),
		Holidays: []calendar.Date{{Year: 2026, Month: 12, Day: 25}, {Year: 2026, Month: 12, Day: 26},
			{Year: 2027, Month: 1, Day: 1}},
		Layers: []config.Layer{{Name: "main", Members: ms, Strategy: strategy, Size: 1}},
	}
	p, err := New(rot, members)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFairSpreadsOverAYear plans a year of daily shifts for teams of 4 to
// 10, with and without a day of rest between shifts, starting on each day
// of a week, and checks that total, weekend and holiday shifts are each
// within 1 of one another after 52 weeks.
func TestFairSpreadsOverAYear(t *testing.T) {
	for n := 4; n <= 10; n++ {
		for _, rest := range []time.Duration{0, 24 * time.Hour} {
			for startDay := 23; startDay <= 29; startDay++ {
				p := team(t, n, startDay, rest, config.Fair)
				st := p.NewState(p.rot.Start.In(p.spec.Location))
				p.PlanShifts(st, 364)
				lo, hi := [4]float64{1e9, 1e9, 1e9, 1e9}, [4]float64{}
				for _, led := range st.Ledgers {
					a := led.Actual
					for i, v := range [4]float64{a.Total(), a.Weekday, a.Weekend, a.Holiday} {
						lo[i], hi[i] = min(lo[i], v), max(hi[i], v)
					}
				}
				if hi[0]-lo[0] > 1 || hi[2]-lo[2] > 1 || hi[3]-lo[3] > 1 {
					t.Errorf("n=%d rest=%v start=Nov %d: spread total %v, weekend %v, holiday %v",
						n, rest, startDay, hi[0]-lo[0], hi[2]-lo[2], hi[3]-lo[3])
				}
			}
		}
	}
}
