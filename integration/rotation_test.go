package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// call is one call to the notifier, as the service behind it would see it.
type call struct {
	Method  string
	Target  string // member, channel or user group
	Key     string
	Members []string // SetUsergroup
	At      time.Time
}

// recorder is a Notifier that records every call: what Slack would get.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

func (r *recorder) add(c call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.At = time.Now()
	r.calls = append(r.calls, c)
	return nil
}

func (r *recorder) DirectMessage(_ context.Context, m config.Member, _ activities.Message, p activities.Post) (activities.Posted, error) {
	return activities.Posted{}, r.add(call{Method: "DirectMessage", Target: m.ID, Key: p.Key})
}

func (r *recorder) Announce(_ context.Context, channel string, _ activities.Message, p activities.Post) (activities.Posted, error) {
	return activities.Posted{}, r.add(call{Method: "Announce", Target: channel, Key: p.Key})
}

func (r *recorder) SetUsergroup(_ context.Context, group string, ms []config.Member, key string) error {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return r.add(call{Method: "SetUsergroup", Target: group, Key: key, Members: ids})
}

func (r *recorder) SetTopic(_ context.Context, channel, _, key string) error {
	return r.add(call{Method: "SetTopic", Target: channel, Key: key})
}

func (r *recorder) snapshot() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// handoff returns the user group call of the first handoff of shift id.
func (r *recorder) handoff(id string) (call, bool) {
	for _, c := range r.snapshot() {
		if c.Key == id+"/handoff/usergroup" {
			return c, true
		}
	}
	return call{}, false
}

// startWorker runs a worker in this process with the real workflow and
// activities, and the recorder as the notifier.
func startWorker(t *testing.T, c client.Client, rec *recorder) worker.Worker {
	t.Helper()
	w := worker.New(c, workflows.TaskQueue, worker.Options{Interceptors: workflows.Interceptors()})
	w.RegisterWorkflow(workflows.RotationWorkflow)
	w.RegisterActivity(&activities.Activities{
		Notifier: rec,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	return w
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

func shiftID(rotation string, start time.Time) string {
	return rotation + "/main/" + start.UTC().Format(time.RFC3339)
}

// teamYAML is a rotation of one-minute shifts (the engine's shortest) that
// started two minutes ago, announced in Slack so that every handoff leaves
// keyed calls in the recorder.
func teamYAML(rotation string, start time.Time) string {
	return fmt.Sprintf(`version: 1
members:
  - {id: ann, name: Ann}
  - {id: ben, name: Ben}
  - {id: cat, name: Cat}
  - {id: dan, name: Dan}
rotations:
  - id: %s
    timezone: UTC
    start: %s
    shift: 1m
    strategy: queue
    members: [ann, ben, cat, dan]
    plan_ahead: 2m
    notify_before: 30s
    slack: {channel: C-IT, usergroup: S-IT, topic: true}
`, rotation, start.UTC().Format("2006-01-02T15:04"))
}

// TestRotationSurvivesWorkerRestart runs two rotations of one-minute shifts
// on a real server through at least three real handoffs, with the worker
// stopped over one of them and a new worker started after it:
//
//   - rotation A is started with `rota apply` (UpdateWithStart) and driven
//     with the rota CLI (who, list, cover, unavailable, a rejected update);
//   - rotation B is started with MaxShiftsPerRun 2, so it continues as new
//     every two shifts, carrying its state across runs;
//
// and checks that every shift is assigned exactly once, every handoff
// happened (the one due while no worker ran, late), and no idempotency key
// reached the notifier twice.
func TestRotationSurvivesWorkerRestart(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	build(t, "./cmd/starter") // now, not while the clock runs
	ctx, c := dialServer(t, s, 6*time.Minute)

	rec := &recorder{}
	defer func() {
		if t.Failed() {
			for _, r := range []string{"it-a", "it-b"} {
				logHistory(t, context.Background(), c, r)
			}
		}
	}()
	w1 := startWorker(t, c, rec)
	stopped := false
	defer func() {
		if !stopped {
			w1.Stop()
		}
	}()

	now := time.Now().UTC()
	start := now.Truncate(time.Minute).Add(-2 * time.Minute)
	b1 := now.Truncate(time.Minute).Add(time.Minute) // the first handoff after the rotations start
	if time.Until(b1) < 8*time.Second {
		b1 = b1.Add(time.Minute) // too close to apply and watch it: take the next one
	}
	b2, b3, b4 := b1.Add(time.Minute), b1.Add(2*time.Minute), b1.Add(3*time.Minute)
	rotA, rotB := "it-a", "it-b"

	// Rotation A through the CLI: new, then unchanged.
	dir := t.TempDir()
	cfgA := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(cfgA, []byte(teamYAML(rotA, start)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := rotaCLI(t, s, "apply", "-f", cfgA)
	if code != 0 || !strings.Contains(out, rotA+": new rotation") || !strings.Contains(out, "started workflow rota/"+rotA) {
		t.Fatalf("rota apply: exit %d\n%s", code, out)
	}
	if code, out := rotaCLI(t, s, "apply", "-f", cfgA); code != 0 || !strings.Contains(out, rotA+": unchanged") {
		t.Errorf("rota apply again: exit %d\n%s", code, out)
	}

	// Rotation B through the SDK, continuing as new every two shifts.
	cfgB, err := config.Parse("b.yaml", []byte(teamYAML(rotB, start)), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WorkflowID(rotB), TaskQueue: workflows.TaskQueue},
		workflows.RotationWorkflow, workflows.RotationInput{Rotation: cfgB.Rotations[0], Members: cfgB.Members, MaxShiftsPerRun: 2}); err != nil {
		t.Fatal(err)
	}

	// The shift running at the start is handed off at once.
	b0 := b1.Add(-time.Minute)
	for _, r := range []string{rotA, rotB} {
		waitFor(t, "the first handoff of "+r, 30*time.Second, func() bool { _, ok := rec.handoff(shiftID(r, b0)); return ok })
	}
	if code, out := rotaCLI(t, s, "who", rotA, "--format", "json"); code != 0 || !strings.Contains(out, `"on_call": [`) {
		t.Errorf("rota who: exit %d\n%s", code, out)
	}
	if code, out := rotaCLI(t, s, "edit-typo"); code != 2 {
		t.Errorf("unknown command: exit %d\n%s", code, out)
	}

	// Handoff b1 with worker 1, then stop it.
	for _, r := range []string{rotA, rotB} {
		waitFor(t, "handoff "+shiftID(r, b1), time.Until(b1)+30*time.Second, func() bool { _, ok := rec.handoff(shiftID(r, b1)); return ok })
	}
	w1.Stop()
	stopped = true
	t.Logf("worker 1 stopped at %s; handoff %s falls due with no worker", time.Now().UTC().Format(time.TimeOnly), b2.Format(time.TimeOnly))

	// While no worker runs: a signal waits in the workflow's history.
	tomorrow := b1.Add(24 * time.Hour).Truncate(time.Hour)
	if err := c.SignalWorkflow(ctx, workflows.WorkflowID(rotA), "", workflows.Unavailable, workflows.UnavailableInput{
		Member: "dan", From: tomorrow, To: tomorrow.Add(time.Hour), Reason: "sent while no worker ran", RequestedBy: "dan",
	}); err != nil {
		t.Fatal(err)
	}

	sleepUntil(b2.Add(5 * time.Second))
	if _, ok := rec.handoff(shiftID(rotA, b2)); ok {
		t.Fatal("a handoff happened with no worker running")
	}
	w2 := startWorker(t, c, rec)
	defer w2.Stop()
	t.Logf("worker 2 started at %s", time.Now().UTC().Format(time.TimeOnly))
	for _, r := range []string{rotA, rotB} {
		waitFor(t, "the late handoff "+shiftID(r, b2), 40*time.Second, func() bool { _, ok := rec.handoff(shiftID(r, b2)); return ok })
	}

	// Operations through the CLI, as updates, before b3.
	code, out = rotaCLI(t, s, "unavailable", "ann", "--from", b3.Format(time.RFC3339), "--to", b4.Format(time.RFC3339), "--reason", "dentist", "--as", "ann")
	if code != 0 || !strings.Contains(out, rotA+": unavailable done") || !strings.Contains(out, rotB+": unavailable done") {
		t.Errorf("rota unavailable (both rotations): exit %d\n%s", code, out)
	}
	b4A := scheduleOf(t, ctx, c, rotA, b4, b4.Add(time.Second))
	if len(b4A) != 1 || b4A[0].ID != shiftID(rotA, b4) || len(b4A[0].Assignees) != 1 {
		t.Fatalf("shift %s: %+v", shiftID(rotA, b4), b4A)
	}
	was := b4A[0].Assignees[0]
	by := "ben"
	if was == by {
		by = "cat"
	}
	code, out = rotaCLI(t, s, "cover", "--shift", shiftID(rotA, b4), "--member", was, "--by", by)
	if code != 0 || !strings.Contains(out, rotA+": cover done") {
		t.Errorf("rota cover: exit %d\n%s", code, out)
	}
	code, out = rotaCLI(t, s, "cover", "--shift", shiftID(rotA, b4), "--member", by, "--by", "zed")
	if code != 1 || !strings.Contains(out, "rejected:") || !strings.Contains(out, "zed") {
		t.Errorf("rota cover by an unknown member: exit %d, want 1 with the reason\n%s", code, out)
	}

	// b3: the third real handoff since the rotations started, on time.
	for _, r := range []string{rotA, rotB} {
		waitFor(t, "handoff "+shiftID(r, b3), time.Until(b3)+30*time.Second, func() bool { _, ok := rec.handoff(shiftID(r, b3)); return ok })
	}
	time.Sleep(2 * time.Second) // let the handoff's other calls land

	calls := rec.snapshot()
	// No idempotency key reached the notifier twice.
	seen := map[string]int{}
	for _, cl := range calls {
		seen[cl.Key]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s reached the notifier %d times", k, n)
		}
	}
	for _, r := range []string{rotA, rotB} {
		shifts := scheduleOf(t, ctx, c, r, b0, b3.Add(time.Second))
		if len(shifts) != 4 {
			t.Fatalf("%s: %d shifts from %s to %s, want 4: %+v", r, len(shifts), b0, b3, shifts)
		}
		for i, sh := range shifts {
			st := b0.Add(time.Duration(i) * time.Minute)
			if sh.ID != shiftID(r, st) || !sh.Start.Equal(st) || !sh.End.Equal(st.Add(time.Minute)) {
				t.Errorf("%s: shift %d is %s %s..%s, want %s", r, i, sh.ID, sh.Start, sh.End, shiftID(r, st))
			}
			if len(sh.Assignees) != 1 {
				t.Errorf("%s: shift %s has assignees %v, want exactly one", r, sh.ID, sh.Assignees)
				continue
			}
			// Every shift was handed off exactly once, to its assignee.
			h, ok := rec.handoff(sh.ID)
			if !ok {
				t.Errorf("%s: shift %s was never handed off", r, sh.ID)
			} else if !slices.Equal(h.Members, sh.Assignees) {
				t.Errorf("%s: shift %s handed to %v, assigned to %v", r, sh.ID, h.Members, sh.Assignees)
			}
			for _, suffix := range []string{"announce", "topic"} {
				if seen[sh.ID+"/handoff/"+suffix] != 1 {
					t.Errorf("%s: shift %s: %d %s calls", r, sh.ID, seen[sh.ID+"/handoff/"+suffix], suffix)
				}
			}
			if !slices.Contains([]string{"ann", "ben", "cat", "dan"}, sh.Assignees[0]) {
				t.Errorf("%s: shift %s assigned to %s, who is not a member", r, sh.ID, sh.Assignees[0])
			}
		}
		if shifts[3].Assignees[0] == "ann" {
			t.Errorf("%s: ann serves %s though unavailable", r, shifts[3].ID)
		}
		// Every assignee was told of their shift once (b2's notice fell due
		// while no worker ran: it went out late, before the shift ended).
		for _, sh := range shifts {
			if n := seen[sh.ID+"/notify/"+sh.Assignees[0]]; n != 1 {
				t.Errorf("%s: %s was told of shift %s %d times, want once", r, sh.Assignees[0], sh.ID, n)
			}
		}
	}
	if got := scheduleOf(t, ctx, c, rotA, b4, b4.Add(time.Second)); len(got) != 1 || !slices.Equal(got[0].Assignees, []string{by}) {
		t.Errorf("after cover, %s is %+v, want %s", shiftID(rotA, b4), got, by)
	}

	// The audit log has the signal sent while no worker ran, and the updates.
	var audit []workflows.AuditEntry
	queryInto(t, ctx, c, rotA, workflows.QueryAudit, &audit)
	var ops []string
	for _, e := range audit {
		ops = append(ops, fmt.Sprintf("%s/%s/%v", e.Operation, e.Via, e.Accepted))
	}
	for _, want := range []string{"configure/update/true", "unavailable/signal/true", "unavailable/update/true", "cover/update/true"} {
		if !slices.Contains(ops, want) {
			t.Errorf("audit of %s lacks %s: %v", rotA, want, ops)
		}
	}
	if code, out := rotaCLI(t, s, "audit", rotA); code != 0 || !strings.Contains(out, "sent while no worker ran") {
		t.Errorf("rota audit: exit %d\n%s", code, out)
	}

	// Search attributes: who is on call now, and where ann is a member.
	onCall := scheduleOf(t, ctx, c, rotA, time.Now(), time.Now().Add(time.Second))
	waitFor(t, "RotaOnCall of "+rotA, 10*time.Second, func() bool {
		code, out := rotaCLI(t, s, "list", "--format", "json")
		var rows []struct {
			Rotation string   `json:"rotation"`
			OnCall   []string `json:"on_call"`
			Members  []string `json:"members"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
			return false
		}
		for _, row := range rows {
			if row.Rotation == rotA {
				return len(onCall) == 1 && slices.Equal(row.OnCall, onCall[0].Assignees) &&
					slices.Equal(row.Members, []string{"ann", "ben", "cat", "dan"})
			}
		}
		return false
	})

	// Rotation B continued as new along the way and kept its state.
	if len(continuedRuns(t, ctx, c, rotB)) == 0 {
		t.Errorf("%s never continued as new", rotB)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, workflows.WorkflowID(rotB), "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("%s: %v %v", rotB, desc.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	t.Logf("%d notifier calls (%d distinct keys); handoffs at %s, %s (late, after the restart), %s",
		len(calls), len(seen), b1.Format(time.TimeOnly), b2.Format(time.TimeOnly), b3.Format(time.TimeOnly))
}

func listRequest(q string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Query: q}
}

func scheduleOf(t *testing.T, ctx context.Context, c client.Client, rotation string, from, to time.Time) []render.Shift {
	t.Helper()
	var plan render.Plan
	queryInto(t, ctx, c, rotation, workflows.QuerySchedule, &plan, workflows.ScheduleQuery{From: from, To: to})
	return plan.Shifts
}

func queryInto(t *testing.T, ctx context.Context, c client.Client, rotation, name string, out any, args ...any) {
	t.Helper()
	v, err := c.QueryWorkflow(ctx, workflows.WorkflowID(rotation), "", name, args...)
	if err != nil {
		t.Fatalf("query %s of %s: %v", name, rotation, err)
	}
	if err := v.Get(out); err != nil {
		t.Fatalf("query %s of %s: %v", name, rotation, err)
	}
}

// logHistory writes a compact history of a rotation's workflow (every run)
// to the test log, to see what it did when a check failed.
func logHistory(t *testing.T, ctx context.Context, c client.Client, rotation string) {
	t.Helper()
	resp, err := c.ListWorkflow(ctx, listRequest(fmt.Sprintf("WorkflowId = '%s'", workflows.WorkflowID(rotation))))
	if err != nil {
		t.Logf("history of %s: %v", rotation, err)
		return
	}
	for _, e := range resp.GetExecutions() {
		var b strings.Builder
		it := c.GetWorkflowHistory(ctx, workflows.WorkflowID(rotation), e.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				fmt.Fprintf(&b, "  error: %v\n", err)
				break
			}
			detail := ""
			switch {
			case ev.GetActivityTaskScheduledEventAttributes() != nil:
				detail = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
			case ev.GetMarkerRecordedEventAttributes() != nil:
				detail = ev.GetMarkerRecordedEventAttributes().GetMarkerName()
			case ev.GetWorkflowExecutionSignaledEventAttributes() != nil:
				detail = ev.GetWorkflowExecutionSignaledEventAttributes().GetSignalName()
			case ev.GetTimerStartedEventAttributes() != nil:
				detail = ev.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration().String()
			case ev.GetWorkflowTaskFailedEventAttributes() != nil:
				detail = ev.GetWorkflowTaskFailedEventAttributes().GetFailure().GetMessage()
			case ev.GetActivityTaskFailedEventAttributes() != nil:
				detail = ev.GetActivityTaskFailedEventAttributes().GetFailure().GetMessage()
			case ev.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
				detail = ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetName()
			}
			fmt.Fprintf(&b, "  %3d %s %s %s\n", ev.GetEventId(), ev.GetEventTime().AsTime().Format("15:04:05.000"),
				strings.TrimPrefix(ev.GetEventType().String(), "EVENT_TYPE_"), detail)
		}
		t.Logf("history of %s run %s (%s):\n%s", rotation, e.GetExecution().GetRunId(), e.GetStatus(), b.String())
	}
}
