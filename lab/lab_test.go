package lab

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rota-scheduler/rota/internal/config"
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
