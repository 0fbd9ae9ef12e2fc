package engine

import (
	"slices"

	"github.com/rota-scheduler/rota/internal/needfill"
)

// partial replaces greedy's set when another breaks no max and leaves, in
// order, fewer needs short of their min, fewer members short in all, and
// fewer seats empty: picking need by need, a member who counts for two
// needs can take one seat and, through maxes, keep two others out.
// needfill chooses how many of each kind of candidate; members of a kind
// are taken in rank order.
func (s *solver) partial() {
	if s.l.sig == nil || len(s.l.needs) == 0 {
		return
	}
	best := needfill.Measure(s.l.fill, s.have, s.seats-len(s.set))
	if best == (needfill.Score{}) {
		return
	}
	// Search from the fixed members alone; keep greedy's set unless beaten.
	set := slices.Clone(s.set)
	for len(s.set) > 0 {
		s.pick(s.set[len(s.set)-1], -1)
	}
	cands := make([]uint64, len(s.free))
	for i, pos := range s.free {
		cands[i] = s.l.sig[pos]
	}
	var f needfill.Finder
	takes, _, found, _ := f.Fill(s.l.fill, cands, s.have, s.seats, best, searchLimit)
	if !found {
		for _, pos := range set {
			s.pick(pos, 1)
		}
		return
	}
	want := map[uint64]int{}
	for _, t := range takes {
		want[t.Sig] = t.N
	}
	for i := 0; i < s.rank.n; i++ {
		if pos := s.rank.at(i); want[s.l.sig[pos]] > 0 {
			want[s.l.sig[pos]]--
			s.pick(pos, 1)
		}
	}
}
