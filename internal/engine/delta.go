package engine

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// Delta is what one engine call changed in a State: enough to bring the
// state the call started from up to date, and small, since its size is
// bounded by the shifts and members the call touched, not by how many
// shifts are planned or how old the rotation is. The workflow records a
// Delta (not the whole state) as each local activity's result.
//
// It holds no maps that Apply must range over, so Apply is deterministic
// workflow code.
type Delta struct {
	Rotation string `json:"rotation,omitempty"`
	Next     int    `json:"next"`
	Count    int    `json:"count"`
	// Seq and Queues are small (one entry per layer): always whole.
	Seq    map[string]int    `json:"seq,omitempty"`
	Queues map[string]*Queue `json:"queues,omitempty"`
	// Ledgers are the ledgers that changed or are new, by member id.
	Ledgers     []MemberLedger `json:"ledgers,omitempty"`
	DropLedgers []string       `json:"drop_ledgers,omitempty"`
	// Shifts are the shifts that changed or are new; DropShifts the ids of
	// those that went (pruned).
	Shifts     []ShiftEdit `json:"shifts,omitempty"`
	DropShifts []string    `json:"drop_shifts,omitempty"`
	// Away and Overrides are whole when they changed (both are pruned, so
	// they stay small).
	Away             []Away              `json:"away,omitempty"`
	AwayChanged      bool                `json:"away_changed,omitempty"`
	Overrides        map[string][]string `json:"overrides,omitempty"`
	OverridesChanged bool                `json:"overrides_changed,omitempty"`
}

// MemberLedger is one member's ledger in a Delta: whole, or, when only
// what the member could have been expected to carry changed (as it does
// for every member at every slot), just Expected. That keeps a planning
// record's size to about a third per member who did not serve.
type MemberLedger struct {
	Member   string  `json:"member"`
	Ledger   *Ledger `json:"ledger,omitempty"`
	Expected *Tally  `json:"expected,omitempty"`
}

// ShiftEdit is a changed or new shift in a Delta. A new shift goes right
// after the shift whose id is After ("" for the first place).
type ShiftEdit struct {
	Shift Shift  `json:"shift"`
	New   bool   `json:"new,omitempty"`
	After string `json:"after,omitempty"`
}

// Diff returns the delta that turns a into b. a may be nil (an empty
// state). The shifts a and b share must be in the same order in both, as
// every engine call keeps them; Diff reports false when they are not.
func Diff(a, b *State) (Delta, bool) {
	if a == nil {
		a = &State{}
	}
	d := Delta{Next: b.Next, Count: b.Count, Seq: cloneMap(b.Seq), Queues: b.Clone().Queues}
	if a.Rotation != b.Rotation {
		d.Rotation = b.Rotation
	}
	for _, id := range sortedKeys(b.Ledgers) {
		old, ok := a.Ledgers[id]
		if ok && reflect.DeepEqual(old, b.Ledgers[id]) {
			continue
		}
		l := *b.Ledgers[id]
		if ok {
			if o := *old; o.Expected != l.Expected {
				o.Expected = l.Expected
				if reflect.DeepEqual(&o, b.Ledgers[id]) {
					d.Ledgers = append(d.Ledgers, MemberLedger{Member: id, Expected: &l.Expected})
					continue
				}
			}
		}
		l.Last, l.Pruned = l.Last.clone(), l.Pruned.clone()
		d.Ledgers = append(d.Ledgers, MemberLedger{Member: id, Ledger: &l})
	}
	for _, id := range sortedKeys(a.Ledgers) {
		if _, ok := b.Ledgers[id]; !ok {
			d.DropLedgers = append(d.DropLedgers, id)
		}
	}

	inB := make(map[string]int, len(b.Shifts))
	for i := range b.Shifts {
		inB[b.Shifts[i].ID] = i
	}
	inA := make(map[string]int, len(a.Shifts))
	last := -1
	for i := range a.Shifts {
		id := a.Shifts[i].ID
		inA[id] = i
		j, ok := inB[id]
		if !ok {
			d.DropShifts = append(d.DropShifts, id)
			continue
		}
		if j < last {
			return Delta{}, false // the shifts kept changed order
		}
		last = j
	}
	for j := range b.Shifts {
		sh := b.Shifts[j]
		i, ok := inA[sh.ID]
		switch {
		case !ok:
			after := ""
			if j > 0 {
				after = b.Shifts[j-1].ID
			}
			d.Shifts = append(d.Shifts, ShiftEdit{Shift: cloneShift(sh), New: true, After: after})
		case !reflect.DeepEqual(normShift(a.Shifts[i]), normShift(sh)):
			d.Shifts = append(d.Shifts, ShiftEdit{Shift: cloneShift(sh)})
		}
	}

	if !reflect.DeepEqual(normAway(a.Away), normAway(b.Away)) {
		d.Away, d.AwayChanged = slices.Clone(b.Away), true
	}
	if !reflect.DeepEqual(normOverrides(a.Overrides), normOverrides(b.Overrides)) {
		d.Overrides, d.OverridesChanged = b.Clone().Overrides, true
	}
	return d, true
}

// Apply brings st up to date with d, as Diff computed it from st.
func (d *Delta) Apply(st *State) {
	st.init()
	if d.Rotation != "" {
		st.Rotation = d.Rotation
	}
	st.Next, st.Count = d.Next, d.Count
	st.Seq = cloneMap(d.Seq)
	st.Queues = map[string]*Queue{}
	if d.Queues != nil {
		st.Queues = d.Queues
	}
	for _, e := range d.Ledgers {
		switch {
		case e.Ledger != nil:
			st.Ledgers[e.Member] = e.Ledger
		case e.Expected != nil:
			var l Ledger
			if old := st.Ledgers[e.Member]; old != nil {
				l = *old
				l.Last, l.Pruned = l.Last.clone(), l.Pruned.clone()
			}
			l.Expected = *e.Expected
			st.Ledgers[e.Member] = &l
		}
	}
	for _, id := range d.DropLedgers {
		delete(st.Ledgers, id)
	}
	if len(d.DropShifts) > 0 {
		st.Shifts = slices.DeleteFunc(st.Shifts, func(sh Shift) bool { return slices.Contains(d.DropShifts, sh.ID) })
	}
	for _, e := range d.Shifts {
		if !e.New {
			if i := slices.IndexFunc(st.Shifts, func(sh Shift) bool { return sh.ID == e.Shift.ID }); i >= 0 {
				st.Shifts[i] = e.Shift
			}
			continue
		}
		at := 0
		if e.After != "" {
			// New shifts usually go at the end: look from there.
			at = len(st.Shifts)
			for at > 0 && st.Shifts[at-1].ID != e.After {
				at--
			}
		}
		st.Shifts = slices.Insert(st.Shifts, at, e.Shift)
	}
	if d.AwayChanged {
		st.Away = d.Away
	}
	if d.OverridesChanged {
		st.Overrides = d.Overrides
		if st.Overrides == nil {
			st.Overrides = map[string][]string{}
		}
	}
}

// Compact drops what a long-running rotation no longer needs, as of t:
// shifts that ended before t (their load stays in the ledgers), run-time
// unavailability that ended before t, manual assignments of slots that
// started before t and were never planned, and the ledgers of members who
// are no longer in the config and serve no shift kept.
func (p *Planner) Compact(st *State, t time.Time) {
	st.init()
	st.Prune(t)
	st.Away = slices.DeleteFunc(st.Away, func(a Away) bool { return !a.To.After(t) })
	if len(st.Away) == 0 {
		st.Away = nil
	}
	for _, id := range sortedKeys(st.Overrides) {
		if start, ok := slotStart(id); ok && start.Before(t) {
			delete(st.Overrides, id)
		}
	}
	for _, id := range sortedKeys(st.Ledgers) {
		if _, known := p.index[id]; known {
			continue
		}
		if !slices.ContainsFunc(st.Shifts, func(sh Shift) bool { return sh.Has(id) }) {
			delete(st.Ledgers, id)
		}
	}
}

// slotStart reads the start of a slot from its shift id,
// <rotation>/<layer>/<start in RFC 3339>.
func slotStart(id string) (time.Time, bool) {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, id[i+1:])
	return t, err == nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	//workflowcheck:ignore
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func cloneShift(sh Shift) Shift {
	sh.Assignees = slices.Clone(sh.Assignees)
	sh.Problems = slices.Clone(sh.Problems)
	return sh
}

// normShift, normAway and normOverrides make nil and empty compare equal,
// as they do once through JSON.
func normShift(sh Shift) Shift {
	if len(sh.Assignees) == 0 {
		sh.Assignees = nil
	}
	if len(sh.Problems) == 0 {
		sh.Problems = nil
	}
	return sh
}

func normAway(a []Away) []Away {
	if len(a) == 0 {
		return nil
	}
	return a
}

func normOverrides(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
