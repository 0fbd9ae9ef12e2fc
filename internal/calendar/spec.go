package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Handoff returns the k-th handoff of a rotation that starts at start on
// the wall clock of loc and hands off every p, in UTC.
//
// The arithmetic is civil: k*p is added to start's wall clock (minutes and
// hours to the date-time, days and weeks to the date, months to the year
// and month, with the day clamped to the month's last day when start's day
// does not exist, always counting from start so Jan 31 gives Feb 28 then
// Mar 31). The wall clock found is then resolved with DateTime.In, so
// handoffs keep their local time across DST. k may be negative.
func Handoff(loc *time.Location, start DateTime, p Period, k int) time.Time {
	return resolve(civilAdd(start, p, k), orUTC(loc)).UTC()
}

// civilAdd returns start + k*p on the wall clock, as a naive UTC time.
func civilAdd(start DateTime, p Period, k int) time.Time {
	n := p.N * k
	y, m, d, hh, mm := start.Year, start.Month, start.Day, start.Hour, start.Minute
	switch p.Unit {
	case Minute:
		mm += n
	case Hour:
		hh += n
	case Day:
		d += n
	case Week:
		d += 7 * n
	case Month:
		months := y*12 + int(m-1) + n
		y, m = floorDiv(months, 12), time.Month(floorMod(months, 12)+1)
		d = min(d, daysIn(y, m))
	}
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// loc returns the rotation's zone, UTC when unset.
func (s Spec) loc() *time.Location { return orUTC(s.Location) }

// handoff returns the k-th handoff of s, in UTC.
func (s Spec) handoff(k int) time.Time { return Handoff(s.Location, s.Start, s.Shift, k) }

// end returns the instant no shift may start at or after, if there is one.
func (s Spec) end() (time.Time, bool) {
	if s.End == nil {
		return time.Time{}, false
	}
	return s.End.In(s.loc()), true
}

// Validate reports every way in which s cannot lay out shifts, joined in
// one error, or nil.
func (s Spec) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Rotation == "" {
		bad("no rotation name")
	}
	if s.Location == nil {
		bad("no time zone")
	}
	if err := s.Start.check(); err != nil {
		bad("invalid start %s: %w", s.Start, err)
	}
	if s.End != nil {
		if err := s.End.check(); err != nil {
			bad("invalid end %s: %w", *s.End, err)
		} else if end, _ := s.end(); s.Start.check() == nil && !end.After(s.Start.In(s.loc())) {
			bad("end %s is not after start %s", *s.End, s.Start)
		}
	}
	if s.Shift == (Period{}) {
		bad("no shift length")
	} else if err := s.Shift.check(); err != nil {
		bad("invalid shift length %s: %w", s.Shift, err)
	}
	if len(s.Layers) == 0 {
		bad("no layers (a rotation without layers has one named %q)", "main")
	}
	names := map[string]bool{}
	for i, l := range s.Layers {
		if l.Name == "" {
			bad("layer %d has no name", i+1)
		} else if names[l.Name] {
			bad("two layers are named %q", l.Name)
		}
		names[l.Name] = true
		for _, p := range s.Layers[:i] {
			if both := Overlap(p.Days, l.Days); !both.Empty() {
				note := ""
				if l.Days.Empty() || p.Days.Empty() {
					note = " (a layer without days has every day)"
				}
				bad("layers %q and %q overlap: both start shifts on %s%s", p.Name, l.Name, both, note)
			}
		}
	}
	for _, d := range s.Holidays {
		if err := d.check(); err != nil {
			bad("invalid holiday %s: %w", d, err)
		}
	}
	return errors.Join(errs...)
}

// layerOn returns the name of the layer whose shifts start on day d.
func (s Spec) layerOn(d time.Weekday) (string, bool) {
	for _, l := range s.Layers {
		if l.Days.Empty() || l.Days.Has(d) {
			return l.Name, true
		}
	}
	return "", false
}

// kindOf returns the kind of a shift starting on date d; holiday reports
// whether d is a holiday.
func (s Spec) kindOf(d Date, holiday func(Date) bool) Kind {
	if holiday(d) {
		return Holiday
	}
	if s.Weekend.Has(d.Weekday()) {
		return Weekend
	}
	return Weekday
}

// isHoliday reports whether d is one of s.Holidays.
func (s Spec) isHoliday(d Date) bool {
	for _, h := range s.Holidays {
		if h == d {
			return true
		}
	}
	return false
}

// KindAt returns the kind of a shift that starts at t: holiday if t's
// local date is a holiday, else weekend if that date's weekday is a weekend
// day, else weekday.
func (s Spec) KindAt(t time.Time) Kind {
	return s.kindOf(DateOf(t, s.loc()), s.isHoliday)
}

// SlotAt returns the slot that starts at handoff k and ends at handoff k+1.
// There is none (ok is false) when k < 0, when the handoff is at or after
// End, when no layer starts shifts on the weekday of its local date, or
// when the next handoff is not strictly later. The last happens only when
// two wall-clock handoffs resolve to the same instant (e.g. 30-minute
// shifts over Lord Howe's 30-minute spring change: 02:00 does not exist and
// moves to 02:30, where the next handoff is): the empty slot is skipped and
// the next one starts at the same instant, so slots never have zero length
// and still tile time.
func (s Spec) SlotAt(k int) (Slot, bool) {
	if k < 0 || s.Shift.check() != nil {
		return Slot{}, false
	}
	return s.slot(k, s.handoff(k), s.handoff(k+1), s.isHoliday)
}

// slot builds slot k from its handoffs; see SlotAt.
func (s Spec) slot(k int, start, next time.Time, holiday func(Date) bool) (Slot, bool) {
	if end, ok := s.end(); ok && !start.Before(end) {
		return Slot{}, false
	}
	if !next.After(start) {
		return Slot{}, false
	}
	date := DateOf(start, s.loc())
	layer, ok := s.layerOn(date.Weekday())
	if !ok {
		return Slot{}, false
	}
	return Slot{
		ID:    s.Rotation + "/" + layer + "/" + start.Format(time.RFC3339),
		Layer: layer,
		Index: k,
		Start: start,
		End:   next,
		Kind:  s.kindOf(date, holiday),
	}, true
}

// IndexAt returns the smallest k >= 0 whose handoff is at or after t. It
// ignores End and layers. Handoffs never decrease, so it estimates k from
// the nominal period and corrects the estimate with a galloping binary
// search: a handful of Handoff calls whatever t is.
func (s Spec) IndexAt(t time.Time) int {
	if s.Shift.check() != nil {
		return 0
	}
	// Beyond year 9999 nothing is meaningful; clamping keeps k small.
	if limit := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC); t.After(limit) {
		t = limit
	}
	h0 := s.handoff(0)
	if !h0.Before(t) {
		return 0
	}
	before := func(k int) bool { return s.handoff(k).Before(t) } // true for k = 0
	est := max(int((t.Unix()-h0.Unix())/s.Shift.approxSeconds()), 1)
	// Find lo < hi with before(lo) and !before(hi).
	var lo, hi int
	if before(est) {
		lo, hi = est, est+1
		for step := 1; before(hi); step *= 2 {
			lo, hi = hi, hi+step
		}
	} else {
		lo, hi = est-1, est
		for step := 1; lo > 0 && !before(lo); step *= 2 {
			hi, lo = lo, max(lo-step, 0)
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if before(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// Slots returns every slot whose Start is in [from, to), in order.
func (s Spec) Slots(from, to time.Time) []Slot {
	if !from.Before(to) || s.Shift.check() != nil {
		return nil
	}
	holidays := make(map[Date]bool, len(s.Holidays))
	for _, d := range s.Holidays {
		holidays[d] = true
	}
	isHoliday := func(d Date) bool { return holidays[d] }
	end, hasEnd := s.end()
	if hasEnd && end.Before(to) {
		to = end
	}
	if !from.Before(to) {
		return nil
	}
	n := to.Sub(from) / time.Duration(s.Shift.approxSeconds()*int64(time.Second))
	out := make([]Slot, 0, min(max(n+1, 0), 1<<12))
	k := s.IndexAt(from)
	start := s.handoff(k)
	for start.Before(to) {
		next := s.handoff(k + 1)
		if slot, ok := s.slot(k, start, next, isHoliday); ok {
			out = append(out, slot)
		}
		k, start = k+1, next
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
