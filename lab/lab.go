// Package lab is the rotation lab behind `rota simulate`: it runs the real
// RotationWorkflow, activities included, in Temporal's time-skipping test
// environment over weeks of simulated time, sends scripted events to it as
// the updates the rota client sends, and reports what happened (the
// schedule, the engine's report) and how it ran (modelled history events
// and payload bytes per shift, continue-as-new, activities).
package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
	"github.com/rota-scheduler/rota/labpage"
	"github.com/rota-scheduler/rota/workflows"
)

// Options say what to simulate.
type Options struct {
	// Rotation and Members are the config, as loaded (a strategy
	// override already applied).
	Rotation config.Rotation
	Members  []config.Member
	// Strategy, when set, replaces every layer's strategy, also in the
	// configs that events send.
	Strategy config.Strategy
	// Weeks is how long to simulate from the rotation's start (the
	// rotation's own end, if earlier, ends it first).
	Weeks int
	// Events are the scripted events, in any order.
	Events []Event
	// RandomLeave is the share of days (0..1) each member is away, in
	// blocks of 1 to 10 days, reported a few days ahead; RandomSwaps is
	// how many random swaps of final shifts members ask for. Both drawn
	// from Seed.
	RandomLeave float64
	RandomSwaps int
	Seed        int64
	// MaxShiftsPerRun is the workflow's continue-as-new bound (0: its
	// default).
	MaxShiftsPerRun int
	// Progress, when set, is called as simulated time goes by (at most
	// every 100 ms of wall time) and once at the end.
	Progress func(Progress)
	// Timeout bounds the wall time of one run (default 10 minutes).
	Timeout time.Duration
}

// Progress is how far a simulation is.
type Progress struct {
	Now     time.Time // simulated
	From    time.Time
	To      time.Time
	Shifts  int // shifts that ended
	Elapsed time.Duration
	Done    bool
}

// Result is what a simulation gives.
type Result struct {
	Rotation string    `json:"rotation"`
	Timezone string    `json:"timezone"`
	Strategy string    `json:"strategy"`
	From     time.Time `json:"from"` // the rotation's start
	To       time.Time `json:"to"`   // the end of the simulation
	// Shifts are the shifts that happened, as the workflow's engine
	// applied them (planning and every accepted operation), by start.
	Shifts []render.Shift `json:"shifts"`
	// Report is the engine's report (rota plan's) of Shifts, under the
	// config in force at the end.
	Report report.Report  `json:"report"`
	Run    RunStats       `json:"run"`
	Events []EventOutcome `json:"events"`
	Spread []SpreadPoint  `json:"spread_series"`
}

// SpreadPoint is the spread of shifts after a shift: most served minus
// fewest served so far, over the members at the end, of all shifts and of
// each kind (as the report's spread).
type SpreadPoint struct {
	Shift  string        `json:"shift"`
	Spread report.Spread `json:"spread"`
}

// RunStats say how the workflow ran. The test environment keeps no
// history: the history figures are what a server would record for the
// commands and messages counted (see the README, "The rotation lab").
type RunStats struct {
	Runs          int `json:"runs"`
	ContinueAsNew int `json:"continue_as_new"`
	Shifts        int `json:"shifts"`
	// ModelledHistoryEvents counts, per run: workflow started and closed,
	// 3 per workflow task (1 + timers fired + activities completed +
	// updates accepted), 2 per timer fired or canceled (1 if pending at
	// the end), 3 per activity, 1 marker per local activity, per version
	// change id and per side effect, 1 per search attribute upsert, 2 per
	// update accepted.
	ModelledHistoryEvents         int     `json:"modelled_history_events"`
	ModelledHistoryEventsPerShift float64 `json:"modelled_history_events_per_shift"`
	MaxRunModelledHistoryEvents   int     `json:"max_run_modelled_history_events"`
	WorkflowTasks                 int     `json:"modelled_workflow_tasks"`
	// PayloadBytes are the bytes of every payload the data converter
	// encoded for the workflow (input, activity inputs and results, local
	// activity results, update requests and answers, the continue-as-new
	// input): the bulk of the history's size, without the events' framing.
	PayloadBytes         int     `json:"payload_bytes"`
	PayloadBytesPerShift float64 `json:"payload_bytes_per_shift"`
	MaxRunPayloadBytes   int     `json:"max_run_payload_bytes"`
	// Activities are the activities called (attempts), local ones
	// included, by name; Sends what the fake Slack, calendar store and
	// pagers were asked to do.
	Activities  []Count `json:"activities"`
	Sends       []Count `json:"sends"`
	WallSeconds float64 `json:"wall_seconds"`
	// CheckedShifts counts the shifts the workflow's schedule query
	// returned about every 7 simulated days (at a timer of the workflow's
	// own) and at the end of each run (the
	// last week's and those planned ahead), each found equal to the
	// lab's (an unequal one fails the simulation).
	CheckedShifts int `json:"checked_shifts"`
}

// Count is a name and how many.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Run simulates opt.
func Run(ctx context.Context, opt Options) (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("simulation: %v", p)
		}
	}()
	began := time.Now()
	rot := opt.Rotation
	if opt.Strategy != "" {
		rot = withStrategy(rot, opt.Strategy)
	}
	loc, err := rot.Location()
	if err != nil {
		return nil, fmt.Errorf("rotation %s: %w", rot.ID, err)
	}
	if opt.Weeks < 1 {
		return nil, errors.New("weeks must be at least 1")
	}
	start := rot.Start.In(loc)
	end := calendar.DateTime{Date: rot.Start.Date.AddDays(7 * opt.Weeks), Hour: rot.Start.Hour, Minute: rot.Start.Minute}
	if rot.End == nil || end.In(loc).Before(rot.End.In(loc)) {
		rot.End = &end
	}
	to := rot.End.In(loc)
	if _, err := engine.New(&rot, opt.Members); err != nil {
		return nil, fmt.Errorf("rotation %s: %w", rot.ID, err)
	}
	s := &sim{
		opt: opt, ctx: ctx, start: start, to: to, began: began,
		cfg:    workflows.ConfigureInput{Rotation: rot, Members: slices.Clone(opt.Members)},
		shifts: map[string]engine.Shift{},
		sink:   &sink{},
		count:  &counter{},
		rng:    rand.New(rand.NewPCG(uint64(opt.Seed), 0x6c6162)),
	}
	s.pagers = []activities.Pager{&pager{name: "opsgenie", sink: s.sink}, &pager{name: "pagerduty", sink: s.sink}}
	s.events = s.schedule(opt.Events)
	if err := s.run(); err != nil {
		return nil, err
	}
	return s.result()
}

// sim is one simulation under way.
type sim struct {
	opt       Options
	ctx       context.Context
	start, to time.Time
	began     time.Time
	cfg       workflows.ConfigureInput // the config in force
	shifts    map[string]engine.Shift  // every shift the engine applied
	sink      *sink
	pagers    []activities.Pager
	count     *counter
	rng       *rand.Rand
	events    []*pending
	lastTick  time.Time
	updates   int
	runs      int
	checked   int // shifts the workflow's schedule query confirmed
	lastCheck time.Time
	checkErr  error
	beyond    *report.Spread // the workflow's BeyondLimit at the end
}

// pending is an event to send, and what became of it.
type pending struct {
	ev   Event
	sent bool
	// answered: the workflow accepted or rejected the update. One sent as
	// a run continued as new may have reached the closing run too late:
	// it is sent again to the next run, as the rota client does.
	answered bool
	outcome  EventOutcome
	// cfg is the config a configure, join or leave sent, applied to
	// s.cfg when accepted.
	cfg *workflows.ConfigureInput
}

var quiet = slog.New(slog.DiscardHandler)

// begin is when the workflow starts: plan_ahead before the rotation, as
// a rotation applied ahead of its start would.
func (s *sim) begin() time.Time {
	ahead := max(s.opt.Rotation.PlanAhead, s.opt.Rotation.NotifyBefore, 0)
	return s.start.Add(-ahead - time.Hour)
}

func (s *sim) run() error {
	in := workflows.RotationInput{Rotation: s.cfg.Rotation, Members: s.cfg.Members, MaxShiftsPerRun: s.opt.MaxShiftsPerRun}
	at := s.begin()
	for {
		if err := s.ctx.Err(); err != nil {
			return fmt.Errorf("simulation stopped: %w", err)
		}
		s.runs++
		env := s.newEnv(at)
		for _, p := range s.events {
			if p.sent {
				continue
			}
			delay := max(p.ev.At.Sub(at), 0)
			env.RegisterDelayedCallback(func() { s.send(env, p) }, delay)
		}
		// A rotation that does not end (a config without the end the
		// lab set) is stopped 60 days after the simulation's end.
		limit := s.to.Add(60 * 24 * time.Hour)
		overran := false
		env.RegisterDelayedCallback(func() {
			overran = true
			env.CancelWorkflow()
		}, max(limit.Sub(at), 0))
		s.count.newRun()
		s.checkErr, s.lastCheck = nil, at
		env.ExecuteWorkflow(workflows.RotationWorkflow, in)
		if s.checkErr != nil {
			return fmt.Errorf("run %d: %w", s.runs, s.checkErr)
		}
		if overran {
			return fmt.Errorf("run %d: the workflow was still running at %s, 60 days after the end of the simulation", s.runs, limit.Format(time.RFC3339))
		}
		if !env.IsWorkflowCompleted() {
			return fmt.Errorf("run %d: the workflow did not complete", s.runs)
		}
		err := env.GetWorkflowError()
		s.count.event(1) // completed, failed or continued as new
		if cerr := s.check(env); cerr != nil {
			return fmt.Errorf("run %d: %w", s.runs, cerr)
		}
		var can *workflow.ContinueAsNewError
		if !errors.As(err, &can) {
			if err != nil {
				return fmt.Errorf("run %d: the workflow failed: %w", s.runs, err)
			}
			// How far from fair is measured against each member's share
			// as the workflow's ledgers keep it: they know the absences
			// reported, which the shifts alone do not.
			var stats workflows.StatsResult
			if err := s.query(env, workflows.QueryStats, &stats); err != nil {
				return fmt.Errorf("run %d: %w", s.runs, err)
			}
			s.beyond = &stats.BeyondLimit
			return nil
		}
		for _, p := range s.events {
			if p.sent && !p.answered {
				p.sent = false // to the next run, at once
			}
		}
		in = workflows.RotationInput{}
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
			return fmt.Errorf("run %d: continue-as-new input: %w", s.runs, err)
		}
		// The continue-as-new input is recorded in the closing event.
		s.count.payloads(can.Input.GetPayloads()...)
		at = env.Now()
	}
}

func (s *sim) newEnv(at time.Time) *testsuite.TestWorkflowEnvironment {
	var ts testsuite.WorkflowTestSuite
	ts.SetLogger(tlog.NewStructuredLogger(quiet))
	env := ts.NewTestWorkflowEnvironment()
	// A workflow task that plans far ahead may take over the default 1 s
	// on a busy machine: the lab is not the place to fail for that.
	env.SetWorkerOptions(worker.Options{Interceptors: append(workflows.Interceptors(), &countingInterceptor{c: s.count}),
		DeadlockDetectionTimeout: 30 * time.Second})
	env.SetDataConverter(countingConverter{DataConverter: converter.GetDefaultDataConverter(), c: s.count})
	env.SetStartTime(at)
	timeout := s.opt.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	env.SetTestTimeout(timeout)
	env.RegisterWorkflow(workflows.RotationWorkflow)
	acts := &activities.Activities{Notifier: s.sink, Calendars: s.sink, Pagers: s.pagers, Logger: quiet}
	env.RegisterActivity(acts)
	// WatchPager checks the pager hourly in real time, which the test
	// environment does not skip: here it returns at once, with no drift.
	env.OnActivity(acts.WatchPager, mock.Anything, mock.Anything).Return(activities.WatchResult{}, nil)

	env.SetOnTimerScheduledListener(func(string, time.Duration) { s.count.event(1) })
	env.SetOnTimerFiredListener(func(string) {
		s.count.wake(1)
		s.tick(env.Now(), false)
		// At most every 7 simulated days, the shifts the workflow holds
		// are checked against the lab's: when the workflow's own timer
		// fires, so that the check adds no wake-up of its own.
		if now := env.Now(); now.Sub(s.lastCheck) >= 7*24*time.Hour && s.checkErr == nil {
			s.lastCheck = now
			if err := s.check(env); err != nil {
				s.checkErr = err
				env.CancelWorkflow()
			}
		}
	})
	env.SetOnTimerCanceledListener(func(string) { s.count.event(1) })
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		s.count.activity(info.ActivityType.Name)
	})
	env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) {
		s.count.wake(3) // scheduled, started, completed; and the task it wakes
	})
	// The test environment names local activities after the closure it
	// wraps them in: they are known by their input's type.
	local := map[string]string{}
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, args []any) {
		name := "local"
		if len(args) > 0 {
			switch args[0].(type) {
			case activities.PlanInput:
				name = "Plan"
			case activities.ChangeInput:
				name = "ApplyChange"
			case activities.FeedInput:
				name = "PublishFeed"
			case activities.PagerSyncInput:
				name = "SyncPager"
			}
		}
		local[info.ActivityID] = name
	})
	env.SetOnLocalActivityCompletedListener(func(info *activity.Info, v converter.EncodedValue, err error) {
		name := local[info.ActivityID]
		delete(local, info.ActivityID)
		s.count.activity(name)
		s.count.event(1) // its marker
		if err == nil && v != nil {
			s.mirror(name, v, env.Now())
		}
	})
	return env
}

// mirror applies to s.shifts what a local activity of the engine
// changed, as the workflow applies it to its state.
func (s *sim) mirror(name string, v converter.EncodedValue, now time.Time) {
	var d engine.Delta
	switch name {
	case "Plan":
		var r activities.PlanResult
		if v.Get(&r) != nil {
			return
		}
		d = r.Delta
	case "ApplyChange":
		var r activities.ChangeResult
		if v.Get(&r) != nil || r.Rejected != "" {
			return
		}
		d = r.Delta
	default:
		return
	}
	for _, e := range d.Shifts {
		sh := e.Shift
		sh.Assignees = slices.Clone(sh.Assignees)
		sh.Problems = slices.Clone(sh.Problems)
		s.shifts[sh.ID] = sh
	}
	for _, id := range d.DropShifts {
		// Pruning drops shifts that ended: they happened. A shift dropped
		// before its end did not.
		if sh, ok := s.shifts[id]; ok && sh.End.After(now) {
			delete(s.shifts, id)
		}
	}
}

func (s *sim) tick(now time.Time, done bool) {
	if s.opt.Progress == nil {
		return
	}
	wall := time.Now()
	if !done && wall.Sub(s.lastTick) < 100*time.Millisecond {
		return
	}
	s.lastTick = wall
	n := 0
	for _, sh := range s.shifts {
		if !sh.End.After(now) {
			n++
		}
	}
	s.opt.Progress(Progress{Now: now, From: s.start, To: s.to, Shifts: n, Elapsed: wall.Sub(s.began), Done: done})
}

// check compares the shifts the workflow holds (its schedule query: the
// last week's and those planned ahead) with the ones the lab mirrored
// from the engine's results.
func (s *sim) check(env *testsuite.TestWorkflowEnvironment) error {
	now := env.Now()
	var plan render.Plan
	q := workflows.ScheduleQuery{From: now.Add(-8 * 24 * time.Hour), To: now.Add(max(s.cfg.Rotation.PlanAhead, 0) + time.Hour)}
	if err := s.query(env, workflows.QuerySchedule, &plan, q); err != nil {
		return err
	}
	for _, sh := range plan.Shifts {
		if sh.Status == workflows.StatusForecast {
			continue
		}
		m, ok := s.shifts[sh.ID]
		if !ok || !slices.Equal(m.Assignees, sh.Assignees) || !m.End.Equal(sh.End) {
			return fmt.Errorf("the workflow holds %s %v to %s, the lab %v to %s", sh.ID, sh.Assignees, sh.End, m.Assignees, m.End)
		}
	}
	s.checked += len(plan.Shifts)
	return nil
}

// query asks the workflow; what the lab asks is not counted.
func (s *sim) query(env *testsuite.TestWorkflowEnvironment, name string, out any, args ...any) error {
	s.count.pause(true)
	defer s.count.pause(false)
	v, err := env.QueryWorkflow(name, args...)
	if err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	if err := v.Get(out); err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	return nil
}

// send sends p's event as an update; its outcome comes back through the
// callbacks.
func (s *sim) send(env *testsuite.TestWorkflowEnvironment, p *pending) {
	p.sent = true
	p.outcome.Sent = env.Now()
	name, input, err := s.input(env, p)
	if err != nil {
		p.outcome.Reason = err.Error()
		return
	}
	p.outcome.Summary = summary(name, input)
	s.updates++
	id := fmt.Sprintf("lab-%d", s.updates)
	env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnAccept: func() { s.count.event(1 + 3) }, // accepted, and its workflow task
		OnReject: func(err error) { p.answered, p.outcome.Reason = true, reasonOf(err) },
		OnComplete: func(v any, err error) {
			p.answered = true
			s.count.event(1)
			if err != nil {
				p.outcome.Reason = reasonOf(err)
				return
			}
			var a workflows.Answer
			switch x := v.(type) {
			case workflows.Answer:
				a = x
			case converter.EncodedValue:
				if err := x.Get(&a); err != nil {
					p.outcome.Reason = "the answer did not decode: " + err.Error()
					return
				}
			}
			p.outcome.Applied = true
			p.outcome.Shifts, p.outcome.Notes = a.Shifts, a.Notes
			if p.cfg != nil {
				s.cfg = *p.cfg
			}
		},
	}, input)
}

// reasonOf is the reason of a rejection: the application error's message.
func reasonOf(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

func (s *sim) result() (*Result, error) {
	rot := s.cfg.Rotation
	p, err := engine.New(&rot, s.cfg.Members)
	if err != nil {
		return nil, fmt.Errorf("the config at the end: %w", err)
	}
	layer := map[string]int{}
	for i, l := range rot.Layers {
		layer[l.Name] = i
	}
	shifts := make([]engine.Shift, 0, len(s.shifts))
	for _, sh := range s.shifts {
		if sh.Start.Before(s.to) {
			shifts = append(shifts, sh)
		}
	}
	sort.Slice(shifts, func(i, j int) bool {
		a, b := shifts[i], shifts[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		if layer[a.Layer] != layer[b.Layer] {
			return layer[a.Layer] < layer[b.Layer]
		}
		return a.ID < b.ID
	})
	res := &Result{
		Rotation: rot.ID, Timezone: rot.Timezone, Strategy: strategyName(&rot),
		From: s.start, To: s.to, Report: report.Of(p, shifts),
		Shifts: make([]render.Shift, len(shifts)), Events: []EventOutcome{},
	}
	if s.beyond != nil {
		res.Report.BeyondLimit = *s.beyond
	}
	for i, sh := range shifts {
		res.Shifts[i] = render.FromShift(sh)
	}
	res.Spread = spreadSeries(rot.MemberIDs(), res.Shifts)
	for _, p := range s.events {
		o := p.outcome
		if !p.sent {
			o.Reason = "not sent: the rotation ended before it"
		} else if !o.Applied && o.Reason == "" {
			o.Reason = "no answer: the rotation ended before it was handled"
		}
		res.Events = append(res.Events, o)
	}
	st := &res.Run
	st.Runs, st.ContinueAsNew, st.Shifts = s.runs, s.runs-1, len(shifts)
	for _, r := range s.count.runs {
		st.ModelledHistoryEvents += r.events
		st.PayloadBytes += r.bytes
		st.WorkflowTasks += r.tasks
		st.MaxRunModelledHistoryEvents = max(st.MaxRunModelledHistoryEvents, r.events)
		st.MaxRunPayloadBytes = max(st.MaxRunPayloadBytes, r.bytes)
	}
	if n := len(shifts); n > 0 {
		st.ModelledHistoryEventsPerShift = round1(float64(st.ModelledHistoryEvents) / float64(n))
		st.PayloadBytesPerShift = round1(float64(st.PayloadBytes) / float64(n))
	}
	st.Activities = counts(s.count.activities)
	st.Sends = counts(s.sink.sends)
	st.WallSeconds = time.Since(s.began).Seconds()
	st.CheckedShifts = s.checked
	s.tick(s.to, true)
	return res, nil
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Name: k, Count: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// spreadSeries is the spread of shifts served after each shift (in start
// order), of all and of each kind: labpage.CumulativeSpread's, which the
// page draws, with each point named by its shift.
func spreadSeries(members []string, shifts []render.Shift) []SpreadPoint {
	pts := labpage.CumulativeSpread(members, shifts)
	out := make([]SpreadPoint, len(pts))
	for i, p := range pts {
		out[i] = SpreadPoint{Shift: shifts[i].ID,
			Spread: report.Spread{Shifts: p.Shifts, Weekday: p.Weekday, Weekend: p.Weekend, Holiday: p.Holiday}}
	}
	return out
}

func strategyName(rot *config.Rotation) string {
	var names []string
	for _, l := range rot.Layers {
		if !slices.Contains(names, string(l.Strategy)) {
			names = append(names, string(l.Strategy))
		}
	}
	return strings.Join(names, ",")
}
