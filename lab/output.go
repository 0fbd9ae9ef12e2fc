package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
)

// Plan returns the shifts of `rota plan` over the weeks a simulation of
// opt covers: the rotation planned in one batch, without events.
func Plan(opt Options) ([]engine.Shift, error) {
	rot := opt.Rotation
	if opt.Strategy != "" {
		rot = withStrategy(rot, opt.Strategy)
	}
	p, err := engine.New(&rot, opt.Members)
	if err != nil {
		return nil, fmt.Errorf("rotation %s: %w", rot.ID, err)
	}
	loc := p.Calendar().Location
	start := rot.Start.In(loc)
	st := p.Begin()
	return slices.Clone(p.PlanUntil(st, calendar.AddWeeks(start, opt.Weeks, loc))), nil
}

// Moved counts the shifts of res whose assignees differ from those of
// the same shift in base (a shift of either that the other lacks counts
// too): the disruption the events caused.
func Moved(res *Result, base []engine.Shift) int {
	byID := make(map[string][]string, len(base))
	for _, sh := range base {
		byID[sh.ID] = sh.Assignees
	}
	n := 0
	seen := map[string]bool{}
	for _, sh := range res.Shifts {
		seen[sh.ID] = true
		if want, ok := byID[sh.ID]; !ok || !slices.Equal(want, sh.Assignees) {
			n++
		}
	}
	for id := range byID {
		if !seen[id] {
			n++
		}
	}
	return n
}

// WriteCSV writes res's schedule as `rota plan --format csv` does.
func WriteCSV(w io.Writer, res *Result) error {
	return render.Write(w, "csv", render.Plan{Rotation: res.Rotation, Timezone: res.Timezone, Strategy: res.Strategy, Shifts: res.Shifts}, time.UTC)
}

// WriteJSON writes res as report.json.
func WriteJSON(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
