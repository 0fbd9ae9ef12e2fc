package labpage

import (
	"slices"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// The series the page draws are computed here, from the shifts in start
// order, each in one function with its own table test.

// SpreadPoint is the spread of load after one shift: max minus min, over
// the members, of what each had served up to and including it.
type SpreadPoint struct {
	N       int       // how many shifts so far (1 after the first)
	At      time.Time // the start of the last of them
	Shifts  int       // spread of all shifts
	Weekday int       // spread of weekday shifts
	Weekend int       // spread of weekend shifts
	Holiday int       // spread of holiday shifts
}

// CumulativeSpread is the spread after each shift of shifts (taken in the
// order given, which should be start order), over members. The lab's
// report.json has the same series (lab calls this). An assignee
// who is not a member is not counted; a member who has served nothing yet
// counts with zero. Kinds other than "weekend" and "holiday" count as
// weekday shifts, as the report counts them. With no members every point
// is zero.
func CumulativeSpread(members []string, shifts []render.Shift) []SpreadPoint {
	if len(shifts) == 0 {
		return nil
	}
	idx := make(map[string]int, len(members))
	for i, id := range members {
		if _, dup := idx[id]; !dup {
			idx[id] = i
		}
	}
	// counts[k][i] is member i's count of kind k (0 all, 1 weekday, 2
	// weekend, 3 holiday); hist[k] how many members have each count, so
	// that min and max move in O(1) amortised per shift.
	const kinds = 4
	n := len(idx)
	var counts [kinds][]int
	var hist [kinds][]int
	var lo, hi [kinds]int
	for k := range kinds {
		counts[k] = make([]int, len(members))
		hist[k] = []int{n}
	}
	inc := func(k, i int) {
		c := counts[k][i]
		counts[k][i] = c + 1
		hist[k][c]--
		if c+1 == len(hist[k]) {
			hist[k] = append(hist[k], 0)
		}
		hist[k][c+1]++
		hi[k] = max(hi[k], c+1)
		for lo[k] < hi[k] && hist[k][lo[k]] == 0 {
			lo[k]++
		}
	}
	out := make([]SpreadPoint, 0, len(shifts))
	for j, sh := range shifts {
		kind := 1
		switch sh.Kind {
		case string(calendar.Weekend):
			kind = 2
		case string(calendar.Holiday):
			kind = 3
		}
		for _, a := range sh.Assignees {
			i, ok := idx[a]
			if !ok {
				continue
			}
			inc(0, i)
			inc(kind, i)
		}
		out = append(out, SpreadPoint{N: j + 1, At: sh.Start,
			Shifts: hi[0] - lo[0], Weekday: hi[1] - lo[1], Weekend: hi[2] - lo[2], Holiday: hi[3] - lo[3]})
	}
	return out
}

// Run is a stretch of consecutive points of the spread with, of each
// kind, the largest spread in it: drawn instead of every point, it keeps
// the peaks, and a spread that swings between 0 and 1 from shift to
// shift reads as a steady 1.
type Run struct {
	First, Last int       // the N of its first and last points
	From, To    time.Time // the starts of its first and last shifts
	Shifts      int
	Weekday     int
	Weekend     int
	Holiday     int
}

// Runs cuts pts into at most limit runs of consecutive points, each of
// ceil(len(pts)/limit) points but the last, which may be shorter. With
// limit < 1 it makes one run.
func Runs(pts []SpreadPoint, limit int) []Run {
	if len(pts) == 0 {
		return nil
	}
	limit = max(limit, 1)
	size := (len(pts) + limit - 1) / limit
	out := make([]Run, 0, (len(pts)+size-1)/size)
	for i := 0; i < len(pts); i += size {
		part := pts[i:min(i+size, len(pts))]
		r := Run{First: part[0].N, Last: part[len(part)-1].N, From: part[0].At, To: part[len(part)-1].At}
		for _, p := range part {
			r.Shifts, r.Weekday = max(r.Shifts, p.Shifts), max(r.Weekday, p.Weekday)
			r.Weekend, r.Holiday = max(r.Weekend, p.Weekend), max(r.Holiday, p.Holiday)
		}
		out = append(out, r)
	}
	return out
}

// WeekdayRow is how many shifts a member started on each day of the week,
// Monday first, in the rotation's zone.
type WeekdayRow struct {
	Member string
	Days   [7]int
	Total  int
}

// WeekdayCounts counts, for each member (in the order given), the shifts
// they served by the weekday the shift starts on in loc, Monday first.
// Assignees who are not members are not counted.
func WeekdayCounts(members []string, shifts []render.Shift, loc *time.Location) []WeekdayRow {
	loc = orUTC(loc)
	rows := make([]WeekdayRow, len(members))
	idx := make(map[string]int, len(members))
	for i, id := range members {
		rows[i].Member = id
		if _, dup := idx[id]; !dup {
			idx[id] = i
		}
	}
	for _, sh := range shifts {
		d := mondayFirst(sh.Start.In(loc).Weekday())
		for _, a := range sh.Assignees {
			if i, ok := idx[a]; ok {
				rows[i].Days[d]++
				rows[i].Total++
			}
		}
	}
	return rows
}

// mondayFirst numbers the days of the week from Monday (0) to Sunday (6).
func mondayFirst(d time.Weekday) int { return (int(d) + 6) % 7 }

// Week is one row of the calendar grid: who was on shift at noon on each
// day, Monday first, in the rotation's zone.
type Week struct {
	Monday calendar.Date
	// Days holds, for each day, who was on shift at noon: the assignees
	// of a shift joined by "+", "?" for a shift nobody took, shifts of
	// different layers joined by " / "; "" when no shift runs at noon.
	Days [7]string
}

// WeekGrid lays shifts (in start order) out a week a row, Monday first in
// loc, from the week of the first shift to the last week with a noon the
// shifts reach.
func WeekGrid(shifts []render.Shift, loc *time.Location) []Week {
	loc = orUTC(loc)
	if len(shifts) == 0 {
		return nil
	}
	first := calendar.DateOf(shifts[0].Start, loc)
	first = first.AddDays(-mondayFirst(first.Weekday()))
	end := shifts[0].End
	for _, sh := range shifts {
		if sh.End.After(end) {
			end = sh.End
		}
	}
	last := calendar.DateOf(end.Add(-time.Nanosecond), loc)
	if !noon(last, loc).Before(end) {
		last = last.AddDays(-1) // the last shift ends before noon that day
	}
	var weeks []Week
	var active []int // the shifts started by now and not yet ended
	next := 0
	for mon := first; !mon.After(last); mon = mon.AddDays(7) {
		w := Week{Monday: mon}
		for d := range 7 {
			t := noon(mon.AddDays(d), loc)
			for next < len(shifts) && !shifts[next].Start.After(t) {
				active = append(active, next)
				next++
			}
			active = slices.DeleteFunc(active, func(i int) bool { return !shifts[i].End.After(t) })
			cell := make([]string, 0, len(active))
			for _, i := range active {
				who := strings.Join(shifts[i].Assignees, "+")
				if who == "" {
					who = "?"
				}
				cell = append(cell, who)
			}
			w.Days[d] = strings.Join(cell, " / ")
		}
		weeks = append(weeks, w)
	}
	return weeks
}

func noon(d calendar.Date, loc *time.Location) time.Time {
	return calendar.DateTime{Date: d, Hour: 12}.In(loc)
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// Extremes picks the members a chart shows when there are more than
// limit: the limit/2 with the most shifts and the rest with the fewest,
// most first; with no more than limit, all of them in the order given.
// It returns how many it left out.
func Extremes(ms []report.Member, limit int) ([]report.Member, int) {
	if limit < 0 {
		limit = 0
	}
	if len(ms) <= limit {
		return ms, 0
	}
	sorted := slices.Clone(ms)
	slices.SortStableFunc(sorted, func(a, b report.Member) int {
		if a.Shifts != b.Shifts {
			return b.Shifts - a.Shifts
		}
		return strings.Compare(a.ID, b.ID)
	})
	top := limit / 2
	out := append(slices.Clip(sorted[:top]), sorted[len(sorted)-(limit-top):]...)
	return out, len(ms) - limit
}
