package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
)

// Forecast is, for each of the next shifts, the chance that each member
// serves it.
type Forecast struct {
	Rotation string          `json:"rotation"`
	Samples  int             `json:"samples"`
	Shifts   []ForecastShift `json:"shifts"`
}

// ForecastShift is one future shift and who may serve it, likeliest first.
type ForecastShift struct {
	ID      string    `json:"id"`
	Layer   string    `json:"layer"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Chances []Chance  `json:"chances"`
}

// Chance is the probability that Member serves a shift.
type Chance struct {
	Member string  `json:"member"`
	P      float64 `json:"p"`
}

// Forecast plans the next n shifts from st (which it does not change)
// samples times, each with its own random draws, and counts who serves
// what. Rotations without a lottery layer are deterministic: one sample
// is enough and every chance is 0 or 1.
func (p *Planner) Forecast(st *State, n, samples int) Forecast {
	if !slices.ContainsFunc(p.layers, func(l layerInfo) bool { return l.cfg.Strategy == config.Lottery }) {
		samples = 1
	}
	samples = max(samples, 1)
	base := *st
	base.Shifts = nil
	f := Forecast{Rotation: p.rot.ID, Samples: samples}
	var counts [][]int // by shift, by member index
	for s := range samples {
		w := base.Clone()
		for i, sh := range p.plan(w, func(_ time.Time, planned int) bool { return planned < n }, uint64(s)+1) {
			if i == len(f.Shifts) {
				f.Shifts = append(f.Shifts, ForecastShift{ID: sh.ID, Layer: sh.Layer, Start: sh.Start, End: sh.End})
				counts = append(counts, make([]int, len(p.members)))
			}
			for _, id := range sh.Assignees {
				counts[i][p.index[id]]++
			}
		}
	}
	for i := range f.Shifts {
		for mi, c := range counts[i] {
			if c > 0 {
				f.Shifts[i].Chances = append(f.Shifts[i].Chances, Chance{Member: p.members[mi].cfg.ID, P: float64(c) / float64(samples)})
			}
		}
		slices.SortFunc(f.Shifts[i].Chances, func(a, b Chance) int {
			if c := cmp.Compare(b.P, a.P); c != 0 {
				return c
			}
			return cmp.Compare(a.Member, b.Member)
		})
	}
	return f
}
