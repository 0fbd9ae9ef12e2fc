package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Result is one load run's measurements (also written as JSON).
type Result struct {
	Date          string  `json:"date"`
	Machine       Machine `json:"machine"`
	Address       string  `json:"address"`
	N             int     `json:"n"`
	ShiftSeconds  float64 `json:"shift_seconds"`
	Staggered     bool    `json:"staggered"`
	SwapRate      float64 `json:"swap_rate_per_second"`
	WindowStart   string  `json:"window_start"`
	WindowSeconds float64 `json:"window_seconds"`

	Start         Start         `json:"start"`
	Worker        Worker        `json:"worker"`
	WorkflowTasks WorkflowTasks `json:"workflow_tasks"`
	Handoff       Handoff       `json:"handoff"`
	Swap          Swap          `json:"swap"`
	CPU           CPU           `json:"cpu"`
	Histories     Histories     `json:"histories"`
}

// Machine describes where the run was.
type Machine struct {
	CPUs      int     `json:"cpus"`
	CPUModel  string  `json:"cpu_model"`
	MemoryGiB float64 `json:"memory_gib"`
	Kernel    string  `json:"kernel"`
	Go        string  `json:"go"`
	Temporal  string  `json:"temporal,omitempty"`
	Server    string  `json:"server"`
}

// Start is how starting the rotations went (UpdateWithStart + configure each).
type Start struct {
	Seconds float64 `json:"seconds"`
	Failed  int     `json:"failed"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
}

// Worker is the worker process's memory: idle (no rotation) and over the window.
type Worker struct {
	RSSIdleMiB     float64 `json:"rss_idle_mib"`
	RSSMeanMiB     float64 `json:"rss_mean_mib"`
	RSSMaxMiB      float64 `json:"rss_max_mib"`
	KiBPerRotation float64 `json:"kib_per_rotation"` // (mean − idle) / N
	RSSSamples     int     `json:"rss_samples"`
}

// WorkflowTasks counts the workflow tasks completed in the window (from
// the histories), how long they waited for the worker, and how late the
// timers fired.
type WorkflowTasks struct {
	Completed     int     `json:"completed"`
	PerSecond     float64 `json:"per_second"`
	Failed        int     `json:"failed"`
	FirstFailure  string  `json:"first_failure,omitempty"`
	TimedOut      int     `json:"timed_out"`    // e.g. not picked up from the worker's sticky queue in 5 s
	QueueP50Ms    float64 `json:"queue_p50_ms"` // scheduled → started
	QueueP99Ms    float64 `json:"queue_p99_ms"`
	RunP50Ms      float64 `json:"run_p50_ms"` // started → completed (the worker's processing, local activities included)
	RunP99Ms      float64 `json:"run_p99_ms"`
	Timers        int     `json:"timers"`
	TimerLagP50Ms float64 `json:"timer_lag_p50_ms"` // fired − due
	TimerLagP99Ms float64 `json:"timer_lag_p99_ms"`
}

// Handoff is the delay from a shift's start to the Deliver activity
// carrying its handoff post starting (ActivityTaskStarted in the history).
type Handoff struct {
	Expected               int     `json:"expected"` // shift starts in the window
	Measured               int     `json:"measured"`
	Missing                int     `json:"missing"` // not started when the histories were read
	ScheduledNotStarted    int     `json:"scheduled_not_started"`
	P50S                   float64 `json:"p50_s"`
	P99S                   float64 `json:"p99_s"`
	MaxS                   float64 `json:"max_s"`
	Over2s                 int     `json:"over_2s"`
	ToScheduledP99S        float64 `json:"to_scheduled_p99_s"`         // shift start → activity scheduled
	ScheduledToStartedP99S float64 `json:"scheduled_to_started_p99_s"` // scheduled → started
}

// Swap is the client's view of the swap updates sent in the window.
type Swap struct {
	Sent            int     `json:"sent"`
	Accepted        int     `json:"accepted"`
	Rejected        int     `json:"rejected"`
	Failed          int     `json:"failed"`  // sent, no answer or an error other than a refusal
	NoPair          int     `json:"no_pair"` // the schedule had no two final shifts to swap
	Skipped         int     `json:"skipped"` // too many swaps in flight
	P50Ms           float64 `json:"p50_ms"`  // accepted swaps
	P99Ms           float64 `json:"p99_ms"`
	MaxMs           float64 `json:"max_ms"`
	RejectedP50Ms   float64 `json:"rejected_p50_ms"`
	Queries         int     `json:"queries"`
	QueryFailed     int     `json:"query_failed"` // no answer to the schedule query: no swap sent
	QueryP50Ms      float64 `json:"query_p50_ms"` // the schedule query before each swap
	QueryP99Ms      float64 `json:"query_p99_ms"`
	FirstError      string  `json:"first_error,omitempty"`
	FirstQueryError string  `json:"first_query_error,omitempty"`
}

// CPU is each process's CPU over the window, in % of one core.
type CPU struct {
	ServerPercent  float64 `json:"server_percent"` // the server's process group
	WorkerPercent  float64 `json:"worker_percent"`
	LoadPercent    float64 `json:"load_percent"`    // this command (the client)
	MachinePercent float64 `json:"machine_percent"` // every CPU's busy time
	OtherPercent   float64 `json:"other_percent"`   // machine − the three: other work on the machine
	// The busiest 5 s of the window.
	ServerPeakPercent  float64  `json:"server_peak_percent"`
	WorkerPeakPercent  float64  `json:"worker_peak_percent"`
	MachinePeakPercent float64  `json:"machine_peak_percent"`
	Samples            int      `json:"samples"`
	SampleErrors       []string `json:"sample_errors,omitempty"`
}

// Histories is what reading the histories took.
type Histories struct {
	Read           int    `json:"read"`
	Runs           int    `json:"runs"`
	Events         int    `json:"events"`
	ContinuedAsNew int    `json:"continued_as_new"`
	Errors         int    `json:"errors"`
	FirstError     string `json:"first_error,omitempty"`
}

func describeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), MemoryGiB: math.Round(float64(memTotalKiB())/(1<<20)*10) / 10}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// pct is the p-th percentile (nearest rank) of ds; 0 for none.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(k, 0), len(s)-1)]
}

func ms(d time.Duration) float64    { return math.Round(float64(d)/float64(time.Millisecond)*10) / 10 }
func secs3(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
func mib(kib float64) float64       { return math.Round(kib/1024*10) / 10 }

func mean(v []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

func maxOf(v []int64) int64 {
	var m int64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// writeMarkdown prints the results as a markdown table.
func writeMarkdown(w io.Writer, r *Result) {
	h, s, wt, c := r.Handoff, r.Swap, r.WorkflowTasks, r.CPU
	when := "all handing off at once"
	if r.Staggered {
		when = "starts staggered by the minute"
	}
	fmt.Fprintf(w, "rota load: N = %d rotations, %s shifts (%s), window %.0f s from %s, %.1f swaps/s\n",
		r.N, time.Duration(r.ShiftSeconds*float64(time.Second)), when, r.WindowSeconds, r.WindowStart, r.SwapRate)
	fmt.Fprintf(w, "machine: %d CPUs (%s), %.1f GiB, Linux %s, %s; server: %s %s\n\n",
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemoryGiB, r.Machine.Kernel, r.Machine.Go, r.Machine.Server, r.Machine.Temporal)
	fmt.Fprintln(w, "| metric | measured |")
	fmt.Fprintln(w, "| --- | --- |")
	row := func(k, format string, args ...any) { fmt.Fprintf(w, "| %s | %s |\n", k, fmt.Sprintf(format, args...)) }
	row("rotations started", "%d of %d in %.1f s (UpdateWithStart p50 %.0f ms, p99 %.0f ms)", r.N-r.Start.Failed, r.N, r.Start.Seconds, r.Start.P50Ms, r.Start.P99Ms)
	row("worker memory per rotation", "%.0f KiB (RSS %.0f MiB mean, %.0f MiB max, %.0f MiB idle; %d samples)",
		r.Worker.KiBPerRotation, r.Worker.RSSMeanMiB, r.Worker.RSSMaxMiB, r.Worker.RSSIdleMiB, r.Worker.RSSSamples)
	row("workflow tasks per second", "%.1f (%d completed; %d failed, %d timed out)", wt.PerSecond, wt.Completed, wt.Failed, wt.TimedOut)
	row("workflow task wait (scheduled → started)", "p50 %.0f ms, p99 %.0f ms", wt.QueueP50Ms, wt.QueueP99Ms)
	row("workflow task run (started → completed)", "p50 %.0f ms, p99 %.0f ms", wt.RunP50Ms, wt.RunP99Ms)
	row("timer lateness (fired − due)", "p50 %.0f ms, p99 %.0f ms (%d timers)", wt.TimerLagP50Ms, wt.TimerLagP99Ms, wt.Timers)
	row("handoff delay (shift start → handoff activity started)", "p50 %.2f s, p99 %.2f s, max %.2f s (%d handoffs; %d over 2 s)", h.P50S, h.P99S, h.MaxS, h.Measured, h.Over2s)
	row("handoffs missing", "%d of %d expected (%d scheduled, not started)", h.Missing, h.Expected, h.ScheduledNotStarted)
	row("handoff p99: to scheduled, then to started", "%.2f s, %.2f s", h.ToScheduledP99S, h.ScheduledToStartedP99S)
	row("swap round trip (update, accepted)", "p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d accepted)", s.P50Ms, s.P99Ms, s.MaxMs, s.Accepted)
	row("swaps", "%d sent: %d accepted, %d rejected, %d failed; not sent: %d without two final shifts, %d skipped (64 in flight)", s.Sent, s.Accepted, s.Rejected, s.Failed, s.NoPair, s.Skipped)
	row("schedule query before each swap", "p50 %.0f ms, p99 %.0f ms (%d answered, %d failed: no swap sent)", s.QueryP50Ms, s.QueryP99Ms, s.Queries, s.QueryFailed)
	if r.Machine.Server != "" && strings.HasPrefix(r.Machine.Server, "a running server") && c.ServerPercent == 0 {
		row("server CPU", "not measured (give -server-pid)")
	} else {
		row("server CPU", "%.0f%% of one core (busiest 5 s: %.0f%%)", c.ServerPercent, c.ServerPeakPercent)
	}
	row("worker CPU", "%.0f%% of one core (busiest 5 s: %.0f%%)", c.WorkerPercent, c.WorkerPeakPercent)
	row("load command CPU", "%.0f%% of one core", c.LoadPercent)
	row("machine CPU (all processes)", "%.0f%% of one core of %d00%% (busiest 5 s: %.0f%%), of which other work %.0f%%", c.MachinePercent, r.Machine.CPUs, c.MachinePeakPercent, c.OtherPercent)
	row("histories read", "%d (%d runs, %d events, %d continue-as-new; %d errors)", r.Histories.Read, r.Histories.Runs, r.Histories.Events, r.Histories.ContinuedAsNew, r.Histories.Errors)
	if s.FirstError != "" {
		fmt.Fprintf(w, "\nfirst swap error: %s\n", s.FirstError)
	}
	if s.FirstQueryError != "" {
		fmt.Fprintf(w, "first schedule query error: %s\n", s.FirstQueryError)
	}
	if wt.FirstFailure != "" {
		fmt.Fprintf(w, "first workflow task failure: %s\n", wt.FirstFailure)
	}
	if r.Histories.FirstError != "" {
		fmt.Fprintf(w, "first history error: %s\n", r.Histories.FirstError)
	}
}
