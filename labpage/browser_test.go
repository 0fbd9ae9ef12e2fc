package labpage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rota-scheduler/rota/internal/browsertest"
)

// labState is what the browser sees of the report page.
type labState struct {
	Bars        int    `json:"bars"`    // visible bar segments of the chart of shifts per member
	Members     int    `json:"members"` // its members
	BarsShown   bool   `json:"barsShown"`
	BarsWidth   int    `json:"barsWidth"`
	HeatShown   bool   `json:"heatShown"`
	HeatRows    int    `json:"heatRows"`
	HeatCells   int    `json:"heatCells"` // the day cells of its first row
	SpreadShown bool   `json:"spreadShown"`
	SpreadWidth int    `json:"spreadWidth"`
	Lines       int    `json:"lines"`
	Points      int    `json:"points"` // of the line of all shifts
	Weeks       int    `json:"weeks"`  // visible rows of the calendar grid
	GridShown   bool   `json:"gridShown"`
	CompareRows int    `json:"compareRows"`
	Overflow    int    `json:"overflow"` // how far the page is wider than the window
	Title       string `json:"title"`
}

const labStateJS = `(() => {
  const shown = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden" &&
    e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
  const count = sel => [...document.querySelectorAll(sel)].filter(shown).length;
  const bars = document.getElementById("bars"), spread = document.getElementById("spread");
  const total = document.querySelector("#spread polyline.total");
  return {
    bars: count("#bars rect.bar"),
    members: document.querySelectorAll("#bars g.member").length,
    barsShown: shown(bars), barsWidth: bars ? Math.round(bars.getBoundingClientRect().width) : 0,
    heatShown: shown(document.getElementById("heatmap")),
    heatRows: count("#heatmap tbody tr"),
    heatCells: count("#heatmap tbody tr:first-child td[class^=h]"),
    spreadShown: shown(spread), spreadWidth: spread ? Math.round(spread.getBoundingClientRect().width) : 0,
    lines: [...document.querySelectorAll("#spread polyline")].filter(e => e.getClientRects().length > 0 &&
      getComputedStyle(e).visibility !== "hidden" && e.getBoundingClientRect().width > 0).length, // a flat line has no height
    points: total ? total.points.numberOfItems : 0,
    weeks: count("#grid tbody tr"),
    gridShown: shown(document.getElementById("grid")),
    compareRows: count("#compare tbody tr"),
    overflow: document.documentElement.scrollWidth - innerWidth,
    title: document.title,
  };
})()`

// TestReportInBrowser writes the page of a year planned offline (the sre
// rotation of sre-24h.yaml, with the queue and lottery strategies to
// compare) and opens it from a file in headless Chromium at a phone's
// width and a desktop's: the charts and the heat map are there, visible
// and as wide as their box allows, and the page is no wider than the
// window. ROTA_UPDATE_SCREENSHOT=1 writes docs/lab-report.png.
func TestReportInBrowser(t *testing.T) {
	browser := browsertest.Path(t)
	in := planned(t)
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, in); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	members := len(in.Report.Members)
	bars := 0
	for _, m := range in.Report.Members {
		for _, n := range []int{m.Weekday, m.Weekend, m.Holiday} {
			if n > 0 {
				bars++
			}
		}
	}

	bctx := browsertest.Start(t, browser)
	for _, vp := range []struct {
		name          string
		width, height int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		t.Run(vp.name, func(t *testing.T) {
			tctx, cancel := context.WithTimeout(bctx, time.Minute)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(vp.width, vp.height),
				chromedp.Navigate("file://"+file), chromedp.WaitVisible(chromedp.ID("spread"))); err != nil {
				t.Fatal(err)
			}
			st, err := chromedp.Run(tctx, chromedp.Evaluate[labState](labStateJS))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", st)
			if st.Title != "sre: rotation lab report" {
				t.Errorf("title %q", st.Title)
			}
			// The charts fill their box: on a phone the width less the
			// page's padding, on a desktop their 40rem.
			minWidth := int(vp.width) - 60
			if vp.width > 900 {
				minWidth = 600
			}
			if !st.BarsShown || st.Members != members || st.Bars != bars || st.BarsWidth < minWidth {
				t.Errorf("bar chart: shown %v, %d wide (want >= %d), %d members and %d bars, want %d and %d",
					st.BarsShown, st.BarsWidth, minWidth, st.Members, st.Bars, members, bars)
			}
			if !st.HeatShown || st.HeatRows != members || st.HeatCells != 7 {
				t.Errorf("heat map: shown %v, %d rows of %d days, want %d of 7", st.HeatShown, st.HeatRows, st.HeatCells, members)
			}
			// 364 shifts in steps of ceil(364/120) = 4: 91 steps of two points.
			if !st.SpreadShown || st.Lines != 4 || st.Points != 2*91 || st.SpreadWidth < minWidth {
				t.Errorf("spread: shown %v, %d wide (want >= %d), %d lines, %d points, want 4 and %d",
					st.SpreadShown, st.SpreadWidth, minWidth, st.Lines, st.Points, 2*91)
			}
			// 52 weeks from a Monday: 8 first, a row for the 36 between, 8 last.
			if !st.GridShown || st.Weeks != GridHeadWeeks+1+GridTailWeeks {
				t.Errorf("grid: shown %v, %d rows, want %d", st.GridShown, st.Weeks, GridHeadWeeks+1+GridTailWeeks)
			}
			if st.CompareRows != 3 {
				t.Errorf("comparison: %d rows, want 3 (fair, queue, lottery)", st.CompareRows)
			}
			if st.Overflow > 0 {
				t.Errorf("the page is %dpx wider than the %dpx window", st.Overflow, vp.width)
			}
			if vp.name == "desktop" {
				browsertest.UpdateScreenshot(t, tctx, "lab-report.png")
			}
		})
	}
}
