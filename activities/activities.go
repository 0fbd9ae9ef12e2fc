// Package activities holds rota's side effects (messages, calendars, the
// pager) and the engine steps the rotation workflow runs as local
// activities so that their results are recorded in its history.
//
// Every side effect carries an idempotency key built from a shift id (or the
// rotation id) and the event, never from a workflow run id, so a retried or
// replayed activity can be told apart from a new one by the service behind
// it.
package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

// Notifier talks to people: direct messages, channel announcements, the
// on-call user group and the channel topic.
type Notifier interface {
	DirectMessage(ctx context.Context, member config.Member, text, key string) error
	Announce(ctx context.Context, channel, text, key string) error
	SetUsergroup(ctx context.Context, usergroup string, members []config.Member, key string) error
	SetTopic(ctx context.Context, channel, topic, key string) error
}

// CalendarPublisher publishes a rotation's shifts as calendar feeds.
type CalendarPublisher interface {
	Publish(ctx context.Context, rotation string, shifts []engine.Shift, key string) error
}

// Pager mirrors assignments into the paging tool's schedule.
type Pager interface {
	Override(ctx context.Context, schedule string, shift engine.Shift, members []config.Member, key string) error
}

// Activities are rota's side effects, with the clients they use injected.
// A nil client is skipped (and logged).
type Activities struct {
	Notifier  Notifier
	Calendars CalendarPublisher
	Pager     Pager
	Logger    *slog.Logger
}

func (a *Activities) log() *slog.Logger {
	if a == nil || a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

// Key builds an idempotency key from a shift (or rotation) id and the parts
// of the event, e.g. "sre/main/2026-11-23T09:00:00Z/notify/alice".
func Key(id string, event ...string) string {
	return strings.Join(append([]string{id}, event...), "/")
}

// NotifyInput tells a shift's assignees that their shift is coming.
type NotifyInput struct {
	Rotation  config.Rotation `json:"rotation"`
	Shift     engine.Shift    `json:"shift"`
	Assignees []config.Member `json:"assignees"`
}

// Notify sends each assignee of a shift a direct message with the shift's
// times (in their zone) and the duty list.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) error {
	if a.Notifier == nil {
		a.log().Warn("notify: no notifier", "shift", in.Shift.ID)
		return nil
	}
	var errs []error
	for _, m := range in.Assignees {
		text := NotifyText(&in.Rotation, in.Shift, m)
		if err := a.Notifier.DirectMessage(ctx, m, text, Key(in.Shift.ID, "notify", m.ID)); err != nil {
			errs = append(errs, fmt.Errorf("message %s: %w", m.ID, err))
		}
	}
	return errors.Join(errs...)
}

// HandoffInput hands a rotation over to a shift's assignees.
type HandoffInput struct {
	Rotation  config.Rotation `json:"rotation"`
	Shift     engine.Shift    `json:"shift"`
	Assignees []config.Member `json:"assignees"`
	// Event names the handoff in the keys: "handoff", or "handoff/r3" when
	// a change re-hands a running shift.
	Event string `json:"event"`
}

// Handoff announces the shift in the rotation's channel, sets the on-call
// user group and the channel topic, as configured.
func (a *Activities) Handoff(ctx context.Context, in HandoffInput) error {
	event := in.Event
	if event == "" {
		event = "handoff"
	}
	a.log().Info("handoff", "rotation", in.Rotation.ID, "shift", in.Shift.ID, "assignees", in.Shift.Assignees)
	sl := in.Rotation.Slack
	if sl == nil {
		return nil
	}
	if a.Notifier == nil {
		a.log().Warn("handoff: no notifier", "shift", in.Shift.ID)
		return nil
	}
	var errs []error
	if sl.Channel != "" {
		text := HandoffText(&in.Rotation, in.Shift, in.Assignees)
		if err := a.Notifier.Announce(ctx, sl.Channel, text, Key(in.Shift.ID, event, "announce")); err != nil {
			errs = append(errs, fmt.Errorf("announce: %w", err))
		}
	}
	if sl.Usergroup != "" {
		if err := a.Notifier.SetUsergroup(ctx, sl.Usergroup, in.Assignees, Key(in.Shift.ID, event, "usergroup")); err != nil {
			errs = append(errs, fmt.Errorf("usergroup: %w", err))
		}
	}
	if sl.Topic && sl.Channel != "" {
		if err := a.Notifier.SetTopic(ctx, sl.Channel, TopicText(&in.Rotation, in.Shift, in.Assignees), Key(in.Shift.ID, event, "topic")); err != nil {
			errs = append(errs, fmt.Errorf("topic: %w", err))
		}
	}
	return errors.Join(errs...)
}

// PagerInput mirrors one shift into the pager's schedule.
type PagerInput struct {
	Schedule  string          `json:"schedule"`
	Shift     engine.Shift    `json:"shift"`
	Assignees []config.Member `json:"assignees"`
	Event     string          `json:"event"` // as in HandoffInput
}

// SyncPager sets the pager schedule's override for the shift.
func (a *Activities) SyncPager(ctx context.Context, in PagerInput) error {
	if a.Pager == nil {
		a.log().Warn("sync pager: no pager", "shift", in.Shift.ID)
		return nil
	}
	event := in.Event
	if event == "" {
		event = "handoff"
	}
	return a.Pager.Override(ctx, in.Schedule, in.Shift, in.Assignees, Key(in.Shift.ID, event, "pager"))
}

// ChangeNoticeInput tells the people concerned by an accepted change.
type ChangeNoticeInput struct {
	Rotation config.Rotation `json:"rotation"`
	// Seq numbers the rotation's accepted changes; with the first changed
	// shift it makes the keys.
	Seq         int             `json:"seq"`
	Operation   string          `json:"operation"`
	Summary     string          `json:"summary"`
	RequestedBy string          `json:"requested_by,omitempty"`
	Notes       []string        `json:"notes"`
	Shifts      []engine.Shift  `json:"shifts"` // the changed shifts as they are now
	Members     []config.Member `json:"members"`
}

// ChangeNotice messages everyone concerned by a change and announces it in
// the rotation's channel.
func (a *Activities) ChangeNotice(ctx context.Context, in ChangeNoticeInput) error {
	id := in.Rotation.ID
	if len(in.Shifts) > 0 {
		id = in.Shifts[0].ID
	}
	event := fmt.Sprintf("change-%d", in.Seq)
	a.log().Info("change", "rotation", in.Rotation.ID, "operation", in.Operation, "notes", in.Notes)
	if a.Notifier == nil {
		return nil
	}
	var errs []error
	for _, m := range in.Members {
		text := ChangeText(&in.Rotation, in, m)
		if err := a.Notifier.DirectMessage(ctx, m, text, Key(id, event, m.ID)); err != nil {
			errs = append(errs, fmt.Errorf("message %s: %w", m.ID, err))
		}
	}
	if sl := in.Rotation.Slack; sl != nil && sl.Channel != "" {
		text := ChangeText(&in.Rotation, in, config.Member{})
		if err := a.Notifier.Announce(ctx, sl.Channel, text, Key(id, event, "announce")); err != nil {
			errs = append(errs, fmt.Errorf("announce: %w", err))
		}
	}
	return errors.Join(errs...)
}

// PublishInput is a rotation's shifts to publish as calendars.
type PublishInput struct {
	Rotation string         `json:"rotation"`
	Version  int            `json:"version"` // counts publications, for the key
	Shifts   []engine.Shift `json:"shifts"`
}

// PublishCalendars publishes the rotation's calendar feeds.
func (a *Activities) PublishCalendars(ctx context.Context, in PublishInput) error {
	if a.Calendars == nil {
		a.log().Warn("publish calendars: no publisher", "rotation", in.Rotation)
		return nil
	}
	return a.Calendars.Publish(ctx, in.Rotation, in.Shifts, Key(in.Rotation, "calendar", fmt.Sprint(in.Version)))
}
