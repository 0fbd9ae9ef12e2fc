package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/integration"
)

// TestLoadSmall runs the load command's core at N = 3 against a dev server
// of its own, so that the tool does not rot: every figure must have been
// measured (samples, not speeds: the targets are in the README). It runs
// with ROTA_INTEGRATION=1 (then a missing bin/temporal fails) and skips
// otherwise. It takes 30 to 75 s: the window must see a minute start (the
// shortest shift is 1m), and how long that takes depends on the clock.
func TestLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("load: skipped with -short")
	}
	if os.Getenv("ROTA_INTEGRATION") != "1" {
		t.Skip("load: skipped: set ROTA_INTEGRATION=1 to run rota's load command at N = 3 against a dev server (up to 75 s)")
	}
	bin, err := integration.TemporalBinary(".")
	if err != nil {
		t.Fatalf("ROTA_INTEGRATION=1 but %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var log bytes.Buffer
	res, err := Run(ctx, Options{N: 3, Duration: 15 * time.Second, Shift: time.Minute, SwapRate: 2,
		Late: 8 * time.Second, Temporal: bin, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var out bytes.Buffer
	writeMarkdown(&out, res)
	t.Logf("\n%s\n%s", log.String(), out.String())

	checks := []struct {
		what string
		ok   bool
	}{
		{"every rotation started", res.Start.Failed == 0},
		{"worker memory sampled, idle and in the window", res.Worker.RSSIdleMiB > 0 && res.Worker.RSSMeanMiB > 0 && res.Worker.RSSSamples > 0},
		{"workflow tasks counted", res.WorkflowTasks.Completed > 0 && res.WorkflowTasks.PerSecond > 0},
		{"workflow task waits and timers measured", res.WorkflowTasks.QueueP99Ms > 0 && res.WorkflowTasks.Timers > 0},
		{"a shift started in the window", res.Handoff.Expected >= 3},
		{"handoff delays measured", res.Handoff.Measured > 0 && res.Handoff.P99S > 0},
		{"swaps answered and timed", res.Swap.Accepted > 0 && res.Swap.P99Ms > 0 && res.Swap.Queries > 0},
		{"server CPU measured", res.CPU.Samples > 0 && res.CPU.ServerPercent > 0},
		{"machine CPU measured", res.CPU.MachinePercent > 0},
		{"every history read", res.Histories.Read == 3 && res.Histories.Errors == 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("not measured: %s", c.what)
		}
	}
	if !strings.Contains(out.String(), "| handoff delay (shift start → handoff activity started) |") {
		t.Errorf("the table lacks the handoff row:\n%s", out.String())
	}
}

func TestBoundaries(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at, want time.Time
	}{
		{t0.Add(-time.Hour), t0},
		{t0, t0},
		{t0.Add(time.Second), t0.Add(time.Minute)},
		{t0.Add(time.Minute), t0.Add(time.Minute)},
		{t0.Add(61 * time.Second), t0.Add(2 * time.Minute)},
	} {
		if got := nextBoundary(t0, time.Minute, c.at); !got.Equal(c.want) {
			t.Errorf("nextBoundary(%s) = %s, want %s", c.at, got, c.want)
		}
	}
	from := t0.Add(10 * time.Second)
	if got := lastBoundary(t0, time.Minute, from, t0.Add(150*time.Second)); !got.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("lastBoundary = %s", got)
	}
	if got := lastBoundary(t0, time.Minute, from, t0.Add(50*time.Second)); !got.Equal(from) {
		t.Errorf("lastBoundary with none = %s, want from", got)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := pct(ds, p); got != want {
			t.Errorf("p%.0f = %s, want %s", p, got, want)
		}
	}
	if pct(nil, 99) != 0 {
		t.Error("p99 of nothing is not 0")
	}
}

func TestLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:7233": true, "localhost:7233": true, "[::1]:7233": true,
		"10.0.0.1:7233": false, "temporal.example.com:7233": false, "7233": false} {
		if err := loopback(addr); (err == nil) != ok {
			t.Errorf("loopback(%q) = %v", addr, err)
		}
	}
}

func TestProcReaders(t *testing.T) {
	pid := os.Getpid()
	st, err := readProcStat(pid)
	if err != nil || st.pgrp <= 0 {
		t.Fatalf("readProcStat(self) = %+v, %v", st, err)
	}
	if v, err := rssKiB(pid); err != nil || v <= 0 {
		t.Errorf("rssKiB(self) = %d, %v", v, err)
	}
	if _, err := groupTicks(st.pgrp); err != nil {
		t.Errorf("groupTicks(own group): %v", err)
	}
	if busy, total, err := machineTicks(); err != nil || busy <= 0 || total < busy {
		t.Errorf("machineTicks = %d, %d, %v", busy, total, err)
	}
}

func TestGeneratedRotationsLoad(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	rots, err := rotations(7, t0, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rots {
		if n := len(r.members); n != 3+i%3 {
			t.Errorf("%s: %d members", r.id, n)
		}
		if !r.rot.Start.In(time.UTC).Equal(t0) {
			t.Errorf("%s: start %v", r.id, r.rot.Start)
		}
	}
	if got := handoffID(rots[0], t0.Add(time.Minute)); got != "load-00000/main/2026-12-08T00:01:00Z" {
		t.Errorf("handoffID = %q", got)
	}
	rots, err = rotations(7, t0, 3*time.Minute, true)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rots {
		if want := t0.Add(-time.Duration(i%3) * time.Minute); !r.start.Equal(want) || !r.rot.Start.In(time.UTC).Equal(want) {
			t.Errorf("staggered %s: starts %s (config %v), want %s", r.id, r.start, r.rot.Start, want)
		}
	}
}
