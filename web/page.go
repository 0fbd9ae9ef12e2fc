package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/feed"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// The schedule page: GET /rotations/{id}?token=T, where T is the token of
// the rotation's feed, and the index, GET /, when Server.Index is set. The
// page is rendered on the server, whole, with its CSS and its one small
// script inline: it needs nothing else, and works without the script.

//go:embed templates
var templateFS embed.FS

// assets are the parsed templates, the inline CSS and script, and the
// Content-Security-Policy that allows those two only.
type assets struct {
	tmpl *template.Template
	css  template.CSS
	js   template.JS
	csp  string
}

var loadAssets = sync.OnceValues(func() (*assets, error) {
	t, err := template.ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	css, err := templateFS.ReadFile("templates/page.css")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	js, err := templateFS.ReadFile("templates/page.js")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	csp := "default-src 'none'; style-src '" + hash(css) + "'; script-src '" + hash(js) +
		"'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	return &assets{tmpl: t, css: template.CSS(css), js: template.JS(js), csp: csp}, nil
})

// pageTimeout bounds the queries behind one page.
const pageTimeout = 10 * time.Second

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// page answers GET /rotations/{id}?token=T[&tz=Area/City]. A wrong or
// missing token and an unknown rotation get the same answer as an unknown
// path.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.authorize(w, r, feed.KindRotation, id); !ok {
		return
	}
	if s.Source == nil {
		s.notFound(w, r, feed.KindRotation, "no schedule source configured")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
	defer cancel()
	now := time.Now()
	d, err := s.Source.Page(ctx, id, now)
	if errors.Is(err, ErrNotFound) {
		s.notFound(w, r, feed.KindRotation, "unknown rotation")
		return
	}
	if err != nil {
		s.log().Error("schedule page unavailable", "rotation", id, "error", err)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "schedule unavailable, try again shortly", http.StatusServiceUnavailable)
		return
	}
	token := r.URL.Query().Get("token")
	base := s.BaseURL
	if base == "" {
		base = requestBase(r)
	}
	tz := r.URL.Query().Get("tz")
	if rs := []rune(tz); len(rs) > 64 {
		tz = string(rs[:64])
	}
	v := buildPage(d, now, tz, id, token, base)
	s.writeHTML(w, http.StatusOK, "page", v.Name+": schedule", v)
}

// index answers GET /: the rotations, each linked with its token, when the
// server was started with the index on (anyone who can reach it can then
// open every page); else 404.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	if !s.Index || s.Source == nil || len(s.Secret) == 0 || s.Store == nil {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
	defer cancel()
	var v indexView
	ids, err := s.Source.Rotations(ctx)
	status := http.StatusOK
	if err != nil {
		s.log().Error("listing rotations", "error", err)
		v.Error, status = "The rotations cannot be listed right now; try again shortly.", http.StatusServiceUnavailable
	}
	for _, id := range ids {
		gen, err := s.Store.Generation(ctx, feed.KindRotation, id)
		if err != nil {
			s.log().Error("feed generation", "rotation", id, "error", err)
			continue
		}
		v.Rotations = append(v.Rotations, indexEntry{ID: id, URL: feed.PageURL("", id, feed.Token(s.Secret, feed.KindRotation, id, gen))})
	}
	s.writeHTML(w, status, "index", "Rotations", v)
}

// htmlPage is what a template is given: the page's title, the view, and
// the inline CSS and script.
type htmlPage struct {
	Title string
	CSS   template.CSS
	JS    template.JS
	V     any
}

// writeHTML renders a template whole, then sends it. The page's URL holds
// a token: no referrer, no shared cache.
func (s *Server) writeHTML(w http.ResponseWriter, status int, name, title string, view any) {
	a, err := loadAssets()
	var b bytes.Buffer
	if err == nil {
		err = a.tmpl.ExecuteTemplate(&b, name, htmlPage{Title: title, CSS: a.css, JS: a.js, V: view})
	}
	if err != nil {
		s.log().Error("rendering page", "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", a.csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// requestBase is the server's address as the request reached it, for the
// subscription links when no BaseURL is configured.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type indexView struct {
	Error     string
	Rotations []indexEntry
}

type indexEntry struct{ ID, URL string }

// pageView is what the page template shows: every string made here.
type pageView struct {
	ID, Name, Token string
	Paused          bool
	PauseReason     string
	Health          string // "" when ok
	AsOf            string

	Zone, RotationZone string // the zone the page is shown in; the rotation's
	ZoneError          string // the tz asked for, when it is not a zone
	RotationZoneURL    string // the page in the rotation's zone
	Zones              []string

	OnShift, Next []shiftLine
	MultiLayer    bool

	Weekdays []string
	Weeks    []weekRow

	Fairness []fairRow
	Balance  string
	Coverage string
	Chart    chart

	Duties []string

	FeedURL   string
	WebcalURL template.URL // webcal://, which html/template does not trust by itself
}

type shiftLine struct{ Layer, Names, From, Until string }

type weekRow struct {
	Label string // the Monday, e.g. "7 Dec"
	Days  []dayCell
}

type dayCell struct {
	Label, Date              string // "Mon 7 Dec"; 2026-12-07
	Today, Holiday, Forecast bool
	Past                     bool // before today
	Shifts                   []cellShift
}

type cellShift struct{ Layer, Names, Time, Status string }

// fairRow is a member's line of the fairness table: shifts and hours in
// all, then on weekdays, weekends and holidays (pageView.Kinds).
type fairRow struct {
	Name, Zone string
	Cols       []fairCell
}

type fairCell struct {
	Shifts int
	Hours  string
}

type chart struct {
	Width, Height int
	Bars          []bar
}

type bar struct {
	Y, W, TextY, ValueX int
	Label, Full, Value  string
}

// chart geometry, in the SVG's units.
const (
	chartWidth  = 400
	chartLabel  = 120 // the names' column
	chartBarMax = 220
	chartRow    = 26
)

// when formats t for people: "Mon 7 Dec 09:00 CET (Europe/Berlin)".
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 15:04 MST") + " (" + loc.String() + ")"
}

// buildPage makes the view of d at now, in the zone tz (default: the
// rotation's).
func buildPage(d PageData, now time.Time, tz, id, token, base string) pageView {
	rot := d.Config.Rotation
	v := pageView{
		ID: id, Name: cmp.Or(rot.Name, id), Token: token,
		Paused: d.Config.Paused || d.Who.Paused, PauseReason: d.Config.PauseReason,
		RotationZone: rot.Timezone, MultiLayer: len(rot.Layers) > 1,
		Weekdays: []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
	}
	if h := d.Stats.Health.Health; h != "" && h != workflows.HealthOK {
		v.Health = h
	}
	rotLoc, err := calendar.LoadLocation(rot.Timezone)
	if err != nil {
		rotLoc = time.UTC
		v.RotationZone = "UTC"
	}
	loc := rotLoc
	if tz != "" && tz != v.RotationZone {
		if l, err := calendar.LoadLocation(tz); err == nil {
			loc = l
		} else {
			v.ZoneError = tz
		}
	}
	v.Zone = loc.String()
	v.AsOf = when(now, loc)
	v.RotationZoneURL = "?" + url.Values{"token": {token}, "tz": {v.RotationZone}}.Encode()

	names := map[string]string{}
	zones := map[string]string{}
	v.Zones = []string{v.RotationZone}
	for _, m := range d.Config.Members {
		names[m.ID] = cmp.Or(m.Name, m.ID)
		zones[m.ID] = m.Timezone
		if m.Timezone != "" && !slices.Contains(v.Zones, m.Timezone) {
			v.Zones = append(v.Zones, m.Timezone)
		}
	}
	who := func(ids []string) string {
		if len(ids) == 0 {
			return "nobody"
		}
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = cmp.Or(names[id], id)
		}
		return strings.Join(out, ", ")
	}
	line := func(sh render.Shift) shiftLine {
		return shiftLine{Layer: sh.Layer, Names: who(sh.Assignees), From: when(sh.Start, loc), Until: when(sh.End, loc)}
	}
	for _, sh := range d.Who.Current {
		v.OnShift = append(v.OnShift, line(sh))
	}
	for _, sh := range d.Who.Next {
		v.Next = append(v.Next, line(sh))
	}

	v.Weeks = grid(d, now, loc, who)

	for _, m := range d.Stats.Report.Members {
		v.Fairness = append(v.Fairness, fairRow{Name: cmp.Or(names[m.ID], m.ID), Zone: zones[m.ID], Cols: []fairCell{
			{m.Shifts, number(m.Hours)}, {m.Weekday, number(m.WeekdayHours)},
			{m.Weekend, number(m.WeekendHours)}, {m.Holiday, number(m.HolidayHours)},
		}})
	}
	v.Balance, v.Coverage = number(d.Stats.Report.Balance)+"%", number(d.Stats.Report.Coverage)+"%"
	v.Chart = hoursChart(d, names)
	v.Duties = duties(rot.Duties)

	v.FeedURL = feed.URL(base, feed.KindRotation, id, token)
	if u := feed.Webcal(v.FeedURL); strings.HasPrefix(u, "webcal://") {
		v.WebcalURL = template.URL(u)
	}
	return v
}

// grid lays the schedule out in PageWeeks weeks of days in loc from the
// start of now's week: each day the shifts that start on it.
func grid(d PageData, now time.Time, loc *time.Location, who func([]string) string) []weekRow {
	start := WeekStart(now, loc)
	holidays := map[calendar.Date]bool{}
	for _, h := range d.Config.Rotation.Holidays {
		holidays[h] = true
	}
	today := dateOf(now.In(loc))
	weeks := make([]weekRow, PageWeeks)
	for w := range weeks {
		weeks[w].Days = make([]dayCell, 7)
		for i := range 7 {
			day := time.Date(start.Year(), start.Month(), start.Day()+7*w+i, 0, 0, 0, 0, loc)
			date := dateOf(day)
			weeks[w].Days[i] = dayCell{Label: day.Format("Mon 2 Jan"), Date: date.String(),
				Today: date == today, Holiday: holidays[date], Past: date.Before(today)}
		}
		weeks[w].Label = weeks[w].Days[0].Label[4:]
	}
	shifts := slices.Clone(d.Schedule.Shifts)
	slices.SortStableFunc(shifts, func(a, b render.Shift) int { return a.Start.Compare(b.Start) })
	for _, sh := range shifts {
		t := sh.Start.In(loc)
		n := daysBetween(start, t)
		if n < 0 || n >= 7*PageWeeks {
			continue
		}
		c := &weeks[n/7].Days[n%7]
		c.Shifts = append(c.Shifts, cellShift{Layer: sh.Layer, Names: who(sh.Assignees), Time: t.Format("15:04"), Status: sh.Status})
		c.Forecast = c.Forecast || sh.Status == workflows.StatusForecast
		c.Holiday = c.Holiday || sh.Kind == string(calendar.Holiday)
	}
	return weeks
}

func dateOf(t time.Time) calendar.Date {
	return calendar.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// daysBetween counts the calendar days from a's day to b's (both in a's
// zone), whatever DST does in between.
func daysBetween(a, b time.Time) int {
	b = b.In(a.Location())
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// hoursChart is the bar chart of the hours each member served.
func hoursChart(d PageData, names map[string]string) chart {
	ms := d.Stats.Report.Members
	c := chart{Width: chartWidth, Height: max(1, len(ms)) * chartRow}
	most := 0.0
	for _, m := range ms {
		most = max(most, m.Hours)
	}
	for i, m := range ms {
		w := 0
		if most > 0 {
			w = int(m.Hours / most * chartBarMax)
		}
		full := cmp.Or(names[m.ID], m.ID)
		label := full
		if r := []rune(label); len(r) > 16 {
			label = string(r[:15]) + "…"
		}
		c.Bars = append(c.Bars, bar{Y: i*chartRow + 4, W: w, TextY: i*chartRow + 18, ValueX: chartLabel + w + 6,
			Label: label, Full: full, Value: number(m.Hours) + " h"})
	}
	return c
}

// duties splits the duty text into its items: a line starting with "-",
// "*" or "•" starts one, another line goes on with the item before.
func duties(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		item, bullet := cutBullet(l)
		if bullet || len(out) == 0 {
			out = append(out, item)
		} else {
			out[len(out)-1] += " " + item
		}
	}
	return out
}

func cutBullet(l string) (string, bool) {
	for _, b := range []string{"- ", "* ", "• "} {
		if rest, ok := strings.CutPrefix(l, b); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return l, false
}

// number prints a figure with at most one decimal.
func number(f float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
}
