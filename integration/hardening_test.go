package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/workflows"
)

// applyConfig starts (or configures) a rotation as `rota apply` does:
// UpdateWithStart with configure.
func applyConfig(ctx context.Context, c client.Client, rot config.Rotation, members []config.Member, in workflows.RotationInput) error {
	in.Rotation, in.Members = rot, members
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(rot.ID),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.RotationWorkflow, in)
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.Configure,
			Args:         []any{workflows.ConfigureInput{Rotation: rot, Members: members}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// continuedRuns lists the runs of a rotation's workflow that continued as new.
func continuedRuns(t *testing.T, ctx context.Context, c client.Client, rotation string) []string {
	t.Helper()
	resp, err := c.ListWorkflow(ctx, listRequest(fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus = 'ContinuedAsNew'", workflows.WorkflowID(rotation))))
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, e := range resp.GetExecutions() {
		runs = append(runs, e.GetExecution().GetRunId())
	}
	return runs
}

func loggingWorker(t *testing.T, c client.Client) worker.Worker {
	t.Helper()
	w := worker.New(c, workflows.TaskQueue, worker.Options{Interceptors: workflows.Interceptors()})
	w.RegisterWorkflow(workflows.RotationWorkflow)
	w.RegisterActivity(activities.NewLogging(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	return w
}

func parseRotation(t *testing.T, yaml, id string) (config.Rotation, []config.Member) {
	t.Helper()
	cfg, err := config.Parse(id+".yaml", []byte(yaml), "")
	if err != nil {
		t.Fatal(err)
	}
	rot, ok := cfg.Rotation(id)
	if !ok {
		t.Fatalf("no rotation %s", id)
	}
	return *rot, cfg.Members
}

// TestSignalBurstAfterOutage stops the worker, sends a burst of 20 signals
// of mixed names (and then an update), starts a worker again, and checks
// that the audit shows them applied in the order they were sent.
func TestSignalBurstAfterOutage(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, c := dialServer(t, s, 4*time.Minute)
	start := time.Now().UTC().Truncate(time.Hour)
	rot, members := parseRotation(t, fmt.Sprintf(`version: 1
members: [{id: ann}, {id: ben}, {id: cat}, {id: dan}]
rotations:
  - id: burst
    timezone: UTC
    start: %s
    shift: 1h
    strategy: queue
    members: [ann, ben, cat, dan]
    plan_ahead: 1d
    notify_before: 1h
`, start.Format("2006-01-02T15:04")), "burst")
	w1 := loggingWorker(t, c)
	if err := applyConfig(ctx, c, rot, members, workflows.RotationInput{}); err != nil {
		w1.Stop()
		t.Fatal(err)
	}
	shifts := scheduleOf(t, ctx, c, "burst", start.Add(2*time.Hour), start.Add(8*time.Hour))
	w1.Stop()
	// Let the server drop the stopped worker's last long polls, so that no
	// workflow task is handed to it while the burst arrives.
	time.Sleep(3 * time.Second)
	if len(shifts) < 6 {
		t.Fatalf("planned %+v", shifts)
	}
	for _, sh := range shifts {
		if len(sh.Assignees) != 1 {
			t.Fatalf("shift %+v", sh)
		}
	}
	at := func(i int) time.Time { return start.Add(time.Duration(30+i) * time.Hour) }
	a, b := shifts[0], shifts[1]
	other := func(sh int) string {
		for _, m := range []string{"ann", "ben", "cat", "dan"} {
			if !slices.Contains(shifts[sh].Assignees, m) {
				return m
			}
		}
		return ""
	}
	type sig struct {
		name string
		arg  any
	}
	burst := []sig{
		{workflows.Resume, workflows.ResumeInput{}}, // rejected: not paused
		{workflows.Pause, workflows.PauseInput{Reason: "p1"}},
		{workflows.Cover, workflows.CoverInput{Shift: shifts[2].ID, Member: shifts[2].Assignees[0], By: other(2)}},
		{workflows.Unavailable, workflows.UnavailableInput{Member: "ann", From: at(1), To: at(2), Reason: "u1"}},
		{workflows.Swap, workflows.SwapInput{ShiftA: a.ID, MemberA: a.Assignees[0], ShiftB: b.ID, MemberB: b.Assignees[0]}},
		{workflows.Available, workflows.AvailableInput{Member: "ann", From: at(1), To: at(2)}},
		{workflows.Resume, workflows.ResumeInput{}},
		{workflows.Pause, workflows.PauseInput{Reason: "p2"}},
		{"frobnicate", map[string]int{"n": 9}},
		{workflows.Assign, workflows.AssignInput{Shift: shifts[4].ID, Members: []string{other(4)}}},
		{workflows.Unavailable, workflows.UnavailableInput{Member: "ben", From: at(3), To: at(4), Reason: "u2"}},
		{workflows.Pause, workflows.PauseInput{Reason: "p3"}}, // rejected: already paused
		{workflows.Resume, workflows.ResumeInput{}},
		{workflows.Cover, workflows.CoverInput{Shift: shifts[5].ID, Member: "zed", By: "ann"}}, // rejected
		{workflows.Available, workflows.AvailableInput{Member: "ben", From: at(3), To: at(4)}},
		{workflows.Swap, "not an object"}, // rejected
		{workflows.Pause, workflows.PauseInput{Reason: "p4"}},
		{workflows.LeaveShift, workflows.LeaveShiftInput{Shift: shifts[3].ID, Member: shifts[3].Assignees[0], Reason: "l1"}},
		{workflows.Resume, workflows.ResumeInput{}},
		{workflows.Pause, workflows.PauseInput{Reason: "p5"}},
	}
	for _, sg := range burst {
		if err := c.SignalWorkflow(ctx, workflows.WorkflowID("burst"), "", sg.name, sg.arg); err != nil {
			t.Fatal(err)
		}
	}
	// An update sent after the burst, while no worker runs, waits for one.
	upd := make(chan error, 1)
	go func() {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.WorkflowID("burst"), UpdateName: workflows.Resume,
			Args: []any{workflows.ResumeInput{}}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		upd <- err
	}()
	time.Sleep(2 * time.Second)
	w2 := loggingWorker(t, c)
	defer w2.Stop()
	if err := <-upd; err != nil {
		t.Fatalf("resume update after the burst: %v", err)
	}

	var audit []workflows.AuditEntry
	waitFor(t, "the burst in the audit", 30*time.Second, func() bool {
		queryInto(t, ctx, c, "burst", workflows.QueryAudit, &audit)
		return len(audit) >= len(burst)+2
	})
	// The burst reached the workflow as one workflow task (the case where
	// the SDK's channels alone lose the order): no task started between
	// the first signal and the last.
	desc, err := c.DescribeWorkflowExecution(ctx, workflows.WorkflowID("burst"), "")
	if err != nil {
		t.Fatal(err)
	}
	signals, tasksBetween := 0, 0
	it := c.GetWorkflowHistory(ctx, workflows.WorkflowID("burst"), desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			signals++
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			if signals > 0 && signals < len(burst) {
				tasksBetween++
			}
		}
	}
	if signals != len(burst) {
		t.Errorf("%d signals in the history, want %d", signals, len(burst))
	}
	if tasksBetween != 0 {
		// A poll of the stopped worker still in flight can be handed a
		// task: the order above is what counts, but say so.
		t.Logf("note: %d workflow task(s) started among the signals (a stopping worker's last poll); the rest came in one task", tasksBetween)
	} else {
		t.Logf("the %d signals reached the workflow in one workflow task", signals)
	}

	var got, want []string
	for _, e := range audit[1:] { // after the configure
		got = append(got, e.Operation+"/"+e.Via)
	}
	for _, sg := range burst {
		want = append(want, sg.name+"/signal")
	}
	want = append(want, workflows.Resume+"/update")
	if !slices.Equal(got, want) {
		t.Errorf("audit order\n got %q\nwant %q", got, want)
	}
	// The pauses and resumes alternate as sent: the last word is the update's resume.
	var cfg workflows.ConfigResult
	queryInto(t, ctx, c, "burst", workflows.QueryConfig, &cfg)
	if cfg.Paused {
		t.Errorf("rotation paused (%s): the burst was reordered", cfg.PauseReason)
	}
	for i, e := range audit[1:] {
		if i < len(burst) && burst[i].name == workflows.Pause && strings.Contains(e.Input, "p3") == e.Accepted {
			t.Errorf("pause %q accepted=%v: %s", e.Input, e.Accepted, e.Reason)
		}
	}
	accepted := 0
	for _, e := range audit {
		if e.Accepted {
			accepted++
		}
	}
	t.Logf("%d audit entries, %d accepted", len(audit), accepted)
}

// historyStats counts the events and their bytes in a run's history that
// fall in [from, to) (all of them for zero times), and the largest event
// but a continue-as-new.
func historyStats(t *testing.T, ctx context.Context, c client.Client, id, run string, from, to time.Time) (events, bytes, largest int, kinds map[string]int) {
	t.Helper()
	kinds = map[string]int{}
	it := c.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		size := proto.Size(ev)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			// The continue-as-new input, which the next run starts with,
			// is the state: measured apart.
		default:
			largest = max(largest, size)
		}
		if at := ev.GetEventTime().AsTime(); !from.IsZero() && (at.Before(from) || !at.Before(to)) {
			continue
		}
		events++
		bytes += size
		kinds[strings.TrimPrefix(ev.GetEventType().String(), "EVENT_TYPE_")]++
	}
	return events, bytes, largest, kinds
}

func lastEvent(t *testing.T, ctx context.Context, c client.Client, id, run string) *historypb.HistoryEvent {
	t.Helper()
	var last *historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		last = ev
	}
	return last
}

// TestHistoryPerShift measures, on a real server, the history a rotation
// writes per shift with every side effect configured (direct messages,
// channel posts, user group, topic, pager, calendars; the logging
// implementations), with deadlines aligned as a daily rotation's are
// (notice and planning at a handoff). It also starts a rotation of
// 15-minute shifts with plan_ahead 28d and checks that no payload of its
// history, the continue-as-new input included, comes near Temporal's 2 MB
// limit. The figures are in the README.
func TestHistoryPerShift(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, c := dialServer(t, s, 45*time.Minute)
	w := loggingWorker(t, c)
	defer w.Stop()

	now := time.Now().UTC()
	start := now.Truncate(time.Minute).Add(-2 * time.Minute)
	const team = `version: 1
members:
  - {id: ann, name: Ann, slack: U01, email: ann@example.com, timezone: Europe/London, opsgenie: ann@example.com}
  - {id: ben, name: Ben, slack: U02, email: ben@example.com, timezone: America/New_York, opsgenie: ben@example.com}
  - {id: cat, name: Cat, slack: U03, email: cat@example.com, timezone: Asia/Kolkata, opsgenie: cat@example.com}
  - {id: dan, name: Dan, slack: U04, email: dan@example.com, timezone: Europe/Berlin, opsgenie: dan@example.com}
  - {id: eve, name: Eve, slack: U05, email: eve@example.com, timezone: Europe/London, opsgenie: eve@example.com}
  - {id: fay, name: Fay, slack: U06, email: fay@example.com, timezone: Europe/London, opsgenie: fay@example.com}
  - {id: gus, name: Gus, slack: U07, email: gus@example.com, timezone: Europe/London, opsgenie: gus@example.com}
rotations:
  - id: ID
    name: Platform on-call
    timezone: UTC
    start: START
    shift: SHIFT
    strategy: fair
    min_rest: REST
    members: [ann, ben, cat, dan, eve, fay, gus]
    plan_ahead: AHEAD
    notify_before: NOTIFY
    duties: |
      - watch the alerts and the error budget
      - write the handover note at the end of the shift
    slack: {channel: C0PLATFORM, usergroup: S0ONCALL, topic: true}
    PAGER
`
	yaml := func(id, shift, rest, ahead, notify string) string {
		return strings.NewReplacer("ID", id, "START", start.Format("2006-01-02T15:04"), "SHIFT", shift,
			"REST", rest, "AHEAD", ahead, "NOTIFY", notify, "PAGER", "opsgenie: {schedule: platform}").Replace(team)
	}
	// daily has every effect but the pager; paged has the pager too (its
	// sync and drift check).
	daily, members := parseRotation(t, strings.Replace(yaml("daily", "1m", "1m", "2m", "1m"), "opsgenie: {schedule: platform}", "", 1), "daily")
	if err := applyConfig(ctx, c, daily, members, workflows.RotationInput{}); err != nil {
		t.Fatal(err)
	}
	paged, members := parseRotation(t, yaml("paged", "1m", "1m", "2m", "1m"), "paged")
	if err := applyConfig(ctx, c, paged, members, workflows.RotationInput{}); err != nil {
		t.Fatal(err)
	}
	short, members := parseRotation(t, yaml("short", "15m", "15m", "28d", "1h"), "short")
	if err := applyConfig(ctx, c, short, members, workflows.RotationInput{MaxHistoryLength: 50}); err != nil {
		t.Fatal(err)
	}

	// The 15-minute rotation continues as new once its planning has filled
	// the history past 50 events (at once), and again once its first
	// calendar publication (10 s after the configure) has brought the
	// feed's events into the state: the largest payloads of both runs.
	var runs []string
	waitFor(t, "the continue-as-new of rotation short", time.Minute, func() bool {
		return len(continuedRuns(t, ctx, c, "short")) > 0
	})
	// Then, once it has published, signals that change nothing fill the
	// history of its second run: it continues as new with the feed.
	time.Sleep(15 * time.Second)
	for i := range 30 {
		from := now.Add(time.Duration(100+i) * 24 * time.Hour)
		if err := c.SignalWorkflow(ctx, workflows.WorkflowID("short"), "", workflows.Available,
			workflows.AvailableInput{Member: "ann", From: from, To: from.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a second continue-as-new of rotation short", time.Minute, func() bool {
		runs = continuedRuns(t, ctx, c, "short")
		return len(runs) >= 2
	})
	largestShort, canInput := 0, 0
	for _, run := range runs {
		_, _, largest, _ := historyStats(t, ctx, c, workflows.WorkflowID("short"), run, time.Time{}, time.Time{})
		can := lastEvent(t, ctx, c, workflows.WorkflowID("short"), run)
		largestShort = max(largestShort, largest)
		canInput = max(canInput, proto.Size(can.GetWorkflowExecutionContinuedAsNewEventAttributes().GetInput()))
	}
	t.Logf("15-minute shifts, plan_ahead 28d, over %d runs: largest event %d bytes; largest continue-as-new input (the state: %d planned shifts and their feed events) %d bytes; limit 2 MB", len(runs), largestShort, 28*24*4, canInput)
	if largestShort > 256<<10 || canInput > 1<<20 {
		t.Errorf("largest event %d bytes, continue-as-new input %d bytes: want far below 2 MB", largestShort, canInput)
	}

	// Measure from the second handoff after the start, over 4 shifts (a
	// month of one-minute shifts with ROTA_HISTORY_SHIFTS=30).
	first := now.Truncate(time.Minute).Add(2 * time.Minute)
	shifts := 4
	if n, err := strconv.Atoi(os.Getenv("ROTA_HISTORY_SHIFTS")); err == nil && n > 0 {
		shifts = n
	}
	end := first.Add(time.Duration(shifts) * time.Minute)
	sleepUntil(end.Add(5 * time.Second))
	for _, r := range []struct {
		id, what          string
		maxEvents, maxKiB float64
	}{
		{"daily", "every effect configured but the pager", 15, 6},
		{"paged", "every effect configured, the pager too", 22, 7},
	} {
		desc, err := c.DescribeWorkflowExecution(ctx, workflows.WorkflowID(r.id), "")
		if err != nil {
			t.Fatal(err)
		}
		events, bytes, largest, kinds := historyStats(t, ctx, c, workflows.WorkflowID(r.id), desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), first.Add(-time.Second), end.Add(-time.Second))
		perShift, bytesPerShift := float64(events)/float64(shifts), float64(bytes)/float64(shifts)
		t.Logf("daily-like rotation, %s: %.1f events and %.0f bytes of history per shift over %d shifts (largest event %d bytes); events: %v",
			r.what, perShift, bytesPerShift, shifts, largest, kinds)
		if perShift > r.maxEvents || bytesPerShift > r.maxKiB*1024 {
			t.Errorf("%s: %.1f events and %.0f bytes per shift, want at most %.0f and %.0f KB", r.id, perShift, bytesPerShift, r.maxEvents, r.maxKiB)
		}
	}
}

// TestShowAgreesWithPlan applies a rotation whose start was three weeks
// ago: `rota show` (the running workflow) and `rota plan` (offline, from
// the config alone) give the same assignees for every shift of the next
// eight weeks, and still do once the rotation has continued as new and
// been applied again.
func TestShowAgreesWithPlan(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, c := dialServer(t, s, 3*time.Minute)
	w := loggingWorker(t, c)
	defer w.Stop()

	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -21).Add(9 * time.Hour)
	yaml := fmt.Sprintf(`version: 1
members:
  - {id: ann}
  - {id: ben}
  - {id: cat}
  - {id: dan}
  - {id: eve}
rotations:
  - id: late
    timezone: UTC
    start: %s
    shift: 1d
    strategy: fair
    min_rest: 1d
    members: [ann, ben, cat, dan, eve]
    plan_ahead: 14d
    notify_before: 2d
`, start.Format("2006-01-02T15:04"))
	path := t.TempDir() + "/late.yaml"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rot, members := parseRotation(t, yaml, "late")
	// Started as rota apply does, with a short history limit so that it
	// continues as new soon.
	if err := applyConfig(ctx, c, rot, members, workflows.RotationInput{MaxHistoryLength: 40}); err != nil {
		t.Fatal(err)
	}
	type shift struct {
		ID        string   `json:"id"`
		Status    string   `json:"status"`
		Assignees []string `json:"assignees"`
	}
	compare := func(when string) {
		t.Helper()
		from := time.Now().UTC().Format(time.RFC3339)
		code, out := rotaCLI(t, s, "show", "late", "--from", from, "--weeks", "8", "--format", "json")
		if code != 0 {
			t.Fatalf("rota show: exit %d\n%s", code, out)
		}
		var live struct{ Shifts []shift }
		if err := json.Unmarshal([]byte(out), &live); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		code, out = rotaCLI(t, s, "plan", "-f", path, "--rotation", "late", "--from", from, "--weeks", "9", "--format", "json")
		if code != 0 {
			t.Fatalf("rota plan: exit %d\n%s", code, out)
		}
		var offline struct{ Shifts []shift }
		if err := json.Unmarshal([]byte(out), &offline); err != nil {
			t.Fatal(err)
		}
		byID := map[string][]string{}
		for _, sh := range offline.Shifts {
			byID[sh.ID] = sh.Assignees
		}
		statuses := map[string]int{}
		for _, sh := range live.Shifts {
			statuses[sh.Status]++
			want, ok := byID[sh.ID]
			if !ok || !slices.Equal(want, sh.Assignees) {
				t.Errorf("%s: %s %s %v, rota plan gives %v", when, sh.ID, sh.Status, sh.Assignees, want)
			}
		}
		if len(live.Shifts) < 8*7 {
			t.Errorf("%s: rota show has %d shifts in 8 weeks", when, len(live.Shifts))
		}
		t.Logf("%s: %d shifts agree (%v)", when, len(live.Shifts), statuses)
	}
	compare("applied three weeks after its start")

	// Signals that change nothing (available with no unavailability) grow
	// the history past its limit: the rotation continues as new.
	for i := range 12 {
		from := time.Now().Add(time.Duration(100+i) * 24 * time.Hour)
		if err := c.SignalWorkflow(ctx, workflows.WorkflowID("late"), "", workflows.Available,
			workflows.AvailableInput{Member: "ann", From: from, To: from.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, "a continue-as-new", time.Minute, func() bool { return len(continuedRuns(t, ctx, c, "late")) > 0 })
	if code, out := rotaCLI(t, s, "apply", "-f", path); code != 0 {
		t.Fatalf("rota apply again: exit %d\n%s", code, out)
	}
	compare("after a continue-as-new and rota apply")

	// A config change, previewed: eve leaves. The diff names the final
	// shifts kept and the forecast ones that change hands, none to eve.
	smaller := strings.Replace(yaml, "members: [ann, ben, cat, dan, eve]", "members: [ann, ben, cat, dan]", 1)
	if err := os.WriteFile(path, []byte(smaller), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := rotaCLI(t, s, "apply", "-f", path, "--dry-run")
	if code != 0 || !strings.Contains(out, "never rewrites them") || !strings.Contains(out, "change") || !strings.Contains(out, "dry run: nothing applied") {
		t.Errorf("rota apply --dry-run: exit %d\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "~") && strings.HasSuffix(line, "-> eve") {
			t.Errorf("a shift goes to eve, who leaves: %s", line)
		}
	}
	t.Logf("rota apply --dry-run:\n%s", out)

	// The same command run again (as after a timeout) gets the first
	// answer: the update id is derived from the request.
	if code, out := rotaCLI(t, s, "pause", "late", "--reason", "drill"); code != 0 || strings.Contains(out, "this is its answer") {
		t.Fatalf("rota pause: exit %d\n%s", code, out)
	}
	code, out = rotaCLI(t, s, "pause", "late", "--reason", "drill")
	if code != 0 || !strings.Contains(out, "the same pause was sent") || !strings.Contains(out, "not applied again") {
		t.Errorf("rota pause again: exit %d, want the first answer\n%s", code, out)
	}
	var audit []workflows.AuditEntry
	queryInto(t, ctx, c, "late", workflows.QueryAudit, &audit)
	pauses := 0
	for _, e := range audit {
		if e.Operation == workflows.Pause {
			pauses++
		}
	}
	if pauses != 1 {
		t.Errorf("%d pauses in the audit, want 1", pauses)
	}
}
