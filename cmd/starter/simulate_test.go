package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/lab"
)

// TestSimulateIsPlan: without events, rota simulate's schedule.csv is
// rota plan's CSV, byte for byte, on a rotation of each shared scenario.
func TestSimulateIsPlan(t *testing.T) {
	cases := []struct{ file, rotation, weeks string }{
		{"sre-24h.yaml", "sre-layers", "4"},
		{"data-oncall.yaml", "data-oncall", "8"},
		{"shift-week.yaml", "shift-week", "8"},
		{"solar-lottery-demo.yaml", "icebreaker", "12"},
	}
	for _, c := range cases {
		t.Run(c.rotation, func(t *testing.T) {
			f := scenarioPath(t, c.file)
			dir := t.TempDir()
			code, out, stderr := rota("simulate", "-f", f, "--rotation", c.rotation, "--weeks", c.weeks, "--out", dir)
			if code != 0 {
				t.Fatalf("simulate: exit %d: %s", code, stderr)
			}
			code, plan, stderr := rota("plan", "-f", f, "--rotation", c.rotation, "--weeks", c.weeks, "--format", "csv")
			if code != 0 {
				t.Fatalf("plan: exit %d: %s", code, stderr)
			}
			got, err := os.ReadFile(filepath.Join(dir, "schedule.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != plan || strings.Count(plan, "\n") < 3 {
				t.Errorf("schedule.csv:\n%s\nrota plan:\n%s", got, plan)
			}
			var rep struct {
				Shifts []json.RawMessage
				Run    struct {
					Runs     int
					Shifts   int
					PerShift float64 `json:"modelled_history_events_per_shift"`
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Run.Shifts != len(rep.Shifts) || rep.Run.Shifts != strings.Count(plan, "\n")-1 || rep.Run.PerShift <= 0 {
				t.Errorf("report.json: %d shifts, run %+v", len(rep.Shifts), rep.Run)
			}
			if !strings.Contains(out, "output: "+filepath.Join(dir, "schedule.csv")) {
				t.Errorf("stdout:\n%s", out)
			}
			page, err := os.ReadFile(filepath.Join(dir, "report.html"))
			if err != nil || !strings.Contains(string(page), c.rotation) {
				t.Errorf("report.html: %v", err)
			}
		})
	}
}

// TestSimulateEvents: each event of examples/events.yaml is reported,
// applied or rejected with its reason; a bad events file is an error
// naming its file, line and field.
func TestSimulateEvents(t *testing.T) {
	team, events := filepath.Join("..", "..", "examples", "team.yaml"), filepath.Join("..", "..", "examples", "events.yaml")
	dir := t.TempDir()
	code, out, stderr := rota("simulate", "-f", team, "--rotation", "platform", "--weeks", "4", "--events", events, "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "8 events: 7 applied, 1 rejected") || !strings.Contains(out, `rejected: unknown member "zed"`) {
		t.Errorf("stdout:\n%s", out)
	}
	var rep struct {
		Events []struct {
			Op, Source, Reason string
			Applied            bool
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	ops := []string{"swap", "cover", "leave_shift", "unavailable", "join", "unavailable", "pause", "resume"}
	if len(rep.Events) != len(ops) {
		t.Fatalf("report.json events: %+v", rep.Events)
	}
	for i, e := range rep.Events {
		if e.Op != ops[i] || !strings.HasPrefix(e.Source, events+":") || e.Applied == (e.Reason != "") {
			t.Errorf("event %d: %+v", i, e)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("- at: 2026-11-05T10:00\n  op: cover\n  shift: x\n  member: alice\n  bye: bob\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = rota("simulate", "-f", team, "--rotation", "platform", "--weeks", "4", "--events", bad, "--out", t.TempDir())
	if code != 1 || !strings.Contains(stderr, bad+":1:3: [0].by: missing") || !strings.Contains(stderr, bad+":5:3: [0].bye: unknown field") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestSimulateCompare: --compare runs the scenario and its events under
// each strategy, one row each, and writes each one's files.
func TestSimulateCompare(t *testing.T) {
	team, events := filepath.Join("..", "..", "examples", "team.yaml"), filepath.Join("..", "..", "examples", "events.yaml")
	dir := t.TempDir()
	code, out, stderr := rota("simulate", "-f", team, "--rotation", "platform", "--weeks", "4", "--events", events,
		"--compare", "fair,queue,lottery", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[0], "STRATEGY") || !strings.Contains(lines[0], "MOVED") {
		t.Fatalf("stdout:\n%s", out)
	}
	for i, st := range []string{"fair", "queue", "lottery"} {
		fields := strings.Fields(lines[1+i])
		if len(fields) != 12 || fields[0] != st {
			t.Errorf("row %d: %q", i, lines[1+i])
		}
		if fields[9] == "0" {
			t.Errorf("%s: the events moved no shift: %q", st, lines[1+i])
		}
		for _, name := range []string{"schedule.csv", "report.json", "report.html"} {
			if _, err := os.Stat(filepath.Join(dir, st, name)); err != nil {
				t.Error(err)
			}
		}
	}
	if code, _, _ := rota("simulate", "-f", team, "--rotation", "platform", "--compare", "fair,bogus"); code != 2 {
		t.Errorf("an unknown strategy: exit %d, want 2", code)
	}
}

// TestProgress: the bar shows the simulated date, shifts done and time
// taken, ends its line when done, and is not drawn off a terminal.
func TestProgress(t *testing.T) {
	var b strings.Builder
	from := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	drawProgress(&b, lab.Progress{Now: from.AddDate(0, 0, 14), From: from, To: from.AddDate(0, 0, 28), Shifts: 13, Elapsed: 1500 * time.Millisecond})
	if got := b.String(); got != "\r[###############...............] 2026-11-16  13 shifts  1.5s " {
		t.Errorf("%q", got)
	}
	b.Reset()
	drawProgress(&b, lab.Progress{Now: from.AddDate(0, 0, 28), From: from, To: from.AddDate(0, 0, 28), Shifts: 28, Done: true})
	if got := b.String(); !strings.HasPrefix(got, "\r[##############################] 2026-11-30  28 shifts") || !strings.HasSuffix(got, "\n") {
		t.Errorf("%q", got)
	}
	if isTerminal(&b) {
		t.Error("a buffer is no terminal")
	}
}
