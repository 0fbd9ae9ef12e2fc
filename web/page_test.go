package web

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/feed"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/internal/report"
	"github.com/rota-scheduler/rota/workflows"
)

// fakeSource serves made-up rotations: daily shifts at 09:00 Berlin time
// taken in turn by ada, bob and cy, final for a week, forecast after.
type fakeSource struct {
	ids     []string
	listErr error
	pageErr error
}

var berlin, _ = time.LoadLocation("Europe/Berlin")

func (f *fakeSource) Rotations(context.Context) ([]string, error) { return f.ids, f.listErr }

func (f *fakeSource) Page(_ context.Context, rotation string, now time.Time) (PageData, error) {
	if f.pageErr != nil {
		return PageData{}, f.pageErr
	}
	found := false
	for _, id := range f.ids {
		found = found || id == rotation
	}
	if !found {
		return PageData{}, ErrNotFound
	}
	members := []config.Member{
		{ID: "ada", Name: "Ada Lovelace", Timezone: "Europe/London"},
		{ID: "bob", Name: "Bob Kahn", Timezone: "America/New_York"},
		{ID: "cy", Name: "Cy Twombly", Timezone: "Europe/Berlin"},
	}
	holiday := dateOf(now.In(berlin).AddDate(0, 0, 10))
	d := PageData{Config: workflows.ConfigResult{
		Rotation: config.Rotation{ID: rotation, Name: "SRE on-call", Timezone: "Europe/Berlin",
			Layers:   []config.Layer{{Name: "primary"}},
			Duties:   "- Answer pages\n- Triage tickets\n  within a day",
			Holidays: []calendar.Date{holiday}},
		Members: members,
	}}
	d.Schedule = render.Plan{Rotation: rotation, Timezone: "Europe/Berlin"}
	week := WeekStart(now, berlin)
	for i := -2; i < 7*PageWeeks+2; i++ {
		start := time.Date(week.Year(), week.Month(), week.Day()+i, 9, 0, 0, 0, berlin)
		end := start.AddDate(0, 0, 1)
		sh := render.Shift{ID: rotation + "/" + start.Format(time.RFC3339), Layer: "primary", Kind: "weekday",
			Start: start, End: end, Assignees: []string{members[(i+2)%3].ID}}
		if dateOf(start) == holiday {
			sh.Kind = string(calendar.Holiday)
		}
		switch {
		case !end.After(now):
			sh.Status = workflows.StatusPast
		case !start.After(now):
			sh.Status = workflows.StatusCurrent
			d.Who.Current = append(d.Who.Current, sh)
			d.Who.OnCall = sh.Assignees
		case start.Before(now.AddDate(0, 0, 7)):
			sh.Status = workflows.StatusFinal
			if len(d.Who.Next) == 0 {
				d.Who.Next = []render.Shift{sh}
			}
		default:
			sh.Status = workflows.StatusForecast
		}
		d.Schedule.Shifts = append(d.Schedule.Shifts, sh)
	}
	d.Stats.Report = report.Report{Balance: 87.5, Coverage: 100, Members: []report.Member{
		{ID: "ada", Shifts: 12, Hours: 288, Weekday: 9, Weekend: 2, Holiday: 1, WeekdayHours: 216, WeekendHours: 48, HolidayHours: 24},
		{ID: "bob", Shifts: 11, Hours: 264, Weekday: 8, Weekend: 3, WeekdayHours: 192, WeekendHours: 72},
		{ID: "cy", Shifts: 10, Hours: 240.5, Weekday: 8, Weekend: 2, WeekdayHours: 192.5, WeekendHours: 48},
	}}
	return d, nil
}

func pageServer(t *testing.T, src Source) *Server {
	srv, _ := newTestServer(t)
	srv.Source = src
	return srv
}

func pagePath(id string, extra ...string) string {
	q := url.Values{"token": {feed.Token(testSecret, feed.KindRotation, id, 0)}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/rotations/" + id + "?" + q.Encode()
}

func TestPageNotFoundIsUniform(t *testing.T) {
	src := &fakeSource{ids: []string{"sre"}}
	srv := pageServer(t, src)
	h := srv.Handler()
	ref := do(h, "GET", "/no/such/page")
	if rec := do(h, "GET", pagePath("sre")); rec.Code != 200 {
		t.Fatalf("the right token: %d %s", rec.Code, rec.Body)
	}
	good := feed.Token(testSecret, feed.KindRotation, "sre", 0)
	noSource := pageServer(t, nil)
	for _, c := range []struct{ what, path string }{
		{"wrong token", "/rotations/sre?token=x" + good[1:]},
		{"missing token", "/rotations/sre"},
		{"empty token", "/rotations/sre?token="},
		{"a member feed's token", "/rotations/sre?token=" + feed.Token(testSecret, feed.KindMember, "sre", 0)},
		{"another rotation's token", "/rotations/sre?token=" + feed.Token(testSecret, feed.KindRotation, "web", 0)},
		{"a later generation's token", "/rotations/sre?token=" + feed.Token(testSecret, feed.KindRotation, "sre", 1)},
		{"unknown rotation", pagePath("nosuch")},
		{"bad id", pagePath("a..b")},
	} {
		same404(t, c.what, ref, do(h, "GET", c.path))
	}
	same404(t, "no source", ref, do(noSource.Handler(), "GET", pagePath("sre")))

	// An error other than not found is not a 404.
	src.pageErr = errors.New("temporal down")
	if rec := do(h, "GET", pagePath("sre")); rec.Code != 503 {
		t.Errorf("source failing: %d, want 503", rec.Code)
	}
}

// section returns the HTML of the element with the id, up to its closing
// tag (the first one: enough for the page's flat sections and tables).
func section(t *testing.T, body, tag, id string) string {
	t.Helper()
	i := strings.Index(body, `<`+tag+` id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no <%s id=%q> in the page:\n%s", tag, id, body)
	}
	j := strings.Index(body[i:], "</"+tag+">")
	if j < 0 {
		t.Fatalf("<%s id=%q> not closed", tag, id)
	}
	return body[i : i+j]
}

func TestPageShows(t *testing.T) {
	src := &fakeSource{ids: []string{"sre"}}
	h := pageServer(t, src).Handler()
	now := time.Now()
	d, _ := src.Page(context.Background(), "sre", now)
	cur := d.Who.Current[0]
	until := when(cur.End, berlin)
	if !strings.HasSuffix(until, " (Europe/Berlin)") || !regexp.MustCompile(`^\w{3} \d{1,2} \w{3} 09:00 CES?T `).MatchString(until) {
		t.Fatalf("time format: %q", until)
	}

	rec := do(h, "GET", pagePath("sre"))
	body := rec.Body.String()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	for _, hdr := range []string{"Content-Security-Policy", "Referrer-Policy", "Cache-Control"} {
		if rec.Header().Get(hdr) == "" {
			t.Errorf("no %s header", hdr)
		}
	}
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, `name="viewport"`) {
		t.Error("no lang or viewport")
	}
	if !strings.Contains(body, "<title>"+d.Config.Rotation.Name+": schedule</title>") {
		t.Errorf("no title %q", d.Config.Rotation.Name+": schedule")
	}

	onShift := section(t, body, "section", "on-shift")
	name := map[string]string{"ada": "Ada Lovelace", "bob": "Bob Kahn", "cy": "Cy Twombly"}[cur.Assignees[0]]
	if !strings.Contains(onShift, `<strong class="who">`+name+`</strong>`) || !strings.Contains(onShift, "until <time>"+until+"</time>") {
		t.Errorf("on shift: want %s until %s:\n%s", name, until, onShift)
	}
	if !strings.Contains(onShift, "Next: <strong>") {
		t.Errorf("no next shift:\n%s", onShift)
	}

	g := section(t, body, "table", "grid")
	if n := strings.Count(g, `<tr class="week"`); n != PageWeeks {
		t.Errorf("%d week rows, want %d", n, PageWeeks)
	}
	for _, wd := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		if !strings.Contains(g, `role="columnheader">`+wd+`</th>`) {
			t.Errorf("no %s column", wd)
		}
	}
	if n := strings.Count(g, `<td role="cell" class="day`); n != 7*PageWeeks {
		t.Errorf("%d day cells", n)
	}
	// A week of final shifts, the rest forecast: each day one shift.
	fc := strings.Count(g, `<span class="tag forecast">forecast</span>`)
	if fc < 7*PageWeeks-7-7 || fc > 7*PageWeeks-7 {
		t.Errorf("%d forecast cells", fc)
	}
	if n := strings.Count(g, `<span class="shift `); n != 7*PageWeeks {
		t.Errorf("%d shifts in the grid, want %d", n, 7*PageWeeks)
	}
	if !strings.Contains(g, `aria-current="date"`) {
		t.Error("today not marked")
	}
	holiday := d.Config.Rotation.Holidays[0].String()
	if !regexp.MustCompile(`holiday"[^>]*>\s*<span class="date" title="`+holiday+`"`).MatchString(g) ||
		!strings.Contains(g, `<span class="tag holiday">holiday</span>`) {
		t.Errorf("holiday %s not marked", holiday)
	}

	fair := section(t, body, "table", "fairness")
	if n := strings.Count(fair, `<tr><th scope="row">`); n != 3 {
		t.Errorf("%d fairness rows, want 3", n)
	}
	for _, want := range []string{ // shifts and hours: in all, weekday, weekend, holiday
		`Ada Lovelace <span class="zone">Europe/London</span></th><td class="n g">12</td><td class="n">288</td><td class="n g">9</td><td class="n">216</td><td class="n g">2</td><td class="n">48</td><td class="n g">1</td><td class="n">24</td></tr>`,
		`<td class="n g">10</td><td class="n">240.5</td><td class="n g">8</td><td class="n">192.5</td>`, "balance 87.5%"} {
		if !strings.Contains(fair, want) {
			t.Errorf("fairness: no %q:\n%s", want, fair)
		}
	}
	if n := strings.Count(body, `class="bar"`); n != 3 || !strings.Contains(body, `<svg class="chart"`) {
		t.Errorf("%d bars", n)
	}
	if !strings.Contains(body, "<li>Answer pages</li><li>Triage tickets within a day</li>") {
		t.Error("duties")
	}
	feedURL := feed.URL("https://rota.example.com", feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0))
	esc := strings.ReplaceAll(feedURL, "&", "&amp;")
	if !strings.Contains(body, `href="`+feed.Webcal(esc)+`"`) || !strings.Contains(body, `readonly value="`+esc+`"`) {
		t.Error("subscribe links")
	}
}

func TestPageTimeZone(t *testing.T) {
	src := &fakeSource{ids: []string{"sre"}}
	h := pageServer(t, src).Handler()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	d, _ := src.Page(context.Background(), "sre", time.Now())
	until := when(d.Who.Current[0].End, tokyo)

	body := do(h, "GET", pagePath("sre", "tz", "Asia/Tokyo")).Body.String()
	if !strings.Contains(section(t, body, "section", "on-shift"), until) || !strings.HasSuffix(until, " JST (Asia/Tokyo)") {
		t.Errorf("not in Tokyo time (%s)", until)
	}
	if !strings.Contains(body, "Times in <strong>Asia/Tokyo</strong>") ||
		!regexp.MustCompile(`<a id="tz-rotation" href="\?token=[^"]+&amp;tz=Europe%2FBerlin">`).MatchString(body) {
		t.Errorf("no switch to the rotation's zone")
	}
	// The shift at 09:00 Berlin is at 16:00 or 17:00 in Tokyo, the same day.
	if !regexp.MustCompile(`<span class="time">1[67]:00</span>`).MatchString(section(t, body, "table", "grid")) {
		t.Error("grid times not in Tokyo time")
	}

	body = do(h, "GET", pagePath("sre")).Body.String()
	if !strings.Contains(body, "Times in <strong>Europe/Berlin</strong> (the rotation's zone)") ||
		!strings.Contains(body, `<a id="tz-mine" href="" hidden>`) || !strings.Contains(body, "Intl.DateTimeFormat()") {
		t.Errorf("default zone or the script's switch missing")
	}

	body = do(h, "GET", pagePath("sre", "tz", "Mars/Olympus")).Body.String()
	if !strings.Contains(body, "Unknown time zone “Mars/Olympus”: showing Europe/Berlin") {
		t.Error("a bad zone is not said")
	}
}

// The inline style and script are the ones the Content-Security-Policy
// allows.
func TestPageCSP(t *testing.T) {
	rec := do(pageServer(t, &fakeSource{ids: []string{"sre"}}).Handler(), "GET", pagePath("sre"))
	body, csp := rec.Body.String(), rec.Header().Get("Content-Security-Policy")
	for _, tag := range []string{"style", "script"} {
		m := regexp.MustCompile(`<` + tag + `>((?s).*?)</` + tag + `>`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(csp, tag+"-src '"+hash([]byte(m[1]))+"'") {
			t.Errorf("%s not allowed by %q", tag, csp)
		}
	}
	if strings.Contains(body, ` style="`) {
		t.Error("an inline style attribute: the CSP blocks it")
	}
}

func TestGrid(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// Sunday 29 March 2026: Berlin moves to summer time.
	now := time.Date(2026, 3, 25, 12, 0, 0, 0, berlin)
	sh := func(y int, m time.Month, d, h int, status string) render.Shift {
		s := time.Date(y, m, d, h, 0, 0, 0, berlin)
		return render.Shift{Start: s, End: s.Add(time.Hour), Assignees: []string{"ada"}, Status: status}
	}
	d := PageData{Schedule: render.Plan{Shifts: []render.Shift{
		sh(2026, 3, 29, 23, workflows.StatusFinal),   // Sunday late: Monday in Tokyo
		sh(2026, 3, 30, 9, workflows.StatusForecast), // Monday
		sh(2026, 5, 17, 9, workflows.StatusForecast), // Sunday of the 8th week
		sh(2026, 5, 18, 9, workflows.StatusForecast), // beyond
		sh(2026, 3, 22, 9, workflows.StatusPast),     // before
	}}}
	who := func(ids []string) string { return strings.Join(ids, ",") }
	w := grid(d, now, berlin, who)
	if len(w) != PageWeeks || w[0].Label != "23 Mar" || w[1].Days[0].Date != "2026-03-30" {
		t.Fatalf("weeks %+v", w[:2])
	}
	if len(w[0].Days[6].Shifts) != 1 || !w[1].Days[0].Forecast || len(w[7].Days[6].Shifts) != 1 || !w[0].Days[0].Past || !w[0].Days[2].Today {
		t.Errorf("Berlin grid: %+v", w)
	}
	w = grid(d, now, tokyo, who)
	if len(w[0].Days[6].Shifts) != 0 || len(w[1].Days[0].Shifts) != 2 || w[1].Days[0].Shifts[0].Time != "06:00" {
		t.Errorf("Tokyo grid: %+v", w[1].Days[0])
	}
}

func TestIndex(t *testing.T) {
	src := &fakeSource{ids: []string{"sre", "web"}}
	srv := pageServer(t, src)
	ref := do(srv.Handler(), "GET", "/no/such/page")
	same404(t, "index off", ref, do(srv.Handler(), "GET", "/"))

	srv.Index = true
	h := srv.Handler()
	rec := do(h, "GET", "/")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("index: %d", rec.Code)
	}
	links := regexp.MustCompile(`<li><a href="([^"]+)">([^<]+)</a></li>`).FindAllStringSubmatch(body, -1)
	if len(links) != 2 || links[0][2] != "sre" || links[1][2] != "web" {
		t.Fatalf("index links %q:\n%s", links, body)
	}
	for _, l := range links {
		if rec := do(h, "GET", strings.ReplaceAll(l[1], "&amp;", "&")); rec.Code != 200 {
			t.Errorf("link %s: %d", l[1], rec.Code)
		}
	}
	// A rotation's page is not the index: /rotations/ alone is not found.
	same404(t, "/rotations/", ref, do(h, "GET", "/rotations/"))

	src.listErr = errors.New("visibility down")
	rec = do(h, "GET", "/")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "cannot be listed") {
		t.Errorf("listing fails: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "GET", "/healthz"); rec.Code != 200 {
		t.Errorf("healthz: %d", rec.Code)
	}
}
