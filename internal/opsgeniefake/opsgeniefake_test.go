package opsgeniefake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const key = "k-123"

var t0 = time.Date(2030, 1, 6, 9, 0, 0, 0, time.UTC)

// do sends one request as the SDK would and decodes the reply.
func do(t *testing.T, s *Server, apiKey, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "GenieKey "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, out
}

func body(alias, user string, start, end time.Time) string {
	b, _ := json.Marshal(map[string]any{
		"alias":     alias,
		"user":      map[string]string{"type": "user", "username": user},
		"startDate": start, "endDate": end,
		// the SDK also sends its untagged fields
		"ScheduleIdentifierType": 0, "ScheduleIdentifier": "ops",
	})
	return string(b)
}

func newServer(t *testing.T) *Server {
	t.Helper()
	s := New(key)
	t.Cleanup(s.Close)
	s.AddSchedule("ops")
	s.AddUser("ann@example.com")
	s.AddUser("bob@example.com")
	return s
}

const q = "?scheduleIdentifierType=name"

func TestErrors(t *testing.T) {
	s := newServer(t)
	s.SetOverride("ops", Override{Alias: "a1", User: "ann@example.com", Start: t0, End: t0.Add(time.Hour)})
	tests := []struct {
		name, apiKey, method, path, body string
		status                           int
		message                          string
	}{
		{"bad key", "nope", "GET", "/v2/schedules/ops/overrides" + q, "", 401, "Could not authenticate"},
		{"unknown schedule", key, "GET", "/v2/schedules/dev/overrides" + q, "", 404, "Schedule with identifier [dev] doesn't exist"},
		{"schedule by id, given a name", key, "GET", "/v2/schedules/ops/overrides?scheduleIdentifierType=id", "", 404, "Schedule with identifier [ops] doesn't exist"},
		{"unknown user", key, "POST", "/v2/schedules/ops/overrides" + q, body("a2", "eve@example.com", t0, t0.Add(time.Hour)), 422, "User with username [eve@example.com] doesn't exist"},
		{"duplicate alias", key, "POST", "/v2/schedules/ops/overrides" + q, body("a1", "bob@example.com", t0, t0.Add(time.Hour)), 422, "Alias already exists"},
		{"end before start", key, "POST", "/v2/schedules/ops/overrides" + q, body("a3", "bob@example.com", t0, t0), 422, "End date should be later than start date"},
		{"update unknown alias", key, "PUT", "/v2/schedules/ops/overrides/zz" + q, body("", "bob@example.com", t0, t0.Add(time.Hour)), 404, "Override with alias [zz] doesn't exist"},
		{"delete unknown alias", key, "DELETE", "/v2/schedules/ops/overrides/zz" + q, "", 404, "Override with alias [zz] doesn't exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, out := do(t, s, tt.apiKey, tt.method, tt.path, tt.body)
			if status != tt.status || out["message"] != tt.message {
				t.Errorf("got %d %v, want %d %q", status, out["message"], tt.status, tt.message)
			}
			if out["requestId"] == "" || out["took"] == nil {
				t.Errorf("no requestId or took: %v", out)
			}
		})
	}
	if got := s.Overrides("ops"); len(got) != 1 || got[0].User != "ann@example.com" {
		t.Errorf("overrides changed by failed calls: %+v", got)
	}
}

func TestOverrideLifecycle(t *testing.T) {
	s := newServer(t)
	base := "/v2/schedules/ops/overrides"
	status, _, out := do(t, s, key, "POST", base+q, body("a1", "ann@example.com", t0, t0.Add(8*time.Hour)))
	if status != 201 || out["data"].(map[string]any)["alias"] != "a1" || out["result"] != "Created" {
		t.Fatalf("create: %d %v", status, out)
	}
	status, _, out = do(t, s, key, "GET", base+"/a1"+q, "")
	d := out["data"].(map[string]any)
	if status != 200 || d["alias"] != "a1" || d["startDate"] != "2030-01-06T09:00:00Z" || d["endDate"] != "2030-01-06T17:00:00Z" {
		t.Fatalf("get: %d %v", status, out)
	}
	if u := d["user"].(map[string]any); u["type"] != "user" || u["username"] != "ann@example.com" || u["id"] == "" {
		t.Errorf("get user: %v", u)
	}
	if p := d["_parent"].(map[string]any); p["name"] != "ops" {
		t.Errorf("get parent: %v", p)
	}

	later := t0.Add(24 * time.Hour)
	status, _, out = do(t, s, key, "PUT", base+"/a1"+q, body("", "bob@example.com", later, later.Add(time.Hour)))
	if status != 200 || out["data"].(map[string]any)["alias"] != "a1" {
		t.Fatalf("update: %d %v", status, out)
	}
	want := []Override{{Alias: "a1", User: "bob@example.com", Start: later, End: later.Add(time.Hour)}}
	if got := s.Overrides("ops"); !slices.Equal(got, want) {
		t.Errorf("after update: %+v, want %+v", got, want)
	}

	// an override without alias gets one made up
	status, _, out = do(t, s, key, "POST", base+q, body("", "ann@example.com", t0, t0.Add(time.Hour)))
	if status != 201 || out["data"].(map[string]any)["alias"] == "" {
		t.Fatalf("create without alias: %d %v", status, out)
	}
	status, _, out = do(t, s, key, "GET", base+q, "")
	list := out["data"].([]any)
	if status != 200 || len(list) != 2 || list[0].(map[string]any)["user"].(map[string]any)["username"] != "ann@example.com" {
		t.Fatalf("list, by start: %d %v", status, out)
	}

	status, _, out = do(t, s, key, "DELETE", base+"/a1"+q, "")
	if status != 200 || out["result"] != "Deleted" {
		t.Fatalf("delete: %d %v", status, out)
	}
	if got := s.Overrides("ops"); len(got) != 1 || got[0].Alias == "a1" {
		t.Errorf("after delete: %+v", got)
	}
}

func TestScheduleByID(t *testing.T) {
	s := newServer(t)
	status, _, out := do(t, s, key, "POST", "/v2/schedules/sched-1/overrides?scheduleIdentifierType=id", body("a1", "ann@example.com", t0, t0.Add(time.Hour)))
	if status != 201 {
		t.Fatalf("create by id: %d %v", status, out)
	}
	if got := s.Overrides("ops"); len(got) != 1 {
		t.Errorf("overrides: %+v", got)
	}
}

func TestOnCalls(t *testing.T) {
	s := newServer(t)
	s.SetOverride("ops", Override{Alias: "a", User: "bob@example.com", Start: t0, End: t0.Add(8 * time.Hour)})
	s.SetOverride("ops", Override{Alias: "b", User: "ann@example.com", Start: t0.Add(4 * time.Hour), End: t0.Add(12 * time.Hour)})
	s.SetOverride("ops", Override{Alias: "c", User: "ann@example.com", Start: t0.Add(2 * time.Hour), End: t0.Add(5 * time.Hour)})
	tests := []struct {
		at   time.Time
		want []string
	}{
		{t0.Add(-time.Second), []string{}},
		{t0, []string{"bob@example.com"}},
		{t0.Add(4 * time.Hour), []string{"ann@example.com", "bob@example.com"}},
		{t0.Add(8 * time.Hour), []string{"ann@example.com"}},
		{t0.Add(12 * time.Hour), []string{}},
	}
	for _, tt := range tests {
		date := tt.at.Format("2006-01-02T15:04:05.000Z")
		_, _, out := do(t, s, key, "GET", "/v2/schedules/ops/on-calls"+q+"&flat=true&date="+date, "")
		d := out["data"].(map[string]any)
		got := []string{}
		for _, u := range d["onCallRecipients"].([]any) {
			got = append(got, u.(string))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("flat at %s: %v, want %v", date, got, tt.want)
		}
		_, _, out = do(t, s, key, "GET", "/v2/schedules/ops/on-calls"+q+"&date="+date, "")
		got = []string{}
		for _, p := range out["data"].(map[string]any)["onCallParticipants"].([]any) {
			p := p.(map[string]any)
			if p["type"] != "user" {
				t.Errorf("participant type: %v", p)
			}
			got = append(got, p["name"].(string))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("participants at %s: %v, want %v", date, got, tt.want)
		}
	}
}

func TestFaults(t *testing.T) {
	s := newServer(t)
	s.Fail("GET", "/v2/schedules/ops", Fault{Status: 429, RetryAfter: 2})
	status, h, out := do(t, s, key, "GET", "/v2/schedules/ops/overrides"+q, "")
	if status != 429 || h.Get("Retry-After") != "2" || out["message"] == "" {
		t.Errorf("fault: %d %v %v", status, h, out)
	}
	if status, _, _ = do(t, s, key, "GET", "/v2/schedules/ops/overrides"+q, ""); status != 200 {
		t.Errorf("fault used twice: %d", status)
	}

	s.Fail("POST", "/v2/schedules/ops/overrides", Fault{DropReply: true})
	req, _ := http.NewRequest("POST", s.URL()+"/v2/schedules/ops/overrides"+q, strings.NewReader(body("a1", "ann@example.com", t0, t0.Add(time.Hour))))
	req.Header.Set("Authorization", "GenieKey "+key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped reply answered %d", resp.StatusCode)
	}
	if got := s.Overrides("ops"); len(got) != 1 || got[0].Alias != "a1" {
		t.Errorf("dropped call not performed: %+v", got)
	}
}

func TestCalls(t *testing.T) {
	s := newServer(t)
	do(t, s, key, "POST", "/v2/schedules/ops/overrides"+q, body("a1", "ann@example.com", t0, t0.Add(time.Hour)))
	do(t, s, "bad", "DELETE", "/v2/schedules/ops/overrides/a1"+q, "")
	calls := s.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls: %+v", calls)
	}
	c := calls[0]
	if c.Method != "POST" || c.Path != "/v2/schedules/ops/overrides" || c.Query.Get("scheduleIdentifierType") != "name" ||
		!strings.Contains(c.Body, `"alias":"a1"`) || c.Time.IsZero() {
		t.Errorf("call: %+v", c)
	}
	if calls[1].Method != "DELETE" {
		t.Errorf("call: %+v", calls[1])
	}
	s.Reset()
	if len(s.Calls()) != 0 || len(s.Overrides("ops")) != 1 {
		t.Errorf("reset: calls %v, overrides %v", s.Calls(), s.Overrides("ops"))
	}
	s.DeleteOverride("ops", "a1")
	if len(s.Overrides("ops")) != 0 {
		t.Errorf("DeleteOverride left %v", s.Overrides("ops"))
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || s.URL() != "http://"+s.Host() {
		t.Errorf("URL %s, Host %s", s.URL(), s.Host())
	}
}
