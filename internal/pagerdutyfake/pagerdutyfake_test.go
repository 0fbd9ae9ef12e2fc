package pagerdutyfake

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

const testToken = "pd-test-token"

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func hours(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// setup starts a server with schedule PS1, users PU1 and PU2, and a
// go-pagerduty client pointed at it.
func setup(t *testing.T) (*Server, *pagerduty.Client) {
	t.Helper()
	srv := New(testToken)
	t.Cleanup(srv.Close)
	srv.AddSchedule("PS1")
	srv.AddUser("PU1", "alice@example.com")
	srv.AddUser("PU2", "bob@example.com")
	return srv, pagerduty.NewClient(testToken, pagerduty.WithAPIEndpoint(srv.URL()))
}

func create(t *testing.T, c *pagerduty.Client, schedule, user string, from, to time.Time) (*pagerduty.Override, error) {
	t.Helper()
	return c.CreateOverrideWithContext(context.Background(), schedule, pagerduty.Override{
		Start: rfc(from), End: rfc(to), User: pagerduty.APIObject{ID: user, Type: "user_reference"},
	})
}

func asAPIError(t *testing.T, err error) pagerduty.APIError {
	t.Helper()
	var ae pagerduty.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	return ae
}

func TestWrongToken(t *testing.T) {
	srv, _ := setup(t)
	c := pagerduty.NewClient("wrong", pagerduty.WithAPIEndpoint(srv.URL()))
	_, err := c.ListOverridesWithContext(context.Background(), "PS1", pagerduty.ListOverridesOptions{Since: rfc(t0), Until: rfc(hours(1))})
	ae := asAPIError(t, err)
	if ae.StatusCode != http.StatusUnauthorized || ae.APIError.ErrorObject.Code != 2006 || ae.APIError.ErrorObject.Message != "Unauthorized" {
		t.Errorf("err = %+v, want 401 code 2006", ae)
	}
	if _, err := create(t, c, "PS1", "PU1", t0, hours(1)); err == nil {
		t.Fatal("create with a wrong token succeeded")
	}
	if n := len(srv.Overrides("PS1")); n != 0 {
		t.Errorf("%d overrides stored with a wrong token", n)
	}
	if n := len(srv.Calls()); n != 2 {
		t.Errorf("%d calls recorded, want 2", n)
	}
}

func TestCreateListDelete(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	o1, err := create(t, c, "PS1", "PU1", t0, hours(24))
	if err != nil {
		t.Fatal(err)
	}
	if o1.ID != "PO0001" || o1.User.ID != "PU1" || o1.Start != rfc(t0) || o1.End != rfc(hours(24)) {
		t.Errorf("created %+v", o1)
	}
	o2, err := create(t, c, "PS1", "PU2", hours(24).In(time.FixedZone("x", 3600)), hours(48))
	if err != nil {
		t.Fatal(err)
	}
	if o2.ID != "PO0002" || o2.Start != rfc(hours(24)) {
		t.Errorf("second created %+v, want PO0002 starting %s (UTC)", o2, rfc(hours(24)))
	}
	hand := srv.AddOverride("PS1", Override{User: "PU2", Start: hours(-2), End: hours(-1)})
	if hand != "PO0003" {
		t.Errorf("AddOverride id %q, want PO0003", hand)
	}
	want := []Override{
		{ID: "PO0003", User: "PU2", Start: hours(-2), End: hours(-1)},
		{ID: "PO0001", User: "PU1", Start: t0, End: hours(24)},
		{ID: "PO0002", User: "PU2", Start: hours(24), End: hours(48)},
	}
	if got := srv.Overrides("PS1"); !reflect.DeepEqual(got, want) {
		t.Errorf("Overrides = %+v\nwant %+v", got, want)
	}

	tests := []struct {
		name         string
		since, until time.Time
		overflow     bool
		want         []string // id start end
	}{
		{"all", hours(-10), hours(100), true, []string{"PO0003", "PO0001", "PO0002"}},
		{"overlapping", hours(12), hours(30), true, []string{"PO0001", "PO0002"}},
		{"touching ends excluded", hours(-1), t0, true, nil},
		{"cut at bounds without overflow", hours(12), hours(30), false, []string{"PO0001", "PO0002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.ListOverridesWithContext(ctx, "PS1", pagerduty.ListOverridesOptions{Since: rfc(tt.since), Until: rfc(tt.until), Overflow: tt.overflow})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range r.Overrides {
				ids = append(ids, o.ID)
				if o.User.Type != "user_reference" {
					t.Errorf("%s user %+v", o.ID, o.User)
				}
				if !tt.overflow && (o.Start < rfc(tt.since) || o.End > rfc(tt.until)) {
					t.Errorf("%s %s..%s not cut at %s..%s", o.ID, o.Start, o.End, rfc(tt.since), rfc(tt.until))
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
		})
	}

	if err := c.DeleteOverrideWithContext(ctx, "PS1", "PO0001"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Overrides("PS1"); len(got) != 2 || got[1].ID != "PO0002" {
		t.Errorf("after delete: %+v", got)
	}
	err = c.DeleteOverrideWithContext(ctx, "PS1", "PO0001")
	if ae := asAPIError(t, err); !ae.NotFound() {
		t.Errorf("second delete: %v, want 404", err)
	}
	srv.DeleteOverride("PS1", "PO0003")
	if got := srv.Overrides("PS1"); len(got) != 1 {
		t.Errorf("after DeleteOverride: %+v", got)
	}
}

func TestCreateRefused(t *testing.T) {
	_, c := setup(t)
	tests := []struct {
		name     string
		schedule string
		user     string
		from, to time.Time
		status   int
		detail   string
	}{
		{"unknown schedule", "PSX", "PU1", t0, hours(1), 404, ""},
		{"unknown user", "PS1", "PUX", t0, hours(1), 400, "User not found"},
		{"empty", "PS1", "PU1", t0, t0, 400, "Override must end after its start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := create(t, c, tt.schedule, tt.user, tt.from, tt.to)
			ae := asAPIError(t, err)
			if ae.StatusCode != tt.status {
				t.Errorf("status %d, want %d (%v)", ae.StatusCode, tt.status, err)
			}
			if tt.status == 404 && ae.APIError.ErrorObject.Code != 2100 {
				t.Errorf("code %d, want 2100", ae.APIError.ErrorObject.Code)
			}
			if tt.detail != "" && (ae.APIError.ErrorObject.Code != 2001 || !slices.Contains(ae.APIError.ErrorObject.Errors, tt.detail)) {
				t.Errorf("error %+v, want code 2001 with %q", ae.APIError.ErrorObject, tt.detail)
			}
		})
	}
}

func TestListNeedsWindow(t *testing.T) {
	_, c := setup(t)
	_, err := c.ListOverridesWithContext(context.Background(), "PS1", pagerduty.ListOverridesOptions{Since: rfc(t0)})
	if ae := asAPIError(t, err); ae.StatusCode != 400 {
		t.Errorf("list without until: %v, want 400", err)
	}
	_, err = c.ListOverridesWithContext(context.Background(), "PS1", pagerduty.ListOverridesOptions{Since: rfc(hours(1)), Until: rfc(t0)})
	if ae := asAPIError(t, err); ae.StatusCode != 400 {
		t.Errorf("list with until before since: %v, want 400", err)
	}
}

func TestOnCalls(t *testing.T) {
	srv, c := setup(t)
	srv.AddSchedule("PS2")
	srv.AddOverride("PS1", Override{User: "PU1", Start: t0, End: hours(24)})
	srv.AddOverride("PS1", Override{User: "PU2", Start: hours(12), End: hours(36)})
	srv.AddOverride("PS1", Override{User: "PU1", Start: hours(30), End: hours(40)})
	srv.AddOverride("PS2", Override{User: "PU2", Start: t0, End: hours(24)})
	tests := []struct {
		name     string
		opts     pagerduty.ListOnCallOptions
		want     []string // user@schedule
		notFound bool
	}{
		{"instant", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(hours(6)), Until: rfc(hours(6))}, []string{"PU1@PS1"}, false},
		{"instant both", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(hours(12)), Until: rfc(hours(12))}, []string{"PU1@PS1", "PU2@PS1"}, false},
		{"instant at an end", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(hours(24)), Until: rfc(hours(24))}, []string{"PU2@PS1"}, false},
		{"window", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(hours(20)), Until: rfc(hours(35))}, []string{"PU1@PS1", "PU2@PS1", "PU1@PS1"}, false},
		{"earliest", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(hours(20)), Until: rfc(hours(35)), Earliest: true}, []string{"PU1@PS1", "PU2@PS1"}, false},
		{"two schedules", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1", "PS2"}, Since: rfc(hours(1)), Until: rfc(hours(1))}, []string{"PU1@PS1", "PU2@PS2"}, false},
		{"user filter", pagerduty.ListOnCallOptions{UserIDs: []string{"PU2"}, Since: rfc(hours(1)), Until: rfc(hours(1))}, []string{"PU2@PS2"}, false},
		{"unknown schedule", pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PSX"}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.ListOnCallsWithContext(context.Background(), tt.opts)
			if tt.notFound {
				if ae := asAPIError(t, err); !ae.NotFound() {
					t.Errorf("err = %v, want 404", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, oc := range r.OnCalls {
				got = append(got, oc.User.ID+"@"+oc.Schedule.ID)
				if oc.Start == "" || oc.End == "" || oc.EscalationLevel != 1 {
					t.Errorf("entry %+v", oc)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("on call %v, want %v", got, tt.want)
			}
		})
	}
	// since and until default to now: only an override around now counts.
	srv.AddOverride("PS2", Override{User: "PU1", Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour)})
	r, err := c.ListOnCallsWithContext(context.Background(), pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.OnCalls) != 1 || r.OnCalls[0].User.ID != "PU1" {
		t.Errorf("on call now: %+v", r.OnCalls)
	}
}

func TestOnCallsPages(t *testing.T) {
	srv, c := setup(t)
	for i := range 30 {
		srv.AddOverride("PS1", Override{User: "PU1", Start: hours(i), End: hours(i + 1)})
	}
	opts := pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(t0), Until: rfc(hours(30))}
	r, err := c.ListOnCallsWithContext(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.OnCalls) != 25 || !r.More || r.Limit != 25 {
		t.Fatalf("first page: %d entries, more %v, limit %d", len(r.OnCalls), r.More, r.Limit)
	}
	opts.Offset = 25
	if r, err = c.ListOnCallsWithContext(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if len(r.OnCalls) != 5 || r.More || r.OnCalls[0].Start != rfc(hours(25)) {
		t.Errorf("second page: %d entries, more %v", len(r.OnCalls), r.More)
	}
}

func TestUsers(t *testing.T) {
	srv, c := setup(t)
	srv.AddUser("PU3", "Alice.Jones@Example.com")
	tests := []struct {
		query string
		want  []string
	}{
		{"bob@example.com", []string{"PU2"}},
		{"BOB@example.com", []string{"PU2"}},
		{"alice", []string{"PU1", "PU3"}},
		{"nobody@example.com", nil},
		{"", []string{"PU1", "PU2", "PU3"}},
	}
	for _, tt := range tests {
		r, err := c.ListUsersWithContext(context.Background(), pagerduty.ListUsersOptions{Query: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range r.Users {
			got = append(got, u.ID)
			if u.Email == "" || u.Name == "" {
				t.Errorf("user %+v", u)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("query %q: %v, want %v", tt.query, got, tt.want)
		}
	}
	if calls := srv.Calls(); calls[0].Path != "/users" || calls[0].Query.Get("query") != "bob@example.com" {
		t.Errorf("call %+v", calls[0])
	}
}

func TestCalls(t *testing.T) {
	srv, c := setup(t)
	if _, err := create(t, c, "PS1", "PU1", t0, hours(1)); err != nil {
		t.Fatal(err)
	}
	_, _ = c.ListOnCallsWithContext(context.Background(), pagerduty.ListOnCallOptions{ScheduleIDs: []string{"PS1"}, Since: rfc(t0), Until: rfc(t0)})
	calls := srv.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	if calls[0].Method != "POST" || calls[0].Path != "/schedules/PS1/overrides" || !strings.Contains(calls[0].Body, `"user":{"id":"PU1","type":"user_reference"}`) || calls[0].Time.IsZero() {
		t.Errorf("create call %+v", calls[0])
	}
	if calls[1].Method != "GET" || calls[1].Path != "/oncalls" || calls[1].Query.Get("schedule_ids[]") != "PS1" || calls[1].Query.Get("since") != rfc(t0) {
		t.Errorf("on-call call %+v", calls[1])
	}
	for _, call := range calls {
		if strings.Contains(call.Body, testToken) {
			t.Errorf("token in call %+v", call)
		}
	}
	srv.Reset()
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls after Reset", n)
	}
	if n := len(srv.Overrides("PS1")); n != 1 {
		t.Errorf("Reset dropped overrides: %d left", n)
	}
}

func TestFaults(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	list := func() error {
		_, err := c.ListOverridesWithContext(ctx, "PS1", pagerduty.ListOverridesOptions{Since: rfc(t0), Until: rfc(hours(1))})
		return err
	}

	t.Run("rate limit", func(t *testing.T) {
		srv.Fail("GET", "/schedules/PS1", Fault{Status: 429, RetryAfter: 7})
		c.SetDebugFlag(pagerduty.DebugCaptureLastResponse)
		defer c.SetDebugFlag(pagerduty.DebugDisabled)
		ae := asAPIError(t, list())
		if !ae.RateLimited() || ae.APIError.ErrorObject.Code != 2020 {
			t.Errorf("err = %+v, want 429 code 2020", ae)
		}
		resp, ok := c.LastAPIResponse()
		if !ok || resp.Header.Get("Retry-After") != "7" || resp.Header.Get("ratelimit-reset") != "7" {
			t.Errorf("response headers %v", resp.Header)
		}
		if err := list(); err != nil {
			t.Errorf("the fault was used twice: %v", err)
		}
	})

	t.Run("other method or path", func(t *testing.T) {
		srv.Fail("POST", "/schedules/PS1", Fault{Status: 500})
		srv.Fail("", "/oncalls", Fault{Status: 503})
		if err := list(); err != nil {
			t.Errorf("GET took the POST fault: %v", err)
		}
		_, err := create(t, c, "PS1", "PU1", t0, hours(1))
		if ae := asAPIError(t, err); ae.StatusCode != 500 || !ae.Temporary() {
			t.Errorf("create: %v, want 500", err)
		}
		if n := len(srv.Overrides("PS1")); n != 0 {
			t.Errorf("a failed create stored %d overrides", n)
		}
		_, err = c.ListOnCallsWithContext(ctx, pagerduty.ListOnCallOptions{})
		if ae := asAPIError(t, err); ae.StatusCode != 503 {
			t.Errorf("oncalls: %v, want 503", err)
		}
	})

	t.Run("drop reply", func(t *testing.T) {
		srv.Fail("POST", "/schedules/PS1/overrides", Fault{DropReply: true})
		_, err := create(t, c, "PS1", "PU1", t0, hours(1))
		if err == nil {
			t.Fatal("create with a dropped reply succeeded")
		}
		var ae pagerduty.APIError
		if errors.As(err, &ae) {
			t.Errorf("err = %v, want a network error", err)
		}
		if got := srv.Overrides("PS1"); len(got) != 1 || got[0].User != "PU1" {
			t.Errorf("overrides %+v, want the one created before the reply was lost", got)
		}
	})
}

func TestDeleteWithClock(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.SetNow(func() time.Time { return hours(10) })
	past := srv.AddOverride("PS1", Override{User: "PU1", Start: t0, End: hours(5)})
	current := srv.AddOverride("PS1", Override{User: "PU1", Start: hours(5), End: hours(15)})
	future := srv.AddOverride("PS1", Override{User: "PU2", Start: hours(15), End: hours(20)})

	if err := c.DeleteOverrideWithContext(ctx, "PS1", past); err == nil {
		t.Error("deleting a past override succeeded")
	}
	if err := c.DeleteOverrideWithContext(ctx, "PS1", current); err != nil {
		t.Error(err)
	}
	if err := c.DeleteOverrideWithContext(ctx, "PS1", future); err != nil {
		t.Error(err)
	}
	want := []Override{
		{ID: past, User: "PU1", Start: t0, End: hours(5)},
		{ID: current, User: "PU1", Start: hours(5), End: hours(10)},
	}
	if got := srv.Overrides("PS1"); !reflect.DeepEqual(got, want) {
		t.Errorf("Overrides = %+v\nwant %+v", got, want)
	}
}
