// Command load measures rota at scale against a real Temporal server: it
// starts a dev server from the pinned CLI (bin/temporal) on free loopback
// ports with its SQLite database in a temp dir (or uses -address), builds
// and starts one worker (cmd/worker), starts N rotations as `rota apply`
// does, lets them run and sends swap updates at a steady rate, then
// prints a markdown table and writes JSON:
//
//   - worker memory per rotation: (the worker's mean VmRSS over the window
//     − its VmRSS with no rotation) / N;
//   - workflow tasks per second: WorkflowTaskCompleted events in the
//     window, from every rotation's history;
//   - handoff delay: from a shift's start to the start of the Deliver
//     activity that carries its handoff post (ActivityTaskStarted in the
//     history), for every shift that started in the window; a handoff not
//     started when the histories are read (-late after the window's last
//     shift start) is counted missing;
//   - swap round trip: a swap update, from the client's call to its
//     answer (sent, validated, applied, answered);
//   - CPU over the window, in % of one core, from /proc: the server's
//     process group, the worker, this command and the whole machine.
//
// Shifts are whole minutes: the config's shortest shift is 1m, so every
// rotation hands off at the start of each minute at once (the worst
// case of many rotations handing off at the same time).
//
//	go run ./bench/load -n 100 -duration 3m
//	go run ./bench/load -n 1000 -duration 3m -json load-1000.json
//
// It stops by itself: the window, then at most -late for the last
// handoffs and the reading of the histories, all within -timeout; on
// SIGINT or SIGTERM it stops what it started (each child runs in its own
// process group, and is killed by the kernel if this command dies).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.IntVar(&o.N, "n", 100, "rotations to start")
	fs.DurationVar(&o.Duration, "duration", 3*time.Minute, "measurement window (extended until a shift starts in it)")
	fs.DurationVar(&o.Warmup, "warmup", 30*time.Second, "wait after the last rotation started, before measuring")
	fs.DurationVar(&o.Shift, "shift", time.Minute, "shift length, whole minutes (1m is the config's shortest)")
	fs.BoolVar(&o.Stagger, "stagger", false, "spread the rotations' starts over the minutes of a shift (with -shift 10m, a tenth hand off each minute)")
	fs.Float64Var(&o.SwapRate, "swap-rate", 2, "swap updates per second during the window")
	fs.IntVar(&o.StartConcurrency, "start-concurrency", 16, "rotations started at once")
	fs.DurationVar(&o.Late, "late", 30*time.Second, "read the histories this long after the window's last shift start; a handoff not started by then counts as missing")
	fs.StringVar(&o.Address, "address", "", "a running Temporal server (loopback only) instead of a dev server of our own")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "with -address: the server's pid, whose CPU is measured (without it, the server's CPU is not)")
	fs.StringVar(&o.Temporal, "temporal", "", "the Temporal CLI (default: bin/temporal of the repository, $ROTA_TEMPORAL_BIN, then $PATH)")
	fs.StringVar(&o.Dir, "dir", "", "keep the server's database, the logs and the feeds here (default: a temp dir, removed)")
	pragmas := fs.String("sqlite-pragmas", "", "the dev server's SQLite pragmas, comma-separated PRAGMA=VALUE (e.g. journal_mode=wal,synchronous=normal; default: start-dev's)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	timeout := fs.Duration("timeout", 0, "stop everything after this long (default: the window + warmup + 15m)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *timeout <= 0 {
		*timeout = o.Duration + o.Warmup + 15*time.Minute
	}
	o.Log = stderr
	if *pragmas != "" {
		o.SQLitePragmas = strings.Split(*pragmas, ",")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	res, err := Run(ctx, o)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("stopped after -timeout %s: %w", *timeout, err)
		}
		return err
	}
	writeMarkdown(stdout, res)
	if *jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("json: %w", err)
		}
	}
	return nil
}
