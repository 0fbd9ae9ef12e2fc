package workflows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/rota-scheduler/rota/internal/feed"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// TestYearMatchesBatchPlan runs rotation sre of sre-24h.yaml for 52
// simulated weeks, through several continue-as-new, and checks that its
// assignments are those of planning the year in one batch (rota plan),
// and that every shift was told, handed off and mirrored once, on time.
func TestYearMatchesBatchPlan(t *testing.T) {
	rot, members := scenario(t, "sre", 52)
	start := startOf(t, &rot)
	end := rot.End.In(start.Location())
	p, want := batch(t, rot, members, end)
	if len(want.Shifts) != 364 {
		t.Fatalf("batch planned %d shifts, want 364", len(want.Shifts))
	}

	rec := &recorder{}
	begin := start.Add(-13 * 24 * time.Hour) // the workflow starts before the rotation
	var audit []AuditEntry
	var who WhoResult
	var sched render.Plan
	var stats report.Report
	steps := []*at{
		// Pause and resume at once early on: the audit must survive every
		// continue-as-new, and nothing is missed.
		{when: start.Add(5*24*time.Hour + time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			env.SignalWorkflow(Pause, PauseInput{Reason: "drill", RequestedBy: "sre1"})
			env.SignalWorkflow(Resume, ResumeInput{RequestedBy: "sre1"})
		}},
		{when: end.Add(-36 * time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			audit = query[[]AuditEntry](t, env, QueryAudit)
			who = query[WhoResult](t, env, QueryWho)
			sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: end.Add(-10 * 24 * time.Hour), To: end})
		}},
		{when: end.Add(-time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			stats = query[report.Report](t, env, QueryStats)
		}},
	}
	runs, err := runAll(t, rec, begin, RotationInput{Rotation: rot, Members: members, MaxShiftsPerRun: 60}, steps)
	if err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	t.Logf("%d runs, %d side effects", runs, len(rec.all("")))
	if runs < 2 {
		t.Errorf("%d runs: want at least one continue-as-new", runs)
	}

	// The pager's overrides, each set once when its shift became final,
	// over exactly the shift, equal the batch plan.
	pager := rec.all("pager")
	if len(pager) != len(want.Shifts) {
		t.Errorf("%d pager overrides, want %d", len(pager), len(want.Shifts))
	}
	for i, sh := range want.Shifts {
		if i >= len(pager) {
			break
		}
		got := pager[i]
		if got.Shift.ID != sh.ID || !slices.Equal(got.Members, sh.Assignees) {
			t.Fatalf("shift %d: workflow %s %v, batch %s %v", i, got.Shift.ID, got.Members, sh.ID, sh.Assignees)
		}
		if got.At.After(sh.Start) || !got.Shift.Start.Equal(sh.Start) || !got.Shift.End.Equal(sh.End) {
			t.Errorf("%s mirrored to the pager at %s for %s to %s, want by its start %s, for the shift", sh.ID, got.At, got.Shift.Start, got.Shift.End, sh.Start)
		}
	}

	// Every assignee was told once, notify_before ahead; every shift was
	// announced once, at its start.
	dms := map[string][]call{}
	for _, c := range rec.all("dm") {
		dms[c.Key] = append(dms[c.Key], c)
	}
	announces := map[string][]call{}
	for _, c := range rec.all("announce") {
		announces[c.Key] = append(announces[c.Key], c)
	}
	for _, sh := range want.Shifts {
		for _, m := range sh.Assignees {
			key := sh.ID + "/notify/" + m
			got := dms[key]
			if len(got) != 1 {
				t.Fatalf("%s: %d messages", key, len(got))
			}
			if wantAt := sh.Start.Add(-rot.NotifyBefore); !got[0].At.Equal(wantAt) {
				t.Errorf("%s sent at %s, want %s", key, got[0].At, wantAt)
			}
		}
		got := announces[sh.ID+"/handoff/announce"]
		if len(got) != 1 || !got[0].At.Equal(sh.Start) {
			t.Fatalf("%s: handoff announcements %+v", sh.ID, got)
		}
	}
	if n := len(rec.all("usergroup")); n != len(want.Shifts) {
		t.Errorf("%d usergroup updates, want %d", n, len(want.Shifts))
	}

	// Calendars were published as planning went: every shift was in a
	// publication, final and with its assignees, by the time it was
	// notified, and was a forecast before that.
	published := map[string]time.Time{}
	forecast := map[string]bool{}
	for _, c := range rec.all("publish") {
		for _, e := range c.Feed.Events {
			if e.Status == feed.Tentative {
				forecast[e.Shift] = true
			}
			if _, ok := published[e.Shift]; !ok && e.Status == feed.Confirmed {
				published[e.Shift] = c.At
			}
		}
	}
	for i, sh := range want.Shifts {
		at, ok := published[sh.ID]
		if !ok || at.After(sh.Start.Add(-rot.NotifyBefore)) {
			t.Fatalf("calendar publication of %s: %v at %s", sh.ID, ok, at)
		}
		if i > 40 && !forecast[sh.ID] {
			t.Fatalf("%s was never published as a forecast", sh.ID)
		}
	}

	// The audit came through every continue-as-new.
	if len(audit) != 2 || audit[0].Operation != Pause || !audit[0].Accepted || audit[1].Operation != Resume || !audit[1].Accepted {
		t.Errorf("audit at the end of the year: %+v", audit)
	}
	// Queries near the end agree with the batch plan.
	if len(who.Current) != 1 || !slices.Equal(who.OnCall, sortedCopy(who.Current[0].Assignees)) {
		t.Errorf("who: %+v", who)
	} else if sh, ok := want.Shift(who.Current[0].ID); !ok || !slices.Equal(sh.Assignees, who.Current[0].Assignees) {
		t.Errorf("who says %+v, batch %+v", who.Current[0], sh)
	}
	// Stats cover the whole year, though the workflow pruned old shifts:
	// the same load per member as `rota plan` reports.
	if wantStats := report.Of(p, want.Shifts); !slices.Equal(stats.Members, wantStats.Members) || stats.Spread != wantStats.Spread {
		t.Errorf("stats at the end of the year:\n%+v\nwant\n%+v", stats.Members, wantStats.Members)
	}
	if len(sched.Shifts) != 10 {
		t.Errorf("schedule: %d shifts, want 10", len(sched.Shifts))
	}
	for _, s := range sched.Shifts {
		sh, ok := want.Shift(s.ID)
		if !ok || !slices.Equal(sh.Assignees, s.Assignees) {
			t.Errorf("schedule %+v, batch %+v", s, sh)
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestAppliedAfterItsStart starts a rotation ten days into it: the slots
// that went by are planned silently (past, nobody told), so the schedule is
// the one planned from the start (rota plan's); the shift running now is
// told and handed off at once.
func TestAppliedAfterItsStart(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	now := start.Add(10*24*time.Hour + 3*time.Hour)
	rec := &recorder{}
	var who WhoResult
	var sched render.Plan
	steps := []*at{{when: now.Add(time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
		who = query[WhoResult](t, env, QueryWho)
		sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: now.Add(-48 * time.Hour), To: now.Add(40 * 24 * time.Hour)})
		env.CancelWorkflow()
	}}}
	if _, err := runAll(t, rec, now, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	first := start.Add(10 * 24 * time.Hour).UTC()
	if len(who.Current) != 1 || !who.Current[0].Start.Equal(first) {
		t.Fatalf("who: %+v", who)
	}
	id := who.Current[0].ID
	for _, kind := range []string{"dm", "announce", "usergroup", "topic", "pager"} {
		var got []call
		for _, c := range rec.all(kind) {
			if hasPrefix(c.Key, id+"/") || c.Shift.ID == id {
				got = append(got, c)
			}
		}
		if len(got) != 1 || !got[0].At.Equal(now) {
			t.Errorf("%s for the running shift: %+v, want one at %s", kind, got, now)
		}
	}
	// Nobody was told of the shifts before.
	for _, c := range rec.all("") {
		if c.Kind == "publish" {
			continue
		}
		if c.Kind == "pager" { // the running shift and the final ones ahead
			if !c.Shift.End.After(now) {
				t.Errorf("a pager override for a shift that went by: %+v", c)
			}
			continue
		}
		if !strings.Contains(c.Key, "/notify/") && !hasPrefix(c.Key, id+"/") {
			t.Errorf("a send for a shift that went by: %+v", c)
		}
	}
	// Past (the two days before), running, planned to plan_ahead (28
	// days), then the forecast: all as planned from the start.
	counts := map[string]int{}
	for _, s := range sched.Shifts {
		counts[s.Status]++
	}
	if counts[StatusPast] != 2 || counts[StatusCurrent] != 1 || counts[StatusFinal] != 28 || counts[StatusForecast] != 12 {
		t.Errorf("statuses %v", counts)
	}
	_, st := batch(t, rot, members, now.Add(40*24*time.Hour))
	for _, s := range sched.Shifts {
		if sh, ok := st.Shift(s.ID); !ok || !slices.Equal(sh.Assignees, s.Assignees) {
			t.Errorf("%s %s %v, rota plan gives %v", s.Status, s.ID, s.Assignees, sh)
		}
	}
}

// TestAppliedYearsAfterItsStart: a rotation whose start is five years back
// plans those years at once (in one workflow task, well under a second)
// and keeps only the last week of them.
func TestAppliedYearsAfterItsStart(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	now := start.AddDate(5, 0, 0).Add(time.Hour)
	var st StatusResult
	var sched render.Plan
	var took time.Duration
	steps := []*at{{when: now.Add(time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
		st = query[StatusResult](t, env, QueryStatus)
		sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: now.Add(-10 * 24 * time.Hour), To: now.Add(24 * time.Hour)})
		env.CancelWorkflow()
	}}}
	rec := &recorder{}
	began := time.Now()
	if _, err := runAll(t, rec, now, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	took = time.Since(began)
	// The running shift was handed off at once: no workflow time went by.
	running := ""
	for _, s := range sched.Shifts {
		if !s.Start.After(now) && s.End.After(now) {
			running = s.ID
		}
	}
	if p := pagerCalls(rec, running); len(p) != 1 || !p[0].At.Equal(now) {
		t.Errorf("pager calls of the running shift %+v, want one, at %s", p, now)
	}
	if st.Health.Health != HealthOK {
		t.Errorf("status %+v", st)
	}
	_, want := batch(t, rot, members, now.Add(24*time.Hour))
	past := 0
	for _, s := range sched.Shifts {
		if s.Status == StatusPast {
			past++
		}
		if sh, ok := want.Shift(s.ID); !ok || !slices.Equal(sh.Assignees, s.Assignees) {
			t.Errorf("%s %v, rota plan gives %v", s.ID, s.Assignees, sh)
		}
	}
	if past < 6 || past > 8 {
		t.Errorf("%d past shifts kept, want the last week's", past)
	}
	t.Logf("five years planned and the rotation running in %s (real time, with the test environment)", took)
}
