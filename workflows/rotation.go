package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/rules"
)

// a is only used to name activities: the worker registers the real ones.
var a *activities.Activities

const (
	// keepEnded is how long ended shifts stay in the state (for queries
	// and calendars) before they are pruned, and maxEnded how many at most
	// (short shifts); the ledgers keep their load.
	keepEnded = 7 * 24 * time.Hour
	maxEnded  = 100
	// planRetryDelay is how long the workflow waits to plan again when
	// planning failed.
	planRetryDelay = 10 * time.Minute
	// maxHistoryLength makes a run continue as new however few shifts it
	// handled (many messages), before the server would suggest it.
	maxHistoryLength = 20000
)

// The typed keys of the search attributes.
var (
	AttrMembersKey = temporal.NewSearchAttributeKeyKeywordList(AttrMembers)
	attrOnCall     = temporal.NewSearchAttributeKeyKeywordList(AttrOnCall)
	attrHealth     = temporal.NewSearchAttributeKeyKeyword(AttrHealth)
)

// request is an operation waiting for the main loop, from a signal or an
// update. Only the main loop changes the state, one request at a time.
type request struct {
	name string
	via  string    // "signal" or "update"
	op   operation // nil when the signal's payload did not decode
	text string    // the payload, for the audit log, when it did not decode
	err  error     // why it did not decode
	id   string    // the update's id
	done workflow.Settable
}

// rotation is a running RotationWorkflow.
type rotation struct {
	st         RotationState
	maxShifts  int
	maxHistory int
	handled    int // shifts that ended in this run
	queue      []*request
	busy       bool // the main loop is applying a request
	signals    *signalReader

	// inflight are the keys of the effects being delivered; delivered the
	// outcomes that came back, for the main loop to fold into the state.
	inflight  []string
	delivered []delivery
	timer     *timer

	// planner is the engine planner of the current config, for validators
	// and queries. Only the main loop sets it.
	planner    *engine.Planner
	plannerErr error

	// feeds: this run publishes calendar feeds through PublishFeed (runs
	// before calendar feeds queued Deliver's no-op publication); known
	// once feedsOn asked.
	feeds, feedsKnown bool
	// slack: this run tells the channel when nobody is on shift (runs
	// before it did not); known once slackOn asked.
	slack, slackKnown bool
	// pagerSync: this run syncs pagers (pagerOn); watches are the drift
	// checks under way, watchedResults what came back of them.
	pagerSync, pagerKnown bool
	watches               []*watch
	watchedResults        []watched
	// changed: the step applied an operation, so the calendar publication
	// waits feedDebounce for the rest of the burst.
	changed bool
}

// feedsChange is the workflow.GetVersion change id of calendar feeds.
const feedsChange = "calendar-feeds"

// missedHandoffChange is the workflow.GetVersion change id of the audit
// entry for a handoff skipped because its shift was over.
const missedHandoffChange = "missed-handoff-audit"

// RotationWorkflow runs one rotation (workflow id rota/<rotation>, task
// queue rota) for as long as it has shifts: it plans shifts plan_ahead
// before they start, tells the assignees notify_before, hands off at the
// start, and takes the operations of messages.go as signals and updates.
// Side effects (messages, the pager, calendars) run beside the main loop
// and never hold it up; see effects.go.
func RotationWorkflow(ctx workflow.Context, in RotationInput) error {
	w := newRotation(ctx, in)
	if err := w.register(ctx); err != nil {
		return err
	}
	return w.run(ctx)
}

// feedsOn reports whether this run publishes calendar feeds through
// PublishFeed. It asks GetVersion where the behaviour changed, at the first
// calendar publication of the run, so that a run started before calendar
// feeds takes them up at its next publication after the upgrade, while its
// history, replayed, has no marker there and keeps Deliver's no-op.
func (w *rotation) feedsOn(ctx workflow.Context) bool {
	if !w.feedsKnown {
		w.feeds = workflow.GetVersion(ctx, feedsChange, workflow.DefaultVersion, 1) >= 1
		w.feedsKnown = true
	}
	return w.feeds
}

// slackChange is the workflow.GetVersion change id of the Slack notices
// that runs before it did not send: "nobody is on call" when a shift ends
// with nobody after it, or starts with nobody on it.
const slackChange = "slack-notices"

// slackOn reports whether this run sends the notices of slackChange,
// asked as feedsOn is, where the behaviour changed.
func (w *rotation) slackOn(ctx workflow.Context) bool {
	if !w.slackKnown {
		w.slack = workflow.GetVersion(ctx, slackChange, workflow.DefaultVersion, 1) >= 1
		w.slackKnown = true
	}
	return w.slack
}

func newRotation(ctx workflow.Context, in RotationInput) *rotation {
	w := &rotation{maxShifts: in.MaxShiftsPerRun, maxHistory: in.MaxHistoryLength}
	if w.maxShifts <= 0 {
		w.maxShifts = DefaultMaxShiftsPerRun
	}
	if w.maxHistory <= 0 {
		w.maxHistory = maxHistoryLength
	}
	if in.State != nil {
		w.st = *in.State
	} else {
		w.st = RotationState{Rotation: in.Rotation, Members: in.Members}
	}
	w.st.Runs++
	w.signals = newSignalReader(ctx)
	w.planner, w.plannerErr = engine.New(&w.st.Rotation, w.st.Members)
	return w
}

// getPlanner returns the planner of the current config, for validators and
// queries only: what the workflow does is decided by local activities, so
// that a new engine cannot change what a replay does.
func (w *rotation) getPlanner() (*engine.Planner, error) {
	return w.planner, w.plannerErr
}

func (w *rotation) run(ctx workflow.Context) error {
	w.resumeWatches(ctx)
	for {
		w.step(ctx)
		if w.finished() {
			w.quiesce(ctx)
			if w.finished() {
				workflow.GetLogger(ctx).Info("rotation ended", "rotation", w.st.Rotation.ID)
				return nil
			}
			continue
		}
		info := workflow.GetInfo(ctx)
		if w.handled >= w.maxShifts || info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > w.maxHistory {
			w.quiesce(ctx)
			workflow.GetLogger(ctx).Info("continuing as new", "rotation", w.st.Rotation.ID, "shifts", w.handled, "run", w.st.Runs)
			st := w.st
			return workflow.NewContinueAsNewError(ctx, RotationWorkflow, RotationInput{
				MaxShiftsPerRun: w.maxShifts, MaxHistoryLength: w.maxHistoryInput(), State: &st,
			})
		}
		if err := w.wait(ctx); err != nil {
			return err
		}
	}
}

func (w *rotation) maxHistoryInput() int {
	if w.maxHistory == maxHistoryLength {
		return 0
	}
	return w.maxHistory
}

// step does everything due now: outcomes of deliveries, deadlines, the
// queued operations, then starts the deliveries due and publishes.
func (w *rotation) step(ctx workflow.Context) {
	w.foldDeliveries(ctx)
	w.foldWatches(ctx)
	w.takeSignals(ctx)
	w.runDue(ctx)
	w.processQueue(ctx)
	w.runDue(ctx)
	w.flush(ctx)
	w.launch(ctx)
	w.upsertAttributes(ctx)
}

// finished reports whether the rotation has no more shifts to plan or run
// and nothing left to deliver.
func (w *rotation) finished() bool {
	if w.st.Engine == nil || !w.st.NextStart.IsZero() || len(w.queue) > 0 || len(w.st.Effects) > 0 || len(w.inflight) > 0 {
		return false
	}
	return !slices.ContainsFunc(w.st.Events, func(e ShiftEvents) bool { return !e.Ended })
}

// quiesce handles every message received, lets every delivery under way
// come back and waits for every update handler to finish, so that nothing
// is lost when the run ends.
func (w *rotation) quiesce(ctx workflow.Context) {
	for {
		w.takeSignals(ctx)
		if len(w.queue) > 0 || len(w.delivered) > 0 {
			w.foldDeliveries(ctx)
			w.processQueue(ctx)
			w.runDue(ctx)
			w.flush(ctx)
			continue
		}
		if len(w.inflight) == 0 && workflow.AllHandlersFinished(ctx) {
			w.upsertAttributes(ctx)
			return
		}
		_ = workflow.Await(ctx, func() bool {
			return len(w.queue) > 0 || w.signals.pending() || len(w.delivered) > 0 ||
				(len(w.inflight) == 0 && workflow.AllHandlersFinished(ctx))
		})
		if ctx.Err() != nil {
			return
		}
	}
}

// wait sleeps until the next deadline, a message or a delivery's outcome,
// whichever comes first (the updatable-timer pattern: the loop computes
// the deadline again from workflow.Now, so nothing drifts). The timer is
// kept while the deadline stays the same, so that waking for a message or
// an outcome costs no timer events.
func (w *rotation) wait(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	next, ok := w.nextDeadline()
	if t, due := w.nextRetry(now); due && (!ok || t.Before(next)) {
		next, ok = t, true
	}
	if ok && !next.After(now) {
		return nil
	}
	if w.timer != nil && (!ok || !w.timer.at.Equal(next)) {
		w.timer.cancel()
		w.timer = nil
	}
	if ok && w.timer == nil {
		tctx, cancel := workflow.WithCancel(ctx)
		t := &timer{at: next, cancel: cancel}
		f := workflow.NewTimer(tctx, next.Sub(now))
		workflow.Go(tctx, func(c workflow.Context) {
			_ = f.Get(c, nil)
			t.fired = true
		})
		w.timer = t
	}
	t := w.timer
	err := workflow.Await(ctx, func() bool {
		return (t != nil && t.fired) || len(w.queue) > 0 || w.signals.pending() || len(w.delivered) > 0 || len(w.watchedResults) > 0
	})
	if t != nil && t.fired {
		w.timer = nil
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}

// timer is the main loop's timer, set for a deadline.
type timer struct {
	at     time.Time
	cancel workflow.CancelFunc
	fired  bool
}

// takeSignals queues every signal received so far, in arrival order.
func (w *rotation) takeSignals(ctx workflow.Context) {
	for _, s := range w.signals.take(ctx) {
		op, text, err := decodeSignal(s.name, s.raw)
		w.queue = append(w.queue, &request{name: s.name, via: "signal", op: op, text: text, err: err})
	}
}

// submit queues an update for the main loop, behind every signal received
// before it, and waits for its outcome. An update id answered before gets
// that answer (the server dedupes ids within one run only).
func (w *rotation) submit(ctx workflow.Context, name string, op operation) (Answer, error) {
	id := updateID(ctx)
	if e := w.st.answered(id); e != nil {
		if !e.Accepted {
			return Answer{}, rejection(e.Reason)
		}
		at := e.Time
		return Answer{Change: engine.Change{Shifts: e.Shifts, Notes: e.Notes}, AnsweredAt: &at}, nil
	}
	w.takeSignals(ctx)
	f, done := workflow.NewFuture(ctx)
	w.queue = append(w.queue, &request{name: name, via: "update", op: op, id: id, done: done})
	var ch engine.Change
	err := f.Get(ctx, &ch)
	return Answer{Change: ch}, err
}

// updateID is the id of the update ctx runs (empty outside one).
func updateID(ctx workflow.Context) string {
	if u := workflow.GetCurrentUpdateInfo(ctx); u != nil {
		return u.ID
	}
	return ""
}

// --- deadlines

func (w *rotation) planAhead() time.Duration    { return max(w.st.Rotation.PlanAhead, 0) }
func (w *rotation) notifyBefore() time.Duration { return max(w.st.Rotation.NotifyBefore, 0) }

// planAt returns when planning is due next, if it is.
func (w *rotation) planAt() (time.Time, bool) {
	var t time.Time
	switch {
	case w.st.BadConfig:
		return time.Time{}, false // until a configure brings a good one
	case w.st.Engine == nil:
		// Not planned yet: due at once (t is the zero time).
	case w.st.Paused || w.st.NextStart.IsZero():
		return time.Time{}, false
	default:
		t = w.st.NextStart.Add(-w.planAhead())
	}
	if w.st.PlanRetry.After(t) {
		t = w.st.PlanRetry
	}
	return t, true
}

// nextDeadline returns the earliest deadline of the rotation itself
// (planning, notices, handoffs, ends) not handled yet.
func (w *rotation) nextDeadline() (time.Time, bool) {
	var best time.Time
	found := false
	consider := func(t time.Time) {
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	if t, ok := w.planAt(); ok {
		consider(t)
	}
	for i, sh := range w.st.shifts() {
		e := w.st.Events[i]
		if !e.Ended {
			consider(sh.End)
		}
		if w.st.Paused {
			continue
		}
		if !e.Notified {
			consider(sh.Start.Add(-w.notifyBefore()))
		}
		if !e.HandedOff {
			consider(sh.Start)
		}
	}
	return best, found
}

// runDue handles every deadline at or before workflow.Now: shift ends,
// planning, notices and handoffs, in that order.
func (w *rotation) runDue(ctx workflow.Context) {
	for range 100 {
		now := workflow.Now(ctx)
		if next, ok := w.nextDeadline(); !ok || next.After(now) {
			return
		}
		w.endShifts(ctx, now)
		if t, ok := w.planAt(); ok && !t.After(now) {
			w.plan(ctx, now)
		}
		w.notifyShifts(ctx, now)
		w.handOff(ctx, now)
	}
}

// endShifts marks the shifts that ended; the next planning prunes them.
// When the last one running ends, the channel hears that nobody is on call.
func (w *rotation) endShifts(ctx workflow.Context, now time.Time) {
	var last *engine.Shift
	for i, sh := range w.st.shifts() {
		if e := &w.st.Events[i]; !e.Ended && !sh.End.After(now) {
			e.Ended = true
			w.handled++
			if e.HandedOff && !e.Silent {
				last = &w.st.Engine.Shifts[i]
			}
		}
	}
	if last != nil && !w.st.Paused && w.wantsNobody() && len(w.st.onCall(now)) == 0 && w.slackOn(ctx) {
		w.enqueueNobody(now, last.ID, "end")
	}
}

// plan runs the engine (as local activities, a batch of slots each) over
// every slot that starts within plan_ahead: their assignments become final.
// A failure marks the rotation stalled until planning works again.
func (w *rotation) plan(ctx workflow.Context, now time.Time) {
	horizon := now.Add(w.planAhead())
	compact := w.compactBefore(now)
	for range 1000 {
		in := activities.PlanInput{
			Rotation: w.st.Rotation, Members: w.st.Members, State: w.st.Engine,
			Horizon: horizon, Now: now, CompactBefore: compact,
		}
		var res activities.PlanResult
		err := workflow.ExecuteLocalActivity(localCtx(ctx), activities.Plan, in).Get(ctx, &res)
		if err != nil {
			w.planFailed(ctx, now, err)
			return
		}
		if w.st.Engine == nil {
			w.st.Engine = &engine.State{}
		}
		res.Delta.Apply(w.st.Engine)
		w.st.NextStart = res.NextStart
		w.st.syncEvents(func(sh *engine.Shift) ShiftEvents {
			if !sh.End.After(now) {
				// Planned after it ended (before the rotation was
				// applied, while it was paused or no worker ran): it
				// is history, and nobody is told.
				return ShiftEvents{Notified: true, HandedOff: true, Ended: true, Silent: true}
			}
			return ShiftEvents{}
		})
		for _, e := range res.Delta.Shifts {
			w.st.calendarChanged(e.Shift.ID)
		}
		compact = time.Time{}
		if !res.More {
			break
		}
	}
	if w.st.PlanError != "" {
		w.st.audit(AuditEntry{Time: now, Operation: "plan", Via: "worker", Accepted: true,
			Notes: []string{"planning works again after: " + w.st.PlanError}})
	}
	w.st.PlanError, w.st.PlanRetry = "", time.Time{}
}

// compactBefore is when the shifts to keep begin: keepEnded ago, or later
// when more than maxEnded shifts ended since.
func (w *rotation) compactBefore(now time.Time) time.Time {
	t := now.Add(-keepEnded)
	var ended []time.Time
	for _, sh := range w.st.shifts() {
		if !sh.End.After(now) && !sh.End.Before(t) {
			ended = append(ended, sh.End)
		}
	}
	if n := len(ended) - maxEnded; n > 0 {
		slices.SortFunc(ended, func(a, b time.Time) int { return a.Compare(b) })
		t = ended[n]
	}
	return t
}

// planFailed records why planning failed, once in the audit log, and when
// to try again; a config the engine refuses waits for a new one.
func (w *rotation) planFailed(ctx workflow.Context, now time.Time, err error) {
	msg := "planning failed: " + reason(err)
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == "BadConfig" {
		msg = "bad config: " + app.Message()
		w.st.BadConfig = true
	}
	workflow.GetLogger(ctx).Error("planning failed", "rotation", w.st.Rotation.ID, "error", err)
	if msg != w.st.PlanError {
		w.st.audit(AuditEntry{Time: now, Operation: "plan", Via: "worker", Reason: msg})
	}
	w.st.PlanError = msg
	w.st.PlanRetry = now.Add(planRetryDelay)
}

// notifyShifts tells the assignees of each shift whose notice is due.
func (w *rotation) notifyShifts(ctx workflow.Context, now time.Time) {
	if w.st.Paused {
		return
	}
	for i := range w.st.shifts() {
		sh := w.st.Engine.Shifts[i]
		e := &w.st.Events[i]
		if e.Notified || sh.Start.Add(-w.notifyBefore()).After(now) {
			continue
		}
		e.Notified = true
		if !sh.End.After(now) || len(sh.Assignees) == 0 {
			continue // too late, or nobody to tell
		}
		w.enqueueNotices(ctx, now, sh)
	}
}

// handOff runs the handoff of each shift that has started.
func (w *rotation) handOff(ctx workflow.Context, now time.Time) {
	if w.st.Paused {
		return
	}
	for i := range w.st.shifts() {
		sh := w.st.Engine.Shifts[i]
		e := &w.st.Events[i]
		if e.HandedOff || sh.Start.After(now) {
			continue
		}
		e.HandedOff = true
		if !sh.End.After(now) {
			// Over already: nothing to hand over. A shift people were
			// told of (not one planned after it ended) says so in the
			// audit log.
			if !e.Silent && workflow.GetVersion(ctx, missedHandoffChange, workflow.DefaultVersion, 1) >= 1 {
				w.st.audit(AuditEntry{Time: now, Operation: "handoff", Via: "worker", Input: sh.ID,
					Reason: fmt.Sprintf("skipped: the shift ended at %s, before the rotation reached its handoff (it was paused, or no worker ran)", sh.End.UTC().Format(time.RFC3339))})
			}
			continue
		}
		event := "handoff"
		if e.Rehand > 0 {
			event = fmt.Sprintf("handoff/r%d", e.Rehand)
		}
		w.enqueueHandoff(ctx, now, sh, event)
	}
}

// flush queues a calendar publication of the shifts that changed, if any.
func (w *rotation) flush(ctx workflow.Context) {
	w.flushPager(ctx)
	if len(w.st.Unpublished) > 0 || w.st.UnpublishedAll {
		// After an operation, a feed waits for the rest of the burst; one
		// never published (a rotation just started) goes out at once.
		debounce := w.feedsOn(ctx) && w.changed && len(w.st.Feed) > 0
		w.enqueueCalendar(workflow.Now(ctx), debounce)
	}
	w.changed = false
}

// upsertAttributes keeps the search attributes up to date.
func (w *rotation) upsertAttributes(ctx workflow.Context) {
	sa := workflow.GetTypedSearchAttributes(ctx)
	var ups []temporal.SearchAttributeUpdate
	members := w.st.Rotation.MemberIDs()
	slices.Sort(members)
	if cur, _ := sa.GetKeywordList(AttrMembersKey); !slices.Equal(cur, members) {
		ups = append(ups, AttrMembersKey.ValueSet(members))
	}
	now := workflow.Now(ctx)
	onCall := w.st.onCall(now)
	cur, ok := sa.GetKeywordList(attrOnCall)
	switch {
	case len(onCall) == 0 && ok && len(cur) > 0:
		ups = append(ups, attrOnCall.ValueUnset())
	case len(onCall) > 0 && !slices.Equal(cur, onCall):
		ups = append(ups, attrOnCall.ValueSet(onCall))
	}
	health := w.health(now).Health
	if cur, _ := sa.GetKeyword(attrHealth); cur != health {
		ups = append(ups, attrHealth.ValueSet(health))
	}
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
}

// --- operations

func (w *rotation) processQueue(ctx workflow.Context) {
	for len(w.queue) > 0 {
		r := w.queue[0]
		w.queue = w.queue[1:]
		w.busy = true
		w.handle(ctx, r)
		w.busy = false
		w.takeSignals(ctx) // signals that came meanwhile go behind
	}
}

// handle runs one operation: checks, the engine (as a local activity), the
// audit log, the update's answer, then the change notice.
func (w *rotation) handle(ctx workflow.Context, r *request) {
	now := workflow.Now(ctx)
	entry := AuditEntry{Time: now, Operation: r.name, Via: r.via, UpdateID: r.id}
	if r.op == nil {
		entry.Input, entry.Reason = r.text, reason(r.err)
		w.st.audit(entry)
		workflow.GetLogger(ctx).Warn("bad signal", "operation", r.name, "error", r.err)
		return
	}
	entry.Input, entry.RequestedBy = r.op.summary(), r.op.requester()
	before := slices.Clone(w.st.shifts())
	for i := range before {
		before[i].Assignees = slices.Clone(before[i].Assignees)
	}
	change, err := w.execute(ctx, r.name, r.op, now)
	if err != nil {
		entry.Reason = reason(err)
		w.st.audit(entry)
		if r.done != nil {
			r.done.Set(nil, rejection(entry.Reason))
		}
		return
	}
	entry.Accepted, entry.Shifts, entry.Notes = true, change.Shifts, change.Notes
	w.st.audit(entry)
	if r.done != nil {
		r.done.Set(change, nil)
	}
	w.st.Changes++
	w.changed = true
	w.afterChange(ctx, now, r, before, change)
}

// execute checks and applies an operation to the state.
func (w *rotation) execute(ctx workflow.Context, name string, op operation, now time.Time) (engine.Change, error) {
	if err := op.check(&w.st, now); err != nil {
		return engine.Change{}, err
	}
	if name != Configure {
		if err := w.st.checkAdmin(name, op); err != nil {
			return engine.Change{}, err
		}
	}
	switch in := op.(type) {
	case *PauseInput:
		w.st.Paused, w.st.PauseReason = true, in.Reason
		return engine.Change{Shifts: []string{}, Notes: []string{withReason("paused", in.Reason)}}, nil
	case *ResumeInput:
		w.st.Paused, w.st.PauseReason = false, ""
		return engine.Change{Shifts: []string{}, Notes: []string{"resumed"}}, nil
	case *ConfigureInput:
		if w.st.Engine == nil {
			// Not planned yet (a bad config waits here): the new config
			// is planned from scratch.
			rot := in.Rotation
			if _, err := engine.New(&rot, in.Members); err != nil {
				return engine.Change{}, reject("bad config: %s", err)
			}
			w.configure(in)
			return engine.Change{Shifts: []string{}, Notes: []string{"configuration replaced"}}, nil
		}
	}
	if w.st.Engine == nil {
		return engine.Change{}, reject("rotation %s has not been planned yet", w.st.Rotation.ID)
	}
	in := activities.ChangeInput{
		Rotation: w.st.Rotation, Members: w.st.Members, State: w.st.Engine,
		Operation: op.engineOp(), Now: now,
	}
	var res activities.ChangeResult
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), activities.ApplyChange, in).Get(ctx, &res); err != nil {
		return engine.Change{}, reject("the engine failed: %s", reason(err))
	}
	if res.Rejected != "" {
		return engine.Change{}, errors.New(res.Rejected)
	}
	res.Delta.Apply(w.st.Engine)
	w.st.NextStart = res.NextStart
	if c, ok := op.(*ConfigureInput); ok {
		w.configure(c)
	}
	return res.Change, nil
}

// configure takes a new config: the planner follows, and planning may go on.
func (w *rotation) configure(c *ConfigureInput) {
	old := w.st.Rotation
	w.st.Rotation, w.st.Members = c.Rotation, c.Members
	w.st.pagersChanged(&old)
	w.planner, w.plannerErr = engine.New(&w.st.Rotation, w.st.Members)
	if w.st.BadConfig {
		w.st.BadConfig, w.st.PlanRetry = false, time.Time{}
	}
}

// afterChange brings the deadlines in line with a change and tells the
// people concerned.
func (w *rotation) afterChange(ctx workflow.Context, now time.Time, r *request, before []engine.Shift, change engine.Change) {
	notify := w.notifyBefore()
	w.st.syncEvents(func(sh *engine.Shift) ShiftEvents {
		// A shift a change created (the rest of a split one): the change
		// notice tells its assignees, unless its own notice is still ahead.
		return ShiftEvents{Notified: !sh.Start.Add(-notify).After(now)}
	})
	var changed []engine.Shift
	after := w.st.shifts()
	for _, id := range change.Shifts {
		sh, ok := w.st.shift(id)
		if !ok {
			continue
		}
		w.st.calendarChanged(id)
		changed = append(changed, *sh)
		if i := slices.IndexFunc(w.st.Events, func(e ShiftEvents) bool { return e.Shift == id }); i >= 0 {
			w.st.Events[i].Seq++
		}
		var old []string
		if j := slices.IndexFunc(before, func(b engine.Shift) bool { return b.ID == id }); j >= 0 {
			old = before[j].Assignees
		}
		// A running shift that changed hands is handed off again.
		if i := slices.IndexFunc(after, func(s engine.Shift) bool { return s.ID == id }); i >= 0 {
			if e := &w.st.Events[i]; rules.Rehandoff(e.HandedOff, *sh, old, now) {
				e.HandedOff, e.Rehand = false, w.st.Changes
			}
		}
	}
	named := slices.Clone(r.op.concerned())
	if as, ok := r.op.(*AssignInput); ok {
		named = append(named, as.Members...)
	}
	people := rules.Concerned(named, before, after, change.Shifts)
	if r.name == Configure {
		// Calendars show the rotation's name and zone: publish them all.
		w.st.Unpublished, w.st.UnpublishedAll = nil, true
	}
	w.enqueueChangeNotice(ctx, now, activities.ChangeNotice{
		Operation: r.name, Summary: r.op.summary(), RequestedBy: r.op.requester(),
		Notes: change.Notes, Shifts: changed,
	}, people)
}

// validate is the validator of every update: it checks the input's shape
// and dry-runs the engine on a copy of the state, so a bad update is
// refused before it is accepted and leaves nothing in the history. While
// earlier operations wait to be applied, it checks only what does not
// depend on them (the config of a configure); the rest is checked when the
// operation's turn comes, and a refusal then is recorded in the audit log.
func (w *rotation) validate(ctx workflow.Context, name string, op operation) error {
	if w.st.answered(updateID(ctx)) != nil {
		return nil // answered before: the handler gives that answer
	}
	if name == Configure {
		in := op.(*ConfigureInput)
		rot := in.Rotation
		if _, err := engine.New(&rot, in.Members); err != nil {
			return rejection("bad config: " + err.Error())
		}
	}
	if w.busy || len(w.queue) > 0 || w.signals.pending() {
		return nil
	}
	now := workflow.Now(ctx)
	if err := op.check(&w.st, now); err != nil {
		return rejection(reason(err))
	}
	if name != Configure {
		if err := w.st.checkAdmin(name, op); err != nil {
			return rejection(reason(err))
		}
	}
	switch name {
	case Pause, Resume, Configure:
		return nil
	}
	if w.st.Engine == nil {
		return rejection(fmt.Sprintf("rotation %s has not been planned yet", w.st.Rotation.ID))
	}
	p, err := w.getPlanner()
	if err != nil {
		return rejection("bad config: " + err.Error())
	}
	if _, err := activities.Apply(p, w.st.Engine.Clone(), op.engineOp(), now); err != nil {
		return rejection(reason(err))
	}
	return nil
}

// localCtx sets the options of the engine's local activities.
func localCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        10 * time.Second,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{"BadConfig", "BadInput"},
		},
	})
}
