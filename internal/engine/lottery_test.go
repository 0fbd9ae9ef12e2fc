package engine

import (
	"testing"

	"github.com/rota-scheduler/rota/internal/config"
)

// TestLotteryDrawMatchesWeights draws the first seat of a lottery shift many
// times (each with its own sample of randomness, from a fixed seed) and
// checks the frequencies against weights 2^(shifts since last served) with
// a chi-square test, for everyone and for a subset (as a need draws from
// the members who have the skill).
func TestLotteryDrawMatchesWeights(t *testing.T) {
	p := team(t, 4, 23, 0, config.Lottery)
	st := p.NewState(p.rot.Start.In(p.spec.Location))
	st.Count = 10
	// m0..m3 last served 1, 2, 3 and 4 shifts ago: weights 2, 4, 8, 16.
	for i, id := range []string{"m0", "m1", "m2", "m3"} {
		st.ledger(id).Last.Count = st.Count - (i + 1) + 1
	}
	l := &p.layers[0]
	sh := &Shift{Index: 7}
	const draws = 40000
	all := make([]float64, 4)
	sub := make([]float64, 2)
	for s := range draws {
		order := p.lotteryOrder(st, l, sh, []int{0, 1, 2, 3}, uint64(s)+1)
		all[order[0]]++
		for _, pos := range order {
			if pos == 0 || pos == 1 {
				sub[pos]++
				break
			}
		}
	}
	check := func(name string, got, weights []float64) {
		total := 0.0
		for _, w := range weights {
			total += w
		}
		chi := 0.0
		for i, w := range weights {
			want := draws * w / total
			chi += (got[i] - want) * (got[i] - want) / want
		}
		// 99.9th percentile of chi-square with 3 (resp. 1) degrees of freedom.
		limit := map[int]float64{1: 10.83, 3: 16.27}[len(weights)-1]
		t.Logf("%s: drawn %v for weights %v, chi-square %.2f (limit %.2f)", name, got, weights, chi, limit)
		if chi > limit {
			t.Errorf("%s: frequencies %v do not match weights %v (chi-square %.2f)", name, got, weights, chi)
		}
	}
	check("everyone", all, []float64{2, 4, 8, 16})
	check("m0 or m1", sub, []float64{2, 4})

	// And the draw is not uniform: the test above can tell.
	if all[3] < 4*all[0] {
		t.Errorf("the longest waiting member was drawn %v times, the shortest %v", all[3], all[0])
	}
}
