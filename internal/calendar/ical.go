package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// icalHorizon is the last date to which a recurring holiday with no end is
// expanded.
var icalHorizon = Date{Year: 2100, Month: time.December, Day: 31}

// maxEventDays bounds the length of one all-day event, to catch typos.
const maxEventDays = 366

// ParseICalHolidays reads an iCalendar file and returns the dates of its
// all-day events (VEVENTs whose DTSTART has VALUE=DATE), sorted and
// without repeats. An event from DTSTART to DTEND (exclusive, or DURATION
// in whole days) gives each date it covers. A yearly recurrence
// (RRULE:FREQ=YEARLY, with the library's support for COUNT, UNTIL, BY...
// parts) gives every occurrence up to 2100-12-31, plus RDATEs, less
// EXDATEs; other frequencies are an error. Timed and cancelled events are
// ignored, and so are RECURRENCE-ID overrides of single occurrences.
func ParseICalHolidays(r io.Reader) (dates []Date, err error) {
	defer func() {
		// The iCalendar and RRULE libraries are not ours; never let their
		// panics escape.
		if p := recover(); p != nil {
			dates, err = nil, fmt.Errorf("reading iCalendar: malformed input (%v)", p)
		}
	}()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading iCalendar: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 BOM
	want := 0                                             // VCALENDARs the input begins
	for _, line := range strings.Split(string(data), "\n") {
		if strings.EqualFold(strings.TrimSpace(line), "BEGIN:VCALENDAR") {
			want++
		}
	}
	seen := map[Date]bool{}
	dec := ical.NewDecoder(bytes.NewReader(data))
	got := 0
	for {
		cal, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading iCalendar: %w", err)
		}
		got++
		for i, ev := range cal.Events() {
			ds, err := eventDates(ev)
			if err != nil {
				return nil, fmt.Errorf("reading iCalendar: VEVENT %s: %w", eventName(ev, i), err)
			}
			for _, d := range ds {
				seen[d] = true
			}
		}
	}
	switch {
	case got == 0 && len(bytes.TrimSpace(data)) == 0:
		return nil, errors.New("reading iCalendar: empty input")
	case got == 0 && want == 0:
		return nil, errors.New("reading iCalendar: no BEGIN:VCALENDAR found")
	case got < want:
		return nil, errors.New("reading iCalendar: unexpected end of input: a VCALENDAR is not closed by END:VCALENDAR")
	}
	for d := range seen {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, Date.Compare)
	return dates, nil
}

// eventName names an event in errors: its SUMMARY, UID or position.
func eventName(ev ical.Event, i int) string {
	for _, name := range []string{ical.PropSummary, ical.PropUID} {
		if p := ev.Props.Get(name); p != nil && p.Value != "" {
			return fmt.Sprintf("%q", p.Value)
		}
	}
	return fmt.Sprintf("#%d", i+1)
}

// isDate reports whether p holds a date rather than a date-time: VALUE=DATE,
// or no VALUE and an eight-digit value.
func isDate(p *ical.Prop) bool {
	if v := p.Params.Get(ical.ParamValue); v != "" {
		return strings.EqualFold(v, string(ical.ValueDate))
	}
	_, err := parseICalDate(p.Value)
	return err == nil
}

// parseICalDate parses an iCalendar DATE, YYYYMMDD.
func parseICalDate(s string) (Date, error) {
	if len(s) != 8 {
		return Date{}, fmt.Errorf("invalid date %q: want YYYYMMDD", s)
	}
	d, err := parseDate(s[0:4] + "-" + s[4:6] + "-" + s[6:8])
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: %w", s, err)
	}
	return d, nil
}

// eventDates returns the dates an all-day event covers; none for others.
func eventDates(ev ical.Event) ([]Date, error) {
	if p := ev.Props.Get(ical.PropStatus); p != nil && strings.EqualFold(p.Value, string(ical.EventCancelled)) {
		return nil, nil
	}
	sp := ev.Props.Get(ical.PropDateTimeStart)
	if sp == nil {
		return nil, errors.New("no DTSTART")
	}
	if !isDate(sp) {
		return nil, nil // a timed event
	}
	start, err := parseICalDate(sp.Value)
	if err != nil {
		return nil, fmt.Errorf("DTSTART: %w", err)
	}
	days, err := eventDays(ev, start)
	if err != nil {
		return nil, err
	}
	starts, err := occurrences(ev, start)
	if err != nil {
		return nil, err
	}
	var out []Date
	for _, s := range starts {
		for i := range days {
			out = append(out, s.AddDays(i))
		}
	}
	return out, nil
}

// eventDays returns how many days an all-day event starting on start lasts.
func eventDays(ev ical.Event, start Date) (int, error) {
	days := 1
	if ep := ev.Props.Get(ical.PropDateTimeEnd); ep != nil {
		if !isDate(ep) {
			return 0, fmt.Errorf("DTEND %s is a date-time but DTSTART is a date", ep.Value)
		}
		end, err := parseICalDate(ep.Value)
		if err != nil {
			return 0, fmt.Errorf("DTEND: %w", err)
		}
		if end.Before(start) {
			return 0, fmt.Errorf("DTEND %s is before DTSTART %s", end, start)
		}
		// DTEND is exclusive; an event ending when it starts (which some
		// producers write) still takes its day.
		days = max(int(end.naive().Sub(start.naive())/(24*time.Hour)), 1)
	} else if dp := ev.Props.Get(ical.PropDuration); dp != nil {
		d, err := dp.Duration()
		if err != nil {
			return 0, fmt.Errorf("DURATION %s: %w", dp.Value, err)
		}
		if d <= 0 || d%(24*time.Hour) != 0 {
			return 0, fmt.Errorf("DURATION %s of an all-day event is not a whole number of days", dp.Value)
		}
		days = int(d / (24 * time.Hour))
	}
	if days > maxEventDays {
		return 0, fmt.Errorf("lasts %d days; an all-day holiday may last at most %d", days, maxEventDays)
	}
	return days, nil
}

// occurrences returns the start dates of an all-day event: its DTSTART, the
// occurrences of a yearly RRULE up to icalHorizon and its RDATEs, less its
// EXDATEs.
func occurrences(ev ical.Event, start Date) ([]Date, error) {
	out := []Date{start}
	rdates, err := dateList(ev, ical.PropRecurrenceDates)
	if err != nil {
		return nil, err
	}
	out = append(out, rdates...)
	if rp := ev.Props.Get(ical.PropRecurrenceRule); rp != nil {
		if !yearly(rp.Value) {
			return nil, fmt.Errorf("RRULE %s: only FREQ=YEARLY is supported for holidays", rp.Value)
		}
		// The library parses EXDATE lists badly; expand the rule alone and
		// apply EXDATEs below.
		comp := &ical.Component{Name: ev.Name, Props: ical.Props{}}
		for name, props := range ev.Props {
			if name != ical.PropExceptionDates && name != ical.PropRecurrenceDates {
				comp.Props[name] = props
			}
		}
		set, err := comp.RecurrenceSet(time.UTC)
		if err != nil {
			return nil, fmt.Errorf("RRULE %s: %w", rp.Value, err)
		}
		if set != nil {
			for _, t := range set.Between(start.naive(), icalHorizon.naive(), true) {
				out = append(out, dateOf(t.UTC()))
			}
		}
	}
	exdates, err := dateList(ev, ical.PropExceptionDates)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(d Date) bool { return slices.Contains(exdates, d) }), nil
}

// yearly reports whether an RRULE value has FREQ=YEARLY.
func yearly(rule string) bool {
	for _, part := range strings.Split(rule, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, "FREQ") {
			return strings.EqualFold(v, "YEARLY")
		}
	}
	return false
}

// dateList returns the dates of every property called name (RDATE or
// EXDATE), each a comma-separated list of dates or date-times (whose date
// is taken).
func dateList(ev ical.Event, name string) ([]Date, error) {
	var out []Date
	for _, p := range ev.Props.Values(name) {
		if strings.EqualFold(p.Params.Get(ical.ParamValue), "PERIOD") {
			return nil, fmt.Errorf("%s %s: periods are not supported", name, p.Value)
		}
		for _, v := range strings.Split(p.Value, ",") {
			if len(v) > 8 && v[8] == 'T' {
				v = v[:8]
			}
			d, err := parseICalDate(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, d)
		}
	}
	return out, nil
}
