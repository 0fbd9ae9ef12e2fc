package engine

import (
	"cmp"
	"slices"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// Bounds of the reservation lookahead, which keeps its cost small: it runs
// only for teams of at most reserveTeam, over at most reserveSlots slots,
// trying at most reserveNodes slot choices.
const (
	reserveTeam  = 64
	reserveSlots = 16
	reserveNodes = 300
)

// choose picks who serves sh among free: on a fair layer with a rest rule,
// the plan of a reservation when the order alone would leave the members
// most behind on the next weekend or holiday resting for it; else, on a
// fair layer without needs, the slot's part of its round (roundSet); else
// the strategy's order solved against the needs.
func (p *Planner) choose(w *work, l *layerInfo, sh *Shift, elig, free []int, sample uint64) ([]int, []string, int) {
	set, ok := p.reserve(w, l, sh, elig, free)
	if !ok {
		set, ok = p.roundSet(w, l, sh, elig, free)
	}
	if ok {
		problems, violations := p.problems(l, l.cfg.Size-len(set), nil, free, elig, func(pos int) bool { return slices.Contains(set, pos) })
		return set, problems, violations
	}
	rank := p.order(w, l, sh, elig, free, sample)
	return p.solve(l, l.cfg.Size, nil, rank, free, elig)
}

// reservation is the lookahead of a weekday slot of a fair layer with a
// rest rule. Under a rest rule, who can take a weekend or holiday slot u
// is decided by who served the slots just before it, and the band of total
// load (rule 2) can force a member who is behind on u's kind into one of
// them, every week. The reservation plans, on a copy of the ledgers, the
// weekday slots from the current one up to u, each with members of the
// best band of total load as rule 2 wants, so that the members most behind
// on u's kind are rested for u: those slots whose rest reaches u go to
// others, and the earlier ones may go to them.
type reservation struct {
	p     *Planner
	l     *layerInfo
	st    *State // read only: for time away
	w     *work  // over the copy of the ledgers
	slots []calendar.Slot
	first *Shift // the slot being planned, slots[0]
	u     calendar.Slot
	seqU  int
	keep  []bool // by layer position: reserved for u

	// Where each member last served in the window (slot index + 1, 0: not
	// yet) and how often: all that decides whether the rest of the window
	// can be planned, so a dead end is remembered by them.
	lastIn, cnt []byte
	dead        map[string]bool
	prefer      bool // reserved members first where they may serve
	nodes       int
	limit       int
	chosen      []int
}

// reserve returns the set a reservation plans for sh, and false when there
// is nothing to reserve or no plan keeps the reserved members rested.
func (p *Planner) reserve(w *work, l *layerInfo, sh *Shift, elig, free []int) ([]int, bool) {
	if l.cfg.Strategy != config.Fair || len(l.needs) > 0 || sh.Kind != calendar.Weekday ||
		(p.rot.MinRest <= 0 && l.cfg.Grace <= 0) || len(l.members) > reserveTeam || len(free) < l.cfg.Size {
		return nil, false
	}
	st := w.st
	slots := []calendar.Slot{{ID: sh.ID, Layer: sh.Layer, Index: sh.Index, Start: sh.Start, End: sh.End, Kind: sh.Kind}}
	var u calendar.Slot
	for k := sh.Index + 1; u.ID == ""; k++ {
		if k > sh.Index+reserveSlots {
			return nil, false
		}
		s, ok := p.spec.SlotAt(k)
		if !ok {
			continue
		}
		if _, manual := st.Overrides[s.ID]; manual || s.Layer != l.cfg.Name {
			return nil, false
		}
		if s.Kind == calendar.Weekday {
			slots = append(slots, s)
		} else {
			u = s
		}
	}
	seqU := sh.Seq + len(slots)
	if !p.blocks(l, slots[len(slots)-1], seqU-1, u, seqU) {
		return nil, false // nobody who serves before u rests through it
	}
	r := &reservation{p: p, l: l, st: st, slots: slots, first: sh, u: u, seqU: seqU, keep: make([]bool, len(l.members))}
	r.w = &work{st: &State{Ledgers: map[string]*Ledger{}, Seq: map[string]int{}}, leds: make([]*Ledger, len(p.members))}
	for _, mi := range l.members {
		c := Ledger{}
		if led := st.Ledgers[p.members[mi].cfg.ID]; led != nil {
			c = *led
		}
		c.Last = c.Last.clone()
		r.w.leds[mi] = &c
	}
	want := r.wanted()
	// All of them if that can be done, else the one most behind. First by
	// the strategy's order; if that leaves a reserved member resting at u,
	// by one that serves reserved members first wherever they may serve.
	for n := len(want); n >= 1; n = min(n-1, 1) {
		clear(r.keep)
		for _, pos := range want[:n] {
			r.keep[pos] = true
		}
		for _, prefer := range []bool{false, true} {
			r.prefer, r.nodes, r.limit = prefer, 0, len(slots)
			if prefer {
				r.limit = reserveNodes
			}
			r.lastIn, r.cnt = make([]byte, len(l.members)), make([]byte, len(l.members))
			r.dead = map[string]bool{}
			if r.search(0, elig, free) {
				return r.chosen, true
			}
		}
	}
	return nil, false
}

// wanted returns the members to keep rested for u, most behind first: at
// most a slot's seats of those who could take u, at least half a shift
// behind on its kind and within half a shift of the most behind.
func (r *reservation) wanted() []int {
	p, l, u := r.p, r.l, r.u
	type cand struct {
		pos  int
		debt int64
		tie  uint64
	}
	var cs []cand
	for pos, mi := range l.members {
		led := r.w.leds[mi]
		if p.eligible(r.st, l, pos, u.Start, u.End) && p.rested(led, l, r.seqU, u.Start) {
			over := surplus(led)
			cs = append(cs, cand{pos, quantize(over.Of(u.Kind)), p.members[mi].tie})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if c := cmp.Compare(a.debt, b.debt); c != 0 {
			return c
		}
		return cmp.Compare(a.tie, b.tie)
	})
	var want []int
	for _, c := range cs {
		if len(want) < l.cfg.Size && c.debt <= cs[0].debt+quantize(0.5) && c.debt <= -quantize(0.5) {
			want = append(want, c.pos)
		}
	}
	return want
}

// blocks reports whether serving s (at layer sequence seq) leaves a member
// resting at u (at sequence seqU).
func (p *Planner) blocks(l *layerInfo, s calendar.Slot, seq int, u calendar.Slot, seqU int) bool {
	if p.rot.MinRest > 0 && u.Start.Before(s.End.Add(p.rot.MinRest)) {
		return true
	}
	return l.cfg.Grace > 0 && seqU-seq <= l.cfg.Grace
}

// snap is a ledger as it was, to put back after a trial.
type snap struct {
	led    Ledger
	seq    int
	hasSeq bool
}

func (r *reservation) take(mi int) snap {
	led := r.w.leds[mi]
	v, ok := led.Last.Seq[r.l.cfg.Name]
	return snap{*led, v, ok}
}

func (r *reservation) put(mi int, s snap) {
	led := r.w.leds[mi]
	m := led.Last.Seq
	*led = s.led
	if m != nil {
		if s.hasSeq {
			m[r.l.cfg.Name] = s.seq
		} else {
			delete(m, r.l.cfg.Name)
		}
		led.Last.Seq = m
	}
}

// search plans slots[i:] depth first and reports whether it kept every
// reserved member rested for u; the set for slots[0] is left in chosen.
func (r *reservation) search(i int, elig, free []int) bool {
	if i == len(r.slots) {
		return true
	}
	key := string(append(append([]byte{byte(i)}, r.lastIn...), r.cnt...))
	if r.dead[key] {
		return false
	}
	if r.nodes++; r.nodes > r.limit {
		return false
	}
	ok := r.try(i, elig, free)
	if !ok && r.nodes <= r.limit {
		r.dead[key] = true
	}
	return ok
}

// try plans slot i with each set rule 2 allows, in the strategy's order:
// the members of the bands better than the worst picked, and any choice
// from that band. A reserved member may not take a slot whose rest reaches u.
func (r *reservation) try(i int, elig, free []int) bool {
	p, l, w := r.p, r.l, r.w
	slot := r.slots[i]
	seq := r.first.Seq + i
	if i > 0 {
		before := make([]snap, len(l.members))
		for pos, mi := range l.members {
			before[pos] = r.take(mi)
		}
		defer func() {
			for pos, mi := range l.members {
				r.put(mi, before[pos])
			}
		}()
		elig, free = nil, nil
		for pos := range l.members {
			if p.eligible(r.st, l, pos, slot.Start, slot.End) {
				elig = append(elig, pos)
			}
		}
		if len(elig) > 0 {
			share := float64(l.cfg.Size) / float64(len(elig))
			hours := share * slot.End.Sub(slot.Start).Hours()
			for _, pos := range elig {
				w.leds[l.members[pos]].Expected.add(slot.Kind, share, hours)
			}
		}
		for _, pos := range elig {
			if p.rested(w.leds[l.members[pos]], l, seq, slot.Start) {
				free = append(free, pos)
			}
		}
	}
	size := l.cfg.Size
	if len(free) < size {
		return false
	}
	sh := Shift{ID: slot.ID, Layer: slot.Layer, Kind: slot.Kind, Start: slot.Start, End: slot.End,
		Index: slot.Index, Seq: seq, Count: r.first.Count + i, Share: 1}
	rank := p.fairOrder(w, l, &sh, elig, free)
	band := make([][2]int64, len(l.members))
	for _, k := range rank.keys {
		band[k.pos] = [2]int64{k.keys[0], k.keys[1]}
	}
	order := make([]int, rank.n)
	for j := range order {
		order[j] = rank.at(j)
	}
	worst := band[order[size-1]]
	blocked := p.blocks(l, slot, seq, r.u, r.seqU)
	var must, maybe []int
	for _, pos := range order[:size] {
		if band[pos] != worst {
			if blocked && r.keep[pos] {
				return false
			}
			must = append(must, pos)
		}
	}
	for _, pos := range order {
		if band[pos] == worst && !(blocked && r.keep[pos]) {
			maybe = append(maybe, pos)
		}
	}
	if r.prefer && !blocked {
		slices.SortStableFunc(maybe, func(a, b int) int {
			if r.keep[a] == r.keep[b] {
				return 0
			} else if r.keep[a] {
				return -1
			}
			return 1
		})
	}
	need := size - len(must)
	if len(maybe) < need {
		return false
	}
	pick := make([]int, need) // indexes into maybe, increasing
	for j := range pick {
		pick[j] = j
	}
	set := make([]int, size)
	saved := make([]snap, size)
	savedLast := make([]byte, size)
	for {
		copy(set, must)
		for j, k := range pick {
			set[len(must)+j] = maybe[k]
		}
		for j, pos := range set {
			mi := l.members[pos]
			saved[j], savedLast[j] = r.take(mi), r.lastIn[pos]
			led := w.leds[mi]
			led.Actual.serve(sh.Kind, sh.Share, sh.Share*sh.Hours())
			led.Last.add(&sh)
			r.lastIn[pos] = byte(i + 1)
			r.cnt[pos]++
		}
		ok := r.search(i+1, nil, nil)
		for j, pos := range set {
			r.put(l.members[pos], saved[j])
			r.lastIn[pos] = savedLast[j]
			r.cnt[pos]--
		}
		if ok {
			if i == 0 {
				r.chosen = slices.Clone(set)
			}
			return true
		}
		if r.nodes > r.limit {
			return false
		}
		j := need - 1
		for j >= 0 && pick[j] == len(maybe)-need+j {
			j--
		}
		if j < 0 {
			return false
		}
		pick[j]++
		for k := j + 1; k < need; k++ {
			pick[k] = pick[k-1] + 1
		}
	}
}
