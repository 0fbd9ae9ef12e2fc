// Package labpage writes the rotation lab's report page: one HTML file,
// readable offline, that shows what a simulated (or planned) rotation did.
// It has the schedule as a calendar grid, a chart of shifts per member and
// kind, a weekday × member heat map, the cumulative spread over time, the
// outcome of each event and, when given, a comparison of strategies.
//
// The page is self-contained: its CSS and its charts (SVG) are inline, it
// has no script and fetches nothing. It is made with html/template, so
// member ids and event texts are escaped. Times are shown in the rotation's
// zone, which the page names.
package labpage

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sync"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// Input is what the lab's report page shows.
type Input struct {
	Rotation string // the rotation's id
	Timezone string // the rotation's IANA zone: every time is shown in it
	Strategy string // e.g. "fair", or "fair,queue" for layers that differ

	// Shifts is what happened, in start order (Write sorts a copy when
	// they are not).
	Shifts []render.Shift
	// Report measures Shifts; its Members are the members the charts and
	// the spread over time count (members with no shift included).
	Report report.Report
	// Run is what running the rotation cost; its zero value (an offline
	// plan) is shown as not measured.
	Run RunStats
	// Events are the operations applied during the run, with their outcome.
	Events []EventOutcome
	// Compare, when not empty, is the same run under other strategies (or
	// seeds), one row each; it may include the run shown.
	Compare []CompareRow
}

// RunStats is what running the rotation through the workflow cost. The
// lab's time-skipping environment keeps no history: its history events
// are modelled (what a server would record for what the workflow did),
// and its bytes are those of the payloads, without the events' framing.
type RunStats struct {
	ModelledEventsPerShift float64 // modelled workflow history events per shift
	PayloadBytesPerShift   float64 // payload bytes per shift
	ContinueAsNew          int     // how many times the workflow continued as new
	Activities             []ActivityCount
	WallSeconds            float64 // how long the run took, wall clock
}

// ActivityCount is how many times one activity ran.
type ActivityCount struct {
	Name  string
	Count int
}

// EventOutcome is one operation applied during the run (say, time off,
// a swap, a member joining) and what came of it.
type EventOutcome struct {
	At      time.Time // when it was applied
	Op      string    // the operation, e.g. "unavailable"
	Summary string    // what was asked, for people
	Applied bool      // whether it took effect
	Reason  string    // why not, or what it changed
}

// CompareRow is one strategy's result on the same input.
type CompareRow struct {
	Strategy       string
	Spread         report.Spread
	Balance        float64 // percent, as report.Report.Balance
	Coverage       float64 // percent, as report.Report.Coverage
	NeedViolations int
	RestViolations int
	Moved          int // shifts whose assignees changed because of events
}

// Limits that keep the page a reasonable size for long runs and large teams.
const (
	// ChartMembers is how many members the bar chart and the heat map
	// show at most: half with the most shifts, half with the fewest.
	ChartMembers = 60
	// GridHeadWeeks and GridTailWeeks are the weeks of the calendar grid
	// shown from the start and the end when there are more than both.
	GridHeadWeeks, GridTailWeeks = 8, 8
	// SpreadRuns is how many steps the spread over time is drawn in at
	// most: each the largest spread in a run of consecutive shifts.
	SpreadRuns = 120
	// MaxEvents is how many events the table lists at most.
	MaxEvents = 500
)

//go:embed report.html
var pageTemplate string

// parsed is the page's template, parsed once.
var parsed = sync.OnceValues(func() (*template.Template, error) {
	t, err := template.New("report").Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("labpage: template: %w", err)
	}
	return t, nil
})

// Write writes the report page of in to w, whole, or nothing and an error.
func Write(w io.Writer, in Input) error {
	t, err := parsed()
	if err != nil {
		return err
	}
	v := build(in)
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return fmt.Errorf("labpage: rendering %s: %w", in.Rotation, err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("labpage: writing %s: %w", in.Rotation, err)
	}
	return nil
}

// zone loads the rotation's zone; an unknown or empty one shows UTC, and
// says so.
func zone(name string) (*time.Location, string) {
	if name == "" {
		return time.UTC, "no time zone given: times are in UTC"
	}
	loc, err := calendar.LoadLocation(name)
	if err != nil {
		return time.UTC, fmt.Sprintf("unknown time zone %q: times are in UTC", name)
	}
	return loc, ""
}
