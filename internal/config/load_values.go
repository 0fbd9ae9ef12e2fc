package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// The values a config file writes: days, holidays, time zones, dates and
// times, durations.

// maxICalSize bounds the size of an iCalendar file.
const maxICalSize = 16 << 20

// readICal reads an iCalendar file; a variable so that tests can keep
// fuzzed input away from the file system.
var readICal = func(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, errors.New(plainErr(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > maxICalSize {
		return nil, fmt.Errorf("larger than %d MiB", maxICalSize>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New(plainErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxICalSize+1))
	if err != nil {
		return nil, errors.New(plainErr(err))
	}
	if len(data) > maxICalSize {
		return nil, fmt.Errorf("larger than %d MiB", maxICalSize>>20)
	}
	return data, nil
}

var periodForm = regexp.MustCompile(`^[0-9]+(m|h|d|w|mo)$`)

// days reads a list of weekdays, each at most once. An empty list is
// allowed only when allowEmpty.
func (f *fileDec) days(n *yaml.Node, path string, allowEmpty bool) (calendar.Weekdays, bool) {
	items, ok := f.list(n, path, "days (mon, tue, wed, thu, fri, sat, sun)")
	if !ok {
		return 0, false
	}
	if len(items) == 0 && !allowEmpty {
		f.errf(n, path, "empty: list at least one day, or leave days out for every day")
		return 0, false
	}
	var out calendar.Weekdays
	good := true
	for i, it := range items {
		p := index(path, i)
		s, ok := f.scalar(it, p, "a day (mon..sun)")
		if !ok {
			good = false
			continue
		}
		d, err := calendar.ParseWeekday(s)
		if err != nil {
			f.errf(it, p, "bad day %q: want mon, tue, wed, thu, fri, sat or sun", s)
			good = false
			continue
		}
		if out.Has(d) {
			f.errf(it, p, "%s listed twice", s)
			good = false
			continue
		}
		out |= calendar.WeekdaysOf(d)
	}
	return out, good
}

func (f *fileDec) holidays(fs *fields, dir string) []calendar.Date {
	n := fs.val("holidays")
	if n == nil {
		return nil
	}
	hs, ok := f.mapping(n, "holidays", holidayKeys...)
	if !ok {
		return nil
	}
	var out []calendar.Date
	if items, ok := hs.seq("dates", "dates"); ok {
		for i, it := range items {
			p := index(hs.p("dates"), i)
			s, ok := f.scalar(it, p, "a date")
			if !ok {
				continue
			}
			d, err := calendar.ParseDate(s)
			if err != nil {
				f.errf(it, p, "%v", err)
				continue
			}
			out = append(out, d)
		}
	}
	if items, ok := hs.seq("ical", "iCalendar file names"); ok {
		for i, it := range items {
			p := index(hs.p("ical"), i)
			s, ok := f.scalar(it, p, "a file name")
			if !ok {
				continue
			}
			if s == "" {
				f.errf(it, p, "empty file name")
				continue
			}
			path := s
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			data, err := readICal(path)
			if err != nil {
				f.errf(it, p, "cannot read %s: %v", path, err)
				continue
			}
			ds, err := calendar.ParseICalHolidays(bytes.NewReader(data))
			if err != nil {
				f.errf(it, p, "bad iCalendar file %s: %v", path, err)
				continue
			}
			out = append(out, ds...)
		}
	}
	return sortDates(out)
}

// sortDates sorts ds and drops repeats.
func sortDates(ds []calendar.Date) []calendar.Date {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
	out := ds[:0]
	for i, d := range ds {
		if i == 0 || d != ds[i-1] {
			out = append(out, d)
		}
	}
	return out
}

// location checks an IANA zone name.
func (f *fileDec) location(n *yaml.Node, path, name string) (*time.Location, bool) {
	if name == "" {
		f.errf(n, path, "empty time zone: want an IANA name such as Europe/London")
		return nil, false
	}
	loc, err := calendar.LoadLocation(name)
	if err != nil || loc == nil {
		f.errf(n, path, "unknown time zone %q: want an IANA name such as Europe/London or UTC", name)
		return nil, false
	}
	return loc, true
}

// parseMoment reads a date (2026-12-24) or an RFC 3339 date-time: a config
// file names no wall-clock times (calendar.ParseMoment reads those too).
func parseMoment(s string) (Moment, error) {
	if m, err := calendar.ParseMoment(s); err == nil && m.Wall == nil {
		return m, nil
	}
	return Moment{}, fmt.Errorf("bad date or time %q: want a date (2026-12-24) or an RFC 3339 date-time (2026-12-24T18:00:00+01:00)", s)
}

func (f *fileDec) moment(n *yaml.Node, path string) (Moment, bool) {
	s, ok := f.scalar(n, path, "a date or date-time")
	if !ok {
		return Moment{}, false
	}
	m, err := parseMoment(s)
	if err != nil {
		f.errf(n, path, "%v", err)
		return Moment{}, false
	}
	return m, true
}

// window reads an unavailable window; loc decides whether a window mixing
// a date and an instant is the right way round.
func (f *fileDec) window(n *yaml.Node, path string, loc *time.Location) (Window, bool) {
	ws, ok := f.mapping(n, path, windowKeys...)
	if !ok {
		return Window{}, false
	}
	var w Window
	good := true
	for _, k := range []string{"from", "to"} {
		if !ws.has(k) {
			ws.missing(k, "a date (2026-12-24) or an RFC 3339 date-time")
			good = false
			continue
		}
		m, ok := f.moment(ws.val(k), ws.p(k))
		if !ok {
			good = false
			continue
		}
		if k == "from" {
			w.From = m
		} else {
			w.To = m
		}
	}
	w.Reason, _ = ws.str("reason")
	if !good {
		return Window{}, false
	}
	if from, to := w.In(loc); !to.After(from) {
		if w.From.IsDate() && w.To.IsDate() {
			f.errf(ws.val("to"), ws.p("to"), "to %s is before from %s", w.To, w.From)
		} else {
			f.errf(ws.val("to"), ws.p("to"), "to %s is not after from %s", w.To, w.From)
		}
		return Window{}, false
	}
	return w, true
}

// duration reads an optional non-negative duration such as 14d or 24h.
func (f *fileDec) duration(fs *fields, key string, def time.Duration) time.Duration {
	s, ok := fs.str(key)
	if !ok {
		return def
	}
	d, err := calendar.ParseDuration(s)
	if err != nil {
		f.errf(fs.val(key), fs.p(key), "%v", err)
		return def
	}
	if d < 0 {
		f.errf(fs.val(key), fs.p(key), "must not be negative, got %q", s)
		return def
	}
	return d
}
