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
	"log/slog"
	"strings"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/feed"
)

// Notifier talks to people: direct messages, channel posts, the on-call
// user group and the channel topic.
type Notifier interface {
	DirectMessage(ctx context.Context, member config.Member, msg Message, p Post) (Posted, error)
	Announce(ctx context.Context, channel string, msg Message, p Post) (Posted, error)
	// SetUsergroup sets the group to exactly members (never none).
	SetUsergroup(ctx context.Context, usergroup string, members []config.Member, key string) error
	// SetTopic sets rota's part of the channel's topic.
	SetTopic(ctx context.Context, channel, topic, key string) error
}

// Post says how a message is sent.
type Post struct {
	// Key is the idempotency key; it travels with the message.
	Key string
	// Thread is the post this one replies to ("" for none); Broadcast: a
	// reply the channel sees too.
	Thread    string
	Broadcast bool
	// Retry: an earlier try may have posted the message (its reply was
	// lost), so look for it before posting.
	Retry bool
}

// Posted says where a message went: the conversation and the message's
// timestamp, which later messages reply to.
type Posted struct {
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
}

// CalendarPublisher publishes a rotation's calendar feeds: the rotation's
// own and its part of each member's. A publication holds the whole feed,
// so publishing again is harmless and heals an earlier failure.
type CalendarPublisher interface {
	Publish(ctx context.Context, r feed.Rotation, key string) error
}

// Activities are rota's side effects, with the clients they use injected.
// A nil client is skipped (and logged).
type Activities struct {
	Notifier  Notifier
	Calendars CalendarPublisher
	// Pagers are the paging tools the worker has credentials for.
	Pagers []Pager
	Logger *slog.Logger
}

// pager is the paging tool of that name, if the worker has it.
func (a *Activities) pager(name string) Pager {
	for _, p := range a.Pagers {
		if p.Name() == name {
			return p
		}
	}
	return nil
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

// ChangeNotice describes an accepted change, for ChangeMessage.
type ChangeNotice struct {
	Operation   string         `json:"operation"`
	Summary     string         `json:"summary"`
	RequestedBy string         `json:"requested_by,omitempty"`
	Notes       []string       `json:"notes"`
	Shifts      []engine.Shift `json:"shifts"` // the changed shifts as they are now
}
