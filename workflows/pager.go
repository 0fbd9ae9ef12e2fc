package workflows

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
)

// Pagers.
//
// The paging tools' schedules follow the final shifts: whenever they
// change (planning, an operation, a config), one SyncPager per tool, a
// local activity like PublishFeed, compares what the tool holds with what
// it should and changes only the difference. While a shift runs, one
// WatchPager activity per tool asks the tool who it has on call, at the
// handoff and then hourly, and comes back only at a drift: the workflow
// writes it to the audit log, tells the channel and, unless the rotation
// says repair: false, syncs again.

const (
	// pagerChange is the workflow.GetVersion change id of the pager sync
	// (runs before it sent one Deliver override per handoff).
	pagerChange = "pager-sync"
	// pagerTTL is how long a sync is tried (a newer one replaces it).
	pagerTTL = 24 * time.Hour
	// pagerAhead is how far ahead of now a sync owns the schedule, beyond
	// the last final shift: overrides of shifts no longer planned go.
	pagerAhead = 400 * 24 * time.Hour
	// watchDelay is when the first drift check of a shift is made, after
	// its handoff (the tool's own schedule may turn at the same minute; a
	// quarter into a shorter shift); watchEvery how often the next ones
	// are.
	watchDelay = time.Minute
	watchEvery = time.Hour
)

// KnownOverride is an override rota made on a tool that gives ids itself.
type KnownOverride struct {
	Pager    string `json:"pager"`
	Schedule string `json:"schedule"`
	activities.PagerOverride
}

// pagerOn reports whether this run syncs pagers (asked as feedsOn is).
func (w *rotation) pagerOn(ctx workflow.Context) bool {
	if !w.pagerKnown {
		w.pagerSync = workflow.GetVersion(ctx, pagerChange, workflow.DefaultVersion, 1) >= 1
		w.pagerKnown = true
	}
	return w.pagerSync
}

// flushPager queues a sync of each tool when the final shifts changed,
// and the deletions a new config asked for.
func (w *rotation) flushPager(ctx workflow.Context) {
	if !w.st.PagerDirty {
		return
	}
	w.st.PagerDirty = false
	if len(w.st.Rotation.Pagers()) == 0 && len(w.st.PagerDrops) == 0 || !w.pagerOn(ctx) {
		w.st.PagerDrops = nil
		return
	}
	now := workflow.Now(ctx)
	for _, t := range w.st.PagerDrops {
		w.enqueuePagerSync(now, t.Pager, t.Schedule, true)
	}
	w.st.PagerDrops = nil
	for _, p := range w.st.Rotation.Pagers() {
		w.enqueuePagerSync(now, p.Tool, p.Schedule, false)
	}
}

// enqueuePagerSync queues a sync of one tool's schedule (drop: delete
// every override rota made there).
func (w *rotation) enqueuePagerSync(now time.Time, name, schedule string, drop bool) {
	w.st.PagerSyncs++
	slot := "pager-sync:" + name + ":" + schedule
	if drop {
		slot = "pager-drop:" + name + ":" + schedule
	}
	w.enqueue(now, slot, now.Add(pagerTTL), activities.Effect{
		Key:  activities.Key(w.st.Rotation.ID, "pager", name, strconv.Itoa(w.st.PagerSyncs)),
		Kind: activities.EffectPager, Pager: name, To: schedule, Drop: drop,
	})
}

// PagerTarget is a tool's schedule.
type PagerTarget struct {
	Pager    string `json:"pager"`
	Schedule string `json:"schedule"`
}

// pagersChanged notes, for the next flush, the schedules a new config no
// longer uses (rota's overrides there go) and that the ones it uses need
// a sync.
func (s *RotationState) pagersChanged(old *config.Rotation) {
	for _, o := range old.Pagers() {
		t := PagerTarget{Pager: o.Tool, Schedule: o.Schedule}
		if !slices.ContainsFunc(s.Rotation.Pagers(), func(p config.PagerUse) bool { return p.Tool == o.Tool && p.Schedule == o.Schedule }) &&
			!slices.Contains(s.PagerDrops, t) {
			s.PagerDrops = append(s.PagerDrops, t)
		}
	}
	s.PagerDirty = true
}

// syncPager runs SyncPager for a queued sync, as a local activity: the
// final shifts go to it as its input, which the history does not record;
// only the changes to the known overrides come back into it.
func (w *rotation) syncPager(ctx workflow.Context, now time.Time, e activities.Effect) {
	w.inflight = append(w.inflight, e.Key)
	in := activities.PagerSyncInput{Key: e.Key, Pager: e.Pager, Schedule: e.To, Rotation: w.st.Rotation.ID,
		Members: w.st.Members, From: now, To: now.Add(pagerAhead), Drop: e.Drop}
	for _, sh := range w.st.shifts() {
		if sh.End.After(now.Add(-activities.TrimWithin)) {
			ref := sh
			ref.Problems = nil
			in.Shifts = append(in.Shifts, ref)
		}
	}
	for _, k := range w.st.PagerKnown {
		if k.Pager == e.Pager && k.Schedule == e.To {
			in.Known = append(in.Known, k.PagerOverride)
		}
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	f := workflow.ExecuteLocalActivity(lctx, a.SyncPager, in)
	workflow.Go(ctx, func(gctx workflow.Context) {
		var res activities.PagerSyncResult
		err := f.Get(gctx, &res)
		d := delivery{keys: []string{e.Key}, err: err}
		if err == nil {
			d.res.Outcomes = []activities.Outcome{res.Outcome}
			d.pager = &pagerDelivery{name: e.Pager, schedule: e.To, res: res}
		}
		w.delivered = append(w.delivered, d)
	})
}

// pagerDelivery is what a SyncPager brought back.
type pagerDelivery struct {
	name, schedule string
	res            activities.PagerSyncResult
}

// foldPager takes a sync's changes to the known overrides into the state,
// and forgets those of shifts over for a day.
func (s *RotationState) foldPager(now time.Time, d *pagerDelivery) {
	s.PagerKnown = slices.DeleteFunc(s.PagerKnown, func(k KnownOverride) bool {
		mine := k.Pager == d.name && k.Schedule == d.schedule
		return mine && (slices.Contains(d.res.Gone, k.ID) || slices.ContainsFunc(d.res.Upsert, func(u activities.PagerOverride) bool {
			return u.Shift == k.Shift && u.Seat == k.Seat
		})) || !k.End.After(now.Add(-activities.TrimWithin))
	})
	for _, u := range d.res.Upsert {
		s.PagerKnown = append(s.PagerKnown, KnownOverride{Pager: d.name, Schedule: d.schedule, PagerOverride: u})
	}
}

// watch is a WatchPager under way.
type watch struct {
	pager, shift string
	cancel       workflow.CancelFunc
}

// watched is what a WatchPager brought back.
type watched struct {
	pager, schedule, shift string
	res                    activities.WatchResult
}

// startWatches starts the drift checks of a running shift, one per tool,
// in place of the ones under way.
func (w *rotation) startWatches(ctx workflow.Context, now time.Time, sh engine.Shift, delay time.Duration) {
	for _, p := range w.st.Rotation.Pagers() {
		w.startWatch(ctx, now, sh, p, delay)
	}
}

func (w *rotation) startWatch(ctx workflow.Context, now time.Time, sh engine.Shift, p config.PagerUse, delay time.Duration) {
	w.watches = slices.DeleteFunc(w.watches, func(x *watch) bool {
		if x.pager == p.Tool {
			x.cancel()
			return true
		}
		return false
	})
	// A shift shorter than the delay is checked a quarter into it.
	delay = min(delay, sh.End.Sub(sh.Start)/4)
	if !sh.End.After(now.Add(delay)) {
		return
	}
	wctx, cancel := workflow.WithCancel(ctx)
	left := sh.End.Sub(now)
	actx := workflow.WithActivityOptions(wctx, workflow.ActivityOptions{
		StartToCloseTimeout:    left + 10*time.Minute,
		ScheduleToCloseTimeout: left + 30*time.Minute,
		HeartbeatTimeout:       time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 10 * time.Second, MaximumInterval: 5 * time.Minute},
	})
	in := activities.WatchInput{Pager: p.Tool, Schedule: p.Schedule, Shift: sh.ID, Want: w.st.contacts(w.st.onCall(now), contact),
		Delay: delay, Every: watchEvery, Until: sh.End}
	wx := &watch{pager: p.Tool, shift: sh.ID, cancel: cancel}
	w.watches = append(w.watches, wx)
	f := workflow.ExecuteActivity(actx, a.WatchPager, in)
	workflow.Go(wctx, func(gctx workflow.Context) {
		var res activities.WatchResult
		err := f.Get(gctx, &res)
		var canceled *temporal.CanceledError
		if errors.As(err, &canceled) || wctx.Err() != nil {
			return
		}
		w.watches = slices.DeleteFunc(w.watches, func(y *watch) bool { return y == wx })
		if err != nil {
			res.Error = reason(err)
		}
		w.watchedResults = append(w.watchedResults, watched{pager: p.Tool, schedule: p.Schedule, shift: sh.ID, res: res})
	})
}

// resumeWatches starts the drift checks of the shifts running when a run
// begins (a continued run: the last one's ended with it).
func (w *rotation) resumeWatches(ctx workflow.Context) {
	if w.st.Paused || len(w.st.Rotation.Pagers()) == 0 {
		return
	}
	now := workflow.Now(ctx)
	for i, sh := range w.st.shifts() {
		if e := w.st.Events[i]; e.HandedOff && !e.Ended && !e.Silent && !sh.Start.After(now) && sh.End.After(now) {
			if !w.pagerOn(ctx) {
				return
			}
			w.startWatches(ctx, now, sh, 0)
			return
		}
	}
}

// foldWatches takes the drift checks' findings: a drift is audited, told
// to the channel and repaired (unless repair: false), and the shift
// watched again from the next hour.
func (w *rotation) foldWatches(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for len(w.watchedResults) > 0 {
		r := w.watchedResults[0]
		w.watchedResults = w.watchedResults[1:]
		p, ok := w.pagerUse(r.pager)
		if !ok {
			continue
		}
		switch {
		case r.res.Error != "":
			notes := []string{"drift checks of this shift stop"}
			if r.res.Advice != "" {
				notes = append(notes, "to fix: "+r.res.Advice)
			}
			w.st.audit(AuditEntry{Time: now, Operation: "pager-check", Via: "worker", Input: r.pager + " " + r.schedule, Reason: r.res.Error,
				Shifts: []string{r.shift}, Notes: notes})
			continue
		case !r.res.Drift:
			continue
		}
		notes := []string{"rota has " + render.Who(r.res.Want) + " on call; " + r.pager + " has " + render.Who(r.res.Have)}
		if p.NoRepair {
			notes = append(notes, "not repaired (repair: false)")
		} else {
			notes = append(notes, "repaired: the overrides are synced again")
			w.st.PagerDirty = true
		}
		w.st.audit(AuditEntry{Time: now, Operation: "pager-drift", Via: "worker", Input: r.pager + " " + r.schedule, Accepted: true,
			Shifts: []string{r.shift}, Notes: notes})
		if sl := w.st.Rotation.Slack; sl != nil && sl.Channel != "" {
			msg := activities.DriftMessage(&w.st.Rotation, r.pager, r.res.Want, r.res.Have, !p.NoRepair)
			key := activities.Key(r.shift, "drift", r.pager, r.res.At.UTC().Format(time.RFC3339))
			w.enqueue(now, key, now.Add(noticeTTL), activities.Effect{Key: key, Kind: activities.EffectAnnounce, To: sl.Channel, Message: &msg})
		}
		if sh, ok := w.st.shift(r.shift); ok && sh.End.After(now) {
			w.startWatch(ctx, now, *sh, p, watchEvery)
		}
	}
}

func (w *rotation) pagerUse(tool string) (config.PagerUse, bool) {
	for _, p := range w.st.Rotation.Pagers() {
		if p.Tool == tool {
			return p, true
		}
	}
	return config.PagerUse{}, false
}
