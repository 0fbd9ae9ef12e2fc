// Package opsgeniefake is a local Opsgenie for tests: an HTTP server that
// speaks the part of the REST API the SDK's schedule client uses for
// overrides and on-calls, keeps overrides in memory, records every call
// and injects faults, so the real SDK can be tested without the service.
package opsgeniefake

import (
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

// Server is the fake Opsgenie. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server
	key string

	mu        sync.Mutex
	schedules map[string]*schedule // by name
	users     map[string]string    // username to id
	calls     []Call
	faults    []fault
	requests  int
}

type schedule struct {
	id        string
	overrides map[string]Override // by alias
}

// Override is an override of a schedule: User (a username) on call from
// Start to End.
type Override struct {
	Alias string
	User  string
	Start time.Time
	End   time.Time
}

// Call is a request the server received, as it came.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Body   string
	Time   time.Time
}

// Fault is what the next matching call meets instead of a normal answer:
// Status (with RetryAfter seconds as the Retry-After header), or, with
// DropReply, the call is performed and the connection closed before any
// reply, as when a network fails after the request arrived. (Go's
// transport sends a GET again by itself when a reused connection drops,
// so a DropReply shows best on a POST, PUT or DELETE.)
type Fault struct {
	Status     int
	RetryAfter int
	DropReply  bool
}

type fault struct {
	method, prefix string
	Fault
}

// New starts a server that accepts only apiKey
// ("Authorization: GenieKey apiKey").
func New(apiKey string) *Server {
	s := &Server{
		key:       apiKey,
		schedules: map[string]*schedule{},
		users:     map[string]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/schedules/{schedule}/overrides", s.create)
	mux.HandleFunc("GET /v2/schedules/{schedule}/overrides", s.list)
	mux.HandleFunc("GET /v2/schedules/{schedule}/overrides/{alias}", s.get)
	mux.HandleFunc("PUT /v2/schedules/{schedule}/overrides/{alias}", s.update)
	mux.HandleFunc("DELETE /v2/schedules/{schedule}/overrides/{alias}", s.delete)
	mux.HandleFunc("GET /v2/schedules/{schedule}/on-calls", s.onCalls)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "No handler for "+r.Method+" "+r.URL.Path)
	})
	s.srv = httptest.NewServer(s.serve(mux))
	return s
}

// Host is the server's address, "127.0.0.1:PORT": the SDK takes a host,
// and speaks http to one without "api" in it.
func (s *Server) Host() string { return s.srv.Listener.Addr().String() }

// URL is the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddSchedule creates a schedule, addressed by name (or by the id the
// server gives it).
func (s *Server) AddSchedule(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedule(name)
}

// schedule is the schedule of that name, created if missing; s.mu held.
func (s *Server) schedule(name string) *schedule {
	if sc, ok := s.schedules[name]; ok {
		return sc
	}
	sc := &schedule{id: fmt.Sprintf("sched-%d", len(s.schedules)+1), overrides: map[string]Override{}}
	s.schedules[name] = sc
	return sc
}

// AddUser creates a user that overrides may name.
func (s *Server) AddUser(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[username]; !ok {
		s.users[username] = fmt.Sprintf("user-%d", len(s.users)+1)
	}
}

// Overrides lists a schedule's overrides, sorted by Start, then User.
func (s *Server) Overrides(schedule string) []Override {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.schedules[schedule]
	if !ok {
		return nil
	}
	return sorted(sc.overrides)
}

// SetOverride puts o as someone editing the schedule by hand would: no
// checks; the schedule is created if missing, the alias made up if empty.
func (s *Server) SetOverride(schedule string, o Override) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.schedule(schedule)
	if o.Alias == "" {
		o.Alias = s.newAlias()
	}
	o.Start, o.End = o.Start.UTC(), o.End.UTC()
	sc.overrides[o.Alias] = o
}

// DeleteOverride removes an override as someone would by hand.
func (s *Server) DeleteOverride(schedule, alias string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.schedules[schedule]; ok {
		delete(sc.overrides, alias)
	}
}

// Calls lists the requests received, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Reset forgets the calls received (not the schedules, users or faults).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Fail makes the next call with method (any if "") whose path starts with
// pathPrefix meet f. Each Fail is used once; several queue up in order.
func (s *Server) Fail(method, pathPrefix string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: method, prefix: pathPrefix, Fault: f})
}

// serve records the call, applies a pending fault, checks the key, then
// hands over to the API.
func (s *Server) serve(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		s.mu.Lock()
		s.requests++
		id := fmt.Sprintf("r-%d", s.requests)
		s.calls = append(s.calls, Call{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: string(body), Time: time.Now(),
		})
		var f *Fault
		if i := slices.IndexFunc(s.faults, func(f fault) bool {
			return (f.method == "" || f.method == r.Method) && strings.HasPrefix(r.URL.Path, f.prefix)
		}); i >= 0 {
			ff := s.faults[i].Fault
			f = &ff
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		s.mu.Unlock()

		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Response-Time", "0.01")
		w.Header().Set("X-RateLimit-State", "OK")
		switch {
		case f != nil && f.DropReply:
			api.ServeHTTP(httptest.NewRecorder(), r)
			hangUp(w)
			return
		case f != nil && f.Status != 0:
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			if f.Status == http.StatusTooManyRequests {
				w.Header().Set("X-RateLimit-State", "THROTTLED")
			}
			s.fail(w, f.Status, faultMessage(f.Status))
			return
		}
		if r.Header.Get("Authorization") != "GenieKey "+s.key {
			s.fail(w, http.StatusUnauthorized, "Could not authenticate")
			return
		}
		api.ServeHTTP(w, r)
	})
}

// hangUp closes the connection without a reply.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.Close()
}

func faultMessage(status int) string {
	if status == http.StatusTooManyRequests {
		return "You are making too many requests! To avoid errors, we recommend you limit requests."
	}
	return http.StatusText(status)
}

// newAlias makes up an alias, as the API does when none is given; s.mu held.
func (s *Server) newAlias() string {
	n := 0
	for _, sc := range s.schedules {
		n += len(sc.overrides)
	}
	return fmt.Sprintf("override-%d-%d", s.requests, n+1)
}

// reply writes the API's envelope: {"data":...,"took":..,"requestId":..},
// with result (as "result") when not empty, data when not nil.
func (s *Server) reply(w http.ResponseWriter, status int, result string, data any) {
	out := map[string]any{"took": 0.01, "requestId": w.Header().Get("X-Request-Id")}
	if result != "" {
		out["result"] = result
	}
	if data != nil {
		out["data"] = data
	}
	writeJSON(w, status, out)
}

// fail writes an error as the API does: {"message":..,"took":..,"requestId":..}.
func (s *Server) fail(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"message": message, "took": 0.0, "requestId": w.Header().Get("X-Request-Id")})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// lookup finds the schedule the request names (by name or id, as
// scheduleIdentifierType says), or answers 404; s.mu held.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (string, *schedule, bool) {
	ident := r.PathValue("schedule")
	if r.URL.Query().Get("scheduleIdentifierType") == "name" {
		if sc, ok := s.schedules[ident]; ok {
			return ident, sc, true
		}
	} else {
		for name, sc := range s.schedules {
			if sc.id == ident {
				return name, sc, true
			}
		}
	}
	s.fail(w, http.StatusNotFound, "Schedule with identifier ["+ident+"] doesn't exist")
	return "", nil, false
}

// overrideBody is a create or update request's body, as the SDK sends it.
type overrideBody struct {
	Alias string `json:"alias"`
	User  struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	StartDate time.Time `json:"startDate"`
	EndDate   time.Time `json:"endDate"`
}

// parse reads and checks a create or update body, or answers 422; s.mu
// held.
func (s *Server) parse(w http.ResponseWriter, r *http.Request) (overrideBody, bool) {
	var b overrideBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		s.fail(w, http.StatusUnprocessableEntity, "Request body is not processable: "+err.Error())
		return b, false
	}
	switch {
	case b.User.Type != "user":
		s.fail(w, http.StatusUnprocessableEntity, "User type ["+b.User.Type+"] is not supported")
	case b.User.Username == "" && b.User.ID == "":
		s.fail(w, http.StatusUnprocessableEntity, "User should have an id or a username")
	case b.User.Username == "":
		for name, id := range s.users {
			if id == b.User.ID {
				b.User.Username = name
				return s.checkDates(w, b)
			}
		}
		s.fail(w, http.StatusUnprocessableEntity, "User with id ["+b.User.ID+"] doesn't exist")
	case s.users[b.User.Username] == "":
		s.fail(w, http.StatusUnprocessableEntity, "User with username ["+b.User.Username+"] doesn't exist")
	default:
		return s.checkDates(w, b)
	}
	return b, false
}

func (s *Server) checkDates(w http.ResponseWriter, b overrideBody) (overrideBody, bool) {
	switch {
	case b.StartDate.IsZero() || b.EndDate.IsZero():
		s.fail(w, http.StatusUnprocessableEntity, "Start date and end date should be given")
	case !b.EndDate.After(b.StartDate):
		s.fail(w, http.StatusUnprocessableEntity, "End date should be later than start date")
	default:
		return b, true
	}
	return b, false
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sc, ok := s.lookup(w, r)
	if !ok {
		return
	}
	b, ok := s.parse(w, r)
	if !ok {
		return
	}
	if b.Alias == "" {
		b.Alias = s.newAlias()
	}
	if _, dup := sc.overrides[b.Alias]; dup {
		s.fail(w, http.StatusUnprocessableEntity, "Alias already exists")
		return
	}
	sc.overrides[b.Alias] = Override{Alias: b.Alias, User: b.User.Username, Start: b.StartDate.UTC(), End: b.EndDate.UTC()}
	s.reply(w, http.StatusCreated, "Created", map[string]string{"alias": b.Alias})
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, alias, ok := s.existing(w, r)
	if !ok {
		return
	}
	b, ok := s.parse(w, r)
	if !ok {
		return
	}
	sc.overrides[alias] = Override{Alias: alias, User: b.User.Username, Start: b.StartDate.UTC(), End: b.EndDate.UTC()}
	s.reply(w, http.StatusOK, "Updated", map[string]string{"alias": alias})
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, alias, ok := s.existing(w, r)
	if !ok {
		return
	}
	delete(sc.overrides, alias)
	s.reply(w, http.StatusOK, "Deleted", nil)
}

// existing is the schedule and alias of the override a request names,
// answering 404 when either does not exist (s.mu held).
func (s *Server) existing(w http.ResponseWriter, r *http.Request) (*schedule, string, bool) {
	_, sc, ok := s.lookup(w, r)
	if !ok {
		return nil, "", false
	}
	alias := r.PathValue("alias")
	if _, ok := sc.overrides[alias]; !ok {
		s.overrideMissing(w, alias)
		return nil, "", false
	}
	return sc, alias, true
}

func (s *Server) overrideMissing(w http.ResponseWriter, alias string) {
	s.fail(w, http.StatusNotFound, "Override with alias ["+alias+"] doesn't exist")
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, sc, ok := s.lookup(w, r)
	if !ok {
		return
	}
	alias := r.PathValue("alias")
	o, ok := sc.overrides[alias]
	if !ok {
		s.overrideMissing(w, alias)
		return
	}
	s.reply(w, http.StatusOK, "", s.overrideJSON(name, sc, o))
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, sc, ok := s.lookup(w, r)
	if !ok {
		return
	}
	data := []any{}
	for _, o := range sorted(sc.overrides) {
		data = append(data, s.overrideJSON(name, sc, o))
	}
	s.reply(w, http.StatusOK, "", data)
}

// overrideJSON is an override as the API shows it; s.mu held.
func (s *Server) overrideJSON(name string, sc *schedule, o Override) map[string]any {
	return map[string]any{
		"_parent":   parent(name, sc),
		"alias":     o.Alias,
		"user":      map[string]string{"type": "user", "id": s.users[o.User], "username": o.User},
		"startDate": o.Start.UTC().Format(time.RFC3339),
		"endDate":   o.End.UTC().Format(time.RFC3339),
		"rotations": []any{},
	}
}

func parent(name string, sc *schedule) map[string]any {
	return map[string]any{"id": sc.id, "name": name, "enabled": true}
}

// onCalls answers who the overrides put on call at the query's date (now
// if none): usernames as onCallRecipients with flat=true, else users as
// onCallParticipants.
func (s *Server) onCalls(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, sc, ok := s.lookup(w, r)
	if !ok {
		return
	}
	at := time.Now()
	if d := r.URL.Query().Get("date"); d != "" {
		t, err := time.Parse(time.RFC3339, d)
		if err != nil {
			s.fail(w, http.StatusUnprocessableEntity, "Date ["+d+"] is not valid")
			return
		}
		at = t
	}
	var users []string
	for _, o := range sc.overrides {
		if !at.Before(o.Start) && at.Before(o.End) && !slices.Contains(users, o.User) {
			users = append(users, o.User)
		}
	}
	slices.Sort(users)
	data := map[string]any{"_parent": parent(name, sc)}
	if r.URL.Query().Get("flat") == "true" {
		data["onCallRecipients"] = append([]string{}, users...)
	} else {
		ps := []any{}
		for _, u := range users {
			ps = append(ps, map[string]string{"id": s.users[u], "name": u, "type": "user"})
		}
		data["onCallParticipants"] = ps
	}
	s.reply(w, http.StatusOK, "", data)
}

// sorted lists overrides by Start, then User, then Alias.
func sorted(m map[string]Override) []Override {
	out := make([]Override, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Override) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.User, b.User); c != 0 {
			return c
		}
		return strings.Compare(a.Alias, b.Alias)
	})
	return out
}
