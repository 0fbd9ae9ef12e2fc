// Package engine decides who serves each shift of a rotation and applies
// changes (leave, swaps, covers, manual assignments) to a plan with the
// least disruption. It is pure: no clocks, no I/O, no goroutines. Its
// State is a plain serializable value, so a Temporal workflow can carry it
// and plan shift by shift with the same result as planning all at once.
package engine

import (
	"slices"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// Shift is a planned slot with its assignees. Its ID never changes when the
// assignees do; a shift split while running gets a second ID for the rest.
type Shift struct {
	ID        string        `json:"id"`
	Layer     string        `json:"layer"`
	Kind      calendar.Kind `json:"kind"`
	Start     time.Time     `json:"start"`
	End       time.Time     `json:"end"`
	Assignees []string      `json:"assignees"`
	Problems  []string      `json:"problems,omitempty"`
	// Violations counts the needs the shift leaves short or exceeds.
	Violations int  `json:"violations,omitempty"`
	Manual     bool `json:"manual,omitempty"` // chosen by hand, not by the strategy
	Split      bool `json:"split,omitempty"`  // the rest of a shift handed back while running

	// Position of the slot: its handoff index, its place among the shifts of
	// its layer (for grace) and of the rotation (for the lottery).
	Index int `json:"index"`
	Seq   int `json:"seq"`
	Count int `json:"count"`
	// Share is the part of a full shift this record stands for (1, or less
	// for the parts of a split shift): what it adds to its assignees' load.
	Share float64 `json:"share"`
}

// Hours is the shift's length in hours.
func (s *Shift) Hours() float64 { return s.End.Sub(s.Start).Hours() }

// Has reports whether member serves on the shift.
func (s *Shift) Has(member string) bool { return slices.Contains(s.Assignees, member) }

// Tally is load per kind of shift, plus hours.
type Tally struct {
	Weekday float64 `json:"weekday,omitempty"`
	Weekend float64 `json:"weekend,omitempty"`
	Holiday float64 `json:"holiday,omitempty"`
	Hours   float64 `json:"hours,omitempty"`
	// WeekendHours and HolidayHours are the part of Hours served on
	// weekend and holiday shifts; the rest was served on weekdays. Only
	// what was served (Ledger.Actual) keeps them: no rule weighs expected
	// hours by kind, and every member's Expected changes at every slot, so
	// they would only make each planning record larger.
	WeekendHours float64 `json:"weekend_hours,omitempty"`
	HolidayHours float64 `json:"holiday_hours,omitempty"`
}

// Of returns the tally of kind k.
func (t *Tally) Of(k calendar.Kind) float64 {
	switch k {
	case calendar.Weekend:
		return t.Weekend
	case calendar.Holiday:
		return t.Holiday
	}
	return t.Weekday
}

func (t *Tally) add(k calendar.Kind, n, hours float64) {
	switch k {
	case calendar.Weekend:
		t.Weekend += n
	case calendar.Holiday:
		t.Holiday += n
	default:
		t.Weekday += n
	}
	t.Hours += hours
}

// serve adds n shifts of kind k and their hours, kept by kind too.
func (t *Tally) serve(k calendar.Kind, n, hours float64) {
	t.add(k, n, hours)
	switch k {
	case calendar.Weekend:
		t.WeekendHours += hours
	case calendar.Holiday:
		t.HolidayHours += hours
	}
}

// HoursOf returns the hours served on shifts of kind k (Actual only; see
// WeekendHours).
func (t *Tally) HoursOf(k calendar.Kind) float64 {
	switch k {
	case calendar.Weekend:
		return t.WeekendHours
	case calendar.Holiday:
		return t.HolidayHours
	}
	return t.Hours - t.WeekendHours - t.HolidayHours
}

// Total is the number of shifts of every kind.
func (t Tally) Total() float64 { return t.Weekday + t.Weekend + t.Holiday }

// Ledger is one member's fairness account: the load they could have been
// expected to carry (an equal share of every shift they could have taken)
// against what they carried.
type Ledger struct {
	Expected Tally `json:"expected"`
	Actual   Tally `json:"actual"`

	// Last is where the member last served, for rest, grace and the lottery;
	// Pruned is the same over the shifts Prune dropped.
	Last   Last `json:"last"`
	Pruned Last `json:"pruned"`
}

// Last is where a member last served: the end of their latest shift, its
// Count+1 (0: never) and, per layer, its Seq+1.
type Last struct {
	End   time.Time      `json:"end,omitzero"`
	Count int            `json:"count,omitempty"`
	Seq   map[string]int `json:"seq,omitempty"`
}

// add folds shift sh into l.
func (l *Last) add(sh *Shift) {
	if sh.End.After(l.End) {
		l.End = sh.End
	}
	l.Count = max(l.Count, sh.Count+1)
	if l.Seq == nil {
		l.Seq = map[string]int{}
	}
	l.Seq[sh.Layer] = max(l.Seq[sh.Layer], sh.Seq+1)
}

func (l Last) clone() Last {
	l.Seq = cloneMap(l.Seq)
	return l
}

// Away is unavailability added at run time, on top of the config's.
type Away struct {
	Member string    `json:"member"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason,omitempty"`
}

// Queue is a queue layer's place in its member list: the next position to
// look at, and the members skipped so far, who come first next time.
type Queue struct {
	Next    int      `json:"next"`
	Skipped []string `json:"skipped,omitempty"`
}

// State is everything the engine carries from one planning call to the next.
// The zero value is not ready: use Planner.NewState.
type State struct {
	Rotation string `json:"rotation"`
	// Next is the handoff index of the next slot to plan.
	Next int `json:"next"`
	// Count is how many shifts of the rotation have been planned (all layers).
	Count int `json:"count"`
	// Seq is how many shifts of each layer have been planned.
	Seq map[string]int `json:"seq"`
	// Ledgers is the fairness account per member.
	Ledgers map[string]*Ledger `json:"ledgers"`
	// Queues is the position of each queue layer.
	Queues map[string]*Queue `json:"queues,omitempty"`
	// Shifts are the planned shifts, in start order. Old ones may be pruned.
	Shifts []Shift `json:"shifts"`
	// Away is unavailability reported after the config was written.
	Away []Away `json:"away,omitempty"`
	// Overrides are manual assignments of slots not planned yet, by shift ID.
	Overrides map[string][]string `json:"overrides,omitempty"`
}

// Clone returns a deep copy of s, so a change can be tried and dropped.
//
// Its loops over maps only copy each entry into a new map, so the result
// does not depend on the order of iteration: they are marked for
// workflowcheck, which flags every range over a map, so that workflow code
// (update validators, queries) may clone a state.
func (s *State) Clone() *State {
	c := *s
	c.Seq = cloneMap(s.Seq)
	c.Ledgers = make(map[string]*Ledger, len(s.Ledgers))
	//workflowcheck:ignore
	for k, v := range s.Ledgers {
		l := *v
		l.Last, l.Pruned = v.Last.clone(), v.Pruned.clone()
		c.Ledgers[k] = &l
	}
	c.Queues = make(map[string]*Queue, len(s.Queues))
	//workflowcheck:ignore
	for k, v := range s.Queues {
		q := Queue{Next: v.Next, Skipped: slices.Clone(v.Skipped)}
		c.Queues[k] = &q
	}
	c.Shifts = make([]Shift, len(s.Shifts))
	for i, sh := range s.Shifts {
		sh.Assignees = slices.Clone(sh.Assignees)
		sh.Problems = slices.Clone(sh.Problems)
		c.Shifts[i] = sh
	}
	c.Away = slices.Clone(s.Away)
	c.Overrides = make(map[string][]string, len(s.Overrides))
	//workflowcheck:ignore
	for k, v := range s.Overrides {
		c.Overrides[k] = slices.Clone(v)
	}
	return &c
}

// cloneMap copies m into a new map (never nil); like Clone's loops, the
// copy does not depend on the order of iteration.
func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	//workflowcheck:ignore
	for k, v := range m {
		c[k] = v
	}
	return c
}

// init makes the maps of a state that came through JSON (where empty ones
// are left out) ready for writing.
func (s *State) init() {
	if s.Seq == nil {
		s.Seq = map[string]int{}
	}
	if s.Ledgers == nil {
		s.Ledgers = map[string]*Ledger{}
	}
	if s.Queues == nil {
		s.Queues = map[string]*Queue{}
	}
	if s.Overrides == nil {
		s.Overrides = map[string][]string{}
	}
}

// Shift returns the planned shift with the given ID.
func (s *State) Shift(id string) (*Shift, bool) {
	for i := range s.Shifts {
		if s.Shifts[i].ID == id {
			return &s.Shifts[i], true
		}
	}
	return nil, false
}

// Prune drops planned shifts that ended before t, keeping the ledgers, so
// a long-running rotation's state stays small.
func (s *State) Prune(t time.Time) {
	s.Shifts = slices.DeleteFunc(s.Shifts, func(sh Shift) bool {
		if !sh.End.Before(t) {
			return false
		}
		for _, id := range sh.Assignees {
			s.ledger(id).Pruned.add(&sh)
		}
		return true
	})
}

// recount recomputes where member last served, after a change took a
// shift from them.
func (s *State) recount(member string) {
	led := s.ledger(member)
	led.Last = led.Pruned.clone()
	for i := range s.Shifts {
		if s.Shifts[i].Has(member) {
			led.Last.add(&s.Shifts[i])
		}
	}
}

// ledger returns member's ledger, creating it.
func (s *State) ledger(member string) *Ledger {
	l, ok := s.Ledgers[member]
	if !ok {
		l = &Ledger{}
		s.Ledgers[member] = l
	}
	return l
}

// credit adds (sign 1) or removes (sign -1) a shift's load to a member's account.
func (s *State) credit(member string, sh *Shift, sign float64) {
	s.ledger(member).Actual.serve(sh.Kind, sign*sh.Share, sign*sh.Hours())
}
