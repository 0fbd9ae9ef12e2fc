// Package rules holds the business rules a running rotation applies to the
// operations people send it: the checks of their input, who may ask for
// them, who hears about a change, when a running shift is handed off again,
// and the forecast of the shifts not planned yet. It is pure (no clocks, no
// I/O), so the workflow calls it and its tests need no Temporal.
package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
)

// Reject is a refusal in plain words.
func Reject(format string, args ...any) error {
	return &engine.Rejected{Reason: fmt.Sprintf(format, args...)}
}

// Rotation is what the checks read of a running rotation.
type Rotation struct {
	ID      string
	Admins  []string
	Members []string // ids of every member of the config
	Shifts  []engine.Shift
}

// Member checks that id names a member; role names the field.
func (r *Rotation) Member(role, id string) error {
	if id == "" {
		return Reject("%s is required", role)
	}
	if !slices.Contains(r.Members, id) {
		return Reject("unknown member %q", id)
	}
	return nil
}

// Shift checks that id is a planned shift that has not ended at now.
func (r *Rotation) Shift(role, id string, now time.Time) (*engine.Shift, error) {
	if id == "" {
		return nil, Reject("%s is required", role)
	}
	i := slices.IndexFunc(r.Shifts, func(sh engine.Shift) bool { return sh.ID == id })
	if i < 0 {
		return nil, Reject("unknown shift %q: not a planned shift of rotation %s", id, r.ID)
	}
	sh := &r.Shifts[i]
	if !now.Before(sh.End) {
		return nil, Reject("shift %s ended at %s", id, render.UTC(sh.End))
	}
	return sh, nil
}

// Planned reports whether id is a planned shift.
func (r *Rotation) Planned(id string) bool {
	return slices.ContainsFunc(r.Shifts, func(sh engine.Shift) bool { return sh.ID == id })
}

// Span checks a from..to window; future: it must not have ended at now.
func Span(from, to, now time.Time, future bool) error {
	if from.IsZero() || to.IsZero() {
		return Reject("from and to are required")
	}
	if !from.Before(to) {
		return Reject("from %s is not before to %s", render.UTC(from), render.UTC(to))
	}
	if future && !to.After(now) {
		return Reject("the window ended at %s, in the past", render.UTC(to))
	}
	return nil
}

// Admin applies the admins rule: when the rotation has admins, only they or
// a member concerned may ask for operation op; with none concerned, only
// admins may.
func (r *Rotation) Admin(op, requester string, concerned []string) error {
	if len(r.Admins) == 0 {
		return nil
	}
	admins := strings.Join(r.Admins, ", ")
	if requester == "" {
		return Reject("requested_by is required: rotation %s has admins (%s)", r.ID, admins)
	}
	if slices.Contains(r.Admins, requester) {
		return nil
	}
	if !slices.Contains(r.Members, requester) {
		return Reject("requested_by %q is no member of rotation %s, which has admins (%s)", requester, r.ID, admins)
	}
	if slices.Contains(concerned, requester) {
		return nil
	}
	if len(concerned) == 0 {
		return Reject("%s is not an admin of rotation %s: only %s may %s", requester, r.ID, admins, op)
	}
	return Reject("%s is not an admin of rotation %s nor the member concerned (%s)", requester, r.ID, strings.Join(concerned, ", "))
}

// Concerned lists, once each and in order, who hears about a change: the
// members the operation names, and everyone who served or serves the
// shifts it changed, before and after.
func Concerned(named []string, before, after []engine.Shift, changed []string) []string {
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	add(named...)
	for _, id := range changed {
		if i := slices.IndexFunc(after, func(sh engine.Shift) bool { return sh.ID == id }); i >= 0 {
			add(after[i].Assignees...)
		}
		if i := slices.IndexFunc(before, func(sh engine.Shift) bool { return sh.ID == id }); i >= 0 {
			add(before[i].Assignees...)
		}
	}
	return out
}

// Rehandoff reports whether a shift must be handed off again after a
// change: it was handed off, it is running at now, and its assignees are
// not those it was handed to.
func Rehandoff(handedOff bool, sh engine.Shift, old []string, now time.Time) bool {
	return handedOff && !sh.Start.After(now) && now.Before(sh.End) && !slices.Equal(old, sh.Assignees)
}

// Forecast returns the shifts not planned yet that overlap from..to, as
// planning will give them (at most max of them), on a copy of st: a
// forecast changes nothing.
func Forecast(p *engine.Planner, st *engine.State, from, to time.Time, max int) []engine.Shift {
	st = st.Clone()
	var out []engine.Shift
	for range max {
		next := p.PlanShifts(st, 1)
		if len(next) == 0 || !next[0].Start.Before(to) {
			break
		}
		if sh := next[0]; sh.Start.Before(to) && from.Before(sh.End) {
			out = append(out, sh)
		}
	}
	return out
}

// Change is a shift whose assignees a config change would change.
type Change struct {
	Shift string    `json:"shift"`
	Start time.Time `json:"start"`
	// Old and New are the assignees before and after; a slot only one
	// schedule has is Gone (no New) or Added (no Old).
	Old   []string `json:"old"`
	New   []string `json:"new"`
	Gone  bool     `json:"gone,omitempty"`
	Added bool     `json:"added,omitempty"`
}

// Diff lists, in start order, the shifts of two schedules of the same
// window whose assignees differ, and the slots only one of them has.
func Diff(before, after []engine.Shift) []Change {
	var out []Change
	for _, b := range before {
		i := slices.IndexFunc(after, func(a engine.Shift) bool { return a.ID == b.ID })
		switch {
		case i < 0:
			out = append(out, Change{Shift: b.ID, Start: b.Start, Old: b.Assignees, Gone: true})
		case !slices.Equal(b.Assignees, after[i].Assignees):
			out = append(out, Change{Shift: b.ID, Start: b.Start, Old: b.Assignees, New: after[i].Assignees})
		}
	}
	for _, a := range after {
		if !slices.ContainsFunc(before, func(b engine.Shift) bool { return b.ID == a.ID }) {
			out = append(out, Change{Shift: a.ID, Start: a.Start, New: a.Assignees, Added: true})
		}
	}
	slices.SortStableFunc(out, func(x, y Change) int { return x.Start.Compare(y.Start) })
	return out
}
