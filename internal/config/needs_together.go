package config

import (
	"fmt"
	"strings"
)

// Whether a layer's needs can be met together: each alone may be met and
// yet no set of size members meet them all (a layer of size 1 with two
// mins of skills nobody has both of, or a max that leaves too few others).
// Every shift of such a layer would carry a problem, so loading rejects it.

// maxTogetherNeeds and maxTogetherNodes bound the check: past them it
// accepts the layer rather than guess (the planner then says what each
// shift lacks).
const (
	maxTogetherNeeds = 64
	maxTogetherNodes = 200_000
)

// together is needsMet's search: whether some size members, each given by
// the needs it counts for (bit n: needs[n]), meet every min and no max.
type together struct {
	needs  []Need
	groups []group // members with the same needs, in order of first member
	rem    [][]int // rem[g][n]: members of groups g.. who count for need n
	remAll []int   // remAll[g]: members of groups g..
	dead   map[string]bool
	nodes  int
}

type group struct {
	sig   uint64
	count int
}

// needsMet reports whether size of the members with signatures sigs meet
// every one of needs, and whether it could decide.
func needsMet(needs []Need, sigs []uint64, size int) (met, decided bool) {
	met, decided, _ = needsMetIn(needs, sigs, size)
	return met, decided
}

// needsMetIn is needsMet, and the nodes its search took.
func needsMetIn(needs []Need, sigs []uint64, size int) (met, decided bool, nodes int) {
	if len(needs) > maxTogetherNeeds {
		return true, false, 0
	}
	t := &together{needs: needs, dead: map[string]bool{}}
	at := map[uint64]int{}
	for _, s := range sigs {
		g, ok := at[s]
		if !ok {
			g = len(t.groups)
			at[s] = g
			t.groups = append(t.groups, group{sig: s})
		}
		t.groups[g].count++
	}
	t.rem = make([][]int, len(t.groups)+1)
	t.remAll = make([]int, len(t.groups)+1)
	t.rem[len(t.groups)] = make([]int, len(needs))
	for g := len(t.groups) - 1; g >= 0; g-- {
		t.rem[g] = append([]int(nil), t.rem[g+1]...)
		for n := range needs {
			if t.groups[g].sig&(1<<n) != 0 {
				t.rem[g][n] += t.groups[g].count
			}
		}
		t.remAll[g] = t.remAll[g+1] + t.groups[g].count
	}
	met = t.search(0, size, make([]int, len(needs)))
	return met || t.nodes > maxTogetherNodes, t.nodes <= maxTogetherNodes, t.nodes
}

// search chooses how many of group g and the groups after it take the left
// seats, given have (per need, the members chosen so far who count for it).
func (t *together) search(g, left int, have []int) bool {
	if t.nodes++; t.nodes > maxTogetherNodes {
		return false
	}
	if t.remAll[g] < left {
		return false
	}
	for n, nd := range t.needs {
		if have[n]+min(left, t.rem[g][n]) < nd.Min {
			return false
		}
	}
	if left == 0 {
		return true // every min is met, and no max was passed on the way
	}
	key := fmt.Sprint(g, left, have)
	if t.dead[key] {
		return false
	}
	sig := t.groups[g].sig
	for c := min(left, t.groups[g].count); c >= 0; c-- {
		fits := true
		for n, nd := range t.needs {
			if nd.HasMax && sig&(1<<n) != 0 && have[n]+c > nd.Max {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		next := append([]int(nil), have...)
		for n := range t.needs {
			if sig&(1<<n) != 0 {
				next[n] += c
			}
		}
		if t.search(g+1, left-c, next) {
			return true
		}
		if t.nodes > maxTogetherNodes {
			return false
		}
	}
	t.dead[key] = true
	return false
}

// conflicting returns a smallest-by-deletion subset of needs (indexes) that
// size of the members with signatures sigs cannot meet together, or nil
// when they can all be met (or it cannot tell). Dropping a need keeps the
// others' bits: a signature only says which needs a member counts for.
// Past a budget of nodes it stops dropping: what is left still conflicts.
func conflicting(needs []Need, sigs []uint64, size int) []int {
	met, decided, spent := needsMetIn(needs, sigs, size)
	if met || !decided {
		return nil
	}
	keep := make([]int, len(needs))
	for i := range keep {
		keep[i] = i
	}
	for i := 0; i < len(keep) && spent <= 2*maxTogetherNodes; {
		try := append(append([]int(nil), keep[:i]...), keep[i+1:]...)
		met, decided, nodes := needsMetIn(pickNeeds(needs, try), pickSigs(sigs, try), size)
		spent += nodes
		if !met && decided {
			keep = try
		} else {
			i++
		}
	}
	return keep
}

func pickNeeds(needs []Need, idx []int) []Need {
	out := make([]Need, len(idx))
	for i, n := range idx {
		out[i] = needs[n]
	}
	return out
}

func pickSigs(sigs []uint64, idx []int) []uint64 {
	out := make([]uint64, len(sigs))
	for m, s := range sigs {
		for i, n := range idx {
			if s&(1<<n) != 0 {
				out[m] |= 1 << i
			}
		}
	}
	return out
}

// checkTogether reports a layer whose needs can each be met but not all
// together: the error names the rotation, the layer and the needs.
func (l *loader) checkTogether(rotID string, lm *layerMeta, byID map[string]*Member) {
	if len(lm.needs) < 1 || len(lm.needs) > maxTogetherNeeds || lm.size > len(lm.ids) {
		return
	}
	needs := make([]Need, len(lm.needs))
	for i, nr := range lm.needs {
		needs[i] = nr.need
	}
	sigs := make([]uint64, len(lm.ids))
	for m, id := range lm.ids {
		for n, nd := range needs {
			if nd.Qualifies(byID[id]) {
				sigs[m] |= 1 << n
			}
		}
	}
	bad := conflicting(needs, sigs, lm.size)
	if bad == nil {
		return
	}
	parts := make([]string, len(bad))
	for i, n := range bad {
		parts[i] = fmt.Sprintf("%s (%s)", strings.TrimPrefix(lm.needs[n].field, lm.field+"."), needs[n].describe())
	}
	what, them := parts[0]+" can never be met", "it"
	if len(parts) > 1 {
		what, them = strings.Join(parts[:len(parts)-1], ", ")+" and "+parts[len(parts)-1]+" can never be met together", "them all"
	}
	l.errAt(lm.at, lm.field, "rotation %q layer %q: %s: no %d of the layer's %d members meet %s",
		rotID, lm.name, what, lm.size, len(lm.ids), them)
}

// describe says what a need asks of a shift, e.g. "at least 1 with lead at
// beginner or above".
func (n Need) describe() string {
	var count string
	switch {
	case n.HasMax && n.Max == 0:
		count = "none"
	case n.HasMax && n.Max == n.Min:
		count = fmt.Sprintf("exactly %d", n.Min)
	case n.HasMax && n.Min > 0:
		count = fmt.Sprintf("%d to %d", n.Min, n.Max)
	case n.HasMax:
		count = fmt.Sprintf("at most %d", n.Max)
	default:
		count = fmt.Sprintf("at least %d", n.Min)
	}
	return fmt.Sprintf("%s with %s at %s or above", count, n.Skill, max(n.Level, Beginner))
}
