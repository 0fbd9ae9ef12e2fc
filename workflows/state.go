package workflows

import (
	"slices"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/feed"
)

// RotationState is everything a rotation's workflow knows. It is a plain
// serializable value, carried from run to run by continue-as-new.
type RotationState struct {
	Rotation config.Rotation `json:"rotation"`
	Members  []config.Member `json:"members"`
	// Engine is the engine's state: ledgers and planned shifts. Nil until
	// the first planning.
	Engine *engine.State `json:"engine,omitempty"`
	// NextStart is the start of the first slot not planned yet (it is
	// planned at NextStart - plan_ahead); zero once planning has begun means
	// the rotation has no more slots.
	NextStart time.Time `json:"next_start,omitzero"`
	// Events records, per planned shift, the deadlines already handled.
	Events []ShiftEvents `json:"events"`
	// Audit is the latest AuditLimit operations, oldest first.
	Audit       []AuditEntry `json:"audit"`
	Paused      bool         `json:"paused,omitempty"`
	PauseReason string       `json:"pause_reason,omitempty"`
	// Changes counts accepted changes and Publications calendar
	// publications: they number the idempotency keys of those events.
	Changes      int `json:"changes,omitempty"`
	Publications int `json:"publications,omitempty"`
	// Runs counts the runs of the workflow so far (this one included).
	Runs int `json:"runs,omitempty"`

	// Effects are the sends not done yet, oldest first; Failures the
	// latest sends that failed (FailureLimit). See effects.go.
	Effects  []PendingEffect `json:"effects,omitempty"`
	Failures []EffectFailure `json:"failures,omitempty"`
	// Unpublished are the shifts changed since the last calendar
	// publication; UnpublishedAll: too many to list, or all of them.
	Unpublished    []string `json:"unpublished,omitempty"`
	UnpublishedAll bool     `json:"unpublished_all,omitempty"`
	// Feed is the calendar feed as last published: each shift's last
	// version, for SEQUENCE and the cancelled events (bounded by feed.Past,
	// feed.Tombstone, feed.MaxPast and feed.MaxForecast).
	Feed []feed.Event `json:"feed,omitempty"`

	// PagerKnown are rota's overrides on tools that give ids themselves
	// (PagerDuty); PagerDirty: the final shifts changed since the last
	// pager sync; PagerDrops: schedules a new config no longer uses;
	// PagerSyncs numbers the syncs' keys. See pager.go.
	PagerKnown []KnownOverride `json:"pager_known,omitempty"`
	PagerDirty bool            `json:"pager_dirty,omitempty"`
	PagerDrops []PagerTarget   `json:"pager_drops,omitempty"`
	PagerSyncs int             `json:"pager_syncs,omitempty"`

	// PlanError says why planning failed (empty: it works); it is tried
	// again at PlanRetry. BadConfig: the engine refuses the config, and
	// planning waits for a configure.
	PlanError string    `json:"plan_error,omitempty"`
	PlanRetry time.Time `json:"plan_retry,omitzero"`
	BadConfig bool      `json:"bad_config,omitempty"`
}

// ShiftEvents says which deadlines of a planned shift have been handled.
type ShiftEvents struct {
	Shift     string `json:"shift"`
	Notified  bool   `json:"notified,omitempty"`
	HandedOff bool   `json:"handed_off,omitempty"`
	Ended     bool   `json:"ended,omitempty"`
	// Rehand numbers a handoff run again because a change gave a running
	// shift new assignees (0: the first handoff).
	Rehand int `json:"rehand,omitempty"`
	// Seq counts the accepted changes that touched the shift: it numbers
	// the keys of their notices.
	Seq int `json:"seq,omitempty"`
	// Threads are the posts that later notices about the shift reply to:
	// the channel's handoff post and each assignee's reminder.
	Threads []Thread `json:"threads,omitempty"`
	// Silent: planned after it ended (before the rotation was applied,
	// while it was paused or no worker ran), so nobody was told of it.
	Silent bool `json:"silent,omitempty"`
}

// Thread is a post that replies go under: in the channel (Member "") or
// in Member's direct messages.
type Thread struct {
	Member string `json:"member,omitempty"`
	TS     string `json:"ts"`
}

// shifts returns the planned shifts (in start order), none before planning.
func (s *RotationState) shifts() []engine.Shift {
	if s.Engine == nil {
		return nil
	}
	return s.Engine.Shifts
}

// syncEvents keeps one entry per planned shift, in the shifts' order:
// entries of pruned shifts go, new shifts get one from init.
func (s *RotationState) syncEvents(init func(sh *engine.Shift) ShiftEvents) {
	out := make([]ShiftEvents, 0, len(s.shifts()))
	for i := range s.shifts() {
		sh := &s.Engine.Shifts[i]
		j := slices.IndexFunc(s.Events, func(e ShiftEvents) bool { return e.Shift == sh.ID })
		if j >= 0 {
			out = append(out, s.Events[j])
		} else {
			e := init(sh)
			e.Shift = sh.ID
			out = append(out, e)
		}
	}
	s.Events = out
}

// member returns the config of a member by id (a bare one for an id the
// config does not know any more).
func (s *RotationState) member(id string) config.Member {
	for _, m := range s.Members {
		if m.ID == id {
			return m
		}
	}
	return config.Member{ID: id, Name: id}
}

func (s *RotationState) members(ids []string) []config.Member {
	out := make([]config.Member, len(ids))
	for i, id := range ids {
		out[i] = s.member(id)
	}
	return out
}

// shift returns the planned shift with the given id.
func (s *RotationState) shift(id string) (*engine.Shift, bool) {
	for i := range s.shifts() {
		if s.Engine.Shifts[i].ID == id {
			return &s.Engine.Shifts[i], true
		}
	}
	return nil, false
}

// onCall lists, sorted and once each, the assignees of the shifts running at t.
func (s *RotationState) onCall(t time.Time) []string {
	var out []string
	for _, sh := range s.shifts() {
		if !sh.Start.After(t) && t.Before(sh.End) {
			for _, id := range sh.Assignees {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// answered is the audit entry of the update id, if it was answered.
func (s *RotationState) answered(id string) *AuditEntry {
	if id == "" {
		return nil
	}
	for i := len(s.Audit) - 1; i >= 0; i-- {
		if s.Audit[i].UpdateID == id {
			return &s.Audit[i]
		}
	}
	return nil
}

func (s *RotationState) audit(e AuditEntry) {
	s.Audit = append(s.Audit, e)
	if n := len(s.Audit) - AuditLimit; n > 0 {
		s.Audit = slices.Delete(s.Audit, 0, n)
	}
}
