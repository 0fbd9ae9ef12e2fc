package lab

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/report"
)

// shared is where the four teams' scenarios are.
var shared = filepath.Join("..", "..", "shared", "scenarios")

func load(t testing.TB, file, rotation string) Options {
	t.Helper()
	path := filepath.Join(shared, file)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("scenario %s not found", file)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rot, ok := cfg.Rotation(rotation)
	if !ok {
		t.Fatalf("%s has no rotation %s", file, rotation)
	}
	return Options{Rotation: *rot, Members: cfg.Members}
}

// TestNoEventsIsPlan: with no events, the simulated schedule of each
// scenario is rota plan's, shift for shift.
func TestNoEventsIsPlan(t *testing.T) {
	cases := []struct {
		file, rotation string
		weeks          int
	}{
		{"sre-24h.yaml", "sre", 6},
		{"data-oncall.yaml", "data-oncall", 10},
		{"shift-week.yaml", "shift-week", 10},
		{"solar-lottery-demo.yaml", "set", 20},
	}
	for _, c := range cases {
		t.Run(c.rotation, func(t *testing.T) {
			opt := load(t, c.file, c.rotation)
			opt.Weeks = c.weeks
			want, err := Plan(opt)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Shifts) != len(want) || len(want) == 0 {
				t.Fatalf("%d shifts simulated, rota plan has %d; %+v", len(res.Shifts), len(want), res.Run)
			}
			for i, sh := range want {
				got := res.Shifts[i]
				if got.ID != sh.ID || !slices.Equal(got.Assignees, sh.Assignees) || !got.End.Equal(sh.End) {
					t.Fatalf("shift %d: simulated %s %v, rota plan %s %v", i, got.ID, got.Assignees, sh.ID, sh.Assignees)
				}
			}
			st := res.Run
			t.Logf("%d shifts, %d runs, %.1f events/shift (max run %d), %.0f B/shift, %.2fs, activities %v",
				st.Shifts, st.Runs, st.ModelledHistoryEventsPerShift, st.MaxRunModelledHistoryEvents, st.PayloadBytesPerShift, st.WallSeconds, st.Activities)
		})
	}
}

// TestEventsOnEveryScenario sends seeded random leave and swaps to a
// rotation of each shared scenario: every event is answered, applied (and
// then it changed something, or said why not) or rejected with the
// workflow's reason, and the schedule the lab recorded is the workflow's
// own (checked every week by Run).
func TestEventsOnEveryScenario(t *testing.T) {
	cases := []struct {
		file, rotation string
		weeks          int
	}{
		{"sre-24h.yaml", "sre", 8},
		{"data-oncall.yaml", "data-oncall", 16},
		{"shift-week.yaml", "shift-week", 16},
		{"solar-lottery-demo.yaml", "set", 30},
	}
	for _, c := range cases {
		t.Run(c.rotation, func(t *testing.T) {
			opt := load(t, c.file, c.rotation)
			opt.Weeks, opt.RandomLeave, opt.RandomSwaps, opt.Seed = c.weeks, 0.1, 6, 7
			res, err := Run(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			applied, rejected := 0, 0
			for _, e := range res.Events {
				switch {
				case e.Applied && e.Reason == "":
					applied++
				case !e.Applied && e.Reason != "" && !strings.HasPrefix(e.Reason, "no answer") && !strings.HasPrefix(e.Reason, "not sent"):
					rejected++
				default:
					t.Errorf("event %+v: neither applied nor rejected with a reason", e)
				}
			}
			if applied == 0 {
				t.Errorf("no event applied of %d", len(res.Events))
			}
			t.Logf("%d events: %d applied, %d rejected; %d shifts checked against the workflow", len(res.Events), applied, rejected, res.Run.CheckedShifts)
		})
	}
}

// TestBeyondLimitKnowsLeave: a member away for two weeks serves less, and
// the run is not beyond the limit of fair for it: the report measures each
// member against the share the workflow's ledgers keep, which know the
// absence (the shifts alone, read without it, would say otherwise).
func TestBeyondLimitKnowsLeave(t *testing.T) {
	opt := load(t, "sre-24h.yaml", "sre")
	opt.Weeks = 8
	start := opt.Rotation.Start.In(time.UTC)
	opt.Events = []Event{{Source: "test", At: start.AddDate(0, 0, 3), Op: "unavailable", Member: "sre1",
		From: start.AddDate(0, 0, 14), To: start.AddDate(0, 0, 28), Reason: "leave"}}
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Events[0].Applied {
		t.Fatalf("leave not applied: %+v", res.Events[0])
	}
	if b := res.Report.BeyondLimit; b != (report.Spread{}) {
		t.Errorf("beyond the limit %+v (spread %+v), want 0: sre1 was away", b, res.Report.Spread)
	}
	if res.Report.Spread.Shifts < 2 {
		t.Errorf("spread %+v: the leave should have left sre1 behind (not the case of the test)", res.Report.Spread)
	}
}
