package lab

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/engine"
)

// TestAssignAndAvailable sends assign and available, the two operations
// examples/events.yaml leaves out:
//
//   - an assign of a shift not planned yet (the 20th, carol's in rota
//     plan) to bob is applied, kept until the shift is planned, and bob
//     is on it in the schedule;
//   - an assign of erin to the 10th, the day after her shift, is
//     rejected by the engine for the rest rule;
//   - erin reports herself away from the 23rd to the 29th, then
//     available for the 24th to the 25th: available withdraws every
//     reported unavailability that overlaps its window, whole, so erin
//     serves in the week again (which, without the available, she does
//     not);
//   - the same available again is rejected: there is no unavailability
//     left to withdraw.
func TestAssignAndAvailable(t *testing.T) {
	const withAvailable = `- {at: 2026-11-05T10:00, op: assign, shift: platform/main/2026-11-20T09:00:00Z, members: [bob]}
- {at: 2026-11-05T11:00, op: assign, shift: platform/main/2026-11-10T09:00:00Z, members: erin}
- {at: 2026-11-06T10:00, op: unavailable, member: erin, from: 2026-11-23, to: 2026-11-29, reason: conference}
- {at: 2026-11-08T10:00, op: available, member: erin, from: 2026-11-24, to: 2026-11-25}
- {at: 2026-11-09T10:00, op: available, member: erin, from: 2026-11-24, to: 2026-11-25}
`
	run := func(t *testing.T, events string) *Result {
		t.Helper()
		opt := team(t)
		var err error
		if opt.Events, err = ParseEvents("events.yaml", []byte(events), ".", &opt.Rotation); err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Events) != len(opt.Events) {
			t.Fatalf("%d outcomes of %d events", len(res.Events), len(opt.Events))
		}
		return res
	}
	res := run(t, withAvailable)
	ev := res.Events
	for i, e := range ev {
		t.Logf("%s %s: applied %v, reason %q, shifts %v, notes %v", e.Source, e.Op, e.Applied, e.Reason, e.Shifts, e.Notes)
		if e.Sent.IsZero() || !e.Sent.Equal(e.At) {
			t.Errorf("event %d sent at %s, scripted at %s", i, e.Sent, e.At)
		}
	}

	// The assign of a future shift.
	future := "platform/main/2026-11-20T09:00:00Z"
	if e := ev[0]; !e.Applied || e.Op != "assign" || !slices.Contains(e.Shifts, future) ||
		!slices.ContainsFunc(e.Notes, func(n string) bool { return strings.Contains(n, "assigned to bob by hand") }) {
		t.Errorf("assign of a future shift: %+v", e)
	}
	if sh, ok := shiftAt(res, future); !ok || !slices.Equal(sh.Assignees, []string{"bob"}) {
		t.Errorf("the shift assigned to bob: %+v (found %v)", sh, ok)
	}
	base, err := Plan(team(t))
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(base, func(s engine.Shift) bool { return s.ID == future }); i < 0 || slices.Contains(base[i].Assignees, "bob") {
		t.Fatalf("rota plan already has bob on %s: the test shows nothing", future)
	}

	// The assign that breaks the rest rule.
	if e := ev[1]; e.Applied || !strings.Contains(e.Reason, "cannot assign") || !strings.Contains(e.Reason, "erin") {
		t.Errorf("assign of erin the day after her shift: applied %v, reason %q", e.Applied, e.Reason)
	}
	if sh, ok := shiftAt(res, "platform/main/2026-11-10T09:00:00Z"); !ok || slices.Contains(sh.Assignees, "erin") {
		t.Errorf("the rejected assign is in the schedule: %+v", sh)
	}

	// The unavailability, withdrawn whole by an available for part of it.
	if e := ev[2]; !e.Applied {
		t.Errorf("unavailable: rejected: %s", e.Reason)
	}
	if e := ev[3]; !e.Applied || !slices.Contains(e.Notes, "erin is available again") {
		t.Errorf("available: %+v", e)
	}
	if e := ev[4]; e.Applied || !strings.Contains(e.Reason, "erin has no reported unavailability") {
		t.Errorf("available with nothing to withdraw: applied %v, reason %q", e.Applied, e.Reason)
	}
	from, to := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	inWindow := func(res *Result) []string {
		var ids []string
		for _, sh := range res.Shifts {
			if sh.Start.Before(to) && sh.End.After(from) && slices.Contains(sh.Assignees, "erin") {
				ids = append(ids, sh.ID)
			}
		}
		return ids
	}
	served := inWindow(res)
	t.Logf("erin serves %v", served)
	if len(served) == 0 {
		t.Error("erin is available again from the 23rd to the 29th and serves none of it")
	}
	outside := slices.ContainsFunc(served, func(id string) bool {
		sh, _ := shiftAt(res, id)
		return sh.End.Before(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) || sh.Start.After(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	})
	if !outside {
		t.Errorf("erin serves %v: none outside the part the available named, as if it withdrew only that part", served)
	}
	// Without the available, the unavailability holds.
	lines := strings.SplitAfter(withAvailable, "\n")
	away := run(t, strings.Join(lines[:3], ""))
	if got := inWindow(away); len(got) != 0 {
		t.Errorf("without the available, erin serves %v while away", got)
	}
}
