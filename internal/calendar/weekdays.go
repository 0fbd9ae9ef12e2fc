package calendar

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Weekdays is a set of days of the week: the days a layer starts its shifts
// on, or the days that count as the weekend. It is the one place days are
// named, parsed and compared. The zero value is the empty set.
type Weekdays uint8

// EveryDay is the set of all seven days.
const EveryDay Weekdays = 1<<7 - 1

// WeekdaysOf returns the set of days.
func WeekdaysOf(days ...time.Weekday) Weekdays {
	var w Weekdays
	for _, d := range days {
		if d >= time.Sunday && d <= time.Saturday {
			w |= 1 << d
		}
	}
	return w
}

// ParseWeekdays reads day names (ParseWeekday); a day named twice is an
// error.
func ParseWeekdays(names []string) (Weekdays, error) {
	var w Weekdays
	for _, n := range names {
		d, err := ParseWeekday(n)
		if err != nil {
			return 0, err
		}
		if w.Has(d) {
			return 0, fmt.Errorf("%s is listed twice", weekdayNames[d])
		}
		w |= 1 << d
	}
	return w, nil
}

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool {
	return d >= time.Sunday && d <= time.Saturday && w&(1<<d) != 0
}

// Empty reports whether the set has no day.
func (w Weekdays) Empty() bool { return w&EveryDay == 0 }

// Common returns the days in both sets.
func (w Weekdays) Common(o Weekdays) Weekdays { return w & o & EveryDay }

// Days lists the days, Monday first.
func (w Weekdays) Days() []time.Weekday {
	var out []time.Weekday
	for i := range 7 {
		if d := time.Weekday((i + 1) % 7); w.Has(d) {
			out = append(out, d)
		}
	}
	return out
}

// Names lists the days' short names (mon, tue...), Monday first.
func (w Weekdays) Names() []string {
	days := w.Days()
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = weekdayNames[d]
	}
	return out
}

// String is "mon, tue" (Monday first), or "no day".
func (w Weekdays) String() string {
	if w.Empty() {
		return "no day"
	}
	return strings.Join(w.Names(), ", ")
}

// MarshalJSON writes the days' names, as a config file has them:
// ["sat","sun"].
func (w Weekdays) MarshalJSON() ([]byte, error) {
	names := w.Names()
	if names == nil {
		names = []string{}
	}
	return json.Marshal(names)
}

// UnmarshalJSON reads day names, or the numbers of time.Weekday (0 is
// Sunday) that earlier versions wrote.
func (w *Weekdays) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err == nil {
		v, err := ParseWeekdays(names)
		if err != nil {
			return err
		}
		*w = v
		return nil
	}
	var nums []int
	if err := json.Unmarshal(b, &nums); err != nil {
		return fmt.Errorf("weekdays: want a list of day names: %w", err)
	}
	var v Weekdays
	for _, n := range nums {
		if n < 0 || n > 6 {
			return fmt.Errorf("weekdays: invalid day number %d", n)
		}
		v |= 1 << n
	}
	*w = v
	return nil
}

// Overlap returns the days two layers both start shifts on; a layer
// without days (the empty set) has every day. The config and the calendar
// check layers with it.
func Overlap(a, b Weekdays) Weekdays {
	if a.Empty() {
		a = EveryDay
	}
	if b.Empty() {
		b = EveryDay
	}
	return a.Common(b)
}
