package opsgenie

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/opsgeniefake"
)

const key = "0123-secret-key-4567"

var t0 = time.Date(2030, 1, 6, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*Pager, *opsgeniefake.Server) {
	t.Helper()
	s := opsgeniefake.New(key)
	t.Cleanup(s.Close)
	s.AddSchedule("ops")
	s.AddUser("ann@example.com")
	s.AddUser("bob@example.com")
	p, err := New(key, s.URL())
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func override(shift, user string, start time.Time, hours int) activities.PagerOverride {
	return activities.PagerOverride{Shift: shift, User: user, Start: start, End: start.Add(time.Duration(hours) * time.Hour)}
}

func TestAPIHost(t *testing.T) {
	tests := []struct {
		url, host string
		err       string
	}{
		{"", "api.opsgenie.com", ""},
		{"https://api.opsgenie.com", "api.opsgenie.com", ""},
		{"https://api.eu.opsgenie.com", "api.eu.opsgenie.com", ""},
		{"https://api.eu.opsgenie.com/", "api.eu.opsgenie.com", ""},
		{"http://127.0.0.1:9000", "127.0.0.1:9000", ""},
		{"http://localhost:9000", "localhost:9000", ""},
		{"http://api.local:9000", "", "speaks https"},
		{"https://127.0.0.1:9000", "", "speaks http, not https"},
		{"api.eu.opsgenie.com", "", "want http:// or https://"},
		{"ftp://api.opsgenie.com", "", "want http:// or https://"},
		{"https://", "", "no host"},
		{"https://api.opsgenie.com/v2", "", "only scheme and host"},
		{"https://u:pw@api.opsgenie.com", "", "no user or password"},
		{"https://api.opsgenie.com/%zz", "", "API URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			host, err := apiHost(tt.url)
			if tt.err == "" {
				if err != nil || host != tt.host {
					t.Errorf("apiHost(%q) = %q, %v; want %q", tt.url, host, err, tt.host)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("apiHost(%q) = %q, %v; want an error with %q", tt.url, host, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	if _, err := New("", ""); err == nil {
		t.Error("New without a key: no error")
	}
	if _, err := New(key, "http://api.example.com"); err == nil {
		t.Error("New with a bad URL: no error")
	}
}

func TestUser(t *testing.T) {
	p, _ := setup(t)
	tests := []struct {
		m    config.Member
		want string
	}{
		{config.Member{ID: "ann", Opsgenie: "ann.og", Email: "ann@example.com"}, "ann.og"},
		{config.Member{ID: "ann", Email: "ann@example.com"}, "ann@example.com"},
		{config.Member{ID: "ann"}, ""},
	}
	for _, tt := range tests {
		got, err := p.User(context.Background(), tt.m)
		if tt.want != "" {
			if got != tt.want || err != nil {
				t.Errorf("User(%+v) = %q, %v; want %q", tt.m, got, err, tt.want)
			}
			continue
		}
		var se *activities.SendError
		if !errors.As(err, &se) || !se.Permanent || !strings.Contains(se.Advice, `give member "ann" an opsgenie username`) {
			t.Errorf("User(%+v): %v; want a permanent error with advice", tt.m, err)
		}
	}
}

func TestPutUpdateDelete(t *testing.T) {
	p, s := setup(t)
	ctx := context.Background()
	o := override("s1", "ann@example.com", t0.In(time.FixedZone("CET", 3600)), 8)

	id, err := p.Put(ctx, "ops", "web", o)
	if err != nil {
		t.Fatal(err)
	}
	if id != activities.OverrideAlias("web", "s1", 0) {
		t.Errorf("Put id %q", id)
	}
	want := []opsgeniefake.Override{{Alias: id, User: "ann@example.com", Start: t0, End: t0.Add(8 * time.Hour)}}
	if got := s.Overrides("ops"); !slices.Equal(got, want) {
		t.Fatalf("after create: %+v, want %+v", got, want)
	}
	calls := s.Calls()
	if c := calls[len(calls)-1]; c.Method != "POST" || c.Path != "/v2/schedules/ops/overrides" || c.Query.Get("scheduleIdentifierType") != "name" ||
		!strings.Contains(c.Body, `"startDate":"2030-01-06T09:00:00Z"`) || !strings.Contains(c.Body, `"username":"ann@example.com"`) {
		t.Errorf("create call: %+v", c)
	}

	// the same shift and user again, new times: the override is updated
	o.End = o.End.Add(time.Hour)
	if id2, err := p.Put(ctx, "ops", "web", o); err != nil || id2 != id {
		t.Fatalf("Put again: %q, %v", id2, err)
	}
	want[0].End = t0.Add(9 * time.Hour)
	if got := s.Overrides("ops"); !slices.Equal(got, want) {
		t.Fatalf("after update: %+v, want %+v", got, want)
	}

	if err := p.Delete(ctx, "ops", activities.PagerOverride{ID: id}); err != nil {
		t.Fatal(err)
	}
	if got := s.Overrides("ops"); len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
	// already gone: fine
	if err := p.Delete(ctx, "ops", activities.PagerOverride{ID: id}); err != nil {
		t.Errorf("delete again: %v", err)
	}
}

func TestOverrides(t *testing.T) {
	p, s := setup(t)
	web := func(shift, user string) string { return activities.OverrideAlias("web", shift+"/"+user, 0) }
	day := 24 * time.Hour
	for _, o := range []opsgeniefake.Override{
		{Alias: web("s1", "ann@example.com"), User: "ann@example.com", Start: t0, End: t0.Add(8 * time.Hour)},
		{Alias: web("s2", "bob@example.com"), User: "bob@example.com", Start: t0.Add(day), End: t0.Add(day + 8*time.Hour)},
		{Alias: web("s3", "ann@example.com"), User: "ann@example.com", Start: t0.Add(3 * day), End: t0.Add(3*day + 8*time.Hour)},
		{Alias: web("s0", "bob@example.com"), User: "bob@example.com", Start: t0.Add(-day), End: t0},
		{Alias: activities.OverrideAlias("web-b", "s1", 0), User: "bob@example.com", Start: t0, End: t0.Add(time.Hour)},
		{Alias: activities.OverrideAlias("api", "s1", 0), User: "bob@example.com", Start: t0, End: t0.Add(time.Hour)},
		{Alias: "by-hand", User: "bob@example.com", Start: t0, End: t0.Add(time.Hour)},
	} {
		s.SetOverride("ops", o)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"window", t0, t0.Add(2 * day), []string{web("s1", "ann@example.com"), web("s2", "bob@example.com")}},
		{"starts inside a shift", t0.Add(time.Hour), t0.Add(day), []string{web("s1", "ann@example.com")}},
		{"open end", t0.Add(day), time.Time{}, []string{web("s2", "bob@example.com"), web("s3", "ann@example.com")}},
		{"empty", t0.Add(10 * day), t0.Add(11 * day), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Overrides(context.Background(), "ops", "web", tt.from, tt.to, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range got {
				ids = append(ids, o.ID)
				if o.Shift != "" || o.User == "" || o.Start.Location() != time.UTC {
					t.Errorf("override %+v", o)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
		})
	}
	got, _ := p.Overrides(context.Background(), "ops", "web", t0, t0.Add(time.Hour), nil)
	want := []activities.PagerOverride{{ID: web("s1", "ann@example.com"), User: "ann@example.com", Start: t0, End: t0.Add(8 * time.Hour)}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestOnCall(t *testing.T) {
	p, s := setup(t)
	s.SetOverride("ops", opsgeniefake.Override{Alias: "a", User: "bob@example.com", Start: t0, End: t0.Add(8 * time.Hour)})
	s.SetOverride("ops", opsgeniefake.Override{Alias: "b", User: "ann@example.com", Start: t0.Add(4 * time.Hour), End: t0.Add(12 * time.Hour)})
	tests := []struct {
		at   time.Time
		want []string
	}{
		{t0.Add(-time.Minute), nil},
		{t0, []string{"bob@example.com"}},
		{t0.Add(5 * time.Hour).In(time.FixedZone("EST", -5*3600)), []string{"ann@example.com", "bob@example.com"}},
		{t0.Add(9 * time.Hour), []string{"ann@example.com"}},
	}
	for _, tt := range tests {
		got, err := p.OnCall(context.Background(), "ops", tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("OnCall(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
	c := s.Calls()[len(s.Calls())-1]
	if c.Path != "/v2/schedules/ops/on-calls" || c.Query.Get("flat") != "true" || c.Query.Get("date") != "2030-01-06T18:00:00.000Z" {
		t.Errorf("on-calls call: %+v", c)
	}
}

func TestRateLimit(t *testing.T) {
	p, s := setup(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		retryAfter int
		want       time.Duration
	}{
		{"Retry-After", 2, 2 * time.Second},
		{"none given", 0, defaultRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			s.Fail("POST", "/v2/schedules/ops/overrides", opsgeniefake.Fault{Status: 429, RetryAfter: tt.retryAfter})
			_, err := p.Put(ctx, "ops", "web", override("s1", "ann@example.com", t0, 8))
			var se *activities.SendError
			if !errors.As(err, &se) || se.Permanent || se.RetryAfter != tt.want {
				t.Fatalf("Put: %#v; want a SendError with RetryAfter %s", err, tt.want)
			}
			if n := len(s.Calls()); n != 1 {
				t.Errorf("%d calls: the SDK retried", n)
			}
		})
	}
	if _, err := p.Put(ctx, "ops", "web", override("s1", "ann@example.com", t0, 8)); err != nil {
		t.Errorf("Put after the limit: %v", err)
	}
}

func TestRetryable(t *testing.T) {
	p, s := setup(t)
	ctx := context.Background()
	s.SetOverride("ops", opsgeniefake.Override{Alias: "x", User: "ann@example.com", Start: t0, End: t0.Add(time.Hour)})
	tests := []struct {
		name  string
		fault opsgeniefake.Fault
		call  func() error
	}{
		{"5xx", opsgeniefake.Fault{Status: 503}, func() error {
			_, err := p.Overrides(ctx, "ops", "web", t0, t0.Add(time.Hour), nil)
			return err
		}},
		// (Go's transport itself sends a GET again whose reply was lost)
		{"reply lost", opsgeniefake.Fault{DropReply: true}, func() error {
			return p.Delete(ctx, "ops", activities.PagerOverride{ID: "x"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			s.Fail("", "/v2/schedules/ops/overrides", tt.fault)
			err := tt.call()
			if err == nil || activities.IsPermanent(err) {
				t.Fatalf("%v; want a retryable error", err)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error shows the key: %v", err)
			}
			if n := len(s.Calls()); n != 1 {
				t.Errorf("%d calls: the SDK retried", n)
			}
		})
	}
}

// A create whose reply is lost was done: putting it again updates it.
func TestPutAfterLostReply(t *testing.T) {
	p, s := setup(t)
	ctx := context.Background()
	o := override("s1", "ann@example.com", t0, 8)
	s.Fail("POST", "/v2/schedules/ops/overrides", opsgeniefake.Fault{DropReply: true})
	if _, err := p.Put(ctx, "ops", "web", o); err == nil || activities.IsPermanent(err) {
		t.Fatalf("Put with the reply lost: %v; want a retryable error", err)
	}
	s.Reset()
	id, err := p.Put(ctx, "ops", "web", o)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Overrides("ops"); len(got) != 1 || got[0].Alias != id {
		t.Errorf("overrides: %+v", got)
	}
	var methods []string
	for _, c := range s.Calls() {
		methods = append(methods, c.Method)
	}
	if !slices.Equal(methods, []string{"POST", "PUT"}) {
		t.Errorf("calls %v, want create then update", methods)
	}
}

func TestPermanent(t *testing.T) {
	p, s := setup(t)
	bad, err := New("wrong-key", s.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.SetOverride("ops", opsgeniefake.Override{Alias: "x", User: "ann@example.com", Start: t0, End: t0.Add(time.Hour)})
	put := func(p *Pager, sched, user string) error {
		_, err := p.Put(ctx, sched, "web", override("s1", user, t0, 8))
		return err
	}
	tests := []struct {
		name   string
		call   func() error
		advice string
	}{
		{"bad key, put", func() error { return put(bad, "ops", "ann@example.com") }, adviceKey},
		{"bad key, list", func() error {
			_, err := bad.Overrides(ctx, "ops", "web", t0, t0.Add(time.Hour), nil)
			return err
		}, adviceKey},
		{"bad key, on call", func() error { _, err := bad.OnCall(ctx, "ops", t0); return err }, adviceKey},
		{"bad key, delete", func() error { return bad.Delete(ctx, "ops", activities.PagerOverride{ID: "x"}) }, adviceKey},
		{"forbidden", func() error {
			s.Fail("", "/v2/schedules/ops", opsgeniefake.Fault{Status: 403})
			return put(p, "ops", "ann@example.com")
		}, adviceKey},
		{"unknown schedule, put", func() error { return put(p, "dev", "ann@example.com") },
			`check rotations[].opsgenie.schedule: no schedule named "dev"`},
		{"unknown schedule, list", func() error {
			_, err := p.Overrides(ctx, "dev", "web", t0, t0.Add(time.Hour), nil)
			return err
		}, `check rotations[].opsgenie.schedule: no schedule named "dev"`},
		{"unknown schedule, on call", func() error { _, err := p.OnCall(ctx, "dev", t0); return err },
			`check rotations[].opsgenie.schedule: no schedule named "dev"`},
		{"unknown schedule, delete", func() error { return p.Delete(ctx, "dev", activities.PagerOverride{ID: "x"}) },
			`check rotations[].opsgenie.schedule: no schedule named "dev"`},
		{"no schedule", func() error { return put(p, "", "ann@example.com") }, "check rotations[].opsgenie.schedule: it is empty"},
		{"unknown user", func() error { return put(p, "ops", "eve@example.com") },
			`check members[].opsgenie of the member: Opsgenie has no user "eve@example.com"`},
		{"unknown user, update", func() error {
			// the alias is taken, the update names a user Opsgenie lacks
			s.SetOverride("ops", opsgeniefake.Override{Alias: activities.OverrideAlias("web", "s1", 1),
				User: "ann@example.com", Start: t0, End: t0.Add(time.Hour)})
			return put(p, "ops", "eve@example.com")
		}, `check members[].opsgenie of the member: Opsgenie has no user "eve@example.com"`},
		{"bad override", func() error {
			_, err := p.Put(ctx, "ops", "web", override("s1", "ann@example.com", t0, 0))
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !activities.IsPermanent(err) {
				t.Fatalf("%v; want a permanent error", err)
			}
			var se *activities.SendError
			if !errors.As(err, &se) || se.Advice != tt.advice {
				t.Errorf("advice %q, want %q", se.Advice, tt.advice)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "wrong-key") {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{" 7 ", 7 * time.Second},
		{"-3", 0},
		{"Tue, 01 Jan 2030 00:01:00 GMT", time.Minute},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.v, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
