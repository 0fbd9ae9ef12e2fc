// Package calendar holds all of rota's time math: civil dates and wall-clock
// times, shift lengths, handoffs on a rotation's wall clock across DST, the
// shift slots of a rotation and their kind (weekday, weekend, holiday).
//
// Nothing outside this package adds calendar units to times.
package calendar

import (
	"time"
)

// Date is a civil date with no zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateTime is a wall-clock time with no zone, to the minute.
type DateTime struct {
	Date
	Hour, Minute int
}

// Unit is the unit of a Period.
type Unit int

const (
	Minute Unit = iota + 1
	Hour
	Day
	Week
	Month
)

// Period is a shift length: N units. Minutes and hours are counted on the
// wall clock of the rotation (so 24h and 1d are the same), days and weeks
// are calendar days, months are calendar months.
type Period struct {
	N    int
	Unit Unit
}

// Kind says how a shift counts for fairness.
type Kind string

const (
	Weekday Kind = "weekday"
	Weekend Kind = "weekend"
	Holiday Kind = "holiday"
)

// Kinds lists every kind in a fixed order, for stable output.
var Kinds = []Kind{Weekday, Weekend, Holiday}

// LayerDays is a layer of a rotation as the calendar sees it: its name and
// the days on which its shifts start (empty means every day).
type LayerDays struct {
	Name string
	Days Weekdays // empty: every day
}

// Spec is everything the calendar needs to lay out a rotation's shifts.
type Spec struct {
	Rotation string
	Location *time.Location
	Start    DateTime  // the first handoff, on the wall clock of Location
	End      *DateTime // no shift starts at or after this; nil for none
	Shift    Period
	Layers   []LayerDays // at least one; a rotation without layers has one named "main"
	Weekend  Weekdays
	Holidays []Date
}

// Slot is one shift of a rotation, before anyone is assigned to it.
type Slot struct {
	ID    string    // "<rotation>/<layer>/<start in UTC, RFC 3339>"
	Layer string    // layer name, "main" when the rotation has no layers
	Index int       // k: the slot starts at the k-th handoff of the rotation
	Start time.Time // UTC
	End   time.Time // UTC, the next handoff
	Kind  Kind
}
