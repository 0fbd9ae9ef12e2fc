package workflows

import (
	"errors"
	"github.com/rota-scheduler/rota/internal/render"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
)

// ops lists the audit's entries as "operation via accepted".
func ops(audit []AuditEntry) []string {
	var out []string
	for _, e := range audit {
		s := e.Operation + " " + e.Via
		if e.Accepted {
			s += " ok"
		} else {
			s += " rejected"
		}
		out = append(out, s)
	}
	return out
}

// TestSignalsInArrivalOrder sends signals of different names in one go,
// as a worker outage backs them up: they take effect in the order sent.
// A paused rotation that gets resume then pause ends paused; a signal of
// an unknown name is audited as rejected.
func TestSignalsInArrivalOrder(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	t1 := start.Add(2*24*time.Hour + time.Hour)
	var audit []AuditEntry
	var cfg ConfigResult
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Pause, PauseInput{Reason: "drill"})
		}},
		{when: t1.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Resume, ResumeInput{})
			env.SignalWorkflow("frobnicate", map[string]string{"x": "y"})
			env.SignalWorkflow(Pause, PauseInput{Reason: "again"})
			env.SignalWorkflow(Available, AvailableInput{Member: "sre1", From: t1, To: t1.Add(time.Hour)})
			env.SignalWorkflow(Resume, ResumeInput{})
			env.SignalWorkflow(Pause, PauseInput{Reason: "last"})
		}},
		{when: t1.Add(2 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			cfg = query[ConfigResult](t, env, QueryConfig)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, &recorder{}, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	want := []string{
		"pause signal ok",
		"resume signal ok", "frobnicate signal rejected", "pause signal ok",
		"available signal rejected", "resume signal ok", "pause signal ok",
	}
	if got := ops(audit); !slices.Equal(got, want) {
		t.Errorf("audit %q\nwant  %q", got, want)
	}
	if !cfg.Paused || cfg.PauseReason != "last" {
		t.Errorf("config %+v: want paused by the last signal", cfg)
	}
	for _, e := range audit {
		if e.Operation == "frobnicate" && !strings.Contains(e.Reason, "unknown operation") {
			t.Errorf("unknown signal audited as %+v", e)
		}
	}
}

// TestUpdateGoesBehindEarlierSignals: an update sent after a signal is
// applied after it. (The test environment delivers the two in separate
// tasks, so this does not reach the lenient validator; the real-server
// TestSignalBurstAfterOutage does: its resume update arrives behind 20
// queued signals and is refused if validated against the state before them.)
func TestUpdateGoesBehindEarlierSignals(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	t1 := start.Add(2*24*time.Hour + time.Hour)
	var audit []AuditEntry
	var cfg ConfigResult
	var resume *outcome
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Pause, PauseInput{Reason: "drill"})
			resume = update(env, Resume, ResumeInput{})
		}},
		{when: t1.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			cfg = query[ConfigResult](t, env, QueryConfig)
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, &recorder{}, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if resume.rejected != nil || resume.failed != nil || !resume.completed {
		t.Errorf("resume: %+v", resume)
	}
	if got, want := ops(audit), []string{"pause signal ok", "resume update ok"}; !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
	if cfg.Paused {
		t.Error("rotation paused: the resume was applied before the pause")
	}
}

// TestNotifierOutage: Slack fails for 10 minutes of workflow time around a
// handoff. Meanwhile the pager is set on time, an update is answered at
// once and the rotation is degraded; once Slack is back every pending send
// goes out exactly once, and the next handoff is on time.
func TestNotifierOutage(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	h := start.Add(3 * 24 * time.Hour) // a handoff
	down, up := h.Add(-5*time.Minute), h.Add(5*time.Minute)
	rec := &recorder{fail: func(kind string, at time.Time) error {
		if kind != "pager" && kind != "publish" && !at.Before(down) && at.Before(up) {
			return errors.New("slack: service unavailable")
		}
		return nil
	}}
	var during, after StatusResult
	var pause *outcome
	steps := []*at{
		{when: h.Add(time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			during = query[StatusResult](t, env, QueryStatus)
			pause = update(env, Pause, PauseInput{Reason: "drill"})
		}},
		{when: h.Add(2 * time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			update(env, Resume, ResumeInput{})
		}},
		{when: h.Add(2 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			after = query[StatusResult](t, env, QueryStatus)
		}},
		{when: h.Add(24*time.Hour + time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.CancelWorkflow()
		}},
	}
	var mu sync.Mutex
	var healths []string // RotaHealth as upserted, in order
	watch := func(env *testsuite.TestWorkflowEnvironment) {
		env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Maybe().Run(func(args mock.Arguments) {
			if sa, ok := args.Get(0).(temporal.SearchAttributes); ok {
				if v, ok := sa.GetKeyword(attrHealth); ok {
					mu.Lock()
					healths = append(healths, v)
					mu.Unlock()
				}
			}
		})
	}
	if _, err := runAll(t, rec, start.Add(time.Hour), RotationInput{Rotation: rot, Members: members}, steps, watch); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if !slices.Contains(healths, HealthDegraded) || healths[len(healths)-1] != HealthOK {
		t.Errorf("RotaHealth upserts %v: want degraded during the outage, ok at the end", healths)
	}
	if during.Health.Health != HealthDegraded || len(during.Failing) == 0 {
		t.Errorf("status during the outage: %+v, want degraded with the failing sends", during)
	}
	if pause == nil || !pause.completed || pause.failed != nil || !pause.at.Equal(h.Add(time.Minute)) {
		t.Errorf("pause during the outage: %+v, want answered at once, at %s", pause, h.Add(time.Minute))
	}
	if after.Health.Health != HealthOK || after.Pending != 0 {
		t.Errorf("status after the outage: %+v, want ok and nothing pending", after)
	}
	// The pager had the shifts of the outage before they began.
	for _, when := range []time.Time{h, h.Add(24 * time.Hour)} {
		found := false
		for _, c := range rec.all("pager") {
			if c.Shift.Start.Equal(when) {
				found = !c.At.After(when)
			}
		}
		if !found {
			t.Errorf("no pager override by %s", when)
		}
	}
	// Every send went out exactly once; those of the outage after it.
	seen := map[string]int{}
	for _, c := range rec.all("") {
		seen[c.Key]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
	id := "sre/main/" + h.UTC().Format(time.RFC3339)
	for _, kind := range []string{"announce", "usergroup", "topic"} {
		var got []call
		for _, c := range rec.all(kind) {
			if strings.HasPrefix(c.Key, id+"/handoff/") {
				got = append(got, c)
			}
		}
		if len(got) != 1 || got[0].At.Before(up) {
			t.Errorf("%s of %s: %+v, want one, after the outage", kind, id, got)
		}
	}
	if rec.failed["announce"] == 0 {
		t.Error("the outage failed no send: the test proves nothing")
	}
}

// TestPagerSyncRetried: a pager sync that fails is tried again with
// backoff, alone; the rotation is degraded meanwhile; once the pager is
// back its overrides are the final shifts, each set once.
func TestPagerSyncRetried(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	down, up := start, start.Add(26*time.Hour)
	rec := &recorder{fail: func(kind string, at time.Time) error {
		if kind == "pager" && !at.Before(down) && at.Before(up) {
			return errors.New("opsgenie: 503")
		}
		return nil
	}}
	var mid, end StatusResult
	var sched render.Plan
	steps := []*at{
		{when: start.Add(12 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			mid = query[StatusResult](t, env, QueryStatus)
		}},
		{when: up.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			end = query[StatusResult](t, env, QueryStatus)
			sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: up.Add(time.Hour), To: up.Add(60 * 24 * time.Hour)})
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, rec, start.Add(time.Hour), RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if mid.Health.Health != HealthDegraded || len(mid.Failing) != 1 || mid.Failing[0].Kind != activities.EffectPager {
		t.Errorf("status while the pager is down: %+v", mid)
	}
	if end.Health.Health != HealthOK || end.Pending != 0 {
		t.Errorf("status after: %+v, want ok, nothing pending", end)
	}
	if n := rec.failed["pager"]; n < 10 {
		t.Errorf("the pager was tried %d times while failing, want it tried again and again", n)
	}
	checkOverrides(t, rec, sched, up.Add(time.Hour))
}

// checkOverrides: the recorder's overrides not ended by from are exactly
// the final shifts of sched, one per assignee, over each shift.
func checkOverrides(t *testing.T, rec *recorder, sched render.Plan, from time.Time) {
	t.Helper()
	last := sched.Shifts[len(sched.Shifts)-1].Start
	rec.mu.Lock()
	var os []activities.PagerOverride
	for _, o := range rec.overrides {
		if !o.Start.After(last) { // the query's window
			os = append(os, o)
		}
	}
	rec.mu.Unlock()
	got, want := overrideLines(os, from), wantOverrides(sched, from, func(id string) string { return id })
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("the pager's overrides:\n%s\nwant the final shifts:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPermanentFailureIsGivenUpAtOnce: a send that cannot succeed (an
// unknown channel) is not tried again.
func TestPermanentFailureIsGivenUpAtOnce(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	rec := &recorder{fail: func(kind string, at time.Time) error {
		if kind == "announce" {
			return activities.Permanent(errors.New("channel_not_found"))
		}
		return nil
	}}
	var st StatusResult
	steps := []*at{{when: start.Add(2 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
		st = query[StatusResult](t, env, QueryStatus)
		env.CancelWorkflow()
	}}}
	if _, err := runAll(t, rec, start.Add(time.Hour), RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if rec.failed["announce"] != 1 {
		t.Errorf("announce tried %d times, want once", rec.failed["announce"])
	}
	if st.Health.Health != HealthDegraded || len(st.Abandoned) != 1 || st.Abandoned[0].Attempts != 1 {
		t.Errorf("status %+v", st)
	}
}

// TestContinuesAsNewOnALongHistory: a run whose history grows past the
// limit continues as new however few shifts it handled, and carries the
// state once (the config only inside it).
func TestContinuesAsNewOnALongHistory(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	env := newEnv(t, &recorder{}, start.Add(time.Hour))
	for i := range 30 {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(Available, AvailableInput{Member: "sre1", From: start, To: start.Add(time.Duration(i+1) * time.Minute)})
		}, time.Duration(i+1)*time.Minute)
	}
	env.ExecuteWorkflow(RotationWorkflow, RotationInput{Rotation: rot, Members: members, MaxHistoryLength: 60})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("got %v, want continue-as-new", err)
	}
	var in RotationInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
		t.Fatal(err)
	}
	if in.State == nil || in.Rotation.ID != "" || len(in.Members) != 0 || in.MaxHistoryLength != 60 {
		t.Errorf("continue-as-new input: state %v, rotation %q, %d members, max history %d; want the state only",
			in.State != nil, in.Rotation.ID, len(in.Members), in.MaxHistoryLength)
	}
	if in.State != nil && in.State.Rotation.ID != rot.ID {
		t.Errorf("state carries rotation %q", in.State.Rotation.ID)
	}
}

// TestCoverOfTheRunningShiftHandsItOffAgain: a cover of the running shift
// splits it, and the rest is handed off at once: the user group, topic,
// pager and channel follow.
func TestCoverOfTheRunningShiftHandsItOffAgain(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	t1 := start.Add(3*24*time.Hour + time.Hour)
	rec := &recorder{}
	var who WhoResult
	var cover *outcome
	var by string
	p, st := batch(t, rot, members, t1.Add(rot.PlanAhead))
	steps := []*at{
		{when: t1, fn: func(env *testsuite.TestWorkflowEnvironment) {
			who = query[WhoResult](t, env, QueryWho)
			sh := who.Current[0]
			for _, m := range members {
				if _, err := p.Cover(st.Clone(), sh.ID, sh.Assignees[0], m.ID, t1); err == nil {
					by = m.ID
					cover = update(env, Cover, CoverInput{Shift: sh.ID, Member: sh.Assignees[0], By: by})
					return
				}
			}
			t.Error("nobody can cover the running shift")
		}},
		{when: t1.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) { env.CancelWorkflow() }},
	}
	if _, err := runAll(t, rec, start.Add(time.Hour), RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if cover == nil || !cover.completed || cover.failed != nil {
		t.Fatalf("cover: %+v (%v)", cover, cover.rejected)
	}
	rest := "sre/main/" + t1.UTC().Format(time.RFC3339)
	if !slices.Contains(cover.change.Shifts, rest) {
		t.Fatalf("cover changed %v, want the rest %s", cover.change.Shifts, rest)
	}
	for _, kind := range []string{"announce", "usergroup", "topic", "pager"} {
		var got []call
		for _, c := range rec.all(kind) {
			if strings.HasPrefix(c.Key, rest+"/handoff/") || c.Shift.ID == rest {
				got = append(got, c)
			}
		}
		if len(got) != 1 || !got[0].At.Equal(t1) {
			t.Errorf("%s handoff of %s: %+v, want one at %s", kind, rest, got, t1)
		}
	}
	for _, c := range rec.all("usergroup") {
		if c.At.Equal(t1) && !slices.Equal(c.Members, []string{by}) {
			t.Errorf("user group after the cover: %v, want [%s]", c.Members, by)
		}
	}
}

// TestUpdateIDAcrossContinueAsNew: the server deduplicates update ids
// within one run only. An update sent again with the same id after the
// rotation continued as new (as `rota` does when a command is run again)
// gets the first answer and is not applied again; a new id is applied.
func TestUpdateIDAcrossContinueAsNew(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	var first, again, other *outcome
	var cfg ConfigResult
	var audit []AuditEntry
	steps := []*at{
		{when: day(1).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			first = updateWithID(env, Pause, "cli/pause/drill", PauseInput{Reason: "drill"})
		}},
		{when: day(1).Add(2 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			update(env, Resume, ResumeInput{})
		}},
		// MaxShiftsPerRun 3: by day 5 this is a later run.
		{when: day(5).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			again = updateWithID(env, Pause, "cli/pause/drill", PauseInput{Reason: "drill"})
		}},
		{when: day(5).Add(2 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			cfg = query[ConfigResult](t, env, QueryConfig)
			other = updateWithID(env, Resume, "cli/resume/other", ResumeInput{})
		}},
		{when: day(5).Add(3 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			env.CancelWorkflow()
		}},
	}
	runs, err := runAll(t, &recorder{}, start, RotationInput{Rotation: rot, Members: members, MaxShiftsPerRun: 3}, steps)
	if err == nil {
		t.Fatal("want the workflow canceled")
	}
	if runs < 2 {
		t.Fatalf("%d runs: the test needs a continue-as-new between the two sends", runs)
	}
	if first == nil || !first.completed || first.failed != nil || first.answeredAt != nil {
		t.Fatalf("first pause: %+v", first)
	}
	if again == nil || !again.completed || again.failed != nil || again.answeredAt == nil || !again.answeredAt.Equal(day(1).Add(time.Hour)) {
		t.Errorf("pause sent again with its id: %+v, want the first answer (answered at %s)", again, day(1).Add(time.Hour))
	}
	if again != nil && !slices.Equal(again.change.Notes, first.change.Notes) {
		t.Errorf("notes %q, want the first answer's %q", again.change.Notes, first.change.Notes)
	}
	if cfg.Paused {
		t.Error("the pause sent again was applied again")
	}
	if other == nil || other.rejected == nil || !strings.Contains(other.rejected.Error(), "not paused") {
		t.Errorf("a resume with a new id: %+v, want rejected (not paused)", other)
	}
	pauses := 0
	for _, e := range audit {
		if e.Operation == Pause {
			pauses++
		}
	}
	if pauses != 1 {
		t.Errorf("%d pauses in the audit, want 1: %q", pauses, ops(audit))
	}
}
