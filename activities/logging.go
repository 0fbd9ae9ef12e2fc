package activities

import (
	"context"
	"log/slog"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/feed"
)

// The logging implementations write every side effect to a slog.Logger
// instead of performing it. The worker uses them for each service it has
// no credentials for.

// LogNotifier logs messages instead of sending them.
type LogNotifier struct{ Logger *slog.Logger }

func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

func ids(ms []config.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// DirectMessage logs a direct message to member.
func (n LogNotifier) DirectMessage(ctx context.Context, member config.Member, msg Message, p Post) (Posted, error) {
	orDefault(n.Logger).InfoContext(ctx, "direct message", "member", member.ID, "slack", member.Slack, "key", p.Key, "text", msg.Text())
	return Posted{}, nil
}

// Announce logs a channel announcement.
func (n LogNotifier) Announce(ctx context.Context, channel string, msg Message, p Post) (Posted, error) {
	orDefault(n.Logger).InfoContext(ctx, "announce", "channel", channel, "key", p.Key, "text", msg.Text())
	return Posted{}, nil
}

// SetUsergroup logs the new members of a user group.
func (n LogNotifier) SetUsergroup(ctx context.Context, usergroup string, members []config.Member, key string) error {
	orDefault(n.Logger).InfoContext(ctx, "set usergroup", "usergroup", usergroup, "members", ids(members), "key", key)
	return nil
}

// SetTopic logs a channel's new topic.
func (n LogNotifier) SetTopic(ctx context.Context, channel, topic, key string) error {
	orDefault(n.Logger).InfoContext(ctx, "set topic", "channel", channel, "topic", topic, "key", key)
	return nil
}

// LogCalendars logs calendar publications.
type LogCalendars struct{ Logger *slog.Logger }

// Publish logs a publication and how many events it has.
func (c LogCalendars) Publish(ctx context.Context, r feed.Rotation, key string) error {
	orDefault(c.Logger).InfoContext(ctx, "publish calendars", "rotation", r.ID, "events", len(r.Events), "key", key)
	return nil
}

// NewLogging returns Activities whose notifier and calendars log through
// logger; it has no pagers (their sync is logged and skipped).
func NewLogging(logger *slog.Logger) *Activities {
	return &Activities{
		Notifier:  LogNotifier{Logger: logger},
		Calendars: LogCalendars{Logger: logger},
		Logger:    logger,
	}
}
