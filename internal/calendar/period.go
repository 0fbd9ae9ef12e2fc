package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// unitSuffixes maps each Unit to how it is written after N.
var unitSuffixes = map[Unit]string{
	Minute: "m",
	Hour:   "h",
	Day:    "d",
	Week:   "w",
	Month:  "mo",
}

// unitSeconds is the nominal length of each Unit, used to bound periods and
// to estimate handoff indexes (a month is 1/12 of a 400-year Gregorian
// cycle's average year).
var unitSeconds = map[Unit]int64{
	Minute: 60,
	Hour:   3600,
	Day:    86400,
	Week:   7 * 86400,
	Month:  2629746,
}

// maxPeriodSeconds caps a period at about a century: long enough for any
// rota, short enough that handoff arithmetic never overflows.
const maxPeriodSeconds = 100 * 31556952

const periodForms = "N followed by m, h, d, w or mo, N >= 1, e.g. 90m, 12h, 24h, 1d, 2w, 1mo, 3mo"

// ParsePeriod parses a shift length: N followed by m (minutes), h (hours),
// d (days), w (weeks) or mo (months), e.g. "90m", "12h", "1d", "2w", "3mo".
func ParsePeriod(s string) (Period, error) {
	n, suffix, ok := splitCount(s)
	if !ok {
		return Period{}, fmt.Errorf("invalid shift length %q: want %s", s, periodForms)
	}
	var unit Unit
	for u, suf := range unitSuffixes {
		if suf == suffix {
			unit = u
		}
	}
	if unit == 0 {
		return Period{}, fmt.Errorf("invalid shift length %q: unknown unit %q; want %s", s, suffix, periodForms)
	}
	p := Period{N: n, Unit: unit}
	if err := p.check(); err != nil {
		return Period{}, fmt.Errorf("invalid shift length %q: %w; want %s", s, err, periodForms)
	}
	return p, nil
}

// splitCount splits "90m" into 90 and "m": a run of digits then a unit.
func splitCount(s string) (int, string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, ok := atoi(s[:i])
	if !ok || i == len(s) {
		return 0, "", false
	}
	return n, s[i:], true
}

// check reports why p is not a usable shift length, or nil.
func (p Period) check() error {
	sec, ok := unitSeconds[p.Unit]
	if !ok {
		return fmt.Errorf("unknown unit %d", int(p.Unit))
	}
	if p.N < 1 {
		return fmt.Errorf("the count must be at least 1, got %d", p.N)
	}
	if int64(p.N) > maxPeriodSeconds/sec {
		return errors.New("longer than 100 years")
	}
	return nil
}

// approxSeconds is the nominal length of p, for estimates only.
func (p Period) approxSeconds() int64 {
	return int64(p.N) * unitSeconds[p.Unit]
}

// String gives p in the form ParsePeriod reads, e.g. "12h" or "1mo"; the
// zero Period is "".
func (p Period) String() string {
	if p == (Period{}) {
		return ""
	}
	if suf, ok := unitSuffixes[p.Unit]; ok {
		return fmt.Sprintf("%d%s", p.N, suf)
	}
	return fmt.Sprintf("%d(unit %d)", p.N, int(p.Unit))
}

// MarshalText encodes p as String does; the zero Period encodes as "".
func (p Period) MarshalText() ([]byte, error) {
	if p == (Period{}) {
		return []byte{}, nil
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("cannot encode shift length %s: %w", p, err)
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes what MarshalText produces ("" is the zero Period).
func (p *Period) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = Period{}
		return nil
	}
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// durationUnits are the units of ParseDuration and FormatDuration, largest
// first. A day is exactly 24 hours here: these are lengths of time, not
// calendar arithmetic.
var durationUnits = []struct {
	suffix string
	d      time.Duration
}{
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

const durationForms = "0 or N followed by w, d, h, m or s, e.g. 14d, 3d, 24h, 90m, 1w"

// ParseDuration parses a length of time such as plan_ahead, notify_before
// or min_rest: "0", or N followed by w (weeks), d (days of 24h), h, m or s,
// e.g. "14d", "24h", "90m". Months are refused: they have no fixed length.
func ParseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	n, suffix, ok := splitCount(s)
	if !ok {
		return 0, fmt.Errorf("invalid duration %q: want %s", s, durationForms)
	}
	if suffix == "mo" {
		return 0, fmt.Errorf("invalid duration %q: months have no fixed length; use days or weeks", s)
	}
	for _, u := range durationUnits {
		if u.suffix == suffix {
			if int64(n) > int64(1<<63-1)/int64(u.d) {
				return 0, fmt.Errorf("invalid duration %q: too long", s)
			}
			return time.Duration(n) * u.d, nil
		}
	}
	return 0, fmt.Errorf("invalid duration %q: unknown unit %q; want %s", s, suffix, durationForms)
}

// FormatDuration writes d in the largest unit that divides it, as
// ParseDuration reads it: 336h is "2w", 36h is "36h", 0 is "0". A duration
// that is not a whole number of seconds falls back to time.Duration's form.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	if d < 0 && d != -d {
		return "-" + FormatDuration(-d)
	}
	for _, u := range durationUnits {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.suffix)
		}
	}
	return d.String()
}

// weekdayNames are the short names rota writes days with.
var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWeekday parses a day of the week: mon, tue, wed, thu, fri, sat, sun
// or the full English name, in any case.
func ParseWeekday(s string) (time.Weekday, error) {
	l := strings.ToLower(s)
	for d := time.Sunday; d <= time.Saturday; d++ {
		if l == weekdayNames[d] || l == strings.ToLower(d.String()) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("invalid weekday %q: want mon, tue, wed, thu, fri, sat or sun", s)
}
