// Package feed holds a rotation's calendar feeds: what each event looked
// like when it was last published (so that SEQUENCE grows with every change
// and a shift that leaves a feed stays in it as cancelled), and their
// rendering to iCalendar. It is pure: the workflow keeps the events, an
// activity stores what Render writes.
package feed

import (
	"slices"
	"time"
)

// The window of a feed: shifts that ended up to Past ago, and the forecast
// up to Ahead ahead; a cancelled event stays Tombstone after it was
// cancelled, so that subscribed calendars drop it.
const (
	Past      = 30 * 24 * time.Hour
	Ahead     = 180 * 24 * time.Hour
	Tombstone = 30 * 24 * time.Hour
	// MaxForecast bounds the forecast events of one rotation (a rotation of
	// hourly shifts has 4,320 in 180 days: it shows the next 200).
	MaxForecast = 200
	// MaxPast bounds the ended events kept (a rotation of hourly shifts
	// has 720 in 30 days).
	MaxPast = 100
	// MaxFinal bounds the final (planned) shifts that have not ended shown
	// (15-minute shifts planned 28 days ahead are 2,688: the feed shows the
	// next 500, and no forecast). With MaxPast, MaxForecast and the
	// tombstones it bounds what the workflow keeps of a feed.
	MaxFinal = 500
)

// Status of an event, as iCalendar's STATUS says it.
const (
	Confirmed = "CONFIRMED" // a final (planned) shift
	Tentative = "TENTATIVE" // a forecast
	Cancelled = "CANCELLED" // the shift is gone from the feed
)

// Shift is a shift as a feed shows it: what Update is given.
type Shift struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Assignees []string  `json:"assignees"`
	// Forecast: not final yet.
	Forecast bool `json:"forecast,omitempty"`
}

// Event is the last published version of one shift of a rotation's feed.
// The member feeds follow from it: each assignee has the event (same
// SEQUENCE), and each member it was taken from has it as cancelled (Gone).
type Event struct {
	Shift     string    `json:"shift"`
	Kind      string    `json:"kind,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Assignees []string  `json:"assignees"`
	Status    string    `json:"status"`
	// Seq is the event's SEQUENCE: 0 when first published, one more at
	// every change. Modified is when it last changed.
	Seq      int       `json:"seq,omitempty"`
	Modified time.Time `json:"modified"`
	// Gone are the members the shift was taken from (swapped away,
	// covered, removed): their feeds show it cancelled.
	Gone []Gone `json:"gone,omitempty"`
}

// Gone is a member's cancelled copy of an event.
type Gone struct {
	Member   string    `json:"member"`
	Seq      int       `json:"seq"`
	Modified time.Time `json:"modified"`
}

// Window says which shifts Update was given: every shift of the rotation
// that starts in [From, To). An event outside it that Update was not given
// is history (it ended before the engine's memory) and stays as it is.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Update brings the events up to date with the shifts of a window at now,
// in start order, and reports whether anything changed. An event whose
// shift changed gets the next SEQUENCE; one whose shift is gone from the
// window is cancelled; events that ended more than Past ago and
// tombstones older than Tombstone are dropped. Old is not changed.
func Update(old []Event, shifts []Shift, w Window, now time.Time) ([]Event, bool) {
	out := make([]Event, 0, len(shifts)+len(old))
	changed := false
	seen := make(map[string]bool, len(shifts))
	// index: the first old event of each shift (a map, not a scan per
	// shift: a year of daily shifts is 545 events).
	index := make(map[string]int, len(old))
	for i, e := range old {
		if _, ok := index[e.Shift]; !ok {
			index[e.Shift] = i
		}
	}
	for _, sh := range shifts {
		seen[sh.ID] = true
		i, ok := index[sh.ID]
		status := Confirmed
		if sh.Forecast {
			status = Tentative
		}
		if !ok {
			out = append(out, Event{Shift: sh.ID, Kind: sh.Kind, Start: sh.Start.UTC(), End: sh.End.UTC(),
				Assignees: slices.Clone(sh.Assignees), Status: status, Modified: now})
			changed = true
			continue
		}
		e := old[i]
		e.Gone = slices.Clone(e.Gone)
		e.Assignees = slices.Clone(e.Assignees)
		if e.Status != status || !e.Start.Equal(sh.Start) || !e.End.Equal(sh.End) ||
			!slices.Equal(e.Assignees, sh.Assignees) || e.Kind != sh.Kind {
			// The last assignees of a cancelled event saw it cancelled
			// (its SEQUENCE, when it was cancelled): those not back on the
			// revived shift keep that cancelled copy.
			cancelledSeq, cancelledAt := e.Seq, e.Modified
			revived := e.Status == Cancelled
			e.Seq++
			e.Modified = now
			for _, m := range e.Assignees {
				switch {
				case slices.Contains(sh.Assignees, m):
				case revived:
					if !slices.ContainsFunc(e.Gone, func(g Gone) bool { return g.Member == m }) {
						e.Gone = append(e.Gone, Gone{Member: m, Seq: cancelledSeq, Modified: cancelledAt})
					}
				default:
					e.Gone = setGone(e.Gone, Gone{Member: m, Seq: e.Seq, Modified: now})
				}
			}
			e.Gone = slices.DeleteFunc(e.Gone, func(g Gone) bool { return slices.Contains(sh.Assignees, g.Member) })
			e.Kind, e.Start, e.End, e.Status = sh.Kind, sh.Start.UTC(), sh.End.UTC(), status
			e.Assignees = slices.Clone(sh.Assignees)
			changed = true
		}
		out = append(out, e)
	}
	for _, e := range old {
		if seen[e.Shift] {
			continue
		}
		// Copies: what follows edits Gone in place, and old is the caller's.
		e.Gone = slices.Clone(e.Gone)
		e.Assignees = slices.Clone(e.Assignees)
		if inside := !e.Start.Before(w.From) && e.Start.Before(w.To); inside && e.Status != Cancelled {
			e.Seq++
			e.Modified = now
			e.Status = Cancelled
			changed = true
		}
		out = append(out, e)
	}
	kept := out[:0]
	for _, e := range out {
		switch {
		case now.Sub(e.End) > Past:
			changed = true
			continue
		case e.Status == Cancelled && now.Sub(e.Modified) > Tombstone:
			changed = true
			continue
		}
		n := len(e.Gone)
		e.Gone = slices.DeleteFunc(e.Gone, func(g Gone) bool { return now.Sub(g.Modified) > Tombstone })
		changed = changed || len(e.Gone) != n
		if len(e.Gone) == 0 {
			e.Gone = nil
		}
		kept = append(kept, e)
	}
	sortEvents(kept)
	// Short shifts: only the latest MaxPast of those that ended are kept.
	ended := 0
	for _, e := range kept {
		if !e.End.After(now) {
			ended++
		}
	}
	if n := ended - MaxPast; n > 0 {
		changed = true
		kept = slices.DeleteFunc(kept, func(e Event) bool {
			drop := n > 0 && !e.End.After(now)
			if drop {
				n-- // the earliest first: kept is in start order
			}
			return drop
		})
	}
	return kept, changed
}

func setGone(gs []Gone, g Gone) []Gone {
	if i := slices.IndexFunc(gs, func(x Gone) bool { return x.Member == g.Member }); i >= 0 {
		gs[i] = g
		return gs
	}
	return append(gs, g)
}

// Member is a person named in a feed.
type Member struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Timezone is the member's own zone (X-WR-TIMEZONE of their feed);
	// empty: the rotation's.
	Timezone string `json:"timezone,omitempty"`
}

// Rotation is what a rotation publishes: its events with what rendering
// them needs. Its member parts (Part) are what member feeds are assembled
// from, so that no rotation needs another's state.
type Rotation struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	// Duties is the duty list, one duty per line.
	Duties  string   `json:"duties,omitempty"`
	Members []Member `json:"members"`
	Events  []Event  `json:"events"`
}

// MemberName is the name of a member id in r (the id itself when r does not know it).
func (r *Rotation) MemberName(id string) string {
	for _, m := range r.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return id
}

// MemberIDs lists, sorted, every member with an event in r, live or
// cancelled: the member feeds r has a part in.
func (r *Rotation) MemberIDs() []string {
	var ids []string
	for _, e := range r.Events {
		ids = append(ids, e.Assignees...)
		for _, g := range e.Gone {
			ids = append(ids, g.Member)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Part is r restricted to member's events (live and cancelled): r's share
// of that member's feed.
func (r *Rotation) Part(member string) Rotation {
	p := *r
	p.Events = nil
	for _, e := range r.Events {
		if slices.Contains(e.Assignees, member) || slices.ContainsFunc(e.Gone, func(g Gone) bool { return g.Member == member }) {
			p.Events = append(p.Events, e)
		}
	}
	return p
}
