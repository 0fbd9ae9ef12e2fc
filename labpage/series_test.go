package labpage

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err) // a bad literal in a test
	}
	return t
}

func sh(kind, start string, who ...string) render.Shift {
	t := utc(start)
	return render.Shift{Kind: kind, Start: t, End: t.Add(24 * time.Hour), Assignees: who}
}

func TestCumulativeSpread(t *testing.T) {
	day := func(i int) string { return time.Date(2026, 11, 23+i, 9, 0, 0, 0, time.UTC).Format(time.RFC3339) }
	seven := []render.Shift{
		sh("weekday", day(0), "a"),
		sh("weekend", day(1), "b"),
		sh("weekday", day(2), "c"),
		sh("holiday", day(3), "a", "x"), // x is no member: not counted
		sh("weekday", day(4)),           // nobody took it
		sh("weekend", day(5), "c"),
		sh("weekday", day(6), "b"),
	}
	p := func(n, all, wd, we, hol int) SpreadPoint {
		return SpreadPoint{N: n, At: utc(day(n - 1)), Shifts: all, Weekday: wd, Weekend: we, Holiday: hol}
	}
	for _, tc := range []struct {
		name    string
		members []string
		shifts  []render.Shift
		want    []SpreadPoint
	}{
		{"no shifts", []string{"a"}, nil, nil},
		{"no members", nil, seven[:2], []SpreadPoint{p(1, 0, 0, 0, 0), p(2, 0, 0, 0, 0)}},
		{"one member", []string{"a"}, seven[:1], []SpreadPoint{p(1, 0, 0, 0, 0)}},
		// By hand: counts (a, b, c) in all / weekday / weekend / holiday
		// after each shift.
		{"three members", []string{"a", "b", "c"}, seven, []SpreadPoint{
			p(1, 1, 1, 0, 0), // 100 / 100 / 000 / 000
			p(2, 1, 1, 1, 0), // 110 / 100 / 010 / 000
			p(3, 0, 1, 1, 0), // 111 / 101 / 010 / 000
			p(4, 1, 1, 1, 1), // 211 / 101 / 010 / 100
			p(5, 1, 1, 1, 1), // nobody served
			p(6, 1, 1, 1, 1), // 212 / 101 / 011 / 100
			p(7, 0, 0, 1, 1), // 222 / 111 / 011 / 100
		}},
		// A member listed twice counts once; d, who never serves, holds
		// every minimum at 0.
		{"member listed twice, one idle", []string{"a", "b", "a", "c", "d"}, seven, []SpreadPoint{
			p(1, 1, 1, 0, 0), p(2, 1, 1, 1, 0), p(3, 1, 1, 1, 0), p(4, 2, 1, 1, 1),
			p(5, 2, 1, 1, 1), p(6, 2, 1, 1, 1), p(7, 2, 1, 1, 1),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CumulativeSpread(tc.members, tc.shifts); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestCumulativeSpreadMatchesRecount checks the running min and max
// against counting again from scratch after every shift, on random
// shifts of up to three people among eight.
func TestCumulativeSpreadMatchesRecount(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	members := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	kinds := []string{"weekday", "weekend", "holiday"}
	var shifts []render.Shift
	for i := range 400 {
		who := slices.Clone(members[:r.IntN(4)])
		r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		shifts = append(shifts, render.Shift{Kind: kinds[r.IntN(3)], Start: time.Unix(int64(i)*3600, 0), Assignees: who})
	}
	members = []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	got := CumulativeSpread(members, shifts)
	for n := 1; n <= len(shifts); n++ {
		counts := map[string]*report.Member{}
		for _, m := range members {
			counts[m] = &report.Member{ID: m}
		}
		for _, s := range shifts[:n] {
			for _, a := range s.Assignees {
				m := counts[a]
				m.Shifts++
				switch s.Kind {
				case "weekend":
					m.Weekend++
				case "holiday":
					m.Holiday++
				default:
					m.Weekday++
				}
			}
		}
		width := func(f func(*report.Member) int) int {
			lo, hi := 1<<30, -1
			for _, m := range counts {
				lo, hi = min(lo, f(m)), max(hi, f(m))
			}
			return hi - lo
		}
		want := SpreadPoint{N: n, At: shifts[n-1].Start,
			Shifts:  width(func(m *report.Member) int { return m.Shifts }),
			Weekday: width(func(m *report.Member) int { return m.Weekday }),
			Weekend: width(func(m *report.Member) int { return m.Weekend }),
			Holiday: width(func(m *report.Member) int { return m.Holiday })}
		if got[n-1] != want {
			t.Fatalf("after %d shifts: %+v, want %+v", n, got[n-1], want)
		}
	}
}

func TestRuns(t *testing.T) {
	// Shifts spread 1, 0, 1, 0, ... (as a team of two taking turns),
	// weekends 0 but a 2 at the eighth point, one shift a day.
	pts := make([]SpreadPoint, 10)
	day0 := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	for i := range pts {
		pts[i] = SpreadPoint{N: i + 1, At: day0.AddDate(0, 0, i), Shifts: (i + 1) % 2}
	}
	pts[7].Weekend = 2
	run := func(first, last, shifts, weekend int) Run {
		return Run{First: first, Last: last, From: day0.AddDate(0, 0, first-1), To: day0.AddDate(0, 0, last-1), Shifts: shifts, Weekend: weekend}
	}
	for _, tc := range []struct {
		limit int
		want  []Run
	}{
		{4, []Run{run(1, 3, 1, 0), run(4, 6, 1, 0), run(7, 9, 1, 2), run(10, 10, 0, 0)}}, // runs of ceil(10/4) = 3
		{5, []Run{run(1, 2, 1, 0), run(3, 4, 1, 0), run(5, 6, 1, 0), run(7, 8, 1, 2), run(9, 10, 1, 0)}},
		{1, []Run{run(1, 10, 1, 2)}},
		{0, []Run{run(1, 10, 1, 2)}},
		{3, []Run{run(1, 4, 1, 0), run(5, 8, 1, 2), run(9, 10, 1, 0)}},
	} {
		if got := Runs(pts, tc.limit); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("limit %d:\n got  %+v\n want %+v", tc.limit, got, tc.want)
		}
	}
	// With limit at least the points, each run is one point as it is.
	for i, r := range Runs(pts, 500) {
		p := pts[i]
		if r != (Run{First: p.N, Last: p.N, From: p.At, To: p.At, Shifts: p.Shifts, Weekend: p.Weekend}) {
			t.Errorf("run %d: %+v of %+v", i, r, p)
		}
	}
	if got := Runs(nil, 5); len(got) != 0 {
		t.Errorf("nothing: %v", got)
	}
}

func TestWeekdayCounts(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	shifts := []render.Shift{
		sh("weekday", "2026-11-23T09:00:00Z", "a"),      // Mon (18:00 in Tokyo)
		sh("weekday", "2026-11-27T09:00:00Z", "a", "b"), // Fri
		sh("weekend", "2026-11-28T09:00:00Z", "b", "z"), // Sat; z is no member
		sh("weekday", "2026-11-29T20:00:00Z", "a"),      // Sun in UTC, Mon 05:00 in Tokyo
		sh("weekday", "2026-12-04T09:00:00Z", "a"),      // Fri
	}
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want []WeekdayRow
	}{
		{"UTC", time.UTC, []WeekdayRow{
			{Member: "a", Days: [7]int{1, 0, 0, 0, 2, 0, 1}, Total: 4},
			{Member: "b", Days: [7]int{0, 0, 0, 0, 1, 1, 0}, Total: 2},
			{Member: "c", Total: 0},
		}},
		{"Tokyo", tokyo, []WeekdayRow{
			{Member: "a", Days: [7]int{2, 0, 0, 0, 2, 0, 0}, Total: 4},
			{Member: "b", Days: [7]int{0, 0, 0, 0, 1, 1, 0}, Total: 2},
			{Member: "c", Total: 0},
		}},
		{"nil is UTC", nil, []WeekdayRow{
			{Member: "a", Days: [7]int{1, 0, 0, 0, 2, 0, 1}, Total: 4},
			{Member: "b", Days: [7]int{0, 0, 0, 0, 1, 1, 0}, Total: 2},
			{Member: "c", Total: 0},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := WeekdayCounts([]string{"a", "b", "c"}, shifts, tc.loc); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestWeekGrid(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	span := func(start, end string, who ...string) render.Shift {
		return render.Shift{Start: utc(start), End: utc(end), Assignees: who}
	}
	week := func(monday string, days ...string) Week {
		w := Week{}
		if err := w.Monday.UnmarshalText([]byte(monday)); err != nil {
			t.Fatal(err)
		}
		copy(w.Days[:], days)
		return w
	}
	for _, tc := range []struct {
		name   string
		shifts []render.Shift
		want   []Week
	}{
		{"none", nil, nil},
		// Daily 09:00 handoffs from Wednesday; a second layer's shift
		// covers Wednesday noon too; Friday's shift has nobody; the
		// last shift ends Sunday 09:00, before noon, so Sunday is empty
		// and the grid stops at that week.
		{"days and layers", []render.Shift{
			span("2026-11-25T09:00:00Z", "2026-11-26T09:00:00Z", "a"),
			span("2026-11-25T11:00:00Z", "2026-11-25T13:00:00Z", "c"),
			span("2026-11-26T09:00:00Z", "2026-11-27T09:00:00Z", "b"),
			span("2026-11-27T09:00:00Z", "2026-11-28T09:00:00Z"),
			span("2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z", "a", "b"),
		}, []Week{week("2026-11-23", "", "", "a / c", "b", "?", "a+b", "")}},
		// One shift of eight days from Monday midnight: the second week
		// has its Monday only.
		{"two weeks", []render.Shift{span("2026-11-23T00:00:00Z", "2026-12-01T00:00:00Z", "z")},
			[]Week{week("2026-11-23", "z", "z", "z", "z", "z", "z", "z"), week("2026-11-30", "z")}},
		// A Sunday start still begins the week on its Monday; in summer
		// time noon in London is 11:00 UTC, which a shift ending 11:30
		// UTC covers.
		{"summer time", []render.Shift{span("2027-06-06T08:00:00Z", "2027-06-06T11:30:00Z", "s")},
			[]Week{week("2027-05-31", "", "", "", "", "", "", "s")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := WeekGrid(tc.shifts, london); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestExtremes(t *testing.T) {
	ms := []report.Member{{ID: "a", Shifts: 5}, {ID: "b", Shifts: 1}, {ID: "c", Shifts: 3}, {ID: "d", Shifts: 2}, {ID: "e", Shifts: 4}}
	ids := func(ms []report.Member) []string {
		out := []string{}
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	for _, tc := range []struct {
		limit int
		want  []string
		left  int
	}{
		{5, []string{"a", "b", "c", "d", "e"}, 0}, // all, in the order given
		{9, []string{"a", "b", "c", "d", "e"}, 0},
		{4, []string{"a", "e", "d", "b"}, 1},
		{3, []string{"a", "d", "b"}, 2},
		{2, []string{"a", "b"}, 3},
		{0, []string{}, 5},
	} {
		got, left := Extremes(ms, tc.limit)
		if !slices.Equal(ids(got), tc.want) || left != tc.left {
			t.Errorf("limit %d: %v and %d left out, want %v and %d", tc.limit, ids(got), left, tc.want, tc.left)
		}
	}
}
