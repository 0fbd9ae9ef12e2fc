package engine

// FairShares returns each member's fair share of shifts, by kind and in
// hours: every shift's seats divided equally among the members of its
// layer who could have taken it (a member of the layer then, and not away
// by the config or, when st is not nil, by an absence reported at run
// time). It is what the ledgers keep as Expected, computed from the shifts
// alone, so that a plan can be measured against it (report.Of). A shift
// split by a change counts by its share.
func (p *Planner) FairShares(shifts []Shift, st *State) map[string]Tally {
	if st == nil {
		st = &State{}
	}
	out := map[string]Tally{}
	bounded := make([]bool, len(p.layers)) // some member has bounds or time away
	for li := range p.layers {
		l := &p.layers[li]
		for pos, mi := range l.members {
			if !l.from[pos].IsZero() || !l.until[pos].IsZero() || len(p.members[mi].away) > 0 {
				bounded[li] = true
			}
		}
		for _, a := range st.Away {
			if l.position(p, a.Member) >= 0 {
				bounded[li] = true
			}
		}
	}
	// Layers where everyone can take every shift: sum the seats, then share.
	whole := make([]Tally, len(p.layers))
	var elig []int
	for i := range shifts {
		sh := &shifts[i]
		li, ok := p.byName[sh.Layer]
		if !ok {
			continue
		}
		l := &p.layers[li]
		seats := float64(l.cfg.Size) * sh.Share
		if !bounded[li] {
			whole[li].add(sh.Kind, seats, seats*sh.Hours())
			continue
		}
		elig = elig[:0]
		for pos := range l.members {
			if p.eligible(st, l, pos, sh.Start, sh.End) {
				elig = append(elig, pos)
			}
		}
		if len(elig) == 0 {
			continue
		}
		share := seats / float64(len(elig))
		for _, pos := range elig {
			id := p.members[l.members[pos]].cfg.ID
			t := out[id]
			t.add(sh.Kind, share, share*sh.Hours())
			out[id] = t
		}
	}
	for li := range p.layers {
		l := &p.layers[li]
		if bounded[li] || len(l.members) == 0 {
			continue
		}
		n := float64(len(l.members))
		for _, mi := range l.members {
			id := p.members[mi].cfg.ID
			t := out[id]
			w := whole[li]
			t.Weekday += w.Weekday / n
			t.Weekend += w.Weekend / n
			t.Holiday += w.Holiday / n
			t.Hours += w.Hours / n
			out[id] = t
		}
	}
	return out
}
