package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// big builds a rotation of n members with daily shifts of size seats and
// three needs, every member qualified for some of them.
func big(b *testing.B, n, size int, strategy config.Strategy, shift calendar.Period) *Planner {
	b.Helper()
	skills := []string{"db", "net", "app"}
	members := make([]config.Member, n)
	ms := make([]config.Membership, n)
	for i := range n {
		id := fmt.Sprintf("m%04d", i)
		members[i] = config.Member{ID: id, Name: id, Skills: map[string]config.Level{
			skills[i%3]: config.Level(1 + i%4), skills[(i+1)%3]: config.Beginner,
		}}
		ms[i] = config.Membership{ID: id}
	}
	rot := &config.Rotation{
		ID: "big", Timezone: "Europe/London", Seed: 7,
		Start:   calendar.DateTime{Date: calendar.Date{Year: 2026, Month: 11, Day: 23}, Hour: 9},
		Shift:   shift,
		MinRest: 24 * time.Hour,
		Weekend: calendar.WeekdaysOf(time.Saturday, time.Sunday),
		Layers: []config.Layer{{Name: "main", Members: ms, Strategy: strategy, Size: size, Needs: []config.Need{
			{Skill: "db", Level: config.Advanced, Min: 1},
			{Skill: "net", Level: config.Beginner, Min: 1},
			{Skill: "app", Level: config.Intermediate, Max: 1, HasMax: true},
		}}},
	}
	p, err := New(rot, members)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPlanYear1000 plans 365 daily slots of size 2 with 3 needs for
// 1,000 members (target: at most 50 ms per op on one core).
func BenchmarkPlanYear1000(b *testing.B) {
	p := big(b, 1000, 2, config.Fair, calendar.Period{N: 1, Unit: calendar.Day})
	start := p.rot.Start.In(p.spec.Location)
	b.ResetTimer()
	for b.Loop() {
		st := p.NewState(start)
		if got := len(p.PlanShifts(st, 365)); got != 365 {
			b.Fatalf("planned %d", got)
		}
	}
}

// BenchmarkForecast30 forecasts 52 weekly lottery shifts for 30 members
// with 1,000 samples (target: at most 1 s per op).
func BenchmarkForecast30(b *testing.B) {
	p := big(b, 30, 2, config.Lottery, calendar.Period{N: 1, Unit: calendar.Week})
	st := p.NewState(p.rot.Start.In(p.spec.Location))
	b.ResetTimer()
	for b.Loop() {
		if f := p.Forecast(st, 52, 1000); len(f.Shifts) != 52 {
			b.Fatalf("forecast %d shifts", len(f.Shifts))
		}
	}
}

// BenchmarkPlanYearRound64 plans a year of daily shifts of two for a fair
// team of 64 without needs, the largest team whose slots are chosen by
// round (rule 6): each slot solves an assignment of 64 members to the
// round's seats.
func BenchmarkPlanYearRound64(b *testing.B) {
	p := restTeam(b, 64, 2, calendar.Period{N: 24, Unit: calendar.Hour}, 0, 5, nil)
	b.ResetTimer()
	for range b.N {
		p.PlanShifts(p.Begin(), 365)
	}
}
