// Command gen drives a real Temporal server to produce the histories that
// workflows/replay_test.go replays. gen.sh runs it against a fresh dev
// server; see ../README.md.
//
// It runs a worker in-process (registered as cmd/worker does, with the
// logging activities), starts rotation "demo" with one-minute shifts and
// at most two shifts per run, sends it signals (one accepted, one
// malformed) and updates (one accepted, one refused by its validator),
// waits until it has continued as new, sends one more signal to the new
// run, and prints the ids of both runs.
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
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

const configTemplate = `version: 1
members:
  - {id: ann, name: Ann, timezone: Europe/London}
  - {id: bob, name: Bob, timezone: America/New_York}
  - {id: cat, name: Cat}
rotations:
  - id: demo
    name: Demo on-call
    timezone: UTC
    start: START
    shift: 1m
    strategy: fair
    plan_ahead: 150s
    notify_before: 1m
    members: [ann, bob, cat]
    duties: |
      - watch the dashboards
    slack: {channel: C0DEMO, usergroup: S0ONCALL, topic: true}
    opsgenie: {schedule: demo-schedule}
    admins: [ann]
`

func main() {
	address := flag.String("address", "", "Temporal frontend host:port")
	namespace := flag.String("namespace", "default", "Temporal namespace")
	freePort := flag.Bool("free-port", false, "print a free loopback TCP port and exit")
	inProcess := flag.Bool("worker", true, "run a worker in-process (false: use a running cmd/worker)")
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
	if err := run(*address, *namespace, *inProcess); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

func run(address, namespace string, inProcess bool) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: address, Namespace: namespace, Logger: tlog.NewStructuredLogger(logger)})
	if err != nil {
		return err
	}
	defer c.Close()

	if inProcess {
		w := worker.New(c, workflows.TaskQueue, worker.Options{Interceptors: workflows.Interceptors()})
		w.RegisterWorkflow(workflows.RotationWorkflow)
		w.RegisterActivity(activities.NewLogging(logger))
		if err := w.Start(); err != nil {
			return err
		}
		defer w.Stop()
	}

	// The rotation started two minutes ago: the workflow begins with the
	// shift running now.
	start := time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Minute)
	dir, err := os.MkdirTemp("", "rota-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "demo.yaml")
	yaml := strings.Replace(configTemplate, "START", start.Format("2006-01-02T15:04"), 1)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	rot, _ := cfg.Rotation("demo")
	id := workflows.WorkflowID(rot.ID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
		workflows.RotationWorkflow, workflows.RotationInput{Rotation: *rot, Members: cfg.Members, MaxShiftsPerRun: 2})
	if err != nil {
		return err
	}
	first := run.GetRunID()
	logger.Info("started", "workflow", id, "run", first)

	// Wait for planning, then change things.
	var plan render.Plan
	for {
		time.Sleep(2 * time.Second)
		v, err := c.QueryWorkflow(ctx, id, first, workflows.QuerySchedule, workflows.ScheduleQuery{})
		if err != nil {
			return err
		}
		if err := v.Get(&plan); err != nil {
			return err
		}
		if countStatus(plan, workflows.StatusFinal) >= 2 {
			break
		}
	}
	var future []render.Shift
	for _, s := range plan.Shifts {
		if s.Status == workflows.StatusFinal {
			future = append(future, s)
		}
	}
	// A signal that is applied: the assignee of the last final shift is away for it.
	last := future[len(future)-1]
	from, _ := time.Parse(time.RFC3339, last.Start)
	to, _ := time.Parse(time.RFC3339, last.End)
	if err := c.SignalWorkflow(ctx, id, "", workflows.Unavailable, workflows.UnavailableInput{
		Member: last.Assignees[0], From: from, To: to, Reason: "dentist", RequestedBy: "ann",
	}); err != nil {
		return err
	}
	// A malformed signal: recorded in the audit as rejected.
	if err := c.SignalWorkflow(ctx, id, "", workflows.Swap, "not an object"); err != nil {
		return err
	}
	// An update that is applied: someone else covers the first final shift.
	next := future[0]
	by := "ann"
	if next.Assignees[0] == by {
		by = "cat"
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.Cover, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.CoverInput{Shift: next.ID, Member: next.Assignees[0], By: by, RequestedBy: "ann"}},
	})
	if err != nil {
		return err
	}
	if err := h.Get(ctx, nil); err != nil {
		logger.Warn("cover refused", "error", err)
	}
	// An update refused by its validator: leaves nothing in the history.
	h, err = c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.LeaveShift, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.LeaveShiftInput{Shift: next.ID, Member: "zed", RequestedBy: "ann"}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	logger.Info("leave_shift of an unknown member", "error", err)
	// A pause and a resume by update, refused and accepted.
	for _, u := range []struct {
		name string
		arg  any
	}{{workflows.Pause, workflows.PauseInput{Reason: "drill", RequestedBy: "bob"}}, {workflows.Pause, workflows.PauseInput{Reason: "drill", RequestedBy: "ann"}}, {workflows.Resume, workflows.ResumeInput{RequestedBy: "ann"}}} {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: u.name, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{u.arg},
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		logger.Info("update", "name", u.name, "error", err)
	}

	// Wait for the continue-as-new.
	var second string
	for second == "" {
		time.Sleep(2 * time.Second)
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return err
		}
		if r := d.GetWorkflowExecutionInfo().GetExecution().GetRunId(); r != first {
			second = r
		}
	}
	d, err := c.DescribeWorkflowExecution(ctx, id, first)
	if err != nil {
		return err
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		return fmt.Errorf("first run is %s, want continued-as-new", st)
	}
	logger.Info("continued as new", "run", second)

	// The new run carries the state: a signal and a query on it.
	if err := c.SignalWorkflow(ctx, id, second, workflows.Pause, workflows.PauseInput{Reason: "end of the demo", RequestedBy: "ann"}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	v, err := c.QueryWorkflow(ctx, id, second, workflows.QueryAudit)
	if err != nil {
		return err
	}
	var audit []workflows.AuditEntry
	if err := v.Get(&audit); err != nil {
		return err
	}
	for _, e := range audit {
		logger.Info("audit", "op", e.Operation, "via", e.Via, "accepted", e.Accepted, "reason", e.Reason, "input", e.Input)
	}
	fmt.Println(first, second)
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
