package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/workflows"
)

// Every command that talks to Temporal checks its arguments before it
// dials: these all exit 2 with no server anywhere.
func TestRemoteUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"apply"}, "-f FILE is required"},
		{[]string{"apply", "-f", "x.yaml", "extra"}, `unexpected argument "extra"`},
		{[]string{"apply", "--bogus"}, "unknown flag --bogus"},
		{[]string{"list", "extra"}, "unexpected argument"},
		{[]string{"list", "--format", "xml"}, "unknown format"},
		{[]string{"who", "a", "b"}, `unexpected argument "b"`},
		{[]string{"who", "--format", "grid"}, "unknown format"},
		{[]string{"who", "--tz", "Mars/Base"}, "--tz"},
		{[]string{"show"}, "missing ROTATION"},
		{[]string{"show", "sre", "--weeks", "0"}, "--weeks"},
		{[]string{"show", "sre", "--format", "xml"}, "unknown format"},
		{[]string{"show", "sre", "--from", "tomorrow"}, "--from: bad date or time"},
		{[]string{"show", "sre", "--rotation", "ops"}, "rotation given twice"},
		{[]string{"audit"}, "missing ROTATION"},
		{[]string{"stats", "--format", "csv", "sre"}, "unknown format"},
		{[]string{"swap"}, "--shift-a is required"},
		{[]string{"swap", "--shift-a", "sre/main/2026-11-23T09:00:00Z", "--member-a", "a", "--shift-b", "ops/main/2026-11-24T09:00:00Z", "--member-b", "b"}, "not in rotation sre"},
		{[]string{"swap", "--shift-a", "s", "--member-a", "a", "--shift-b", "s", "--member-b", "a"}, "nothing to swap"},
		{[]string{"swap", "--shift-a", "nolayer", "--member-a", "a", "--shift-b", "sre/main/x", "--member-b", "b"}, "bad shift id"},
		{[]string{"cover", "--shift", "sre/main/x", "--member", "a"}, "--by is required"},
		{[]string{"cover", "--shift", "sre/main/x", "--member", "a", "--by", "a"}, "both a"},
		{[]string{"leave-shift", "--member", "a"}, "--shift is required"},
		{[]string{"assign", "--shift", "sre/main/x"}, "--members is required"},
		{[]string{"assign", "--shift", "sre/main/x", "--members", "a,,b"}, "empty name"},
		{[]string{"assign", "--shift", "sre/main/x", "--members", "a,a"}, "twice"},
		{[]string{"pause"}, "missing ROTATION"},
		{[]string{"resume", "a", "b"}, `unexpected argument "b"`},
		{[]string{"unavailable", "--from", "2026-12-01", "--to", "2026-12-02"}, "missing MEMBER"},
		{[]string{"unavailable", "alice", "--to", "2026-12-02"}, "--from is required"},
		{[]string{"unavailable", "alice", "--from", "2026-12-01"}, "--to is required"},
		{[]string{"unavailable", "alice", "--from", "12/01/2026", "--to", "2026-12-02"}, "--from: bad date or time"},
		{[]string{"unavailable", "alice", "--from", "2026-12-05", "--to", "2026-12-01", "--tz", "UTC"}, "--to must be after --from"},
		{[]string{"unavailable", "alice", "--from", "2026-12-05", "--to", "2026-12-01"}, "--to must be after --from"},
		{[]string{"available", "alice", "--from", "2026-12-05T10:00", "--to", "2026-12-05T09:00"}, "--to must be after --from"},
		{[]string{"unavailable", "alice", "--from", "2026-12-05T10:00:00Z", "--to", "2026-12-05T09:00:00Z"}, "--to must be after --from"},
		{[]string{"available", "alice", "bob", "--from", "2026-12-01", "--to", "2026-12-02"}, `unexpected argument "bob"`},
		{[]string{"available", "alice", "--from", "2026-12-01", "--to", "2026-12-02", "--reason", "x"}, "unknown flag --reason"},
	} {
		code, _, stderr := rota(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("rota %q: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, stderr, c.want)
		}
	}
}

// With good arguments and no server, a command fails with exit 1 and says
// where it looked.
func TestNoServer(t *testing.T) {
	code, _, stderr := rota("who", "--address", "127.0.0.1:1")
	if code != 1 || !strings.Contains(stderr, "cannot reach Temporal at 127.0.0.1:1") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args     []string
		pos      []string
		from, as string
		err      string
	}{
		{[]string{"alice", "--from", "x"}, []string{"alice"}, "x", "", ""},
		{[]string{"--from", "x", "alice"}, []string{"alice"}, "x", "", ""},
		{[]string{"--from=x", "alice", "--as", "bob"}, []string{"alice"}, "x", "bob", ""},
		{[]string{"--", "--alice"}, []string{"--alice"}, "", "", ""},
		{[]string{}, nil, "", "", "missing MEMBER"},
		{[]string{"a", "b"}, nil, "", "", `unexpected argument "b"`},
		{[]string{"a", "--nope"}, nil, "", "", "unknown flag --nope"},
	} {
		fs := newFlags("t")
		fs.SetOutput(nopWriter{})
		from := fs.String("from", "", "")
		as := fs.String("as", "", "")
		pos, err := parseArgs(fs, c.args, 1, 1, "MEMBER")
		if c.err != "" {
			var ue *usageError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want usage error %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(pos, c.pos) || *from != c.from || *as != c.as {
			t.Errorf("%q: pos %q from %q as %q err %v", c.args, pos, *from, *as, err)
		}
	}
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func TestPickRotation(t *testing.T) {
	for _, c := range []struct {
		flag   string
		shifts []string
		want   string
		err    string
	}{
		{"", []string{"sre/main/2026-11-23T09:00:00Z"}, "sre", ""},
		{"", []string{"sre/weekdays/a", "sre/weekends/b"}, "sre", ""},
		{"sre", []string{"sre/main/a"}, "sre", ""},
		{"ops", []string{"sre/main/a"}, "", "not in rotation ops"},
		{"", []string{"sre/main/a", "ops/main/b"}, "", "not in rotation sre"},
		{"", []string{"sre"}, "", "bad shift id"},
		{"", []string{"/main/a"}, "", "bad shift id"},
		{"", nil, "", "--rotation is required"},
	} {
		got, err := pickRotation(c.flag, c.shifts...)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q %q: %q, %v; want error %q", c.flag, c.shifts, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q %q: %q, %v; want %q", c.flag, c.shifts, got, err, c.want)
		}
	}
}

func TestSpans(t *testing.T) {
	london, _ := calendar.LoadLocation("Europe/London")
	ny, _ := calendar.LoadLocation("America/New_York")
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		from, to string
		loc      *time.Location
		wantFrom string
		wantTo   string
	}{
		// Dates are whole days in the zone: --to is inclusive.
		{"2026-12-24", "2026-12-26", london, "2026-12-24T00:00:00Z", "2026-12-27T00:00:00Z"},
		{"2026-12-24", "2026-12-24", ny, "2026-12-24T05:00:00Z", "2026-12-25T05:00:00Z"},
		// Summer time: a London day starts at 23:00 UTC the day before.
		{"2026-07-01", "2026-07-01", london, "2026-06-30T23:00:00Z", "2026-07-01T23:00:00Z"},
		// Wall-clock times are read in the zone; RFC 3339 is absolute.
		{"2026-12-24T09:00", "2026-12-24T17:30", ny, "2026-12-24T14:00:00Z", "2026-12-24T22:30:00Z"},
		{"2026-12-24T09:00:00+01:00", "2026-12-24T10:00:00Z", ny, "2026-12-24T08:00:00Z", "2026-12-24T10:00:00Z"},
	} {
		sp, err := parseSpan(c.from, c.to)
		if err != nil {
			t.Errorf("%s..%s: %v", c.from, c.to, err)
			continue
		}
		f, to, err := sp.resolve(c.loc)
		if err != nil || !f.Equal(at(c.wantFrom)) || !to.Equal(at(c.wantTo)) {
			t.Errorf("%s..%s in %s: %s..%s %v; want %s..%s", c.from, c.to, c.loc, f.UTC(), to.UTC(), err, c.wantFrom, c.wantTo)
		}
	}
}

// The parsed operations carry what the workflow's messages want.
func TestParseOps(t *testing.T) {
	t.Setenv("ROTA_USER", "carol")
	req, _, err := parseSwap([]string{"--shift-a", "sre/main/A", "--member-a", "alice", "--shift-b", "sre/main/B", "--member-b", "bob"})
	want := workflows.SwapInput{ShiftA: "sre/main/A", MemberA: "alice", ShiftB: "sre/main/B", MemberB: "bob", RequestedBy: "carol"}
	if err != nil || req.rotation != "sre" || req.name != workflows.Swap || !reflect.DeepEqual(req.arg, want) {
		t.Errorf("swap: %+v %v", req, err)
	}
	req, _, err = parseAssign([]string{"--shift", "ops/main/A", "--members", "alice, bob", "--as", "dave"})
	if a, ok := req.arg.(workflows.AssignInput); err != nil || req.rotation != "ops" || !ok ||
		!reflect.DeepEqual(a.Members, []string{"alice", "bob"}) || a.RequestedBy != "dave" {
		t.Errorf("assign: %+v %v", req, err)
	}
	req, _, err = parseLeaveShift([]string{"--shift", "ops/main/A", "--member", "bob", "--reason", "sick", "--rotation", "ops"})
	if err != nil || !reflect.DeepEqual(req.arg, workflows.LeaveShiftInput{Shift: "ops/main/A", Member: "bob", Reason: "sick", RequestedBy: "carol"}) {
		t.Errorf("leave-shift: %+v %v", req, err)
	}
	req, _, err = parsePause([]string{"--reason", "xmas", "ops"})
	if err != nil || req.rotation != "ops" || !reflect.DeepEqual(req.arg, workflows.PauseInput{Reason: "xmas", RequestedBy: "carol"}) {
		t.Errorf("pause: %+v %v", req, err)
	}
	req, _, err = parseResume([]string{"--rotation", "ops"})
	if err != nil || req.rotation != "ops" || req.name != workflows.Resume {
		t.Errorf("resume: %+v %v", req, err)
	}
	a, err := parseAway(workflows.Unavailable, []string{"alice", "--from", "2026-12-24", "--to", "2026-12-26", "--reason", "xmas"})
	if err != nil {
		t.Fatal(err)
	}
	london, _ := calendar.LoadLocation("Europe/London")
	arg, err := a.arg(london)
	u, ok := arg.(workflows.UnavailableInput)
	if err != nil || !ok || u.Member != "alice" || u.Reason != "xmas" || u.RequestedBy != "carol" ||
		u.From.Format(time.RFC3339) != "2026-12-24T00:00:00Z" || u.To.Format(time.RFC3339) != "2026-12-27T00:00:00Z" {
		t.Errorf("unavailable: %+v %v", arg, err)
	}
	// --tz overrides the rotation's zone.
	a, _ = parseAway(workflows.Available, []string{"alice", "--from", "2026-12-24", "--to", "2026-12-24", "--tz", "Asia/Tokyo"})
	arg, _ = a.arg(london)
	if v, ok := arg.(workflows.AvailableInput); !ok || v.From.Format(time.RFC3339) != "2026-12-23T15:00:00Z" {
		t.Errorf("available --tz: %+v", arg)
	}
}

func TestConnectionFromEnv(t *testing.T) {
	env := map[string]string{"TEMPORAL_ADDRESS": "temporal.example:7233", "TEMPORAL_NAMESPACE": "ops"}
	old := getenv
	getenv = func(k string) string { return env[k] }
	defer func() { getenv = old }()
	fs := newFlags("t")
	r := addRemote(fs, false)
	if err := fs.Parse(nil); err != nil || r.Address != "temporal.example:7233" || r.Namespace != "ops" {
		t.Errorf("from env: %+v", r)
	}
	fs = newFlags("t")
	r = addRemote(fs, false)
	if err := fs.Parse([]string{"--address", "h:1", "--namespace", "n"}); err != nil || r.Address != "h:1" || r.Namespace != "n" {
		t.Errorf("flags over env: %+v", r)
	}
	env = map[string]string{"TEMPORAL_TLS_CERT": "/x.pem"}
	if _, err := r.options(); err == nil || !strings.Contains(err.Error(), "TEMPORAL_TLS_KEY") {
		t.Errorf("half a TLS pair: %v", err)
	}
	env = map[string]string{"TEMPORAL_API_KEY": "k"}
	if o, err := r.options(); err != nil || o.Credentials == nil || o.ConnectionOptions.TLS == nil {
		t.Errorf("API key: %+v %v", o, err)
	}
	env = map[string]string{}
	fs = newFlags("t")
	r = addRemote(fs, false)
	_ = fs.Parse(nil)
	if r.Address != "localhost:7233" || r.Namespace != "default" {
		t.Errorf("defaults: %+v", r)
	}
}

func member(id string, mod func(*config.Member)) config.Member {
	m := config.Member{ID: id, Name: id}
	if mod != nil {
		mod(&m)
	}
	return m
}

func TestDiffConfig(t *testing.T) {
	start, _ := calendar.ParseDateTime("2026-11-02T09:00")
	day, _ := calendar.ParsePeriod("24h")
	week, _ := calendar.ParsePeriod("1w")
	base := func() workflows.ConfigureInput {
		return workflows.ConfigureInput{
			Rotation: config.Rotation{
				ID: "sre", Name: "SRE", Timezone: "Europe/London", Start: start, Shift: day,
				PlanAhead: 14 * 24 * time.Hour, NotifyBefore: 3 * 24 * time.Hour,
				Weekend: calendar.WeekdaysOf(time.Saturday, time.Sunday),
				Layers: []config.Layer{{Name: "main", Strategy: config.Fair, Size: 1,
					Members: []config.Membership{{ID: "alice"}, {ID: "bob"}, {ID: "carol"}}}},
			},
			Members: []config.Member{member("alice", nil), member("bob", nil), member("carol", nil)},
		}
	}
	for _, c := range []struct {
		name string
		mod  func(*workflows.ConfigureInput)
		want []string
	}{
		{"same", func(*workflows.ConfigureInput) {}, nil},
		{"field", func(in *workflows.ConfigureInput) { in.Rotation.Name = "SRE primary" },
			[]string{"~ name: SRE -> SRE primary"}},
		{"durations", func(in *workflows.ConfigureInput) {
			in.Rotation.PlanAhead = 7 * 24 * time.Hour
			in.Rotation.MinRest = 24 * time.Hour
		}, []string{"+ min_rest: 1d", "~ plan_ahead: 2w -> 1w"}},
		{"shift", func(in *workflows.ConfigureInput) { in.Rotation.Shift = week },
			[]string{"~ shift: 24h -> 1w"}},
		{"member joins", func(in *workflows.ConfigureInput) {
			in.Rotation.Layers[0].Members = append(in.Rotation.Layers[0].Members, config.Membership{ID: "dave"})
			in.Members = append(in.Members, member("dave", nil))
		}, []string{"~ layer main members: [alice, bob, carol] -> [alice, bob, carol, dave] (+dave)", "+ member dave"}},
		{"member leaves", func(in *workflows.ConfigureInput) {
			in.Rotation.Layers[0].Members = in.Rotation.Layers[0].Members[1:]
			in.Members = in.Members[1:]
		}, []string{"~ layer main members: [alice, bob, carol] -> [bob, carol] (-alice)", "- member alice"}},
		{"queue order", func(in *workflows.ConfigureInput) {
			ms := in.Rotation.Layers[0].Members
			ms[0], ms[1] = ms[1], ms[0]
		}, []string{"~ layer main members: [alice, bob, carol] -> [bob, alice, carol]"}},
		{"member fields", func(in *workflows.ConfigureInput) {
			in.Members[1].Email = "bob@example.com"
			in.Members[2].Skills = map[string]config.Level{"db": config.Expert}
		}, []string{"+ member bob email: bob@example.com", `+ member carol skills: {"db":"expert"}`}},
		{"strategy and layers", func(in *workflows.ConfigureInput) {
			in.Rotation.Layers[0].Strategy = config.Queue
			in.Rotation.Layers = append(in.Rotation.Layers, config.Layer{Name: "weekends", Members: []config.Membership{{ID: "bob"}}})
		}, []string{"~ layer main strategy: fair -> queue", "+ layer weekends: [bob]"}},
		{"membership bounds", func(in *workflows.ConfigureInput) {
			d, _ := calendar.ParseDate("2026-12-01")
			in.Rotation.Layers[0].Members[2].From = &config.Moment{Date: &d}
		}, []string{"~ layer main members: [alice, bob, carol] -> [alice, bob, carol (from 2026-12-01)]"}},
		{"duties", func(in *workflows.ConfigureInput) { in.Rotation.Duties = "- watch alerts\n- write the log\n" },
			[]string{`+ duties: "- watch alerts"... (31 chars)`}},
		{"removed field", func(in *workflows.ConfigureInput) { in.Rotation.Weekend = 0 },
			[]string{"- weekend (was [sat, sun])"}},
	} {
		a, b := base(), base()
		c.mod(&b)
		got := diffConfig(a, b)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// rotationsOf sends each rotation only the members it uses.
func TestRotationsOf(t *testing.T) {
	cfg, err := config.Load("../../examples/team.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ds := rotationsOf(cfg)
	if len(ds) != 2 {
		t.Fatalf("%d rotations", len(ds))
	}
	for _, d := range ds {
		ids := d.rot.MemberIDs()
		if len(d.members) != len(ids) {
			t.Errorf("%s: %d members for %d ids", d.rot.ID, len(d.members), len(ids))
		}
		for _, m := range d.members {
			found := false
			for _, id := range ids {
				found = found || id == m.ID
			}
			if !found {
				t.Errorf("%s: sends %s, who is not in it", d.rot.ID, m.ID)
			}
		}
	}
	p := applyPlan{rotation: "x", isNew: true, summary: summarize(ds[0])}
	if s := p.String(); !strings.Contains(s, "x: new rotation: 5 members, 24h shifts from 2026-11-02T09:00 Europe/London") {
		t.Errorf("plan: %q", s)
	}
}

func TestMembersQuery(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	got := membersQuery("alice", now)
	want := "WorkflowType = 'RotationWorkflow' AND RotaMembers = 'alice' AND (ExecutionStatus = 'Running' OR (ExecutionStatus = 'ContinuedAsNew' AND CloseTime > '2026-12-02T14:55:00Z'))"
	if got != want {
		t.Errorf("got %q", got)
	}
	if q := membersQuery("x' OR 'a'='a", now); strings.Count(q, "'") != 10 {
		t.Errorf("quotes not stripped: %q", q)
	}
}
