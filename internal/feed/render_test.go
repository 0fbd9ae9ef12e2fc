package feed

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	arran "github.com/arran4/golang-ical"
	ical "github.com/emersion/go-ical"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// vevent is an event as a test reads it back from a feed.
type vevent struct {
	UID, Status, Summary, Description, Categories string
	Seq                                           int
	Start, End, Stamp, Modified                   time.Time
}

// parsed is a feed as a test reads it back: its calendar properties
// (unescaped), and its events by UID and in order.
type parsed struct {
	Props  map[string]string
	Events map[string]vevent
	UIDs   []string
}

// parse checks b's raw RFC 5545 form, decodes it with go-ical and with
// arran4/golang-ical, checks they agree, and returns what go-ical read.
func parse(t *testing.T, b []byte) parsed {
	t.Helper()
	checkRaw(t, b)

	dec := ical.NewDecoder(bytes.NewReader(b))
	cal, err := dec.Decode()
	if err != nil {
		t.Fatalf("go-ical: %v\n%s", err, b)
	}
	if _, err := dec.Decode(); err != io.EOF {
		t.Fatalf("go-ical: want one calendar, then EOF; got %v", err)
	}
	p := parsed{Props: map[string]string{}, Events: map[string]vevent{}}
	for name := range cal.Props {
		if name == ical.PropRefreshInterval {
			d, err := cal.Props.Get(name).Duration()
			if err != nil || d != time.Hour {
				t.Fatalf("go-ical: REFRESH-INTERVAL %v (%v), want 1h", d, err)
			}
			p.Props[name] = cal.Props.Get(name).Value
			continue
		}
		v, err := cal.Props.Text(name)
		if err != nil {
			t.Fatalf("go-ical: %s: %v", name, err)
		}
		p.Props[name] = v
	}
	for _, ev := range cal.Events() {
		var e vevent
		text := func(name string) string {
			v, err := ev.Props.Text(name)
			if err != nil {
				t.Fatalf("go-ical: %s: %v", name, err)
			}
			return v
		}
		when := func(name string) time.Time {
			v, err := ev.Props.DateTime(name, nil)
			if err != nil {
				t.Fatalf("go-ical: %s: %v", name, err)
			}
			return v
		}
		e.UID, e.Status, e.Summary, e.Description, e.Categories = text(ical.PropUID), text(ical.PropStatus),
			text(ical.PropSummary), text(ical.PropDescription), text(ical.PropCategories)
		if e.Seq, err = ev.Props.Get(ical.PropSequence).Int(); err != nil {
			t.Fatalf("go-ical: SEQUENCE of %s: %v", e.UID, err)
		}
		e.Start, e.End = when(ical.PropDateTimeStart), when(ical.PropDateTimeEnd)
		e.Stamp, e.Modified = when(ical.PropDateTimeStamp), when(ical.PropLastModified)
		if _, dup := p.Events[e.UID]; dup {
			t.Fatalf("UID %s twice", e.UID)
		}
		p.Events[e.UID] = e
		p.UIDs = append(p.UIDs, e.UID)
	}

	// The second, independent parser must read the same events.
	other, err := arran.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical: %v\n%s", err, b)
	}
	var uids []string
	for _, ev := range other.Events() {
		uid := ev.Id()
		uids = append(uids, uid)
		want, ok := p.Events[uid]
		if !ok {
			t.Fatalf("golang-ical reads UID %q, go-ical does not", uid)
		}
		if got := arran.FromText(prop(ev, arran.ComponentPropertyStatus)); got != want.Status {
			t.Errorf("%s: golang-ical reads STATUS %q, go-ical %q", uid, got, want.Status)
		}
		if got := prop(ev, arran.ComponentPropertySequence); got != strconv.Itoa(want.Seq) {
			t.Errorf("%s: golang-ical reads SEQUENCE %q, go-ical %d", uid, got, want.Seq)
		}
		if got := arran.FromText(prop(ev, arran.ComponentPropertySummary)); got != want.Summary {
			t.Errorf("%s: golang-ical reads SUMMARY %q, go-ical %q", uid, got, want.Summary)
		}
		start, err := ev.GetStartAt()
		if err != nil || !start.Equal(want.Start) {
			t.Errorf("%s: golang-ical reads DTSTART %v (%v), go-ical %v", uid, start, err, want.Start)
		}
		end, err := ev.GetEndAt()
		if err != nil || !end.Equal(want.End) {
			t.Errorf("%s: golang-ical reads DTEND %v (%v), go-ical %v", uid, end, err, want.End)
		}
	}
	if !slices.Equal(uids, p.UIDs) {
		t.Errorf("golang-ical reads UIDs %q, go-ical %q", uids, p.UIDs)
	}
	for _, cp := range other.CalendarProperties {
		if cp.IANAToken == "X-WR-CALNAME" {
			if got := arran.FromText(cp.Value); got != p.Props["X-WR-CALNAME"] {
				t.Errorf("golang-ical reads X-WR-CALNAME %q, go-ical %q", got, p.Props["X-WR-CALNAME"])
			}
		}
	}
	return p
}

func prop(ev *arran.VEvent, name arran.ComponentProperty) string {
	if p := ev.GetProperty(name); p != nil {
		return p.Value
	}
	return ""
}

// checkRaw checks b's lines: CRLF ends, at most 75 octets, valid UTF-8
// (folding does not split a character), none empty.
func checkRaw(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("feed does not end with CRLF")
	}
	if n, m := bytes.Count(b, []byte("\n")), bytes.Count(b, []byte("\r\n")); n != m || bytes.Count(b, []byte("\r")) != m {
		t.Fatalf("bare CR or LF: %d LF, %d CR, %d CRLF", n, bytes.Count(b, []byte("\r")), m)
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n")) {
		switch {
		case len(line) > 75:
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		case len(line) == 0:
			t.Errorf("line %d is empty", i+1)
		case !utf8.Valid(line):
			t.Errorf("line %d is not valid UTF-8 (folded inside a character?): %q", i+1, line)
		}
	}
}

// unfold undoes folding (RFC 5545 section 3.1), to look for a property in
// the raw text.
func unfold(b []byte) string {
	return strings.ReplaceAll(string(b), "\r\n ", "")
}

// The scenario: a week of daily 24h shifts of "platform" handing off at
// 09:00 Berlin time from Monday 2026-10-19 (Saturday's shift spans the end
// of summer time on 2026-10-25), then a forecast, changed step by step.
var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func handoff(day int) time.Time { return time.Date(2026, 10, day, 9, 0, 0, 0, berlin) }

func shift(day int, forecast bool, who ...string) Shift {
	kind := "weekday"
	if wd := handoff(day).Weekday(); wd == time.Saturday || wd == time.Sunday {
		kind = "weekend"
	}
	return Shift{ID: shiftID(day), Kind: kind, Start: handoff(day), End: handoff(day + 1), Assignees: who, Forecast: forecast}
}

func shiftID(day int) string {
	return "platform/primary/" + handoff(day).UTC().Format(time.RFC3339)
}

func platform(events []Event) Rotation {
	return Rotation{
		ID: "platform", Name: "Platform", Timezone: "Europe/Berlin",
		Duties: "Answer the pager within 15 minutes\nTriage the #platform queue every morning\nHand over in #platform at 09:00",
		Members: []Member{
			{ID: "alice", Name: "Alice"},
			{ID: "bob", Name: "Bob", Timezone: "Asia/Kolkata"},
			{ID: "carol", Name: "Carol Ångström-Łukasiewicz"},
			{ID: "dave", Name: "Doe, Dave; SRE"},
		},
		Events: events,
	}
}

// database is a second rotation dave is in, given whole (not as dave's
// Part): RenderMember must keep only dave's events.
func database() Rotation {
	ny := mustZone("America/New_York")
	at := func(d int) time.Time { return time.Date(2026, 10, d, 8, 0, 0, 0, ny) }
	mod := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	return Rotation{
		ID: "database", Name: "Database", Timezone: "America/New_York",
		Members: []Member{{ID: "dave", Name: "Doe, Dave; SRE"}, {ID: "erin", Name: "Erin"}},
		Events: []Event{
			{Shift: "database/primary/1", Start: at(20), End: at(21), Assignees: []string{"erin"}, Status: Confirmed, Modified: mod},
			{Shift: "database/primary/2", Start: at(21), End: at(22), Assignees: []string{"dave", "erin"}, Status: Confirmed, Seq: 2, Modified: mod},
			{Shift: "database/primary/3", Start: at(22), End: at(23), Assignees: []string{"erin"}, Status: Confirmed, Seq: 1, Modified: mod,
				Gone: []Gone{{Member: "dave", Seq: 1, Modified: mod}}},
		},
	}
}

// step is one schedule Update is given.
type step struct {
	name   string
	now    time.Time
	shifts []Shift
}

var window = Window{From: handoff(19), To: handoff(29)}

func steps() []step {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	week := []Shift{
		shift(19, false, "alice"), shift(20, false, "bob"), shift(21, false, "carol"),
		shift(22, false, "alice"), shift(23, false, "bob"),
		shift(24, false, "carol", "dave"), shift(25, false, "alice", "dave"),
		shift(26, true, "bob"), shift(27, true, "carol"), shift(28, true, "dave"),
	}
	with := func(base []Shift, edit func([]Shift) []Shift) []Shift {
		out := slices.Clone(base)
		for i := range out {
			out[i].Assignees = slices.Clone(out[i].Assignees)
		}
		return edit(out)
	}
	swapped := with(week, func(s []Shift) []Shift { s[1].Assignees, s[3].Assignees = s[3].Assignees, s[1].Assignees; return s })
	covered := with(swapped, func(s []Shift) []Shift { s[2].Assignees = []string{"dave"}; return s })
	cancelled := with(covered, func(s []Shift) []Shift { return slices.Delete(s, 4, 5) })
	final := with(cancelled, func(s []Shift) []Shift { s[6].Forecast = false; return s }) // the 26th
	return []step{
		{"week", at("2026-10-16T08:00:00Z"), week},
		{"swap", at("2026-10-16T12:00:00Z"), swapped},
		{"cover", at("2026-10-17T12:00:00Z"), covered},
		{"cancel", at("2026-10-18T12:00:00Z"), cancelled},
		{"final", at("2026-10-19T06:00:00Z"), final},
	}
}

// feeds is what one step publishes.
type feeds struct {
	events []Event
	rot    parsed
	member map[string]parsed
	raw    map[string][]byte
}

var members = []Member{
	{ID: "alice", Name: "Alice"},
	{ID: "bob", Name: "Bob", Timezone: "Asia/Kolkata"},
	{ID: "carol", Name: "Carol Ångström-Łukasiewicz"},
	{ID: "dave", Name: "Doe, Dave; SRE"},
}

func publish(t *testing.T, events []Event) feeds {
	t.Helper()
	rot := platform(events)
	f := feeds{events: events, member: map[string]parsed{}, raw: map[string][]byte{}}
	b, err := RenderRotation(&rot)
	if err != nil {
		t.Fatal(err)
	}
	f.raw["rotation"], f.rot = b, parse(t, b)
	for _, m := range members {
		parts := []Rotation{rot.Part(m.ID)}
		if m.ID == "dave" {
			parts = append(parts, database())
		}
		b, err := RenderMember(m, parts)
		if err != nil {
			t.Fatal(err)
		}
		f.raw[m.ID], f.member[m.ID] = b, parse(t, b)
	}
	return f
}

// run runs Update over the steps, publishing after each.
func run(t *testing.T) map[string]feeds {
	t.Helper()
	out := map[string]feeds{}
	var events []Event
	for _, s := range steps() {
		var changed bool
		events, changed = Update(events, s.shifts, window, s.now)
		if !changed {
			t.Fatalf("step %s: Update reports no change", s.name)
		}
		out[s.name] = publish(t, events)
	}
	return out
}

func ruid(day int) string                { return RotationUID(shiftID(day)) }
func muid(day int, member string) string { return MemberUID(shiftID(day), member) }

func TestGolden(t *testing.T) {
	final := run(t)["final"]
	for _, name := range []string{"rotation", "bob", "dave"} {
		file := filepath.Join("testdata", name+".ics")
		if name != "rotation" {
			file = filepath.Join("testdata", "member-"+name+".ics")
		}
		got := final.raw[name]
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (go test ./internal/feed -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (go test ./internal/feed -update rewrites it):\n%s", name, file, firstDiff(got, want))
		}
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\r\n"), strings.Split(string(want), "\r\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, gl, wl)
		}
	}
	return "same lines"
}

// event returns the event uid of p, failing the test when it is missing.
func event(t *testing.T, p parsed, uid string) vevent {
	t.Helper()
	e, ok := p.Events[uid]
	if !ok {
		t.Fatalf("no event %s; have %q", uid, p.UIDs)
	}
	return e
}

func TestSteps(t *testing.T) {
	f := run(t)
	type want struct {
		feed, uid, status string
		seq               int
	}
	rot := func(day int, status string, seq int) want { return want{"rotation", ruid(day), status, seq} }
	mem := func(m string, day int, status string, seq int) want { return want{m, muid(day, m), status, seq} }
	for _, tc := range []struct {
		step string
		want []want
	}{
		{"week", []want{
			rot(20, Confirmed, 0), rot(22, Confirmed, 0), rot(26, Tentative, 0),
			mem("bob", 20, Confirmed, 0), mem("alice", 22, Confirmed, 0),
		}},
		{"swap", []want{
			// the 20th and the 22nd exchange bob and alice
			rot(20, Confirmed, 1), rot(22, Confirmed, 1),
			mem("bob", 20, Cancelled, 1), mem("bob", 22, Confirmed, 1),
			mem("alice", 20, Confirmed, 1), mem("alice", 22, Cancelled, 1),
			rot(21, Confirmed, 0), mem("carol", 21, Confirmed, 0),
		}},
		{"cover", []want{
			// dave covers carol on the 21st
			rot(21, Confirmed, 1), mem("carol", 21, Cancelled, 1), mem("dave", 21, Confirmed, 1),
			mem("bob", 20, Cancelled, 1),
		}},
		{"cancel", []want{
			// the 23rd is gone from the window
			rot(23, Cancelled, 1), mem("bob", 23, Cancelled, 1),
		}},
		{"final", []want{
			// the forecast of the 26th is planned
			rot(26, Confirmed, 1), mem("bob", 26, Confirmed, 1),
			rot(27, Tentative, 0), mem("carol", 27, Tentative, 0),
			rot(23, Cancelled, 1),
		}},
	} {
		t.Run(tc.step, func(t *testing.T) {
			fs := f[tc.step]
			for _, w := range tc.want {
				p := fs.rot
				if w.feed != "rotation" {
					p = fs.member[w.feed]
				}
				e := event(t, p, w.uid)
				if e.Status != w.status || e.Seq != w.seq {
					t.Errorf("%s feed, %s: %s SEQUENCE %d, want %s SEQUENCE %d", w.feed, w.uid, e.Status, e.Seq, w.status, w.seq)
				}
			}
		})
	}

	t.Run("swap keeps UIDs", func(t *testing.T) {
		before, after := f["week"], f["swap"]
		if !slices.Equal(before.rot.UIDs, after.rot.UIDs) {
			t.Errorf("rotation UIDs changed:\n%q\n%q", before.rot.UIDs, after.rot.UIDs)
		}
		for _, day := range []int{20, 22} {
			b, a := event(t, before.rot, ruid(day)), event(t, after.rot, ruid(day))
			if a.Seq != b.Seq+1 {
				t.Errorf("%s: SEQUENCE %d then %d, want one more", ruid(day), b.Seq, a.Seq)
			}
			if !a.Modified.After(b.Modified) || !a.Stamp.Equal(a.Modified) {
				t.Errorf("%s: LAST-MODIFIED %v then %v, DTSTAMP %v", ruid(day), b.Modified, a.Modified, a.Stamp)
			}
		}
		// bob's copy of the 20th keeps its UID, now cancelled; alice gets
		// the 20th under her own UID.
		if got := event(t, after.member["bob"], muid(20, "bob")); got.Status != Cancelled {
			t.Errorf("bob's 20th: %s", got.Status)
		}
		if _, ok := before.member["alice"].Events[muid(20, "alice")]; ok {
			t.Errorf("alice had the 20th before the swap")
		}
		if got := event(t, after.rot, ruid(20)).Summary; got != "Platform: Alice" {
			t.Errorf("summary of the 20th after the swap: %q", got)
		}
	})

	t.Run("forecast becomes final", func(t *testing.T) {
		b, a := event(t, f["cancel"].rot, ruid(26)), event(t, f["final"].rot, ruid(26))
		if b.Status != Tentative || a.Status != Confirmed || a.Seq != b.Seq+1 {
			t.Errorf("the 26th: %s %d then %s %d, want TENTATIVE then CONFIRMED with SEQUENCE+1", b.Status, b.Seq, a.Status, a.Seq)
		}
		if b.Summary != "Platform: Bob (forecast)" || a.Summary != "Platform: Bob" {
			t.Errorf("summaries %q then %q", b.Summary, a.Summary)
		}
		if !strings.Contains(b.Description, "Forecast:") || strings.Contains(b.Description, "rota swap") {
			t.Errorf("a forecast's description says it is one and offers no command:\n%s", b.Description)
		}
		if !strings.Contains(a.Description, "rota swap") {
			t.Errorf("a planned shift's description has the commands:\n%s", a.Description)
		}
	})

	t.Run("member feeds hold only their events", func(t *testing.T) {
		dave := f["final"].member["dave"]
		for _, uid := range dave.UIDs {
			if !strings.HasSuffix(uid, "/dave@rota") {
				t.Errorf("dave's feed has %s", uid)
			}
		}
		// database/primary/1 is erin's alone; /2 is dave's; /3 was taken from him.
		if _, ok := dave.Events[MemberUID("database/primary/1", "dave")]; ok {
			t.Errorf("dave's feed has erin's shift")
		}
		if e := event(t, dave, MemberUID("database/primary/2", "dave")); e.Status != Confirmed || e.Seq != 2 {
			t.Errorf("dave's database shift: %s %d", e.Status, e.Seq)
		}
		if e := event(t, dave, MemberUID("database/primary/3", "dave")); e.Status != Cancelled || e.Seq != 1 {
			t.Errorf("dave's gone database shift: %s %d", e.Status, e.Seq)
		}
		// in start order across rotations
		var starts []time.Time
		for _, uid := range dave.UIDs {
			starts = append(starts, dave.Events[uid].Start)
		}
		if !slices.IsSortedFunc(starts, time.Time.Compare) {
			t.Errorf("dave's events are not in start order: %v", starts)
		}
	})

	t.Run("calendar properties", func(t *testing.T) {
		fs := f["final"]
		for _, tc := range []struct {
			feed, name, zone string
		}{
			{"rotation", "Platform", "Europe/Berlin"},
			{"alice", "rota: Alice", "Europe/Berlin"}, // her first part's zone
			{"bob", "rota: Bob", "Asia/Kolkata"},      // his own
			{"dave", "rota: Doe, Dave; SRE", "Europe/Berlin"},
		} {
			p := fs.rot
			if tc.feed != "rotation" {
				p = fs.member[tc.feed]
			}
			want := map[string]string{
				"PRODID": ProdID, "VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH",
				"X-WR-CALNAME": tc.name, "X-WR-TIMEZONE": tc.zone, "REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H",
			}
			if !reflect.DeepEqual(p.Props, want) {
				t.Errorf("%s feed: properties %v, want %v", tc.feed, p.Props, want)
			}
			raw := unfold(fs.raw[tc.feed])
			for _, line := range []string{"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", "X-PUBLISHED-TTL:PT1H\r\n", "BEGIN:VCALENDAR\r\n"} {
				if !strings.Contains(raw, line) {
					t.Errorf("%s feed: no %q", tc.feed, line)
				}
			}
		}
	})

	t.Run("event properties", func(t *testing.T) {
		fs := f["final"]
		raw := unfold(fs.raw["rotation"])
		for _, line := range []string{
			"UID:" + ruid(24) + "\r\n",
			"TRANSP:TRANSPARENT\r\n",
			"CATEGORIES:weekend\r\n",
			"CATEGORIES:weekday\r\n",
		} {
			if !strings.Contains(raw, line) {
				t.Errorf("rotation feed: no %q", line)
			}
		}
		e := event(t, fs.rot, ruid(24))
		for _, s := range []string{
			"On call for Platform from Sat 2026-10-24 09:00 CEST to Sun 2026-10-25 09:00 CET: Carol Ångström-Łukasiewicz, Doe, Dave; SRE.",
			"Duties:\nAnswer the pager within 15 minutes\nTriage the #platform queue every morning\nHand over in #platform at 09:00\n",
			"rota swap --shift-a " + shiftID(24) + " --member-a MEMBER --shift-b SHIFT --member-b MEMBER",
			"rota cover --shift " + shiftID(24) + " --member MEMBER --by MEMBER",
			"rota leave-shift --shift " + shiftID(24) + " --member MEMBER --reason TEXT",
		} {
			if !strings.Contains(e.Description, s) {
				t.Errorf("rotation feed, the 24th: description lacks %q:\n%s", s, e.Description)
			}
		}
		// dave's copy names carol as with him, and has his id in the commands;
		// bob's feed shows times in his zone.
		d := event(t, fs.member["dave"], muid(24, "dave"))
		for _, s := range []string{
			"You are on call for Platform from Sat 2026-10-24 09:00 CEST to Sun 2026-10-25 09:00 CET. With you: Carol Ångström-Łukasiewicz.",
			"rota swap --shift-a " + shiftID(24) + " --member-a dave --shift-b SHIFT --member-b MEMBER",
			"rota cover --shift " + shiftID(24) + " --member dave --by MEMBER",
			"rota leave-shift --shift " + shiftID(24) + " --member dave --reason TEXT",
		} {
			if !strings.Contains(d.Description, s) {
				t.Errorf("dave's 24th: description lacks %q:\n%s", s, d.Description)
			}
		}
		if d.Summary != "Platform" || d.Categories != "weekend" {
			t.Errorf("dave's 24th: summary %q, categories %q", d.Summary, d.Categories)
		}
		b := event(t, fs.member["bob"], muid(20, "bob"))
		if want := "Cancelled: you are no longer on call for Platform from Tue 2026-10-20 12:30 IST to Wed 2026-10-21 12:30 IST (now on call: Alice)."; !strings.HasPrefix(b.Description, want) {
			t.Errorf("bob's 20th: description %q, want it to start %q", b.Description, want)
		}
	})
}

// TestEscaping checks the TEXT escaping of names with commas and
// semicolons, and of newlines, on the raw bytes.
func TestEscaping(t *testing.T) {
	fs := run(t)["final"]
	rot, dave := unfold(fs.raw["rotation"]), unfold(fs.raw["dave"])
	for _, tc := range []struct{ feed, raw, want string }{
		{"rotation", rot, `SUMMARY:Platform: Carol Ångström-Łukasiewicz\, Doe\, Dave\; SRE` + "\r\n"},
		{"dave", dave, `X-WR-CALNAME:rota: Doe\, Dave\; SRE` + "\r\n"},
		{"rotation", rot, `Duties:\nAnswer the pager within 15 minutes\nTriage`},
	} {
		if !strings.Contains(tc.raw, tc.want) {
			t.Errorf("%s feed: no %q", tc.feed, tc.want)
		}
	}
	if got := event(t, fs.rot, ruid(24)).Summary; got != "Platform: Carol Ångström-Łukasiewicz, Doe, Dave; SRE" {
		t.Errorf("summary read back: %q", got)
	}
	// Folding does happen (descriptions are long), at 75 octets at most,
	// checked by parse on every feed.
	if !bytes.Contains(fs.raw["rotation"], []byte("\r\n ")) {
		t.Errorf("nothing folded")
	}
}

// TestDST checks the UTC DTSTART and DTEND of 24h shifts handing off at
// 09:00 local time on either side of a DST change.
func TestDST(t *testing.T) {
	for _, tc := range []struct {
		zone                     string
		day                      time.Time // the local date of the change
		before, change, after    string    // UTC handoffs: the day before, the day of, the day after
		beforeLocal, changeLocal string
	}{
		{"Europe/Berlin", time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC),
			"20261024T070000Z", "20261025T080000Z", "20261026T080000Z", "Sat 2026-10-24 09:00 CEST", "Sun 2026-10-25 09:00 CET"},
		{"Europe/Berlin", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC),
			"20260328T080000Z", "20260329T070000Z", "20260330T070000Z", "Sat 2026-03-28 09:00 CET", "Sun 2026-03-29 09:00 CEST"},
		{"America/New_York", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			"20261031T130000Z", "20261101T140000Z", "20261102T140000Z", "Sat 2026-10-31 09:00 EDT", "Sun 2026-11-01 09:00 EST"},
	} {
		t.Run(tc.zone+" "+tc.day.Format(time.DateOnly), func(t *testing.T) {
			loc := mustZone(tc.zone)
			at := func(d int) time.Time {
				return time.Date(tc.day.Year(), tc.day.Month(), tc.day.Day()+d, 9, 0, 0, 0, loc)
			}
			shifts := []Shift{
				{ID: "dst/a", Start: at(-1), End: at(0), Assignees: []string{"alice"}},
				{ID: "dst/b", Start: at(0), End: at(1), Assignees: []string{"bob"}},
			}
			now := at(-10)
			events, _ := Update(nil, shifts, Window{From: at(-1), To: at(2)}, now)
			r := Rotation{ID: "dst", Name: "DST", Timezone: tc.zone, Events: events}
			b, err := RenderRotation(&r)
			if err != nil {
				t.Fatal(err)
			}
			raw := unfold(b)
			for _, line := range []string{
				"DTSTART:" + tc.before, "DTEND:" + tc.change,
				"DTSTART:" + tc.change, "DTEND:" + tc.after,
			} {
				if !strings.Contains(raw, line+"\r\n") {
					t.Errorf("no %s", line)
				}
			}
			p := parse(t, b)
			a, c := event(t, p, RotationUID("dst/a")), event(t, p, RotationUID("dst/b"))
			if got := a.Start.UTC().Format("20060102T150405Z"); got != tc.before {
				t.Errorf("first shift starts %s, want %s", got, tc.before)
			}
			if !a.End.Equal(c.Start) {
				t.Errorf("first shift ends %v, second starts %v", a.End, c.Start)
			}
			if got := c.End.UTC().Format("20060102T150405Z"); got != tc.after {
				t.Errorf("second shift ends %s, want %s", got, tc.after)
			}
			if d := a.End.Sub(a.Start); d == 24*time.Hour {
				t.Errorf("the shift across the change lasts %v: not 23h or 25h", d)
			}
			if !strings.Contains(a.Description, tc.beforeLocal+" to "+tc.changeLocal) {
				t.Errorf("description does not show local times %q to %q:\n%s", tc.beforeLocal, tc.changeLocal, a.Description)
			}
		})
	}
}

// TestSwapBack: a member swapped away then back gets the live event back,
// with a SEQUENCE above that of their cancelled copy.
func TestSwapBack(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	sh := func(who ...string) []Shift {
		return []Shift{{ID: "s/1", Start: t0.Add(48 * time.Hour), End: t0.Add(72 * time.Hour), Assignees: who}}
	}
	w := Window{From: t0, To: t0.Add(30 * 24 * time.Hour)}
	var seqs []int
	var statuses []string
	var events []Event
	for i, who := range []string{"alice", "bob", "alice"} {
		events, _ = Update(events, sh(who), w, t0.Add(time.Duration(i)*time.Hour))
		r := Rotation{ID: "s", Name: "S", Members: []Member{{ID: "alice", Name: "Alice"}, {ID: "bob", Name: "Bob"}}, Events: events}
		b, err := RenderMember(Member{ID: "alice", Name: "Alice"}, []Rotation{r.Part("alice")})
		if err != nil {
			t.Fatal(err)
		}
		e := event(t, parse(t, b), MemberUID("s/1", "alice"))
		seqs, statuses = append(seqs, e.Seq), append(statuses, e.Status)
	}
	if want := []string{Confirmed, Cancelled, Confirmed}; !slices.Equal(statuses, want) {
		t.Errorf("alice's statuses %v, want %v", statuses, want)
	}
	if !(seqs[0] < seqs[1] && seqs[1] < seqs[2]) {
		t.Errorf("alice's SEQUENCEs %v: want increasing", seqs)
	}
	if g := events[0].Gone; len(g) != 1 || g[0].Member != "bob" || g[0].Seq != events[0].Seq {
		t.Errorf("Gone after the swap back: %+v", g)
	}
}

// TestRevived: a cancelled shift that comes back with someone else keeps
// its cancelled copy for its last assignee.
func TestRevived(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	w := Window{From: t0, To: t0.Add(30 * 24 * time.Hour)}
	s := Shift{ID: "s/1", Start: t0.Add(48 * time.Hour), End: t0.Add(72 * time.Hour), Assignees: []string{"alice"}}
	events, _ := Update(nil, []Shift{s}, w, t0)
	events, _ = Update(events, nil, w, t0.Add(time.Hour)) // cancelled
	s.Assignees = []string{"bob"}
	events, _ = Update(events, []Shift{s}, w, t0.Add(2*time.Hour))
	e := events[0]
	if e.Status != Confirmed || e.Seq != 2 || !slices.Equal(e.Assignees, []string{"bob"}) {
		t.Fatalf("revived: %+v", e)
	}
	if want := []Gone{{Member: "alice", Seq: 1, Modified: t0.Add(time.Hour)}}; !reflect.DeepEqual(e.Gone, want) {
		t.Errorf("Gone %+v, want %+v", e.Gone, want)
	}
}

// TestExpiry: tombstones go Tombstone after they were cancelled, events
// Past after they ended.
func TestExpiry(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	far := Shift{ID: "far", Start: t0.Add(90 * 24 * time.Hour), End: t0.Add(91 * 24 * time.Hour), Assignees: []string{"alice"}}
	w := Window{From: t0, To: t0.Add(Ahead)}
	cancelled := Event{Shift: "far", Start: far.Start, End: far.End, Assignees: []string{"alice"}, Status: Cancelled, Seq: 1, Modified: t0}
	gone := Event{Shift: "far", Start: far.Start, End: far.End, Assignees: []string{"alice"}, Status: Confirmed, Seq: 1, Modified: t0,
		Gone: []Gone{{Member: "bob", Seq: 1, Modified: t0}}}
	ended := Event{Shift: "old", Start: t0.Add(-24 * time.Hour), End: t0, Assignees: []string{"alice"}, Status: Confirmed, Modified: t0.Add(-48 * time.Hour)}
	for _, tc := range []struct {
		name   string
		old    Event
		shifts []Shift
		now    time.Time
		kept   bool
		bob    bool // the event is still in bob's part
	}{
		{"tombstone kept", cancelled, nil, t0.Add(Tombstone - time.Hour), true, false},
		{"tombstone dropped", cancelled, nil, t0.Add(Tombstone + time.Hour), false, false},
		{"gone kept", gone, []Shift{far}, t0.Add(Tombstone - time.Hour), true, true},
		{"gone dropped", gone, []Shift{far}, t0.Add(Tombstone + time.Hour), true, false},
		{"ended kept", ended, nil, t0.Add(Past - time.Hour), true, false},
		{"ended dropped", ended, nil, t0.Add(Past + time.Hour), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// the window starts after the old event's start: history
			events, _ := Update([]Event{tc.old}, tc.shifts, Window{From: tc.now, To: w.To.Add(Past)}, tc.now)
			r := Rotation{ID: "r", Name: "R", Events: events}
			b, err := RenderRotation(&r)
			if err != nil {
				t.Fatal(err)
			}
			_, kept := parse(t, b).Events[RotationUID(tc.old.Shift)]
			if kept != tc.kept {
				t.Errorf("event in the feed: %v, want %v (events %+v)", kept, tc.kept, events)
			}
			p := r.Part("bob")
			if bob := len(p.Events) > 0; bob != tc.bob {
				t.Errorf("event in bob's part: %v, want %v", bob, tc.bob)
			}
			if tc.name == "gone dropped" && events[0].Gone != nil {
				t.Errorf("Gone %+v, want nil", events[0].Gone)
			}
		})
	}
}

// TestUpdateAliasing: Update changes neither old nor shifts, and what it
// returns shares nothing with them that a later edit could reach.
func TestUpdateAliasing(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return t0.Add(time.Duration(d) * 24 * time.Hour) }
	// Spare capacity behind every slice, so that an append or an in-place
	// delete would show.
	gone := make([]Gone, 2, 8)
	gone[0] = Gone{Member: "x", Seq: 1, Modified: t0.Add(-40 * 24 * time.Hour)} // expired
	gone[1] = Gone{Member: "y", Seq: 1, Modified: t0}
	assignees := make([]string, 1, 8)
	assignees[0] = "alice"
	old := []Event{
		// kept as it is (given, unchanged)
		{Shift: "a", Start: day(2), End: day(3), Assignees: assignees[:1:1], Status: Confirmed, Modified: t0, Gone: gone[:2:2]},
		// changed: bob replaces alice
		{Shift: "b", Start: day(3), End: day(4), Assignees: assignees[:1], Status: Confirmed, Modified: t0, Gone: gone[:2]},
		// not given, in the window: cancelled
		{Shift: "c", Start: day(4), End: day(5), Assignees: assignees[:1], Status: Confirmed, Modified: t0, Gone: gone[:2]},
		// not given, outside the window: history
		{Shift: "d", Start: day(-3), End: day(-2), Assignees: assignees[:1], Status: Confirmed, Modified: t0, Gone: gone[:2]},
	}
	shifts := []Shift{
		{ID: "a", Start: day(2), End: day(3), Assignees: []string{"alice"}},
		{ID: "b", Start: day(3), End: day(4), Assignees: []string{"bob"}},
	}
	deep := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	wantOld, wantShifts := deep(old), deep(shifts)
	wantSpare := deep(gone[:cap(gone)])

	out, changed := Update(old, shifts, Window{From: day(0), To: day(10)}, t0)
	if !changed {
		t.Fatal("no change reported")
	}
	if deep(old) != wantOld || deep(gone[:cap(gone)]) != wantSpare {
		t.Errorf("Update changed old:\n%s\nwant\n%s", deep(old), wantOld)
	}
	if deep(shifts) != wantShifts {
		t.Errorf("Update changed shifts")
	}
	snapshot := deep(out)
	// Editing what Update returned reaches neither old nor shifts, and the
	// other way round.
	for i := range out {
		for j := range out[i].Assignees {
			out[i].Assignees[j] = "mallory"
		}
		for j := range out[i].Gone {
			out[i].Gone[j].Member = "mallory"
		}
		out[i].Assignees = append(out[i].Assignees, "eve")
		out[i].Gone = append(out[i].Gone, Gone{Member: "eve"})
	}
	if deep(old) != wantOld || deep(gone[:cap(gone)]) != wantSpare || deep(shifts) != wantShifts {
		t.Errorf("editing Update's result changed its input")
	}
	out2, _ := Update(old, shifts, Window{From: day(0), To: day(10)}, t0)
	if deep(out2) != snapshot {
		t.Errorf("Update is not a function of its input:\n%s\n%s", deep(out2), snapshot)
	}
	for i := range shifts {
		shifts[i].Assignees[0] = "mallory"
	}
	if deep(out2) != snapshot {
		t.Errorf("editing shifts changed Update's result")
	}
}

// TestDeterministic: the same input gives the same bytes, rendered again,
// after a JSON round trip of the input, and whatever the order of events.
func TestDeterministic(t *testing.T) {
	fs := run(t)["final"]
	rot := platform(fs.events)
	roundTrip := func(v any, into any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
	var rotJSON Rotation
	roundTrip(rot, &rotJSON)
	reversed := rot
	reversed.Events = slices.Clone(rot.Events)
	slices.Reverse(reversed.Events)

	first, err := RenderRotation(&rot)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Rotation{"again": &rot, "JSON round trip": &rotJSON, "reversed events": &reversed} {
		for range 20 { // maps iterate in a new order each time
			b, err := RenderRotation(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, first) {
				t.Fatalf("rotation feed, %s: bytes differ:\n%s", name, firstDiff(b, first))
			}
		}
	}

	dave := Member{ID: "dave", Name: "Doe, Dave; SRE"}
	parts := []Rotation{rot.Part("dave"), database()}
	var partsJSON []Rotation
	roundTrip(parts, &partsJSON)
	var daveJSON Member
	roundTrip(dave, &daveJSON)
	first, err = RenderMember(dave, parts)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		b, err := RenderMember(daveJSON, partsJSON)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("member feed after a JSON round trip: bytes differ:\n%s", firstDiff(b, first))
		}
	}
	// The whole rotation instead of dave's part: the same feed.
	b, err := RenderMember(dave, []Rotation{rot, database()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, first) {
		t.Errorf("member feed from whole rotations differs from the one from parts:\n%s", firstDiff(b, first))
	}
	// bob has his own zone: the order of parts does not matter.
	bob := Member{ID: "bob", Name: "Bob", Timezone: "Asia/Kolkata"}
	b1, err1 := RenderMember(bob, []Rotation{rot.Part("bob"), database()})
	b2, err2 := RenderMember(bob, []Rotation{database(), rot.Part("bob")})
	if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) {
		t.Errorf("bob's feed depends on the order of parts (%v, %v)", err1, err2)
	}
}

func TestEmpty(t *testing.T) {
	r := Rotation{ID: "quiet", Name: "Quiet", Timezone: "Europe/Berlin"}
	b, err := RenderRotation(&r)
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, b); len(p.Events) != 0 || p.Props["X-WR-CALNAME"] != "Quiet" {
		t.Errorf("empty rotation feed: %d events, properties %v", len(p.Events), p.Props)
	}
	b, err = RenderMember(Member{ID: "nobody"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, b); len(p.Events) != 0 || p.Props["X-WR-CALNAME"] != "rota: nobody" || p.Props["X-WR-TIMEZONE"] != "UTC" {
		t.Errorf("empty member feed: %d events, properties %v", len(p.Events), p.Props)
	}
}

func TestRenderErrors(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	ok := Event{Shift: "s", Start: t0, End: t0.Add(time.Hour), Assignees: []string{"a"}, Status: Confirmed, Modified: t0}
	with := func(edit func(*Event)) []Event { e := ok; edit(&e); return []Event{e} }
	for _, tc := range []struct {
		name string
		rot  *Rotation
		want string
	}{
		{"nil", nil, "no rotation"},
		{"bad zone", &Rotation{ID: "r", Timezone: "Mars/Olympus"}, `unknown time zone "Mars/Olympus"`},
		{"Local", &Rotation{ID: "r", Timezone: "Local"}, "unknown time zone"},
		{"no shift", &Rotation{ID: "r", Events: with(func(e *Event) { e.Shift = "" })}, "no shift id"},
		{"backwards", &Rotation{ID: "r", Events: with(func(e *Event) { e.End = e.Start })}, "not after its start"},
		{"status", &Rotation{ID: "r", Events: with(func(e *Event) { e.Status = "maybe" })}, `status "maybe"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := RenderRotation(tc.rot)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("RenderRotation: %v, want an error saying %q", err, tc.want)
			}
			if b != nil {
				t.Errorf("bytes with an error")
			}
			if tc.rot == nil {
				return
			}
			_, err = RenderMember(Member{ID: "a"}, []Rotation{*tc.rot})
			if err == nil {
				t.Errorf("RenderMember: no error")
			}
		})
	}
	if _, err := RenderMember(Member{}, nil); err == nil {
		t.Errorf("RenderMember of no member id: no error")
	}
	if _, err := RenderMember(Member{ID: "a", Timezone: "Nowhere/Land"}, nil); err == nil {
		t.Errorf("RenderMember of a bad zone: no error")
	}
}

func TestUIDs(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{RotationUID("platform/primary/2026-10-24T07:00:00Z"), "platform/primary/2026-10-24T07:00:00Z@rota"},
		{MemberUID("platform/primary/2026-10-24T07:00:00Z", "alice"), "platform/primary/2026-10-24T07:00:00Z/alice@rota"},
		{RotationUID("a@b c,d;é"), "a%40b%20c%2Cd%3B%C3%A9@rota"},
		{MemberUID("s", "x/y"), "s/x%2Fy@rota"},
		{MemberUID("s/x", "y"), "s/x/y@rota"},
	} {
		if tc.got != tc.want {
			t.Errorf("UID %q, want %q", tc.got, tc.want)
		}
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
	}{
		{"short", "SUMMARY:x"},
		{"75", "SUMMARY:" + strings.Repeat("x", 75-8)},
		{"76", "SUMMARY:" + strings.Repeat("x", 76-8)},
		{"long ascii", "DESCRIPTION:" + strings.Repeat("abcdefghij", 40)},
		{"long utf-8", "DESCRIPTION:" + strings.Repeat("Ångström-€-𝄞 ", 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte("BEGIN:X\r\n" + tc.line + "\r\nEND:X\r\n")
			out := fold(in)
			checkRaw(t, out)
			if got := unfold(out); got != string(in) {
				t.Errorf("unfolded:\n%q\nwant\n%q", got, in)
			}
			if len(tc.line) <= 75 && !bytes.Equal(out, in) {
				t.Errorf("a line of %d octets was folded", len(tc.line))
			}
		})
	}
}

// BenchmarkRenderRotationYear renders a daily rotation's year of feed: 365
// events that ended and 180 of forecast, two assignees each.
func BenchmarkRenderRotationYear(b *testing.B) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, berlin)
	r := platform(nil)
	r.Members = append(r.Members, Member{ID: "erin", Name: "Erin"}, Member{ID: "frank", Name: "Frank"})
	ids := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	for i := range 365 + 180 {
		status := Confirmed
		if i >= 365 {
			status = Tentative
		}
		start := t0.AddDate(0, 0, i)
		r.Events = append(r.Events, Event{
			Shift: "platform/primary/" + start.UTC().Format(time.RFC3339), Kind: "weekday",
			Start: start.UTC(), End: start.AddDate(0, 0, 1).UTC(),
			Assignees: []string{ids[i%len(ids)], ids[(i+1)%len(ids)]},
			Status:    status, Seq: i % 3, Modified: t0,
		})
	}
	var n int
	b.ReportAllocs()
	for b.Loop() {
		out, err := RenderRotation(&r)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.ReportMetric(float64(n), "feed-bytes")
}

// Of the events that ended, Update keeps the latest MaxPast; those still
// to come all stay.
func TestUpdateKeepsTheLatestEnded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var shifts []Shift
	for i := range MaxPast + 50 {
		s := t0.Add(time.Duration(i) * time.Hour)
		shifts = append(shifts, Shift{ID: fmt.Sprintf("r/%03d", i), Start: s, End: s.Add(time.Hour), Assignees: []string{"a"}})
	}
	now := t0.Add(time.Duration(MaxPast+40) * time.Hour) // 140 ended, 10 to come
	evs, _ := Update(nil, shifts, Window{From: t0, To: now.Add(Ahead)}, now)
	if len(evs) != MaxPast+10 {
		t.Fatalf("%d events kept, want %d", len(evs), MaxPast+10)
	}
	if evs[0].Shift != "r/040" || evs[len(evs)-1].Shift != fmt.Sprintf("r/%03d", MaxPast+49) {
		t.Errorf("kept %s..%s, want r/040..r/%03d", evs[0].Shift, evs[len(evs)-1].Shift, MaxPast+49)
	}
}
