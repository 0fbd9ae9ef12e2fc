package activities_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/activities/opsgenie"
	"github.com/rota-scheduler/rota/activities/pagerduty"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/opsgeniefake"
	"github.com/rota-scheduler/rota/internal/pagerdutyfake"
)

func tools(t *testing.T) (*opsgeniefake.Server, *pagerdutyfake.Server, *activities.Activities) {
	t.Helper()
	og := opsgeniefake.New("k")
	t.Cleanup(og.Close)
	og.AddSchedule("s")
	pd := pagerdutyfake.New("t")
	t.Cleanup(pd.Close)
	pd.AddSchedule("PS")
	for _, u := range []string{"ann", "bob"} {
		og.AddUser(u + "@example.com")
		pd.AddUser("P"+u, u+"@example.com")
	}
	ogp, err := opsgenie.New("k", og.URL())
	if err != nil {
		t.Fatal(err)
	}
	pdp, err := pagerduty.New("t", pd.URL())
	if err != nil {
		t.Fatal(err)
	}
	return og, pd, &activities.Activities{Pagers: []activities.Pager{ogp, pdp}, Logger: slog.New(slog.DiscardHandler)}
}

var members = []config.Member{{ID: "ann", Email: "ann@example.com"}, {ID: "bob", Email: "bob@example.com"}}

func shifts(now time.Time, who ...string) []engine.Shift {
	var out []engine.Shift
	for i, m := range who {
		s := now.Truncate(time.Hour).Add(time.Duration(i) * 24 * time.Hour)
		out = append(out, engine.Shift{ID: "r/main/" + s.Format(time.RFC3339), Start: s, End: s.Add(24 * time.Hour), Assignees: []string{m}})
	}
	return out
}

// TestSyncPager: the first sync creates an override per shift; the same
// sync again changes nothing (a retry never doubles one); a swap updates
// (Opsgenie) or replaces (PagerDuty) the two overrides; a shift gone from
// the plan loses its override; dropping the schedule deletes them all.
func TestSyncPager(t *testing.T) {
	og, pd, a := tools(t)
	now := time.Now().UTC()
	for _, tool := range []string{"opsgenie", "pagerduty"} {
		t.Run(tool, func(t *testing.T) {
			sched := map[string]string{"opsgenie": "s", "pagerduty": "PS"}[tool]
			count := func() int {
				if tool == "opsgenie" {
					return len(og.Overrides(sched))
				}
				return len(pd.Overrides(sched))
			}
			var known []activities.PagerOverride
			sync := func(sh []engine.Shift, drop bool) activities.PagerSyncResult {
				t.Helper()
				res, err := a.SyncPager(context.Background(), activities.PagerSyncInput{Key: "k", Pager: tool, Schedule: sched, Rotation: "r",
					Members: members, Shifts: sh, From: now, To: now.Add(30 * 24 * time.Hour), Known: known, Drop: drop})
				if err != nil || res.Outcome.Error != "" {
					t.Fatalf("sync: %v %+v", err, res.Outcome)
				}
				// The workflow's fold, in short.
				for _, g := range res.Gone {
					for i := range known {
						if known[i].ID == g {
							known = append(known[:i], known[i+1:]...)
							break
						}
					}
				}
				known = append(known, res.Upsert...)
				return res
			}
			plan := shifts(now, "ann", "bob", "ann")
			if r := sync(plan, false); r.Created != 3 || count() != 3 {
				t.Fatalf("first sync: %+v, %d overrides", r, count())
			}
			if r := sync(plan, false); r.Created+r.Updated+r.Deleted != 0 || count() != 3 {
				t.Errorf("the same sync again: %+v, %d overrides", r, count())
			}
			swapped := shifts(now, "bob", "ann", "ann")
			if r := sync(swapped, false); r.Updated != 2 || r.Created+r.Deleted != 0 || count() != 3 {
				t.Errorf("after a swap: %+v, %d overrides", r, count())
			}
			if r := sync(swapped[:2], false); r.Deleted != 1 || count() != 2 {
				t.Errorf("a shift removed: %+v, %d overrides", r, count())
			}
			if r := sync(nil, true); r.Deleted != 2 || count() != 0 {
				t.Errorf("dropped: %+v, %d overrides", r, count())
			}
		})
	}
}

// TestWatchPager: no drift while the tool has rota's people on call (the
// watch returns at the shift's end); a drift when it has someone else.
func TestWatchPager(t *testing.T) {
	og, _, a := tools(t)
	now := time.Now().UTC()
	og.SetOverride("s", opsgeniefake.Override{Alias: "hand", User: "ann@example.com", Start: now.Add(-time.Hour), End: now.Add(time.Hour)})
	in := activities.WatchInput{Pager: "opsgenie", Schedule: "s", Shift: "x", Want: []config.Member{members[0]}, Every: time.Minute, Until: time.Now().Add(300 * time.Millisecond)}
	if res, err := a.WatchPager(context.Background(), in); err != nil || res.Drift || res.Error != "" {
		t.Errorf("watch with ann on call: %+v %v, want no drift", res, err)
	}
	in.Want, in.Until = []config.Member{members[1]}, time.Now().Add(time.Minute)
	res, err := a.WatchPager(context.Background(), in)
	if err != nil || !res.Drift || len(res.Have) != 1 || res.Have[0] != "ann@example.com" || res.Want[0] != "bob@example.com" {
		t.Errorf("watch with bob wanted: %+v %v, want a drift", res, err)
	}
}
