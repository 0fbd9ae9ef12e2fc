package calendar

import "time"

// In returns the instant at which the wall clock of loc shows dt (UTC when
// loc is nil), in loc. When dt does not exist that day (it falls in a DST
// gap) the result is the first valid instant after it: the instant of the
// change. When dt happens twice (a DST overlap) the result is the first,
// earlier, occurrence.
//
// The zone's transitions around dt are examined explicitly rather than
// relying on time.Date, whose choice in gaps and overlaps is unspecified.
func (dt DateTime) In(loc *time.Location) time.Time {
	loc = orUTC(loc)
	return resolve(dt.naive(), loc).In(loc)
}

// resolveWindow bounds the instants that can show a given wall clock: every
// UTC offset ever used is well within ±16h.
const resolveWindow = 26 * time.Hour

// resolve returns the instant whose wall clock in loc is w (a naive UTC
// time, see DateTime.naive), with the gap and overlap rules of
// DateTime.In.
//
// It walks the zone's periods of constant offset that meet the window
// around w. In a period [start, end) with offset off, the wall clock w is
// shown at w-off if that lies within the period; the earliest such instant
// wins (overlaps). When no period shows w, w lies in the gap that a
// transition at e opens from e+prevOff to e+off, and e is the answer.
func resolve(w time.Time, loc *time.Location) time.Time {
	lo, hi := w.Add(-resolveWindow), w.Add(resolveWindow)
	var (
		best, gap         time.Time
		haveBest, haveGap bool
		prevOff           int
		havePrev          bool
	)
	t := lo.In(loc)
	for range 64 { // a handful of periods at most; the bound only guards the loop
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		offset := time.Duration(off) * time.Second
		if havePrev && !haveGap && off > prevOff {
			// Clocks jumped forward at start: the wall clocks in
			// [start+prevOff, start+off) never show.
			from := start.Add(time.Duration(prevOff) * time.Second)
			if !w.Before(from) && w.Before(start.Add(offset)) {
				gap, haveGap = start, true
			}
		}
		if c := w.Add(-offset); (start.IsZero() || !c.Before(start)) && (end.IsZero() || c.Before(end)) {
			if !haveBest || c.Before(best) {
				best, haveBest = c, true
			}
		}
		if end.IsZero() || end.After(hi) {
			break
		}
		prevOff, havePrev = off, true
		t = end
	}
	switch {
	case haveBest:
		return best
	case haveGap:
		return gap
	}
	// Unreachable for any real zone; answer something sensible rather than
	// panic.
	_, off := w.In(loc).Zone()
	return w.Add(-time.Duration(off) * time.Second)
}
