package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/integration"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

const namespace = "default"

// Options is one load run.
type Options struct {
	N        int           // rotations
	Duration time.Duration // the measurement window (extended to hold a shift start)
	Warmup   time.Duration // after the last rotation started, before the window
	Shift    time.Duration // shift length: whole minutes (the config's shortest is 1m)
	// Stagger spreads the rotations' starts over the minutes of a shift
	// (rotation i starts i mod (Shift/1m) minutes early), so that 1/k of
	// them hand off each minute; otherwise every rotation hands off at
	// the same moment.
	Stagger  bool
	SwapRate float64 // swap updates per second during the window
	// StartConcurrency bounds the rotations being started at once.
	StartConcurrency int
	// Late: the histories are read no earlier than this long after the
	// window's last shift start; a handoff not started by then is missing.
	Late time.Duration
	// Address of a running server (loopback only); empty: start a dev
	// server from Temporal. ServerPID, with Address: the process whose
	// group's CPU is the server's (0: not measured).
	Address   string
	ServerPID int
	Temporal  string // the Temporal CLI, for the dev server
	// SQLitePragmas are the dev server's --sqlite-pragma values
	// (PRAGMA=VALUE), e.g. journal_mode=wal; none: start-dev's defaults.
	SQLitePragmas []string
	Dir           string // work directory (server DB, worker log, feeds); empty: a temp dir, removed after
	Log           io.Writer
}

func (o *Options) defaults() error {
	if o.N <= 0 {
		return errors.New("-n: want at least 1 rotation")
	}
	if o.Duration <= 0 {
		return errors.New("-duration: want a positive duration")
	}
	if o.Shift < time.Minute || o.Shift%time.Minute != 0 {
		return fmt.Errorf("-shift %s: want whole minutes, at least 1m (the config's shortest shift)", o.Shift)
	}
	if o.SwapRate < 0 {
		return errors.New("-swap-rate: want 0 or more")
	}
	if o.StartConcurrency <= 0 {
		o.StartConcurrency = 16
	}
	if o.Late <= 0 {
		o.Late = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Address != "" {
		if err := loopback(o.Address); err != nil {
			return err
		}
	}
	return nil
}

func (o *Options) logf(format string, args ...any) {
	fmt.Fprintf(o.Log, "%s load: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// quietLogger keeps the SDK's info lines out of the load command's output.
func quietLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// Run starts the server (unless Address is given) and one worker, starts
// N rotations, measures for the window and reads the histories. Whatever
// it started is stopped when it returns.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	res := &Result{N: o.N, ShiftSeconds: o.Shift.Seconds(), Staggered: o.Stagger, SwapRate: o.SwapRate, Date: time.Now().UTC().Format(time.RFC3339)}
	res.Machine = describeMachine()

	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "rota-load-")
		if err != nil {
			return nil, fmt.Errorf("work dir: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}

	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	// serverTicks reads the server's CPU time: the process group of the
	// dev server we start, or the one process -server-pid names.
	addr := o.Address
	var serverTicks func() (int64, error)
	if pid := o.ServerPID; pid != 0 {
		serverTicks = func() (int64, error) {
			st, err := readProcStat(pid)
			return st.ticks, err
		}
	}
	if addr == "" {
		bin := o.Temporal
		if bin == "" {
			if bin, err = integration.TemporalBinary(root); err != nil {
				return nil, err
			}
		}
		res.Machine.Temporal = temporalVersion(bin)
		res.Machine.Server = "temporal server start-dev, SQLite file in a temp dir"
		if len(o.SQLitePragmas) > 0 {
			res.Machine.Server += " with --sqlite-pragma " + strings.Join(o.SQLitePragmas, " ")
		} else {
			res.Machine.Server += " (its default pragmas)"
		}
		srvLog, err := os.Create(filepath.Join(dir, "temporal.log"))
		if err != nil {
			return nil, fmt.Errorf("server log: %w", err)
		}
		defer srvLog.Close()
		o.logf("starting the dev server (%s)", res.Machine.Temporal)
		srv, a, err := startServer(ctx, bin, dir, o.SQLitePragmas, srvLog)
		if err != nil {
			return nil, err
		}
		defer srv.stop(15 * time.Second)
		addr = a
		serverTicks = func() (int64, error) { return groupTicks(srv.pid()) }
	} else {
		res.Machine.Server = "a running server at " + addr
		if err := waitReady(ctx, nil, addr, 30*time.Second); err != nil {
			return nil, err
		}
	}
	res.Address = addr

	c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: namespace, Logger: quietLogger()})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer c.Close()

	o.logf("building cmd/worker")
	wbin, err := buildWorker(ctx, root, dir)
	if err != nil {
		return nil, err
	}
	wlog, err := os.Create(filepath.Join(dir, "worker.log"))
	if err != nil {
		return nil, fmt.Errorf("worker log: %w", err)
	}
	defer wlog.Close()
	wk, err := startWorker(wbin, addr, dir, wlog)
	if err != nil {
		return nil, err
	}
	defer wk.stop(15 * time.Second)

	// The worker's memory with no rotation: after it has connected and
	// polls, the mean of 5 samples a second apart.
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	var idle []int64
	for range 5 {
		if ok, err := wk.exited(); ok {
			return nil, fmt.Errorf("the worker exited: %v (log: %s)", err, tail(filepath.Join(dir, "worker.log")))
		}
		v, err := rssKiB(wk.pid())
		if err != nil {
			return nil, err
		}
		idle = append(idle, v)
		if err := sleepCtx(ctx, time.Second); err != nil {
			return nil, err
		}
	}
	res.Worker.RSSIdleMiB = mib(mean(idle))

	// The rotations.
	t0 := time.Now().UTC().Truncate(time.Minute)
	rots, err := rotations(o.N, t0, o.Shift, o.Stagger)
	if err != nil {
		return nil, err
	}
	// step is how often some rotation hands off.
	step := o.Shift
	if o.Stagger {
		step = time.Minute
	}
	o.logf("starting %d rotations (%s shifts from %s, a handoff every %s), %d at a time", o.N, o.Shift, t0.Format("15:04"), step, o.StartConcurrency)
	began := time.Now()
	starts, failed := startRotations(ctx, c, rots, o.StartConcurrency, o.logf)
	res.Start = Start{Seconds: time.Since(began).Seconds(), Failed: failed, P50Ms: ms(pct(starts, 50)), P99Ms: ms(pct(starts, 99))}
	if failed == len(rots) {
		return nil, errors.New("no rotation started")
	}
	o.logf("started %d rotations in %.1f s (%d failed)", len(rots)-failed, res.Start.Seconds, failed)
	if err := sleepCtx(ctx, o.Warmup); err != nil {
		return nil, err
	}

	// The window: at least Duration, and long enough that a shift starts
	// in it at least 5 s before its end.
	const margin = 5 * time.Second
	ws := time.Now().UTC()
	we := ws.Add(o.Duration)
	if b := nextBoundary(t0, step, ws); b.Add(margin).After(we) {
		we = b.Add(margin)
	}
	res.WindowStart, res.WindowSeconds = ws.Format(time.RFC3339), we.Sub(ws).Seconds()
	o.logf("measuring from %s to %s (%.0f s)", ws.Format("15:04:05"), we.Format("15:04:05"), we.Sub(ws).Seconds())

	wctx, stopWindow := context.WithDeadline(ctx, we)
	defer stopWindow()
	var wg sync.WaitGroup
	var samples sampler
	wg.Go(func() { samples.run(wctx, wk.pid(), serverTicks) })
	sw := &swapper{c: c, rots: rots, planAhead: planAhead(o.Shift)}
	wg.Go(func() { sw.run(wctx, o.SwapRate) })
	// The worker must live through the window.
	for wctx.Err() == nil {
		if ok, err := wk.exited(); ok {
			stopWindow()
			wg.Wait()
			return nil, fmt.Errorf("the worker exited during the window: %v (log: %s)", err, tail(filepath.Join(dir, "worker.log")))
		}
		_ = sleepCtx(wctx, time.Second)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	samples.fill(res, o.N, serverTicks != nil)
	sw.fill(&res.Swap)
	o.logf("window over: %d swaps sent; worker RSS %.0f MiB (idle %.0f MiB); server CPU %.0f%% of a core",
		res.Swap.Sent, res.Worker.RSSMeanMiB, res.Worker.RSSIdleMiB, res.CPU.ServerPercent)

	// The shifts that started in the window (up to margin before its end)
	// must have been handed off by Late after their start.
	last := lastBoundary(t0, step, ws, we.Add(-margin))
	if wait := time.Until(last.Add(o.Late)); wait > 0 {
		o.logf("waiting %.0f s for the last handoffs (not started %s after the last shift start: missing)", wait.Seconds(), o.Late)
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, err
		}
	}
	o.logf("reading %d histories", len(rots))
	if err := readHistories(ctx, c, rots, ws, we, margin, res, o.logf); err != nil {
		return nil, err
	}
	if ok, err := wk.exited(); ok {
		return nil, fmt.Errorf("the worker exited: %v (log: %s)", err, tail(filepath.Join(dir, "worker.log")))
	}
	return res, nil
}

// rotation is one generated rotation.
type rotation struct {
	id      string
	rot     config.Rotation
	members []config.Member
	start   time.Time
	shift   time.Duration
}

// planAhead is how far ahead the generated rotations plan: three shifts.
func planAhead(shift time.Duration) time.Duration { return 3 * shift }

// rotations generates n rotations of 3 to 5 members each (their own,
// with Slack ids: the handoff posts to the channel, sets the user group
// and the topic, and tells the next person), shifts of the given length
// from t0 (staggered: from t0 − i mod k minutes, k the shift in minutes),
// strategy fair, notices one shift ahead, planning three shifts ahead.
// Each goes through the config loader, as `rota apply` does.
func rotations(n int, t0 time.Time, shift time.Duration, stagger bool) ([]rotation, error) {
	out := make([]rotation, 0, n)
	k := int(shift / time.Minute)
	for i := range n {
		id := fmt.Sprintf("load-%05d", i)
		start := t0
		if stagger {
			start = t0.Add(-time.Duration(i%k) * time.Minute)
		}
		var b strings.Builder
		b.WriteString("version: 1\nmembers:\n")
		var ids []string
		for j := range 3 + i%3 {
			m := fmt.Sprintf("m%05d-%c", i, 'a'+j)
			ids = append(ids, m)
			fmt.Fprintf(&b, "  - {id: %s, name: Member %d %c, slack: U%05d%c, email: %s@example.com, timezone: UTC}\n", m, i, 'A'+j, i, 'A'+j, m)
		}
		fmt.Fprintf(&b, `rotations:
  - id: %s
    name: Load %d
    timezone: UTC
    start: %s
    shift: %dm
    strategy: fair
    members: [%s]
    plan_ahead: %dm
    notify_before: %dm
    slack: {channel: C%05d, usergroup: S%05d, topic: true}
`, id, i, start.Format("2006-01-02T15:04"), k, strings.Join(ids, ", "),
			int(planAhead(shift)/time.Minute), int(shift/time.Minute), i, i)
		cfg, err := config.Parse(id+".yaml", []byte(b.String()), "")
		if err != nil {
			return nil, fmt.Errorf("generated config %s: %w", id, err)
		}
		rot, ok := cfg.Rotation(id)
		if !ok {
			return nil, fmt.Errorf("generated config %s: no rotation %s", id, id)
		}
		out = append(out, rotation{id: id, rot: *rot, members: cfg.Members, start: start, shift: shift})
	}
	return out, nil
}

// startRotations starts each rotation as `rota apply` does (UpdateWithStart
// with configure), conc at a time, and returns the round trips of those
// that started and how many failed.
func startRotations(ctx context.Context, c client.Client, rots []rotation, conc int, logf func(string, ...any)) ([]time.Duration, int) {
	var mu sync.Mutex
	var rtts []time.Duration
	var failed, done int
	var firstErr error
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, r := range rots {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			t := time.Now()
			err := apply(sctx, c, r)
			d := time.Since(t)
			mu.Lock()
			defer mu.Unlock()
			done++
			if err != nil {
				failed++
				if firstErr == nil {
					firstErr = err
					logf("starting %s: %v", r.id, err)
				}
			} else {
				rtts = append(rtts, d)
			}
			if done%250 == 0 {
				logf("%d/%d started", done, len(rots))
			}
		})
	}
	wg.Wait()
	return rtts, failed + len(rots) - done
}

func apply(ctx context.Context, c client.Client, r rotation) error {
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(r.id),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.RotationWorkflow, workflows.RotationInput{Rotation: r.rot, Members: r.members})
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.Configure,
			Args:         []any{workflows.ConfigureInput{Rotation: r.rot, Members: r.members}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return fmt.Errorf("apply %s: %w", r.id, err)
	}
	if err := h.Get(ctx, nil); err != nil {
		return fmt.Errorf("apply %s: %w", r.id, err)
	}
	return nil
}

// nextBoundary is the first shift start at or after t.
func nextBoundary(t0 time.Time, shift time.Duration, t time.Time) time.Time {
	if !t.After(t0) {
		return t0
	}
	k := (t.Sub(t0) + shift - 1) / shift
	return t0.Add(k * shift)
}

// lastBoundary is the last shift start in [from, to], or from when none.
func lastBoundary(t0 time.Time, shift time.Duration, from, to time.Time) time.Time {
	last := from
	for b := nextBoundary(t0, shift, from); !b.After(to); b = b.Add(shift) {
		last = b
	}
	return last
}

// swapper sends swap updates at a steady rate to random rotations: it
// asks a rotation for its planned shifts (the schedule query) and swaps
// the members of the next two final ones, timing the update's round trip
// from the client (sent, validated, applied and answered).
type swapper struct {
	c         client.Client
	rots      []rotation
	planAhead time.Duration

	mu                               sync.Mutex
	rtt, rejectedRTT, queryRTT       []time.Duration
	sent, accepted, rejected, failed int
	noPair, skipped, queryFailed     int
	firstErr, firstQueryErr          string
	inflight                         atomic.Int32
	seq                              atomic.Int64
}

const maxInflightSwaps = 64

func (s *swapper) run(ctx context.Context, rate float64) {
	if rate <= 0 {
		return
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if s.inflight.Load() >= maxInflightSwaps {
			s.mu.Lock()
			s.skipped++
			s.mu.Unlock()
			continue
		}
		s.inflight.Add(1)
		r := s.rots[rand.IntN(len(s.rots))]
		wg.Go(func() {
			defer s.inflight.Add(-1)
			s.once(r)
		})
	}
}

// once is one swap: a schedule query, then the update (a failed query
// sends no update: it is counted apart). It runs past the window's end when it started in it
// (its own 30 s bound), so that slow answers are counted, not dropped.
func (s *swapper) once(r rotation) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wid := workflows.WorkflowID(r.id)
	now := time.Now().UTC()
	t := time.Now()
	v, err := s.c.QueryWorkflow(ctx, wid, "", workflows.QuerySchedule, workflows.ScheduleQuery{From: now, To: now.Add(s.planAhead)})
	var plan render.Plan
	if err == nil {
		err = v.Get(&plan)
	}
	qd := time.Since(t)
	if err != nil {
		s.mu.Lock()
		s.queryFailed++
		if s.firstQueryErr == "" {
			s.firstQueryErr = fmt.Sprintf("schedule query %s: %v", r.id, err)
		}
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.queryRTT = append(s.queryRTT, qd)
	s.mu.Unlock()

	// The next two final shifts, each of one member, not the same one:
	// they start later than 2 s from now (so neither starts while the
	// swap is on its way).
	var a, b *render.Shift
	for i := range plan.Shifts {
		sh := &plan.Shifts[i]
		if sh.Status != "final" || len(sh.Assignees) != 1 || !sh.Start.After(now.Add(2*time.Second)) {
			continue
		}
		if a == nil {
			a = sh
		} else if sh.Assignees[0] != a.Assignees[0] {
			b = sh
			break
		}
	}
	if a == nil || b == nil {
		s.mu.Lock()
		s.noPair++
		s.mu.Unlock()
		return
	}
	in := workflows.SwapInput{ShiftA: a.ID, MemberA: a.Assignees[0], ShiftB: b.ID, MemberB: b.Assignees[0], RequestedBy: a.Assignees[0]}
	t = time.Now()
	h, err := s.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   wid,
		UpdateID:     fmt.Sprintf("load-swap-%d-%d", t.UnixNano(), s.seq.Add(1)),
		UpdateName:   workflows.Swap,
		Args:         []any{in},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	d := time.Since(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent++
	var app *temporal.ApplicationError
	switch {
	case err == nil:
		s.accepted++
		s.rtt = append(s.rtt, d)
	case errors.As(err, &app) && app.Type() == "Rejected":
		s.rejected++
		s.rejectedRTT = append(s.rejectedRTT, d)
		if s.firstErr == "" {
			s.firstErr = "rejected: " + app.Error()
		}
	default:
		s.failed++
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
	}
}

func (s *swapper) fill(r *Swap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*r = Swap{Sent: s.sent, Accepted: s.accepted, Rejected: s.rejected, Failed: s.failed, NoPair: s.noPair, Skipped: s.skipped,
		P50Ms: ms(pct(s.rtt, 50)), P99Ms: ms(pct(s.rtt, 99)), MaxMs: ms(pct(s.rtt, 100)),
		RejectedP50Ms: ms(pct(s.rejectedRTT, 50)),
		QueryP50Ms:    ms(pct(s.queryRTT, 50)), QueryP99Ms: ms(pct(s.queryRTT, 99)), Queries: len(s.queryRTT),
		QueryFailed: s.queryFailed, FirstQueryError: s.firstQueryErr, FirstError: s.firstErr}
}

// sampler samples the worker's memory and the CPU time of the server, the
// worker, this process and the machine, once a second.
type sampler struct {
	rss  []int64
	cpu  []cpuSample
	errs []string
}

// cpuSample is the CPU time used so far, in clock ticks, at a moment.
type cpuSample struct {
	at                        time.Time
	server, worker, self      int64
	machineBusy, machineTotal int64
}

func (s *sampler) run(ctx context.Context, workerPID int, serverTicks func() (int64, error)) {
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	for {
		now := time.Now()
		if v, err := rssKiB(workerPID); err == nil {
			s.rss = append(s.rss, v)
		} else {
			s.note(err)
		}
		var srv int64
		var err0 error
		if serverTicks != nil {
			srv, err0 = serverTicks()
		}
		wst, err1 := readProcStat(workerPID)
		me, err2 := readProcStat(os.Getpid())
		busy, tot, err3 := machineTicks()
		if err := errors.Join(err0, err1, err2, err3); err != nil {
			s.note(err)
		} else {
			s.cpu = append(s.cpu, cpuSample{at: now, server: srv, worker: wst.ticks, self: me.ticks, machineBusy: busy, machineTotal: tot})
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

func (s *sampler) note(err error) {
	if len(s.errs) < 5 {
		s.errs = append(s.errs, err.Error())
	}
}

// peakSpan is the span over which the busiest stretch of CPU is measured.
const peakSpan = 5 * time.Second

func (s *sampler) fill(r *Result, n int, server bool) {
	r.Worker.RSSSamples = len(s.rss)
	if len(s.rss) > 0 {
		r.Worker.RSSMeanMiB = mib(mean(s.rss))
		r.Worker.RSSMaxMiB = mib(float64(maxOf(s.rss)))
		r.Worker.KiBPerRotation = (mean(s.rss) - r.Worker.RSSIdleMiB*1024) / float64(n)
	}
	r.CPU.SampleErrors = s.errs
	if len(s.cpu) < 2 {
		return
	}
	r.CPU.Samples = len(s.cpu) - 1
	// pctOfCore is the CPU % of one core used between samples a and b.
	pctOfCore := func(a, b cpuSample, f func(cpuSample) int64) float64 {
		return 100 * float64(f(b)-f(a)) / clockTicks / b.at.Sub(a.at).Seconds()
	}
	srv := func(c cpuSample) int64 { return c.server }
	wk := func(c cpuSample) int64 { return c.worker }
	first, last := s.cpu[0], s.cpu[len(s.cpu)-1]
	if server {
		r.CPU.ServerPercent = pctOfCore(first, last, srv)
	}
	r.CPU.WorkerPercent = pctOfCore(first, last, wk)
	r.CPU.LoadPercent = pctOfCore(first, last, func(c cpuSample) int64 { return c.self })
	if dt := last.machineTotal - first.machineTotal; dt > 0 {
		// Busy ticks of all CPUs, as % of one core, like the others.
		r.CPU.MachinePercent = 100 * float64(last.machineBusy-first.machineBusy) / float64(dt) * float64(runtime.NumCPU())
		r.CPU.OtherPercent = max(0, r.CPU.MachinePercent-r.CPU.ServerPercent-r.CPU.WorkerPercent-r.CPU.LoadPercent)
	}
	// The busiest peakSpan of each (the handoffs come in bursts, which a
	// mean over the window hides).
	j := 0
	for i := range s.cpu {
		for j < len(s.cpu) && s.cpu[j].at.Sub(s.cpu[i].at) < peakSpan {
			j++
		}
		if j == len(s.cpu) {
			break
		}
		a, b := s.cpu[i], s.cpu[j]
		if server {
			r.CPU.ServerPeakPercent = max(r.CPU.ServerPeakPercent, pctOfCore(a, b, srv))
		}
		r.CPU.WorkerPeakPercent = max(r.CPU.WorkerPeakPercent, pctOfCore(a, b, wk))
		if dt := b.machineTotal - a.machineTotal; dt > 0 {
			r.CPU.MachinePeakPercent = max(r.CPU.MachinePeakPercent, 100*float64(b.machineBusy-a.machineBusy)/float64(dt)*float64(runtime.NumCPU()))
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
