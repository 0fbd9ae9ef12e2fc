package engine

import (
	"cmp"
	"math/bits"
	"slices"
)

// When no set meets every need, partial chooses how many members of each
// group of candidates (those who count for the same needs) join a shift.
// Members of a group are alike to the needs, so the search is over a
// handful of groups, not over sets of members, and stays small on a layer
// of a thousand.

// groupSet is candidates grouped by the needs they count for.
type groupSet struct {
	sig    []uint64 // per group: the needs its members count for
	count  []int    // per group: its members
	rem    []int    // rem[g*needs+n]: members of groups g.. who count for need n
	remAll []int    // remAll[g]: members of groups g..
	at     map[uint64]int
	first  []int // per group: where its first member was met, for a stable order
}

// build groups the candidates in cands. Groups are ordered by the need,
// among those still short of their min, with the fewest candidates that
// they count for (so that the search gives up early on a need whose few
// candidates it passed over), then by first member.
func (s *solver) build(cands []int) *groupSet {
	gs := &s.groups
	needs := len(s.l.needs)
	if gs.at == nil {
		gs.at = map[uint64]int{}
	}
	clear(gs.at)
	gs.sig, gs.count, gs.first = gs.sig[:0], gs.count[:0], gs.first[:0]
	for i, pos := range cands {
		sig := s.l.sig[pos]
		g, ok := gs.at[sig]
		if !ok {
			g = len(gs.sig)
			gs.at[sig] = g
			gs.sig, gs.count, gs.first = append(gs.sig, sig), append(gs.count, 0), append(gs.first, i)
		}
		gs.count[g]++
	}
	key := func(sig uint64) int { // the scarcest short need it counts for
		best, room := needs, 0
		for n, need := range s.l.needs {
			if sig&(1<<n) != 0 && s.have[n] < need.cfg.Min && (best == needs || s.left[n] < room) {
				best, room = n, s.left[n]
			}
		}
		if best == needs {
			return 1 << 30
		}
		return room<<8 | best
	}
	order := make([]int, len(gs.sig))
	for g := range order {
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(key(gs.sig[a]), key(gs.sig[b])); c != 0 {
			return c
		}
		return cmp.Compare(gs.first[a], gs.first[b])
	})
	sig, count, first := slices.Clone(gs.sig), slices.Clone(gs.count), slices.Clone(gs.first)
	for i, g := range order {
		gs.sig[i], gs.count[i], gs.first[i] = sig[g], count[g], first[g]
	}
	gs.rem = slices.Grow(gs.rem[:0], (len(gs.sig)+1)*needs)[:(len(gs.sig)+1)*needs]
	gs.remAll = slices.Grow(gs.remAll[:0], len(gs.sig)+1)[:len(gs.sig)+1]
	clear(gs.rem[len(gs.sig)*needs:])
	gs.remAll[len(gs.sig)] = 0
	for g := len(gs.sig) - 1; g >= 0; g-- {
		copy(gs.rem[g*needs:(g+1)*needs], gs.rem[(g+1)*needs:(g+2)*needs])
		for sg := gs.sig[g]; sg != 0; sg &= sg - 1 {
			gs.rem[g*needs+bits.TrailingZeros64(sg)] += gs.count[g]
		}
		gs.remAll[g] = gs.remAll[g+1] + gs.count[g]
	}
	return gs
}

// add counts c more members with the needs of sig in have.
func (s *solver) add(sig uint64, c int) {
	for ; sig != 0; sig &= sig - 1 {
		s.have[bits.TrailingZeros64(sig)] += c
	}
}

// room reports whether c more members with the needs of sig break no max.
func (s *solver) room(sig uint64, c int) bool {
	for ; sig != 0; sig &= sig - 1 {
		n := bits.TrailingZeros64(sig)
		if m := s.l.needs[n].max; m >= 0 && s.have[n]+c > m {
			return false
		}
	}
	return true
}

// partial replaces greedy's set when another breaks no max and leaves, in
// order, fewer needs short of their min, fewer members short in all, and
// fewer seats empty: picking need by need, a member who counts for two
// needs can take one seat and, through maxes, keep two others out. Members
// of a group are taken in rank order.
func (s *solver) partial() {
	if s.l.sig == nil || len(s.l.needs) == 0 {
		return
	}
	best := s.score(len(s.set))
	if best == ([3]int{}) {
		return
	}
	// Search from the fixed members alone; keep greedy's set unless beaten.
	set := slices.Clone(s.set)
	for len(s.set) > 0 {
		s.pick(s.set[len(s.set)-1], -1)
	}
	gs := s.build(s.free)
	counts := make([]int, len(gs.sig))
	var bestCounts []int
	s.nodesW = 0
	var walk func(g, used int)
	walk = func(g, used int) {
		if s.nodesW++; s.nodesW > searchLimit {
			return
		}
		if b := s.bound(gs, g, used); !less(b, best) {
			return
		}
		if g == len(gs.sig) || used == s.seats {
			if sc := s.score(used); less(sc, best) {
				best, bestCounts = sc, slices.Clone(counts)
			}
			return
		}
		sig := gs.sig[g]
		for c := min(s.seats-used, gs.count[g]); c >= 0; c-- {
			if c > 0 && !s.room(sig, c) {
				continue
			}
			s.add(sig, c)
			counts[g] = c
			walk(g+1, used+c)
			counts[g] = 0
			s.add(sig, -c)
		}
	}
	walk(0, 0)
	if bestCounts == nil {
		for _, pos := range set {
			s.pick(pos, 1)
		}
		return
	}
	want := map[uint64]int{}
	for g, c := range bestCounts {
		want[gs.sig[g]] = c
	}
	for i := 0; i < s.rank.n; i++ {
		if pos := s.rank.at(i); want[s.l.sig[pos]] > 0 {
			want[s.l.sig[pos]]--
			s.pick(pos, 1)
		}
	}
}

// score measures a set of used members with the counts in have: needs
// short of their min, members short in all, seats empty.
func (s *solver) score(used int) [3]int {
	var out [3]int
	for n, need := range s.l.needs {
		if short := need.cfg.Min - s.have[n]; short > 0 {
			out[0]++
			out[1] += short
		}
	}
	out[2] = s.seats - used
	return out
}

// bound is the best score any set that adds members of groups g.. could
// reach.
func (s *solver) bound(gs *groupSet, g, used int) [3]int {
	var out [3]int
	needs, left := len(s.l.needs), s.seats-used
	for n, need := range s.l.needs {
		if short := need.cfg.Min - s.have[n] - min(left, gs.rem[g*needs+n]); short > 0 {
			out[0]++
			out[1] += short
		}
	}
	out[2] = max(0, left-gs.remAll[g])
	return out
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
