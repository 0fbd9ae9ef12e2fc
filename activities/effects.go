package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

// Kinds of effect: one send each.
const (
	EffectDM        = "dm"        // a direct message to a member
	EffectAnnounce  = "announce"  // a post in the rotation's channel
	EffectUsergroup = "usergroup" // the on-call user group's members
	EffectTopic     = "topic"     // the channel's topic
	EffectPager     = "pager"     // the pager schedule's override for a shift
	EffectCalendar  = "calendar"  // the rotation's calendar feeds
)

// Effect is one send, with only what it needs: ids, the recipient's
// contact, the text already written. The workflow builds it; Deliver
// performs it.
type Effect struct {
	// Key is the idempotency key, unique per send (see Key).
	Key  string `json:"key"`
	Kind string `json:"kind"`
	// To is the channel (announce, topic), user group or pager schedule.
	To string `json:"to,omitempty"`
	// Member is the recipient of a direct message.
	Member *config.Member `json:"member,omitempty"`
	// Members are the people on shift (usergroup, pager).
	Members []config.Member `json:"members,omitempty"`
	// Message is a direct message or a channel post; Text a topic (or a
	// message queued before Message existed).
	Message *Message `json:"message,omitempty"`
	Text    string   `json:"text,omitempty"`
	// Thread is the post a message replies to.
	Thread string `json:"thread,omitempty"`
	// Attempt counts the tries before this one.
	Attempt int `json:"attempt,omitempty"`
	// Pager is the paging tool a sync is for (To its schedule); Drop: rota's
	// overrides there go. Empty: an override queued before pager sync.
	Pager string `json:"pager,omitempty"`
	Drop  bool   `json:"drop,omitempty"`
	// Shift is the shift a pager override is for.
	Shift *engine.Shift `json:"shift,omitempty"`
	// Rotation and Changed are a calendar publication: the ids of the
	// shifts that changed since the last one; All: too many to list, or
	// the whole calendar changed.
	Rotation string   `json:"rotation,omitempty"`
	Changed  []string `json:"changed,omitempty"`
	All      bool     `json:"all,omitempty"`
}

// DeliverInput is the sends due at one moment.
type DeliverInput struct {
	Effects []Effect `json:"effects"`
}

// Outcome is how one send went: Error empty means it was done.
type Outcome struct {
	Key   string `json:"key"`
	Error string `json:"error,omitempty"`
	// Permanent: trying again will not help (bad token, unknown channel
	// or user); Advice says what will.
	Permanent bool   `json:"permanent,omitempty"`
	Advice    string `json:"advice,omitempty"`
	// RetryAfter is how long the service asked us to wait (a rate limit).
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// TS is the timestamp of the message posted, which replies go under.
	TS string `json:"ts,omitempty"`
}

// DeliverResult has one outcome per effect, in the input's order.
type DeliverResult struct {
	Outcomes []Outcome `json:"outcomes"`
}

// sendTimeout bounds one send.
const sendTimeout = 20 * time.Second

// sent is a send done, as Deliver's heartbeat details keep it.
type sent struct {
	Key string `json:"key"`
	TS  string `json:"ts,omitempty"`
}

// Deliver performs each effect once and reports each outcome: a failed send
// is an outcome, not an error, so the workflow sees it at once and retries
// only what failed, on its own schedule. The keys of the sends done are
// recorded as heartbeat details, so that when Temporal retries the activity
// itself (a worker died in the middle) they are not sent again.
func (a *Activities) Deliver(ctx context.Context, in DeliverInput) (DeliverResult, error) {
	var done []sent
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &done)
	}
	out := DeliverResult{Outcomes: make([]Outcome, len(in.Effects))}
	for i, e := range in.Effects {
		out.Outcomes[i].Key = e.Key
		if j := slices.IndexFunc(done, func(s sent) bool { return s.Key == e.Key }); j >= 0 {
			out.Outcomes[i].TS = done[j].TS
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1 {
			e.Attempt++ // this activity was cut short: the send may be done
		}
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		posted, err := a.send(sctx, e)
		cancel()
		out.Outcomes[i].TS = posted.TS
		if err == nil {
			done = append(done, sent{Key: e.Key, TS: posted.TS})
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, done)
		}
		if err != nil {
			ts := out.Outcomes[i].TS
			out.Outcomes[i] = Failed(e.Key, err)
			out.Outcomes[i].TS = ts
			a.log().Warn("send failed", "kind", e.Kind, "key", e.Key, "error", err, "permanent", out.Outcomes[i].Permanent)
		}
	}
	return out, nil
}

// send performs one effect with the injected clients; a missing client
// logs and succeeds (the worker said at start-up which ones it lacks).
func (a *Activities) send(ctx context.Context, e Effect) (Posted, error) {
	switch e.Kind {
	case EffectDM, EffectAnnounce, EffectUsergroup, EffectTopic:
		if a.Notifier == nil {
			a.log().Info("no notifier", "kind", e.Kind, "key", e.Key)
			return Posted{}, nil
		}
	case EffectCalendar:
		if a.Calendars == nil {
			a.log().Info("no calendar publisher", "key", e.Key)
			return Posted{}, nil
		}
	}
	msg := Message{Title: e.Text}
	if e.Message != nil {
		msg = *e.Message
	}
	p := Post{Key: e.Key, Thread: e.Thread, Retry: e.Attempt > 0}
	switch e.Kind {
	case EffectDM:
		if e.Member == nil {
			return Posted{}, Permanent(errors.New("direct message without a recipient"))
		}
		return a.Notifier.DirectMessage(ctx, *e.Member, msg, p)
	case EffectAnnounce:
		p.Broadcast = p.Thread != ""
		return a.Notifier.Announce(ctx, e.To, msg, p)
	case EffectUsergroup:
		return Posted{}, a.Notifier.SetUsergroup(ctx, e.To, e.Members, e.Key)
	case EffectTopic:
		return Posted{}, a.Notifier.SetTopic(ctx, e.To, e.Text, e.Key)
	case EffectPager:
		// An override queued by a run older than pager sync: the workflow
		// syncs the whole schedule through SyncPager from its next run on.
		a.log().Info("pager override left to the rotation's sync", "schedule", e.To, "key", e.Key)
		return Posted{}, nil
	case EffectCalendar:
		// A publication queued by a run older than calendar feeds: the
		// workflow publishes through PublishFeed from its next run on.
		a.log().Info("calendar publication left to the rotation's next run", "rotation", e.Rotation, "key", e.Key)
		return Posted{}, nil
	}
	return Posted{}, Permanent(fmt.Errorf("unknown kind of effect %q", e.Kind))
}

// SendError is a failed send with what the workflow needs to know of it.
type SendError struct {
	Err error
	// Permanent: trying again will not heal it (a bad token, an unknown
	// channel or user); Advice says what a person should do.
	Permanent bool
	Advice    string
	// RetryAfter is how long the service asked to wait (a rate limit).
	RetryAfter time.Duration
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Permanent marks err as one that will not heal by trying again: the
// workflow gives the send up at once and says so.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &SendError{Err: err, Permanent: true}
}

// Failed is the outcome of the send key that failed with err: whether
// trying again can help, what to do, how long the service asked to wait.
func Failed(key string, err error) Outcome {
	o := Outcome{Key: key, Error: err.Error(), Permanent: IsPermanent(err)}
	var se *SendError
	if errors.As(err, &se) {
		o.Advice, o.RetryAfter = se.Advice, se.RetryAfter
	}
	return o
}

// IsPermanent reports whether err was marked Permanent, or is a
// non-retryable Temporal application error.
func IsPermanent(err error) bool {
	var se *SendError
	if errors.As(err, &se) && se.Permanent {
		return true
	}
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.NonRetryable()
}
