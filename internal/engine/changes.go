package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// Rejected is a change the engine refuses; Reason says why in plain words.
type Rejected struct{ Reason string }

func (e *Rejected) Error() string { return e.Reason }

func reject(format string, args ...any) error {
	return &Rejected{Reason: fmt.Sprintf(format, args...)}
}

// Change says what a change did: the shifts it changed or added (by ID, in
// start order), and one line per seat that changed hands.
type Change struct {
	Shifts []string `json:"shifts"`
	Notes  []string `json:"notes"`
}

func (c *Change) touch(id, note string) {
	if !slices.Contains(c.Shifts, id) {
		c.Shifts = append(c.Shifts, id)
	}
	if note != "" {
		c.Notes = append(c.Notes, note)
	}
}

// Every change works on a copy of the state and replaces the state only
// when it succeeds, so a rejected change leaves nothing behind.
func (p *Planner) change(st *State, f func(w *State, c *Change) error) (Change, error) {
	st.init()
	w := st.Clone()
	c := Change{Shifts: []string{}, Notes: []string{}}
	if err := f(w, &c); err != nil {
		return Change{}, err
	}
	*st = *w
	return c, nil
}

// known checks that member is a member of the config.
func (p *Planner) known(member string) error {
	if _, ok := p.index[member]; !ok {
		return reject("unknown member %q", member)
	}
	return nil
}

// find returns the index of the planned shift id in w.Shifts.
func find(w *State, id string) (int, error) {
	i := slices.IndexFunc(w.Shifts, func(s Shift) bool { return s.ID == id })
	if i < 0 {
		return -1, reject("no planned shift %q", id)
	}
	return i, nil
}

// open checks that a shift can still be changed at now.
func open(sh *Shift, now time.Time) error {
	if !now.Before(sh.End) {
		return reject("shift %s ended at %s", sh.ID, sh.End.Format(time.RFC3339))
	}
	return nil
}

// conflict says why member cannot serve from..to of a shift of the
// rotation, given their other planned shifts (except those in skip):
// unavailable, already on shift, or short of min_rest.
func (p *Planner) conflict(w *State, member string, from, to time.Time, skip ...string) string {
	mi, ok := p.index[member]
	if !ok {
		return fmt.Sprintf("unknown member %q", member)
	}
	if p.away(w, mi, from, to) {
		return fmt.Sprintf("%s is unavailable then", member)
	}
	for i := range w.Shifts {
		o := &w.Shifts[i]
		if !o.Has(member) || slices.Contains(skip, o.ID) {
			continue
		}
		if o.Start.Before(to) && from.Before(o.End) {
			return fmt.Sprintf("%s is already on shift %s", member, o.ID)
		}
		if r := p.rot.MinRest; r > 0 && (from.Sub(o.End) < r && !o.End.After(from) || o.Start.Sub(to) < r && !to.After(o.Start)) {
			return fmt.Sprintf("%s would have less than min_rest %s between this shift and %s", member, calendar.FormatDuration(r), o.ID)
		}
	}
	return ""
}

// check sets the problems of a shift as it stands: needs short of their
// min or over their max, and empty seats.
func (p *Planner) check(l *layerInfo, sh *Shift) { p.checkAmong(l, sh, nil, nil) }

// checkAmong is check for a shift that free (rested) and elig (eligible)
// could have taken, which say why a seat is empty.
func (p *Planner) checkAmong(l *layerInfo, sh *Shift, free, elig []int) {
	have := make([]int, len(l.needs))
	for n, need := range l.needs {
		for _, id := range sh.Assignees {
			if mi, ok := p.index[id]; ok && need.cfg.Qualifies(p.members[mi].cfg) {
				have[n]++
			}
		}
	}
	on := func(pos int) bool { return sh.Has(p.members[l.members[pos]].cfg.ID) }
	sh.Problems, sh.Violations = p.problems(l, l.cfg.Size-len(sh.Assignees), have, free, elig, on)
}

// worse returns the first problem of after that before did not have.
func worse(before, after []string) string {
	for _, a := range after {
		if !slices.Contains(before, a) {
			return a
		}
	}
	return ""
}

// split cuts the shift at index i at t, when t falls inside it: the part
// before keeps the ID, the rest is a new shift starting at t. It returns the
// index of the part from t on.
func (p *Planner) split(w *State, i int, t time.Time, c *Change) int {
	sh := &w.Shifts[i]
	if !t.After(sh.Start) || !t.Before(sh.End) {
		return i
	}
	for _, id := range sh.Assignees {
		w.credit(id, sh, -1)
	}
	rest := *sh
	rest.Assignees = slices.Clone(sh.Assignees)
	rest.Problems = slices.Clone(sh.Problems)
	rest.ID = fmt.Sprintf("%s/%s/%s", p.rot.ID, sh.Layer, t.UTC().Format(time.RFC3339))
	rest.Start, rest.Split = t, true
	full := sh.Hours()
	sh.End = t
	rest.Share = sh.Share * rest.Hours() / full
	sh.Share -= rest.Share
	for _, id := range sh.Assignees {
		w.credit(id, sh, 1)
		w.credit(id, &rest, 1)
	}
	w.Shifts = slices.Insert(w.Shifts, i+1, rest)
	c.touch(w.Shifts[i].ID, "")
	return i + 1
}

// setSeat gives member's seat on the shift at index i to by ("" leaves it
// empty), keeping the ledgers right, and records the change.
func (p *Planner) setSeat(w *State, i int, member, by string, c *Change) {
	sh := &w.Shifts[i]
	j := slices.Index(sh.Assignees, member)
	w.credit(member, sh, -1)
	if by == "" {
		sh.Assignees = slices.Delete(sh.Assignees, j, j+1)
		c.touch(sh.ID, fmt.Sprintf("%s: %s leaves, nobody takes the seat", sh.ID, member))
	} else {
		sh.Assignees[j] = by
		p.served(w, by, sh)
		c.touch(sh.ID, fmt.Sprintf("%s: %s replaces %s", sh.ID, by, member))
	}
	w.recount(member)
}

// refill replaces member on the shift at index i with whoever the layer's
// strategy ranks first among those who can take it without breaking a need
// or a rest rule. When nobody can, the seat stays empty and the shift says so.
func (p *Planner) refill(w *State, i int, member string, c *Change) {
	sh := &w.Shifts[i]
	l := &p.layers[p.byName[sh.Layer]]
	others := slices.DeleteFunc(slices.Clone(sh.Assignees), func(id string) bool { return id == member })
	var elig, free []int
	for pos, mi := range l.members {
		id := p.members[mi].cfg.ID
		if sh.Has(id) || !p.eligible(w, l, pos, sh.Start, sh.End) {
			continue
		}
		elig = append(elig, pos)
		if p.conflict(w, id, sh.Start, sh.End) == "" {
			free = append(free, pos)
		}
	}
	rank := p.order(p.newWork(w), l, sh, elig, free, 0)
	chosen, _, _ := p.solve(l, 1, others, rank, free, elig)
	by := ""
	if len(chosen) == 1 {
		by = p.members[l.members[chosen[0]]].cfg.ID
	}
	p.setSeat(w, i, member, by, c)
	p.checkAmong(l, &w.Shifts[i], free, elig)
}

// Unavailable records that member cannot serve from..to (reported at now)
// and hands each of their planned shifts in that window that has not ended
// to someone else; a running shift is split at the later of from and now.
// No other shift changes.
func (p *Planner) Unavailable(st *State, member string, from, to time.Time, reason string, now time.Time) (Change, error) {
	return p.change(st, func(w *State, c *Change) error {
		if err := p.known(member); err != nil {
			return err
		}
		if !from.Before(to) {
			return reject("unavailable from %s to %s: the end must come after the start", from.Format(time.RFC3339), to.Format(time.RFC3339))
		}
		cut := from
		if now.After(cut) {
			cut = now
		}
		p.reshare(w, member, cut, from, to, func() {
			w.Away = append(w.Away, Away{Member: member, From: from.UTC(), To: to.UTC(), Reason: reason})
		})
		for i := 0; i < len(w.Shifts); i++ {
			sh := &w.Shifts[i]
			if !sh.Has(member) || !sh.End.After(cut) || !sh.Start.Before(to) {
				continue
			}
			i = p.split(w, i, cut, c)
			p.refill(w, i, member, c)
		}
		return nil
	})
}

// Available drops the run-time unavailability of member that overlaps
// from..to. Shifts already handed to others stay as they are.
func (p *Planner) Available(st *State, member string, from, to time.Time, now time.Time) (Change, error) {
	return p.change(st, func(w *State, c *Change) error {
		if err := p.known(member); err != nil {
			return err
		}
		n := len(w.Away)
		gone := func(a Away) bool { return a.Member == member && (span{a.From, a.To}).overlaps(from, to) }
		lo, hi := from, to // the windows removed may reach beyond from..to
		for _, a := range w.Away {
			if gone(a) {
				lo, hi = minTime(lo, a.From), maxTime(hi, a.To)
			}
		}
		p.reshare(w, member, maxTime(lo, now), lo, hi, func() { w.Away = slices.DeleteFunc(w.Away, gone) })
		if len(w.Away) == n {
			return reject("%s has no reported unavailability between %s and %s", member, from.Format(time.RFC3339), to.Format(time.RFC3339))
		}
		c.Notes = append(c.Notes, fmt.Sprintf("%s is available again", member))
		return nil
	})
}

// LeaveShift takes member off a shift. A shift that has started is split at
// now: member keeps what they served and the rest is refilled.
func (p *Planner) LeaveShift(st *State, shiftID, member string, now time.Time) (Change, error) {
	return p.change(st, func(w *State, c *Change) error {
		i, err := find(w, shiftID)
		if err != nil {
			return err
		}
		if err := open(&w.Shifts[i], now); err != nil {
			return err
		}
		if !w.Shifts[i].Has(member) {
			return reject("%s is not on shift %s", member, shiftID)
		}
		i = p.split(w, i, now, c)
		p.refill(w, i, member, c)
		return nil
	})
}

// Cover puts by in member's seat on a shift, splitting it at now if it has
// started. by must be free then and the shift's needs must still hold.
func (p *Planner) Cover(st *State, shiftID, member, by string, now time.Time) (Change, error) {
	return p.change(st, func(w *State, c *Change) error {
		i, err := find(w, shiftID)
		if err != nil {
			return err
		}
		sh := &w.Shifts[i]
		if err := open(sh, now); err != nil {
			return err
		}
		if !sh.Has(member) {
			return reject("%s is not on shift %s", member, shiftID)
		}
		if sh.Has(by) {
			return reject("%s is already on shift %s", by, shiftID)
		}
		from := sh.Start
		if now.After(from) {
			from = now
		}
		if why := p.conflict(w, by, from, sh.End, shiftID); why != "" {
			return reject("%s cannot cover: %s", by, why)
		}
		before := slices.Clone(sh.Problems)
		i = p.split(w, i, now, c)
		p.setSeat(w, i, member, by, c)
		sh = &w.Shifts[i]
		p.check(&p.layers[p.byName[sh.Layer]], sh)
		if bad := worse(before, sh.Problems); bad != "" {
			return reject("%s cannot cover %s on %s: the shift would have a problem: %s", by, member, shiftID, bad)
		}
		return nil
	})
}

// Swap trades seats: memberA takes memberB's seat on shiftB and memberB
// takes memberA's on shiftA. Neither shift may have started; both members
// must be free for their new shift, and neither shift may lose a need.
func (p *Planner) Swap(st *State, shiftA, memberA, shiftB, memberB string, now time.Time) (Change, error) {
	return p.change(st, func(w *State, c *Change) error {
		if shiftA == shiftB {
			return reject("a swap needs two different shifts")
		}
		ia, err := find(w, shiftA)
		if err != nil {
			return err
		}
		ib, err := find(w, shiftB)
		if err != nil {
			return err
		}
		a, b := &w.Shifts[ia], &w.Shifts[ib]
		for _, sh := range []*Shift{a, b} {
			if !now.Before(sh.Start) {
				return reject("shift %s has started; use leave_shift or cover instead", sh.ID)
			}
		}
		if !a.Has(memberA) {
			return reject("%s is not on shift %s", memberA, shiftA)
		}
		if !b.Has(memberB) {
			return reject("%s is not on shift %s", memberB, shiftB)
		}
		if b.Has(memberA) {
			return reject("%s is already on shift %s", memberA, shiftB)
		}
		if a.Has(memberB) {
			return reject("%s is already on shift %s", memberB, shiftA)
		}
		// Each member leaves their own shift; check them without it.
		if why := p.conflict(w, memberA, b.Start, b.End, shiftA); why != "" {
			return reject("cannot swap: %s", why)
		}
		if why := p.conflict(w, memberB, a.Start, a.End, shiftB); why != "" {
			return reject("cannot swap: %s", why)
		}
		beforeA, beforeB := slices.Clone(a.Problems), slices.Clone(b.Problems)
		p.setSeat(w, ia, memberA, memberB, c)
		p.setSeat(w, ib, memberB, memberA, c)
		w.recount(memberA)
		w.recount(memberB)
		for _, x := range []struct {
			i      int
			before []string
		}{{ia, beforeA}, {ib, beforeB}} {
			sh := &w.Shifts[x.i]
			p.check(&p.layers[p.byName[sh.Layer]], sh)
			if bad := worse(x.before, sh.Problems); bad != "" {
				return reject("cannot swap: shift %s would have a problem: %s", sh.ID, bad)
			}
		}
		return nil
	})
}

// Assign sets a shift's assignees by hand, overriding the strategy. The
// shift may be planned already (if it has not started) or a future slot of
// the rotation (the assignment is then kept until it is planned). Everyone
// must be free then and the shift's needs must hold.
func (p *Planner) Assign(st *State, shiftID string, members []string, now time.Time) (Change, error) {
	return p.change(st, func(w *State, c *Change) error {
		if len(members) == 0 {
			return reject("assign needs at least one member")
		}
		for i, m := range members {
			if err := p.known(m); err != nil {
				return err
			}
			if slices.Contains(members[:i], m) {
				return reject("%s is named twice", m)
			}
		}
		i := slices.IndexFunc(w.Shifts, func(s Shift) bool { return s.ID == shiftID })
		if i < 0 {
			slot, err := p.slotOf(shiftID)
			if err != nil {
				return err
			}
			if slot.Index < w.Next {
				return reject("shift %s is not planned and cannot be anymore", shiftID)
			}
			for _, m := range members {
				if why := p.conflict(w, m, slot.Start, slot.End); why != "" {
					return reject("cannot assign: %s", why)
				}
			}
			w.Overrides[shiftID] = slices.Clone(members)
			c.touch(shiftID, fmt.Sprintf("%s: assigned to %s by hand", shiftID, strings.Join(members, ", ")))
			return nil
		}
		sh := &w.Shifts[i]
		if !now.Before(sh.Start) {
			return reject("shift %s has started; use cover or leave_shift instead", shiftID)
		}
		for _, m := range members {
			if why := p.conflict(w, m, sh.Start, sh.End, shiftID); why != "" {
				return reject("cannot assign: %s", why)
			}
		}
		l := &p.layers[p.byName[sh.Layer]]
		old := slices.Clone(sh.Assignees)
		for _, m := range old {
			w.credit(m, sh, -1)
		}
		sh.Assignees = slices.Clone(members)
		sh.Manual = true
		for _, m := range members {
			p.served(w, m, sh)
		}
		for _, m := range old {
			w.recount(m)
		}
		if p.check(l, sh); len(sh.Problems) > 0 {
			return reject("cannot assign %s to %s: the shift %s", strings.Join(members, ", "), shiftID, sh.Problems[0])
		}
		c.touch(shiftID, fmt.Sprintf("%s: assigned to %s by hand (was %s)", shiftID, strings.Join(members, ", "), strings.Join(old, ", ")))
		return nil
	})
}

// slotOf finds the slot of the rotation with the given shift ID.
func (p *Planner) slotOf(id string) (calendar.Slot, error) {
	prefix := p.rot.ID + "/"
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return calendar.Slot{}, reject("shift %q is not of rotation %s", id, p.rot.ID)
	}
	_, ts, ok := strings.Cut(rest, "/")
	if !ok {
		return calendar.Slot{}, reject("bad shift id %q: want <rotation>/<layer>/<start>", id)
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return calendar.Slot{}, reject("bad shift id %q: the start is not an RFC 3339 time", id)
	}
	k := p.spec.IndexAt(t)
	slot, ok := p.spec.SlotAt(k)
	if !ok || slot.ID != id {
		return calendar.Slot{}, reject("rotation %s has no shift %q", p.rot.ID, id)
	}
	return slot, nil
}

// reshare keeps the fair shares right when change adds or removes time
// away of member from..to. Planning gave every shift's seats in equal
// shares to those who could take it then (the ledgers' Expected); a shift
// planned ahead that starts at or after cut and overlaps from..to is
// shared again, among those who can take it once change has run, as
// planning would have shared it had the absence been known. Without that,
// leave reported after planning would leave the member owed the shares of
// shifts they could not take, and they would be handed more than their
// share on their return. Shifts that started before cut keep their shares.
func (p *Planner) reshare(w *State, member string, cut, from, to time.Time, change func()) {
	type touched struct {
		i      int
		l      *layerInfo
		before []int
	}
	var ts []touched
	for i := range w.Shifts {
		sh := &w.Shifts[i]
		if sh.Start.Before(cut) || !sh.Start.Before(to) || !sh.End.After(from) {
			continue
		}
		li, ok := p.byName[sh.Layer]
		if !ok || p.layers[li].position(p, member) < 0 {
			continue
		}
		l := &p.layers[li]
		ts = append(ts, touched{i, l, p.eligibleFor(w, l, sh)})
	}
	change()
	for _, t := range ts {
		sh := &w.Shifts[t.i]
		p.share(w, t.l, sh, t.before, -1)
		p.share(w, t.l, sh, p.eligibleFor(w, t.l, sh), 1)
	}
}

// eligibleFor returns the positions of l that could take sh.
func (p *Planner) eligibleFor(w *State, l *layerInfo, sh *Shift) []int {
	var out []int
	for pos := range l.members {
		if p.eligible(w, l, pos, sh.Start, sh.End) {
			out = append(out, pos)
		}
	}
	return out
}

// share adds (sign 1) or takes back (sign -1) the equal shares of sh's
// seats that the members at elig expect, as planSlot gives them.
func (p *Planner) share(w *State, l *layerInfo, sh *Shift, elig []int, sign float64) {
	if len(elig) == 0 {
		return
	}
	each := sign * float64(l.cfg.Size) * sh.Share / float64(len(elig))
	for _, pos := range elig {
		w.ledger(p.members[l.members[pos]].cfg.ID).Expected.add(sh.Kind, each, each*sh.Hours())
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
