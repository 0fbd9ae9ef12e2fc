package calendar

import (
	"testing"
	"time"
)

// testZones are the zones of the brute-force tests: whole-hour DST in two
// hemispheres' neighbours, Lord Howe's 30-minute DST, and no DST at all.
var testZones = []string{"Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"}

func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func mustDate(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustDT(tb testing.TB, s string) DateTime {
	tb.Helper()
	dt, err := ParseDateTime(s)
	if err != nil {
		tb.Fatal(err)
	}
	return dt
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// wallRef is an independent oracle for DateTime.In, built by scanning
// instants rather than by reasoning about transitions.
type wallRef struct {
	w0   time.Time   // the first wall clock covered, as a naive UTC time
	want []time.Time // want[i]: the instant In must give for w0 + i minutes
	// exists[i]: some instant shows w0 + i minutes.
	exists []bool
	// gaps and overlaps count the wall-clock minutes shown by no instant
	// and by more than one.
	gaps, overlaps int
}

// buildRef scans every minute from well before from to well after to in
// loc and records, for each wall-clock minute of [from, to), the earliest
// instant showing it or, when none does, the first instant whose wall clock
// is later. The zones tested use whole-minute offsets, so minutes suffice.
func buildRef(loc *time.Location, from, to Date) wallRef {
	w0, w1 := from.naive(), to.naive()
	n := int(w1.Sub(w0) / time.Minute)
	ref := wallRef{w0: w0, want: make([]time.Time, n), exists: make([]bool, n)}
	t0, t1 := w0.Add(-18*time.Hour), w1.Add(18*time.Hour)
	var instants []time.Time
	var walls []int // minutes from w0
	for t := t0; t.Before(t1); t = t.Add(time.Minute) {
		_, off := t.In(loc).Zone()
		wall := t.Add(time.Duration(off) * time.Second)
		instants = append(instants, t)
		walls = append(walls, int(wall.Sub(w0)/time.Minute))
	}
	seen := make([]int, n)
	for i, w := range walls {
		if w < 0 || w >= n {
			continue
		}
		if seen[w]++; seen[w] == 1 {
			ref.exists[w], ref.want[w] = true, instants[i]
		}
	}
	for _, c := range seen {
		switch {
		case c == 0:
			ref.gaps++
		case c > 1:
			ref.overlaps++
		}
	}
	j := 0
	for w := 0; w < n; w++ {
		for j < len(walls) && walls[j] <= w {
			j++
		}
		if !ref.exists[w] {
			ref.want[w] = instants[j]
		}
	}
	return ref
}

// at returns the reference instant for wall clock w (a naive UTC time).
func (r wallRef) at(w time.Time) (time.Time, bool, bool) {
	i := int(w.Sub(r.w0) / time.Minute)
	if i < 0 || i >= len(r.want) {
		return time.Time{}, false, false
	}
	return r.want[i], r.exists[i], true
}

func TestInBruteForce(t *testing.T) {
	tests := []struct {
		zone     string
		from, to string
		gaps     int // wall-clock minutes that do not exist
		overlaps int // wall-clock minutes that exist twice
	}{
		{"Europe/London", "2026-01-01", "2027-01-01", 60, 60},
		{"America/New_York", "2026-01-01", "2027-01-01", 60, 60},
		{"Australia/Lord_Howe", "2026-01-01", "2027-01-01", 30, 30},
		{"Asia/Kolkata", "2026-01-01", "2027-01-01", 0, 0},
		// Clocks change at midnight: the day starts at 01:00.
		{"America/Santiago", "2026-01-01", "2027-01-01", 60, 60},
		// Samoa skipped 2011-12-30 entirely.
		{"Pacific/Apia", "2011-12-25", "2012-01-05", 24 * 60, 0},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			ref := buildRef(loc, mustDate(t, tt.from), mustDate(t, tt.to))
			for i, want := range ref.want {
				dt := dateTimeOf(ref.w0.Add(time.Duration(i) * time.Minute))
				got := dt.In(loc)
				if !got.Equal(want) {
					t.Fatalf("%s.In(%s) = %s, want %s (exists: %v)", dt, tt.zone, got.UTC(), want.UTC(), ref.exists[i])
				}
				if got.Location() != loc {
					t.Fatalf("%s.In(%s) is in %s", dt, tt.zone, got.Location())
				}
			}
			// The reference itself must see the zone's changes.
			if ref.gaps != tt.gaps || ref.overlaps != tt.overlaps {
				t.Errorf("%d wall-clock minutes in gaps and %d in overlaps, want %d and %d", ref.gaps, ref.overlaps, tt.gaps, tt.overlaps)
			}
		})
	}
}

// TestAddWeeks: a week across a DST change keeps the wall-clock time.
func TestAddWeeks(t *testing.T) {
	london, err := LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		from  time.Time
		n     int
		want  time.Time
		hours float64
	}{
		{time.Date(2026, 3, 23, 9, 0, 0, 0, london), 1, time.Date(2026, 3, 30, 9, 0, 0, 0, london), 167},
		{time.Date(2026, 10, 19, 9, 0, 0, 0, london), 2, time.Date(2026, 11, 2, 9, 0, 0, 0, london), 337},
		{time.Date(2026, 6, 1, 12, 30, 15, 0, london), 4, time.Date(2026, 6, 29, 12, 30, 15, 0, london), 672},
	}
	for _, c := range cases {
		got := AddWeeks(c.from, c.n, london)
		if !got.Equal(c.want) || got.Sub(c.from).Hours() != c.hours {
			t.Errorf("AddWeeks(%s, %d) = %s (%.0fh), want %s (%.0fh)", c.from, c.n, got, got.Sub(c.from).Hours(), c.want, c.hours)
		}
	}
}
