package workflows

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/rules"
)

// send sends an operation by update or by signal.
func send(env *testsuite.TestWorkflowEnvironment, via, name string, arg any) *outcome {
	if via == "update" {
		return update(env, name, arg)
	}
	env.SignalWorkflow(name, arg)
	return nil
}

// TestChanges applies a swap, an unavailability that hits a final shift
// and a leave_shift of the running shift, by update and by signal, and
// checks the schedule against the engine applying the same changes to the
// batch plan, the audit log, the notices and the handoff of the split shift.
func TestChanges(t *testing.T) {
	for _, via := range []string{"update", "signal"} {
		t.Run(via, func(t *testing.T) { testChanges(t, via) })
	}
}

func testChanges(t *testing.T, via string) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	t1 := day(3).Add(time.Hour)

	// What the engine does with the same changes to the same plan.
	p, st := batch(t, rot, members, t1.Add(rot.PlanAhead))
	shiftAt := func(n int) engine.Shift {
		sh, ok := st.Shift("sre/main/" + render.UTC(day(n)))
		if !ok {
			t.Fatalf("no shift on day %d", n)
		}
		return *sh
	}
	// A swap the engine accepts: day 10's assignee with a later one.
	var swap SwapInput
	for n := 11; n < 20 && swap.ShiftA == ""; n++ {
		a, b := shiftAt(10), shiftAt(n)
		if _, err := p.Swap(st.Clone(), a.ID, a.Assignees[0], b.ID, b.Assignees[0], t1); err == nil {
			swap = SwapInput{ShiftA: a.ID, MemberA: a.Assignees[0], ShiftB: b.ID, MemberB: b.Assignees[0], RequestedBy: a.Assignees[0]}
		}
	}
	if swap.ShiftA == "" {
		t.Fatal("no swap possible")
	}
	wantSwap, err := p.Swap(st, swap.ShiftA, swap.MemberA, swap.ShiftB, swap.MemberB, t1)
	if err != nil {
		t.Fatal(err)
	}
	hit := shiftAt(15)
	away := UnavailableInput{Member: hit.Assignees[0], From: day(15).Add(-9 * time.Hour), To: day(16).Add(-9 * time.Hour), Reason: "dentist", RequestedBy: hit.Assignees[0]}
	wantAway, err := p.Unavailable(st, away.Member, away.From, away.To, away.Reason, t1.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	running := shiftAt(3)
	leave := LeaveShiftInput{Shift: running.ID, Member: running.Assignees[0], Reason: "sick", RequestedBy: running.Assignees[0]}
	wantLeave, err := p.LeaveShift(st, leave.Shift, leave.Member, t1.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(wantLeave.Shifts) != 2 {
		t.Fatalf("leave_shift of a running shift changed %v, want it split", wantLeave.Shifts)
	}
	rest, _ := st.Shift(wantLeave.Shifts[1])

	rec := &recorder{}
	var outcomes []*outcome
	var sched render.Plan
	var audit []AuditEntry
	var who WhoResult
	var mu sync.Mutex
	var onCall [][]string
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) {
			outcomes = append(outcomes, send(env, via, Swap, swap))
		}},
		{when: t1.Add(time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			outcomes = append(outcomes, send(env, via, Unavailable, away))
		}},
		{when: t1.Add(2 * time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			outcomes = append(outcomes, send(env, via, LeaveShift, leave))
		}},
		{when: t1.Add(10 * time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: day(2), To: day(30)})
			audit = query[[]AuditEntry](t, env, QueryAudit)
			who = query[WhoResult](t, env, QueryWho)
			env.CancelWorkflow()
		}},
	}
	recordOnCall := func(env *testsuite.TestWorkflowEnvironment) {
		env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Maybe().Run(func(args mock.Arguments) {
			if sa, ok := args.Get(0).(temporal.SearchAttributes); ok {
				if v, ok := sa.GetKeywordList(attrOnCall); ok {
					mu.Lock()
					onCall = append(onCall, v)
					mu.Unlock()
				}
			}
		})
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps, recordOnCall); err == nil {
		t.Fatal("want the workflow canceled")
	}

	// The schedule is the engine's.
	if len(sched.Shifts) != 29 {
		t.Errorf("schedule has %d shifts, want 29 (28 days, one split)", len(sched.Shifts))
	}
	for _, s := range sched.Shifts {
		sh, ok := st.Shift(s.ID)
		if !ok || !slices.Equal(sh.Assignees, s.Assignees) || !s.Start.Equal(sh.Start) || !s.End.Equal(sh.End) {
			t.Errorf("schedule %+v, engine %+v", s, sh)
		}
	}
	wantStatus := map[string]string{running.ID: StatusPast, rest.ID: StatusCurrent, swap.ShiftA: StatusFinal, hit.ID: StatusFinal}
	for _, s := range sched.Shifts {
		if w, ok := wantStatus[s.ID]; ok && s.Status != w {
			t.Errorf("%s is %s, want %s", s.ID, s.Status, w)
		}
	}
	if !slices.Equal(who.OnCall, rest.Assignees) || len(who.Current) != 1 || who.Current[0].ID != rest.ID {
		t.Errorf("who: %+v, want %v on %s", who, rest.Assignees, rest.ID)
	}

	// The audit log has the three changes, accepted, with what they changed.
	wantChanges := []struct {
		op     string
		change engine.Change
	}{{Swap, wantSwap}, {Unavailable, wantAway}, {LeaveShift, wantLeave}}
	if len(audit) != 3 {
		t.Fatalf("audit: %+v", audit)
	}
	for i, w := range wantChanges {
		e := audit[i]
		if e.Operation != w.op || e.Via != via || !e.Accepted || !slices.Equal(e.Shifts, w.change.Shifts) || !slices.Equal(e.Notes, w.change.Notes) || e.RequestedBy == "" {
			t.Errorf("audit %d: %+v, want %s %+v", i, e, w.op, w.change)
		}
		if via == "update" {
			o := outcomes[i]
			if !o.accepted || !o.completed || o.failed != nil || !slices.Equal(o.change.Shifts, w.change.Shifts) {
				t.Errorf("update %s: %+v", w.op, o)
			}
		}
	}

	// The people concerned were told; the rest of the running shift was
	// handed off at once to whoever took it.
	told := [][]string{{swap.MemberA, swap.MemberB}, {away.Member}, {leave.Member}}
	for i, w := range wantChanges {
		prefix := fmt.Sprintf("%s/change/1/", w.change.Shifts[0])
		var to []string
		for _, c := range rec.all("dm") {
			if strings.HasPrefix(c.Key, prefix) {
				to = append(to, c.To)
			}
		}
		for _, m := range told[i] {
			if !slices.Contains(to, m) {
				t.Errorf("%s: %s not told (told %v)", w.op, m, to)
			}
		}
	}
	handoff := pagerCalls(rec, rest.ID)
	if len(handoff) != 1 || !slices.Equal(handoff[0].Members, rest.Assignees) || !handoff[0].At.Equal(t1.Add(2*time.Minute)) {
		t.Errorf("handoff of the rest of the running shift: %+v", handoff)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(onCall) == 0 || !slices.Equal(onCall[len(onCall)-1], rest.Assignees) {
		t.Errorf("RotaOnCall upserts %v, want the last to be %v", onCall, rest.Assignees)
	}
}

// TestBadSignals sends signals that cannot be applied: each is recorded in
// the audit log as rejected and the rotation carries on.
func TestBadSignals(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	t1 := start.Add(3*24*time.Hour + time.Hour)
	rec := &recorder{}
	var audit []AuditEntry
	var who WhoResult
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Swap, "not an object")
			env.SignalWorkflow(Unavailable, map[string]any{"member": 5, "from": "yesterday"})
			env.SignalWorkflow(Cover, nil)
			env.SignalWorkflow(LeaveShift, LeaveShiftInput{Shift: "sre/main/2030-01-01T09:00:00Z", Member: "sre1"})
			env.SignalWorkflow(Available, AvailableInput{Member: "sre1", From: t1, To: t1})
		}},
		{when: t1.Add(3 * 24 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			who = query[WhoResult](t, env, QueryWho)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	want := map[string]string{
		Swap:        "bad payload",
		Unavailable: "bad payload",
		Cover:       "member is required",
		LeaveShift:  "unknown shift",
		Available:   "is not before",
	}
	if len(audit) != len(want) {
		t.Fatalf("audit: %+v", audit)
	}
	for _, e := range audit {
		if e.Accepted || e.Via != "signal" || !strings.Contains(e.Reason, want[e.Operation]) || !e.Time.Equal(t1) {
			t.Errorf("audit entry %+v, want rejected with %q", e, want[e.Operation])
		}
	}
	// It carried on: the shift running three days later was handed off.
	if len(who.Current) != 1 {
		t.Fatalf("who: %+v", who)
	}
	if n := len(handoffs(rec)); n != 7 {
		t.Errorf("%d handoffs in the first 7 days, want 7", n)
	}
}

// TestValidators sends bad updates: each validator refuses them, so they
// are never accepted and leave no audit entry.
func TestValidators(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	rot.Admins = []string{"sre1"}
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	id := func(n int) string { return "sre/main/" + render.UTC(day(n)) }
	t1 := day(3).Add(time.Hour)
	_, st := batch(t, rot, members, t1.Add(rot.PlanAhead))
	on := func(n int) string {
		sh, _ := st.Shift(id(n))
		return sh.Assignees[0]
	}
	other := rot
	other.ID = "other"
	badLayer := rot
	badLayer.Layers = slices.Clone(rot.Layers)
	badLayer.Layers[0].Members = append(slices.Clone(rot.Layers[0].Members), badLayer.Layers[0].Members[0])
	badLayer.Layers[0].Members[len(badLayer.Layers[0].Members)-1].ID = "zed"

	cases := []struct {
		name, op string
		arg      any
		want     string // "" for accepted
	}{
		{"unknown member", Swap, SwapInput{ShiftA: id(10), MemberA: "zed", ShiftB: id(12), MemberB: on(12), RequestedBy: "sre1"}, `unknown member "zed"`},
		{"unknown shift", Cover, CoverInput{Shift: id(400), Member: "sre2", By: "sre3", RequestedBy: "sre1"}, "unknown shift"},
		{"ended shift", LeaveShift, LeaveShiftInput{Shift: id(1), Member: on(1), RequestedBy: "sre1"}, "ended at"},
		{"from after to", Unavailable, UnavailableInput{Member: "sre2", From: day(9), To: day(8), RequestedBy: "sre1"}, "is not before"},
		{"from equals to", Available, AvailableInput{Member: "sre2", From: day(9), To: day(9), RequestedBy: "sre1"}, "is not before"},
		{"not admin", Unavailable, UnavailableInput{Member: "sre2", From: day(9), To: day(10), RequestedBy: "sre3"}, "not an admin"},
		{"no requester", LeaveShift, LeaveShiftInput{Shift: id(10), Member: on(10)}, "requested_by is required"},
		{"assign not admin", Assign, AssignInput{Shift: id(12), Members: []string{"sre2"}, RequestedBy: "sre2"}, "only sre1 may assign"},
		{"engine refuses", Swap, SwapInput{ShiftA: id(3), MemberA: on(3), ShiftB: id(12), MemberB: on(12), RequestedBy: "sre1"}, "has started"},
		{"not paused", Resume, ResumeInput{RequestedBy: "sre1"}, "not paused"},
		{"other rotation", Configure, ConfigureInput{Rotation: other, Members: members}, "not \"sre\""},
		{"bad config", Configure, ConfigureInput{Rotation: badLayer, Members: members}, `unknown member "zed"`},
		{"member concerned", Unavailable, UnavailableInput{Member: "sre2", From: day(40), To: day(41), RequestedBy: "sre2"}, ""},
		{"admin", Pause, PauseInput{Reason: "maintenance", RequestedBy: "sre1"}, ""},
	}
	outcomes := make([]*outcome, len(cases))
	var audit []AuditEntry
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) {
			for i, c := range cases {
				outcomes[i] = update(env, c.op, c.arg)
			}
		}},
		{when: t1.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, &recorder{}, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	accepted := 0
	for i, c := range cases {
		o := outcomes[i]
		if c.want == "" {
			accepted++
			if !o.accepted || !o.completed || o.failed != nil {
				t.Errorf("%s: %+v, want accepted", c.name, o)
			}
			continue
		}
		if o.accepted || o.rejected == nil || !strings.Contains(o.rejected.Error(), c.want) {
			t.Errorf("%s: accepted %v, rejected %v; want rejected with %q", c.name, o.accepted, o.rejected, c.want)
		}
	}
	if len(audit) != accepted {
		t.Errorf("audit: %+v, want only the %d accepted updates", audit, accepted)
	}
}

// TestPauseResume: while paused nothing is planned, told or handed off;
// on resume the slots that ended meanwhile are planned silently, as rota
// plan has them, and the running one is told and handed off at once.
func TestPauseResume(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	rec := &recorder{}
	var sched render.Plan
	var cfg ConfigResult
	steps := []*at{
		{when: day(1).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Pause, PauseInput{Reason: "reorg"})
		}},
		{when: day(2), fn: func(env *testsuite.TestWorkflowEnvironment) {
			cfg = query[ConfigResult](t, env, QueryConfig)
		}},
		{when: day(40).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Resume, nil)
		}},
		{when: day(41).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: day(30), To: day(42)})
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members, MaxShiftsPerRun: 20}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if !cfg.Paused || cfg.PauseReason != "reorg" {
		t.Errorf("config while paused: %+v", cfg)
	}
	var at []time.Time
	for _, c := range handoffs(rec) {
		at = append(at, c.At)
	}
	want := []time.Time{day(0), day(1), day(40).Add(time.Hour), day(41)}
	if !slices.EqualFunc(at, want, time.Time.Equal) {
		t.Errorf("handoffs at %v, want %v", at, want)
	}
	for _, c := range rec.all("dm") {
		if c.At.After(day(1).Add(time.Hour)) && c.At.Before(day(40).Add(time.Hour)) {
			t.Errorf("message while paused: %+v", c)
		}
	}
	// The days that went by while paused were planned on resume, as rota
	// plan has them, silently: the schedule does not depend on the pause.
	_, want2 := batch(t, rot, members, day(42))
	// (Shifts that ended more than 7 days ago are pruned: day 33 is the
	// first kept.)
	if len(sched.Shifts) != 9 || !sched.Shifts[0].Start.Equal(day(33)) {
		t.Fatalf("schedule after resume: %+v, want days 33 to 41", sched.Shifts)
	}
	for _, s := range sched.Shifts {
		sh, ok := want2.Shift(s.ID)
		if !ok || !slices.Equal(sh.Assignees, s.Assignees) {
			t.Errorf("%s: %v, rota plan gives %v", s.ID, s.Assignees, sh)
		}
	}
}

// TestBadConfigStalls: a rotation started with a config the engine
// refuses does not fail: it is stalled, says why, refuses the same config
// by configure's validator, and runs once a good config is applied.
func TestBadConfigStalls(t *testing.T) {
	good, members := scenario(t, "sre", 0)
	bad := good
	bad.Layers = slices.Clone(good.Layers)
	bad.Layers[0].Members = append(slices.Clone(good.Layers[0].Members), good.Layers[0].Members[0])
	bad.Layers[0].Members[len(bad.Layers[0].Members)-1].ID = "zed"
	start := startOf(t, &good)
	var stalled, fixed StatusResult
	var refused, accepted *outcome
	var who WhoResult
	steps := []*at{
		{when: start.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			stalled = query[StatusResult](t, env, QueryStatus)
			refused = update(env, Configure, ConfigureInput{Rotation: bad, Members: members})
		}},
		{when: start.Add(2 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			accepted = update(env, Configure, ConfigureInput{Rotation: good, Members: members})
		}},
		{when: start.Add(3 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			fixed = query[StatusResult](t, env, QueryStatus)
			who = query[WhoResult](t, env, QueryWho)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, &recorder{}, start, RotationInput{Rotation: bad, Members: members}, steps); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("got %v, want the workflow canceled (not failed)", err)
	}
	if stalled.Health.Health != HealthStalled || !strings.Contains(stalled.PlanError, `unknown member "zed"`) {
		t.Errorf("status with a bad config: %+v", stalled)
	}
	if refused == nil || refused.rejected == nil || !strings.Contains(refused.rejected.Error(), "bad config") {
		t.Errorf("configure with the bad config: %+v, want refused by the validator", refused)
	}
	if accepted == nil || !accepted.completed || accepted.failed != nil {
		t.Errorf("configure with a good config: %+v", accepted)
	}
	if fixed.Health.Health != HealthOK || len(who.Current) != 1 {
		t.Errorf("after a good config: status %+v, who %+v", fixed, who)
	}
}

// TestReconfigureKeepsTheRunningHandoff: applying a changed config (as
// `rota apply` does) in the middle of a shift neither hands the running
// shift off again nor changes who serves the shifts already planned.
func TestReconfigureKeepsTheRunningHandoff(t *testing.T) {
	rot, members := scenario(t, "sre", 1)
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	rec := &recorder{}
	changed := rot
	changed.Name = "SRE primary on-call (renamed)"
	changed.Duties = "- a new duty list"
	var before, after render.Plan
	var res *outcome
	steps := []*at{
		{when: day(1).Add(3 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			before = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: day(0), To: day(7)})
			res = update(env, Configure, ConfigureInput{Rotation: changed, Members: members})
		}},
		{when: day(1).Add(4 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			after = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: day(0), To: day(7)})
			cfg := query[ConfigResult](t, env, QueryConfig)
			if cfg.Rotation.Name != changed.Name {
				t.Errorf("config after configure: %q", cfg.Rotation.Name)
			}
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err != nil {
		t.Fatal(err)
	}
	if res == nil || !res.completed || res.failed != nil || res.rejected != nil {
		t.Fatalf("configure: %+v", res)
	}
	for i := range before.Shifts {
		if !slices.Equal(before.Shifts[i].Assignees, after.Shifts[i].Assignees) {
			t.Errorf("%s: %v became %v", before.Shifts[i].ID, before.Shifts[i].Assignees, after.Shifts[i].Assignees)
		}
	}
	pager := rec.all("pager")
	if len(pager) != 7 {
		t.Errorf("%d pager syncs for 7 shifts", len(pager))
	}
	keys := map[string]bool{}
	for _, c := range pager {
		if keys[c.Key] {
			t.Errorf("handed off twice: %s", c.Key)
		}
		keys[c.Key] = true
	}
	for _, c := range rec.all("announce") {
		if c.At.After(day(1)) && c.At.Before(day(2)) && strings.Contains(c.Key, "handoff") {
			t.Errorf("running shift announced again at %v: %s", c.At, c.Key)
		}
	}
}

// TestPreviewPredictsConfigure: after a swap, the preview of a changed
// config (a member leaves the rotation) lists no final shift, and every
// shift it lists changes exactly as it says once the config is applied;
// the others do not change.
func TestPreviewPredictsConfigure(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	t1 := start.Add(3*24*time.Hour + time.Hour)
	p, st := batch(t, rot, members, t1.Add(rot.PlanAhead))
	var swap SwapInput
	for n := 11; n < 20 && swap.ShiftA == ""; n++ {
		a, _ := st.Shift("sre/main/" + render.UTC(start.Add(10*24*time.Hour)))
		b, _ := st.Shift("sre/main/" + render.UTC(start.Add(time.Duration(n)*24*time.Hour)))
		if _, err := p.Swap(st.Clone(), a.ID, a.Assignees[0], b.ID, b.Assignees[0], t1); err == nil {
			swap = SwapInput{ShiftA: a.ID, MemberA: a.Assignees[0], ShiftB: b.ID, MemberB: b.Assignees[0]}
		}
	}
	if swap.ShiftA == "" {
		t.Fatal("no swap possible")
	}
	smaller := rot
	smaller.Layers = slices.Clone(rot.Layers)
	smaller.Layers[0].Members = rot.Layers[0].Members[:6] // sre7 leaves
	var preview PreviewResult
	var before, after render.Plan
	window := func(env *testsuite.TestWorkflowEnvironment) render.Plan {
		return query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: t1.Add(2 * time.Minute), To: preview.To})
	}
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) { update(env, Swap, swap) }},
		{when: t1.Add(time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			preview = query[PreviewResult](t, env, QueryPreview, ConfigureInput{Rotation: smaller, Members: members})
			before = window(env)
			update(env, Configure, ConfigureInput{Rotation: smaller, Members: members})
		}},
		{when: t1.Add(2 * time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			after = window(env)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, &recorder{}, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if len(preview.Changes) == 0 {
		t.Fatal("the preview lists no change, though sre7 leaves")
	}
	changed := map[string]bool{}
	for _, c := range preview.Changes {
		changed[c.Shift] = true
		if c.Start.Before(preview.FinalUntil) {
			t.Errorf("change %+v to a final shift (final until %s)", c, preview.FinalUntil)
		}
		if slices.Contains(c.New, "sre7") {
			t.Errorf("change %+v gives sre7 a shift", c)
		}
	}
	if len(before.Shifts) != len(after.Shifts) {
		t.Fatalf("%d shifts before, %d after", len(before.Shifts), len(after.Shifts))
	}
	for i, b := range before.Shifts {
		a := after.Shifts[i]
		if c := slices.IndexFunc(preview.Changes, func(c rules.Change) bool { return c.Shift == a.ID }); c >= 0 {
			if !slices.Equal(preview.Changes[c].Old, b.Assignees) || !slices.Equal(preview.Changes[c].New, a.Assignees) {
				t.Errorf("%s: preview %v -> %v, schedule %v -> %v", a.ID, preview.Changes[c].Old, preview.Changes[c].New, b.Assignees, a.Assignees)
			}
		} else if !slices.Equal(a.Assignees, b.Assignees) {
			t.Errorf("%s changed %v -> %v, the preview did not say so", a.ID, b.Assignees, a.Assignees)
		}
	}
	t.Logf("%d of %d shifts change; final until %s", len(preview.Changes), len(after.Shifts), preview.FinalUntil)
}

// handoffs are the channel posts of the handoffs (not again after a change).
func handoffs(rec *recorder) []call {
	var out []call
	for _, c := range rec.all("announce") {
		if strings.HasSuffix(c.Key, "/handoff/announce") {
			out = append(out, c)
		}
	}
	return out
}

// TestSkippedHandoffIsAudited: a shift people were told of that ended
// before the rotation reached its handoff (here, while paused; in
// production also when no worker ran, or the worker was too far behind)
// is not handed off, and the audit log says so.
func TestSkippedHandoffIsAudited(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	rec := &recorder{}
	var audit []AuditEntry
	steps := []*at{
		{when: day(1).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Pause, PauseInput{Reason: "drill"})
		}},
		{when: day(3).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Resume, nil)
		}},
		{when: day(4).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members, MaxShiftsPerRun: 20}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	var skipped []AuditEntry
	for _, e := range audit {
		if e.Operation == "handoff" {
			skipped = append(skipped, e)
		}
	}
	day2 := rot.ID + "/main/" + day(2).UTC().Format(time.RFC3339)
	if len(skipped) != 1 || skipped[0].Input != day2 || skipped[0].Accepted ||
		!strings.Contains(skipped[0].Reason, "skipped: the shift ended at "+day(3).UTC().Format(time.RFC3339)) {
		t.Errorf("handoff entries %+v, want one for %s, skipped", skipped, day2)
	}
	var at []time.Time
	for _, c := range handoffs(rec) {
		at = append(at, c.At)
	}
	if want := []time.Time{day(0), day(1), day(3).Add(time.Hour), day(4)}; !slices.EqualFunc(at, want, time.Time.Equal) {
		t.Errorf("handoffs at %v, want %v", at, want)
	}
}
