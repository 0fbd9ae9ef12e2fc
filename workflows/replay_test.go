package workflows

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// TestReplay replays every history in testdata (recorded from a real
// server by testdata/gen.sh) against the current workflow code: a change
// that breaks determinism fails here.
func TestReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no histories in testdata: run workflows/testdata/gen.sh")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{Interceptors: Interceptors()})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflow(RotationWorkflow)
			if err := r.ReplayWorkflowHistoryFromJSONFile(tlog.NewStructuredLogger(quiet), f); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWorkflowType: the registered name of RotationWorkflow is WorkflowType.
func TestWorkflowType(t *testing.T) {
	name := runtime.FuncForPC(reflect.ValueOf(RotationWorkflow).Pointer()).Name()
	if !strings.HasSuffix(name, "."+WorkflowType) {
		t.Errorf("RotationWorkflow registers as %s, WorkflowType says %s", name, WorkflowType)
	}
}
