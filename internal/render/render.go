// Package render prints a rotation's shifts for people (a table, a paper
// rota grid) and for machines (JSON, CSV). Machine output is UTC RFC 3339;
// people see times in the zone they ask for, with the zone named.
package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/report"
)

// Formats are the output formats of plan-like commands.
var Formats = []string{"table", "json", "csv", "grid"}

// Plan is a rotation's shifts with their report.
type Plan struct {
	Rotation string         `json:"rotation"`
	Timezone string         `json:"timezone"`
	Strategy string         `json:"strategy"`
	Shifts   []Shift        `json:"shifts"`
	Report   *report.Report `json:"report,omitempty"`
}

// Shift is a shift as printed. Its times are instants; they are written
// only at the edge: UTC RFC 3339 in JSON and CSV, the viewer's zone in
// tables.
type Shift struct {
	ID        string
	Layer     string
	Kind      string
	Start     time.Time
	End       time.Time
	Assignees []string
	Problems  []string
	Status    string
}

// shiftJSON is Shift's JSON form: times in UTC RFC 3339, lists never null.
type shiftJSON struct {
	ID        string   `json:"id"`
	Layer     string   `json:"layer"`
	Kind      string   `json:"kind"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Assignees []string `json:"assignees"`
	Problems  []string `json:"problems"`
	Status    string   `json:"status,omitempty"`
}

// MarshalJSON writes the shift with its times in UTC RFC 3339.
func (s Shift) MarshalJSON() ([]byte, error) {
	return json.Marshal(shiftJSON{ID: s.ID, Layer: s.Layer, Kind: s.Kind, Start: UTC(s.Start), End: UTC(s.End),
		Assignees: nonNil(s.Assignees), Problems: nonNil(s.Problems), Status: s.Status})
}

// UnmarshalJSON reads what MarshalJSON writes; a time that is not RFC 3339
// is an error that names the shift.
func (s *Shift) UnmarshalJSON(b []byte) error {
	var j shiftJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, j.Start)
	if err != nil {
		return fmt.Errorf("shift %s: start: %w", j.ID, err)
	}
	end, err := time.Parse(time.RFC3339, j.End)
	if err != nil {
		return fmt.Errorf("shift %s: end: %w", j.ID, err)
	}
	*s = Shift{ID: j.ID, Layer: j.Layer, Kind: j.Kind, Start: start, End: end,
		Assignees: nonNil(j.Assignees), Problems: nonNil(j.Problems), Status: j.Status}
	return nil
}

// FromShift converts an engine shift for printing.
func FromShift(sh engine.Shift) Shift {
	return Shift{
		ID: sh.ID, Layer: sh.Layer, Kind: string(sh.Kind),
		Start: sh.Start.UTC(), End: sh.End.UTC(),
		Assignees: nonNil(sh.Assignees), Problems: nonNil(sh.Problems),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UTC formats t for machines.
func UTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Local formats t for people, in loc, with the zone named.
func Local(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}

// Write prints p in format to w; loc is the viewer's zone for people's formats.
func Write(w io.Writer, format string, p Plan, loc *time.Location) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	case "csv":
		return writeCSV(w, p)
	case "grid":
		return writeGrid(w, p, loc)
	case "table", "":
		return writeTable(w, p, loc)
	}
	return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
}

func writeTable(w io.Writer, p Plan, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s (%s), shown in %s\n", p.Rotation, p.Strategy, loc)
	fmt.Fprintln(tw, "START\tEND\tLAYER\tKIND\tASSIGNEES\tPROBLEMS")
	for _, s := range p.Shifts {
		start, end := s.Start, s.End
		who := strings.Join(s.Assignees, ", ")
		if who == "" {
			who = "-"
		}
		if s.Status != "" {
			who += " [" + s.Status + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", Local(start, loc), Local(end, loc), s.Layer, s.Kind, who, strings.Join(s.Problems, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p.Report != nil {
		return WriteReport(w, *p.Report)
	}
	return nil
}

// WriteReport prints a report for people.
func WriteReport(w io.Writer, r report.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nMEMBER\tSHIFTS\tHOURS\tWEEKDAY\tWEEKEND\tHOLIDAY\t")
	for _, m := range r.Members {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%d\t\n", m.ID, m.Shifts, m.Hours, m.Weekday, m.Weekend, m.Holiday)
	}
	fmt.Fprintf(tw, "spread\t%d\t\t%d\t%d\t%d\t\n", r.Spread.Shifts, r.Spread.Weekday, r.Spread.Weekend, r.Spread.Holiday)
	if err := tw.Flush(); err != nil {
		return err
	}
	b := r.BeyondLimit
	if b != (report.Spread{}) {
		fmt.Fprintf(w, "beyond the limit of fair (spread against each member's share, over 1): %d in all, %d weekday, %d weekend, %d holiday\n",
			b.Shifts, b.Weekday, b.Weekend, b.Holiday)
	}
	_, err := fmt.Fprintf(w, "balance %.1f%%  coverage %.1f%%  need violations %d  rest violations %d\n"+
		"(balance: how evenly the hours are shared, 100%% when equal: the mean over every pair of members of the\n"+
		" smaller hours over the larger; shifts count whole shifts, hours also the parts of shifts split by a change)\n",
		r.Balance, r.Coverage, r.NeedViolations, r.RestViolations)
	return err
}

func writeCSV(w io.Writer, p Plan) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "layer", "kind", "start", "end", "assignees", "problems"})
	for _, s := range p.Shifts {
		cw.Write([]string{s.ID, s.Layer, s.Kind, UTC(s.Start), UTC(s.End), strings.Join(s.Assignees, " "), strings.Join(s.Problems, "; ")})
	}
	cw.Flush()
	return cw.Error()
}

// writeGrid prints a paper rota: one line per week (Monday first, in loc),
// with who is on shift at noon of each day.
func writeGrid(w io.Writer, p Plan, loc *time.Location) error {
	if len(p.Shifts) == 0 {
		_, err := fmt.Fprintln(w, "no shifts")
		return err
	}
	type span struct {
		start, end time.Time
		who        string
	}
	spans := make([]span, 0, len(p.Shifts))
	for _, s := range p.Shifts {
		start, end := s.Start, s.End
		who := strings.Join(s.Assignees, "+")
		if who == "" {
			who = "?"
		}
		spans = append(spans, span{start, end, who})
	}
	first := calendar.DateOf(spans[0].start, loc)
	first = first.AddDays(-((int(first.Weekday()) + 6) % 7)) // back to Monday
	end := spans[len(spans)-1].end
	last := calendar.DateOf(end.Add(-time.Nanosecond), loc)
	if !(calendar.DateTime{Date: last, Hour: 12}).In(loc).Before(end) {
		last = last.AddDays(-1) // the last shift ends before noon that day
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: who is on shift at noon (%s)\n", p.Rotation, loc)
	fmt.Fprintln(tw, "WEEK OF\tMON\tTUE\tWED\tTHU\tFRI\tSAT\tSUN")
	j := 0
	for week := first; !week.After(last); week = week.AddDays(7) {
		row := []string{week.String()}
		for d := range 7 {
			noon := calendar.DateTime{Date: week.AddDays(d), Hour: 12}.In(loc)
			for j < len(spans) && !spans[j].end.After(noon) {
				j++
			}
			cell := "."
			if j < len(spans) && !spans[j].start.After(noon) {
				cell = spans[j].who
			}
			row = append(row, cell)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// Who lists people for a sentence: "Ada, Bo", or "nobody".
func Who(names []string) string {
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, ", ")
}
