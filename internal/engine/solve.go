package engine

import (
	"fmt"
	"slices"
	"strings"
)

// searchLimit bounds the search for a set that meets every need; past it
// the solver settles for its best partial set and says what is missing.
const searchLimit = 20000

// solver looks for `seats` members of layer l who, with the fixed ones,
// meet every need's min and break no max. Among the sets that do, it
// prefers the scarcest need's best candidates, then the best of the rest;
// under fair on a layer with teams, first the sets that pass over the
// fewest owed teammates (ahead). Candidates are layer positions, ranked by
// the strategy.
type solver struct {
	l      *layerInfo
	rank   *ranking
	byNeed []*ranking // per need: the candidates who qualify, built when first asked
	seats  int
	have   []int  // per need: qualified members in the set so far
	left   []int  // per need: qualified candidates not picked
	picked []bool // by layer position
	set    []int  // positions, in the order they were picked
	nodes  int
	free   []int // the candidates, in the caller's order

	// Under fair on a layer with teams: per layer position, the whole shifts
	// a member is ahead of the least loaded free member of their team (nil
	// otherwise), the sum of it over the set, and the best set found.
	ahead    []int
	cost     int
	best     []int
	bestCost int
}

// fits reports whether the member at pos can join without breaking a max.
func (s *solver) fits(pos int) bool {
	for n, need := range s.l.needs {
		if need.max >= 0 && s.l.qual[n][pos] && s.have[n] >= need.max {
			return false
		}
	}
	return true
}

func (s *solver) pick(pos int, sign int) {
	s.picked[pos] = sign > 0
	if s.ahead != nil {
		s.cost += sign * s.ahead[pos]
	}
	if sign > 0 {
		s.set = append(s.set, pos)
	} else {
		s.set = s.set[:len(s.set)-1]
	}
	for n := range s.l.needs {
		if s.l.qual[n][pos] {
			s.have[n] += sign
			s.left[n] -= sign
		}
	}
}

// need returns the ranking of the candidates who qualify for need n.
func (s *solver) need(n int) *ranking {
	if s.byNeed[n] == nil {
		keep := func(pos int) bool { return s.l.qual[n][pos] }
		if s.rank.teams != nil && s.rank.keys != nil {
			s.byNeed[n] = s.rank.teamRanking(s.l, keep)
		} else {
			s.byNeed[n] = s.rank.sub(keep)
		}
	}
	return s.byNeed[n]
}

// scarcest returns the unmet need with the least room to spare, or -1.
func (s *solver) scarcest() int {
	best, bestRoom := -1, 0
	for n, need := range s.l.needs {
		short := need.cfg.Min - s.have[n]
		if short <= 0 {
			continue
		}
		if room := s.left[n] - short; best < 0 || room < bestRoom {
			best, bestRoom = n, room
		}
	}
	return best
}

// search fills the remaining seats; fillFrom keeps the free seats' picks in
// rank order, so each set is tried once.
func (s *solver) search(fillFrom int) bool {
	s.nodes++
	if s.nodes > searchLimit || s.best != nil && s.cost >= s.bestCost {
		return false
	}
	seatsLeft := s.seats - len(s.set)
	for n, need := range s.l.needs {
		if s.have[n]+min(seatsLeft, s.left[n]) < need.cfg.Min {
			return false
		}
	}
	if seatsLeft == 0 {
		if s.cost == 0 {
			return true
		}
		s.best, s.bestCost = slices.Clone(s.set), s.cost // better than any before: see above
		return false
	}
	if n := s.scarcest(); n >= 0 {
		r := s.need(n)
		for i := range r.n {
			pos := r.at(i)
			if s.picked[pos] || !s.fits(pos) {
				continue
			}
			s.pick(pos, 1)
			if s.search(fillFrom) {
				return true
			}
			s.pick(pos, -1)
		}
		return false
	}
	for i := fillFrom; i < s.rank.n; i++ {
		pos := s.rank.at(i)
		if s.picked[pos] || !s.fits(pos) {
			continue
		}
		s.pick(pos, 1)
		if s.search(i + 1) {
			return true
		}
		s.pick(pos, -1)
	}
	return false
}

// solve picks up to seats members from rank (the positions in free, best
// first) for a shift of layer l that already has the fixed assignees
// (member ids). It returns their positions, and the problems of the shift
// in plain words when no set meets every need. elig are the positions of
// everyone who could have taken the slot, used to explain why a need is unmet.
//
// Under fair on a layer with teams, the set is chosen whole: of the sets
// that meet every need, the search's first among those that pass over the
// fewest owed teammates (see aheadOfTeam). When no set meets every need,
// partial improves on greedy's best partial set.
func (p *Planner) solve(l *layerInfo, seats int, fixed []string, rank *ranking, free, elig []int) ([]int, []string, int) {
	s := &solver{l: l, rank: rank, seats: min(seats, rank.n), byNeed: make([]*ranking, len(l.needs)),
		have: make([]int, len(l.needs)), left: make([]int, len(l.needs)), picked: make([]bool, len(l.members)), free: free}
	for n := range l.needs {
		for _, id := range fixed {
			if l.needs[n].cfg.Qualifies(p.members[p.index[id]].cfg) {
				s.have[n]++
			}
		}
		for _, pos := range free {
			if l.qual[n][pos] {
				s.left[n]++
			}
		}
	}
	s.ahead = rank.ahead
	found := s.search(0)
	if !found && s.best != nil {
		for len(s.set) > 0 {
			s.pick(s.set[len(s.set)-1], -1)
		}
		for _, pos := range s.best {
			s.pick(pos, 1)
		}
		found = true
	}
	if !found {
		s.greedy()
		s.partial()
	}
	on := func(pos int) bool { return s.picked[pos] }
	problems, violations := p.problems(l, seats-len(s.set), s.have, free, elig, on)
	return s.set, problems, violations
}

// greedy builds the best partial set when no set meets every need: the
// scarcest needs first, as far as they can be met, then the best of the rest.
func (s *solver) greedy() {
	for len(s.set) > 0 {
		s.pick(s.set[len(s.set)-1], -1)
	}
	skip := make([]bool, len(s.l.needs))
	for len(s.set) < s.seats {
		n, room := -1, 0
		for m, need := range s.l.needs {
			short := need.cfg.Min - s.have[m]
			if skip[m] || short <= 0 {
				continue
			}
			if r := s.left[m] - short; n < 0 || r < room {
				n, room = m, r
			}
		}
		if n < 0 {
			break
		}
		found := false
		r := s.need(n)
		for i := range r.n {
			if pos := r.at(i); !s.picked[pos] && s.fits(pos) {
				s.pick(pos, 1)
				found = true
				break
			}
		}
		if !found {
			skip[n] = true
		}
	}
	for i := 0; i < s.rank.n && len(s.set) < s.seats; i++ {
		if pos := s.rank.at(i); !s.picked[pos] && s.fits(pos) {
			s.pick(pos, 1)
		}
	}
}

// problems describes, in plain words, what a shift of layer l lacks: seats
// nobody could fill, and needs short of their min or over their max. have
// counts, per need, the members on the shift; free and elig are the
// positions that could take it (free: rested too), and on reports those
// already on it (nil: nobody). Without free and elig (a shift set by hand)
// it cannot say why a seat is empty beyond "nobody is available".
func (p *Planner) problems(l *layerInfo, empty int, have []int, free, elig []int, on func(pos int) bool) ([]string, int) {
	off := func(pos int) bool { return on == nil || !on(pos) }
	out, violations := []string{}, 0
	for n, need := range l.needs {
		label := need.label()
		if short := need.cfg.Min - have[n]; short > 0 {
			qualified := func(pos int) bool { return l.qual[n][pos] && off(pos) }
			why := "nobody qualified is available"
			switch {
			case !slices.ContainsFunc(l.members, func(mi int) bool { return need.cfg.Qualifies(p.members[mi].cfg) }):
				why = "nobody in the rotation has it"
			case slices.ContainsFunc(free, qualified):
				why = "the qualified members available would break another need"
			case slices.ContainsFunc(elig, qualified):
				why = "the qualified members are resting or in grace"
			}
			out = append(out, fmt.Sprintf("needs %d more %s: %s", short, label, why))
			violations++
		}
		if need.max >= 0 && have[n] > need.max {
			out = append(out, fmt.Sprintf("has %d %s, at most %d allowed", have[n], label, need.max))
			violations++
		}
	}
	if empty > 0 {
		out = append(out, fmt.Sprintf("needs %d more %s: %s", empty, plural(empty, "person", "people"), p.emptyWhy(l, have, free, elig, off)))
	}
	return out, violations
}

// emptyWhy says why seats of a shift stay empty. The solver leaves a seat
// empty while someone is free only when each of them would take a need
// past its max; those maxes are the reason, not that nobody is there.
func (p *Planner) emptyWhy(l *layerInfo, have []int, free, elig []int, off func(pos int) bool) string {
	blocked := make([]bool, len(l.needs))
	others, open := false, false
	for _, pos := range free {
		if !off(pos) {
			continue
		}
		others = true
		stops := false
		for n, need := range l.needs {
			if need.max >= 0 && l.qual[n][pos] && have[n] >= need.max {
				blocked[n], stops = true, true
			}
		}
		open = open || !stops
	}
	if others && !open {
		var maxes []string
		for n, need := range l.needs {
			if blocked[n] {
				maxes = append(maxes, fmt.Sprintf("at most %d %s", need.max, need.label()))
			}
		}
		return "the members available would break " + strings.Join(maxes, " or ")
	}
	if !others && slices.ContainsFunc(elig, off) {
		return "the others are resting or in grace"
	}
	return "nobody is available"
}

func (n needInfo) label() string {
	lv := strings.ToLower(n.cfg.Level.String())
	if n.cfg.Level < 4 {
		lv += "+"
	}
	return fmt.Sprintf("%s (%s)", n.cfg.Skill, lv)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
