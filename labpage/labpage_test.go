package labpage

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
)

// write renders in, and checks what every page must be: its tags nest,
// its SVG is well-formed XML, html/template found nothing unsafe, and
// nothing is fetched from elsewhere.
func write(t *testing.T, in Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if err := nested(page); err != nil {
		t.Errorf("tags: %v", err)
	}
	for i, svg := range regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(page, -1) {
		d := xml.NewDecoder(strings.NewReader(svg))
		d.Entity = xml.HTMLEntity
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("svg %d is not well-formed: %v", i, err)
				break
			}
		}
	}
	for _, bad := range []string{"ZgotmplZ", "<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(strings.ToLower(page), strings.ToLower(bad)) {
			t.Errorf("the page has %q", bad)
		}
	}
	return page
}

var tagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>`)

var void = map[string]bool{"meta": true, "br": true, "img": true, "input": true, "link": true, "hr": true}

// nested checks that every tag of page (outside <style>) is closed in order.
func nested(page string) error {
	page = regexp.MustCompile(`(?s)<style>.*?</style>`).ReplaceAllString(page, "")
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		name := strings.ToLower(m[2])
		switch {
		case void[name] || m[3] == "/":
		case m[1] == "":
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			return fmt.Errorf("</%s> closes %v", name, stack)
		default:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("left open: %v", stack)
	}
	return nil
}

func TestWriteEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>`
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	in := Input{Rotation: "<b>rot</b>", Timezone: "Europe/London", Strategy: "fair",
		Shifts: []render.Shift{
			{Kind: "weekday", Start: start, End: start.Add(24 * time.Hour), Assignees: []string{evil}},
			{Kind: "weekday", Start: start.Add(24 * time.Hour), End: start.Add(48 * time.Hour), Assignees: []string{"bo"}},
		},
		Report: report.Report{Members: []report.Member{{ID: evil, Shifts: 1, Weekday: 1}, {ID: "bo", Shifts: 1, Weekday: 1}},
			Balance: 100, Coverage: 100},
		Events:  []EventOutcome{{At: start, Op: "swap", Summary: `"a" & <b>`, Applied: false, Reason: "</td></tr>"}},
		Run:     RunStats{ModelledEventsPerShift: 12.34, PayloadBytesPerShift: 5278.4, ContinueAsNew: 2, WallSeconds: 3.21, Activities: []ActivityCount{{"Notify", 7}}},
		Compare: []CompareRow{{Strategy: "<i>queue</i>", Balance: 99.5, Coverage: 100}},
	}
	page := write(t, in)
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", // in the grid, the heat map and the chart
		"&lt;b&gt;rot&lt;/b&gt;",
		"&#34;a&#34; &amp; &lt;b&gt;",
		"&lt;/td&gt;&lt;/tr&gt;",
		"&lt;i&gt;queue&lt;/i&gt;",
		"Times are in Europe/London",
		"Mon 23 Nov 2026 09:00 GMT to Wed 25 Nov 2026 09:00 GMT",
		"<dt>Modelled history events per shift</dt><dd>12.3 ", "<dt>Payload bytes per shift</dt><dd>5278 ", "Notify 7", "3.2 s",
		`id="bars"`, `id="heatmap"`, `id="spread"`, `id="compare"`,
		"<title id=\"bars-title\">", "<desc id=\"spread-desc\">",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The lab's figures are modelled events and payload bytes, not a
	// history's: the page must not call them that.
	if strings.Contains(page, "History per shift") {
		t.Error("the page calls the modelled figures history per shift")
	}
	if n := strings.Count(page, "&lt;script&gt;"); n < 4 {
		t.Errorf("the member shows escaped %d times, want at least 4 (grid, bars, heat map)", n)
	}
}

// TestWriteSortsShifts: shifts given out of order make the same page as
// in order.
func TestWriteSortsShifts(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var in Input
	in.Timezone = "Europe/London"
	for i, who := range []string{"a", "b", "a", "c"} {
		s := start.AddDate(0, 0, i)
		in.Shifts = append(in.Shifts, render.Shift{Kind: "weekday", Start: s, End: s.AddDate(0, 0, 1), Assignees: []string{who}})
	}
	in.Report.Members = []report.Member{{ID: "a", Shifts: 2, Weekday: 2}, {ID: "b", Shifts: 1, Weekday: 1}, {ID: "c", Shifts: 1, Weekday: 1}}
	want := write(t, in)
	in.Shifts = []render.Shift{in.Shifts[2], in.Shifts[0], in.Shifts[3], in.Shifts[1]}
	if got := write(t, in); got != want {
		t.Error("shifts out of order make another page")
	}
	if !strings.Contains(want, "<td>a</td><td>b</td><td>a</td><td>c</td>") {
		t.Error("the grid lacks the week a, b, a, c")
	}
}

func TestWriteZoneAndEmpty(t *testing.T) {
	page := write(t, Input{Rotation: "r", Timezone: "Mars/Olympus"})
	for _, want := range []string{`unknown time zone &#34;Mars/Olympus&#34;: times are in UTC`, "Times are in UTC", "no shifts",
		"No events were applied", "not measured", "No members."} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="compare"`) {
		t.Error("a comparison without rows")
	}
}

// TestWriteLarge: ten years of daily shifts of three among 1,000 members
// stay a page of bounded size: 60 members in the charts, 16 weeks in the
// grid, at most 500 points a line.
func TestWriteLarge(t *testing.T) {
	const members, days = 1000, 3650
	in := Input{Rotation: "big", Timezone: "Europe/Berlin", Strategy: "fair"}
	counts := make([]report.Member, members)
	for i := range counts {
		counts[i].ID = fmt.Sprintf("m%04d", i)
	}
	start := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	for d := range days {
		kind := "weekday"
		if wd := start.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			kind = "weekend"
		}
		var who []string
		for k := range 3 {
			m := &counts[(3*d+k+d/members)%members]
			m.Shifts++
			if kind == "weekend" {
				m.Weekend++
			} else {
				m.Weekday++
			}
			who = append(who, m.ID)
		}
		in.Shifts = append(in.Shifts, render.Shift{Kind: kind, Start: start.AddDate(0, 0, d), End: start.AddDate(0, 0, d+1), Assignees: who})
	}
	in.Report = report.Report{Members: counts}
	for i := range 2000 {
		in.Events = append(in.Events, EventOutcome{At: start.AddDate(0, 0, i), Op: "unavailable", Applied: true})
	}
	page := write(t, in)
	if len(page) > 600_000 {
		t.Errorf("the page is %d bytes", len(page))
	}
	t.Logf("%d bytes", len(page))
	if n := strings.Count(page, `<g class="member">`); n != ChartMembers {
		t.Errorf("%d members in the bar chart, want %d", n, ChartMembers)
	}
	heat := page[strings.Index(page, `id="heatmap"`):]
	heat = heat[:strings.Index(heat, "</table>")]
	if n := strings.Count(heat, `<th scope="row">`); n != ChartMembers {
		t.Errorf("%d members in the heat map, want %d", n, ChartMembers)
	}
	grid := page[strings.Index(page, `id="grid"`):]
	grid = grid[:strings.Index(grid, "</table>")]
	if n := strings.Count(grid, `<th scope="row">`); n != GridHeadWeeks+GridTailWeeks {
		t.Errorf("%d weeks in the grid, want %d", n, GridHeadWeeks+GridTailWeeks)
	}
	if !strings.Contains(grid, "weeks not shown") {
		t.Error("the grid does not say weeks are left out")
	}
	// Steps of 31 shifts (ceil(3650/120)): 118 of them, two points a step.
	for _, m := range regexp.MustCompile(`<polyline[^>]*points="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if n := len(strings.Fields(m[1])); n != 2*118 {
			t.Errorf("a line of %d points, want %d", n, 2*118)
		}
	}
	if n := strings.Count(page, "<polyline"); n != 4 {
		t.Errorf("%d lines, want 4", n)
	}
	for _, want := range []string{"60 of 1000 members: the 30 with the most shifts and the 30 with the fewest",
		"Each step is the largest spread in a run of 31 shifts (118 steps for 3650 shifts)", "1500 more events are not listed", "the first 8 and the last 8 of"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

var errFull = errors.New("disk full")

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errFull }

func TestWriteError(t *testing.T) {
	if err := Write(failing{}, Input{Rotation: "r"}); !errors.Is(err, errFull) {
		t.Errorf("got %v, want it to wrap %v", err, errFull)
	}
}

// TestWriteBeyondLimit: the summary says how far the run is from the
// limit of fair, from the report.
func TestWriteBeyondLimit(t *testing.T) {
	page := write(t, Input{Rotation: "r", Timezone: "UTC", Strategy: "fair",
		Report: report.Report{Members: []report.Member{{ID: "a"}}, BeyondLimit: report.Spread{Shifts: 2, Weekend: 1}}})
	if want := "<dt>Beyond the limit of fair</dt><dd>2 in all; 0 weekday, 1 weekend, 0 holiday"; !strings.Contains(page, want) {
		t.Errorf("the page lacks %q", want)
	}
}
