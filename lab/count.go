package lab

import (
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The time-skipping test environment keeps no history, so the lab counts
// the events a server would record for what the workflow did: see
// RunStats and the README's "The rotation lab" for exactly what.

// runCount is what one run (one workflow execution, up to its
// continue-as-new) did.
type runCount struct {
	events   int // modelled history events
	bytes    int // payload bytes encoded
	tasks    int // modelled workflow tasks
	versions map[string]bool
}

// counter counts across runs; the listeners of the environment and the
// interceptor call it.
type counter struct {
	mu         sync.Mutex
	cur        *runCount
	runs       []*runCount
	activities map[string]int
	paused     bool // while the lab itself queries the workflow
}

func (c *counter) newRun() {
	c.mu.Lock()
	defer c.mu.Unlock()
	// WorkflowExecutionStarted, and the first workflow task (scheduled,
	// started, completed).
	c.cur = &runCount{events: 1 + 3, tasks: 1, versions: map[string]bool{}}
	c.runs = append(c.runs, c.cur)
}

// event adds n history events to the current run.
func (c *counter) event(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		c.cur.events += n
	}
}

// wake adds n history events and the workflow task they wake (3 events).
func (c *counter) wake(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		c.cur.events += n + 3
		c.cur.tasks++
	}
}

func (c *counter) activity(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.activities == nil {
		c.activities = map[string]int{}
	}
	c.activities[name]++
}

func (c *counter) version(changeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && !c.cur.versions[changeID] {
		c.cur.versions[changeID] = true
		c.cur.events++ // its marker
	}
}

func (c *counter) payloads(ps ...*commonpb.Payload) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || c.paused {
		return
	}
	for _, p := range ps {
		if p == nil {
			continue
		}
		n := len(p.GetData())
		for k, v := range p.GetMetadata() {
			n += len(k) + len(v)
		}
		c.cur.bytes += n
	}
}

func (c *counter) pause(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paused = on
}

// countingConverter is the default data converter, counting the bytes of
// every payload it encodes.
type countingConverter struct {
	converter.DataConverter
	c *counter
}

func (cc countingConverter) ToPayload(v any) (*commonpb.Payload, error) {
	p, err := cc.DataConverter.ToPayload(v)
	if err == nil {
		cc.c.payloads(p)
	}
	return p, err
}

func (cc countingConverter) ToPayloads(vs ...any) (*commonpb.Payloads, error) {
	ps, err := cc.DataConverter.ToPayloads(vs...)
	if err == nil && ps != nil {
		cc.c.payloads(ps.GetPayloads()...)
	}
	return ps, err
}

// countingInterceptor counts the commands the environment's listeners do
// not show: version markers, side effects and search attribute upserts.
type countingInterceptor struct {
	interceptor.WorkerInterceptorBase
	c *counter
}

func (ci *countingInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &countingInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, c: ci.c}
}

type countingInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	c *counter
}

func (in *countingInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return in.Next.Init(&countingOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, c: in.c})
}

type countingOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	c *counter
}

func (out *countingOutbound) GetVersion(ctx workflow.Context, changeID string, minSupported, maxSupported workflow.Version) workflow.Version {
	out.c.version(changeID)
	return out.Next.GetVersion(ctx, changeID, minSupported, maxSupported)
}

func (out *countingOutbound) SideEffect(ctx workflow.Context, f func(ctx workflow.Context) any) converter.EncodedValue {
	out.c.event(1)
	return out.Next.SideEffect(ctx, f)
}

func (out *countingOutbound) UpsertSearchAttributes(ctx workflow.Context, attributes map[string]any) error {
	out.c.event(1)
	return out.Next.UpsertSearchAttributes(ctx, attributes)
}

func (out *countingOutbound) UpsertTypedSearchAttributes(ctx workflow.Context, attributes ...temporal.SearchAttributeUpdate) error {
	out.c.event(1)
	return out.Next.UpsertTypedSearchAttributes(ctx, attributes...)
}

func (out *countingOutbound) UpsertMemo(ctx workflow.Context, memo map[string]any) error {
	out.c.event(1)
	return out.Next.UpsertMemo(ctx, memo)
}
