package config

import (
	"fmt"
	"strings"

	"github.com/rota-scheduler/rota/internal/needfill"
)

// Whether a layer's needs can be met together: each alone may be met and
// yet no set of size members meet them all (a layer of size 1 with two
// mins of skills nobody has both of, or a max that leaves too few others).
// Every shift of such a layer would carry a problem, so loading rejects it.

// maxTogetherNodes bounds the check: past it, it accepts the layer rather
// than guess (the planner then says what each shift lacks).
const maxTogetherNodes = 200_000

// needsMetIn reports whether size of the members with signatures sigs
// (bit n: the member counts for needs[n]) meet every one of needs, whether
// it could decide, and the steps its search took.
func needsMetIn(needs []Need, sigs []uint64, size int) (met, decided bool, nodes int) {
	if len(needs) > needfill.MaxNeeds {
		return true, false, 0
	}
	fill := make([]needfill.Need, len(needs))
	for n, nd := range needs {
		fill[n] = needfill.Need{Min: nd.Min, Max: -1}
		if nd.HasMax {
			fill[n].Max = nd.Max
		}
	}
	var f needfill.Finder
	_, score, found, complete := f.Fill(fill, sigs, make([]int, len(needs)), size, needfill.Worst, maxTogetherNodes)
	met = found && score == needfill.Score{}
	return met || !complete, met || complete, f.Nodes()
}

// needsMet is needsMetIn without the steps.
func needsMet(needs []Need, sigs []uint64, size int) (met, decided bool) {
	met, decided, _ = needsMetIn(needs, sigs, size)
	return met, decided
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
	if len(lm.needs) < 1 || len(lm.needs) > needfill.MaxNeeds || lm.size > len(lm.ids) {
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
