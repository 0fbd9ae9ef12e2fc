package lab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

func team(t *testing.T) Options {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "examples", "team.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rot, ok := cfg.Rotation("platform")
	if !ok {
		t.Fatal("no rotation platform")
	}
	return Options{Rotation: *rot, Members: cfg.Members, Weeks: 4}
}

func shiftAt(res *Result, id string) (render.Shift, bool) {
	i := slices.IndexFunc(res.Shifts, func(s render.Shift) bool { return s.ID == id })
	if i < 0 {
		return render.Shift{}, false
	}
	return res.Shifts[i], true
}

// TestEventsAppliedOrRejected runs examples/events.yaml: a swap, a cover,
// a leave_shift of the running shift, an unavailability, a join by config
// change, a pause and resume are applied and show in the schedule; the
// unavailability of an unknown member is rejected with the workflow's
// reason.
func TestEventsAppliedOrRejected(t *testing.T) {
	opt := team(t)
	events, err := LoadEvents(filepath.Join("..", "examples", "events.yaml"), &opt.Rotation)
	if err != nil {
		t.Fatal(err)
	}
	opt.Events = events
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != len(events) || len(events) != 8 {
		t.Fatalf("%d outcomes of %d events", len(res.Events), len(events))
	}
	for _, e := range res.Events {
		wantApplied := !strings.Contains(e.Summary, "zed")
		if e.Applied != wantApplied || e.Sent.IsZero() || !e.Sent.Equal(e.At) {
			t.Errorf("%s %s: applied %v (%s), sent %s", e.Source, e.Op, e.Applied, e.Reason, e.Sent)
		}
		if !e.Applied && !strings.Contains(e.Reason, `"zed"`) {
			t.Errorf("%s rejected for %q, want the unknown member named", e.Source, e.Reason)
		}
		if e.Applied && e.Reason != "" {
			t.Errorf("%s applied with a reason %q", e.Source, e.Reason)
		}
	}
	has := func(id, member string) bool {
		sh, ok := shiftAt(res, id)
		return ok && slices.Contains(sh.Assignees, member)
	}
	if !has("platform/main/2026-11-09T09:00:00Z", "carol") || !has("platform/main/2026-11-10T09:00:00Z", "erin") {
		t.Error("the swap is not in the schedule")
	}
	if !has("platform/main/2026-11-11T09:00:00Z", "bob") {
		t.Error("the cover is not in the schedule")
	}
	// The running shift was split at 15:00: dave served until then,
	// someone else the rest.
	split, _ := shiftAt(res, "platform/main/2026-11-12T09:00:00Z")
	leftAt := time.Date(2026, 11, 12, 15, 0, 0, 0, time.UTC)
	if !split.End.Equal(leftAt) || !slices.Equal(split.Assignees, []string{"dave"}) {
		t.Errorf("the shift dave left: %+v", split)
	}
	rest := slices.IndexFunc(res.Shifts, func(s render.Shift) bool { return s.Start.Equal(leftAt) })
	if rest < 0 || slices.Contains(res.Shifts[rest].Assignees, "dave") || len(res.Shifts[rest].Assignees) != 1 {
		t.Errorf("the rest of the shift dave left: %v", rest)
	}
	frank := 0
	for _, sh := range res.Shifts {
		away := sh.Start.Before(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)) && sh.End.After(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
		if away && slices.Contains(sh.Assignees, "erin") {
			t.Errorf("erin serves %s while away", sh.ID)
		}
		if slices.Contains(sh.Assignees, "frank") {
			frank++
			if sh.Start.Before(time.Date(2026, 11, 14, 9, 0, 0, 0, time.UTC)) {
				t.Errorf("frank serves %s before he joined", sh.ID)
			}
		}
	}
	if frank == 0 {
		t.Error("frank joined and never served")
	}
	if i := slices.IndexFunc(res.Report.Members, func(m report.Member) bool { return m.ID == "frank" }); i < 0 {
		t.Error("frank is not in the report")
	}
	// The spread series ends where the report's spread is (every assignee
	// is a member), a point per shift, per kind.
	if len(res.Spread) != len(res.Shifts) || len(res.Spread) == 0 {
		t.Fatalf("%d spread points for %d shifts", len(res.Spread), len(res.Shifts))
	}
	for i, p := range res.Spread {
		if p.Shift != res.Shifts[i].ID {
			t.Fatalf("spread point %d is of %s, shift %d is %s", i, p.Shift, i, res.Shifts[i].ID)
		}
	}
	if last := res.Spread[len(res.Spread)-1].Spread; last != res.Report.Spread {
		t.Errorf("the spread series ends at %+v, the report's spread is %+v", last, res.Report.Spread)
	}
	// Without the events, the same simulation is rota plan's: the events
	// moved shifts.
	base, err := Plan(opt)
	if err != nil {
		t.Fatal(err)
	}
	if n := Moved(res, base); n < 5 {
		t.Errorf("the events moved %d shifts", n)
	}
}

// TestBadEventsFile: every mistake is reported at once, with its file,
// line and field.
func TestBadEventsFile(t *testing.T) {
	opt := team(t)
	data := `- at: 2026-11-05T10:00
  op: swap
  shift_a: platform/main/2026-11-09T09:00:00Z
  member_a: erin
  shift_b: platform/main/2026-11-10T09:00:00Z
- at: tomorrow
  op: cover
  shift: x
  member: alice
  by: bob
- at: 2026-11-06
  op: vacation
- at: 2026-11-06
  op: leave_shift
  shift: x
  member: dave
  colour: blue
- at: 2026-11-06
  op: join
  member: frank
  layers: [night]
`
	_, err := ParseEvents("ev.yaml", []byte(data), ".", &opt.Rotation)
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v, want a config.Errors", err)
	}
	want := []string{
		"ev.yaml:1:3: [0].member_b: missing: swap needs member_b",
		`ev.yaml:6:7: [1].at: want a date-time`,
		`ev.yaml:12:7: [2].op: unknown operation "vacation"`,
		"ev.yaml:17:3: [3].colour: unknown field for leave_shift",
		`ev.yaml:21:11: [4].layers: rotation platform has no layer "night"`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("errors:\n%s\nwant one with %q", msg, w)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d errors, want %d:\n%s", len(errs), len(want), msg)
	}
	for _, bad := range []string{"{at: 1}", "- 1", "[", "- op: pause"} {
		if _, err := ParseEvents("b.yaml", []byte(bad), ".", &opt.Rotation); err == nil || !strings.HasPrefix(err.Error(), "b.yaml") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
	if ev, err := ParseEvents("e.yaml", nil, ".", &opt.Rotation); err != nil || len(ev) != 0 {
		t.Errorf("an empty file: %v %v", ev, err)
	}
}

// TestRandomIsSeeded: random leave and swaps are the same for the same
// seed, and are sent and answered.
func TestRandomIsSeeded(t *testing.T) {
	opt := team(t)
	opt.Weeks = 3
	opt.RandomLeave, opt.RandomSwaps, opt.Seed = 0.1, 4, 7
	a, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	swaps, leave, applied := 0, 0, 0
	for i, e := range a.Events {
		if e.Source != "random" {
			t.Errorf("event %d from %s", i, e.Source)
		}
		switch e.Op {
		case "swap":
			swaps++
		case "unavailable":
			leave++
		}
		if e.Applied {
			applied++
		} else if e.Reason == "" {
			t.Errorf("event %d %s neither applied nor rejected with a reason", i, e.Summary)
		}
		if i < len(b.Events) && (e.Summary != b.Events[i].Summary || e.Applied != b.Events[i].Applied) {
			t.Errorf("event %d: %+v, then %+v", i, e, b.Events[i])
		}
	}
	if swaps != 4 || leave == 0 || applied == 0 || len(a.Events) != len(b.Events) {
		t.Errorf("%d swaps, %d leave, %d applied; %d and %d events", swaps, leave, applied, len(a.Events), len(b.Events))
	}
	for i := range a.Shifts {
		if a.Shifts[i].ID != b.Shifts[i].ID || !slices.Equal(a.Shifts[i].Assignees, b.Shifts[i].Assignees) {
			t.Fatalf("shift %d differs between two runs of the same seed", i)
		}
	}
}

// TestConfigChanges: a configure from a file and a leave_rotation change
// the config in force; from plan_ahead after them, the members who left
// serve no more; leaving twice is refused with a reason.
func TestConfigChanges(t *testing.T) {
	opt := team(t)
	opt.Weeks = 4
	data, err := os.ReadFile(filepath.Join("..", "examples", "team.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	smaller := strings.Replace(string(data), "members: [alice, bob, carol, dave, erin]", "members: [alice, bob, carol, dave]", 1)
	if smaller == string(data) {
		t.Fatal("examples/team.yaml changed: update the test")
	}
	if err := os.WriteFile(filepath.Join(dir, "smaller.yaml"), []byte(smaller), 0o644); err != nil {
		t.Fatal(err)
	}
	events := `- {at: 2026-11-05T10:00, op: configure, file: smaller.yaml}
- {at: 2026-11-06T10:00, op: leave_rotation, member: dave}
- {at: 2026-11-07T10:00, op: leave_rotation, member: dave}
`
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	if opt.Events, err = LoadEvents(path, &opt.Rotation); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 3 || !res.Events[0].Applied || !res.Events[1].Applied || res.Events[2].Applied ||
		!strings.Contains(res.Events[2].Reason, "dave is in none") {
		t.Fatalf("outcomes: %+v", res.Events)
	}
	gone := map[string]time.Time{
		"erin": time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC), // plan_ahead (7d) after the configure
		"dave": time.Date(2026, 11, 14, 9, 0, 0, 0, time.UTC),
	}
	served := map[string]int{}
	for _, sh := range res.Shifts {
		for _, m := range sh.Assignees {
			served[m]++
			if from, ok := gone[m]; ok && !sh.Start.Before(from) {
				t.Errorf("%s serves %s after leaving", m, sh.ID)
			}
		}
	}
	if served["erin"] == 0 || served["dave"] == 0 || served["alice"] < 6 {
		t.Errorf("served: %v", served)
	}
	if rep := res.Report.Members; slices.ContainsFunc(rep, func(m report.Member) bool { return m.ID == "erin" && m.Shifts == 0 }) {
		t.Errorf("report: %+v", rep)
	}
}

// TestEventTimesAreMoments: an event's times read as the config's and rota
// unavailable's do: a date as to is its last day, inclusive; a date as
// from its first instant; a wall time in the rotation's zone.
func TestEventTimesAreMoments(t *testing.T) {
	opt := load(t, "sre-24h.yaml", "sre") // Europe/London
	path := filepath.Join(t.TempDir(), "e.yaml")
	src := "- {at: 2026-11-20T10:00, op: unavailable, member: sre1, from: 2026-11-23, to: 2026-11-25}\n" +
		"- {at: 2026-07-01T10:00, op: unavailable, member: sre1, from: 2026-07-06T09:00, to: 2026-07-07T09:00:00Z}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	evs, err := LoadEvents(path, &opt.Rotation)
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{
		{"2026-11-20T10:00:00Z", "2026-11-23T00:00:00Z", "2026-11-26T00:00:00Z"}, // GMT: the 25th is in the window
		{"2026-07-01T09:00:00Z", "2026-07-06T08:00:00Z", "2026-07-07T09:00:00Z"}, // BST wall times; an instant as it is
	}
	for i, e := range evs {
		got := [3]string{e.At.UTC().Format(time.RFC3339), e.From.UTC().Format(time.RFC3339), e.To.UTC().Format(time.RFC3339)}
		if got != want[i] {
			t.Errorf("event %d: at, from, to %v, want %v", i, got, want[i])
		}
	}
}
