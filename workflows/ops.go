package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/rules"
)

// operation is the input of one of the operations, as it arrives by signal
// or update. The input types of messages.go implement it.
type operation interface {
	// requester is who asked (requested_by).
	requester() string
	// concerned lists the members who may ask for the operation themselves
	// when the rotation has admins; empty: only admins may.
	concerned() []string
	// summary describes the input for the audit log.
	summary() string
	// check validates the input against the state at now, without the
	// engine: members and shifts exist, times are in order.
	check(s *RotationState, now time.Time) error
	// engineOp is the operation for the engine (Name empty: none).
	engineOp() activities.Operation
}

// newInput returns a pointer to a zero input of the named operation.
func newInput(name string) (operation, bool) {
	switch name {
	case Configure:
		return &ConfigureInput{}, true
	case Swap:
		return &SwapInput{}, true
	case Cover:
		return &CoverInput{}, true
	case LeaveShift:
		return &LeaveShiftInput{}, true
	case Unavailable:
		return &UnavailableInput{}, true
	case Available:
		return &AvailableInput{}, true
	case Assign:
		return &AssignInput{}, true
	case Pause:
		return &PauseInput{}, true
	case Resume:
		return &ResumeInput{}, true
	}
	return nil, false
}

// operationNames lists the operations in a fixed order: the order their
// signal channels are read in.
var operationNames = []string{Configure, Swap, Cover, LeaveShift, Unavailable, Available, Assign, Pause, Resume}

// decodeSignal decodes a signal's payload into the input of its operation.
// The payload reaches it as JSON, through the workflow's data converter
// (so a codec the worker sets applies). It never panics: a payload of the
// wrong shape, or a name that is no operation, is an error, and the
// payload's text (cut short) goes to the audit log.
func decodeSignal(name string, raw json.RawMessage) (operation, string, error) {
	text := string(raw)
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	op, ok := newInput(name)
	if !ok {
		return nil, text, fmt.Errorf("unknown operation %q: not one of %s", name, strings.Join(operationNames, ", "))
	}
	if len(raw) == 0 {
		return op, "", nil // no payload: the checks say what is missing
	}
	// Decoding JSON is deterministic; workflowcheck flags reflect's use of
	// runtime frames inside it.
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, op); err != nil {
		return nil, text, fmt.Errorf("bad payload: %w", err)
	}
	return op, text, nil
}

// rejection is how a refused operation reaches an update's caller.
func rejection(reason string) error {
	return temporal.NewNonRetryableApplicationError(reason, "Rejected", nil)
}

func reject(format string, args ...any) error { return rules.Reject(format, args...) }

// reason returns the plain-words reason of a refusal.
func reason(err error) string {
	var r *engine.Rejected
	if errors.As(err, &r) {
		return r.Reason
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// view is what the rules read of the state.
func (s *RotationState) view() *rules.Rotation {
	ids := make([]string, len(s.Members))
	for i, m := range s.Members {
		ids[i] = m.ID
	}
	return &rules.Rotation{ID: s.Rotation.ID, Admins: s.Rotation.Admins, Members: ids, Shifts: s.shifts()}
}

func (s *RotationState) checkMember(role, id string) error { return s.view().Member(role, id) }

// checkShift checks that a shift is planned and has not ended.
func (s *RotationState) checkShift(role, id string, now time.Time) (*engine.Shift, error) {
	return s.view().Shift(role, id, now)
}

func checkSpan(from, to, now time.Time, needFuture bool) error {
	return rules.Span(from, to, now, needFuture)
}

// checkAdmin applies the admins rule (rules.Rotation.Admin).
func (s *RotationState) checkAdmin(name string, op operation) error {
	return s.view().Admin(name, op.requester(), op.concerned())
}

// --- configure

func (in *ConfigureInput) requester() string   { return "" }
func (in *ConfigureInput) concerned() []string { return nil }
func (in *ConfigureInput) summary() string {
	return fmt.Sprintf("rotation %s, %s, %s", in.Rotation.ID, plural(len(in.Rotation.Layers), "layer"), plural(len(in.Members), "member"))
}
func (in *ConfigureInput) check(s *RotationState, now time.Time) error {
	if in.Rotation.ID != s.Rotation.ID {
		return reject("the config is of rotation %q, not %q", in.Rotation.ID, s.Rotation.ID)
	}
	if len(in.Members) == 0 {
		return reject("the config has no members")
	}
	return nil
}
func (in *ConfigureInput) engineOp() activities.Operation {
	rot := in.Rotation
	return activities.Operation{Name: activities.OpConfigure, Rotation: &rot, NewMembers: in.Members}
}

// --- swap

func (in *SwapInput) requester() string   { return in.RequestedBy }
func (in *SwapInput) concerned() []string { return []string{in.MemberA, in.MemberB} }
func (in *SwapInput) summary() string {
	return fmt.Sprintf("%s on %s <-> %s on %s", in.MemberA, in.ShiftA, in.MemberB, in.ShiftB)
}
func (in *SwapInput) check(s *RotationState, now time.Time) error {
	if err := s.checkMember("member_a", in.MemberA); err != nil {
		return err
	}
	if err := s.checkMember("member_b", in.MemberB); err != nil {
		return err
	}
	if _, err := s.checkShift("shift_a", in.ShiftA, now); err != nil {
		return err
	}
	if _, err := s.checkShift("shift_b", in.ShiftB, now); err != nil {
		return err
	}
	if in.ShiftA == in.ShiftB {
		return reject("a swap needs two different shifts")
	}
	return nil
}
func (in *SwapInput) engineOp() activities.Operation {
	return activities.Operation{Name: activities.OpSwap, Shift: in.ShiftA, Member: in.MemberA, ShiftB: in.ShiftB, MemberB: in.MemberB}
}

// --- cover

func (in *CoverInput) requester() string   { return in.RequestedBy }
func (in *CoverInput) concerned() []string { return []string{in.Member, in.By} }
func (in *CoverInput) summary() string {
	return fmt.Sprintf("%s covers %s on %s", in.By, in.Member, in.Shift)
}
func (in *CoverInput) check(s *RotationState, now time.Time) error {
	if err := s.checkMember("member", in.Member); err != nil {
		return err
	}
	if err := s.checkMember("by", in.By); err != nil {
		return err
	}
	if in.Member == in.By {
		return reject("%s cannot cover themselves", in.By)
	}
	_, err := s.checkShift("shift", in.Shift, now)
	return err
}
func (in *CoverInput) engineOp() activities.Operation {
	return activities.Operation{Name: activities.OpCover, Shift: in.Shift, Member: in.Member, By: in.By}
}

// --- leave_shift

func (in *LeaveShiftInput) requester() string   { return in.RequestedBy }
func (in *LeaveShiftInput) concerned() []string { return []string{in.Member} }
func (in *LeaveShiftInput) summary() string {
	return withReason(fmt.Sprintf("%s leaves %s", in.Member, in.Shift), in.Reason)
}
func (in *LeaveShiftInput) check(s *RotationState, now time.Time) error {
	if err := s.checkMember("member", in.Member); err != nil {
		return err
	}
	sh, err := s.checkShift("shift", in.Shift, now)
	if err != nil {
		return err
	}
	if !sh.Has(in.Member) {
		return reject("%s is not on shift %s", in.Member, in.Shift)
	}
	return nil
}
func (in *LeaveShiftInput) engineOp() activities.Operation {
	return activities.Operation{Name: activities.OpLeaveShift, Shift: in.Shift, Member: in.Member, Reason: in.Reason}
}

// --- unavailable

func (in *UnavailableInput) requester() string   { return in.RequestedBy }
func (in *UnavailableInput) concerned() []string { return []string{in.Member} }
func (in *UnavailableInput) summary() string {
	return withReason(fmt.Sprintf("%s unavailable from %s to %s", in.Member, render.UTC(in.From), render.UTC(in.To)), in.Reason)
}
func (in *UnavailableInput) check(s *RotationState, now time.Time) error {
	if err := s.checkMember("member", in.Member); err != nil {
		return err
	}
	return checkSpan(in.From, in.To, now, true)
}
func (in *UnavailableInput) engineOp() activities.Operation {
	return activities.Operation{Name: activities.OpUnavailable, Member: in.Member, From: in.From, To: in.To, Reason: in.Reason}
}

// --- available

func (in *AvailableInput) requester() string   { return in.RequestedBy }
func (in *AvailableInput) concerned() []string { return []string{in.Member} }
func (in *AvailableInput) summary() string {
	return fmt.Sprintf("%s available from %s to %s", in.Member, render.UTC(in.From), render.UTC(in.To))
}
func (in *AvailableInput) check(s *RotationState, now time.Time) error {
	if err := s.checkMember("member", in.Member); err != nil {
		return err
	}
	return checkSpan(in.From, in.To, now, false)
}
func (in *AvailableInput) engineOp() activities.Operation {
	return activities.Operation{Name: activities.OpAvailable, Member: in.Member, From: in.From, To: in.To}
}

// --- assign

func (in *AssignInput) requester() string   { return in.RequestedBy }
func (in *AssignInput) concerned() []string { return nil } // it overrides others: admins only
func (in *AssignInput) summary() string {
	return fmt.Sprintf("%s assigned to %s", in.Shift, strings.Join(in.Members, ", "))
}
func (in *AssignInput) check(s *RotationState, now time.Time) error {
	if len(in.Members) == 0 {
		return reject("members is required")
	}
	for _, m := range in.Members {
		if err := s.checkMember("member", m); err != nil {
			return err
		}
	}
	if v := s.view(); v.Planned(in.Shift) {
		_, err := v.Shift("shift", in.Shift, now)
		return err
	}
	// A slot not planned yet: the engine knows whether it exists.
	if in.Shift == "" {
		return reject("shift is required")
	}
	if !strings.HasPrefix(in.Shift, s.Rotation.ID+"/") {
		return reject("unknown shift %q: not a shift of rotation %s", in.Shift, s.Rotation.ID)
	}
	return nil
}
func (in *AssignInput) engineOp() activities.Operation {
	return activities.Operation{Name: activities.OpAssign, Shift: in.Shift, Members: slices.Clone(in.Members)}
}

// --- pause and resume

func (in *PauseInput) requester() string   { return in.RequestedBy }
func (in *PauseInput) concerned() []string { return nil }
func (in *PauseInput) summary() string     { return withReason("pause", in.Reason) }
func (in *PauseInput) check(s *RotationState, now time.Time) error {
	if s.Paused {
		return reject("rotation %s is already paused", s.Rotation.ID)
	}
	return nil
}
func (in *PauseInput) engineOp() activities.Operation { return activities.Operation{} }

func (in *ResumeInput) requester() string   { return in.RequestedBy }
func (in *ResumeInput) concerned() []string { return nil }
func (in *ResumeInput) summary() string     { return "resume" }
func (in *ResumeInput) check(s *RotationState, now time.Time) error {
	if !s.Paused {
		return reject("rotation %s is not paused", s.Rotation.ID)
	}
	return nil
}
func (in *ResumeInput) engineOp() activities.Operation { return activities.Operation{} }

func withReason(s, reason string) string {
	if reason != "" {
		return s + " (" + reason + ")"
	}
	return s
}
