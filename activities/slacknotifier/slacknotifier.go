// Package slacknotifier is rota's Notifier for Slack: direct messages and
// channel posts in Block Kit, the on-call user group and the channel
// topic, through slack-go's Web API client.
//
// Posts are exactly once as people see them: each carries its idempotency
// key in its metadata (event type rota_notice), and a retry looks for a
// post with that key among the conversation's recent messages before it
// posts. The user group and the topic are set only when they differ.
package slacknotifier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
)

const (
	// EventType is the metadata event type of rota's posts.
	EventType = "rota_notice"
	// HistoryLimit bounds the recent messages a retry looks through.
	HistoryLimit = 100
	// TopicLimit is the longest topic Slack takes, in characters.
	TopicLimit = 250
	// topicSep parts the team's own topic from rota's part.
	topicSep = " | "
	// topicMark starts rota's part of a topic (see activities.TopicText).
	topicMark = "On call for "
)

// Notifier sends rota's notices to a Slack workspace. It is safe for
// concurrent use.
type Notifier struct {
	api *slack.Client

	mu    sync.Mutex
	users map[string]string // email -> user id
	ims   map[string]string // user id -> direct message channel
}

// New returns a Notifier that calls the Web API at apiURL (empty: Slack's
// own) with the bot token.
func New(token, apiURL string) *Notifier {
	var opts []slack.Option
	if apiURL != "" {
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &Notifier{api: slack.New(token, opts...), users: map[string]string{}, ims: map[string]string{}}
}

// Check asks Slack who the token belongs to (auth.test): the bot's user
// name and the workspace.
func (n *Notifier) Check(ctx context.Context) (bot, team string, err error) {
	r, err := n.api.AuthTestContext(ctx)
	if err != nil {
		return "", "", classify(err, "")
	}
	return r.User, r.Team, nil
}

// DirectMessage sends msg to member, in the direct message conversation
// between the bot and them.
func (n *Notifier) DirectMessage(ctx context.Context, member config.Member, msg activities.Message, p activities.Post) (activities.Posted, error) {
	uid, err := n.userID(ctx, member)
	if err != nil {
		return activities.Posted{}, err
	}
	im, err := n.im(ctx, uid)
	if err != nil {
		return activities.Posted{}, err
	}
	return n.post(ctx, im, msg, p)
}

// Announce posts msg in channel.
func (n *Notifier) Announce(ctx context.Context, channel string, msg activities.Message, p activities.Post) (activities.Posted, error) {
	if channel == "" {
		return activities.Posted{}, activities.Permanent(errors.New("no channel"))
	}
	return n.post(ctx, channel, msg, p)
}

// SetUsergroup sets the user group to exactly members, when it holds
// anyone else. It never empties a group: Slack refuses that.
func (n *Notifier) SetUsergroup(ctx context.Context, usergroup string, members []config.Member, key string) error {
	if len(members) == 0 {
		return activities.Permanent(fmt.Errorf("user group %s: nobody to set it to, and Slack cannot empty a group", usergroup))
	}
	want := make([]string, 0, len(members))
	for _, m := range members {
		uid, err := n.userID(ctx, m)
		if err != nil {
			return err
		}
		if !slices.Contains(want, uid) {
			want = append(want, uid)
		}
	}
	slices.Sort(want)
	have, err := n.api.GetUserGroupMembersContext(ctx, usergroup)
	if err != nil {
		return classify(err, usergroup)
	}
	slices.Sort(have)
	if slices.Equal(have, want) {
		return nil
	}
	if _, err := n.api.UpdateUserGroupMembersContext(ctx, usergroup, strings.Join(want, ",")); err != nil {
		return classify(err, usergroup)
	}
	return nil
}

// SetTopic puts ours in the channel's topic as rota's part, after the
// text the team wrote there, when the topic differs.
func (n *Notifier) SetTopic(ctx context.Context, channel, ours, key string) error {
	ch, err := n.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		return classify(err, channel)
	}
	topic := Topic(ch.Topic.Value, ours)
	if topic == ch.Topic.Value {
		return nil
	}
	if _, err := n.api.SetTopicOfConversationContext(ctx, channel, topic); err != nil {
		return classify(err, channel)
	}
	return nil
}

// Topic is the topic with rota's part ours after the team's part of cur
// (the text before rota's part, or all of it), at most TopicLimit
// characters: the team's part is shortened first.
func Topic(cur, ours string) string {
	team := cur
	if strings.HasPrefix(cur, topicMark) {
		team = ""
	} else if i := strings.Index(cur, topicSep+topicMark); i >= 0 {
		team = cur[:i]
	}
	team = strings.TrimSpace(team)
	o := []rune(ours)
	if len(o) > TopicLimit {
		return string(o[:TopicLimit-1]) + "…"
	}
	if team == "" {
		return ours
	}
	t := []rune(team)
	room := TopicLimit - len(o) - len([]rune(topicSep))
	switch {
	case room <= 1:
		return ours
	case len(t) > room:
		t = append(t[:room-1], '…')
	}
	return string(t) + topicSep + ours
}

// post sends msg to a conversation, once: on a retry, a post carrying the
// same key among the recent ones is the post.
func (n *Notifier) post(ctx context.Context, channel string, msg activities.Message, p activities.Post) (activities.Posted, error) {
	if p.Retry {
		ts, err := n.find(ctx, channel, p)
		if err != nil {
			return activities.Posted{}, err
		}
		if ts != "" {
			return activities.Posted{Channel: channel, TS: ts}, nil
		}
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text(), false),
		slack.MsgOptionBlocks(Blocks(msg)...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: EventType, EventPayload: map[string]any{"key": p.Key}}),
	}
	if p.Thread != "" {
		opts = append(opts, slack.MsgOptionTS(p.Thread))
		if p.Broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	ch, ts, err := n.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return activities.Posted{}, classify(err, channel)
	}
	return activities.Posted{Channel: cmp.Or(ch, channel), TS: ts}, nil
}

// find returns the ts of the recent post in channel (or in the thread
// replied to) that carries p's key, or "".
func (n *Notifier) find(ctx context.Context, channel string, p activities.Post) (string, error) {
	var msgs []slack.Message
	var err error
	if p.Thread != "" {
		msgs, _, _, err = n.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: p.Thread, Limit: HistoryLimit, IncludeAllMetadata: true})
	} else {
		var h *slack.GetConversationHistoryResponse
		h, err = n.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Limit: HistoryLimit, IncludeAllMetadata: true})
		if h != nil {
			msgs = h.Messages
		}
	}
	if err != nil {
		return "", classify(err, channel)
	}
	for _, m := range msgs {
		if m.Metadata.EventType == EventType && m.Metadata.EventPayload["key"] == p.Key {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// userID is the member's Slack user id: the config's, else the one their
// email resolves to (cached).
func (n *Notifier) userID(ctx context.Context, m config.Member) (string, error) {
	if m.Slack != "" {
		return m.Slack, nil
	}
	if m.Email == "" {
		return "", &activities.SendError{Err: fmt.Errorf("member %s has no slack id and no email", m.ID), Permanent: true,
			Advice: fmt.Sprintf("give member %s a slack user id (members[].slack) or an email", m.ID)}
	}
	n.mu.Lock()
	uid, ok := n.users[m.Email]
	n.mu.Unlock()
	if ok {
		return uid, nil
	}
	u, err := n.api.GetUserByEmailContext(ctx, m.Email)
	if err != nil {
		return "", classify(err, m.ID)
	}
	n.mu.Lock()
	n.users[m.Email] = u.ID
	n.mu.Unlock()
	return u.ID, nil
}

// im is the direct message conversation with a user (cached).
func (n *Notifier) im(ctx context.Context, uid string) (string, error) {
	n.mu.Lock()
	ch, ok := n.ims[uid]
	n.mu.Unlock()
	if ok {
		return ch, nil
	}
	c, _, _, err := n.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{uid}})
	if err != nil {
		return "", classify(err, uid)
	}
	n.mu.Lock()
	n.ims[uid] = c.ID
	n.mu.Unlock()
	return c.ID, nil
}

// advice says what to do about Slack's errors that trying again will
// not heal. %s is what the call was about: a channel, a user group, a
// member.
var advice = map[string]string{
	"not_in_channel":    "invite the bot to the channel: type /invite @rota in %s",
	"channel_not_found": "check rotations[].slack.channel: %s must be a channel's id (C…) that the bot can see; invite it to a private channel",
	"is_archived":       "channel %s is archived: unarchive it or set another rotations[].slack.channel",
	"no_such_subteam":   "check rotations[].slack.usergroup: %s must be a user group's id (S…)",
	"invalid_users":     "check members[].slack: a member's id is not a user of this workspace (user group %s)",
	"user_not_found":    "check members[].slack of %s: no such user in this workspace",
	"users_not_found":   "no Slack user has %s's email: set members[].slack, or their email as Slack knows it",
	"missing_scope":     "add the scope Slack names to the app (see docs/slack-app-manifest.yaml) and reinstall it",
	"invalid_auth":      "check ROTA_SLACK_TOKEN: it must be the app's bot token (xoxb-…)",
	"not_authed":        "set ROTA_SLACK_TOKEN to the app's bot token (xoxb-…)",
	"token_revoked":     "the bot token was revoked: reinstall the app and set ROTA_SLACK_TOKEN",
	"account_inactive":  "the bot token was revoked: reinstall the app and set ROTA_SLACK_TOKEN",
	"no_users_provided": "user group %s: nobody to set it to",
}

// classify turns slack-go's errors into SendErrors: a rate limit carries
// its wait, and errors in advice are permanent with what to do.
func classify(err error, about string) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &activities.SendError{Err: err, RetryAfter: rl.RetryAfter}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if a, ok := advice[se.Err]; ok {
			if strings.Contains(a, "%s") {
				a = fmt.Sprintf(a, about)
			}
			if se.Err == "missing_scope" && se.Needed != "" {
				a = fmt.Sprintf("add the scope %s to the app (see docs/slack-app-manifest.yaml) and reinstall it", se.Needed)
			}
			return &activities.SendError{Err: fmt.Errorf("slack: %w", err), Permanent: true, Advice: a}
		}
		return fmt.Errorf("slack: %w", err)
	}
	return err
}
