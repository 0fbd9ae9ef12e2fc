// Package needfill decides how many members of each kind a shift takes so
// that its needs are met as well as they can be. Members who count for
// the same needs are alike to them, so the search is over a handful of
// groups (by the set of needs each member counts for), not over sets of
// members, and stays small on a layer of thousands. The config uses it to
// reject needs no set of members can meet together; the engine, to fill a
// shift whose needs cannot all be met.
package needfill

import (
	"cmp"
	"math/bits"
	"slices"
)

// MaxNeeds is the most needs a search takes: a member's needs are the bits
// of a uint64.
const MaxNeeds = 64

// Need is what a shift asks of one need: at least Min members who count
// for it and, when Max >= 0, at most Max.
type Need struct{ Min, Max int }

// Score ranks a filling: needs short of their min, members short over all
// needs, seats left empty. The zero Score meets every need and fills every
// seat.
type Score [3]int

// Less reports whether a is better than b.
func (a Score) Less(b Score) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// Worst is worse than any filling.
var Worst = Score{1 << 30, 1 << 30, 1 << 30}

// Take is how many members counting for the needs in Sig (bit n: need n)
// a filling takes.
type Take struct {
	Sig uint64
	N   int
}

// Finder searches for fillings. Its buffers are kept from one search to
// the next; it is not safe for concurrent use. The zero value is ready.
type Finder struct {
	needs  []Need
	seats  int
	have   []int
	sig    []uint64 // per group: the needs its members count for
	count  []int    // per group: its members
	first  []int    // per group: where its first member was met, for a stable order
	rem    []int    // rem[g*needs+n]: members of groups g.. who count for need n
	remAll []int    // remAll[g]: members of groups g..
	at     map[uint64]int
	counts []int
	best   []int // the counts of the best filling found
	found  bool
	score  Score
	nodes  int
	limit  int
}

// Fill chooses how many of the candidates (cands: the needs each counts
// for) join a shift with seats seats to fill, on which have[n] members
// already count for needs[n] (len(have) == len(needs)). Of the fillings that break no max, it looks
// for the best by Score if better than beat, within limit steps of search.
// found says one was found (takes then lists it); complete says the
// search ran to its end, so that no better one exists. have is not kept.
func (f *Finder) Fill(needs []Need, cands []uint64, have []int, seats int, beat Score, limit int) (takes []Take, score Score, found, complete bool) {
	if len(needs) > MaxNeeds {
		return nil, beat, false, false
	}
	f.needs, f.seats, f.limit, f.nodes = needs, seats, limit, 0
	f.have = append(f.have[:0], have...)
	f.group(cands)
	f.counts = slices.Grow(f.counts[:0], len(f.sig))[:len(f.sig)]
	clear(f.counts)
	f.best, f.found, f.score = f.best[:0], false, beat
	f.walk(0, 0)
	complete = f.nodes <= f.limit
	if !f.found {
		return nil, beat, false, complete
	}
	for g, n := range f.best {
		if n > 0 {
			takes = append(takes, Take{Sig: f.sig[g], N: n})
		}
	}
	return takes, f.score, true, complete
}

// group sorts the candidates into groups, ordered by the need, among those
// still short of their min, with the fewest candidates that they count for
// (so that the search gives up early on a need whose few candidates it
// passed over), then by first member.
func (f *Finder) group(cands []uint64) {
	needs := len(f.needs)
	if f.at == nil {
		f.at = map[uint64]int{}
	}
	clear(f.at)
	f.sig, f.count, f.first = f.sig[:0], f.count[:0], f.first[:0]
	left := make([]int, needs) // candidates who count for each need
	for i, sig := range cands {
		g, ok := f.at[sig]
		if !ok {
			g = len(f.sig)
			f.at[sig] = g
			f.sig, f.count, f.first = append(f.sig, sig), append(f.count, 0), append(f.first, i)
		}
		f.count[g]++
		for s := sig; s != 0; s &= s - 1 {
			left[bits.TrailingZeros64(s)]++
		}
	}
	key := func(sig uint64) int { // the scarcest short need it counts for
		best, room := needs, 0
		for n, need := range f.needs {
			if sig&(1<<n) != 0 && f.have[n] < need.Min && (best == needs || left[n] < room) {
				best, room = n, left[n]
			}
		}
		if best == needs {
			return 1 << 62
		}
		return room<<8 | best
	}
	order := make([]int, len(f.sig))
	for g := range order {
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(key(f.sig[a]), key(f.sig[b])); c != 0 {
			return c
		}
		return cmp.Compare(f.first[a], f.first[b])
	})
	sig, count, first := slices.Clone(f.sig), slices.Clone(f.count), slices.Clone(f.first)
	for i, g := range order {
		f.sig[i], f.count[i], f.first[i] = sig[g], count[g], first[g]
	}
	groups := len(f.sig)
	f.rem = slices.Grow(f.rem[:0], (groups+1)*needs)[:(groups+1)*needs]
	f.remAll = slices.Grow(f.remAll[:0], groups+1)[:groups+1]
	clear(f.rem[groups*needs:])
	f.remAll[groups] = 0
	for g := groups - 1; g >= 0; g-- {
		copy(f.rem[g*needs:(g+1)*needs], f.rem[(g+1)*needs:(g+2)*needs])
		for s := f.sig[g]; s != 0; s &= s - 1 {
			f.rem[g*needs+bits.TrailingZeros64(s)] += f.count[g]
		}
		f.remAll[g] = f.remAll[g+1] + f.count[g]
	}
}

// walk chooses how many of group g take seats, after used were taken from
// the groups before it.
func (f *Finder) walk(g, used int) {
	if f.nodes++; f.nodes > f.limit {
		return
	}
	if !f.bound(g, used).Less(f.score) {
		return
	}
	if g == len(f.sig) || used == f.seats {
		if sc := f.scoreOf(used); sc.Less(f.score) {
			f.score, f.best, f.found = sc, append(f.best[:0], f.counts...), true
		}
		return
	}
	sig := f.sig[g]
	for c := min(f.seats-used, f.count[g]); c >= 0; c-- {
		if c > 0 && !f.room(sig, c) {
			continue
		}
		f.add(sig, c)
		f.counts[g] = c
		f.walk(g+1, used+c)
		f.counts[g] = 0
		f.add(sig, -c)
	}
}

// add counts c more members with the needs of sig in have.
func (f *Finder) add(sig uint64, c int) {
	for ; sig != 0; sig &= sig - 1 {
		f.have[bits.TrailingZeros64(sig)] += c
	}
}

// room reports whether c more members with the needs of sig break no max.
func (f *Finder) room(sig uint64, c int) bool {
	for ; sig != 0; sig &= sig - 1 {
		n := bits.TrailingZeros64(sig)
		if m := f.needs[n].Max; m >= 0 && f.have[n]+c > m {
			return false
		}
	}
	return true
}

func (f *Finder) scoreOf(used int) Score { return Measure(f.needs, f.have, f.seats-used) }

// Measure scores a shift on which have[n] members count for needs[n] and
// empty seats are left.
func Measure(needs []Need, have []int, empty int) Score {
	var out Score
	for n, need := range needs {
		if short := need.Min - have[n]; short > 0 {
			out[0]++
			out[1] += short
		}
	}
	out[2] = empty
	return out
}

// Nodes is how many steps the last search took.
func (f *Finder) Nodes() int { return f.nodes }

// bound is the best score any filling that adds members of groups g..
// could reach.
func (f *Finder) bound(g, used int) Score {
	var out Score
	needs, left := len(f.needs), f.seats-used
	for n, need := range f.needs {
		if short := need.Min - f.have[n] - min(left, f.rem[g*needs+n]); short > 0 {
			out[0]++
			out[1] += short
		}
	}
	out[2] = max(0, left-f.remAll[g])
	return out
}
