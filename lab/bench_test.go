package lab

import (
	"context"
	"testing"

	"github.com/rota-scheduler/rota/internal/config"
)

// year is rotation sre of sre-24h.yaml for 52 weeks; with effects, also
// with Slack and Opsgenie set (as workflows/year_test.go has it), so
// that every side effect runs.
func year(t testing.TB, effects bool) Options {
	opt := load(t, "sre-24h.yaml", "sre")
	opt.Weeks = 52
	if effects {
		opt.Rotation.Slack = &config.Slack{Channel: "C-SRE", Usergroup: "S-ONCALL", Topic: true}
		opt.Rotation.Opsgenie = &config.PagerSchedule{Schedule: "sre-schedule"}
	}
	return opt
}

// TestYearFigures logs the wall time and history figures of a simulated
// year of daily shifts (the README's table); it asserts only what does
// not depend on the machine: the year is rota plan's, and no run's
// modelled history goes above 4,096 events.
func TestYearFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated year")
	}
	for _, effects := range []bool{false, true} {
		opt := year(t, effects)
		res, err := Run(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Plan(opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Shifts) != 364 || Moved(res, want) != 0 {
			t.Errorf("effects %v: %d shifts, %d differ from rota plan", effects, len(res.Shifts), Moved(res, want))
		}
		st := res.Run
		if st.CheckedShifts < 8*7 {
			t.Errorf("the schedule query confirmed %d shifts over %d runs", st.CheckedShifts, st.Runs)
		}
		if st.MaxRunModelledHistoryEvents > 4096 {
			t.Errorf("a run of %d modelled history events", st.MaxRunModelledHistoryEvents)
		}
		t.Logf("sre year, Slack and Opsgenie %v: %.2f s wall, %d runs, %.1f modelled events/shift (largest run %d), %.0f payload B/shift (largest run %d B), activities %v; %d shifts checked against the schedule query",
			effects, st.WallSeconds, st.Runs, st.ModelledHistoryEventsPerShift, st.MaxRunModelledHistoryEvents, st.PayloadBytesPerShift, st.MaxRunPayloadBytes, st.Activities, st.CheckedShifts)
	}
}

// BenchmarkYear simulates rotation sre for a year, as
// `rota simulate -f sre-24h.yaml --rotation sre` does.
func BenchmarkYear(b *testing.B) {
	for _, c := range []struct {
		name    string
		effects bool
	}{{"plain", false}, {"slack+opsgenie", true}} {
		b.Run(c.name, func(b *testing.B) {
			opt := year(b, c.effects)
			for b.Loop() {
				if _, err := Run(context.Background(), opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
