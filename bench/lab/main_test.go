package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/lab"
)

const root = "../.."

// TestBenchSetLoads: every scenario of bench/scenarios loads (as rota
// validate loads it), every events file parses for the rotation of a
// run that uses it, and every file is used by a run.
func TestBenchSetLoads(t *testing.T) {
	used := map[string]bool{}
	for _, r := range runs {
		opt, err := loadRun(root, r)
		if err != nil {
			t.Errorf("run %s: %v", r.Name, err)
			continue
		}
		if r.Events != "" && len(opt.Events) == 0 {
			t.Errorf("run %s: %s has no events", r.Name, r.Events)
		}
		used[filepath.Join("scenarios", r.File)] = true
		if r.Events != "" {
			used[filepath.Join("events", r.Events)] = true
		}
	}
	for _, dir := range []string{"scenarios", "events"} {
		files, err := filepath.Glob(filepath.Join(root, "bench", dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if dir == "scenarios" {
				if _, err := config.Load(f); err != nil {
					t.Errorf("%v", err)
				}
			}
			if !used[filepath.Join(dir, filepath.Base(f))] {
				t.Errorf("%s is used by no run", f)
			}
		}
	}
}

// TestDriverShort runs the driver on two runs for six weeks (scripted
// events with joins and leaves, and random leave) and checks the
// results file has their rows and checks, and that every scripted
// event is applied under fair.
func TestDriverShort(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results.md")
	o := options{Root: root, Out: out, Only: []string{"joiners", "sre7-random"}, Weeks: 10}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(data)
	for _, want := range []string{"| joiners | fair |", "| joiners | lottery |", "| sre7-random | queue |", "## Checks", "### Return from leave", "| sre7-random | fair |"} {
		if !strings.Contains(md, want) {
			t.Errorf("results lack %q:\n%s", want, md)
		}
	}
	// The scripted events of the first weeks are written against fair's
	// schedule: fair applies them all.
	r := runs[slices.IndexFunc(runs, func(r benchRun) bool { return r.Name == "joiners" })]
	r.Weeks = 10
	opt, err := loadRun(root, r)
	if err != nil {
		t.Fatal(err)
	}
	opt.Strategy = config.Fair
	res, err := lab.Run(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Events {
		if e.Sent.IsZero() {
			continue
		}
		if !e.Applied {
			t.Errorf("%s %s: %s", e.Source, e.Op, e.Reason)
		}
	}
}
