package web

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// PageWeeks is how many weeks the schedule page shows, from the start of
// the current week.
const PageWeeks = 8

// ErrNotFound is what a Source answers for a rotation it does not know.
var ErrNotFound = errors.New("no such rotation")

// Source answers the schedule page's questions.
type Source interface {
	// Rotations lists the ids of the rotations running, for the index.
	Rotations(ctx context.Context) ([]string, error)
	// Page is what the page of rotation shows at now; ErrNotFound when
	// there is no such rotation.
	Page(ctx context.Context, rotation string, now time.Time) (PageData, error)
}

// PageData is what the schedule page shows of a rotation, as the
// rotation's workflow answers its queries.
type PageData struct {
	// Config is the rotation's config and members (QueryConfig).
	Config workflows.ConfigResult
	// Who is who is on shift now (QueryWho).
	Who workflows.WhoResult
	// Schedule holds the shifts of the PageWeeks weeks from the start of
	// the current week, with their status (QuerySchedule).
	Schedule render.Plan
	// Stats is the fairness report (QueryStats).
	Stats workflows.StatsResult
}

// TemporalSource is the Source that asks the rotations' workflows through c.
func TemporalSource(c client.Client) Source { return temporalSource{c} }

type temporalSource struct{ c client.Client }

// Rotations lists the running rotations' ids, sorted, through visibility.
func (s temporalSource) Rotations(ctx context.Context) ([]string, error) {
	var ids []string
	var token []byte
	for {
		resp, err := s.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: workflows.RunningQuery, NextPageToken: token, PageSize: 200})
		if err != nil {
			return nil, fmt.Errorf("list rotations: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			if id, ok := strings.CutPrefix(e.GetExecution().GetWorkflowId(), workflows.WorkflowID("")); ok && id != "" {
				ids = append(ids, id)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// Page asks the rotation's workflow its config, who is on shift, the
// schedule of the weeks shown and the fairness report.
func (s temporalSource) Page(ctx context.Context, rotation string, now time.Time) (PageData, error) {
	var d PageData
	if err := s.query(ctx, rotation, workflows.QueryConfig, &d.Config); err != nil {
		return d, err
	}
	loc, err := calendar.LoadLocation(d.Config.Rotation.Timezone)
	if err != nil {
		return d, fmt.Errorf("rotation %s: %w", rotation, err)
	}
	from := WeekStart(now, loc)
	// A day more on each side, so that the weeks are full in any
	// viewer's zone (zones are at most 26 hours apart).
	q := workflows.ScheduleQuery{From: from.AddDate(0, 0, -2), To: from.AddDate(0, 0, 7*PageWeeks+2)}
	var wg sync.WaitGroup
	var errWho, errSchedule, errStats error
	wg.Go(func() { errWho = s.query(ctx, rotation, workflows.QueryWho, &d.Who) })
	wg.Go(func() { errSchedule = s.query(ctx, rotation, workflows.QuerySchedule, &d.Schedule, q) })
	wg.Go(func() { errStats = s.query(ctx, rotation, workflows.QueryStats, &d.Stats) })
	wg.Wait()
	return d, errors.Join(errWho, errSchedule, errStats)
}

// query runs a query of the rotation's workflow into result.
func (s temporalSource) query(ctx context.Context, rotation, name string, result any, args ...any) error {
	v, err := s.c.QueryWorkflow(ctx, workflows.WorkflowID(rotation), "", name, args...)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("rotation %s: %w", rotation, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("rotation %s: query %s: %w", rotation, name, err)
	}
	if err := v.Get(result); err != nil {
		return fmt.Errorf("rotation %s: query %s: %w", rotation, name, err)
	}
	return nil
}

// WeekStart is the start of t's week (Monday 00:00) in loc.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	back := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, loc)
}
