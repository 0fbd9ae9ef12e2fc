// Package pagerdutyfake is a local stand-in for the part of PagerDuty's REST
// API v2 that rota uses through go-pagerduty: a schedule's overrides, who is
// on call and finding users by email. It keeps overrides in memory, records
// every call and injects faults (errors, rate limits, lost replies), so that
// tests run the real client against an account they control.
//
// Where the fake is simpler than PagerDuty:
//   - schedules have no layers: only overrides put people on call, and
//     overlapping overrides all count (PagerDuty lets the last created win);
//   - times are answered in UTC, not in the schedule's zone;
//   - listing overrides ignores editable; on-call lists ignore time_zone and
//     include[].
package pagerdutyfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PagerDuty's error codes the fake answers with.
const (
	codeInternal     = 2000
	codeInvalidInput = 2001
	codeMissingArgs  = 2003
	codeBadTime      = 2004
	codeBadRange     = 2005
	codeUnauthorized = 2006
	codeRateLimited  = 2020
	codeNotFound     = 2100
)

const (
	maxBodyBytes = 1 << 20
	defaultLimit = 25
	maxLimit     = 100
)

// Override is an override of a schedule: User (a user id) on call from Start
// to End.
type Override struct {
	ID, User   string
	Start, End time.Time
}

// Call is one request as the server received it.
type Call struct {
	Method string
	Path   string // without the query
	Query  url.Values
	Body   string
	Time   time.Time
}

// Fault alters the answer to one call.
type Fault struct {
	// Status answers with this status and PagerDuty's error body for it,
	// without performing the call.
	Status int
	// RetryAfter, in seconds, is sent as Retry-After and, as PagerDuty
	// does, ratelimit-reset.
	RetryAfter int
	// DropReply performs the call, then closes the connection without an
	// answer (with Status too: closes it without performing). A client's
	// transport may send an idempotent request again by itself.
	DropReply bool
}

type fault struct {
	method, prefix string
	Fault
}

type user struct{ id, email string }

// Server is a fake PagerDuty REST API. It is safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	token string

	mu        sync.Mutex
	schedules map[string][]Override
	users     []user
	nextID    int
	calls     []Call
	faults    []fault
	now       func() time.Time
}

// New starts a server that accepts only token (as go-pagerduty sends it:
// "Authorization: Token token=TOKEN").
func New(token string) *Server {
	s := &Server{token: token, schedules: map[string][]Override{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the API's base URL, for go-pagerduty's WithAPIEndpoint.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// AddSchedule makes a schedule known; calls about others get 404.
func (s *Server) AddSchedule(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.schedules[id]; !ok {
		s.schedules[id] = nil
	}
}

// AddUser makes a user known, found by GET /users?query= on their email.
func (s *Server) AddUser(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.users {
		if s.users[i].id == id {
			s.users[i].email = email
			return
		}
	}
	s.users = append(s.users, user{id: id, email: email})
}

// SetNow makes DELETE follow PagerDuty's rules about time, as of now(): an
// override under way is truncated to now (200), one already over cannot be
// removed (400). Without it (nil), every delete removes (204).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Overrides are the schedule's overrides, sorted by Start, then User.
func (s *Server) Overrides(schedule string) []Override {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sorted(s.schedules[schedule])
}

// AddOverride adds an override as someone would by hand (the schedule
// need not be known) and returns its id.
func (s *Server) AddOverride(schedule string, o Override) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(schedule, o).ID
}

// DeleteOverride removes an override, as someone would by hand.
func (s *Server) DeleteOverride(schedule, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedules[schedule] = slices.DeleteFunc(s.schedules[schedule], func(o Override) bool { return o.ID == id })
}

// Calls are the requests received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Reset forgets the calls received; overrides, users and faults stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Fail queues a fault for the next call with method ("" any) whose path
// starts with pathPrefix; it is used once. Faults go to calls with the
// right token only.
func (s *Server) Fail(method, pathPrefix string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: strings.ToUpper(method), prefix: pathPrefix, Fault: f})
}

// addLocked stores o under a new id, increasing (PO0001, PO0002, …).
func (s *Server) addLocked(schedule string, o Override) Override {
	s.nextID++
	o.ID = fmt.Sprintf("PO%04d", s.nextID)
	o.Start, o.End = o.Start.UTC(), o.End.UTC()
	s.schedules[schedule] = append(s.schedules[schedule], o)
	return o
}

func (s *Server) popFaultLocked(method, path string) (Fault, bool) {
	for i, f := range s.faults {
		if (f.method == "" || f.method == method) && strings.HasPrefix(path, f.prefix) {
			s.faults = slices.Delete(s.faults, i, i+1)
			return f.Fault, true
		}
	}
	return Fault{}, false
}

func sorted(os []Override) []Override {
	out := slices.Clone(os)
	slices.SortStableFunc(out, func(a, b Override) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.User, b.User))
	})
	return out
}

// obj is a JSON object of an answer.
type obj = map[string]any

// answer is a status and a JSON body (nil: none).
type answer struct {
	status int
	body   any
}

func apiError(status, code int, msg string, errs ...string) answer {
	e := obj{"message": msg, "code": code}
	if len(errs) > 0 {
		e["errors"] = errs
	}
	return answer{status, obj{"error": e}}
}

func notFound() answer { return apiError(http.StatusNotFound, codeNotFound, "Not Found") }

func invalid(errs ...string) answer {
	return apiError(http.StatusBadRequest, codeInvalidInput, "Invalid Input Provided", errs...)
}

// faultAnswer is PagerDuty's answer with a fault's status.
func faultAnswer(status int) answer {
	switch {
	case status == http.StatusTooManyRequests:
		return apiError(status, codeRateLimited, "Rate Limit Exceeded")
	case status == http.StatusUnauthorized:
		return apiError(status, codeUnauthorized, "Unauthorized")
	case status == http.StatusNotFound:
		return notFound()
	case status >= 500:
		return apiError(status, codeInternal, "Internal Server Error")
	case status >= 400:
		return invalid()
	}
	return answer{status, obj{}}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: string(body), Time: time.Now()}

	s.mu.Lock()
	s.calls = append(s.calls, call)
	if r.Header.Get("Authorization") != "Token token="+s.token {
		s.mu.Unlock()
		write(w, apiError(http.StatusUnauthorized, codeUnauthorized, "Unauthorized"))
		return
	}
	f, faulted := s.popFaultLocked(r.Method, r.URL.Path)
	if faulted && f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		w.Header().Set("ratelimit-reset", strconv.Itoa(f.RetryAfter))
	}
	if faulted && f.Status != 0 {
		s.mu.Unlock()
		if f.DropReply {
			drop(w)
			return
		}
		write(w, faultAnswer(f.Status))
		return
	}
	a := s.dispatchLocked(r.Method, r.URL.Path, call.Query, body)
	s.mu.Unlock()
	if faulted && f.DropReply {
		drop(w)
		return
	}
	write(w, a)
}

func (s *Server) dispatchLocked(method, path string, q url.Values, body []byte) answer {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "oncalls":
		if method != http.MethodGet {
			return notAllowed()
		}
		return s.onCallsLocked(q)
	case len(parts) == 1 && parts[0] == "users":
		if method != http.MethodGet {
			return notAllowed()
		}
		return s.usersLocked(q)
	case len(parts) >= 3 && len(parts) <= 4 && parts[0] == "schedules" && parts[2] == "overrides":
		if _, ok := s.schedules[parts[1]]; !ok {
			return notFound()
		}
		switch {
		case len(parts) == 3 && method == http.MethodGet:
			return s.listLocked(parts[1], q)
		case len(parts) == 3 && method == http.MethodPost:
			return s.createLocked(parts[1], body)
		case len(parts) == 4 && method == http.MethodDelete:
			return s.deleteLocked(parts[1], parts[3])
		}
		return notAllowed()
	}
	return notFound()
}

func notAllowed() answer {
	return apiError(http.StatusMethodNotAllowed, codeInvalidInput, "Method Not Allowed")
}

// reference is how PagerDuty refers to another object.
func reference(kind, id, summary string) obj {
	return obj{"id": id, "type": kind + "_reference", "summary": summary, "self": "https://api.pagerduty.com/" + kind + "s/" + id}
}

func (s *Server) userRef(id string) obj {
	name := id
	for _, u := range s.users {
		if u.id == id {
			name, _, _ = strings.Cut(u.email, "@")
		}
	}
	return reference("user", id, name)
}

func (s *Server) overrideJSON(o Override) obj {
	return obj{
		"id": o.ID, "type": "override", "start": o.Start.UTC().Format(time.RFC3339),
		"end": o.End.UTC().Format(time.RFC3339), "user": s.userRef(o.User),
	}
}

// window reads since and until; required says whether both must be given
// (else each defaults to now).
func window(q url.Values, required bool) (since, until time.Time, bad *answer) {
	now := time.Now().UTC()
	parse := func(name string) (time.Time, *answer) {
		v := q.Get(name)
		if v == "" {
			if required {
				a := apiError(http.StatusBadRequest, codeMissingArgs, "Missing Arguments", name+" is required")
				return time.Time{}, &a
			}
			return now, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			a := apiError(http.StatusBadRequest, codeBadTime, "Invalid 'since' or 'until' Parameter Values", name+" is not a date-time")
			return time.Time{}, &a
		}
		return t, nil
	}
	if since, bad = parse("since"); bad != nil {
		return
	}
	if until, bad = parse("until"); bad != nil {
		return
	}
	if until.Before(since) {
		a := apiError(http.StatusBadRequest, codeBadRange, "Invalid Query Date Range", "until cannot be before since")
		bad = &a
	}
	return
}

// overlaps says whether o meets [since, until), or covers since when the
// two are equal (an instant).
func overlaps(o Override, since, until time.Time) bool {
	if since.Equal(until) {
		return !o.Start.After(since) && o.End.After(since)
	}
	return o.Start.Before(until) && o.End.After(since)
}

// listLocked is GET /schedules/{id}/overrides: the overrides overlapping
// since..until (both required), cut at the bounds unless overflow=true.
func (s *Server) listLocked(schedule string, q url.Values) answer {
	since, until, bad := window(q, true)
	if bad != nil {
		return *bad
	}
	overflow := q.Get("overflow") == "true"
	list := []obj{}
	for _, o := range sorted(s.schedules[schedule]) {
		if !overlaps(o, since, until) {
			continue
		}
		if !overflow {
			if o.Start.Before(since) {
				o.Start = since
			}
			if o.End.After(until) {
				o.End = until
			}
		}
		list = append(list, s.overrideJSON(o))
	}
	return answer{http.StatusOK, obj{"overrides": list}}
}

// createLocked is POST /schedules/{id}/overrides with one override
// ({"override": {...}}, as go-pagerduty sends it); 201 with it and its id.
func (s *Server) createLocked(schedule string, body []byte) answer {
	var req struct {
		Override *struct {
			Start string `json:"start"`
			End   string `json:"end"`
			User  struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"user"`
		} `json:"override"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Override == nil {
		return invalid("override is required")
	}
	o := req.Override
	start, err1 := time.Parse(time.RFC3339, o.Start)
	end, err2 := time.Parse(time.RFC3339, o.End)
	switch {
	case err1 != nil || err2 != nil:
		return invalid("Override start and end must be date-times")
	case !end.After(start):
		return invalid("Override must end after its start")
	case o.User.ID == "" || (o.User.Type != "" && o.User.Type != "user_reference" && o.User.Type != "user"):
		return invalid("User must be a user reference")
	case !slices.ContainsFunc(s.users, func(u user) bool { return u.id == o.User.ID }):
		return invalid("User not found")
	}
	created := s.addLocked(schedule, Override{User: o.User.ID, Start: start, End: end})
	return answer{http.StatusCreated, obj{"override": s.overrideJSON(created)}}
}

// deleteLocked is DELETE /schedules/{id}/overrides/{override_id}: 204, or
// with SetNow 200 when it cuts an override under way.
func (s *Server) deleteLocked(schedule, id string) answer {
	list := s.schedules[schedule]
	i := slices.IndexFunc(list, func(o Override) bool { return o.ID == id })
	if i < 0 {
		return notFound()
	}
	if s.now != nil {
		now := s.now().UTC()
		switch {
		case !list[i].End.After(now):
			return invalid("Cannot delete an override in the past")
		case list[i].Start.Before(now):
			list[i].End = now
			return answer{http.StatusOK, nil}
		}
	}
	s.schedules[schedule] = slices.Delete(list, i, i+1)
	return answer{http.StatusNoContent, nil}
}

// onCallsLocked is GET /oncalls: for each schedule in schedule_ids[] (all
// when none), an entry per override overlapping since..until (each
// defaulting to now; equal: the overrides covering that instant).
// earliest=true keeps each user's first entry per schedule. Pages by limit
// and offset.
func (s *Server) onCallsLocked(q url.Values) answer {
	since, until, bad := window(q, false)
	if bad != nil {
		return *bad
	}
	ids := append(q["schedule_ids[]"], q["schedule_ids"]...)
	if len(ids) == 0 {
		for id := range s.schedules {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	users := map[string]bool{}
	for _, u := range q["user_ids[]"] {
		users[u] = true
	}
	earliest := q.Get("earliest") == "true"
	var list []obj
	for _, id := range ids {
		if _, ok := s.schedules[id]; !ok {
			return notFound()
		}
		seen := map[string]bool{}
		for _, o := range sorted(s.schedules[id]) {
			if !overlaps(o, since, until) || (len(users) > 0 && !users[o.User]) || (earliest && seen[o.User]) {
				continue
			}
			seen[o.User] = true
			list = append(list, obj{
				"user":              s.userRef(o.User),
				"schedule":          reference("schedule", id, id),
				"escalation_policy": reference("escalation_policy", "EP"+id, "Escalation policy of "+id),
				"escalation_level":  1,
				"start":             o.Start.UTC().Format(time.RFC3339),
				"end":               o.End.UTC().Format(time.RFC3339),
			})
		}
	}
	page, lo := paginate(list, q)
	lo["oncalls"] = page
	return answer{http.StatusOK, lo}
}

// usersLocked is GET /users: the users whose email contains query (case
// aside; all when empty), paged by limit and offset.
func (s *Server) usersLocked(q url.Values) answer {
	query := strings.ToLower(q.Get("query"))
	var list []obj
	for _, u := range s.users {
		if !strings.Contains(strings.ToLower(u.email), query) {
			continue
		}
		name, _, _ := strings.Cut(u.email, "@")
		list = append(list, obj{
			"id": u.id, "type": "user", "summary": name, "name": name, "email": u.email,
			"self": "https://api.pagerduty.com/users/" + u.id,
		})
	}
	page, lo := paginate(list, q)
	lo["users"] = page
	return answer{http.StatusOK, lo}
}

// paginate cuts a page from list by the query's limit and offset, and
// gives the page's fields (limit, offset, more, total).
func paginate(list []obj, q url.Values) ([]obj, obj) {
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset, err := strconv.Atoi(q.Get("offset"))
	if err != nil || offset < 0 {
		offset = 0
	}
	offset = min(offset, len(list))
	end := min(offset+limit, len(list))
	page := list[offset:end]
	if page == nil {
		page = []obj{}
	}
	var total any
	if q.Get("total") == "true" {
		total = len(list)
	}
	return page, obj{"limit": limit, "offset": offset, "more": end < len(list), "total": total}
}

func write(w http.ResponseWriter, a answer) {
	if a.body == nil {
		w.WriteHeader(a.status)
		return
	}
	data, err := json.Marshal(a.body)
	if err != nil {
		a.status, data = http.StatusInternalServerError, []byte(`{"error":{"message":"Internal Server Error","code":2000}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	_, _ = w.Write(data)
}

// drop closes the connection without an answer; if it cannot, it answers
// 502 (a proxy that lost the reply).
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		write(w, apiError(http.StatusBadGateway, codeInternal, "Bad Gateway"))
		return
	}
	_ = conn.Close()
}
