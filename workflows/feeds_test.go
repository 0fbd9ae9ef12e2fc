package workflows

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
	"go.temporal.io/sdk/testsuite"

	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/feed"
	"github.com/rota-scheduler/rota/internal/render"
)

// TestPublishedFeedsAgreeWithSchedule runs rotation sre for a month through
// the workflow, publishing into a mem:// bucket, with a swap and an
// unavailability that hits a final shift. Then the rotation's feed agrees
// with the schedule query shift for shift (final ones confirmed, forecast
// ones tentative, same times, same people), and the members the swap and
// the unavailability took shifts from see them cancelled.
func TestPublishedFeedsAgreeWithSchedule(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	ctx := context.Background()
	store, err := feedstore.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec := &recorder{calendars: store}

	var swapA, swapB, away render.Shift
	var swap, unavailable *outcome
	var sched render.Plan
	steps := []*at{
		{when: day(2).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			final := query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: day(3), To: day(20)}).Shifts
			// A swap of shifts four days apart that keeps a day's rest
			// around both (min_rest 24h).
			on := func(i int, m string) bool { return i >= 0 && i < len(final) && slices.Contains(final[i].Assignees, m) }
			for i := 1; i+5 < len(final); i++ {
				a, b := final[i].Assignees[0], final[i+4].Assignees[0]
				if a != b && !on(i-1, b) && !on(i+1, b) && !on(i+3, a) && !on(i+5, a) {
					swapA, swapB = final[i], final[i+4]
					break
				}
			}
			if swapA.ID == "" {
				t.Fatal("no shifts to swap")
			}
			swap = update(env, Swap, SwapInput{ShiftA: swapA.ID, MemberA: swapA.Assignees[0], ShiftB: swapB.ID, MemberB: swapB.Assignees[0]})
			away = final[12]
		}},
		{when: day(3).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			unavailable = update(env, Unavailable, UnavailableInput{Member: away.Assignees[0], From: away.Start, To: away.End, Reason: "dentist"})
		}},
		{when: day(31).Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) {
			sched = query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: day(1), To: day(31 + 56)})
			env.CancelWorkflow()
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	for name, o := range map[string]*outcome{"swap": swap, "unavailable": unavailable} {
		if o == nil || !o.completed || o.failed != nil || o.rejected != nil {
			t.Fatalf("%s: %+v", name, o)
		}
	}

	names := map[string]string{}
	for _, m := range members {
		names[m.ID] = m.Name
	}
	events := func(kind, id string) map[string]ical.Event {
		t.Helper()
		f, err := store.Read(ctx, kind, id)
		if err != nil {
			t.Fatalf("feed %s/%s: %v", kind, id, err)
		}
		cal, err := ical.NewDecoder(bytes.NewReader(f.Body)).Decode()
		if err != nil {
			t.Fatalf("feed %s/%s: %v", kind, id, err)
		}
		out := map[string]ical.Event{}
		for _, e := range cal.Events() {
			uid, _ := e.Props.Text(ical.PropUID)
			out[uid] = e
		}
		return out
	}
	text := func(e ical.Event, prop string) string {
		if e.Component == nil || e.Props.Get(prop) == nil {
			return ""
		}
		v, _ := e.Props.Text(prop)
		return v
	}
	at := func(e ical.Event, prop string) time.Time { v, _ := e.Props.DateTime(prop, time.UTC); return v }

	// Shift for shift: the schedule's shifts are the feed's live events.
	rotation := events(feed.KindRotation, rot.ID)
	live := map[string]bool{}
	finals, forecasts := 0, 0
	for _, sh := range sched.Shifts {
		uid := sh.ID + "@rota"
		e, ok := rotation[uid]
		if !ok {
			if sh.Status == StatusForecast && sh.Start.After(day(31).Add(28*24*time.Hour)) {
				continue // beyond what the feed's forecast had reached
			}
			t.Errorf("%s (%s) is not in the feed", sh.ID, sh.Status)
			continue
		}
		live[uid] = true
		want := feed.Confirmed
		if sh.Status == StatusForecast {
			want, forecasts = feed.Tentative, forecasts+1
		} else {
			finals++
		}
		status, summary := text(e, ical.PropStatus), text(e, ical.PropSummary)
		if status != want || !at(e, ical.PropDateTimeStart).Equal(sh.Start) || !at(e, ical.PropDateTimeEnd).Equal(sh.End) ||
			strings.Contains(summary, "(forecast)") != (want == feed.Tentative) {
			t.Errorf("%s (%s): feed has %s %s–%s %q", sh.ID, sh.Status, status, at(e, ical.PropDateTimeStart), at(e, ical.PropDateTimeEnd), summary)
		}
		for _, m := range sh.Assignees {
			if !strings.Contains(summary, names[m]) {
				t.Errorf("%s: %q does not name %s", sh.ID, summary, names[m])
			}
		}
	}
	// ... and the feed has no other live event in the schedule's span.
	for uid, e := range rotation {
		if s := at(e, ical.PropDateTimeStart); !live[uid] && text(e, ical.PropStatus) != feed.Cancelled && !s.Before(sched.Shifts[0].Start) && s.Before(day(31).Add(28*24*time.Hour)) {
			t.Errorf("%s (%s) is in the feed, not in the schedule", uid, text(e, ical.PropStatus))
		}
	}
	if finals < 28 || forecasts < 20 {
		t.Errorf("%d final and %d forecast shifts compared: want a month's worth of each", finals, forecasts)
	}

	// Who lost a shift sees it cancelled; who got it, confirmed.
	for _, c := range []struct {
		shift, from, to string
	}{
		{swapA.ID, swapA.Assignees[0], swapB.Assignees[0]},
		{swapB.ID, swapB.Assignees[0], swapA.Assignees[0]},
		{away.ID, away.Assignees[0], ""},
	} {
		e, ok := events(feed.KindMember, c.from)[c.shift+"/"+c.from+"@rota"]
		if !ok || text(e, ical.PropStatus) != feed.Cancelled {
			t.Errorf("%s in %s's feed: %v %s, want CANCELLED", c.shift, c.from, ok, text(e, ical.PropStatus))
		}
		if ok && e.Props.Get(ical.PropSequence) != nil {
			if seq, _ := e.Props.Get(ical.PropSequence).Int(); seq < 1 {
				t.Errorf("%s in %s's feed: SEQUENCE %d, want it raised", c.shift, c.from, seq)
			}
		}
		if c.to == "" {
			continue
		}
		if e, ok := events(feed.KindMember, c.to)[c.shift+"/"+c.to+"@rota"]; !ok || text(e, ical.PropStatus) != feed.Confirmed {
			t.Errorf("%s in %s's feed: %v %s, want CONFIRMED", c.shift, c.to, ok, text(e, ical.PropStatus))
		}
	}
}

// TestFeedPublicationIsDebounced: three changes a few seconds apart make one
// publication, feedDebounce after the last, that holds all three.
func TestFeedPublicationIsDebounced(t *testing.T) {
	rot, members := scenario(t, "sre", 0)
	start := startOf(t, &rot)
	burst := start.Add(2*24*time.Hour + time.Hour)
	rec := &recorder{}
	var left []string
	var outs []*outcome
	steps := []*at{
		{when: burst, fn: func(env *testsuite.TestWorkflowEnvironment) {
			final := query[render.Plan](t, env, QuerySchedule, ScheduleQuery{From: start.Add(8 * 24 * time.Hour), To: start.Add(20 * 24 * time.Hour)}).Shifts
			for i := 0; i < 3; i++ {
				sh := final[4*i]
				left = append(left, sh.ID)
				env.RegisterDelayedCallback(func() {
					outs = append(outs, update(env, LeaveShift, LeaveShiftInput{Shift: sh.ID, Member: sh.Assignees[0], Reason: "burst"}))
				}, time.Duration(2*i)*time.Second)
			}
		}},
		{when: burst.Add(time.Hour), fn: func(env *testsuite.TestWorkflowEnvironment) { env.CancelWorkflow() }},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err == nil {
		t.Fatal("want the workflow canceled")
	}
	for i, o := range outs {
		if o == nil || !o.completed || o.failed != nil || o.rejected != nil {
			t.Fatalf("leave_shift %d: %+v", i, o)
		}
	}
	var during []call
	for _, c := range rec.all("publish") {
		if !c.At.Before(burst) && c.At.Before(burst.Add(time.Hour)) {
			during = append(during, c)
		}
	}
	last := burst.Add(4 * time.Second)
	if len(during) != 1 || during[0].At.Before(last.Add(feedDebounce)) {
		var at []time.Time
		for _, c := range during {
			at = append(at, c.At)
		}
		t.Fatalf("publications after the burst at %v, want one, %s after the last change (%s)", at, feedDebounce, last)
	}
	for _, id := range left {
		i := slices.IndexFunc(during[0].Feed.Events, func(e feed.Event) bool { return e.Shift == id })
		if i < 0 || during[0].Feed.Events[i].Seq < 1 {
			t.Errorf("%s: not changed in the publication", id)
		}
	}
}
