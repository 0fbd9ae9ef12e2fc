package engine

import (
	"cmp"
	"math"
	"slices"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// roundTeam bounds the members a round is planned for (the assignment is
// cubic in them).
const roundTeam = 64

// roundBands caps the band of total load in a round's costs: members
// further apart than that are ordered as if that far.
const roundBands = 15

// roundSet is fair's choice on a layer without needs: a slot is chosen as
// part of its round, the next slots that the eligible members can fill
// once each. Picked slot by slot, the members behind on weekends can be
// used up on the weekdays before the weekend comes, or left over for the
// next round's weekday; so the round's seats are given all at once, by a
// least-cost assignment (see roundCost) of the members to them under the
// rest rule and time away, and the current slot takes its part of it.
//
// Without a rest rule the round starts at the current slot and holds every
// eligible member (its last slot maybe in part, the rest of it left to the
// next round), and the band of total load weighs more the sooner the slot,
// so those behind serve first and nobody runs ahead in total. Under a rest
// rule, the choice that decides a weekend lies before it, and ordering
// each round by total load can hand the same members the same day every
// week (7 members, daily shifts of three, a day's rest: the same three
// every Sunday); so rounds are whole slots counted from the layer's start
// (members ÷ seats of them, those left over wait for the next). On a team
// with at most one member to spare over those the rule keeps resting
// (restSlots), where that lock happens, the order within a round is free:
// a member may serve before one behind them in total, who serves later in
// the same round. Elsewhere those behind still serve first, so nobody
// runs ahead in total.
//
// It returns false, and the slot is chosen seat by seat, when there is no
// round or no assignment that fills it.
func (p *Planner) roundSet(w *work, l *layerInfo, sh *Shift, elig, free []int) ([]int, bool) {
	size := l.cfg.Size
	if l.cfg.Strategy != config.Fair || len(l.needs) > 0 || len(l.members) > roundTeam || len(free) < size {
		return nil, false
	}
	st := w.st
	least := math.Inf(1)
	for _, pos := range elig {
		least = min(least, surplus(w.ledger(p, l.members[pos])).Total())
	}
	cands := slices.Clone(elig)         // columns of the assignment
	n := (len(cands) + size - 1) / size // slots in the round, the last maybe in part
	rows, flat := len(cands), false
	if p.rot.MinRest > 0 || l.cfg.Grace > 0 {
		// Under a rest rule, rounds of whole slots from the layer's start,
		// in any order within on a tight team.
		n = len(cands) / size
		if n == 0 {
			return nil, false
		}
		n -= sh.Seq % n
		rows, flat = n*size, len(cands)/size <= p.restSlots(l, sh)+2
	}

	// The tie-break among equal costs is the members' seeded order.
	slices.SortStableFunc(cands, func(a, b int) int {
		return cmp.Compare(p.members[l.members[a]].tie, p.members[l.members[b]].tie)
	})
	slots := []calendar.Slot{{ID: sh.ID, Layer: sh.Layer, Index: sh.Index, Start: sh.Start, End: sh.End, Kind: sh.Kind}}
	for k := sh.Index + 1; len(slots) < n; {
		s, ok := p.nextSlot(k)
		if !ok {
			break // the rotation ends within the round
		}
		if _, manual := st.Overrides[s.ID]; manual || s.Layer != l.cfg.Name {
			return nil, false
		}
		slots = append(slots, s)
		k = s.Index + 1
	}
	isFree := make([]bool, len(l.members))
	for _, pos := range free {
		isFree[pos] = true
	}
	cost := [][]int64{}
	for i, s := range slots {
		for range size {
			if len(cost) == rows {
				break // the rest of the last slot goes to the next round
			}
			row := make([]int64, len(cands))
			for c, pos := range cands {
				led := w.ledger(p, l.members[pos])
				switch {
				case i == 0 && !isFree[pos]:
					row[c] = Forbidden
				case i > 0 && (!p.eligible(st, l, pos, s.Start, s.End) || !p.rested(led, l, sh.Seq+i, s.Start)):
					row[c] = Forbidden
				default:
					over := surplus(led)
					soon := len(slots) - i
					if flat {
						soon = 1
					}
					row[c] = roundCost(over, least, soon, s.Kind) + int64(c)
				}
			}
			cost = append(cost, row)
		}
	}
	assign, ok := assignment(cost)
	if !ok {
		return nil, false
	}
	set := make([]int, 0, size)
	for j := range size {
		set = append(set, cands[assign[j]])
	}
	return set, true
}

// roundCost is what giving a seat of kind k, soon slots before the end
// of a round, costs a member whose surplus is over (least: the least
// surplus of total load), lexicographically. First the band of total load
// times soon: the members behind in total serve first, those ahead later
// or not in this round, as rule 2 wants. Then their surplus of k: the
// member most behind on k takes it. Then their surplus of the rare kinds:
// a weekend or holiday seat goes to the one with the fewest weekends and
// holidays, a weekday seat to the one with the most, which keeps weekdays
// even too. The low byte is left for a tie-break. The band is capped at
// roundBands, so that a round's costs (at most roundTeam rows of them) add
// up within an int64.
func roundCost(over Tally, least float64, soon int, k calendar.Kind) int64 {
	band := min(int64(math.Floor(over.Total()-least+0.5)), roundBands)
	milli := func(x float64) int64 { return int64(math.Round(x * 1000)) }
	rare := milli(over.Weekend + over.Holiday)
	if k == calendar.Holiday && over.Holiday <= -1+1e-9 {
		band = 0 // rule 1: a whole holiday behind comes first
	}
	if k == calendar.Weekday {
		return band*int64(soon)<<46 - rare<<26 - milli(over.Weekend)<<8
	}
	return band*int64(soon)<<46 + milli(over.Of(k))<<26 + rare<<8
}

// restSlots is how many of the layer's next slots a member who serves sh
// sits out: those that start before sh's end plus min_rest, or grace,
// whichever is more.
func (p *Planner) restSlots(l *layerInfo, sh *Shift) int {
	out := 0
	if p.rot.MinRest > 0 {
		until := sh.End.Add(p.rot.MinRest)
		for k := sh.Index + 1; ; {
			s, ok := p.nextSlot(k)
			if !ok || !s.Start.Before(until) || out > roundTeam {
				break
			}
			if s.Layer == l.cfg.Name {
				out++
			}
			k = s.Index + 1
		}
	}
	return max(out, l.cfg.Grace)
}
