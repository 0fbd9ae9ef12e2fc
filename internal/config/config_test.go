package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
)

const scenarioDir = "../../../shared/scenarios"

func scenario(t *testing.T, name string) *Config {
	t.Helper()
	path := filepath.Join(scenarioDir, name)
	if _, err := os.Stat(scenarioDir); err != nil {
		t.Skipf("scenarios not available: %v", err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", name, err)
	}
	return c
}

func date(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

func TestScenariosLoad(t *testing.T) {
	if _, err := os.Stat(scenarioDir); err != nil {
		t.Skipf("scenarios not available: %v", err)
	}
	paths, err := filepath.Glob(filepath.Join(scenarioDir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			c, err := Load(p)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			for i := range c.Rotations {
				r := &c.Rotations[i]
				if _, err := r.CalendarSpec(); err != nil {
					t.Errorf("%s: CalendarSpec: %v", r.ID, err)
				}
			}
		})
	}
	// All of them together: their ids do not clash.
	if _, err := Load(paths...); err != nil {
		t.Fatalf("Load(all):\n%v", err)
	}
}

func TestScenarioSRE(t *testing.T) {
	c := scenario(t, "sre-24h.yaml")
	if len(c.Rotations) != 2 || len(c.Members) != 7 {
		t.Fatalf("got %d rotations, %d members; want 2, 7", len(c.Rotations), len(c.Members))
	}
	sre, ok := c.Rotation("sre")
	if !ok {
		t.Fatal("no rotation sre")
	}
	if sre.Name != "SRE primary on-call" || sre.Timezone != "Europe/London" {
		t.Errorf("sre: name %q, zone %q", sre.Name, sre.Timezone)
	}
	if want := (calendar.DateTime{Date: date(2026, 11, 23), Hour: 9}); sre.Start != want {
		t.Errorf("sre start %v, want %v", sre.Start, want)
	}
	if want := (calendar.Period{N: 24, Unit: calendar.Hour}); sre.Shift != want {
		t.Errorf("sre shift %v, want %v", sre.Shift, want)
	}
	if sre.MinRest != 24*time.Hour || sre.PlanAhead != 28*24*time.Hour || sre.NotifyBefore != 2*24*time.Hour {
		t.Errorf("sre durations: min_rest %v, plan_ahead %v, notify_before %v", sre.MinRest, sre.PlanAhead, sre.NotifyBefore)
	}
	if len(sre.Layers) != 1 || sre.Layers[0].Name != "main" || sre.Layers[0].Strategy != Fair || sre.Layers[0].Size != 1 {
		t.Errorf("sre layers: %+v", sre.Layers)
	}
	wantHolidays := []calendar.Date{date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}
	if !reflect.DeepEqual(sre.Holidays, wantHolidays) {
		t.Errorf("sre holidays %v, want %v", sre.Holidays, wantHolidays)
	}
	if !reflect.DeepEqual(sre.Weekend, calendar.WeekdaysOf(time.Saturday, time.Sunday)) {
		t.Errorf("sre weekend %v", sre.Weekend)
	}
	if got := sre.MemberIDs(); !reflect.DeepEqual(got, []string{"sre1", "sre2", "sre3", "sre4", "sre5", "sre6", "sre7"}) {
		t.Errorf("sre members %v", got)
	}

	ly, _ := c.Rotation("sre-layers")
	if len(ly.Layers) != 2 {
		t.Fatalf("sre-layers has %d layers, want 2", len(ly.Layers))
	}
	wd, we := ly.Layers[0], ly.Layers[1]
	if wd.Name != "weekdays" || we.Name != "weekends" {
		t.Errorf("layer names %q, %q", wd.Name, we.Name)
	}
	if !reflect.DeepEqual(wd.Days, calendar.WeekdaysOf(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)) ||
		!reflect.DeepEqual(we.Days, calendar.WeekdaysOf(time.Saturday, time.Sunday)) {
		t.Errorf("layer days %v, %v", wd.Days, we.Days)
	}
	ids := func(l Layer) string {
		var s []string
		for _, m := range l.Members {
			s = append(s, m.ID)
		}
		return strings.Join(s, " ")
	}
	if got := ids(wd); got != "sre1 sre2 sre3 sre4 sre5 sre6 sre7" {
		t.Errorf("weekdays order %s", got)
	}
	if got := ids(we); got != "sre1 sre7 sre6 sre5 sre4 sre3 sre2" {
		t.Errorf("weekends order %s", got)
	}
	if wd.Strategy != Queue || we.Strategy != Queue || wd.Size != 1 {
		t.Errorf("layer strategies %s, %s, size %d", wd.Strategy, we.Strategy, wd.Size)
	}
	if len(ly.Holidays) != 3 {
		t.Errorf("sre-layers holidays %v", ly.Holidays)
	}
	spec, err := ly.CalendarSpec()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Rotation != "sre-layers" || spec.Location.String() != "Europe/London" || len(spec.Layers) != 2 ||
		spec.Layers[1].Name != "weekends" || len(spec.Holidays) != 3 {
		t.Errorf("spec %+v", spec)
	}
	m, ok := c.Member("sre4")
	if !ok || m.Name != "SRE Four" || m.Timezone != "Europe/Lisbon" {
		t.Errorf("member sre4: %+v", m)
	}
	if _, ok := c.Member("nobody"); ok {
		t.Error("found member nobody")
	}
}

func TestScenarioSolarLottery(t *testing.T) {
	c := scenario(t, "solar-lottery-demo.yaml")
	if len(c.Members) != 30 {
		t.Errorf("%d members, want 30", len(c.Members))
	}
	ice, _ := c.Rotation("icebreaker")
	if ice == nil || ice.Seed != 1 || ice.Layers[0].Strategy != Lottery || ice.Layers[0].Size != 2 || ice.Layers[0].Grace != 3 {
		t.Fatalf("icebreaker: %+v", ice)
	}
	if ice.PlanAhead != DefaultPlanAhead || ice.NotifyBefore != DefaultNotifyBefore {
		t.Errorf("icebreaker defaults: %v %v", ice.PlanAhead, ice.NotifyBefore)
	}
	set, _ := c.Rotation("set")
	if set == nil {
		t.Fatal("no set")
	}
	needs := set.Layers[0].Needs
	if len(needs) != 10 {
		t.Fatalf("set has %d needs, want 10", len(needs))
	}
	var lead *Need
	for i := range needs {
		if needs[i].Skill == "lead" {
			lead = &needs[i]
		}
	}
	if lead == nil || lead.Min != 1 || lead.Max != 1 || !lead.HasMax || lead.Level != Beginner {
		t.Errorf("lead need %+v", lead)
	}
	if n := needs[0]; n.Skill != "webapp" || n.Min != 2 || n.HasMax {
		t.Errorf("webapp need %+v", n)
	}
	if n := needs[7]; n.Skill != "DEF-PERF" || n.Min != 0 || !n.HasMax || n.Max != 1 {
		t.Errorf("DEF-PERF need %+v", n)
	}
	if want := (calendar.Period{N: 1, Unit: calendar.Month}); set.Shift != want {
		t.Errorf("set shift %v", set.Shift)
	}
	m, _ := c.Member("douglas.daniels")
	if m.Level("server") != Expert || m.Level("lead") != 0 || m.Name != "douglas.daniels" {
		t.Errorf("douglas.daniels: %+v", m)
	}
	if !lead.Qualifies(mustMember(t, c, "aaron.medina")) || lead.Qualifies(m) {
		t.Error("lead qualification wrong")
	}
}

func mustMember(t *testing.T, c *Config, id string) *Member {
	t.Helper()
	m, ok := c.Member(id)
	if !ok {
		t.Fatalf("no member %s", id)
	}
	return m
}

func TestScenarioShiftWeek(t *testing.T) {
	c := scenario(t, "shift-week.yaml")
	dev5 := mustMember(t, c, "dev5")
	if len(dev5.Unavailable) != 1 {
		t.Fatalf("dev5 unavailable: %+v", dev5.Unavailable)
	}
	w := dev5.Unavailable[0]
	if w.From.Date == nil || *w.From.Date != date(2026, 12, 21) || w.To.Date == nil || *w.To.Date != date(2027, 1, 3) ||
		!w.From.At.IsZero() || !w.To.At.IsZero() || w.Reason != "winter leave" {
		t.Fatalf("dev5 window %+v", w)
	}
	zurich, _ := time.LoadLocation("Europe/Zurich")
	from, to := w.In(zurich)
	if want := time.Date(2026, 12, 21, 0, 0, 0, 0, zurich); !from.Equal(want) {
		t.Errorf("from %v, want %v", from, want)
	}
	if want := time.Date(2027, 1, 4, 0, 0, 0, 0, zurich); !to.Equal(want) {
		t.Errorf("to %v, want %v (the end of the inclusive last day)", to, want)
	}
	r, _ := c.Rotation("shift-week")
	if r.Layers[0].Grace != 1 || r.PlanAhead != 21*24*time.Hour || r.Slack == nil || r.Slack.Channel != "C000SHIFTS" || !r.Slack.Topic {
		t.Errorf("shift-week: %+v", r)
	}
	if !strings.HasPrefix(r.Duties, "- Meetings:") {
		t.Errorf("duties %q", r.Duties)
	}
}

func TestScenarioDataOncall(t *testing.T) {
	c := scenario(t, "data-oncall.yaml")
	r, _ := c.Rotation("data-oncall")
	if r.Opsgenie == nil || r.Opsgenie.Schedule != "data-oncall" || r.Slack.Usergroup != "S0DATAONCALL" {
		t.Errorf("data-oncall: %+v", r)
	}
	if m := mustMember(t, c, "chloe"); m.Opsgenie != "chloe@example.com" || m.Slack != "U000CHLOE" {
		t.Errorf("chloe: %+v", m)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse("d.yaml", []byte(`version: 1
members: [{id: a}, {id: b}]
rotations:
  - id: r
    timezone: UTC
    start: 2026-01-05T09:00
    shift: 1w
    members: [a, b]
`), "")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Rotations[0]
	want := Rotation{
		ID: "r", Name: "r", Timezone: "UTC",
		Start: calendar.DateTime{Date: date(2026, 1, 5), Hour: 9},
		Shift: calendar.Period{N: 1, Unit: calendar.Week},
		Layers: []Layer{{Name: "main", Members: []Membership{{ID: "a"}, {ID: "b"}},
			Strategy: Fair, Size: 1}},
		PlanAhead: 14 * 24 * time.Hour, NotifyBefore: 3 * 24 * time.Hour,
		Weekend: calendar.WeekdaysOf(time.Saturday, time.Sunday),
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if c.Members[0].Name != "a" {
		t.Errorf("member name %q", c.Members[0].Name)
	}
}

func TestLayersInherit(t *testing.T) {
	c, err := Parse("l.yaml", []byte(`version: 1
members:
  - {id: a, skills: {lead: expert}}
  - {id: b, skills: {lead: 1}}
  - {id: c}
rotations:
  - id: r
    timezone: Europe/Paris
    start: 2026-01-05T09:00
    shift: 1d
    strategy: queue
    size: 2
    grace: 1
    members: [a, b, c]
    needs: [{skill: lead, level: 1, min: 1}]
    layers:
      - {name: week, days: [mon, tue, wed, thu, fri]}
      - name: weekend
        days: [sat, sun]
        members: [c, b, a]
        strategy: lottery
        size: 1
        grace: 0
        needs: []
`), "")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Rotations[0]
	wk, we := r.Layers[0], r.Layers[1]
	if wk.Strategy != Queue || wk.Size != 2 || wk.Grace != 1 || len(wk.Needs) != 1 || len(wk.Members) != 3 || wk.Members[0].ID != "a" {
		t.Errorf("week inherits: %+v", wk)
	}
	if we.Strategy != Lottery || we.Size != 1 || we.Grace != 0 || len(we.Needs) != 0 || we.Members[0].ID != "c" {
		t.Errorf("weekend overrides: %+v", we)
	}
	if got := r.MemberIDs(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("MemberIDs %v", got)
	}
}

func TestMembershipsAndMoments(t *testing.T) {
	c, err := Parse("m.yaml", []byte(`version: 1
members:
  - id: a
    unavailable:
      - {from: "2027-02-01T08:00:00+01:00", to: "2027-02-01T12:00:00Z", reason: dentist}
      - {from: 2027-03-01, to: "2027-03-02T12:00:00Z"}
  - {id: b}
rotations:
  - id: r
    timezone: Europe/Berlin
    start: 2026-01-05T09:00
    shift: 1w
    members:
      - a
      - {id: b, from: 2027-01-01, until: "2027-06-01T00:00:00+02:00"}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ms := c.Rotations[0].Layers[0].Members
	if ms[0].ID != "a" || ms[0].From != nil || ms[0].Until != nil {
		t.Errorf("a: %+v", ms[0])
	}
	b := ms[1]
	if b.ID != "b" || b.From == nil || b.From.Date == nil || *b.From.Date != date(2027, 1, 1) || b.Until == nil || b.Until.Date != nil {
		t.Fatalf("b: %+v", b)
	}
	if got, want := b.From.Start(berlin), time.Date(2027, 1, 1, 0, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("from %v, want %v", got, want)
	}
	if got, want := b.Until.Start(berlin), time.Date(2027, 5, 31, 22, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("until %v, want %v", got, want)
	}
	if b.Until.String() != "2027-06-01T00:00:00+02:00" || b.From.String() != "2027-01-01" {
		t.Errorf("strings %s %s", b.Until, b.From)
	}
	a := mustMember(t, c, "a")
	w := a.Unavailable[0]
	from, to := w.In(berlin)
	if !from.Equal(time.Date(2027, 2, 1, 7, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)) || w.Reason != "dentist" {
		t.Errorf("instant window %v %v %+v", from, to, w)
	}
	from, to = a.Unavailable[1].In(berlin)
	if !from.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, berlin)) || !to.Equal(time.Date(2027, 3, 2, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("mixed window %v %v", from, to)
	}
	// A date as an inclusive end: the next day's first instant, across DST.
	d := date(2027, 3, 27)
	if got := (Moment{Date: &d}).End(berlin); !got.Equal(time.Date(2027, 3, 28, 0, 0, 0, 0, berlin)) {
		t.Errorf("EndInclusive %v", got)
	}
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Level
	}{{"1", Beginner}, {"2", Intermediate}, {"3", Advanced}, {"4", Expert}, {"beginner", Beginner},
		{"intermediate", Intermediate}, {"Advanced", Advanced}, {"EXPERT", Expert}} {
		got, err := ParseLevel(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "0", "5", "-1", "1.0", "guru", " 1"} {
		if _, err := ParseLevel(bad); err == nil {
			t.Errorf("ParseLevel(%q) accepted", bad)
		}
	}
	if Advanced.String() != "advanced" || Level(0).String() != "none" || Level(9).String() != "Level(9)" {
		t.Error("Level.String")
	}
	m := &Member{Skills: map[string]Level{"lead": Intermediate}}
	n := Need{Skill: "lead", Level: Intermediate}
	if !n.Qualifies(m) || (Need{Skill: "lead", Level: Advanced}).Qualifies(m) || (Need{Skill: "x"}).Qualifies(m) || n.Qualifies(nil) {
		t.Error("Qualifies")
	}
	if m.Level("x") != 0 {
		t.Error("Level of absent skill")
	}
}

// A marked line ends with "#<": the error is expected on it.
func markedLine(t *testing.T, src string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.HasSuffix(strings.TrimRight(l, " "), "#<") {
			return i + 1
		}
	}
	t.Fatalf("no #< marker in\n%s", src)
	return 0
}

func asErrors(t *testing.T, err error) Errors {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not Errors: %v", err, err)
	}
	if len(es) == 0 {
		t.Fatal("empty Errors")
	}
	return es
}

const okMembers = `version: 1
members:
  - {id: a, skills: {lead: 2}}
  - {id: b}
`

const okRotation = `rotations:
  - id: r
    timezone: UTC
    start: 2026-11-23T09:00
    shift: 1d
`

func TestBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name, src, field, msg string
		col                   int // 0: not checked
	}{
		{"unknown field", okMembers + okRotation + "    members: [a]\n    shfit: 1d #<\n", "rotations[0].shfit", `unknown field "shfit" (did you mean "shift"?)`, 5},
		{"unknown top field", okMembers + "rotation: [] #<\n", "rotation", `unknown field "rotation"`, 1},
		{"unknown member field", "version: 1\nmembers:\n  - {id: a, mail: x} #<\n", "members[0].mail", `unknown field "mail"`, 0},
		{"missing version", "members: [{id: a}] #<\n", "version", "missing", 1},
		{"version 2", "version: 2 #<\n", "version", "unsupported version 2", 10},
		{"version string", "version: \"1\" #<\n", "version", `want 1, got "1"`, 0},
		{"size 0", okMembers + okRotation + "    members: [a]\n    size: 0 #<\n", "rotations[0].size", "must be at least 1, got 0", 11},
		{"size string", okMembers + okRotation + "    members: [a]\n    size: two #<\n", "rotations[0].size", `want a whole number, got "two"`, 0},
		{"grace negative", okMembers + okRotation + "    members: [a]\n    grace: -1 #<\n", "rotations[0].grace", "must be at least 0", 0},
		{"bad shift", okMembers + strings.Replace(okRotation, "shift: 1d", "shift: 25x #<", 1) + "    members: [a]\n", "rotations[0].shift", `bad shift length "25x": want 90m, 12h, 24h, Nd, Nw or Nmo`, 12},
		{"zero shift", okMembers + strings.Replace(okRotation, "shift: 1d", "shift: 0d #<", 1) + "    members: [a]\n", "rotations[0].shift", "at least 1", 0},
		{"shift missing", okMembers + strings.Replace(strings.Replace(okRotation, "    shift: 1d\n", "", 1), "- id: r", "- id: r #<", 1) + "    members: [a]\n", "rotations[0].shift", "missing", 5},
		{"bad start", okMembers + strings.Replace(okRotation, "start: 2026-11-23T09:00", "start: 2026-11-23 9am #<", 1) + "    members: [a]\n", "rotations[0].start", "invalid date-time", 0},
		{"end before start", okMembers + okRotation + "    end: 2026-11-23T09:00 #<\n    members: [a]\n", "rotations[0].end", "is not after start", 0},
		{"bad zone", okMembers + strings.Replace(okRotation, "timezone: UTC", "timezone: Europe/Londn #<", 1) + "    members: [a]\n", "rotations[0].timezone", `unknown time zone "Europe/Londn"`, 15},
		{"bad member zone", "version: 1\nmembers:\n  - id: a\n    timezone: Mars/Olympus #<\n", "members[0].timezone", "unknown time zone", 15},
		{"bad strategy", okMembers + okRotation + "    members: [a]\n    strategy: random #<\n", "rotations[0].strategy", `unknown strategy "random": want fair, queue or lottery`, 0},
		{"bad day", okMembers + okRotation + "    members: [a]\n    days: [mon, tuesday, funday] #<\n", "rotations[0].days[2]", `bad day "funday"`, 26},
		{"repeated day", okMembers + okRotation + "    members: [a]\n    days: [mon, mon] #<\n", "rotations[0].days[1]", "listed twice", 0},
		{"empty days", okMembers + okRotation + "    members: [a]\n    days: [] #<\n", "rotations[0].days", "empty", 0},
		{"bad weekend", "version: 1\nweekend: [sat, sun, holiday] #<\n", "weekend[2]", `bad day "holiday"`, 0},
		{"bad level", "version: 1\nmembers:\n  - id: a\n    skills: {lead: 5} #<\n", "members[0].skills.lead", `bad level "5"`, 20},
		{"bad level name", "version: 1\nmembers:\n  - id: a\n    skills:\n      lead: guru #<\n", "members[0].skills.lead", `bad level "guru": want 1-4 or beginner, intermediate, advanced, expert`, 0},
		{"skills not a map", "version: 1\nmembers:\n  - id: a\n    skills: [lead] #<\n", "members[0].skills", "want a mapping of skill to level", 0},
		{"bad id", "version: 1\nmembers:\n  - id: Alice #<\n", "members[0].id", `bad member id "Alice"`, 9},
		{"bad id start", "version: 1\nmembers:\n  - id: -a #<\n", "members[0].id", `bad member id "-a"`, 0},
		{"missing id", "version: 1\nmembers:\n  - {name: Alice} #<\n", "members[0].id", "missing", 5},
		{"member not a mapping", "version: 1\nmembers:\n  - alice #<\n", "members[0]", "want a member such as {id: alice", 0},
		{"duplicate member", okMembers + "  - {id: a} #<\n", "members[2].id", `duplicate member id "a" (first at bad.yaml:3)`, 0},
		{"duplicate rotation", okMembers + okRotation + "    members: [a]\n  - {id: r, timezone: UTC, start: 2026-11-23T09:00, shift: 1d, members: [b]} #<\n", "rotations[1].id", `duplicate rotation id "r"`, 0},
		{"duplicate key", okMembers + okRotation + "    members: [a]\n    shift: 2d #<\n", "rotations[0].shift", `duplicate key "shift" (first at line 9)`, 0},
		{"unknown member", okMembers + okRotation + "    members: [a, bb] #<\n", "rotations[0].members[1]", `unknown member "bb"`, 18},
		{"unknown admin", okMembers + okRotation + "    members: [a]\n    admins: [zed] #<\n", "rotations[0].admins[0]", `unknown member "zed"`, 0},
		{"member twice", okMembers + okRotation + "    members: [a, b, a] #<\n", "rotations[0].members[2]", `member "a" listed twice`, 0},
		{"no members", okMembers + strings.Replace(okRotation, "- id: r", "- id: r #<", 1), "rotations[0].members", "missing", 5},
		{"empty members", okMembers + okRotation + "    members: [] #<\n", "rotations[0].members", "empty", 0},
		{"size above members", okMembers + okRotation + "    size: 3\n    members: [a, b] #<\n", "rotations[0].members", "2 member(s) but size is 3", 0},
		{"need min above size", okMembers + okRotation + "    members: [a, b]\n    needs: [{skill: lead, min: 2}] #<\n", "rotations[0].needs[0].min", "min 2 is more than the 1 people of a shift", 0},
		{"need unmeetable", okMembers + okRotation + "    members: [a, b]\n    size: 2\n    needs:\n      - {skill: lead, level: intermediate, min: 2} #<\n", "rotations[0].needs[0]", "can never be met: it wants 2 member(s) with lead at intermediate or above on every shift, and only a", 9},
		{"need level too high", okMembers + okRotation + "    members: [a, b]\n    needs:\n      - {skill: lead, level: expert, min: 1} #<\n", "rotations[0].needs[0]", "and none does", 0},
		{"need max below min", okMembers + okRotation + "    members: [a, b]\n    needs:\n      - {skill: lead, min: 1, max: 0} #<\n", "rotations[0].needs[0].max", "max 0 is less than min 1", 0},
		{"need min negative", okMembers + okRotation + "    members: [a, b]\n    needs:\n      - {skill: lead, min: -1} #<\n", "rotations[0].needs[0].min", "must be at least 0", 0},
		{"need without skill", okMembers + okRotation + "    members: [a, b]\n    needs:\n      - {min: 1} #<\n", "rotations[0].needs[0].skill", "missing", 0},
		{"bad duration", okMembers + okRotation + "    members: [a]\n    plan_ahead: 2 weeks #<\n", "rotations[0].plan_ahead", `invalid duration "2 weeks"`, 0},
		{"bad min_rest", okMembers + okRotation + "    members: [a]\n    min_rest: 1mo #<\n", "rotations[0].min_rest", "months", 0},
		{"bad holiday date", "version: 1\nholidays:\n  dates: [2026-02-30] #<\n", "holidays.dates[0]", `invalid date "2026-02-30"`, 11},
		{"missing ical", "version: 1\nholidays:\n  ical: [no-such-file.ics] #<\n", "holidays.ical[0]", "no such file", 10},
		{"unavailable inverted", "version: 1\nmembers:\n  - id: a\n    unavailable:\n      - from: 2026-12-24\n        to: 2026-12-20 #<\n", "members[0].unavailable[0].to", "to 2026-12-20 is before from 2026-12-24", 13},
		{"unavailable inverted instants", "version: 1\nmembers:\n  - id: a\n    unavailable:\n      - {from: \"2026-12-24T10:00:00Z\", to: \"2026-12-24T10:00:00Z\"} #<\n", "members[0].unavailable[0].to", "is not after from", 0},
		{"unavailable bad date", "version: 1\nmembers:\n  - id: a\n    unavailable:\n      - {from: 24.12.2026, to: 2026-12-25} #<\n", "members[0].unavailable[0].from", "bad date or time", 0},
		{"unavailable no to", "version: 1\nmembers:\n  - id: a\n    unavailable:\n      - {from: 2026-12-24} #<\n", "members[0].unavailable[0].to", "missing", 9},
		{"layers with days", okMembers + okRotation + "    members: [a]\n    days: [mon] #<\n    layers: [{name: x, days: [tue]}]\n", "rotations[0].days", "not allowed together with layers", 5},
		{"layers overlap", okMembers + okRotation + "    members: [a]\n    layers:\n      - {name: x, days: [mon, tue]}\n      - {name: y, days: [sun, tue]} #<\n", "rotations[0].layers[1].days", `overlaps layer "x": both have tue`, 0},
		{"layer without days overlaps", okMembers + okRotation + "    members: [a]\n    layers:\n      - {name: x, days: [mon]}\n      - {name: y} #<\n", "rotations[0].layers[1]", "a layer without days runs every day", 0},
		{"duplicate layer", okMembers + okRotation + "    members: [a]\n    layers:\n      - {name: x, days: [mon]}\n      - {name: x, days: [tue]} #<\n", "rotations[0].layers[1].name", `duplicate layer name "x"`, 0},
		{"layer without members", okMembers + okRotation + "    layers:\n      - {name: x, days: [mon], members: [a]}\n      - {name: y, days: [tue]} #<\n", "rotations[0].layers[1].members", "its rotation has none to inherit", 0},
		{"layer need unmeetable", okMembers + okRotation + "    members: [a, b]\n    layers:\n      - {name: x, days: [mon]}\n      - name: y\n        days: [tue]\n        members: [b]\n        needs: [{skill: lead, min: 1}] #<\n", "rotations[0].layers[1].needs[0]", `in layer "y"`, 0},
		{"layer unknown field", okMembers + okRotation + "    members: [a]\n    layers:\n      - {name: x, dayz: [mon]} #<\n", "rotations[0].layers[0].dayz", `unknown field "dayz" (did you mean "days"?)`, 0},
		{"membership until before from", okMembers + okRotation + "    members:\n      - {id: a, from: 2027-01-01, until: 2026-01-01} #<\n", "rotations[0].members[0].until", "is not after from", 0},
		{"membership unknown key", okMembers + okRotation + "    members:\n      - {id: a, since: 2027-01-01} #<\n", "rotations[0].members[0].since", `unknown field "since"`, 0},
		{"membership unknown member", okMembers + okRotation + "    members:\n      - {id: zz, from: 2027-01-01} #<\n", "rotations[0].members[0].id", `unknown member "zz"`, 0},
		{"opsgenie without schedule", okMembers + okRotation + "    members: [a]\n    opsgenie: {} #<\n", "rotations[0].opsgenie.schedule", "missing", 0},
		{"slack topic", okMembers + okRotation + "    members: [a]\n    slack: {topic: maybe} #<\n", "rotations[0].slack.topic", "want true or false", 0},
		{"members not a list", okMembers + okRotation + "    members: a #<\n", "rotations[0].members", "want a list of member ids", 0},
		{"yaml syntax", "version: 1\nmembers: [ #<\n", "", "invalid YAML", 0},
		{"two documents", "version: 1\n---\nversion: 1 #<\n", "", "one YAML document", 0},
		{"alias cycle", "version: 1\nmembers: &m\n  - {id: a, skills: *m} #<\n", "", "alias *m is used inside the node it names", 0},
		{"top-level list", "- version: 1 #<\n", "", "want a mapping", 1},
		{"empty", "", "", "empty file", 0},
		{"merged unknown field", okMembers + "rotations:\n  - <<: [{timezone: UTC}, {shfit: 1d}] #<\n    id: r\n", "rotations[0].shfit", `unknown field "shfit"`, 28},
		{"merge of a scalar", okMembers + "rotations:\n  - <<: 3 #<\n    id: r\n", "rotations[0]", "a merge key (<<) wants a mapping", 0},
		{"null value is missing", okMembers + okRotation + "    members: [a]\n  - id: #<\n", "rotations[1].id", "missing", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := 1
			if strings.Contains(tc.src, "#<") {
				line = markedLine(t, tc.src)
			}
			_, err := Parse("bad.yaml", []byte(tc.src), "")
			if err == nil {
				t.Fatalf("no error for\n%s", tc.src)
			}
			es := asErrors(t, err)
			for _, e := range es {
				if e.File == "bad.yaml" && e.Line == line && e.Field == tc.field && strings.Contains(e.Msg, tc.msg) &&
					(tc.col == 0 || e.Column == tc.col) {
					prefix := "bad.yaml:" + strconv.Itoa(line) + ":"
					if !strings.HasPrefix(e.Error(), prefix) || (tc.field != "" && !strings.Contains(e.Error(), ": "+tc.field+": ")) {
						t.Errorf("format: %q", e.Error())
					}
					return
				}
			}
			t.Errorf("want bad.yaml:%d (col %d) %s: ...%s...; got\n%v", line, tc.col, tc.field, tc.msg, err)
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "sre.yaml", Line: 12, Column: 5, Field: "rotations[0].shift", Msg: `bad shift length "25x": want 90m, 12h, 24h, Nd, Nw or Nmo`}
	if got, want := e.Error(), `sre.yaml:12:5: rotations[0].shift: bad shift length "25x": want 90m, 12h, 24h, Nd, Nw or Nmo`; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := (&Error{File: "a.yaml", Msg: "cannot read"}).Error(); got != "a.yaml: cannot read" {
		t.Errorf("got %q", got)
	}
	es := Errors{
		{File: "b.yaml", Line: 1, Msg: "x"},
		{File: "a.yaml", Line: 9, Msg: "y"},
		{File: "a.yaml", Line: 2, Column: 3, Msg: "z"},
	}
	if got, want := es.Error(), "a.yaml:2:3: z\na.yaml:9: y\nb.yaml:1: x"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	var one *Error
	if !errors.As(error(es), &one) || one.Msg != "x" {
		t.Errorf("errors.As(*Error) = %v", one)
	}
}

func TestAllErrorsOfAFile(t *testing.T) {
	src := `version: 1
members:
  - {id: a, skills: {lead: 9}}
  - {id: B}
rotations:
  - id: r
    timezone: Nowhere/Town
    start: 2026-11-23T09:00
    shift: 25x
    strategy: best
    members: [a, nobody]
`
	_, err := Parse("many.yaml", []byte(src), "")
	es := asErrors(t, err)
	want := []string{
		"many.yaml:3:28: members[0].skills.lead:",
		"many.yaml:4:10: members[1].id:",
		"many.yaml:7:15: rotations[0].timezone:",
		"many.yaml:9:12: rotations[0].shift:",
		"many.yaml:10:15: rotations[0].strategy:",
		"many.yaml:11:18: rotations[0].members[1]:",
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) || len(es) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d: got %q, want prefix %q", i, lines[i], w)
		}
	}
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMultiFile(t *testing.T) {
	dir := t.TempDir()
	people := writeFile(t, dir, "people.yaml", `version: 1
members:
  - {id: ann, skills: {lead: expert}}
  - {id: bo}
`)
	rots := writeFile(t, dir, "rotations.yaml", `version: 1
weekend: [fri, sat]
holidays: {dates: [2026-12-25]}
rotations:
  - id: ops
    timezone: Asia/Jerusalem
    start: 2026-11-22T09:00
    shift: 1d
    members: [bo, ann]
    needs: [{skill: lead, min: 1}]
`)
	other := writeFile(t, dir, "other.yaml", `version: 1
rotations:
  - {id: other, timezone: UTC, start: 2026-11-22T09:00, shift: 1w, members: [ann]}
`)
	c, err := Load(people, rots, other)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Members) != 2 || len(c.Rotations) != 2 {
		t.Fatalf("%d members, %d rotations", len(c.Members), len(c.Rotations))
	}
	ops, _ := c.Rotation("ops")
	if !reflect.DeepEqual(ops.Weekend, calendar.WeekdaysOf(time.Friday, time.Saturday)) || len(ops.Holidays) != 1 {
		t.Errorf("ops: weekend %v holidays %v", ops.Weekend, ops.Holidays)
	}
	oth, _ := c.Rotation("other")
	if !reflect.DeepEqual(oth.Weekend, DefaultWeekend) || len(oth.Holidays) != 0 {
		t.Errorf("other: each file's weekend and holidays are its own: %v %v", oth.Weekend, oth.Holidays)
	}

	// Without the members' file, the references are unknown; ids clash
	// across files.
	_, err = Load(rots)
	if es := asErrors(t, err); len(es) != 2 || es[0].File != rots || es[0].Line != 9 {
		t.Errorf("rotations alone: %v", err)
	}
	dup := writeFile(t, dir, "dup.yaml", "version: 1\nmembers: [{id: bo}]\nrotations: [{id: ops, timezone: UTC, start: 2026-01-01, shift: 1d, members: [bo]}]\n")
	_, err = Load(people, rots, dup)
	es := asErrors(t, err)
	if len(es) != 2 || !strings.Contains(es[0].Error(), `dup.yaml:2:16: members[0].id: duplicate member id "bo" (first at `+people+":4)") ||
		!strings.Contains(es[1].Msg, `duplicate rotation id "ops"`) {
		t.Errorf("duplicates across files:\n%v", err)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if es := asErrors(t, err); !strings.Contains(es[0].Error(), "missing.yaml: cannot read: no such file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(); err == nil {
		t.Error("Load() with no files succeeded")
	}
}

func TestICalHolidays(t *testing.T) {
	want := []calendar.Date{date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)}
	c, err := Load("testdata/ical.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Rotations[0]
	if !reflect.DeepEqual(r.Holidays, want) {
		t.Errorf("holidays %v, want %v", r.Holidays, want)
	}
	if !reflect.DeepEqual(r.Weekend, calendar.WeekdaysOf(time.Friday, time.Saturday)) {
		t.Errorf("weekend %v", r.Weekend)
	}
	// Parse resolves the path against dir.
	data, err := os.ReadFile("testdata/ical.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Parse("ical.yaml", data, "testdata"); err != nil || !reflect.DeepEqual(c.Rotations[0].Holidays, want) {
		t.Errorf("Parse with dir: %v", err)
	}
	_, err = Parse("ical.yaml", data, t.TempDir())
	if es := asErrors(t, err); len(es) != 1 || es[0].Line != 6 || es[0].Field != "holidays.ical[0]" {
		t.Errorf("Parse with the wrong dir: %v", err)
	}
	// A file that is not iCalendar.
	dir := t.TempDir()
	writeFile(t, dir, "junk.ics", "this is not a calendar\n")
	_, err = Parse("x.yaml", []byte("version: 1\nholidays: {ical: [junk.ics]}\n"), dir)
	if es := asErrors(t, err); len(es) != 1 || !strings.Contains(es[0].Msg, "bad iCalendar file") {
		t.Errorf("junk ical: %v", err)
	}
}

func TestAliasesAndMerges(t *testing.T) {
	c, err := Parse("a.yaml", []byte(`version: 1
members:
  - &ann {id: ann, skills: &sk {lead: 3}}
  - {id: bo, skills: *sk}
rotations:
  - &base
    id: one
    timezone: UTC
    start: 2026-11-23T09:00
    shift: 1w
    members: &team [ann, bo]
  - <<: *base
    id: two
    shift: 2w
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Rotation("nope"); ok {
		t.Error("found rotation nope")
	}
	two, _ := c.Rotation("two")
	if l, ok := two.Layer("main"); !ok || l.Size != 1 {
		t.Errorf("Layer(main): %v %v", l, ok)
	}
	if _, ok := two.Layer("other"); ok {
		t.Error("found layer other")
	}
	if two.Shift.N != 2 || two.Timezone != "UTC" || len(two.Layers[0].Members) != 2 {
		t.Errorf("merged rotation: %+v", two)
	}
	if mustMember(t, c, "bo").Level("lead") != Advanced {
		t.Error("aliased skills")
	}
}

func TestCalendarSpec(t *testing.T) {
	r := &Rotation{ID: "x", Timezone: "Nowhere/Town"}
	if _, err := r.Location(); err == nil {
		t.Error("Location of a bad zone")
	}
	if _, err := r.CalendarSpec(); err == nil {
		t.Error("CalendarSpec of a bad zone")
	}
	var nilConfig *Config
	if _, ok := nilConfig.Member("a"); ok {
		t.Error("nil config")
	}
}

// The example at the top of docs/config.md loads.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Skipf("docs not available: %v", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in docs/config.md")
	}
	c, err := Parse("example.yaml", []byte(example), "")
	if err != nil {
		t.Fatalf("the documented example does not load:\n%v", err)
	}
	r, _ := c.Rotation("sre")
	if len(r.Layers) != 2 || r.Layers[1].Strategy != Queue || r.Layers[0].Strategy != Fair || len(r.Layers[1].Needs) != 1 {
		t.Errorf("example: %+v", r.Layers)
	}
	if m := r.Layers[1].Members[3]; m.ID != "carol" || m.From == nil || m.From.String() != "2027-01-01" {
		t.Errorf("carol: %+v", m)
	}
}

func TestLongValuesAreClipped(t *testing.T) {
	long := strings.Repeat("x", 5000)
	_, err := Parse("long.yaml", []byte("version: 1\nmembers:\n  - {id: a, skills: {lead: "+long+"}}\n"), "")
	es := asErrors(t, err)
	if len(es) != 1 || len(es[0].Msg) > 400 || !strings.Contains(es[0].Msg, "xxx...") {
		t.Errorf("got %d errors, first %d bytes: %.300s", len(es), len(es[0].Msg), es[0].Msg)
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nmembers:\n")
	for range maxErrors + 20 {
		b.WriteString("  - {id: BAD}\n")
	}
	_, err := Parse("many.yaml", []byte(b.String()), "")
	es := asErrors(t, err)
	if len(es) != maxErrors+1 || !strings.Contains(es[0].Msg, "too many errors") {
		t.Errorf("got %d errors, first %v", len(es), es[0])
	}
}

// TestRotationJSON: durations are written as the config writes them, and
// the nanoseconds of earlier versions (recorded histories) still read.
func TestRotationJSON(t *testing.T) {
	r := Rotation{ID: "sre", MinRest: 24 * time.Hour, PlanAhead: 14 * 24 * time.Hour, NotifyBefore: 90 * time.Minute}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"min_rest":"1d"`, `"plan_ahead":"2w"`, `"notify_before":"90m"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back Rotation
	if err := json.Unmarshal(b, &back); err != nil || back.MinRest != r.MinRest || back.PlanAhead != r.PlanAhead || back.NotifyBefore != r.NotifyBefore || back.ID != "sre" {
		t.Errorf("read back %+v, %v", back, err)
	}
	old := `{"id":"sre","min_rest":86400000000000,"plan_ahead":1209600000000000,"notify_before":5400000000000}`
	if err := json.Unmarshal([]byte(old), &back); err != nil || back.PlanAhead != r.PlanAhead || back.MinRest != r.MinRest {
		t.Errorf("nanoseconds: %+v, %v", back, err)
	}
}

// TestLevelJSON: levels are written by name; numbers still read.
func TestLevelJSON(t *testing.T) {
	m := Member{ID: "ann", Skills: map[string]Level{"database": Expert, "network": Intermediate}}
	b, err := json.Marshal(m)
	if err != nil || !strings.Contains(string(b), `"skills":{"database":"expert","network":"intermediate"}`) {
		t.Fatalf("JSON %s, %v", b, err)
	}
	for _, in := range []string{string(b), `{"id":"ann","skills":{"database":4,"network":2}}`} {
		var back Member
		if err := json.Unmarshal([]byte(in), &back); err != nil || back.Skills["database"] != Expert || back.Skills["network"] != Intermediate {
			t.Errorf("%s: %+v, %v", in, back.Skills, err)
		}
	}
}
