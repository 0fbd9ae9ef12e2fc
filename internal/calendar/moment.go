package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Moment is a bound a person writes: a civil date (a whole day, read in a
// zone), a wall-clock date-time (read in a zone), or an instant. The config
// (unavailable windows, membership bounds) and the rota commands (--from,
// --to) read moments; this is the one place that knows what they mean.
type Moment struct {
	Date *Date     `json:"date,omitempty"`
	Wall *DateTime `json:"wall,omitempty"`
	At   time.Time `json:"at,omitempty"`
}

// Moment forms, for errors.
const momentForms = "a date (2026-12-24, the whole day), a wall-clock time (2026-12-24T09:00) or RFC 3339 (2026-12-24T09:00:00Z)"

// ParseMoment reads a date (2026-12-24), a wall-clock date-time
// (2026-12-24T09:00) or an RFC 3339 instant.
func ParseMoment(s string) (Moment, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Moment{At: t}, nil
	}
	if len(s) == 10 {
		if d, err := ParseDate(s); err == nil {
			return Moment{Date: &d}, nil
		}
	} else if dt, err := ParseDateTime(s); err == nil {
		return Moment{Wall: &dt}, nil
	}
	if s == "" {
		return Moment{}, errors.New("empty: want " + momentForms)
	}
	return Moment{}, fmt.Errorf("bad date or time %q: want %s", s, momentForms)
}

// Start is the moment read as the beginning of a span: a date's first
// instant in loc, a wall-clock time in loc, an instant itself.
func (m Moment) Start(loc *time.Location) time.Time {
	switch {
	case m.Date != nil:
		return m.Date.StartIn(loc)
	case m.Wall != nil:
		return m.Wall.In(loc)
	}
	return m.At
}

// End is the moment read as the end of a span: a date is inclusive (the
// span ends when the next day begins), a time exclusive.
func (m Moment) End(loc *time.Location) time.Time {
	if m.Date != nil {
		return m.Date.AddDays(1).StartIn(loc)
	}
	return m.Start(loc)
}

// Zoned says whether the moment needs a zone to be read.
func (m Moment) Zoned() bool { return m.Date != nil || m.Wall != nil }

// IsDate says whether m is a civil date.
func (m Moment) IsDate() bool { return m.Date != nil }

// String is the moment as written: 2026-12-24, 2026-12-24T09:00, or the
// instant in RFC 3339.
func (m Moment) String() string {
	switch {
	case m.Date != nil:
		return m.Date.String()
	case m.Wall != nil:
		return m.Wall.String()
	}
	return m.At.Format(time.RFC3339)
}
