package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/workflows"
)

// handoffSuffix ends the key of a handoff's channel post: the first send
// of a shift's handoff (activities.Key(shift, "handoff", "announce")).
const handoffSuffix = "/handoff/announce"

// deliverActivity is the activity type of the sends (activities.Deliver).
const deliverActivity = "Deliver"

// runStats is what one run's history says about the window.
type runStats struct {
	events       int
	wftCompleted int // workflow tasks completed in the window
	wftFailed    int // failed in the window
	wftTimedOut  int // timed out in the window
	failCause    string
	wftQueue     []time.Duration
	wftRun       []time.Duration
	timerLag     []time.Duration // fired − due, for timers due in the window
	// handoffs by shift id: when the Deliver carrying the handoff post
	// was scheduled and started.
	scheduled map[string]time.Time
	started   map[string]time.Time
	firstAt   time.Time // the run's first event
	previous  string    // the run it continued, if any
	cans      int
}

// readRun reads one run's history and gathers what falls in [ws, we].
func readRun(ctx context.Context, c client.Client, wid, run string, ws, we time.Time) (*runStats, error) {
	st := &runStats{scheduled: map[string]time.Time{}, started: map[string]time.Time{}}
	wftScheduled := map[int64]time.Time{}
	wftStarted := map[int64]time.Time{}
	timers := map[int64]time.Time{} // started event id → due
	deliverShifts := map[int64][]string{}
	in := func(t time.Time) bool { return !t.Before(ws) && !t.After(we) }
	dc := converter.GetDefaultDataConverter()

	it := c.GetWorkflowHistory(ctx, wid, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", wid, err)
		}
		st.events++
		at := ev.GetEventTime().AsTime()
		if st.events == 1 {
			st.firstAt = at
			st.previous = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			wftScheduled[ev.GetEventId()] = at
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			wftStarted[ev.GetEventId()] = at
			if s, ok := wftScheduled[ev.GetWorkflowTaskStartedEventAttributes().GetScheduledEventId()]; ok && in(at) {
				st.wftQueue = append(st.wftQueue, at.Sub(s))
			}
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			if in(at) {
				st.wftCompleted++
				if s, ok := wftStarted[ev.GetWorkflowTaskCompletedEventAttributes().GetStartedEventId()]; ok {
					st.wftRun = append(st.wftRun, at.Sub(s))
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
			if in(at) {
				st.wftFailed++
				if st.failCause == "" {
					a := ev.GetWorkflowTaskFailedEventAttributes()
					st.failCause = a.GetCause().String() + ": " + a.GetFailure().GetMessage()
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			if in(at) {
				st.wftTimedOut++
			}
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			timers[ev.GetEventId()] = at.Add(ev.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration())
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			if due, ok := timers[ev.GetTimerFiredEventAttributes().GetStartedEventId()]; ok && in(due) {
				st.timerLag = append(st.timerLag, at.Sub(due))
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := ev.GetActivityTaskScheduledEventAttributes()
			if a.GetActivityType().GetName() != deliverActivity {
				continue
			}
			var din activities.DeliverInput
			if err := dc.FromPayloads(a.GetInput(), &din); err != nil {
				return nil, fmt.Errorf("history of %s: Deliver input of event %d: %w", wid, ev.GetEventId(), err)
			}
			for _, e := range din.Effects {
				if shift, ok := strings.CutSuffix(e.Key, handoffSuffix); ok {
					deliverShifts[ev.GetEventId()] = append(deliverShifts[ev.GetEventId()], shift)
					if _, seen := st.scheduled[shift]; !seen {
						st.scheduled[shift] = at
					}
				}
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			for _, shift := range deliverShifts[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()] {
				if _, seen := st.started[shift]; !seen {
					st.started[shift] = at
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			st.cans++
		}
	}
	return st, nil
}

// handoffID is the id of the shift of rotation r's main layer starting at start.
func handoffID(r rotation, start time.Time) string {
	return r.id + "/main/" + start.UTC().Format(time.RFC3339)
}

// readHistories reads every rotation's history (the runs that overlap the
// window), and fills the workflow task, timer and handoff figures: each
// shift that started in [ws, we−margin] should have had its handoff.
func readHistories(ctx context.Context, c client.Client, rots []rotation, ws, we time.Time, margin time.Duration, res *Result, logf func(string, ...any)) error {
	var mu sync.Mutex
	var wftQueue, wftRun, timerLag, delays, toScheduled, toStarted []time.Duration
	var firstErr error
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, r := range rots {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			hctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			var runs []*runStats
			wid, run := workflows.WorkflowID(r.id), ""
			for {
				st, err := readRun(hctx, c, wid, run, ws, we)
				if err != nil {
					mu.Lock()
					res.Histories.Errors++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				runs = append(runs, st)
				if st.previous == "" || st.firstAt.Before(ws) {
					break
				}
				run = st.previous
			}
			scheduled, started := map[string]time.Time{}, map[string]time.Time{}
			mu.Lock()
			defer mu.Unlock()
			res.Histories.Read++
			for _, st := range runs {
				res.Histories.Runs++
				res.Histories.Events += st.events
				res.Histories.ContinuedAsNew += st.cans
				res.WorkflowTasks.Completed += st.wftCompleted
				res.WorkflowTasks.Failed += st.wftFailed
				res.WorkflowTasks.TimedOut += st.wftTimedOut
				if res.WorkflowTasks.FirstFailure == "" {
					res.WorkflowTasks.FirstFailure = st.failCause
				}
				wftQueue = append(wftQueue, st.wftQueue...)
				wftRun = append(wftRun, st.wftRun...)
				timerLag = append(timerLag, st.timerLag...)
				for k, v := range st.scheduled {
					scheduled[k] = v
				}
				for k, v := range st.started {
					started[k] = v
				}
			}
			for b := nextBoundary(r.start, r.shift, ws); !b.After(we.Add(-margin)); b = b.Add(r.shift) {
				id := handoffID(r, b)
				res.Handoff.Expected++
				s, ok := started[id]
				if !ok {
					res.Handoff.Missing++
					if _, sch := scheduled[id]; sch {
						res.Handoff.ScheduledNotStarted++
					}
					continue
				}
				delays = append(delays, s.Sub(b))
				toScheduled = append(toScheduled, scheduled[id].Sub(b))
				toStarted = append(toStarted, s.Sub(scheduled[id]))
			}
		})
	}
	wg.Wait()
	if res.Histories.Read == 0 && firstErr != nil {
		return firstErr
	}
	if firstErr != nil {
		logf("%d histories could not be read; the first: %v", res.Histories.Errors, firstErr)
		res.Histories.FirstError = firstErr.Error()
	}
	secs := we.Sub(ws).Seconds()
	res.WorkflowTasks.PerSecond = float64(res.WorkflowTasks.Completed) / secs
	res.WorkflowTasks.QueueP50Ms, res.WorkflowTasks.QueueP99Ms = ms(pct(wftQueue, 50)), ms(pct(wftQueue, 99))
	res.WorkflowTasks.RunP50Ms, res.WorkflowTasks.RunP99Ms = ms(pct(wftRun, 50)), ms(pct(wftRun, 99))
	res.WorkflowTasks.TimerLagP50Ms, res.WorkflowTasks.TimerLagP99Ms = ms(pct(timerLag, 50)), ms(pct(timerLag, 99))
	res.WorkflowTasks.Timers = len(timerLag)
	h := &res.Handoff
	h.Measured = len(delays)
	h.P50S, h.P99S, h.MaxS = secs3(pct(delays, 50)), secs3(pct(delays, 99)), secs3(pct(delays, 100))
	h.ToScheduledP99S, h.ScheduledToStartedP99S = secs3(pct(toScheduled, 99)), secs3(pct(toStarted, 99))
	var over2 int
	for _, d := range delays {
		if d > 2*time.Second {
			over2++
		}
	}
	h.Over2s = over2
	return nil
}
