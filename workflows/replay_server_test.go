package workflows

import (
	"context"
	"os"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/rota-scheduler/rota/internal/temporalconn"
)

// TestReplayServer replays the histories of the rotations on a running
// server (ROTA_REPLAY_SERVER=1, with TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and
// the credentials as the worker takes them) against this code: run it
// (`make replay`) before deploying a new worker, so that a change that would
// break the running rotations is caught first. It replays every run of every
// rotation workflow, open ones included, at most 1000 runs.
func TestReplayServer(t *testing.T) {
	if os.Getenv("ROTA_REPLAY_SERVER") != "1" {
		t.Skip("set ROTA_REPLAY_SERVER=1 (make replay) to replay a server's histories")
	}
	conn := temporalconn.Conn{Address: os.Getenv("TEMPORAL_ADDRESS"), Namespace: os.Getenv("TEMPORAL_NAMESPACE")}
	if conn.Address == "" {
		conn.Address = temporalconn.DefaultAddress
	}
	if conn.Namespace == "" {
		conn.Namespace = temporalconn.DefaultNamespace
	}
	opts, err := conn.Options(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = tlog.NewStructuredLogger(quiet)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		t.Fatalf("connect to %s: %v", conn.Address, err)
	}
	defer c.Close()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{Interceptors: Interceptors()})
	if err != nil {
		t.Fatal(err)
	}
	r.RegisterWorkflow(RotationWorkflow)
	limit := 1000
	replayed := 0
	var token []byte
	for replayed < limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: conn.Namespace, Query: "WorkflowType = '" + WorkflowType + "'", NextPageToken: token,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetExecutions() {
			id, run := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			var h historypb.History
			it := c.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					t.Fatalf("history of %s run %s: %v", id, run, err)
				}
				h.Events = append(h.Events, ev)
			}
			if err := r.ReplayWorkflowHistory(tlog.NewStructuredLogger(quiet), &h); err != nil {
				t.Errorf("%s run %s does not replay: %v", id, run, err)
			}
			replayed++
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	t.Logf("replayed %d runs from %s", replayed, conn.Address)
}
