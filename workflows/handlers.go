package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
	"github.com/rota-scheduler/rota/internal/rules"
)

// MaxScheduleWeeks bounds the window of a schedule query (rota show
// --weeks says the same), and maxForecast the shifts its forecast plans
// (short shifts make many).
const (
	MaxScheduleWeeks = 57
	maxScheduleSpan  = MaxScheduleWeeks*7*24*time.Hour + 2*time.Hour // weeks across DST changes
	maxForecast      = 500
)

// register sets the update handlers (the signals are read by the main
// loop) and the queries.
func (w *rotation) register(ctx workflow.Context) error {
	return errors.Join(
		registerUpdate[ConfigureInput](ctx, w, Configure),
		registerUpdate[SwapInput](ctx, w, Swap),
		registerUpdate[CoverInput](ctx, w, Cover),
		registerUpdate[LeaveShiftInput](ctx, w, LeaveShift),
		registerUpdate[UnavailableInput](ctx, w, Unavailable),
		registerUpdate[AvailableInput](ctx, w, Available),
		registerUpdate[AssignInput](ctx, w, Assign),
		registerUpdate[PauseInput](ctx, w, Pause),
		registerUpdate[ResumeInput](ctx, w, Resume),
		workflow.SetQueryHandler(ctx, QuerySchedule, func(q ScheduleQuery) (render.Plan, error) {
			return w.schedule(workflow.Now(ctx), q)
		}),
		workflow.SetQueryHandler(ctx, QueryWho, func() (WhoResult, error) {
			return w.who(workflow.Now(ctx)), nil
		}),
		workflow.SetQueryHandler(ctx, QueryStats, func() (StatsResult, error) {
			p, err := w.getPlanner()
			if err != nil {
				return StatsResult{}, err
			}
			res := StatsResult{Health: w.health(workflow.Now(ctx))}
			if w.st.Engine == nil {
				res.Report = report.Of(p, nil)
			} else {
				res.Report = report.OfState(p, w.st.Engine)
			}
			return res, nil
		}),
		workflow.SetQueryHandler(ctx, QueryStatus, func() (StatusResult, error) {
			return w.status(workflow.Now(ctx)), nil
		}),
		workflow.SetQueryHandler(ctx, QueryPreview, func(in ConfigureInput) (PreviewResult, error) {
			return w.preview(workflow.Now(ctx), in)
		}),
		workflow.SetQueryHandler(ctx, QueryAudit, func() ([]AuditEntry, error) {
			return w.st.Audit, nil
		}),
		workflow.SetQueryHandler(ctx, QueryConfig, func() (ConfigResult, error) {
			return ConfigResult{Rotation: w.st.Rotation, Members: w.st.Members, Paused: w.st.Paused, PauseReason: w.st.PauseReason}, nil
		}),
	)
}

// registerUpdate registers the update of one operation: its validator,
// and a handler that hands the input to the main loop.
func registerUpdate[T any, P interface {
	*T
	operation
}](ctx workflow.Context, w *rotation, name string) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in T) (Answer, error) {
			return w.submit(ctx, name, P(&in))
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, in T) error {
				return w.validate(ctx, name, P(&in))
			},
		})
}

// status of a planned shift at now.
func status(sh *engine.Shift, now time.Time) string {
	switch {
	case !sh.End.After(now):
		return StatusPast
	case !sh.Start.After(now):
		return StatusCurrent
	}
	return StatusFinal
}

func strategyName(w *rotation) string {
	var names []string
	for _, l := range w.st.Rotation.Layers {
		if !slices.Contains(names, string(l.Strategy)) {
			names = append(names, string(l.Strategy))
		}
	}
	return strings.Join(names, ",")
}

// schedule answers QuerySchedule: the shifts that overlap q.From..q.To
// (default: from now, for plan_ahead or at least 7 days), planned ones as
// they are and later ones (at most maxForecast) as the engine would plan
// them now, on a copy of the state: a query changes nothing.
func (w *rotation) schedule(now time.Time, q ScheduleQuery) (render.Plan, error) {
	from, to := q.From, q.To
	if from.IsZero() {
		from = now
	}
	if to.IsZero() {
		to = from.Add(max(w.planAhead(), 7*24*time.Hour))
	}
	if !from.Before(to) {
		return render.Plan{}, errors.New("schedule: from must be before to")
	}
	if to.Sub(from) > maxScheduleSpan {
		return render.Plan{}, fmt.Errorf("schedule: the window may span at most %d weeks", MaxScheduleWeeks)
	}
	plan := render.Plan{Rotation: w.st.Rotation.ID, Timezone: w.st.Rotation.Timezone, Strategy: strategyName(w), Shifts: []render.Shift{}}
	overlaps := func(sh *engine.Shift) bool { return sh.Start.Before(to) && from.Before(sh.End) }
	for i := range w.st.shifts() {
		sh := &w.st.Engine.Shifts[i]
		if overlaps(sh) {
			r := render.FromShift(*sh)
			r.Status = status(sh, now)
			plan.Shifts = append(plan.Shifts, r)
		}
	}
	if w.st.Engine == nil || w.st.NextStart.IsZero() || !w.st.NextStart.Before(to) {
		return plan, nil
	}
	p, err := w.getPlanner()
	if err != nil {
		return plan, err
	}
	for _, sh := range rules.Forecast(p, w.st.Engine, from, to, maxForecast) {
		r := render.FromShift(sh)
		r.Status = StatusForecast
		plan.Shifts = append(plan.Shifts, r)
	}
	return plan, nil
}

// who answers QueryWho.
func (w *rotation) who(now time.Time) WhoResult {
	res := WhoResult{Rotation: w.st.Rotation.ID, At: now, Paused: w.st.Paused, Health: w.health(now),
		OnCall: w.st.onCall(now), Current: []render.Shift{}, Next: []render.Shift{}}
	if res.OnCall == nil {
		res.OnCall = []string{}
	}
	var next time.Time
	for i := range w.st.shifts() {
		sh := &w.st.Engine.Shifts[i]
		switch st := status(sh, now); {
		case st == StatusCurrent:
			r := render.FromShift(*sh)
			r.Status = st
			res.Current = append(res.Current, r)
		case st == StatusFinal && (next.IsZero() || sh.Start.Equal(next)):
			next = sh.Start
			r := render.FromShift(*sh)
			r.Status = st
			res.Next = append(res.Next, r)
		}
	}
	return res
}

// status answers QueryStatus.
func (w *rotation) status(now time.Time) StatusResult {
	failures := w.st.Failures
	if failures == nil {
		failures = []EffectFailure{}
	}
	return StatusResult{
		Rotation: w.st.Rotation.ID, At: now, Paused: w.st.Paused, Health: w.health(now),
		Pending: len(w.st.Effects), Failures: failures, NextStart: w.st.NextStart, Runs: w.st.Runs,
	}
}

// preview answers QueryPreview: the schedule of the next plan_ahead and
// four weeks as it is, and as it would be once in is applied (on a copy of
// the state, as configure would change it), shift by shift.
func (w *rotation) preview(now time.Time, in ConfigureInput) (PreviewResult, error) {
	res := PreviewResult{Rotation: w.st.Rotation.ID, At: now, To: now.Add(w.planAhead() + 28*24*time.Hour), Changes: []rules.Change{}}
	if err := in.check(&w.st, now); err != nil {
		return res, err
	}
	if w.st.Engine == nil {
		return res, fmt.Errorf("rotation %s has not been planned yet", w.st.Rotation.ID)
	}
	p, err := w.getPlanner()
	if err != nil {
		return res, err
	}
	var final []engine.Shift
	for _, sh := range w.st.shifts() {
		if sh.Start.Before(res.To) && now.Before(sh.End) {
			final = append(final, sh)
		}
		res.FinalUntil = sh.End
	}
	before := append(slices.Clone(final), rules.Forecast(p, w.st.Engine, now, res.To, maxForecast)...)
	st := w.st.Engine.Clone()
	np, _, err := activities.Reconfigure(&w.st.Rotation, st, in.engineOp(), now)
	if err != nil {
		return res, errors.New(reason(err))
	}
	after := append(slices.Clone(final), rules.Forecast(np, st, now, res.To, maxForecast)...)
	res.Changes = rules.Diff(before, after)
	return res, nil
}
