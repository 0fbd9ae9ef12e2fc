package workflows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/activities/opsgenie"
	"github.com/rota-scheduler/rota/activities/pagerduty"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/opsgeniefake"
	"github.com/rota-scheduler/rota/internal/pagerdutyfake"
	"github.com/rota-scheduler/rota/internal/render"
)

const (
	ogKey   = "og-test-key-not-a-secret"
	pdToken = "pd-test-token-not-a-secret"
)

// pagerTeam is a weekly queue rotation of four, mirrored to both tools.
const pagerTeam = `version: 1
members:
  - {id: ann, opsgenie: ann@example.com, pagerduty: PANN}
  - {id: bob, opsgenie: bob@example.com, pagerduty: PBOB}
  - {id: cat, email: cat@example.com}
  - {id: dan, email: dan@example.com}
rotations:
  - id: ops
    timezone: Europe/London
    start: 2026-03-02T09:00
    end: 2026-04-06T09:00
    shift: 1w
    strategy: queue
    plan_ahead: 14d
    notify_before: 1d
    members: [ann, bob, cat, dan]
    PAGERS
`

// pagerTools are the two local tools, through the real SDKs.
func pagerTools(t *testing.T) (*opsgeniefake.Server, *pagerdutyfake.Server, []activities.Pager) {
	t.Helper()
	og := opsgeniefake.New(ogKey)
	t.Cleanup(og.Close)
	og.AddSchedule("ops-schedule")
	pd := pagerdutyfake.New(pdToken)
	t.Cleanup(pd.Close)
	pd.AddSchedule("PSOPS")
	for _, u := range []string{"ann", "bob", "cat", "dan"} {
		og.AddUser(u + "@example.com")
		pd.AddUser("P"+strings.ToUpper(u), u+"@example.com")
	}
	ogp, err := opsgenie.New(ogKey, og.URL())
	if err != nil {
		t.Fatal(err)
	}
	pdp, err := pagerduty.New(pdToken, pd.URL())
	if err != nil {
		t.Fatal(err)
	}
	return og, pd, []activities.Pager{ogp, pdp}
}

func pagerRotation(t *testing.T, pagers string) (config.Rotation, []config.Member) {
	t.Helper()
	cfg, err := config.Parse("team.yaml", []byte(strings.Replace(pagerTeam, "PAGERS", pagers, 1)), ".")
	if err != nil {
		t.Fatal(err)
	}
	rot, _ := cfg.Rotation("ops")
	return *rot, cfg.Members
}

// wantOverrides lists the final shifts of sched not ended by from as
// overrideLines, the users as the tool names them.
func wantOverrides(sched render.Plan, from time.Time, user func(string) string) []string {
	var out []activities.PagerOverride
	for _, sh := range sched.Shifts {
		if sh.Status != StatusForecast {
			for _, m := range sh.Assignees {
				out = append(out, activities.PagerOverride{User: user(m), Start: sh.Start, End: sh.End})
			}
		}
	}
	return overrideLines(out, from)
}

// overrideLines are the overrides not ended by from, sorted, a line each.
func overrideLines(os []activities.PagerOverride, from time.Time) []string {
	var out []string
	for _, o := range os {
		if o.End.After(from) {
			out = append(out, fmt.Sprintf("%s %s %s", render.UTC(o.Start), render.UTC(o.End), o.User))
		}
	}
	slices.Sort(out)
	return out
}

func ogOverrides(og *opsgeniefake.Server, from time.Time) []string {
	var os []activities.PagerOverride
	for _, o := range og.Overrides("ops-schedule") {
		os = append(os, activities.PagerOverride{User: o.User, Start: o.Start, End: o.End})
	}
	return overrideLines(os, from)
}

func pdOverrides(pd *pagerdutyfake.Server, from time.Time) []string {
	var os []activities.PagerOverride
	for _, o := range pd.Overrides("PSOPS") {
		os = append(os, activities.PagerOverride{User: o.User, Start: o.Start, End: o.End})
	}
	return overrideLines(os, from)
}

func ogUser(id string) string { return id + "@example.com" }
func pdUser(id string) string { return "P" + strings.ToUpper(id) }

// TestPagersFollowTheSchedule: five weekly shifts through the real
// workflow (time-skipping), with a swap of two final shifts and a cover
// of the running one: at the end, each tool's overrides are exactly the
// schedule, one per shift, over the shift, with no duplicate.
func TestPagersFollowTheSchedule(t *testing.T) {
	og, pd, pagers := pagerTools(t)
	rot, members := pagerRotation(t, "opsgenie: {schedule: ops-schedule}\n    pagerduty: {schedule: PSOPS}")
	rec := &recorder{pagers: pagers}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var sched render.Plan
	var sw, cv *outcome
	steps := []*at{
		{when: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), fn: func(env *testsuite.TestWorkflowEnvironment) {
			// Bob's week and Cat's, both final.
			sw = update(env, Swap, SwapInput{ShiftA: "ops/main/2026-03-09T09:00:00Z", MemberA: "bob", ShiftB: "ops/main/2026-03-16T09:00:00Z", MemberB: "cat", RequestedBy: "bob"})
		}},
		{when: time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC), fn: func(env *testsuite.TestWorkflowEnvironment) {
			// Bob's running week (after the swap), covered by Dan.
			cv = update(env, Cover, CoverInput{Shift: "ops/main/2026-03-16T09:00:00Z", Member: "bob", By: "dan", RequestedBy: "bob"})
		}},
		{when: time.Date(2026, 4, 6, 8, 0, 0, 0, time.UTC), fn: func(env *testsuite.TestWorkflowEnvironment) {
			sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: start, To: start.AddDate(0, 2, 0)})
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err != nil {
		t.Fatal(err)
	}
	if sw == nil || !sw.completed || sw.failed != nil || cv == nil || !cv.completed || cv.failed != nil {
		t.Fatalf("swap %+v, cover %+v", sw, cv)
	}
	for _, c := range []struct {
		tool      string
		got, want []string
	}{
		{"opsgenie", ogOverrides(og, start), wantOverrides(sched, start, ogUser)},
		{"pagerduty", pdOverrides(pd, start), wantOverrides(sched, start, pdUser)},
	} {
		if len(c.want) < 6 || !slices.Equal(c.got, c.want) {
			t.Errorf("%s's overrides:\n%s\nwant the schedule:\n%s", c.tool, strings.Join(c.got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	// The swap updated Opsgenie's overrides in place (same alias, the
	// other user); PagerDuty's were replaced.
	puts := 0
	for _, c := range og.Calls() {
		if c.Method == "PUT" {
			puts++
		}
	}
	if puts < 2 {
		t.Errorf("%d Opsgenie updates, want the swap's two at least", puts)
	}
}

// TestSwitchingPagers: a rotation on Opsgenie is configured for PagerDuty:
// the schedule and its fairness stay as they are; rota's Opsgenie
// overrides from then on are deleted and PagerDuty gets the final shifts.
func TestSwitchingPagers(t *testing.T) {
	og, pd, pagers := pagerTools(t)
	rot, members := pagerRotation(t, "opsgenie: {schedule: ops-schedule}")
	moved, _ := pagerRotation(t, "pagerduty: {schedule: PSOPS}")
	rec := &recorder{pagers: pagers}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	switchAt := time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC)
	var before, after render.Plan
	var ogBefore []string
	var cfg *outcome
	steps := []*at{
		{when: switchAt.Add(-time.Minute), fn: func(env *testsuite.TestWorkflowEnvironment) {
			before = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: start, To: start.AddDate(0, 2, 0)})
			ogBefore = ogOverrides(og, switchAt)
		}},
		{when: switchAt, fn: func(env *testsuite.TestWorkflowEnvironment) {
			cfg = update(env, Configure, ConfigureInput{Rotation: moved, Members: members})
		}},
		{when: switchAt.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			after = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: start, To: start.AddDate(0, 2, 0)})
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	if cfg == nil || !cfg.completed || cfg.failed != nil {
		t.Fatalf("configure: %+v", cfg)
	}
	if len(ogBefore) == 0 || !slices.Equal(ogBefore, wantOverrides(before, switchAt, ogUser)) {
		t.Errorf("Opsgenie before the switch:\n%s", strings.Join(ogBefore, "\n"))
	}
	if got := ogOverrides(og, switchAt); len(got) != 0 {
		t.Errorf("Opsgenie keeps rota's overrides after the switch:\n%s", strings.Join(got, "\n"))
	}
	if got, want := pdOverrides(pd, switchAt), wantOverrides(after, switchAt, pdUser); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("PagerDuty after the switch:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	who := func(p render.Plan) []string {
		var out []string
		for _, sh := range p.Shifts {
			out = append(out, sh.ID+" "+strings.Join(sh.Assignees, ","))
		}
		return out
	}
	if !slices.Equal(who(before), who(after)) {
		t.Errorf("the schedule changed with the pager:\n%v\n%v", who(before), who(after))
	}
}

// TestPagerDrift: the drift check finds the tool paging someone else
// (an override deleted by hand): the audit log says so, the channel is
// told, and the override is set again. With repair: false it is only
// reported (the audit and the channel say rota leaves it).
func TestPagerDrift(t *testing.T) {
	for _, repair := range []bool{true, false} {
		t.Run(fmt.Sprintf("repair %v", repair), func(t *testing.T) {
			block := "opsgenie: {schedule: ops-schedule}\n    slack: {channel: C0OPS}"
			if !repair {
				block = "opsgenie: {schedule: ops-schedule, repair: false}\n    slack: {channel: C0OPS}"
			}
			rot, members := pagerRotation(t, block)
			rec := &recorder{}
			drifted := false
			rec.watch = func(in activities.WatchInput) activities.WatchResult {
				// The mock answers at once (the real check waits in.Delay):
				// one drift, then none.
				if in.Shift != "ops/main/2026-03-09T09:00:00Z" || drifted {
					return activities.WatchResult{}
				}
				drifted = true
				// Someone deleted the override by hand; the tool pages nobody.
				rec.mu.Lock()
				rec.overrides = slices.DeleteFunc(rec.overrides, func(o activities.PagerOverride) bool { return o.Shift == in.Shift })
				rec.mu.Unlock()
				return activities.WatchResult{Drift: true, At: time.Date(2026, 3, 9, 9, 1, 0, 0, time.UTC), Want: []string{"bob"}}
			}
			var audit []AuditEntry
			steps := []*at{{when: time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC), fn: func(env *testsuite.TestWorkflowEnvironment) {
				audit = query[[]AuditEntry](t, env, QueryAudit)
				env.CancelWorkflow()
			}}}
			if _, err := runAll(t, rec, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), RotationInput{Rotation: rot, Members: members}, steps); err == nil {
				t.Fatal("want the workflow canceled")
			}
			i := slices.IndexFunc(audit, func(e AuditEntry) bool { return e.Operation == "pager-drift" })
			if i < 0 || !strings.Contains(strings.Join(audit[i].Notes, "; "), "rota has bob on call; opsgenie has nobody") {
				t.Fatalf("audit %+v, want the drift", audit)
			}
			told := slices.ContainsFunc(rec.all("announce"), func(c call) bool { return strings.Contains(c.Text, "opsgenie pages nobody, not bob") })
			if !told {
				t.Error("the channel was not told")
			}
			// What the workflow decided: repaired (a sync queued) or only
			// reported. The mock answers at the handoff's instant, where a
			// sync of that planning may run before or after the mock's
			// deletion (CI saw both): so with repair: false the override
			// may be back, but not through the drift.
			notes := strings.Join(audit[i].Notes, "; ")
			if decided := strings.Contains(notes, "repaired: the overrides are synced again"); decided != repair ||
				strings.Contains(notes, "not repaired (repair: false)") == repair {
				t.Errorf("drift notes %q, repair %v", notes, repair)
			}
			if !repair && !slices.ContainsFunc(rec.all("announce"), func(c call) bool { return strings.Contains(c.Text, "repair: false, so rota leaves it") }) {
				t.Error("the channel was not told that rota leaves it")
			}
			if repair {
				rec.mu.Lock()
				back := slices.ContainsFunc(rec.overrides, func(o activities.PagerOverride) bool {
					return o.Shift == "ops/main/2026-03-09T09:00:00Z" && o.User == "bob"
				})
				rec.mu.Unlock()
				if !back {
					t.Error("the override is not back after the repair")
				}
			}
		})
	}
}
