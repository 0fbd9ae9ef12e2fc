package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/engine"
)

// a is only used to name activities: the worker registers the real ones.
var a *activities.Activities

const (
	// keepEnded is how long ended shifts stay in the state (for queries
	// and calendars) before they are pruned; the ledgers keep their load.
	keepEnded = 7 * 24 * time.Hour
	// planRetryDelay is how long the workflow waits to plan again when
	// planning failed.
	planRetryDelay = 10 * time.Minute
	// maxHistoryLength makes a run continue as new however few shifts it
	// handled (many messages), before the server would suggest it.
	maxHistoryLength = 20000
)

var (
	attrMembers = temporal.NewSearchAttributeKeyKeywordList(AttrMembers)
	attrOnCall  = temporal.NewSearchAttributeKeyKeywordList(AttrOnCall)
)

// request is an operation waiting for the main loop, from a signal or an
// update. Only the main loop changes the state, one request at a time.
type request struct {
	name string
	via  string    // "signal" or "update"
	op   operation // nil when the signal's payload did not decode
	text string    // the payload, for the audit log, when it did not decode
	err  error     // why it did not decode
	done workflow.Settable
}

type signalChannel struct {
	name string
	ch   workflow.ReceiveChannel
}

// rotation is a running RotationWorkflow.
type rotation struct {
	st        RotationState
	maxShifts int
	handled   int // shifts that ended in this run
	queue     []*request
	wake      workflow.Channel // an update was queued
	signals   []signalChannel
	dirty     bool // calendars need publishing
	planRetry time.Time

	// planner is the engine planner of the current config, for validators
	// and queries; nil when it must be built again.
	planner    *engine.Planner
	plannerErr error
	// fatal ends the workflow: the config it was started with is bad.
	fatal error
}

// RotationWorkflow runs one rotation (workflow id rota/<rotation>, task
// queue rota) for as long as it has shifts: it plans shifts plan_ahead
// before they start, tells the assignees notify_before, hands off at the
// start, and takes the operations of messages.go as signals and updates.
func RotationWorkflow(ctx workflow.Context, in RotationInput) error {
	w, err := newRotation(ctx, in)
	if err != nil {
		return err
	}
	if err := w.register(ctx); err != nil {
		return err
	}
	return w.run(ctx)
}

func newRotation(ctx workflow.Context, in RotationInput) (*rotation, error) {
	w := &rotation{maxShifts: in.MaxShiftsPerRun}
	if w.maxShifts <= 0 {
		w.maxShifts = DefaultMaxShiftsPerRun
	}
	if in.State != nil {
		w.st = *in.State
	} else {
		w.st = RotationState{Rotation: in.Rotation, Members: in.Members}
	}
	w.st.Runs++
	w.wake = workflow.NewBufferedChannel(ctx, 1)
	for _, name := range operationNames {
		w.signals = append(w.signals, signalChannel{name, workflow.GetSignalChannel(ctx, name)})
	}
	return w, nil
}

// getPlanner returns the planner of the current config, for validators and
// queries only: what the workflow does is decided by local activities, so
// that a new engine cannot change what a replay does.
func (w *rotation) getPlanner() (*engine.Planner, error) {
	if w.planner == nil && w.plannerErr == nil {
		w.planner, w.plannerErr = engine.New(&w.st.Rotation, w.st.Members)
	}
	return w.planner, w.plannerErr
}

func (w *rotation) run(ctx workflow.Context) error {
	for {
		w.runDue(ctx)
		if w.fatal != nil {
			return w.fatal
		}
		w.processQueue(ctx)
		w.runDue(ctx)
		w.flush(ctx)
		if w.finished() {
			w.quiesce(ctx)
			workflow.GetLogger(ctx).Info("rotation ended", "rotation", w.st.Rotation.ID)
			return nil
		}
		if w.handled >= w.maxShifts || workflow.GetInfo(ctx).GetContinueAsNewSuggested() ||
			workflow.GetInfo(ctx).GetCurrentHistoryLength() > maxHistoryLength {
			w.quiesce(ctx)
			workflow.GetLogger(ctx).Info("continuing as new", "rotation", w.st.Rotation.ID, "shifts", w.handled, "run", w.st.Runs)
			st := w.st
			return workflow.NewContinueAsNewError(ctx, RotationWorkflow, RotationInput{
				Rotation: st.Rotation, Members: st.Members, MaxShiftsPerRun: w.maxShifts, State: &st,
			})
		}
		if err := w.wait(ctx); err != nil {
			return err
		}
	}
}

// finished reports whether the rotation has no more shifts to plan or run.
func (w *rotation) finished() bool {
	if w.st.Engine == nil || !w.st.NextStart.IsZero() || len(w.queue) > 0 {
		return false
	}
	return !slices.ContainsFunc(w.st.Events, func(e ShiftEvents) bool { return !e.Ended })
}

// quiesce handles every message received and waits for every update
// handler to finish, so that nothing is lost when the run ends.
func (w *rotation) quiesce(ctx workflow.Context) {
	for {
		w.drainSignals(ctx)
		if len(w.queue) > 0 {
			w.processQueue(ctx)
			w.runDue(ctx)
			w.flush(ctx)
			continue
		}
		if workflow.AllHandlersFinished(ctx) {
			return
		}
		_ = workflow.Await(ctx, func() bool {
			return len(w.queue) > 0 || w.signalsPending() || workflow.AllHandlersFinished(ctx)
		})
		if ctx.Err() != nil {
			return
		}
	}
}

func (w *rotation) signalsPending() bool {
	return slices.ContainsFunc(w.signals, func(s signalChannel) bool { return s.ch.Len() > 0 })
}

// wait sleeps until the next deadline or a message, whichever comes first
// (the updatable-timer pattern: a message cancels the timer, and the loop
// computes the deadline again from workflow.Now, so nothing drifts).
func (w *rotation) wait(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	next, ok := w.nextDeadline()
	if ok && !next.After(now) {
		return nil
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	sel := workflow.NewSelector(ctx)
	if ok {
		sel.AddFuture(workflow.NewTimer(timerCtx, next.Sub(now)), func(workflow.Future) {})
	}
	for _, s := range w.signals {
		sel.AddReceive(s.ch, func(c workflow.ReceiveChannel, more bool) {
			var raw converter.RawValue
			c.Receive(ctx, &raw)
			w.enqueueSignal(s.name, raw)
		})
	}
	sel.AddReceive(w.wake, func(c workflow.ReceiveChannel, more bool) { c.ReceiveAsync(nil) })
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	sel.Select(ctx)
	w.drainSignals(ctx)
	return ctx.Err()
}

// drainSignals queues every signal received so far.
func (w *rotation) drainSignals(ctx workflow.Context) {
	for _, s := range w.signals {
		for {
			var raw converter.RawValue
			if !s.ch.ReceiveAsync(&raw) {
				break
			}
			w.enqueueSignal(s.name, raw)
		}
	}
}

func (w *rotation) enqueueSignal(name string, raw converter.RawValue) {
	op, text, err := decodeSignal(name, raw)
	w.queue = append(w.queue, &request{name: name, via: "signal", op: op, text: text, err: err})
}

// submit queues an update for the main loop and waits for its outcome.
func (w *rotation) submit(ctx workflow.Context, name string, op operation) (engine.Change, error) {
	f, done := workflow.NewFuture(ctx)
	w.queue = append(w.queue, &request{name: name, via: "update", op: op, done: done})
	w.wake.SendAsync(true)
	var ch engine.Change
	err := f.Get(ctx, &ch)
	return ch, err
}

// --- deadlines

func (w *rotation) planAhead() time.Duration    { return max(w.st.Rotation.PlanAhead, 0) }
func (w *rotation) notifyBefore() time.Duration { return max(w.st.Rotation.NotifyBefore, 0) }

// planAt returns when planning is due next, if it is.
func (w *rotation) planAt() (time.Time, bool) {
	var t time.Time
	switch {
	case w.st.Engine == nil:
		// Not planned yet: due at once (t is the zero time).
	case w.st.Paused || w.st.NextStart.IsZero():
		return time.Time{}, false
	default:
		t = w.st.NextStart.Add(-w.planAhead())
	}
	if w.planRetry.After(t) {
		t = w.planRetry
	}
	return t, true
}

// nextDeadline returns the earliest deadline not handled yet.
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
		if w.fatal != nil {
			return
		}
		now := workflow.Now(ctx)
		if next, ok := w.nextDeadline(); !ok || next.After(now) {
			return
		}
		w.endShifts(now)
		if t, ok := w.planAt(); ok && !t.After(now) {
			w.plan(ctx, now)
		}
		w.notifyShifts(ctx, now)
		w.handOff(ctx, now)
	}
}

// endShifts marks the shifts that ended and prunes the old ones.
func (w *rotation) endShifts(now time.Time) {
	ended := false
	for i, sh := range w.st.shifts() {
		if e := &w.st.Events[i]; !e.Ended && !sh.End.After(now) {
			e.Ended = true
			w.handled++
			ended = true
		}
	}
	if ended {
		w.st.Engine.Prune(now.Add(-keepEnded))
		w.st.syncEvents(func(*engine.Shift) ShiftEvents { return ShiftEvents{} })
	}
}

// plan runs the engine (as a local activity) over every slot that starts
// within plan_ahead: their assignments become final.
func (w *rotation) plan(ctx workflow.Context, now time.Time) {
	in := activities.PlanInput{
		Rotation: w.st.Rotation, Members: w.st.Members, State: w.st.Engine,
		Horizon: now.Add(w.planAhead()), Now: now,
	}
	var res activities.PlanResult
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), activities.Plan, in).Get(ctx, &res); err != nil || res.State == nil {
		workflow.GetLogger(ctx).Error("planning failed", "rotation", w.st.Rotation.ID, "error", err)
		var app *temporal.ApplicationError
		if w.st.Engine == nil && errors.As(err, &app) && app.Type() == "BadConfig" {
			// Started with a config the engine refuses: nothing can run.
			w.fatal = temporal.NewNonRetryableApplicationError("bad config: "+app.Message(), "BadConfig", err)
			return
		}
		w.planRetry = now.Add(planRetryDelay)
		return
	}
	w.planRetry = time.Time{}
	w.st.Engine = res.State
	w.st.NextStart = res.NextStart
	w.st.syncEvents(func(*engine.Shift) ShiftEvents { return ShiftEvents{} })
	if len(res.Shifts) > 0 {
		w.dirty = true
	}
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
		w.do(ctx, "Notify", a.Notify, activities.NotifyInput{
			Rotation: w.st.Rotation, Shift: sh, Assignees: w.st.members(sh.Assignees),
		})
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
			continue // over already: nothing to hand over
		}
		event := "handoff"
		if e.Rehand > 0 {
			event = fmt.Sprintf("handoff/r%d", e.Rehand)
		}
		assignees := w.st.members(sh.Assignees)
		w.do(ctx, "Handoff", a.Handoff, activities.HandoffInput{
			Rotation: w.st.Rotation, Shift: sh, Assignees: assignees, Event: event,
		})
		if og := w.st.Rotation.Opsgenie; og != nil && og.Schedule != "" {
			w.do(ctx, "SyncPager", a.SyncPager, activities.PagerInput{
				Schedule: og.Schedule, Shift: sh, Assignees: assignees, Event: event,
			})
		}
	}
}

// flush publishes the calendars once if anything changed, and keeps the
// search attributes up to date.
func (w *rotation) flush(ctx workflow.Context) {
	if w.dirty {
		w.dirty = false
		w.st.Publications++
		w.do(ctx, "PublishCalendars", a.PublishCalendars, activities.PublishInput{
			Rotation: w.st.Rotation.ID, Version: w.st.Publications, Shifts: w.st.shifts(),
		})
	}
	w.upsertAttributes(ctx)
}

func (w *rotation) upsertAttributes(ctx workflow.Context) {
	sa := workflow.GetTypedSearchAttributes(ctx)
	var ups []temporal.SearchAttributeUpdate
	members := w.st.Rotation.MemberIDs()
	slices.Sort(members)
	if cur, _ := sa.GetKeywordList(attrMembers); !slices.Equal(cur, members) {
		ups = append(ups, attrMembers.ValueSet(members))
	}
	onCall := w.st.onCall(workflow.Now(ctx))
	cur, ok := sa.GetKeywordList(attrOnCall)
	switch {
	case len(onCall) == 0 && ok && len(cur) > 0:
		ups = append(ups, attrOnCall.ValueUnset())
	case len(onCall) > 0 && !slices.Equal(cur, onCall):
		ups = append(ups, attrOnCall.ValueSet(onCall))
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
		w.handle(ctx, r)
	}
}

// handle runs one operation: checks, the engine (as a local activity), the
// audit log, the update's answer, then the change notice.
func (w *rotation) handle(ctx workflow.Context, r *request) {
	now := workflow.Now(ctx)
	entry := AuditEntry{Time: now, Operation: r.name, Via: r.via}
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
	w.afterChange(ctx, r, before, change, now)
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
	if res.State == nil {
		return engine.Change{}, reject("the engine returned no state")
	}
	w.st.Engine = res.State
	w.st.NextStart = res.NextStart
	if c, ok := op.(*ConfigureInput); ok {
		w.st.Rotation, w.st.Members = c.Rotation, c.Members
		w.planner, w.plannerErr = nil, nil
	}
	return res.Change, nil
}

// afterChange brings the deadlines in line with a change and tells the
// people concerned.
func (w *rotation) afterChange(ctx workflow.Context, r *request, before []engine.Shift, change engine.Change, now time.Time) {
	notify := w.notifyBefore()
	w.st.syncEvents(func(sh *engine.Shift) ShiftEvents {
		// A shift a change created (the rest of a split one): the change
		// notice tells its assignees, unless its own notice is still ahead.
		return ShiftEvents{Notified: !sh.Start.Add(-notify).After(now)}
	})
	concerned := slices.Clone(r.op.concerned())
	var changed []engine.Shift
	for _, id := range change.Shifts {
		sh, ok := w.st.shift(id)
		if !ok {
			continue
		}
		changed = append(changed, *sh)
		concerned = append(concerned, sh.Assignees...)
		var old []string
		if j := slices.IndexFunc(before, func(b engine.Shift) bool { return b.ID == id }); j >= 0 {
			old = before[j].Assignees
			concerned = append(concerned, old...)
		}
		// A running shift that changed hands is handed off again.
		if i := slices.IndexFunc(w.st.Engine.Shifts, func(s engine.Shift) bool { return s.ID == id }); i >= 0 {
			e := &w.st.Events[i]
			if e.HandedOff && !sh.Start.After(now) && now.Before(sh.End) && !slices.Equal(old, sh.Assignees) {
				e.HandedOff, e.Rehand = false, w.st.Changes
			}
		}
	}
	if as, ok := r.op.(*AssignInput); ok {
		concerned = append(concerned, as.Members...)
	}
	var people []string
	for _, id := range concerned {
		if id != "" && !slices.Contains(people, id) {
			people = append(people, id)
		}
	}
	if r.name == Configure || len(change.Shifts) > 0 {
		w.dirty = true
	}
	w.do(ctx, "ChangeNotice", a.ChangeNotice, activities.ChangeNoticeInput{
		Rotation: w.st.Rotation, Seq: w.st.Changes, Operation: r.name, Summary: r.op.summary(),
		RequestedBy: r.op.requester(), Notes: change.Notes, Shifts: changed, Members: w.st.members(people),
	})
}

// validate is the validator of every update: it checks the input's shape
// and dry-runs the engine on a copy of the state, so a bad update is
// refused before it is accepted and leaves nothing in the history.
func (w *rotation) validate(ctx workflow.Context, name string, op operation) error {
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
	case Pause, Resume:
		return nil
	case Configure:
		in := op.(*ConfigureInput)
		rot := in.Rotation
		if _, err := engine.New(&rot, in.Members); err != nil {
			return rejection("bad config: " + err.Error())
		}
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

// --- activities

// do runs an activity with side effects. A failure (after the retries) is
// logged and the rotation carries on: a missed message must not stop it.
func (w *rotation) do(ctx workflow.Context, name string, fn, in any) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    2 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    8,
		},
	})
	if err := workflow.ExecuteActivity(ctx, fn, in).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("activity failed", "activity", name, "error", err)
	}
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
