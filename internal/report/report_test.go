package report

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

func shift(day int, kind calendar.Kind, hours int, who ...string) engine.Shift {
	start := time.Date(2027, 3, day, 9, 0, 0, 0, time.UTC)
	return engine.Shift{ID: start.Format(time.RFC3339), Layer: "main", Kind: kind, Start: start,
		End: start.Add(time.Duration(hours) * time.Hour), Assignees: who}
}

func TestBuild(t *testing.T) {
	shifts := []engine.Shift{
		shift(1, calendar.Weekday, 24, "a"),
		shift(2, calendar.Weekday, 24, "b"), // b again the next day: a rest violation
		shift(3, calendar.Weekday, 24, "b"),
		shift(6, calendar.Weekend, 24, "a"),
		shift(8, calendar.Holiday, 24), // nobody: a seat not filled
	}
	shifts[4].Violations = 1
	r := Build(Input{Shifts: shifts, Members: []string{"a", "b", "c"}, MinRest: 24 * time.Hour})
	want := []Member{
		{ID: "a", Shifts: 2, Hours: 48, Weekday: 1, Weekend: 1, WeekdayHours: 24, WeekendHours: 24},
		{ID: "b", Shifts: 2, Hours: 48, Weekday: 2, WeekdayHours: 48},
		{ID: "c"},
	}
	for i, m := range want {
		if r.Members[i] != m {
			t.Errorf("member %d: %+v, want %+v", i, r.Members[i], m)
		}
	}
	if r.Spread != (Spread{Shifts: 2, Weekday: 2, Weekend: 1, Holiday: 0}) {
		t.Errorf("spread %+v", r.Spread)
	}
	// Pairs: (a,b) 48/48 = 1, (a,c) 0, (b,c) 0: mean 1/3.
	if r.Balance != 33.3 {
		t.Errorf("balance %v, want 33.3", r.Balance)
	}
	if r.Coverage != 80 {
		t.Errorf("coverage %v, want 80", r.Coverage)
	}
	if r.NeedViolations != 1 || r.RestViolations != 1 {
		t.Errorf("violations: need %d rest %d", r.NeedViolations, r.RestViolations)
	}
}

func TestRestViolationsShortGap(t *testing.T) {
	// 12h shifts with 12h min_rest: a member on 09:00-21:00 and again at
	// 09:00 the next day has rested 12h (fine); at 21:00 the same day, not.
	a := engine.Shift{Start: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 1, 21, 0, 0, 0, time.UTC), Assignees: []string{"a"}}
	b := a
	b.Start, b.End = a.End, a.End.Add(12*time.Hour)
	c := a
	c.Start, c.End = a.Start.Add(48*time.Hour), a.End.Add(48*time.Hour)
	r := Build(Input{Shifts: []engine.Shift{a, b, c}, Members: []string{"a"}, MinRest: 12 * time.Hour})
	if r.RestViolations != 1 {
		t.Errorf("rest violations %d, want 1", r.RestViolations)
	}
	if r.Balance != 100 || r.Coverage != 100 {
		t.Errorf("one member: balance %v, coverage %v", r.Balance, r.Coverage)
	}
}

// TestOfStateKeepsPrunedLoad: after old shifts are pruned from a state,
// the report of the state still counts them.
func TestOfStateKeepsPrunedLoad(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "scenarios", "sre-24h.yaml")
	cfg, err := config.Load(path)
	if err != nil {
		t.Skip(err)
	}
	rot, _ := cfg.Rotation("sre")
	p, err := engine.New(rot, cfg.Members)
	if err != nil {
		t.Fatal(err)
	}
	st := p.NewState(rot.Start.In(p.Calendar().Location))
	all := slices.Clone(p.PlanShifts(st, 56))
	want := Of(p, all)
	st.Prune(all[42].Start)
	if len(st.Shifts) >= len(all) {
		t.Fatal("nothing pruned")
	}
	got := OfState(p, st)
	if !slices.Equal(got.Members, want.Members) || got.Spread != want.Spread || got.Balance != want.Balance {
		t.Errorf("after pruning:\n%+v\nwant\n%+v", got, want)
	}
	// Hours by kind come from the ledgers too (each member has some of
	// every kind in these eight weeks, so a zero would show).
	for _, m := range got.Members {
		if m.WeekdayHours == 0 || m.WeekendHours == 0 || m.WeekdayHours+m.WeekendHours+m.HolidayHours != m.Hours {
			t.Errorf("%s: hours %v by kind %v + %v + %v", m.ID, m.Hours, m.WeekdayHours, m.WeekendHours, m.HolidayHours)
		}
	}
	if partial := Of(p, st.Shifts); slices.Equal(partial.Members, want.Members) {
		t.Error("the kept shifts alone give the same report: the test shows nothing")
	}
}

// TestRestOfExactlyMinRestIsNoViolation is the case: three
// members, 12h shifts, min_rest 24h, queue, six shifts. Every rest is
// exactly 24h, so none breaks the rule, though each serves again on the
// next calendar day.
func TestRestOfExactlyMinRestIsNoViolation(t *testing.T) {
	p := plannerOf(t, `version: 1
members: [{id: a}, {id: b}, {id: c}]
rotations:
  - id: r
    timezone: UTC
    start: 2026-01-11T09:00
    shift: 12h
    strategy: queue
    min_rest: 24h
    members: [a, b, c]
`)
	shifts := p.PlanShifts(p.Begin(), 6)
	for i := 3; i < len(shifts); i++ {
		if rest := shifts[i].Start.Sub(shifts[i-3].End); shifts[i].Assignees[0] != shifts[i-3].Assignees[0] || rest != 24*time.Hour {
			t.Fatalf("shift %d: %v after %v, rest %s: not the case of the issue", i, shifts[i].Assignees, shifts[i-3].Assignees, rest)
		}
	}
	if r := Of(p, shifts); r.RestViolations != 0 {
		t.Errorf("rest violations %d, want 0", r.RestViolations)
	}
}

// pairMeanQuadratic is the definition of the balance score, pair by pair.
func pairMeanQuadratic(ms []Member) float64 {
	sum, pairs := 0.0, 0
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			a, b := ms[i].Hours, ms[j].Hours
			if hi := max(a, b); hi > 0 {
				sum += min(a, b) / hi
			} else {
				sum++
			}
			pairs++
		}
	}
	return sum / float64(pairs)
}

// TestBalanceIsTheMeanOverPairs: the sorted computation equals the pair
// by pair definition, with zeros, ties and a wide range of loads.
func TestBalanceIsTheMeanOverPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for n := 2; n < 60; n++ {
		ms := make([]Member, n)
		for i := range ms {
			switch rng.IntN(4) {
			case 0: // no hours
			case 1:
				ms[i].Hours = 24
			default:
				ms[i].Hours = float64(rng.IntN(2000)) / 4
			}
		}
		if got, want := pairMean(ms), pairMeanQuadratic(ms); math.Abs(got-want) > 1e-9 {
			t.Fatalf("%d members: %v, pair by pair %v", n, got, want)
		}
	}
}

// BenchmarkBalance100k is the balance score of 100,000 members:
// go test ./internal/report/ -run '^$' -bench Balance
func BenchmarkBalance100k(b *testing.B) {
	ms := make([]Member, 100000)
	for i := range ms {
		ms[i].Hours = float64(i%97) * 12
	}
	b.ResetTimer()
	for b.Loop() {
		balance(ms)
	}
}

// BenchmarkReportYear100k is the report of a year of daily shifts (two
// seats) for 100,000 members:
// go test ./internal/report/ -run '^$' -bench ReportYear
func BenchmarkReportYear100k(b *testing.B) {
	const n = 100000
	members := make([]string, n)
	for i := range members {
		members[i] = "m" + strconv.Itoa(i)
	}
	shifts := make([]engine.Shift, 365)
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for d := range shifts {
		start := t0.AddDate(0, 0, d)
		shifts[d] = engine.Shift{Start: start, End: start.Add(24 * time.Hour), Kind: calendar.Weekday,
			Assignees: []string{members[(2*d)%n], members[(2*d+1)%n]}}
	}
	in := Input{Shifts: shifts, Members: members, Size: func(string) int { return 2 }, MinRest: 24 * time.Hour}
	b.ResetTimer()
	for b.Loop() {
		Build(in)
	}
}

// TestBeyondLimit measures plans against each member's fair share: with
// equal availability, a spread of 3 weekends is 2 beyond the limit; a
// member away for half the shifts is measured against half a share, not
// against those who were there; OfState gives the same from the ledgers.
func TestBeyondLimit(t *testing.T) {
	p := plannerOf(t, `version: 1
members:
  - {id: a}
  - {id: b}
  - {id: c, unavailable: [{from: 2027-03-01, to: 2027-03-07}]}
rotations:
  - id: r
    timezone: UTC
    start: 2027-03-01T09:00
    shift: 1d
    strategy: queue
    members: [a, b, c]
`)
	st := p.Begin()
	planned := p.PlanShifts(st, 12) // c away the first 6 days, then a, b, c in turn
	if r := Of(p, planned); r.BeyondLimit != (Spread{}) || r.Spread.Shifts < 2 {
		t.Errorf("the queue's own plan: spread %+v, beyond %+v; want beyond 0 (c had half a share)", r.Spread, r.BeyondLimit)
	}
	if r := OfState(p, st); r.BeyondLimit != (Spread{}) {
		t.Errorf("from the ledgers: beyond %+v, want 0", r.BeyondLimit)
	}

	// The same twelve days handed to a and b only, the weekend to a. c was
	// away the first week (to is inclusive), so the shares are a and b 5⅙
	// shifts (2 weekend days between them), c 1⅔: a is 7 (+1⅚), b 5 (−⅙),
	// c 0 (−1⅔): a spread of 3½ against the shares, 2 whole shifts beyond
	// the limit; weekends a +1, b −1, c 0: 1 beyond; weekdays 1 beyond.
	var unfair []engine.Shift
	for i, sh := range planned {
		sh.Assignees = []string{"b"}
		if i%2 == 0 || sh.Kind == calendar.Weekend {
			sh.Assignees = []string{"a"}
		}
		unfair = append(unfair, sh)
	}
	r := Of(p, unfair)
	if want := (Spread{Shifts: 2, Weekday: 1, Weekend: 1}); r.BeyondLimit != want {
		t.Errorf("beyond %+v (spread %+v), want %+v", r.BeyondLimit, r.Spread, want)
	}
}

// plannerOf loads a config's first rotation and returns its planner.
func plannerOf(t *testing.T, yaml string) *engine.Planner {
	t.Helper()
	cfg, err := config.Parse("t.yaml", []byte(yaml), "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.New(&cfg.Rotations[0], cfg.Members)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
