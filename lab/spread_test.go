package lab

import (
	"reflect"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// TestSpreadSeries: report.json's spread series has, after each shift
// and named by it, the spread of all shifts and of each kind, counted
// over the members given (an assignee who is not one is left out, one
// who never serves holds the minimum at 0).
func TestSpreadSeries(t *testing.T) {
	day0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) // a Friday
	sh := func(i int, kind string, who ...string) render.Shift {
		start := day0.AddDate(0, 0, i)
		return render.Shift{ID: "r/main/" + start.Format(time.RFC3339), Kind: kind, Start: start, End: start.AddDate(0, 0, 1), Assignees: who}
	}
	shifts := []render.Shift{
		sh(0, "weekday", "a"),
		sh(1, "weekend", "b"),
		sh(2, "weekend", "b"),
		sh(3, "holiday", "a", "x"), // x is no member
		sh(4, "weekday"),           // nobody took it
		sh(5, "weekday", "c"),
	}
	pt := func(i, all, wd, we, hol int) SpreadPoint {
		return SpreadPoint{Shift: shifts[i].ID, Spread: report.Spread{Shifts: all, Weekday: wd, Weekend: we, Holiday: hol}}
	}
	for _, tc := range []struct {
		name    string
		members []string
		shifts  []render.Shift
		want    []SpreadPoint
	}{
		{"no shifts", []string{"a"}, nil, []SpreadPoint{}},
		{"no members", nil, shifts[:2], []SpreadPoint{pt(0, 0, 0, 0, 0), pt(1, 0, 0, 0, 0)}},
		// Counts of (a, b, c), all / weekday / weekend / holiday, by hand.
		{"three members", []string{"a", "b", "c"}, shifts, []SpreadPoint{
			pt(0, 1, 1, 0, 0), // 100 / 100 / 000 / 000
			pt(1, 1, 1, 1, 0), // 110 / 100 / 010 / 000
			pt(2, 2, 1, 2, 0), // 120 / 100 / 020 / 000
			pt(3, 2, 1, 2, 1), // 220 / 100 / 020 / 100
			pt(4, 2, 1, 2, 1), // nobody
			pt(5, 1, 1, 2, 1), // 221 / 101 / 020 / 100
		}},
		// d never serves: every minimum stays 0.
		{"one idle", []string{"a", "b", "c", "d"}, shifts[3:], []SpreadPoint{
			pt(3, 1, 0, 0, 1), pt(4, 1, 0, 0, 1), pt(5, 1, 1, 0, 1),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := spreadSeries(tc.members, tc.shifts); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
