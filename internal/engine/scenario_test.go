package engine_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/report"
)

// scenario loads a file of ../shared/scenarios, or skips when it is absent.
func scenario(t testing.TB, name string) *config.Config {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "scenarios", name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("scenario %s not found: %v", name, err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func planner(t testing.TB, cfg *config.Config, rotation string) *engine.Planner {
	t.Helper()
	rot, ok := cfg.Rotation(rotation)
	if !ok {
		t.Fatalf("no rotation %s", rotation)
	}
	p, err := engine.New(rot, cfg.Members)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// planWeeks plans n weeks from the rotation's start.
func planWeeks(t testing.TB, p *engine.Planner, n int) ([]engine.Shift, *engine.State) {
	t.Helper()
	spec := p.Calendar()
	start := spec.Start.In(spec.Location)
	end := calendar.DateTime{Date: spec.Start.Date.AddDays(7 * n), Hour: spec.Start.Hour, Minute: spec.Start.Minute}.In(spec.Location)
	st := p.NewState(start)
	return slices.Clone(p.PlanUntil(st, end)), st
}

func TestSREYearIsEven(t *testing.T) {
	p := planner(t, scenario(t, "sre-24h.yaml"), "sre")
	shifts, _ := planWeeks(t, p, 52)
	if len(shifts) != 364 {
		t.Fatalf("planned %d shifts, want 364", len(shifts))
	}
	r := report.Of(p, shifts)
	t.Logf("spread %+v balance %.1f%%", r.Spread, r.Balance)
	for _, m := range r.Members {
		t.Logf("%s: %d shifts (%d weekday, %d weekend, %d holiday)", m.ID, m.Shifts, m.Weekday, m.Weekend, m.Holiday)
	}
	if r.Spread.Shifts > 1 || r.Spread.Weekend > 1 || r.Spread.Holiday > 1 || r.Spread.Weekday > 1 {
		t.Errorf("spread %+v, want every kind within 1", r.Spread)
	}
	if r.Coverage != 100 || r.NeedViolations != 0 || r.RestViolations != 0 {
		t.Errorf("coverage %.1f, need violations %d, rest violations %d", r.Coverage, r.NeedViolations, r.RestViolations)
	}
	// Nobody on shift two days in a row, checked directly.
	for i := 1; i < len(shifts); i++ {
		for _, m := range shifts[i].Assignees {
			if shifts[i-1].Has(m) {
				t.Errorf("%s serves %s and the day before", m, shifts[i].ID)
			}
		}
	}
}

func TestSRELayersFollowTheirOrder(t *testing.T) {
	p := planner(t, scenario(t, "sre-24h.yaml"), "sre-layers")
	shifts, _ := planWeeks(t, p, 52)
	orders := map[string][]string{
		"weekdays": {"sre1", "sre2", "sre3", "sre4", "sre5", "sre6", "sre7"},
		"weekends": {"sre1", "sre7", "sre6", "sre5", "sre4", "sre3", "sre2"},
	}
	seen := map[string]int{}
	for _, sh := range shifts {
		order := orders[sh.Layer]
		want := order[seen[sh.Layer]%len(order)]
		seen[sh.Layer]++
		if len(sh.Assignees) != 1 || sh.Assignees[0] != want {
			t.Fatalf("%s: %v, want %s", sh.ID, sh.Assignees, want)
		}
		wd := sh.Start.In(p.Calendar().Location).Weekday()
		if weekend := wd == time.Saturday || wd == time.Sunday; weekend != (sh.Layer == "weekends") {
			t.Fatalf("%s on a %s is in layer %s", sh.ID, wd, sh.Layer)
		}
	}
	if seen["weekdays"] != 260 || seen["weekends"] != 104 {
		t.Errorf("layers had %v shifts, want 260 weekdays and 104 weekends", seen)
	}
}

// teams of the Solar Lottery demo: the skill that names each team.
var teams = []string{"ABC-FS1", "DEF-PERF", "GHIJ-FS2", "KL-SRE", "MN-FS3", "R-MOBILE"}

// teamSpreadsOf returns each team's spread of shifts in r (max minus min
// over its members), in the order of teams.
func teamSpreadsOf(cfg *config.Config, r report.Report) []int {
	out := make([]int, len(teams))
	for i, team := range teams {
		lo, hi := 1<<30, -1
		for _, m := range r.Members {
			mem, _ := cfg.Member(m.ID)
			if mem.Level(team) == 0 {
				continue
			}
			lo, hi = min(lo, m.Shifts), max(hi, m.Shifts)
		}
		out[i] = hi - lo
	}
	return out
}

// TestSETTwoYearsMeetsEveryNeed: issue 8 item 2. Rotation set of the Solar
// Lottery demo, for seeds 0–99, after two and after ten years (and after
// one, three and five, where picking need by need spread a team to 2 for
// seeds 49, 11, 86 and 20): every shift has its 5 people and meets every
// need, and within each team the load is even (a spread of at most 1).
// Across teams it cannot be, as the needs ask for one member of some teams
// and at most one of others. The shorter plans are the start of the
// ten-year one (planning is a function of the config).
func TestSETTwoYearsMeetsEveryNeed(t *testing.T) {
	cfg := scenario(t, "solar-lottery-demo.yaml")
	rot, ok := cfg.Rotation("set")
	if !ok {
		t.Fatal("no rotation set")
	}
	for seed := int64(0); seed < 100; seed++ {
		r := *rot
		r.Seed = seed
		p, err := engine.New(&r, cfg.Members)
		if err != nil {
			t.Fatal(err)
		}
		st := p.NewState(p.Calendar().Start.In(p.Calendar().Location))
		shifts := slices.Clone(p.PlanShifts(st, 120))
		if len(shifts) != 120 {
			t.Fatalf("seed %d: planned %d shifts", seed, len(shifts))
		}
		for _, sh := range shifts {
			if len(sh.Problems) > 0 || len(sh.Assignees) != 5 {
				t.Errorf("seed %d: %s: %v %v", seed, sh.ID, sh.Assignees, sh.Problems)
			}
		}
		for _, years := range []int{1, 2, 3, 5, 10} {
			rep := report.Of(p, shifts[:12*years])
			if rep.NeedViolations != 0 {
				t.Errorf("seed %d, %d years: %d need violations", seed, years, rep.NeedViolations)
			}
			for i, spread := range teamSpreadsOf(cfg, rep) {
				if spread > 1 {
					t.Errorf("seed %d, %d years: team %s spread %d, want at most 1", seed, years, teams[i], spread)
				}
			}
		}
	}
}
