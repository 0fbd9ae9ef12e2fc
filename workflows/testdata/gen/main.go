// Command gen drives a real Temporal server through the paths production
// takes, to record the histories that workflows/replay_test.go replays.
// gen.sh runs it against a fresh dev server; see ../README.md.
//
// It runs a worker in-process (registered as cmd/worker does, with the
// logging activities behind a notifier whose first try of every channel
// post fails, so that sends are retried) and:
//
//   - starts rotation "demo" (one-minute shifts, at most three per run) as
//     `rota apply` does, with UpdateWithStart and configure;
//   - sends it signals (unavailable, available, a malformed swap, one of
//     an unknown name) and updates (cover, swap, assign, leave_shift of
//     the running shift, which hands it off again, pause and resume, and
//     two refused by their validators), and applies a changed config;
//   - waits for the continue-as-new and signals the new run;
//   - starts rotation "broken" with a config the engine refuses (planning
//     fails: the rotation is stalled, the configure refused), then applies a
//     good one.
//
// It prints one line per history to export: a file name, a workflow id and
// a run id.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

const configTemplate = `version: 1
members:
  - {id: ann, name: Ann, timezone: Europe/London}
  - {id: bob, name: Bob, timezone: America/New_York}
  - {id: cat, name: Cat}
  - {id: dan, name: Dan}
rotations:
  - id: ID
    name: Demo on-call
    timezone: UTC
    start: START
    shift: 1m
    strategy: fair
    plan_ahead: 150s
    notify_before: 1m
    members: [ann, bob, cat, dan]
    duties: |
      DUTIES
    slack: {channel: C0DEMO, usergroup: S0ONCALL, topic: true}
    opsgenie: {schedule: demo-schedule}
    admins: [ann]
`

func main() {
	address := flag.String("address", "", "Temporal frontend host:port")
	namespace := flag.String("namespace", "default", "Temporal namespace")
	freePort := flag.Bool("free-port", false, "print a free loopback TCP port and exit")
	flag.Parse()
	if *freePort {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		return
	}
	if *address == "" {
		fail(errors.New("-address is required"))
	}
	if err := run(*address, *namespace); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// flakyNotifier fails the first try of every channel post, and answers
// each post with a timestamp, as Slack does (change notices reply to them).
type flakyNotifier struct {
	activities.LogNotifier
	mu    sync.Mutex
	seen  map[string]bool
	posts int
}

func (n *flakyNotifier) ts() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.posts++
	return fmt.Sprintf("1700000000.%06d", n.posts*100)
}

func (n *flakyNotifier) Announce(ctx context.Context, channel string, msg activities.Message, p activities.Post) (activities.Posted, error) {
	n.mu.Lock()
	first := !n.seen[p.Key]
	n.seen[p.Key] = true
	n.mu.Unlock()
	if first {
		return activities.Posted{}, errors.New("slack: 503 service unavailable (first try of every post fails)")
	}
	if _, err := n.LogNotifier.Announce(ctx, channel, msg, p); err != nil {
		return activities.Posted{}, err
	}
	return activities.Posted{Channel: channel, TS: n.ts()}, nil
}

func (n *flakyNotifier) DirectMessage(ctx context.Context, m config.Member, msg activities.Message, p activities.Post) (activities.Posted, error) {
	if _, err := n.LogNotifier.DirectMessage(ctx, m, msg, p); err != nil {
		return activities.Posted{}, err
	}
	return activities.Posted{Channel: "D" + m.ID, TS: n.ts()}, nil
}

type gen struct {
	c      client.Client
	ctx    context.Context
	logger *slog.Logger
	dir    string
}

func run(address, namespace string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: address, Namespace: namespace, Logger: tlog.NewStructuredLogger(logger)})
	if err != nil {
		return err
	}
	defer c.Close()

	acts := activities.NewLogging(logger)
	acts.Notifier = &flakyNotifier{LogNotifier: activities.LogNotifier{Logger: logger}, seen: map[string]bool{}}
	w := worker.New(c, workflows.TaskQueue, worker.Options{Interceptors: workflows.Interceptors()})
	w.RegisterWorkflow(workflows.RotationWorkflow)
	w.RegisterActivity(acts)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	dir, err := os.MkdirTemp("", "rota-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	g := &gen{c: c, ctx: ctx, logger: logger, dir: dir}
	if err := g.demo(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := g.broken(); err != nil {
		return fmt.Errorf("broken: %w", err)
	}
	if err := g.ending(); err != nil {
		return fmt.Errorf("ending: %w", err)
	}
	return nil
}

// load writes the config of rotation id and loads it.
func (g *gen) load(id string, start time.Time, duties string) (config.Rotation, []config.Member, error) {
	yaml := strings.NewReplacer("ID", id, "START", start.Format("2006-01-02T15:04"), "DUTIES", duties).Replace(configTemplate)
	path := filepath.Join(g.dir, id+".yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return config.Rotation{}, nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return config.Rotation{}, nil, err
	}
	rot, _ := cfg.Rotation(id)
	return *rot, cfg.Members, nil
}

// apply starts the rotation if need be and configures it, as `rota apply`
// does; it returns the run id and the update's error.
func (g *gen) apply(rot config.Rotation, members []config.Member, maxShifts int) (string, error) {
	start := g.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(rot.ID),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.RotationWorkflow, workflows.RotationInput{Rotation: rot, Members: members, MaxShiftsPerRun: maxShifts})
	h, err := g.c.UpdateWithStartWorkflow(g.ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.Configure,
			Args:         []any{workflows.ConfigureInput{Rotation: rot, Members: members}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(g.ctx, nil)
	}
	run, rerr := start.Get(g.ctx)
	if rerr != nil {
		return "", rerr
	}
	return run.GetRunID(), err
}

// update sends an update and logs its outcome.
func (g *gen) update(id, name string, arg any) error {
	h, err := g.c.UpdateWorkflow(g.ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.WorkflowID(id), UpdateName: name, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{arg},
	})
	if err == nil {
		err = h.Get(g.ctx, nil)
	}
	g.logger.Info("update", "name", name, "error", err)
	return err
}

func (g *gen) signal(id, name string, arg any) error {
	return g.c.SignalWorkflow(g.ctx, workflows.WorkflowID(id), "", name, arg)
}

func (g *gen) schedule(id string) (render.Plan, error) {
	var plan render.Plan
	v, err := g.c.QueryWorkflow(g.ctx, workflows.WorkflowID(id), "", workflows.QuerySchedule, workflows.ScheduleQuery{})
	if err == nil {
		err = v.Get(&plan)
	}
	return plan, err
}

func (g *gen) demo() error {
	const id = "demo"
	// The rotation started two minutes ago: it begins with the shift
	// running now.
	start := time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Minute)
	rot, members, err := g.load(id, start, "- watch the dashboards")
	if err != nil {
		return err
	}
	first, err := g.apply(rot, members, 3)
	if err != nil {
		return err
	}
	g.logger.Info("started", "workflow", workflows.WorkflowID(id), "run", first)

	var plan render.Plan
	for {
		time.Sleep(2 * time.Second)
		if plan, err = g.schedule(id); err != nil {
			return err
		}
		if countStatus(plan, workflows.StatusFinal) >= 2 && countStatus(plan, workflows.StatusCurrent) == 1 {
			break
		}
	}
	var final []render.Shift
	var running render.Shift
	for _, s := range plan.Shifts {
		switch s.Status {
		case workflows.StatusFinal:
			final = append(final, s)
		case workflows.StatusCurrent:
			running = s
		}
	}
	last := final[len(final)-1]
	from, to := last.Start, last.End
	// Signals: accepted, malformed, of an unknown name.
	if err := g.signal(id, workflows.Unavailable, workflows.UnavailableInput{
		Member: last.Assignees[0], From: from, To: to, Reason: "dentist", RequestedBy: "ann",
	}); err != nil {
		return err
	}
	if err := g.signal(id, workflows.Swap, "not an object"); err != nil {
		return err
	}
	if err := g.signal(id, "frobnicate", map[string]string{"knob": "up"}); err != nil {
		return err
	}
	// Updates: a cover, one refused by its validator, a swap, an assign.
	by := "ann"
	if slices.Contains(final[0].Assignees, by) {
		by = "cat"
	}
	_ = g.update(id, workflows.Cover, workflows.CoverInput{Shift: final[0].ID, Member: final[0].Assignees[0], By: by, RequestedBy: "ann"})
	_ = g.update(id, workflows.LeaveShift, workflows.LeaveShiftInput{Shift: final[0].ID, Member: "zed", RequestedBy: "ann"})
	if plan, err = g.schedule(id); err != nil {
		return err
	}
	final = final[:0]
	for _, s := range plan.Shifts {
		if s.Status == workflows.StatusFinal {
			final = append(final, s)
		}
	}
	if a, b := final[0], final[1]; len(a.Assignees) == 1 && len(b.Assignees) == 1 && a.Assignees[0] != b.Assignees[0] {
		_ = g.update(id, workflows.Swap, workflows.SwapInput{ShiftA: a.ID, MemberA: a.Assignees[0], ShiftB: b.ID, MemberB: b.Assignees[0], RequestedBy: "ann"})
	}
	// Assign someone other than the member just made unavailable.
	pick := "bob"
	if last.Assignees[0] == pick {
		pick = "cat"
	}
	_ = g.update(id, workflows.Assign, workflows.AssignInput{Shift: final[len(final)-1].ID, Members: []string{pick}, RequestedBy: "ann"})
	if err := g.signal(id, workflows.Available, workflows.AvailableInput{Member: last.Assignees[0], From: from, To: to, RequestedBy: "ann"}); err != nil {
		return err
	}
	// The running shift is handed back: it is split and the rest is handed
	// off; then someone covers the rest, which is handed off again.
	if plan, err = g.schedule(id); err != nil {
		return err
	}
	for _, s := range plan.Shifts {
		if s.Status == workflows.StatusCurrent {
			running = s
		}
	}
	if len(running.Assignees) > 0 {
		_ = g.update(id, workflows.LeaveShift, workflows.LeaveShiftInput{Shift: running.ID, Member: running.Assignees[0], Reason: "sick", RequestedBy: "ann"})
	}
	time.Sleep(time.Second)
	if plan, err = g.schedule(id); err != nil {
		return err
	}
	for _, s := range plan.Shifts {
		if s.Status == workflows.StatusCurrent && len(s.Assignees) > 0 {
			by := "dan"
			if s.Assignees[0] == by {
				by = "bob"
			}
			_ = g.update(id, workflows.Cover, workflows.CoverInput{Shift: s.ID, Member: s.Assignees[0], By: by, RequestedBy: "ann"})
		}
	}
	// Pause: refused (not an admin), accepted; resume.
	_ = g.update(id, workflows.Pause, workflows.PauseInput{Reason: "drill", RequestedBy: "bob"})
	_ = g.update(id, workflows.Pause, workflows.PauseInput{Reason: "drill", RequestedBy: "ann"})
	_ = g.update(id, workflows.Resume, workflows.ResumeInput{RequestedBy: "ann"})
	// A changed config, applied as `rota apply` does.
	rot2, members2, err := g.load(id, start, "- watch the dashboards\n      - write the handover note")
	if err != nil {
		return err
	}
	if _, err := g.apply(rot2, members2, 3); err != nil {
		return fmt.Errorf("configure: %w", err)
	}

	// Wait for the continue-as-new.
	var second string
	for second == "" {
		time.Sleep(2 * time.Second)
		d, err := g.c.DescribeWorkflowExecution(g.ctx, workflows.WorkflowID(id), "")
		if err != nil {
			return err
		}
		if r := d.GetWorkflowExecutionInfo().GetExecution().GetRunId(); r != first {
			second = r
		}
	}
	d, err := g.c.DescribeWorkflowExecution(g.ctx, workflows.WorkflowID(id), first)
	if err != nil {
		return err
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		return fmt.Errorf("first run is %s, want continued-as-new", st)
	}
	g.logger.Info("continued as new", "run", second)

	// The new run carries the state: a signal, then a handoff.
	if err := g.c.SignalWorkflow(g.ctx, workflows.WorkflowID(id), second, workflows.Pause, workflows.PauseInput{Reason: "end of the demo", RequestedBy: "ann"}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	if err := g.c.SignalWorkflow(g.ctx, workflows.WorkflowID(id), second, workflows.Resume, workflows.ResumeInput{RequestedBy: "ann"}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	var audit []workflows.AuditEntry
	v, err := g.c.QueryWorkflow(g.ctx, workflows.WorkflowID(id), second, workflows.QueryAudit)
	if err != nil {
		return err
	}
	if err := v.Get(&audit); err != nil {
		return err
	}
	for _, e := range audit {
		g.logger.Info("audit", "op", e.Operation, "via", e.Via, "accepted", e.Accepted, "reason", e.Reason, "input", e.Input)
	}
	fmt.Println("demo-run1.json", workflows.WorkflowID(id), first)
	fmt.Println("demo-run2.json", workflows.WorkflowID(id), second)
	return nil
}

func (g *gen) broken() error {
	const id = "broken"
	start := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	good, members, err := g.load(id, start, "- watch the dashboards")
	if err != nil {
		return err
	}
	// A config the engine refuses (a layer names an unknown member): the
	// configure is refused by its validator and planning fails.
	bad := good
	bad.Layers = slices.Clone(good.Layers)
	bad.Layers[0].Members = append(slices.Clone(good.Layers[0].Members), config.Membership{ID: "zed"})
	run, err := g.apply(bad, members, 0)
	if err == nil {
		return errors.New("the bad config was accepted")
	}
	g.logger.Info("bad config refused", "error", err)
	time.Sleep(2 * time.Second)
	var st workflows.StatusResult
	v, err := g.c.QueryWorkflow(g.ctx, workflows.WorkflowID(id), "", workflows.QueryStatus)
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		return err
	}
	if st.Health.Health != workflows.HealthStalled {
		return fmt.Errorf("status %+v, want stalled", st)
	}
	if _, err := g.apply(good, members, 0); err != nil {
		return fmt.Errorf("good config: %w", err)
	}
	for {
		time.Sleep(2 * time.Second)
		plan, err := g.schedule(id)
		if err != nil {
			return err
		}
		if countStatus(plan, workflows.StatusCurrent) == 1 {
			break
		}
	}
	// One more signal, so that the planning is followed by events.
	if err := g.signal(id, workflows.Pause, workflows.PauseInput{Reason: "end of the demo", RequestedBy: "ann"}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	fmt.Println("broken-run1.json", workflows.WorkflowID(id), run)
	return nil
}

// ending runs a rotation of two one-minute shifts to its end: when the
// last ends nobody is on call, and the channel is told so (slack-notices).
func (g *gen) ending() error {
	const id = "ending"
	start := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	rot, members, err := g.load(id, start, "- hand over")
	if err != nil {
		return err
	}
	end := start.Add(2 * time.Minute)
	rot.End = &calendar.DateTime{Date: calendar.DateOf(end, time.UTC), Hour: end.Hour(), Minute: end.Minute()}
	run, err := g.apply(rot, members, 0)
	if err != nil {
		return err
	}
	if err := g.c.GetWorkflow(g.ctx, workflows.WorkflowID(id), run).Get(g.ctx, nil); err != nil {
		return err
	}
	fmt.Println("ending-run1.json", workflows.WorkflowID(id), run)
	return nil
}

func countStatus(p render.Plan, status string) int {
	n := 0
	for _, s := range p.Shifts {
		if s.Status == status {
			n++
		}
	}
	return n
}
