package engine

import (
	"fmt"
	"slices"
	"strings"
)

// searchLimit bounds the search for a set that meets every need; past it
// the solver settles for its best partial set and says what is missing.
const searchLimit = 20000

// solver looks for `seats` members from order (layer positions, best first)
// who, with the fixed ones, meet every need's min and break no max. Among
// the sets that do, it prefers the scarcest need's best candidates, then the
// best of the rest: the members earlier in order.
type solver struct {
	l      *layerInfo
	order  []int
	seats  int
	have   []int  // per need: qualified members in the set so far
	left   []int  // per need: qualified candidates in order not picked
	picked []bool // by index in order
	set    []int  // indexes in order, in the order they were picked
	nodes  int
}

func (s *solver) qual(n, i int) bool { return s.l.qual[n][s.order[i]] }

// fits reports whether candidate i can join without breaking a max.
func (s *solver) fits(i int) bool {
	for n, need := range s.l.needs {
		if need.max >= 0 && s.qual(n, i) && s.have[n] >= need.max {
			return false
		}
	}
	return true
}

func (s *solver) pick(i int, sign int) {
	s.picked[i] = sign > 0
	if sign > 0 {
		s.set = append(s.set, i)
	} else {
		s.set = s.set[:len(s.set)-1]
	}
	for n := range s.l.needs {
		if s.qual(n, i) {
			s.have[n] += sign
			s.left[n] -= sign
		}
	}
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
// order, so each set is tried once.
func (s *solver) search(fillFrom int) bool {
	s.nodes++
	if s.nodes > searchLimit {
		return false
	}
	seatsLeft := s.seats - len(s.set)
	for n, need := range s.l.needs {
		if s.have[n]+min(seatsLeft, s.left[n]) < need.cfg.Min {
			return false
		}
	}
	if seatsLeft == 0 {
		return true
	}
	if n := s.scarcest(); n >= 0 {
		for i := range s.order {
			if s.picked[i] || !s.qual(n, i) || !s.fits(i) {
				continue
			}
			s.pick(i, 1)
			if s.search(fillFrom) {
				return true
			}
			s.pick(i, -1)
		}
		return false
	}
	for i := fillFrom; i < len(s.order); i++ {
		if s.picked[i] || !s.fits(i) {
			continue
		}
		s.pick(i, 1)
		if s.search(i + 1) {
			return true
		}
		s.pick(i, -1)
	}
	return false
}

// solve picks up to seats members from order for a shift of layer l that
// already has the fixed assignees (member ids). It returns their positions,
// and the problems of the shift in plain words when no set meets every need.
// elig are the positions of everyone who could have taken the slot, used to
// explain why a need is unmet.
func (p *Planner) solve(l *layerInfo, seats int, fixed []string, order, elig []int) ([]int, []string, int) {
	s := &solver{l: l, order: order, seats: min(seats, len(order)),
		have: make([]int, len(l.needs)), left: make([]int, len(l.needs)), picked: make([]bool, len(order))}
	for n := range l.needs {
		for _, id := range fixed {
			if l.needs[n].cfg.Qualifies(p.members[p.index[id]].cfg) {
				s.have[n]++
			}
		}
		for i := range order {
			if s.qual(n, i) {
				s.left[n]++
			}
		}
	}
	if !s.search(0) {
		s.greedy()
	}
	chosen := make([]int, len(s.set))
	for i, idx := range s.set {
		chosen[i] = order[idx]
	}
	problems, violations := p.problems(l, seats-len(chosen), s.have, order, elig)
	return chosen, problems, violations
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
		i := -1
		for j := range s.order {
			if !s.picked[j] && s.qual(n, j) && s.fits(j) {
				i = j
				break
			}
		}
		if i < 0 {
			skip[n] = true
			continue
		}
		s.pick(i, 1)
	}
	for i := range s.order {
		if len(s.set) >= s.seats {
			break
		}
		if !s.picked[i] && s.fits(i) {
			s.pick(i, 1)
		}
	}
}

// problems describes, in plain words, what a shift of layer l lacks: seats
// nobody could fill, and needs short of their min or over their max.
func (p *Planner) problems(l *layerInfo, empty int, have []int, order, elig []int) ([]string, int) {
	out, violations := []string{}, 0
	for n, need := range l.needs {
		label := need.label()
		if short := need.cfg.Min - have[n]; short > 0 {
			why := "nobody qualified is available"
			switch {
			case !slices.ContainsFunc(l.members, func(mi int) bool { return need.cfg.Qualifies(p.members[mi].cfg) }):
				why = "nobody in the rotation has it"
			case slices.ContainsFunc(order, func(pos int) bool { return l.qual[n][pos] }):
				why = "the qualified members available would break another need"
			case slices.ContainsFunc(elig, func(pos int) bool { return l.qual[n][pos] }):
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
		out = append(out, fmt.Sprintf("needs %d more %s: nobody is available", empty, plural(empty, "person", "people")))
	}
	return out, violations
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
