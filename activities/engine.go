package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

// The engine steps below are plain functions, run by the workflow as local
// activities: the engine is pure, but running it there records its result
// in the workflow's history, so a later change to the engine cannot change
// what a replay sees.

// Names of the operations ApplyChange knows: the workflow's message names
// (workflows.Swap and the others are these).
const (
	OpConfigure   = "configure"
	OpSwap        = "swap"
	OpCover       = "cover"
	OpLeaveShift  = "leave_shift"
	OpUnavailable = "unavailable"
	OpAvailable   = "available"
	OpAssign      = "assign"
)

// PlanInput asks to plan a rotation up to a horizon.
type PlanInput struct {
	Rotation config.Rotation `json:"rotation"`
	Members  []config.Member `json:"members"`
	// State is the engine state; nil starts the rotation with the slot
	// running at Now.
	State *engine.State `json:"state,omitempty"`
	// Horizon: every slot starting at or before it is planned, at most
	// Limit of them (0: MaxPlanBatch) in one call.
	Horizon time.Time `json:"horizon"`
	Limit   int       `json:"limit,omitempty"`
	Now     time.Time `json:"now"`
	// CompactBefore, when set, drops what ended before it (Planner.Compact).
	CompactBefore time.Time `json:"compact_before,omitzero"`
}

// MaxPlanBatch bounds the slots one Plan call plans, so that the result
// recorded in the workflow's history stays small however short the shifts
// and however long plan_ahead: the workflow calls Plan again while More.
const MaxPlanBatch = 50

// PlanResult is what planning changed, and where it stopped.
type PlanResult struct {
	// Delta brings the caller's state up to date (engine.Delta.Apply).
	Delta engine.Delta `json:"delta"`
	// Planned counts the new shifts.
	Planned int `json:"planned"`
	// More: slots before the horizon are left for another call.
	More bool `json:"more,omitempty"`
	// NextStart is the start of the first slot not planned yet; zero when
	// the rotation has no more slots.
	NextStart time.Time `json:"next_start,omitzero"`
}

// Plan plans the slots that start at or before in.Horizon (at most
// in.Limit of those it keeps). A rotation is planned from its start, slot
// after slot, whenever Plan runs: slots that ended before in.Now (a
// rotation applied after its start, a pause, a worker outage) are planned
// as every other, so the schedule is the one `rota plan` shows.
func Plan(ctx context.Context, in PlanInput) (PlanResult, error) {
	p, err := engine.New(&in.Rotation, in.Members)
	if err != nil {
		return PlanResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadConfig", err)
	}
	// The caller's state is never changed (a local activity may be handed
	// the workflow's own value): the work is done on a copy.
	before := in.State
	var st *engine.State
	if before == nil {
		st = p.Begin() // every slot from the start, whenever it runs
	} else {
		st = before.Clone()
	}
	limit := in.Limit
	if limit <= 0 {
		limit = MaxPlanBatch
	}
	// Slots that end before CompactBefore (a rotation applied long after
	// its start, or back from an outage) are planned and pruned at once:
	// only the shifts kept count against the limit.
	horizon := in.Horizon.Add(time.Nanosecond)
	planned := 0
	for planned < limit {
		next, ok := p.Next(st)
		if !ok || !next.Before(horizon) {
			break
		}
		for _, sh := range p.PlanShifts(st, 1) {
			if !sh.End.Before(in.CompactBefore) {
				planned++
			}
		}
	}
	if !in.CompactBefore.IsZero() {
		p.Compact(st, in.CompactBefore)
	}
	d, ok := engine.Diff(before, st)
	if !ok {
		return PlanResult{}, temporal.NewNonRetryableApplicationError("engine: planning reordered the shifts", "BadInput", nil)
	}
	next := NextStart(p, st)
	return PlanResult{Delta: d, Planned: planned, More: !next.IsZero() && next.Before(horizon), NextStart: next}, nil
}

// NextStart returns the start of the first slot of p not yet planned in
// st, or the zero time when there is none.
func NextStart(p *engine.Planner, st *engine.State) time.Time {
	if t, ok := p.Next(st); ok {
		return t
	}
	return time.Time{}
}

// Operation is a change to a rotation, as the engine takes it.
type Operation struct {
	Name    string    `json:"name"`
	Shift   string    `json:"shift,omitempty"`
	Member  string    `json:"member,omitempty"`
	ShiftB  string    `json:"shift_b,omitempty"`  // swap
	MemberB string    `json:"member_b,omitempty"` // swap
	By      string    `json:"by,omitempty"`       // cover
	Members []string  `json:"members,omitempty"`  // assign
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to,omitzero"`
	Reason  string    `json:"reason,omitempty"`
	// Configure: the new config.
	Rotation   *config.Rotation `json:"rotation,omitempty"`
	NewMembers []config.Member  `json:"new_members,omitempty"`
}

// ChangeInput is an operation on a rotation's state at Now.
type ChangeInput struct {
	Rotation  config.Rotation `json:"rotation"`
	Members   []config.Member `json:"members"`
	State     *engine.State   `json:"state"`
	Operation Operation       `json:"operation"`
	Now       time.Time       `json:"now"`
}

// ChangeResult is the outcome of an operation: what it changed in the
// state (Delta) and in words (Change), or why the engine refused it.
type ChangeResult struct {
	Delta    engine.Delta  `json:"delta"`
	Change   engine.Change `json:"change"`
	Rejected string        `json:"rejected,omitempty"`
	// NextStart as in PlanResult (it moves when the calendar changes).
	NextStart time.Time `json:"next_start,omitzero"`
}

// ApplyChange runs an operation through the engine. A refusal is a result,
// not an error: only a broken input fails the activity.
func ApplyChange(ctx context.Context, in ChangeInput) (ChangeResult, error) {
	if in.State == nil {
		return ChangeResult{}, temporal.NewNonRetryableApplicationError("no engine state", "BadInput", nil)
	}
	p, err := engine.New(&in.Rotation, in.Members)
	if err != nil {
		return ChangeResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadConfig", err)
	}
	before := in.State
	st := before.Clone()
	var ch engine.Change
	if in.Operation.Name == OpConfigure {
		var np *engine.Planner
		np, ch, err = Reconfigure(&in.Rotation, st, in.Operation, in.Now)
		if err == nil {
			p = np
		}
	} else {
		ch, err = Apply(p, st, in.Operation, in.Now)
	}
	if r := (*engine.Rejected)(nil); errors.As(err, &r) {
		return ChangeResult{Rejected: r.Reason}, nil
	}
	if err != nil {
		return ChangeResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadInput", err)
	}
	d, ok := engine.Diff(before, st)
	if !ok {
		return ChangeResult{}, temporal.NewNonRetryableApplicationError("engine: the change reordered the shifts", "BadInput", nil)
	}
	return ChangeResult{Delta: d, Change: ch, NextStart: NextStart(p, st)}, nil
}

// Apply runs an operation other than configure on st with p. Like the
// engine's changes, it changes st only when it succeeds. It is pure, so
// the workflow's update validators also use it for a dry run on a clone.
func Apply(p *engine.Planner, st *engine.State, op Operation, now time.Time) (engine.Change, error) {
	switch op.Name {
	case OpSwap:
		return p.Swap(st, op.Shift, op.Member, op.ShiftB, op.MemberB, now)
	case OpCover:
		return p.Cover(st, op.Shift, op.Member, op.By, now)
	case OpLeaveShift:
		return p.LeaveShift(st, op.Shift, op.Member, now)
	case OpUnavailable:
		return p.Unavailable(st, op.Member, op.From, op.To, op.Reason, now)
	case OpAvailable:
		return p.Available(st, op.Member, op.From, op.To, now)
	case OpAssign:
		return p.Assign(st, op.Shift, op.Members, now)
	}
	return engine.Change{}, fmt.Errorf("unknown operation %q", op.Name)
}

// Reconfigure checks a configure operation against the current config old
// and re-anchors st on the new calendar: the next slot to plan is the first
// one that starts at or after the end of the last planned shift. Planned
// shifts stay as they are (they are final). It returns the new planner.
func Reconfigure(old *config.Rotation, st *engine.State, op Operation, now time.Time) (*engine.Planner, engine.Change, error) {
	if op.Rotation == nil {
		return nil, engine.Change{}, &engine.Rejected{Reason: "configure needs a rotation"}
	}
	if op.Rotation.ID != old.ID {
		return nil, engine.Change{}, &engine.Rejected{Reason: fmt.Sprintf("configure: rotation %q cannot become %q", old.ID, op.Rotation.ID)}
	}
	np, err := engine.New(op.Rotation, op.NewMembers)
	if err != nil {
		return nil, engine.Change{}, &engine.Rejected{Reason: "configure: " + err.Error()}
	}
	spec := np.Calendar()
	if n := len(st.Shifts); n > 0 {
		st.Next = spec.IndexAt(st.Shifts[n-1].End)
	} else if k := np.NewState(now).Next; k > st.Next || !sameCalendar(old, op.Rotation) {
		st.Next = k
	}
	return np, engine.Change{Shifts: []string{}, Notes: []string{"configuration replaced"}}, nil
}

func sameCalendar(a, b *config.Rotation) bool {
	if a.Timezone != b.Timezone || a.Start != b.Start || a.Shift != b.Shift || len(a.Layers) != len(b.Layers) {
		return false
	}
	for i := range a.Layers {
		if a.Layers[i].Name != b.Layers[i].Name || a.Layers[i].Days != b.Layers[i].Days {
			return false
		}
	}
	return true
}
