package activities

import (
	"context"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/feed"
	"github.com/rota-scheduler/rota/internal/rules"
)

// FeedInput asks to bring a rotation's calendar feed up to date at Now and
// publish it. Events are the feed's events as last published (the
// workflow's state); they are not changed.
type FeedInput struct {
	Key      string          `json:"key"`
	Rotation config.Rotation `json:"rotation"`
	Members  []config.Member `json:"members"`
	State    *engine.State   `json:"state"`
	Events   []feed.Event    `json:"events"`
	Now      time.Time       `json:"now"`
}

// FeedResult is how the feed's events changed (feed.Delta: only that is
// recorded in the workflow's history) and how publishing went.
type FeedResult struct {
	Upsert  []feed.Event `json:"upsert,omitempty"`
	Drop    []string     `json:"drop,omitempty"`
	Outcome Outcome      `json:"outcome"`
}

// PublishFeed is the calendar publication, run by the workflow as a local
// activity so that the feed it publishes (the workflow's events, with the
// forecast) never enters the history: only the delta does. It computes the
// events from the rotation's state (planned shifts, then the engine's
// forecast), then writes the whole feed, so a publication that failed is
// healed by the next one. A failure to publish is an Outcome, not an error.
func (a *Activities) PublishFeed(ctx context.Context, in FeedInput) (FeedResult, error) {
	p, err := engine.New(&in.Rotation, in.Members)
	if err != nil {
		return FeedResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadConfig", err)
	}
	shifts, w := FeedShifts(p, in.State, in.Now)
	events, _ := feed.Update(in.Events, shifts, w, in.Now)
	res := FeedResult{Outcome: Outcome{Key: in.Key}}
	res.Upsert, res.Drop = feed.Delta(in.Events, events)
	if a.Calendars == nil {
		a.log().Info("no calendar publisher", "key", in.Key)
		return res, nil
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := a.Calendars.Publish(sctx, FeedOf(&in.Rotation, in.Members, events), in.Key); err != nil {
		res.Outcome = Failed(in.Key, err)
		a.log().Warn("publish failed", "rotation", in.Rotation.ID, "key", in.Key, "error", err)
	}
	return res, nil
}

// FeedShifts lists what a feed shows of a rotation at now: its planned
// shifts (at most feed.MaxFinal that have not ended), then the forecast up
// to feed.Ahead (at most feed.MaxForecast), and the window they cover.
func FeedShifts(p *engine.Planner, st *engine.State, now time.Time) ([]feed.Shift, feed.Window) {
	w := feed.Window{From: now, To: now.Add(feed.Ahead)}
	if st == nil {
		return nil, w
	}
	var out []feed.Shift
	final := 0
	for _, sh := range st.Shifts {
		if sh.End.After(now) {
			final++
		}
		if final > feed.MaxFinal {
			// Cut short: what lies beyond is not in the window, so
			// nothing there is cancelled; no forecast either.
			w.To = sh.Start
			break
		}
		out = append(out, feedShift(sh, false))
	}
	if len(st.Shifts) > 0 {
		w.From = st.Shifts[0].Start
	}
	if final > feed.MaxFinal {
		return out, w
	}
	from := now
	if n := len(st.Shifts); n > 0 && st.Shifts[n-1].End.After(from) {
		from = st.Shifts[n-1].End
	}
	fc := rules.Forecast(p, st, from, w.To, feed.MaxForecast)
	for _, sh := range fc {
		out = append(out, feedShift(sh, true))
	}
	if len(fc) == feed.MaxForecast {
		// Cut short: what lies beyond the last forecast is not in the
		// window, so nothing there is cancelled.
		w.To = fc[len(fc)-1].Start.Add(time.Nanosecond)
	}
	return out, w
}

func feedShift(sh engine.Shift, forecast bool) feed.Shift {
	return feed.Shift{ID: sh.ID, Kind: string(sh.Kind), Start: sh.Start.UTC(), End: sh.End.UTC(),
		Assignees: slices.Clone(sh.Assignees), Forecast: forecast}
}

// FeedOf is what a rotation publishes: its events, with the names, zone and
// duties that rendering needs (members the config no longer has keep their
// id as name).
func FeedOf(rot *config.Rotation, members []config.Member, events []feed.Event) feed.Rotation {
	r := feed.Rotation{ID: rot.ID, Name: rotationName(rot), Timezone: rot.Timezone, Duties: rot.Duties, Events: events}
	if r.Timezone == "" {
		r.Timezone = "UTC"
	}
	for _, m := range members {
		r.Members = append(r.Members, feed.Member{ID: m.ID, Name: memberName(m), Timezone: m.Timezone})
	}
	for _, id := range r.MemberIDs() {
		if !slices.ContainsFunc(r.Members, func(m feed.Member) bool { return m.ID == id }) {
			r.Members = append(r.Members, feed.Member{ID: id, Name: id})
		}
	}
	return r
}
