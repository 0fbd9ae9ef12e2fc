package workflows

import (
	"encoding/json"
	"slices"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// Signals in arrival order.
//
// The Go SDK gives each signal name its own channel. When several signals
// reach a workflow in one workflow task (a burst, or a backlog after a
// worker outage), the SDK puts each into its channel while it reads the
// task's history events, in history order, and only then runs the
// workflow's code: the code sees full channels and no longer knows which
// came first. What does see the order is the workflow inbound
// interceptor's HandleSignal, which the SDK calls once per signal event, in
// history order, before the channel send (internal_workflow.go,
// RegisterSignalHandler). The arrivals interceptor records the name of each
// signal there; the workflow then reads the channels in that order, so
// operations take effect in the order the server received them, whatever
// their names, and signals of names it does not know are seen (and
// audited) too.
//
// Updates are delivered as protocol messages after the signal events of
// the same task; their handlers queue the update behind every signal read
// so far (see rotation.submit), which is the order of the history.

// Interceptors returns the worker interceptors RotationWorkflow needs: every
// worker, replayer and test environment that runs it must set them
// (worker.Options.Interceptors). Without them the workflow still runs, but
// signals of different names that arrive in one workflow task are applied
// in a fixed order of names (it logs a warning).
func Interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{&arrivalsInterceptor{}}
}

type arrivalsKey struct{}

// arrivals is the names of the signals received and not yet read, oldest
// first. One per workflow run; only the SDK's event processing appends and
// only the workflow's main coroutine takes.
type arrivals struct {
	names []string
}

type arrivalsInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func (*arrivalsInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &arrivalsInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, log: &arrivals{}}
}

type arrivalsInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	log *arrivals
}

func (i *arrivalsInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	return i.Next.ExecuteWorkflow(workflow.WithValue(ctx, arrivalsKey{}, i.log), in)
}

func (i *arrivalsInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	if err := i.Next.HandleSignal(ctx, in); err != nil {
		return err
	}
	i.log.names = append(i.log.names, in.SignalName)
	return nil
}

// signalReader reads the workflow's signals, in arrival order when the
// interceptor is installed.
type signalReader struct {
	log   *arrivals // nil: no interceptor
	named []workflow.ReceiveChannel
}

func newSignalReader(ctx workflow.Context) *signalReader {
	r := &signalReader{}
	if l, ok := ctx.Value(arrivalsKey{}).(*arrivals); ok {
		r.log = l
		return r
	}
	workflow.GetLogger(ctx).Warn("RotationWorkflow runs without workflows.Interceptors(): signals of different names received together are applied in a fixed order of names")
	for _, name := range operationNames {
		r.named = append(r.named, workflow.GetSignalChannel(ctx, name))
	}
	return r
}

// pending reports whether a signal waits to be read.
func (r *signalReader) pending() bool {
	if r.log != nil {
		return len(r.log.names) > 0
	}
	return slices.ContainsFunc(r.named, func(c workflow.ReceiveChannel) bool { return c.Len() > 0 })
}

// signal is one received signal, decoded by the workflow's data converter
// into JSON (decodeSignal then reads the operation's input from it).
type signal struct {
	name string
	raw  json.RawMessage
}

// take returns every signal received so far, oldest first.
func (r *signalReader) take(ctx workflow.Context) []signal {
	var out []signal
	if r.log != nil {
		for len(r.log.names) > 0 {
			name := r.log.names[0]
			r.log.names = r.log.names[1:]
			var raw json.RawMessage
			if workflow.GetSignalChannel(ctx, name).ReceiveAsync(&raw) {
				out = append(out, signal{name, raw})
			}
		}
		return out
	}
	for i, ch := range r.named {
		for {
			var raw json.RawMessage
			if !ch.ReceiveAsync(&raw) {
				break
			}
			out = append(out, signal{operationNames[i], raw})
		}
	}
	// Signals of names the workflow does not know, by name.
	unknown := workflow.GetUnhandledSignalNames(ctx)
	slices.Sort(unknown)
	for _, name := range unknown {
		ch := workflow.GetSignalChannel(ctx, name)
		for {
			var raw json.RawMessage
			if !ch.ReceiveAsync(&raw) {
				break
			}
			out = append(out, signal{name, raw})
		}
	}
	return out
}
