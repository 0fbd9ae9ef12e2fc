package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

// PagerSyncInput asks to make a schedule's overrides mirror a rotation's
// final shifts: one override per shift and assignee, over exactly the
// shift, for every shift not ended by From. Known are the overrides rota
// made on tools that give ids themselves (the workflow's state).
type PagerSyncInput struct {
	Key      string          `json:"key"`
	Pager    string          `json:"pager"`
	Schedule string          `json:"schedule"`
	Rotation string          `json:"rotation"`
	Members  []config.Member `json:"members"`
	Shifts   []engine.Shift  `json:"shifts"`
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Known    []PagerOverride `json:"known,omitempty"`
	// Drop: the rotation no longer uses this schedule: every override rota
	// made on it from From on goes.
	Drop bool `json:"drop,omitempty"`
}

// PagerSyncResult is what changed: the counts, and how Known changed
// (only that is recorded in the history).
type PagerSyncResult struct {
	Outcome Outcome         `json:"outcome"`
	Created int             `json:"created,omitempty"`
	Updated int             `json:"updated,omitempty"`
	Deleted int             `json:"deleted,omitempty"`
	Upsert  []PagerOverride `json:"upsert,omitempty"`
	Gone    []string        `json:"gone,omitempty"` // ids no longer rota's
}

// SyncPager compares what the pager holds in the window with what it
// should hold and changes only the difference, so a retry or a replay
// never doubles an override. It runs as a local activity: the shifts it
// mirrors come from the state and never enter the history. A failure is
// an Outcome (the first one met; the rest of the sync is still done).
func (a *Activities) SyncPager(ctx context.Context, in PagerSyncInput) (PagerSyncResult, error) {
	res := PagerSyncResult{Outcome: Outcome{Key: in.Key}}
	p := a.pager(in.Pager)
	if p == nil {
		a.log().Info("no "+in.Pager+" credentials: pager sync skipped", "schedule", in.Schedule, "key", in.Key)
		return res, nil
	}
	fail := func(err error) {
		if res.Outcome.Error != "" {
			return
		}
		res.Outcome = Failed(in.Key, err)
		a.log().Warn("pager sync", "pager", in.Pager, "schedule", in.Schedule, "key", in.Key, "error", err)
	}
	want, err := a.wantOverrides(ctx, p, in)
	if err != nil {
		fail(err)
	}
	knownIDs := make([]string, len(in.Known))
	for i, k := range in.Known {
		knownIDs[i] = k.ID
	}
	have, err := p.Overrides(ctx, in.Schedule, in.Rotation, in.From, in.To, knownIDs)
	if err != nil {
		fail(err)
		return res, nil
	}
	used := make([]bool, len(have))
	for _, o := range want {
		i := slices.IndexFunc(have, func(h PagerOverride) bool { return o.ID != "" && h.ID == o.ID })
		if i >= 0 {
			used[i] = true
			if sameOverride(have[i], o, in.From) {
				continue
			}
		}
		if i < 0 && !o.End.After(in.From) {
			continue // over: only an override that stands is trimmed
		}
		id, err := p.Put(ctx, in.Schedule, in.Rotation, o)
		if err != nil {
			fail(err)
			continue
		}
		if i >= 0 {
			res.Updated++
		} else {
			res.Created++
		}
		if p.Alias(in.Rotation, o.Shift, o.Seat) == "" {
			if o.ID != "" && o.ID != id {
				res.Gone = append(res.Gone, o.ID)
			}
			o.ID = id
			res.Upsert = append(res.Upsert, o)
		}
	}
	for i, h := range have {
		if used[i] {
			continue
		}
		if err := p.Delete(ctx, in.Schedule, h); err != nil {
			fail(err)
			continue
		}
		res.Deleted++
		res.Gone = append(res.Gone, h.ID)
	}
	if res.Created+res.Updated+res.Deleted > 0 {
		a.log().Info("pager synced", "pager", in.Pager, "schedule", in.Schedule, "created", res.Created,
			"updated", res.Updated, "deleted", res.Deleted, "key", in.Key)
	}
	return res, nil
}

// TrimWithin is how long after a shift ended its override is still
// trimmed to it (a running shift cut short): the workflow sends such
// shifts, and keeps their PagerDuty ids, that long.
const TrimWithin = 24 * time.Hour

// wantOverrides lists the overrides the schedule should hold: each final
// shift not ended by From, each assignee, with the id the override has
// (the tool's alias, or the one Known keeps).
func (a *Activities) wantOverrides(ctx context.Context, p Pager, in PagerSyncInput) ([]PagerOverride, error) {
	if in.Drop {
		return nil, nil
	}
	var out []PagerOverride
	var first error
	for _, sh := range in.Shifts {
		// A shift that ended lately (a running one cut short by a change)
		// is wanted too, so that its override is trimmed, not deleted.
		if !sh.End.After(in.From.Add(-TrimWithin)) || !sh.Start.Before(in.To) {
			continue
		}
		for seat, id := range sh.Assignees {
			m := memberOf(in.Members, id)
			user, err := p.User(ctx, m)
			if err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			o := PagerOverride{Shift: sh.ID, Seat: seat, User: user, Start: sh.Start.UTC(), End: sh.End.UTC()}
			if o.ID = p.Alias(in.Rotation, sh.ID, seat); o.ID == "" {
				if k := slices.IndexFunc(in.Known, func(k PagerOverride) bool { return k.Shift == sh.ID && k.Seat == seat }); k >= 0 {
					o.ID = in.Known[k].ID
				}
			}
			out = append(out, o)
		}
	}
	return out, first
}

// sameOverride: have stands for want. A running shift's override may
// have started before the window.
func sameOverride(have, want PagerOverride, from time.Time) bool {
	if have.User != want.User || !have.End.Equal(want.End) {
		return false
	}
	return have.Start.Equal(want.Start) || want.Start.Before(from) && !have.Start.After(from)
}

func memberOf(ms []config.Member, id string) config.Member {
	for _, m := range ms {
		if m.ID == id {
			return m
		}
	}
	return config.Member{ID: id}
}

// WatchInput asks who the pager has on call for Schedule while a shift
// runs: after Delay, then every Every, until Until; Want are the members
// rota has on call.
type WatchInput struct {
	Pager    string          `json:"pager"`
	Schedule string          `json:"schedule"`
	Shift    string          `json:"shift"`
	Want     []config.Member `json:"want"`
	Delay    time.Duration   `json:"delay,omitempty"`
	Every    time.Duration   `json:"every"`
	Until    time.Time       `json:"until"`
}

// WatchResult is a drift (the pager has others on call than rota says),
// a check that cannot work (Error), or the shift's end (neither).
type WatchResult struct {
	Drift  bool      `json:"drift,omitempty"`
	At     time.Time `json:"at,omitzero"`
	Want   []string  `json:"want,omitempty"`
	Have   []string  `json:"have,omitempty"`
	Error  string    `json:"error,omitempty"`
	Advice string    `json:"advice,omitempty"`
}

// watchBeat is how often WatchPager heartbeats while it waits.
const watchBeat = 10 * time.Second

// WatchPager checks the drift of one running shift: one long activity per
// shift that heartbeats while it waits, so an hourly check costs the
// history nothing until it finds a drift. It returns at the first drift,
// at a check that cannot work, or when the shift ends; a check that fails
// for a while (the pager is down) is tried again at the next one.
func (a *Activities) WatchPager(ctx context.Context, in WatchInput) (WatchResult, error) {
	p := a.pager(in.Pager)
	if p == nil {
		return WatchResult{}, nil
	}
	next := time.Now().Add(in.Delay)
	for {
		if err := a.waitUntil(ctx, next, in.Until); err != nil {
			return WatchResult{}, err
		}
		if !time.Now().Before(in.Until) {
			return WatchResult{}, nil
		}
		res, err := a.checkPager(ctx, p, in)
		switch {
		case err != nil && IsPermanent(err):
			o := Failed("", err)
			return WatchResult{Error: o.Error, Advice: o.Advice}, nil
		case err != nil:
			a.log().Warn("pager check failed; next check at the next hour", "pager", in.Pager, "schedule", in.Schedule, "error", err)
		case res.Drift:
			return res, nil
		}
		next = time.Now().Add(max(in.Every, time.Minute))
	}
}

// waitUntil sleeps until t (or until), heartbeating.
func (a *Activities) waitUntil(ctx context.Context, t, until time.Time) error {
	for {
		now := time.Now()
		if !now.Before(t) || !now.Before(until) {
			return nil
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx)
		}
		d := min(t.Sub(now), until.Sub(now), watchBeat)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

// checkPager compares the pager's on-call users with rota's.
func (a *Activities) checkPager(ctx context.Context, p Pager, in WatchInput) (WatchResult, error) {
	cctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	var want []string
	for _, m := range in.Want {
		u, err := p.User(cctx, m)
		if err != nil {
			return WatchResult{}, err
		}
		if !slices.Contains(want, u) {
			want = append(want, u)
		}
	}
	slices.Sort(want)
	now := time.Now()
	have, err := p.OnCall(cctx, in.Schedule, now)
	if err != nil {
		return WatchResult{}, fmt.Errorf("who is on call: %w", err)
	}
	have = slices.Clone(have)
	slices.Sort(have)
	have = slices.Compact(have)
	return WatchResult{Drift: !slices.Equal(want, have), At: now.UTC(), Want: want, Have: have}, nil
}
