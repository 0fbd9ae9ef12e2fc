package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/feed"
)

// Side effects.
//
// Every send (a direct message, a channel post, the user group, the topic,
// a pager override, a calendar publication) is a PendingEffect in the
// state until it is done or given up. The main loop never waits for one:
// it starts the sends that are due as one Deliver activity and goes on;
// the outcomes come back through a coroutine and the next step folds them
// into the state. A send that failed is tried again, alone, with backoff,
// until its kind's deadline (GiveUp); one that cannot heal is given up at
// once. Failing and given-up sends show in the status query, the audit
// log and the RotaHealth search attribute.

const (
	// noticeTTL is how long messages (direct messages, channel posts) are
	// tried before they are given up: a late notice is worse than none.
	noticeTTL = time.Hour
	// calendarTTL is how long a calendar publication is tried (a newer
	// one replaces it meanwhile).
	calendarTTL = 24 * time.Hour
	// feedDebounce is how long a publication after a change waits for the
	// rest of a burst of changes: one publication for the burst.
	feedDebounce = 10 * time.Second
	// retryFirst and retryMax bound the backoff between tries.
	retryFirst = 10 * time.Second
	retryMax   = 5 * time.Minute
	// degradedFor is how long a given-up send keeps the rotation degraded.
	degradedFor = 24 * time.Hour
	// FailureLimit is how many failed or given-up sends the state keeps.
	FailureLimit = 50
	// deliverBatch bounds the sends of one Deliver activity.
	deliverBatch = 20
	// deliverHeartbeat is Deliver's heartbeat timeout.
	deliverHeartbeat = 30 * time.Second
)

// PendingEffect is a send not done yet.
type PendingEffect struct {
	Effect activities.Effect `json:"effect"`
	// Slot is what the send sets: a newer send of the same slot replaces
	// a pending one (the user group after the next handoff, say). For
	// messages it is the key.
	Slot      string    `json:"slot"`
	Queued    time.Time `json:"queued"`
	GiveUp    time.Time `json:"give_up"`
	Attempts  int       `json:"attempts,omitempty"`
	NextTry   time.Time `json:"next_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Keep: the post is one that later notices about Shift reply to, in
	// the channel (Member "") or Member's direct messages.
	Keep   bool   `json:"keep,omitempty"`
	Shift  string `json:"shift,omitempty"`
	Member string `json:"member,omitempty"`
}

// EffectFailure records a send that failed: still being tried, given up,
// or done in the end.
type EffectFailure struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Error     string    `json:"error"`
	Attempts  int       `json:"attempts"`
	Abandoned bool      `json:"abandoned,omitempty"`
	Recovered bool      `json:"recovered,omitempty"`
}

// delivery is what a Deliver activity (or a PublishFeed) brought back.
type delivery struct {
	keys []string
	res  activities.DeliverResult
	err  error
	// feed is PublishFeed's result: how the feed's events changed; pager
	// SyncPager's.
	feed  *activities.FeedResult
	pager *pagerDelivery
}

// contact is the part of a member's config that a pager uses.
func contact(m config.Member) config.Member {
	return config.Member{ID: m.ID, Name: m.Name, Email: m.Email, Slack: m.Slack, Opsgenie: m.Opsgenie, Timezone: m.Timezone}
}

// slackContact is the part that Slack uses: the user id, or the email to
// look it up by (messages are written before they are sent).
func slackContact(m config.Member) config.Member {
	c := config.Member{ID: m.ID, Slack: m.Slack}
	if m.Slack == "" {
		c.Email = m.Email
	}
	return c
}

func (s *RotationState) contacts(ids []string, of func(config.Member) config.Member) []config.Member {
	out := make([]config.Member, len(ids))
	for i, id := range ids {
		out[i] = of(s.member(id))
	}
	return out
}

// enqueue adds a send, replacing a pending one of the same slot that is
// not under way.
func (w *rotation) enqueue(now time.Time, slot string, giveUp time.Time, e activities.Effect) {
	p := PendingEffect{Effect: e, Slot: slot, Queued: now, GiveUp: giveUp}
	for i := range w.st.Effects {
		old := &w.st.Effects[i]
		if old.Slot == slot && !slices.Contains(w.inflight, old.Effect.Key) {
			if e.Kind == activities.EffectCalendar {
				p.Effect.Changed, p.Effect.All = mergeChanged(old.Effect, e)
			}
			*old = p
			return
		}
	}
	w.st.Effects = append(w.st.Effects, p)
}

// maxChanged bounds the shift ids a calendar publication lists; past it,
// it says that everything changed.
const maxChanged = 200

// mergeChanged is what two calendar publications changed together.
func mergeChanged(a, b activities.Effect) ([]string, bool) {
	if a.All || b.All {
		return nil, true
	}
	out := slices.Clone(a.Changed)
	for _, id := range b.Changed {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > maxChanged {
		return nil, true
	}
	return out, false
}

// enqueueNotices queues the direct message each assignee gets before a
// shift, when the rotation shows up in Slack.
func (w *rotation) enqueueNotices(ctx workflow.Context, now time.Time, sh engine.Shift) {
	rot := &w.st.Rotation
	if !w.messages(ctx) {
		return
	}
	with := w.st.members(sh.Assignees)
	for _, id := range sh.Assignees {
		m := slackContact(w.st.member(id))
		key := activities.Key(sh.ID, "notify", id)
		msg := activities.NotifyMessage(rot, sh, w.st.member(id), with)
		w.enqueue(now, key, earliest(now.Add(noticeTTL), sh.End), activities.Effect{
			Key: key, Kind: activities.EffectDM, Member: &m, Message: &msg,
		})
		w.keepThread(key, sh.ID, id)
	}
}

// messages: the rotation sends direct messages, as it has a slack block
// (runs before slackChange sent them whatever the config).
func (w *rotation) messages(ctx workflow.Context) bool {
	return w.st.Rotation.Slack != nil || !w.slackOn(ctx)
}

// keepThread marks a pending post as the one later notices about the
// shift reply to: the channel's (member "") or a member's.
func (w *rotation) keepThread(key, shift, member string) {
	for i := range w.st.Effects {
		if p := &w.st.Effects[i]; p.Effect.Key == key {
			p.Shift, p.Member, p.Keep = shift, member, true
		}
	}
}

// thread is the post that notices about the shift reply to, for the
// channel (member "") or a member: "" when there is none.
func (s *RotationState) thread(shift, member string) string {
	i := slices.IndexFunc(s.Events, func(e ShiftEvents) bool { return e.Shift == shift })
	if i < 0 {
		return ""
	}
	for _, t := range s.Events[i].Threads {
		if t.Member == member {
			return t.TS
		}
	}
	return ""
}

// before is the shift of the same layer that ended as sh began, if any.
func (s *RotationState) before(sh engine.Shift) *engine.Shift {
	for i := range s.shifts() {
		if b := &s.Engine.Shifts[i]; b.Layer == sh.Layer && b.End.Equal(sh.Start) {
			return b
		}
	}
	return nil
}

// wantsNobody: the rotation has a user group and a channel to say that
// nobody is on call.
func (w *rotation) wantsNobody() bool {
	sl := w.st.Rotation.Slack
	return sl != nil && sl.Channel != "" && sl.Usergroup != ""
}

// enqueueNobody tells the channel that nobody is on call now (the user
// group keeps who it had: Slack cannot empty a group).
func (w *rotation) enqueueNobody(now time.Time, shift, event string) {
	var next *engine.Shift
	for i := range w.st.shifts() {
		if sh := &w.st.Engine.Shifts[i]; sh.Start.After(now) && len(sh.Assignees) > 0 {
			next = sh
			break
		}
	}
	var who []config.Member
	if next != nil {
		who = w.st.members(next.Assignees)
	}
	msg := activities.NobodyMessage(&w.st.Rotation, next, who)
	key := activities.Key(shift, event, "nobody")
	w.enqueue(now, key, now.Add(noticeTTL), activities.Effect{
		Key: key, Kind: activities.EffectAnnounce, To: w.st.Rotation.Slack.Channel, Message: &msg,
	})
}

// enqueueHandoff queues what a handoff sets: the channel post, the user
// group, the topic and the pager override.
func (w *rotation) enqueueHandoff(ctx workflow.Context, now time.Time, sh engine.Shift, event string) {
	rot := &w.st.Rotation
	assignees := w.st.contacts(sh.Assignees, contact)
	if sl := rot.Slack; sl != nil {
		if sl.Channel != "" {
			var from []config.Member
			if b := w.st.before(sh); b != nil {
				from = w.st.members(b.Assignees)
			}
			key := activities.Key(sh.ID, event, "announce")
			msg := activities.HandoffMessage(rot, sh, from, w.st.members(sh.Assignees))
			w.enqueue(now, key, earliest(now.Add(noticeTTL), sh.End), activities.Effect{
				Key: key, Kind: activities.EffectAnnounce, To: sl.Channel, Message: &msg,
			})
			if event == "handoff" {
				w.keepThread(key, sh.ID, "")
			}
		}
		if sl.Usergroup != "" {
			onCall := w.st.onCall(now)
			switch {
			case len(onCall) > 0:
				w.enqueue(now, "usergroup:"+sl.Usergroup, sh.End, activities.Effect{
					Key: activities.Key(sh.ID, event, "usergroup"), Kind: activities.EffectUsergroup, To: sl.Usergroup,
					Members: w.st.contacts(onCall, slackContact),
				})
			case w.wantsNobody() && w.slackOn(ctx):
				w.enqueueNobody(now, sh.ID, event)
			}
		}
		if sl.Topic && sl.Channel != "" {
			w.enqueue(now, "topic:"+sl.Channel, sh.End, activities.Effect{
				Key: activities.Key(sh.ID, event, "topic"), Kind: activities.EffectTopic, To: sl.Channel,
				Text: activities.TopicText(rot, sh, w.st.members(sh.Assignees)),
			})
		}
	}
	if len(rot.Pagers()) > 0 && w.pagerOn(ctx) {
		// The overrides were set when the shift became final: the
		// handoff starts the drift checks.
		w.startWatches(ctx, now, sh, watchDelay)
	} else if og := rot.Opsgenie; og != nil && og.Schedule != "" {
		ref := sh
		ref.Problems = nil
		w.enqueue(now, "pager:"+og.Schedule+":"+sh.ID, sh.End, activities.Effect{
			Key: activities.Key(sh.ID, event, "pager"), Kind: activities.EffectPager, To: og.Schedule,
			Shift: &ref, Members: assignees,
		})
	}
}

// enqueueChangeNotice queues the direct messages and the channel post that
// tell of an accepted change. Their keys carry the first changed shift's
// change sequence; they reply to the shift's earlier posts, if any.
func (w *rotation) enqueueChangeNotice(ctx workflow.Context, now time.Time, n activities.ChangeNotice, people []string) {
	rot := &w.st.Rotation
	id, event := rot.ID, fmt.Sprintf("change-%d", w.st.Changes)
	if len(n.Shifts) > 0 {
		id = n.Shifts[0].ID
		// Runs before slackChange numbered the keys by the rotation's
		// changes; their recorded outcomes carry those keys.
		i := slices.IndexFunc(w.st.Events, func(e ShiftEvents) bool { return e.Shift == id })
		if i >= 0 && w.st.Events[i].Seq > 0 && w.slackOn(ctx) {
			event = fmt.Sprintf("change/%d", w.st.Events[i].Seq)
		}
	}
	for _, pid := range people {
		if !w.messages(ctx) {
			break
		}
		m := slackContact(w.st.member(pid))
		key := activities.Key(id, event, pid)
		msg := activities.ChangeMessage(rot, n, w.st.member(pid))
		w.enqueue(now, key, now.Add(noticeTTL), activities.Effect{
			Key: key, Kind: activities.EffectDM, Member: &m, Message: &msg, Thread: w.st.thread(id, pid),
		})
	}
	if sl := rot.Slack; sl != nil && sl.Channel != "" {
		key := activities.Key(id, event, "announce")
		msg := activities.ChangeMessage(rot, n, config.Member{})
		w.enqueue(now, key, now.Add(noticeTTL), activities.Effect{
			Key: key, Kind: activities.EffectAnnounce, To: sl.Channel, Message: &msg, Thread: w.st.thread(id, ""),
		})
	}
}

// enqueueCalendar queues a publication of the shifts changed since the
// last one; debounce: feedDebounce from now.
func (w *rotation) enqueueCalendar(now time.Time, debounce bool) {
	e := activities.Effect{
		Key:  activities.Key(w.st.Rotation.ID, "calendar", fmt.Sprint(w.st.Publications+1)),
		Kind: activities.EffectCalendar, Rotation: w.st.Rotation.ID,
		Changed: w.st.Unpublished, All: w.st.UnpublishedAll,
	}
	if e.All {
		e.Changed = nil
	}
	w.st.Unpublished, w.st.UnpublishedAll = nil, false
	w.st.Publications++
	w.enqueue(now, "calendar", now.Add(calendarTTL), e)
	if debounce {
		for i := range w.st.Effects {
			if p := &w.st.Effects[i]; p.Effect.Key == e.Key {
				p.NextTry = now.Add(feedDebounce)
			}
		}
	}
}

// calendarChanged notes a shift for the next calendar publication.
func (s *RotationState) calendarChanged(id string) {
	s.PagerDirty = true // the pagers follow the same changes
	switch {
	case s.UnpublishedAll || slices.Contains(s.Unpublished, id):
	case len(s.Unpublished) == maxChanged:
		s.Unpublished, s.UnpublishedAll = nil, true
	default:
		s.Unpublished = append(s.Unpublished, id)
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// nextRetry is when the next pending send not under way is due, or, at
// now, when a given-up send stops making the rotation degraded.
func (w *rotation) nextRetry(now time.Time) (time.Time, bool) {
	var best time.Time
	found := false
	for _, p := range w.st.Effects {
		if slices.Contains(w.inflight, p.Effect.Key) {
			continue
		}
		if !found || p.NextTry.Before(best) {
			best, found = p.NextTry, true
		}
	}
	// A given-up send stops making the rotation degraded after a while.
	for _, f := range w.st.Failures {
		if f.Abandoned {
			if t := f.Time.Add(degradedFor); t.After(now) && (!found || t.Before(best)) {
				best, found = t, true
			}
		}
	}
	return best, found
}

// launch starts the sends that are due, as one Deliver activity per batch.
// It does not wait: a coroutine hands the outcome to the main loop.
func (w *rotation) launch(ctx workflow.Context) {
	now := workflow.Now(ctx)
	var batch []activities.Effect
	for _, p := range w.st.Effects {
		if len(batch) == deliverBatch {
			break
		}
		if p.NextTry.After(now) || slices.Contains(w.inflight, p.Effect.Key) {
			continue
		}
		if p.Effect.Kind == activities.EffectCalendar && w.feedsOn(ctx) {
			w.publishFeed(ctx, now, p.Effect.Key)
			continue
		}
		if p.Effect.Kind == activities.EffectPager && p.Effect.Pager != "" {
			w.syncPager(ctx, now, p.Effect)
			continue
		}
		e := p.Effect
		e.Attempt = p.Attempts
		batch = append(batch, e)
	}
	if len(batch) == 0 {
		return
	}
	keys := make([]string, len(batch))
	for i, e := range batch {
		keys[i] = e.Key
	}
	w.inflight = append(w.inflight, keys...)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// One try of each send (Deliver bounds each to 20 s); Temporal
		// retries the activity only when a worker is lost in the middle,
		// and the heartbeat keeps what was sent from being sent again.
		StartToCloseTimeout: time.Duration(len(batch))*30*time.Second + 30*time.Second,
		// Deliver heartbeats after each send (each bounded to 20 s): a
		// worker lost in the middle is noticed within this.
		HeartbeatTimeout:       deliverHeartbeat,
		ScheduleToCloseTimeout: 2 * (time.Duration(len(batch))*30*time.Second + 30*time.Second),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    2 * time.Second,
			BackoffCoefficient: 2,
			MaximumAttempts:    3,
		},
	})
	f := workflow.ExecuteActivity(actx, a.Deliver, activities.DeliverInput{Effects: batch})
	workflow.Go(ctx, func(gctx workflow.Context) {
		var res activities.DeliverResult
		err := f.Get(gctx, &res)
		w.delivered = append(w.delivered, delivery{keys: keys, res: res, err: err})
	})
}

// publishFeed brings the calendar feed up to date and publishes it, as a
// local activity: the feed goes to the activity as its input, which the
// history does not record; only the events' delta comes back into it.
func (w *rotation) publishFeed(ctx workflow.Context, now time.Time, key string) {
	w.inflight = append(w.inflight, key)
	in := activities.FeedInput{Key: key, Rotation: w.st.Rotation, Members: w.st.Members, Events: slices.Clone(w.st.Feed), Now: now}
	if w.st.Engine != nil {
		in.State = w.st.Engine.Clone()
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		// One try: a failed publication is an outcome, tried again with
		// the backoff of every send.
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	f := workflow.ExecuteLocalActivity(lctx, a.PublishFeed, in)
	workflow.Go(ctx, func(gctx workflow.Context) {
		var res activities.FeedResult
		err := f.Get(gctx, &res)
		d := delivery{keys: []string{key}, err: err}
		if err == nil {
			d.res.Outcomes = []activities.Outcome{res.Outcome}
			d.feed = &res
		}
		w.delivered = append(w.delivered, d)
	})
}

// foldDeliveries takes the outcomes that came back into the state.
func (w *rotation) foldDeliveries(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for len(w.delivered) > 0 {
		d := w.delivered[0]
		w.delivered = w.delivered[1:]
		if d.feed != nil {
			w.st.Feed = feed.ApplyDelta(w.st.Feed, d.feed.Upsert, d.feed.Drop)
		}
		if d.pager != nil {
			w.st.foldPager(now, d.pager)
		}
		for i, key := range d.keys {
			w.inflight = slices.DeleteFunc(w.inflight, func(k string) bool { return k == key })
			var out activities.Outcome
			switch {
			case d.err != nil:
				out = activities.Outcome{Key: key, Error: reason(d.err)}
			case i < len(d.res.Outcomes) && d.res.Outcomes[i].Key == key:
				out = d.res.Outcomes[i]
			default:
				out = activities.Outcome{Key: key, Error: "no outcome"}
			}
			w.settle(now, out)
		}
	}
}

// settle applies one send's outcome.
func (w *rotation) settle(now time.Time, out activities.Outcome) {
	i := slices.IndexFunc(w.st.Effects, func(p PendingEffect) bool { return p.Effect.Key == out.Key })
	if i < 0 {
		return
	}
	p := &w.st.Effects[i]
	p.Attempts++
	f := EffectFailure{Time: now, Kind: p.Effect.Kind, Key: p.Effect.Key, Error: out.Error, Attempts: p.Attempts}
	if out.Error == "" {
		if p.Keep && out.TS != "" {
			w.st.keptThread(p.Shift, p.Member, out.TS)
		}
		if p.Attempts > 1 {
			f.Error, f.Recovered = p.LastError, true
			w.st.fail(f)
			w.st.audit(AuditEntry{Time: now, Operation: "deliver", Via: "worker", Input: p.Effect.Kind + " " + p.Effect.Key, Accepted: true,
				Notes: []string{fmt.Sprintf("done at attempt %d, after: %s", p.Attempts, p.LastError)}})
		}
		w.st.Effects = slices.Delete(w.st.Effects, i, i+1)
		return
	}
	p.LastError = out.Error
	p.NextTry = now.Add(backoff(p.Attempts))
	if out.RetryAfter > 0 {
		// The service said when: a rate limit is waited out, not dropped.
		p.NextTry = now.Add(out.RetryAfter)
	}
	if out.Permanent || p.NextTry.After(p.GiveUp) {
		f.Abandoned = true
		w.st.fail(f)
		why := "given up after " + plural(p.Attempts, "attempt")
		if out.Permanent {
			why = "given up: it cannot succeed"
		}
		notes := []string{why}
		if out.Advice != "" {
			notes = append(notes, "to fix: "+out.Advice)
		}
		w.st.audit(AuditEntry{Time: now, Operation: "deliver", Via: "worker", Input: p.Effect.Kind + " " + p.Effect.Key,
			Reason: out.Error, Notes: notes})
		w.st.Effects = slices.Delete(w.st.Effects, i, i+1)
		return
	}
	if p.Attempts == 1 {
		w.st.fail(f)
		w.st.audit(AuditEntry{Time: now, Operation: "deliver", Via: "worker", Input: p.Effect.Kind + " " + p.Effect.Key,
			Reason: out.Error, Notes: []string{"trying again until " + p.GiveUp.UTC().Format(time.RFC3339)}})
	}
}

// keptThread records the post that later notices about a shift reply to.
func (s *RotationState) keptThread(shift, member, ts string) {
	i := slices.IndexFunc(s.Events, func(e ShiftEvents) bool { return e.Shift == shift })
	if i < 0 {
		return
	}
	e := &s.Events[i]
	e.Threads = slices.DeleteFunc(e.Threads, func(t Thread) bool { return t.Member == member })
	e.Threads = append(e.Threads, Thread{Member: member, TS: ts})
}

// backoff is the wait after the nth failed try.
func backoff(n int) time.Duration {
	d := retryFirst
	for range n - 1 {
		d *= 2
		if d >= retryMax {
			return retryMax
		}
	}
	return d
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (s *RotationState) fail(f EffectFailure) {
	s.Failures = append(s.Failures, f)
	if n := len(s.Failures) - FailureLimit; n > 0 {
		s.Failures = slices.Delete(s.Failures, 0, n)
	}
}

// health says whether the rotation needs a person: stalled when planning
// fails (handoffs stop when the planned shifts run out), degraded while a
// send fails or for a day after one was given up.
func (w *rotation) health(now time.Time) Health {
	h := Health{Health: HealthOK, PlanError: w.st.PlanError}
	for _, p := range w.st.Effects {
		if p.Attempts > 0 {
			h.Failing = append(h.Failing, EffectFailure{Time: p.Queued, Kind: p.Effect.Kind, Key: p.Effect.Key, Error: p.LastError, Attempts: p.Attempts})
		}
	}
	for _, f := range w.st.Failures {
		if f.Abandoned && now.Before(f.Time.Add(degradedFor)) {
			h.Abandoned = append(h.Abandoned, f)
		}
	}
	switch {
	case w.st.PlanError != "":
		h.Health = HealthStalled
	case len(h.Failing) > 0 || len(h.Abandoned) > 0:
		h.Health = HealthDegraded
	}
	return h
}
