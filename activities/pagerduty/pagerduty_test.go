package pagerduty

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/pagerdutyfake"
)

const testToken = "pd-secret-token-4711"

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func hours(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }

// setup starts a fake PagerDuty with schedule PS1 and users PU1 (alice),
// PU2 (bob), and a Pager pointed at it.
func setup(t *testing.T) (*pagerdutyfake.Server, *Pager) {
	t.Helper()
	srv := pagerdutyfake.New(testToken)
	t.Cleanup(srv.Close)
	srv.AddSchedule("PS1")
	srv.AddUser("PU1", "alice@example.com")
	srv.AddUser("PU2", "bob@example.com")
	p, err := New(testToken, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return srv, p
}

// sendError checks err is a SendError without the token, and returns it.
func sendError(t *testing.T, err error) *activities.SendError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the token is in the error: %v", err)
	}
	var se *activities.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want a SendError", err, err)
	}
	return se
}

func TestNew(t *testing.T) {
	tests := []struct {
		token, url string
		want       string // the endpoint; "" for an error
	}{
		{testToken, "", DefaultAPIURL},
		{testToken, "https://api.eu.pagerduty.com", "https://api.eu.pagerduty.com"},
		{testToken, "http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{testToken, "https://proxy.example.com/pagerduty//", "https://proxy.example.com/pagerduty"},
		{testToken, "api.pagerduty.com", ""},
		{testToken, "ftp://api.pagerduty.com", ""},
		{testToken, "http://", ""},
		{testToken, "https://api.pagerduty.com/?x=1", ""},
		{testToken, "://bad", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		p, err := New(tt.token, tt.url)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("New(%q, %q) = %q, want an error", tt.token, tt.url, p.url)
		case tt.want != "" && err != nil:
			t.Errorf("New(%q, %q): %v", tt.token, tt.url, err)
		case err == nil && p.url != tt.want:
			t.Errorf("New(%q, %q): endpoint %q, want %q", tt.token, tt.url, p.url, tt.want)
		case err != nil && strings.Contains(err.Error(), testToken):
			t.Errorf("the token is in the error: %v", err)
		}
	}
	p, err := New(testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "pagerduty" || p.Alias("sre", "s1", 0) != "" {
		t.Errorf("Name %q, Alias %q", p.Name(), p.Alias("sre", "s1", 0))
	}
}

func TestURLWithSlash(t *testing.T) {
	srv, _ := setup(t)
	p, err := New(testToken, srv.URL()+"/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Put(context.Background(), "PS1", "sre", activities.PagerOverride{User: "PU1", Start: t0, End: hours(1)}); err != nil {
		t.Fatal(err)
	}
	if c := srv.Calls(); len(c) != 2 || c[1].Path != "/schedules/PS1/overrides" {
		t.Errorf("calls %+v", c)
	}
}

func TestPut(t *testing.T) {
	ctx := context.Background()
	zone := time.FixedZone("CET", 3600)
	tests := []struct {
		name     string
		existing bool   // an override PO0001 stands
		id       string // the o.ID given
		wantID   string
		calls    []string
	}{
		{"creates", false, "", "PO0001", []string{"GET /schedules/PS1/overrides", "POST /schedules/PS1/overrides"}},
		{"replaces", true, "PO0001", "PO0002", []string{"DELETE /schedules/PS1/overrides/PO0001", "GET /schedules/PS1/overrides", "POST /schedules/PS1/overrides"}},
		{"replaces one already gone", false, "PO0009", "PO0001", []string{"DELETE /schedules/PS1/overrides/PO0009", "GET /schedules/PS1/overrides", "POST /schedules/PS1/overrides"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := setup(t)
			if tt.existing {
				srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU2", Start: t0, End: hours(24)})
			}
			id, err := p.Put(ctx, "PS1", "sre", activities.PagerOverride{Shift: "s1", ID: tt.id, User: "PU1", Start: t0.In(zone), End: hours(24).In(zone)})
			if err != nil {
				t.Fatal(err)
			}
			if id != tt.wantID {
				t.Errorf("id %q, want %q", id, tt.wantID)
			}
			want := []pagerdutyfake.Override{{ID: tt.wantID, User: "PU1", Start: t0, End: hours(24)}}
			if got := srv.Overrides("PS1"); !reflect.DeepEqual(got, want) {
				t.Errorf("overrides %+v, want %+v", got, want)
			}
			calls := srv.Calls()
			var got []string
			for _, c := range calls {
				got = append(got, c.Method+" "+c.Path)
			}
			if !slices.Equal(got, tt.calls) {
				t.Errorf("calls %v, want %v", got, tt.calls)
			}
			body := calls[len(calls)-1].Body
			for _, s := range []string{`"start":"2026-11-23T09:00:00Z"`, `"end":"2026-11-24T09:00:00Z"`, `"user":{"id":"PU1","type":"user_reference"}`} {
				if !strings.Contains(body, s) {
					t.Errorf("create body %s lacks %s", body, s)
				}
			}
		})
	}
}

func TestPutRefused(t *testing.T) {
	_, p := setup(t)
	for _, o := range []activities.PagerOverride{
		{Shift: "s1", Start: t0, End: hours(1)},
		{Shift: "s1", User: "PU1", Start: t0, End: t0},
	} {
		_, err := p.Put(context.Background(), "PS1", "sre", o)
		if !activities.IsPermanent(err) {
			t.Errorf("Put(%+v): %v, want a permanent error", o, err)
		}
	}
}

func TestDelete(t *testing.T) {
	srv, p := setup(t)
	ctx := context.Background()
	id := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU1", Start: t0, End: hours(1)})
	other := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU2", Start: t0, End: hours(1)})
	if err := p.Delete(ctx, "PS1", activities.PagerOverride{ID: id}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Overrides("PS1"); len(got) != 1 || got[0].ID != other {
		t.Errorf("overrides %+v, want only %s", got, other)
	}
	if err := p.Delete(ctx, "PS1", activities.PagerOverride{ID: id}); err != nil {
		t.Errorf("deleting one already gone: %v", err)
	}
	if err := p.Delete(ctx, "PS1", activities.PagerOverride{}); !activities.IsPermanent(err) {
		t.Errorf("deleting without an id: %v, want a permanent error", err)
	}
}

func TestOverrides(t *testing.T) {
	srv, p := setup(t)
	before := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU1", Start: hours(-24), End: t0})
	across := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU1", Start: hours(-12), End: hours(12)})
	inside := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU2", Start: hours(24), End: hours(48)})
	theirs := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU2", Start: hours(1), End: hours(2)})
	after := srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU2", Start: hours(72), End: hours(96)})
	known := []string{before, across, inside, after, "PO9999"}

	got, err := p.Overrides(context.Background(), "PS1", "sre", t0, hours(72), known)
	if err != nil {
		t.Fatal(err)
	}
	want := []activities.PagerOverride{
		{ID: across, User: "PU1", Start: hours(-12), End: hours(12)}, // its own start, not the window's
		{ID: inside, User: "PU2", Start: hours(24), End: hours(48)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Overrides = %+v\nwant %+v (not %s, theirs)", got, want, theirs)
	}
	q := srv.Calls()[0].Query
	if q.Get("since") != "2026-11-23T09:00:00Z" || q.Get("until") != "2026-11-26T09:00:00Z" || q.Get("overflow") != "true" {
		t.Errorf("query %v", q)
	}
	if got, err := p.Overrides(context.Background(), "PS1", "sre", t0, hours(72), nil); err != nil || len(got) != 0 {
		t.Errorf("none known: %+v, %v", got, err)
	}
}

func TestOnCall(t *testing.T) {
	srv, p := setup(t)
	srv.AddUser("PU3", "carol@example.com")
	srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU2", Start: t0, End: hours(24)})
	srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU1", Start: t0, End: hours(12)})
	srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU1", Start: hours(-6), End: hours(6)})
	srv.AddOverride("PS1", pagerdutyfake.Override{User: "PU3", Start: hours(24), End: hours(48)})
	tests := []struct {
		at   time.Time
		want []string
	}{
		{hours(1), []string{"PU1", "PU2"}},
		{hours(12), []string{"PU2"}},
		{hours(24), []string{"PU3"}},
		{hours(-12), nil},
	}
	for _, tt := range tests {
		got, err := p.OnCall(context.Background(), "PS1", tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("OnCall(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
	q := srv.Calls()[0].Query
	if q.Get("schedule_ids[]") != "PS1" || q.Get("since") != "2026-11-23T10:00:00Z" || q.Get("until") != q.Get("since") {
		t.Errorf("query %v", q)
	}
}

func TestOnCallPages(t *testing.T) {
	srv, p := setup(t)
	var want []string
	for i := range 120 {
		id := "PU" + string(rune('A'+i/26)) + string(rune('A'+i%26))
		srv.AddUser(id, strings.ToLower(id)+"@example.com")
		srv.AddOverride("PS1", pagerdutyfake.Override{User: id, Start: t0, End: hours(1)})
		want = append(want, id)
	}
	got, err := p.OnCall(context.Background(), "PS1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("OnCall = %d users, want %d", len(got), len(want))
	}
	if n := len(srv.Calls()); n != 2 {
		t.Errorf("%d calls, want 2 pages", n)
	}
}

func TestUser(t *testing.T) {
	srv, p := setup(t)
	srv.AddUser("PU3", "alice.jones@example.com")
	ctx := context.Background()
	tests := []struct {
		m    config.Member
		want string
	}{
		{config.Member{ID: "alice", Email: "alice@example.com"}, "PU1"},
		{config.Member{ID: "bob", Email: "Bob@Example.com"}, "PU2"},
		{config.Member{ID: "ajones", Email: "alice.jones@example.com"}, "PU3"},
	}
	for _, tt := range tests {
		got, err := p.User(ctx, tt.m)
		if err != nil || got != tt.want {
			t.Errorf("User(%s) = %q, %v; want %q", tt.m.ID, got, err, tt.want)
		}
	}
	srv.Reset()
	for _, tt := range tests {
		if got, err := p.User(ctx, tt.m); err != nil || got != tt.want {
			t.Errorf("User(%s) again = %q, %v", tt.m.ID, got, err)
		}
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls for cached users, want 0", n)
	}

	for _, m := range []config.Member{{ID: "dave", Email: "dave@example.com"}, {ID: "erin"}, {ID: "al", Email: "alice"}} {
		se := sendError(t, func() error { _, err := p.User(ctx, m); return err }())
		want := "give member " + m.ID + " a pagerduty user id (members[].pagerduty) or an email PagerDuty knows"
		if !se.Permanent || se.Advice != want {
			t.Errorf("User(%s): %+v, want permanent with %q", m.ID, se, want)
		}
	}
}

func TestUserConcurrent(t *testing.T) {
	_, p := setup(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if id, err := p.User(context.Background(), config.Member{ID: "alice", Email: "alice@example.com"}); err != nil || id != "PU1" {
				t.Errorf("User = %q, %v", id, err)
			}
		})
	}
	wg.Wait()
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	o := activities.PagerOverride{Shift: "s1", User: "PU1", Start: t0, End: hours(1)}
	put := func(p *Pager, schedule string, o activities.PagerOverride) error {
		_, err := p.Put(ctx, schedule, "sre", o)
		return err
	}
	const (
		token    = "check ROTA_PAGERDUTY_TOKEN: a REST API key with write access (see README)"
		schedule = "check rotations[].pagerduty.schedule: no schedule PSX"
		user     = "check members[].pagerduty: PagerDuty has no user PUX"
	)
	tests := []struct {
		name   string
		token  string
		call   func(p *Pager) error
		advice string
	}{
		{"bad token: put", "wrong", func(p *Pager) error { return put(p, "PS1", o) }, token},
		{"bad token: overrides", "wrong", func(p *Pager) error {
			_, err := p.Overrides(ctx, "PS1", "sre", t0, hours(1), []string{"PO0001"})
			return err
		}, token},
		{"bad token: on call", "wrong", func(p *Pager) error { _, err := p.OnCall(ctx, "PS1", t0); return err }, token},
		{"bad token: delete", "wrong", func(p *Pager) error { return p.Delete(ctx, "PS1", activities.PagerOverride{ID: "PO0001"}) }, token},
		{"bad token: user", "wrong", func(p *Pager) error {
			_, err := p.User(ctx, config.Member{ID: "alice", Email: "alice@example.com"})
			return err
		}, token},
		{"unknown schedule: put", testToken, func(p *Pager) error { return put(p, "PSX", o) }, schedule},
		{"unknown schedule: replace", testToken, func(p *Pager) error {
			o := o
			o.ID = "PO0001"
			return put(p, "PSX", o)
		}, schedule},
		{"unknown schedule: overrides", testToken, func(p *Pager) error {
			_, err := p.Overrides(ctx, "PSX", "sre", t0, hours(1), nil)
			return err
		}, schedule},
		{"unknown schedule: on call", testToken, func(p *Pager) error { _, err := p.OnCall(ctx, "PSX", t0); return err }, schedule},
		{"unknown user", testToken, func(p *Pager) error {
			o := o
			o.User = "PUX"
			return put(p, "PS1", o)
		}, user},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := setup(t)
			p, err := New(tt.token, srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			se := sendError(t, tt.call(p))
			if !se.Permanent || se.Advice != tt.advice {
				t.Errorf("%v: permanent %v, advice %q; want permanent, %q", se, se.Permanent, se.Advice, tt.advice)
			}
			if n := len(srv.Overrides("PS1")); n != 0 {
				t.Errorf("%d overrides made", n)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	srv, p := setup(t)
	srv.Fail("POST", "/schedules/PS1/overrides", pagerdutyfake.Fault{Status: 429, RetryAfter: 2})
	start := time.Now()
	_, err := p.Put(context.Background(), "PS1", "sre", activities.PagerOverride{User: "PU1", Start: t0, End: hours(1)})
	if d := time.Since(start); d > time.Second {
		t.Errorf("a 429 took %v to come back: retried inside the call?", d)
	}
	se := sendError(t, err)
	if se.Permanent || se.RetryAfter != 2*time.Second {
		t.Errorf("%v: permanent %v, RetryAfter %v; want retryable after 2s", se, se.Permanent, se.RetryAfter)
	}
	if n := len(srv.Calls()); n != 2 { // the look for an earlier create, the create
		t.Errorf("%d calls, want 2", n)
	}
	// The next call is not rate limited, and its error (none) carries no
	// stale wait.
	if _, err := p.Put(context.Background(), "PS1", "sre", activities.PagerOverride{User: "PU1", Start: t0, End: hours(1)}); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitReset(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ratelimit-reset", "5")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"message":"Rate Limit Exceeded","code":2020}}`))
	}))
	defer srv.Close()
	p, err := New(testToken, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.OnCall(context.Background(), "PS1", t0)
	if se := sendError(t, err); se.Permanent || se.RetryAfter != 5*time.Second {
		t.Errorf("%v: permanent %v, RetryAfter %v; want retryable after 5s", se, se.Permanent, se.RetryAfter)
	}
	if hits != 1 {
		t.Errorf("%d requests, want 1", hits)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second},
		{http.Header{"Retry-After": {"2"}, "Ratelimit-Reset": {"30"}}, 2 * time.Second},
		{http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, time.Minute},
		{http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{http.Header{"Ratelimit-Reset": {"30"}}, 30 * time.Second},
		{http.Header{"Ratelimit-Reset": {"1.5"}}, 1500 * time.Millisecond},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.h, now); got != tt.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	ctx := context.Background()
	o := activities.PagerOverride{User: "PU1", Start: t0, End: hours(1)}
	t.Run("server error", func(t *testing.T) {
		srv, p := setup(t)
		srv.Fail("GET", "/oncalls", pagerdutyfake.Fault{Status: 503})
		_, err := p.OnCall(ctx, "PS1", t0)
		if err == nil || activities.IsPermanent(err) || strings.Contains(err.Error(), testToken) {
			t.Errorf("err = %v, want a retryable error", err)
		}
	})
	t.Run("lost reply", func(t *testing.T) {
		srv, p := setup(t)
		srv.Fail("POST", "/schedules/PS1/overrides", pagerdutyfake.Fault{DropReply: true})
		_, err := p.Put(ctx, "PS1", "sre", o)
		if err == nil || activities.IsPermanent(err) || strings.Contains(err.Error(), testToken) {
			t.Errorf("err = %v, want a retryable error", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		srv, p := setup(t)
		srv.Close()
		err := p.Delete(ctx, "PS1", activities.PagerOverride{ID: "PO0001"})
		if err == nil || activities.IsPermanent(err) || strings.Contains(err.Error(), testToken) {
			t.Errorf("err = %v, want a retryable error", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		_, p := setup(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := p.Put(cctx, "PS1", "sre", o)
		if err == nil || activities.IsPermanent(err) {
			t.Errorf("err = %v, want a retryable error", err)
		}
	})
}

func TestRedact(t *testing.T) {
	p := &Pager{token: testToken}
	err := p.redact(errors.New("echoed " + testToken))
	if strings.Contains(err.Error(), testToken) || err.Error() != "echoed [token]" {
		t.Errorf("redact: %q", err)
	}
}

// TestPutAfterALostReply: the reply to a create is lost; putting the
// override again adopts the one made instead of making a second.
func TestPutAfterALostReply(t *testing.T) {
	srv, p := setup(t)
	srv.Fail("POST", "/schedules/PS1/overrides", pagerdutyfake.Fault{DropReply: true})
	o := activities.PagerOverride{Shift: "s1", User: "PU1", Start: t0, End: hours(24)}
	if _, err := p.Put(context.Background(), "PS1", "sre", o); err == nil {
		t.Fatal("a lost reply gave no error")
	}
	id, err := p.Put(context.Background(), "PS1", "sre", o)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Overrides("PS1"); len(got) != 1 || got[0].ID != id {
		t.Errorf("overrides %+v, want one, %s", got, id)
	}
}
