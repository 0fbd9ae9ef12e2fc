package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseDate parses a civil date written YYYY-MM-DD, e.g. "2026-12-25".
func ParseDate(s string) (Date, error) {
	d, err := parseDate(s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD, e.g. 2026-12-25): %w", s, err)
	}
	return d, nil
}

// parseDate parses YYYY-MM-DD and checks the month and day exist.
func parseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, errors.New("not of the form YYYY-MM-DD")
	}
	y, ok1 := atoi(s[0:4])
	m, ok2 := atoi(s[5:7])
	d, ok3 := atoi(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, errors.New("not of the form YYYY-MM-DD")
	}
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if err := date.check(); err != nil {
		return Date{}, err
	}
	return date, nil
}

// atoi parses a non-empty run of ASCII digits (no sign), short enough not to
// overflow.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// check reports why d is not a real date, or nil.
func (d Date) check() error {
	if d.Year < 1 || d.Year > 9999 {
		return fmt.Errorf("year %d out of range 1-9999", d.Year)
	}
	if d.Month < time.January || d.Month > time.December {
		return fmt.Errorf("month %d out of range 1-12", int(d.Month))
	}
	if n := daysIn(d.Year, d.Month); d.Day < 1 || d.Day > n {
		return fmt.Errorf("day %d out of range for %s %d (1-%d)", d.Day, d.Month, d.Year, n)
	}
	return nil
}

// daysIn returns the number of days of month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// naive returns midnight of d as a UTC time: UTC has no DST, so it is a
// faithful model of the civil calendar for date arithmetic.
func (d Date) naive() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// dateOf returns the civil date shown by t in its own location.
func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.naive().Weekday() }

// AddDays returns the date n days after d (before, when n is negative).
func (d Date) AddDays(n int) Date {
	return dateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(int(d.Month) - int(o.Month))
	default:
		return sign(d.Day - o.Day)
	}
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// StartIn returns the first instant of d in loc. That is local midnight
// when it exists; in zones that change clocks at midnight it is the instant
// of the change (e.g. 01:00 on a day whose midnight is skipped).
func (d Date) StartIn(loc *time.Location) time.Time {
	return DateTime{Date: d}.In(loc)
}

// DateOf returns the civil date that t shows in loc (UTC when loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	return dateOf(t.In(orUTC(loc)))
}

// ParseDateTime parses a wall-clock time with no zone: "2026-11-23T09:00",
// "2026-11-23T09:00:00" (seconds must be 00) or a bare date "2026-11-23",
// meaning 00:00 that day.
func ParseDateTime(s string) (DateTime, error) {
	dt, err := parseDateTime(s)
	if err != nil {
		return DateTime{}, fmt.Errorf("invalid date-time %q (want YYYY-MM-DDTHH:MM, e.g. 2026-11-23T09:00, or a date): %w", s, err)
	}
	return dt, nil
}

func parseDateTime(s string) (DateTime, error) {
	if len(s) == 10 {
		d, err := parseDate(s)
		return DateTime{Date: d}, err
	}
	if len(s) < 11 || s[10] != 'T' {
		return DateTime{}, errors.New("not of the form YYYY-MM-DDTHH:MM")
	}
	d, err := parseDate(s[:10])
	if err != nil {
		return DateTime{}, err
	}
	clock := s[11:]
	if i := strings.IndexAny(clock, "Zz+-"); i >= 0 {
		return DateTime{}, errors.New("has a zone or offset; write the wall-clock time only (the rotation's timezone applies)")
	}
	var hh, mm, ss string
	switch len(clock) {
	case 5:
		hh, mm = clock[0:2], clock[3:5]
		if clock[2] != ':' {
			return DateTime{}, errors.New("not of the form YYYY-MM-DDTHH:MM")
		}
	case 8:
		hh, mm, ss = clock[0:2], clock[3:5], clock[6:8]
		if clock[2] != ':' || clock[5] != ':' {
			return DateTime{}, errors.New("not of the form YYYY-MM-DDTHH:MM:SS")
		}
	default:
		return DateTime{}, errors.New("not of the form YYYY-MM-DDTHH:MM")
	}
	h, ok1 := atoi(hh)
	m, ok2 := atoi(mm)
	if !ok1 || !ok2 {
		return DateTime{}, errors.New("not of the form YYYY-MM-DDTHH:MM")
	}
	if ss != "" && ss != "00" {
		return DateTime{}, errors.New("seconds must be 00: times are to the minute")
	}
	dt := DateTime{Date: d, Hour: h, Minute: m}
	if err := dt.check(); err != nil {
		return DateTime{}, err
	}
	return dt, nil
}

// check reports why dt is not a real wall-clock time, or nil.
func (dt DateTime) check() error {
	if err := dt.Date.check(); err != nil {
		return err
	}
	if dt.Hour < 0 || dt.Hour > 23 {
		return fmt.Errorf("hour %d out of range 0-23", dt.Hour)
	}
	if dt.Minute < 0 || dt.Minute > 59 {
		return fmt.Errorf("minute %d out of range 0-59", dt.Minute)
	}
	return nil
}

// String formats dt as YYYY-MM-DDTHH:MM.
func (dt DateTime) String() string {
	return fmt.Sprintf("%sT%02d:%02d", dt.Date, dt.Hour, dt.Minute)
}

// naive returns dt as a UTC time with the same fields (see Date.naive).
func (dt DateTime) naive() time.Time {
	return time.Date(dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, 0, 0, time.UTC)
}

// dateTimeOf returns the wall clock of a naive UTC time, to the minute.
func dateTimeOf(t time.Time) DateTime {
	return DateTime{Date: dateOf(t), Hour: t.Hour(), Minute: t.Minute()}
}

// Compare returns -1, 0 or +1 as dt is before, equal to or after o on the
// wall clock. It shadows Date.Compare so that the time of day is not
// silently ignored.
func (dt DateTime) Compare(o DateTime) int {
	if c := dt.Date.Compare(o.Date); c != 0 {
		return c
	}
	if dt.Hour != o.Hour {
		return sign(dt.Hour - o.Hour)
	}
	return sign(dt.Minute - o.Minute)
}

// Before reports whether dt is before o on the wall clock.
func (dt DateTime) Before(o DateTime) bool { return dt.Compare(o) < 0 }

// After reports whether dt is after o on the wall clock.
func (dt DateTime) After(o DateTime) bool { return dt.Compare(o) > 0 }

// MarshalText encodes d as YYYY-MM-DD; the zero Date encodes as "" so that
// unset fields survive a round trip.
func (d Date) MarshalText() ([]byte, error) {
	if d == (Date{}) {
		return []byte{}, nil
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("cannot encode date %s: %w", d, err)
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes what MarshalText produces ("" is the zero Date).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText encodes dt as YYYY-MM-DDTHH:MM; the zero DateTime encodes as
// "".
func (dt DateTime) MarshalText() ([]byte, error) {
	if dt == (DateTime{}) {
		return []byte{}, nil
	}
	if err := dt.check(); err != nil {
		return nil, fmt.Errorf("cannot encode date-time %s: %w", dt, err)
	}
	return []byte(dt.String()), nil
}

// UnmarshalText decodes what MarshalText produces ("" is the zero DateTime).
func (dt *DateTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*dt = DateTime{}
		return nil
	}
	v, err := ParseDateTime(string(b))
	if err != nil {
		return err
	}
	*dt = v
	return nil
}

// AddWeeks returns the instant n weeks after t at the same wall-clock time
// in loc: 7n civil days, so a week across a DST change is 167 or 169 hours
// (as a rotation's handoffs are). Every "N weeks" of rota is this.
func AddWeeks(t time.Time, n int, loc *time.Location) time.Time {
	t = t.In(loc)
	return DateTime{Date: DateOf(t, loc).AddDays(7 * n), Hour: t.Hour(), Minute: t.Minute()}.In(loc).Add(time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond()))
}
