package labpage

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// planned is the page's input for a real plan, offline: the rotation sre
// of ../shared/scenarios/sre-24h.yaml (seven people, daily 24-hour shifts
// from 09:00 London time, a day's rest) planned for 52 weeks with the fair
// strategy, compared with the same year planned with queue and lottery.
// It skips when the scenario is absent.
func planned(t testing.TB) Input {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "scenarios", "sre-24h.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("scenario not found: %v", err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	base, ok := cfg.Rotation("sre")
	if !ok {
		t.Fatal("no rotation sre in sre-24h.yaml")
	}
	in := Input{Rotation: base.ID, Timezone: base.Timezone, Strategy: "fair"}
	for _, name := range []string{"fair", "queue", "lottery"} {
		s, err := config.ParseStrategy(name)
		if err != nil {
			t.Fatal(err)
		}
		rot := *base
		rot.Layers = slices.Clone(base.Layers)
		for i := range rot.Layers {
			rot.Layers[i].Strategy = s
		}
		p, err := engine.New(&rot, cfg.Members)
		if err != nil {
			t.Fatal(err)
		}
		loc := p.Calendar().Location
		start := rot.Start.In(loc)
		shifts := p.PlanUntil(p.Begin(), calendar.AddWeeks(start, 52, loc))
		rep := report.Of(p, shifts)
		in.Compare = append(in.Compare, CompareRow{Strategy: name, Spread: rep.Spread, Balance: rep.Balance,
			Coverage: rep.Coverage, NeedViolations: rep.NeedViolations, RestViolations: rep.RestViolations})
		if name == "fair" {
			in.Report = rep
			for _, sh := range shifts {
				in.Shifts = append(in.Shifts, render.FromShift(sh))
			}
		}
	}
	return in
}

// TestWritePlanned writes the page of a real plan to
// $ROTA_LAB_REPORT when set, to look at.
func TestWritePlanned(t *testing.T) {
	in := planned(t)
	out := os.Getenv("ROTA_LAB_REPORT")
	if out == "" {
		t.Skip("set ROTA_LAB_REPORT=FILE to write the page")
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Write(f, in); err != nil {
		t.Fatal(err)
	}
}
