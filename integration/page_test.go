package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rota-scheduler/rota/internal/browsertest"

	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/feed"
	"github.com/rota-scheduler/rota/web"
	"github.com/rota-scheduler/rota/workflows"
)

// pageState is what the browser sees of the schedule page.
type pageState struct {
	OnShift      string `json:"onShift"`      // the line of who is on shift (not the next)
	OnShiftShown bool   `json:"onShiftShown"` // visible and in the first screen
	Weeks        int    `json:"weeks"`        // visible rows of the grid
	Days         int    `json:"days"`         // visible cells of the grid
	GridShown    bool   `json:"gridShown"`
	FairRows     int    `json:"fairRows"` // visible rows of the fairness table
	FairShown    bool   `json:"fairShown"`
	FairCells    int    `json:"fairCells"` // visible cells of its first row: shifts and hours, in all and per kind
	Bars         int    `json:"bars"`
	Overflow     int    `json:"overflow"` // how far the page is wider than the window
	Copy         bool   `json:"copy"`     // the copy button the script shows
	Mine         string `json:"mine"`     // the script's link to the viewer's zone
}

const pageStateJS = `(() => {
  const shown = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  const count = sel => [...document.querySelectorAll(sel)].filter(shown).length;
  const on = document.querySelector("#on-shift .now");
  const r = on ? on.getBoundingClientRect() : null;
  const mine = document.getElementById("tz-mine");
  return {
    onShift: on ? on.innerText : "",
    onShiftShown: shown(on) && r.top >= 0 && r.top < innerHeight,
    weeks: count("#grid tbody tr"),
    days: count("#grid tbody td"),
    gridShown: shown(document.getElementById("grid")),
    fairRows: count("#fairness tbody tr"),
    fairShown: shown(document.getElementById("fairness")),
    fairCells: count("#fairness tbody tr:first-child td"),
    bars: document.querySelectorAll("svg.chart rect.bar").length,
    overflow: document.documentElement.scrollWidth - innerWidth,
    copy: shown(document.getElementById("copy")),
    mine: shown(mine) ? mine.textContent : "",
  };
})()`

// TestSchedulePage serves the page of a rotation running on a real server
// (TemporalSource on the real workflow) and opens it in headless Chromium
// at a phone's width and a desktop's: the person on shift, the eight weeks
// of the grid and the fairness table are shown, and the page is no wider
// than the window. ROTA_UPDATE_SCREENSHOT=1 writes docs/schedule-page.png.
func TestSchedulePage(t *testing.T) {
	t.Parallel()
	temporalFor(t)
	browser := browsertest.Path(t)
	s := startServer(t)
	ctx, c := dialServer(t, s, 4*time.Minute)

	// Daily shifts at 09:00 Berlin time since ten days ago; a holiday in
	// ten days.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(berlin)
	start := time.Date(now.Year(), now.Month(), now.Day()-10, 9, 0, 0, 0, berlin)
	rot, members := parseRotation(t, fmt.Sprintf(`version: 1
holidays:
  dates: [%s]
members:
  - {id: ada, name: Ada Lovelace, timezone: Europe/London}
  - {id: bob, name: Bob Kahn, timezone: America/New_York}
  - {id: cy, name: Cy Twombly, timezone: Europe/Berlin}
  - {id: dee, name: Dee Dee Ramone, timezone: Asia/Tokyo}
rotations:
  - id: page
    name: SRE on-call
    timezone: Europe/Berlin
    start: %s
    shift: 24h
    strategy: fair
    members: [ada, bob, cy, dee]
    min_rest: 24h
    plan_ahead: 7d
    notify_before: 1d
    duties: |
      - Answer pages within 15 minutes.
      - Hand over open incidents at 09:00.
`, now.AddDate(0, 0, 10).Format(time.DateOnly), start.Format("2006-01-02T15:04")), "page")
	w := loggingWorker(t, c)
	defer w.Stop()
	if err := applyConfig(ctx, c, rot, members, workflows.RotationInput{}); err != nil {
		t.Fatal(err)
	}
	var who workflows.WhoResult
	waitFor(t, "someone on shift", time.Minute, func() bool {
		queryInto(t, ctx, c, "page", workflows.QueryWho, &who)
		return len(who.OnCall) == 1
	})
	names := map[string]string{}
	for _, m := range members {
		names[m.ID] = m.Name
	}
	onShift := names[who.OnCall[0]]

	store, err := feedstore.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	secret := []byte("integration-page-secret")
	srv := &web.Server{Store: store, Secret: secret, Index: true, Source: web.TemporalSource(c)}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	srv.BaseURL = "https://rota.example.com" // as the screenshot shows it
	pageURL := ts.URL + "/rotations/page?token=" + feed.Token(secret, feed.KindRotation, "page", 0)

	// An unknown rotation (Temporal says not found) is the plain 404.
	ref := get(t, ts.URL+"/no/such/page")
	if got := get(t, ts.URL+"/rotations/nosuch?token="+feed.Token(secret, feed.KindRotation, "nosuch", 0)); got != ref {
		t.Errorf("unknown rotation: %q, want %q", got, ref)
	}
	// The index lists the rotation (visibility catches up in a moment).
	waitFor(t, "the index to list the rotation", 30*time.Second, func() bool {
		return strings.Contains(get(t, ts.URL+"/"), `href="/rotations/page?token=`)
	})

	bctx := browsertest.Start(t, browser, "TZ=America/New_York")
	for _, vp := range []struct {
		name          string
		width, height int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		t.Run(vp.name, func(t *testing.T) {
			tctx, cancel := context.WithTimeout(bctx, time.Minute)
			defer cancel()
			// Opened without a zone, the page switches to the viewer's
			// and links to the rotation's.
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(vp.width, vp.height),
				chromedp.Navigate(pageURL), chromedp.WaitVisible(chromedp.ID("tz-rotation"))); err != nil {
				t.Fatal(err)
			}
			st, err := chromedp.Run(tctx, chromedp.Evaluate[pageState](pageStateJS))
			if err != nil {
				t.Fatal(err)
			}
			if !st.OnShiftShown || !strings.Contains(st.OnShift, onShift) ||
				!regexp.MustCompile(`until \w{3} \d{1,2} \w{3} 0[23]:00 E[SD]T \(America/New_York\)`).MatchString(st.OnShift) {
				t.Errorf("on shift: want %s until 09:00 Berlin time, in the viewer's zone (New York), in the first screen, shown %v: %q", onShift, st.OnShiftShown, st.OnShift)
			}
			if !st.GridShown || st.Weeks != web.PageWeeks || st.Days != 7*web.PageWeeks {
				t.Errorf("grid: shown %v, %d weeks and %d days, want %d and %d", st.GridShown, st.Weeks, st.Days, web.PageWeeks, 7*web.PageWeeks)
			}
			if !st.FairShown || st.FairRows != len(members) || st.Bars != len(members) {
				t.Errorf("fairness: shown %v, %d rows and %d bars, want %d", st.FairShown, st.FairRows, st.Bars, len(members))
			}
			if st.FairCells != 8 {
				t.Errorf("fairness: %d cells a row, want 8 (shifts and hours in all, on weekdays, weekends and holidays)", st.FairCells)
			}
			if st.Overflow > 0 {
				t.Errorf("the page is %dpx wider than the %dpx window", st.Overflow, vp.width)
			}
			// The inline script ran (the Content-Security-Policy allows it).
			if !st.Copy || st.Mine != "" {
				t.Errorf("script: copy button %v, zone link %q (want none: the page is in the viewer's zone)", st.Copy, st.Mine)
			}
			if vp.name == "desktop" {
				browsertest.UpdateScreenshot(t, tctx, "schedule-page.png")
			}
		})
	}

	// The switch to the rotation's zone, and back to the viewer's.
	tctx, cancelTab := context.WithTimeout(bctx, time.Minute)
	defer cancelTab()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.ID("tz-rotation")), chromedp.WaitVisible(chromedp.ID("tz-mine"))); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("#on-shift .now")))
	if err != nil || !regexp.MustCompile(`until \w{3} \d{1,2} \w{3} 09:00 CES?T \(Europe/Berlin\)`).MatchString(text) || !strings.Contains(text, onShift) {
		t.Errorf("in the rotation's zone: %q, %v", text, err)
	}
	mine, err := chromedp.Run(tctx, chromedp.Text(chromedp.ID("tz-mine")))
	if err != nil || mine != "Show in your zone (America/New_York)" {
		t.Errorf("the link back to the viewer's zone: %q, %v", mine, err)
	}
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.ID("tz-mine")), chromedp.WaitVisible(chromedp.ID("tz-rotation"))); err != nil {
		t.Fatal(err)
	}
	if text, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("#on-shift .now"))); err != nil || !strings.Contains(text, "(America/New_York)") {
		t.Errorf("back in the viewer's zone: %q, %v", text, err)
	}
}

// get returns the status and body of a GET.
func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}
