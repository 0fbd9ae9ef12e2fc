// Package workflows holds RotationWorkflow, the long-lived Temporal
// workflow that runs one rotation, and the names and payloads of the
// messages it takes. Everything here is deterministic workflow code.
package workflows

import (
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
	"github.com/rota-scheduler/rota/internal/rules"
)

// TaskQueue is the task queue of rota's workers.
const TaskQueue = "rota"

// WorkflowType is the name RotationWorkflow is registered under (its
// function's name): visibility queries select rotations by it.
const WorkflowType = "RotationWorkflow"

// RunningQuery is the visibility query of the running rotations (rota list,
// the schedule pages' index).
const RunningQuery = "WorkflowType = '" + WorkflowType + "' AND ExecutionStatus = 'Running'"

// WorkflowID is the id of the workflow that runs a rotation.
func WorkflowID(rotation string) string { return "rota/" + rotation }

// Names of the operations. Each is both a signal (for `temporal workflow
// signal` and the Web UI) and an update with a validator (for the rota
// client, which gets an answer at once).
//
// An update's payload is the operation's input struct below; it answers an
// Answer (the shifts changed and one note per seat that changed hands). A
// refused update fails with a temporal.ApplicationError of type "Rejected"
// whose message says why: refused by its validator (nothing is
// recorded), or, rarely, by the engine when it runs (recorded in the audit).
// An update sent again with the same update id gets the first answer, also
// after a continue-as-new (the server deduplicates ids within one run only;
// the audit log carries them across runs).
// A signal gets no answer: it is recorded in the audit log, accepted or
// rejected with the reason; so is a signal of a name not in this list.
// Signals and updates take effect in the order the server received them
// (see arrival.go).
//
// The names of the operations the engine runs are defined once, in
// activities (the engine's local activities take them).
const (
	Configure   = activities.OpConfigure
	Swap        = activities.OpSwap
	Cover       = activities.OpCover
	LeaveShift  = activities.OpLeaveShift
	Unavailable = activities.OpUnavailable
	Available   = activities.OpAvailable
	Assign      = activities.OpAssign
	Pause       = "pause"
	Resume      = "resume"
)

// Names of the queries.
const (
	QuerySchedule = "schedule"
	QueryWho      = "who"
	QueryStats    = "stats"
	QueryAudit    = "audit"
	QueryConfig   = "config"
	QueryStatus   = "status"
	QueryPreview  = "preview"
)

// Search attributes (KeywordList) kept on every rotation workflow.
const (
	AttrMembers = "RotaMembers" // every member of the rotation
	AttrOnCall  = "RotaOnCall"  // who is on shift now
)

// AttrHealth (Keyword) is a rotation's Health, so that
// `temporal workflow list --query "RotaHealth != 'ok'"` finds the
// rotations that need a person.
const AttrHealth = "RotaHealth"

// SearchAttributes are the search attributes rota's workflows use, by type,
// to register on a Temporal namespace before the first rotation starts.
var SearchAttributes = []struct{ Name, Type string }{
	{AttrMembers, "KeywordList"},
	{AttrOnCall, "KeywordList"},
	{AttrHealth, "Keyword"},
}

// Values of RotaHealth.
const (
	HealthOK       = "ok"       // planning works and every send went out
	HealthDegraded = "degraded" // a send is failing, or one was given up in the last day
	HealthStalled  = "stalled"  // planning fails: handoffs stop when planned shifts run out
)

// ConfigureInput replaces the rotation's config (from `rota apply`).
type ConfigureInput struct {
	Rotation config.Rotation `json:"rotation"`
	Members  []config.Member `json:"members"`
}

// SwapInput trades seats: MemberA takes MemberB's seat on ShiftB and the
// other way round.
type SwapInput struct {
	ShiftA      string `json:"shift_a"`
	MemberA     string `json:"member_a"`
	ShiftB      string `json:"shift_b"`
	MemberB     string `json:"member_b"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// CoverInput puts By in Member's seat on Shift.
type CoverInput struct {
	Shift       string `json:"shift"`
	Member      string `json:"member"`
	By          string `json:"by"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// LeaveShiftInput takes Member off Shift; a running shift is split now.
type LeaveShiftInput struct {
	Shift       string `json:"shift"`
	Member      string `json:"member"`
	Reason      string `json:"reason,omitempty"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// UnavailableInput says Member cannot serve from From to To.
type UnavailableInput struct {
	Member      string    `json:"member"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Reason      string    `json:"reason,omitempty"`
	RequestedBy string    `json:"requested_by,omitempty"`
}

// AvailableInput withdraws Member's reported unavailability between From and To.
type AvailableInput struct {
	Member      string    `json:"member"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	RequestedBy string    `json:"requested_by,omitempty"`
}

// AssignInput sets Shift's assignees by hand.
type AssignInput struct {
	Shift       string   `json:"shift"`
	Members     []string `json:"members"`
	RequestedBy string   `json:"requested_by,omitempty"`
}

// PauseInput stops planning and announcements until resume.
type PauseInput struct {
	Reason      string `json:"reason,omitempty"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// ResumeInput starts a paused rotation again.
type ResumeInput struct {
	RequestedBy string `json:"requested_by,omitempty"`
}

// ScheduleQuery asks for the shifts that overlap From..To.
type ScheduleQuery struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// RotationInput starts a rotation's workflow. The workflow continues as new
// with the same input type, its state carried in State.
type RotationInput struct {
	Rotation config.Rotation `json:"rotation"`
	Members  []config.Member `json:"members"`
	// MaxShiftsPerRun bounds the shifts a run handles before it continues
	// as new (default DefaultMaxShiftsPerRun).
	MaxShiftsPerRun int `json:"max_shifts_per_run,omitempty"`
	// MaxHistoryLength makes a run continue as new once its history has
	// this many events (default 20,000), however few shifts it handled.
	MaxHistoryLength int `json:"max_history_length,omitempty"`
	// State is the state carried over by continue-as-new; nil on the first
	// run. When set, Rotation and Members are left empty: the state holds
	// the config.
	State *RotationState `json:"state,omitempty"`
}

// DefaultMaxShiftsPerRun is how many shifts a run handles (sees end) before
// it continues as new, unless the input says otherwise.
const DefaultMaxShiftsPerRun = 50

// AuditLimit is how many audit entries a rotation keeps (the latest).
const AuditLimit = 500

// AuditEntry records one operation, accepted or not.
type AuditEntry struct {
	Time        time.Time `json:"time"`
	Operation   string    `json:"operation"`
	Via         string    `json:"via"`   // "signal" or "update"
	Input       string    `json:"input"` // a summary of the payload
	RequestedBy string    `json:"requested_by,omitempty"`
	Accepted    bool      `json:"accepted"`
	Reason      string    `json:"reason,omitempty"` // why it was rejected
	Shifts      []string  `json:"shifts,omitempty"` // the shifts it changed
	Notes       []string  `json:"notes,omitempty"`
	// UpdateID is the update's id (empty for a signal): an update sent
	// again with this id gets this entry's answer.
	UpdateID string `json:"update_id,omitempty"`
}

// Answer is what an operation's update answers: the change, and, when the
// same update id was answered before (in this run or an earlier one),
// when; it was not applied again.
type Answer struct {
	engine.Change
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// Statuses of the shifts in the answer to QuerySchedule.
const (
	StatusPast     = "past"     // ended
	StatusCurrent  = "current"  // running now
	StatusFinal    = "final"    // planned: the assignees are final
	StatusForecast = "forecast" // not planned yet: what planning would give now
)

// The answer to QuerySchedule is a render.Plan whose shifts carry a Status.

// StatsResult answers QueryStats: the report of the rotation's history
// (report.Report's fields) and its health.
type StatsResult struct {
	report.Report
	Health Health `json:"health"`
}

// Health is whether a rotation needs a person, and why.
type Health struct {
	Health    string `json:"health"` // HealthOK, HealthDegraded or HealthStalled
	PlanError string `json:"plan_error,omitempty"`
	// Failing are the sends being tried again; Abandoned those given up
	// in the last day.
	Failing   []EffectFailure `json:"failing,omitempty"`
	Abandoned []EffectFailure `json:"abandoned,omitempty"`
}

// StatusResult answers QueryStatus.
type StatusResult struct {
	Rotation string    `json:"rotation"`
	At       time.Time `json:"at"`
	Paused   bool      `json:"paused"`
	Health
	// Pending counts the sends not done yet (queued, under way or failing).
	Pending int `json:"pending"`
	// Failures are the latest failed sends, given up or done in the end.
	Failures []EffectFailure `json:"failures"`
	// NextStart is the first slot not planned yet; Runs counts the
	// workflow's runs (continue-as-new).
	NextStart time.Time `json:"next_start,omitzero"`
	Runs      int       `json:"runs"`
}

// PreviewResult answers QueryPreview, whose argument is a ConfigureInput:
// what applying that config would change in the schedule from At to To
// (plan_ahead and four more weeks), computed from the rotation's real state
// (swaps, covers and leave included). Final shifts (those that start before
// FinalUntil) are never rewritten by a config change: only forecast ones
// appear in Changes.
type PreviewResult struct {
	Rotation   string         `json:"rotation"`
	At         time.Time      `json:"at"`
	To         time.Time      `json:"to"`
	FinalUntil time.Time      `json:"final_until,omitzero"`
	Changes    []rules.Change `json:"changes"`
}

// WhoResult answers QueryWho.
type WhoResult struct {
	Rotation string         `json:"rotation"`
	At       time.Time      `json:"at"`
	Paused   bool           `json:"paused"`
	Health   Health         `json:"health"`
	OnCall   []string       `json:"on_call"` // assignees of the current shifts
	Current  []render.Shift `json:"current"`
	Next     []render.Shift `json:"next"` // the shifts that start next
}

// ConfigResult answers QueryConfig.
type ConfigResult struct {
	Rotation    config.Rotation `json:"rotation"`
	Members     []config.Member `json:"members"`
	Paused      bool            `json:"paused"`
	PauseReason string          `json:"pause_reason,omitempty"`
}
