package workflows

import (
	"context"
	"errors"
	"fmt"
	"github.com/stretchr/testify/mock"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/feed"
)

// call is one side effect seen by the recorder.
type call struct {
	Kind    string // dm, announce, usergroup, topic, publish, pager
	Key     string
	At      time.Time // simulated time of the call
	To      string    // member or channel
	Text    string
	Members []string
	Shift   engine.Shift
	Feed    feed.Rotation // publish: the feed published
}

// recorder is a fake Notifier, CalendarPublisher and Pager that records
// every call with the simulated time.
type recorder struct {
	mu    sync.Mutex
	now   func() time.Time
	calls []call
	// fail, when set, decides whether a call fails (it is then not
	// recorded, but counted in failed).
	fail   func(kind string, at time.Time) error
	failed map[string]int
	// calendars, when set, also gets every publication (a real store).
	calendars activities.CalendarPublisher
	// notifier, when set, sends the notices instead of the recorder;
	// pagers, when set, are the pagers instead of the recorder.
	notifier  activities.Notifier
	pagers    []activities.Pager
	overrides []activities.PagerOverride
	// watch, when set, is what WatchPager answers.
	watch func(activities.WatchInput) activities.WatchResult
}

func (r *recorder) add(c call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.At = r.now()
	if r.fail != nil {
		if err := r.fail(c.Kind, c.At); err != nil {
			if r.failed == nil {
				r.failed = map[string]int{}
			}
			r.failed[c.Kind]++
			return err
		}
	}
	r.calls = append(r.calls, c)
	return nil
}

func (r *recorder) all(kind string) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if kind == "" || c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

func memberIDs(ms []config.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func (r *recorder) DirectMessage(ctx context.Context, m config.Member, msg activities.Message, p activities.Post) (activities.Posted, error) {
	return activities.Posted{}, r.add(call{Kind: "dm", Key: p.Key, To: m.ID, Text: msg.Text()})
}
func (r *recorder) Announce(ctx context.Context, channel string, msg activities.Message, p activities.Post) (activities.Posted, error) {
	return activities.Posted{}, r.add(call{Kind: "announce", Key: p.Key, To: channel, Text: msg.Text()})
}
func (r *recorder) SetUsergroup(ctx context.Context, group string, ms []config.Member, key string) error {
	return r.add(call{Kind: "usergroup", Key: key, To: group, Members: memberIDs(ms)})
}
func (r *recorder) SetTopic(ctx context.Context, channel, topic, key string) error {
	return r.add(call{Kind: "topic", Key: key, To: channel, Text: topic})
}
func (r *recorder) Publish(ctx context.Context, f feed.Rotation, key string) error {
	if err := r.add(call{Kind: "publish", Key: key, To: f.ID, Feed: f}); err != nil || r.calendars == nil {
		return err
	}
	return r.calendars.Publish(ctx, f, key)
}

// The recorder is also an Opsgenie-like pager (aliases chosen by rota)
// that keeps its overrides; each Put is a "pager" call whose Shift holds
// the override (the user in Assignees).
func (r *recorder) Name() string { return "opsgenie" }
func (r *recorder) Alias(rotation, shift string, seat int) string {
	return activities.OverrideAlias(rotation, shift, seat)
}
func (r *recorder) User(ctx context.Context, m config.Member) (string, error) { return m.ID, nil }
func (r *recorder) Overrides(ctx context.Context, schedule, rotation string, from, to time.Time, known []string) ([]activities.PagerOverride, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []activities.PagerOverride
	for _, o := range r.overrides {
		if o.End.After(from) && o.Start.Before(to) && strings.HasPrefix(o.ID, activities.AliasPrefix(rotation)) {
			out = append(out, o)
		}
	}
	return out, nil
}
func (r *recorder) Put(ctx context.Context, schedule, rotation string, o activities.PagerOverride) (string, error) {
	o.ID = activities.OverrideAlias(rotation, o.Shift, o.Seat)
	if err := r.add(call{Kind: "pager", Key: o.ID, To: schedule, Shift: engine.Shift{ID: o.Shift, Start: o.Start, End: o.End, Assignees: []string{o.User}},
		Members: []string{o.User}}); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.overrides = slices.DeleteFunc(r.overrides, func(x activities.PagerOverride) bool { return x.ID == o.ID })
	r.overrides = append(r.overrides, o)
	return o.ID, nil
}
func (r *recorder) Delete(ctx context.Context, schedule string, o activities.PagerOverride) error {
	if err := r.add(call{Kind: "pager-delete", Key: o.ID, To: schedule}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.overrides = slices.DeleteFunc(r.overrides, func(x activities.PagerOverride) bool { return x.ID == o.ID })
	return nil
}
func (r *recorder) OnCall(ctx context.Context, schedule string, t time.Time) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, o := range r.overrides {
		if !o.Start.After(t) && t.Before(o.End) {
			out = append(out, o.User)
		}
	}
	return out, nil
}

var quiet = slog.New(slog.DiscardHandler)

// newEnv returns a test environment starting at start, with the real
// activities over rec.
func newEnv(t *testing.T, rec *recorder, start time.Time) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(quiet))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: Interceptors()})
	env.SetStartTime(start)
	env.SetTestTimeout(2 * time.Minute)
	env.RegisterWorkflow(RotationWorkflow)
	var n activities.Notifier = rec
	if rec.notifier != nil {
		n = rec.notifier
	}
	pagers := []activities.Pager{rec}
	if rec.pagers != nil {
		pagers = rec.pagers
	}
	acts := &activities.Activities{Notifier: n, Calendars: rec, Pagers: pagers, Logger: quiet}
	env.RegisterActivity(acts)
	// WatchPager waits in real time, which the test environment does not
	// skip: here it makes its one check at once, and returns.
	env.OnActivity(acts.WatchPager, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.WatchInput) (activities.WatchResult, error) {
			if rec.watch != nil {
				return rec.watch(in), nil
			}
			return activities.WatchResult{}, nil
		})
	rec.mu.Lock()
	rec.now = env.Now
	rec.mu.Unlock()
	return env
}

// scenario loads workflows/testdata/sre-24h.yaml (a copy of
// shared/scenarios/sre-24h.yaml) and returns rotation id, ending after
// weeks weeks, with Slack and Opsgenie set so that every side effect runs.
func scenario(t *testing.T, id string, weeks int) (config.Rotation, []config.Member) {
	t.Helper()
	cfg, err := config.Load(filepath.Join("testdata", "sre-24h.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rot, ok := cfg.Rotation(id)
	if !ok {
		t.Fatalf("no rotation %s", id)
	}
	r := *rot
	if weeks > 0 {
		end := calendar.DateTime{Date: r.Start.Date.AddDays(7 * weeks), Hour: r.Start.Hour, Minute: r.Start.Minute}
		r.End = &end
	}
	r.Slack = &config.Slack{Channel: "C-SRE", Usergroup: "S-ONCALL", Topic: true}
	r.Opsgenie = &config.PagerSchedule{Schedule: "sre-schedule"}
	r.Duties = "- watch the alerts\n- write the handover note"
	return r, cfg.Members
}

func startOf(t *testing.T, rot *config.Rotation) time.Time {
	t.Helper()
	loc, err := rot.Location()
	if err != nil {
		t.Fatal(err)
	}
	return rot.Start.In(loc)
}

// batch plans rot from its start up to until in one go, as `rota plan` does.
func batch(t *testing.T, rot config.Rotation, members []config.Member, until time.Time) (*engine.Planner, *engine.State) {
	t.Helper()
	p, err := engine.New(&rot, members)
	if err != nil {
		t.Fatal(err)
	}
	st := p.NewState(startOf(t, &rot))
	p.PlanUntil(st, until)
	return p, st
}

// at is something to do at a simulated time, across runs.
type at struct {
	when time.Time
	fn   func(env *testsuite.TestWorkflowEnvironment)
	done bool
}

// runAll executes the workflow from start, following continue-as-new into
// fresh environments until it completes, is canceled or fails. It returns
// the number of runs and the last error (nil when it completed).
func runAll(t *testing.T, rec *recorder, start time.Time, in RotationInput, steps []*at, setup ...func(*testsuite.TestWorkflowEnvironment)) (int, error) {
	t.Helper()
	for run := 1; ; run++ {
		env := newEnv(t, rec, start)
		for _, f := range setup {
			f(env)
		}
		for _, s := range steps {
			if s.done || s.when.Before(start) {
				continue
			}
			env.RegisterDelayedCallback(func() {
				s.done = true
				s.fn(env)
			}, s.when.Sub(start))
		}
		env.ExecuteWorkflow(RotationWorkflow, in)
		if !env.IsWorkflowCompleted() {
			t.Fatal("workflow did not complete")
		}
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if !errors.As(err, &can) {
			return run, err
		}
		in = RotationInput{}
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
			t.Fatal(err)
		}
		if in.State == nil {
			t.Fatal("continue-as-new without state")
		}
		start = env.Now()
	}
}

func query[T any](t *testing.T, env *testsuite.TestWorkflowEnvironment, name string, args ...any) T {
	t.Helper()
	v, err := env.QueryWorkflow(name, args...)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	var out T
	if err := v.Get(&out); err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	return out
}

// outcome is the outcome of an update, filled in as the workflow handles it.
type outcome struct {
	accepted, completed bool
	rejected, failed    error
	change              engine.Change
	answeredAt          *time.Time // Answer.AnsweredAt
	at                  time.Time  // simulated time of the answer
}

var updates int // numbers update ids

// update sends an update; its outcome is known once the workflow ran.
func update(env *testsuite.TestWorkflowEnvironment, name string, arg any) *outcome {
	updates++
	return updateWithID(env, name, fmt.Sprintf("%s-%d", name, updates), arg)
}

// updateWithID sends an update with the given update id.
func updateWithID(env *testsuite.TestWorkflowEnvironment, name, id string, arg any) *outcome {
	o := &outcome{}
	env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.rejected = err },
		OnComplete: func(v any, err error) {
			o.completed, o.failed, o.at = true, err, env.Now()
			switch c := v.(type) {
			case Answer:
				o.change, o.answeredAt = c.Change, c.AnsweredAt
			case converter.EncodedValue:
				var a Answer
				_ = c.Get(&a)
				o.change, o.answeredAt = a.Change, a.AnsweredAt
			}
		},
	}, arg)
	return o
}

func hasPrefix(s, prefix string) bool { return strings.HasPrefix(s, prefix) }

// pagerCalls are the pager overrides put for a shift.
func pagerCalls(rec *recorder, shift string) []call {
	var out []call
	for _, c := range rec.all("pager") {
		if c.Shift.ID == shift {
			out = append(out, c)
		}
	}
	return out
}
