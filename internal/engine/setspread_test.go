package engine_test

import (
	"testing"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/report"
)

// teamSpreads plans n shifts of rotation set with the given seed and
// returns each team's spread of shifts (max minus min over its members),
// and the need violations.
func teamSpreads(t *testing.T, cfg *config.Config, seed int64, n int) ([]int, int) {
	t.Helper()
	rot, ok := cfg.Rotation("set")
	if !ok {
		t.Fatal("no rotation set")
	}
	r2 := *rot
	r2.Seed = seed
	p, err := engine.New(&r2, cfg.Members)
	if err != nil {
		t.Fatal(err)
	}
	st := p.NewState(p.Calendar().Start.In(p.Calendar().Location))
	shifts := p.PlanShifts(st, n)
	bad := 0
	for _, sh := range shifts {
		if len(sh.Problems) > 0 || len(sh.Assignees) != 5 {
			bad++
		}
	}
	r := report.Of(p, shifts)
	return teamSpreadsOf(cfg, r), bad + r.NeedViolations
}

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

// TestSETTeamSpread: issue 8 item 2. The needs of the Solar Lottery demo's
// SET leave room for every team to stay within 1, for every seed.
func TestSETTeamSpread(t *testing.T) {
	cfg := scenario(t, "solar-lottery-demo.yaml")
	for _, years := range []int{2, 10} {
		for seed := int64(0); seed < 20; seed++ {
			spreads, bad := teamSpreads(t, cfg, seed, 12*years)
			t.Logf("years %d seed %2d spreads %v", years, seed, spreads)
			if bad > 0 {
				t.Errorf("years %d seed %d: %d shifts with problems", years, seed, bad)
			}
			for i, s := range spreads {
				if s > 1 {
					t.Errorf("years %d seed %d: team %s spread %d", years, seed, teams[i], s)
				}
			}
		}
	}
}
