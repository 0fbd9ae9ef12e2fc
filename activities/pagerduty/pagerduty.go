// Package pagerduty is rota's activities.Pager for PagerDuty: a schedule's
// overrides and who is on call, through go-pagerduty's REST API client.
//
// PagerDuty gives overrides their ids and marks no owner, so rota knows its
// overrides by the ids it was given (Overrides' known), and has no update:
// Put deletes the old override and creates a new one.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
)

// DefaultAPIURL is PagerDuty's REST API, used when New is given no URL.
const DefaultAPIURL = "https://api.pagerduty.com"

const (
	// httpTimeout bounds one request, should the context not.
	httpTimeout = 60 * time.Second
	// pageLimit is the page size asked for (PagerDuty's largest).
	pageLimit = 100
	// maxPages bounds the pages read of one list.
	maxPages = 50
)

// Advice for the errors that trying again will not heal.
const (
	adviceToken    = "check ROTA_PAGERDUTY_TOKEN: a REST API key with write access (see README)"
	adviceSchedule = "check rotations[].pagerduty.schedule: no schedule %s"
	adviceUser     = "check members[].pagerduty: PagerDuty has no user %s"
	adviceMember   = "give member %s a pagerduty user id (members[].pagerduty) or an email PagerDuty knows"
)

// Pager speaks to PagerDuty's REST API with a REST API key. It is safe for
// concurrent use.
type Pager struct {
	api   *pd.Client
	url   string
	token string

	mu    sync.Mutex
	users map[string]string // lower-case email -> user id
}

var _ activities.Pager = (*Pager)(nil)

// New returns a Pager that calls the REST API at apiURL ("" means
// DefaultAPIURL; otherwise an http or https URL) with token.
func New(token, apiURL string) (*Pager, error) {
	if token == "" {
		return nil, errors.New("pagerduty: no API token")
	}
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, fmt.Errorf("pagerduty: API URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("pagerduty: API URL %q: want http(s)://host[/path]", apiURL)
	}
	// go-pagerduty appends paths that start with "/".
	apiURL = strings.TrimRight(apiURL, "/")

	tr, ok := http.DefaultTransport.(*http.Transport)
	if ok {
		tr = tr.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	api := pd.NewClient(token, pd.WithAPIEndpoint(apiURL))
	api.HTTPClient = recorder{&http.Client{Transport: tr, Timeout: httpTimeout}}
	return &Pager{api: api, url: apiURL, token: token, users: map[string]string{}}, nil
}

// Name is the tool's name in the config.
func (p *Pager) Name() string { return "pagerduty" }

// Alias is "": PagerDuty gives overrides their ids itself.
func (p *Pager) Alias(rotation, shift string, seat int) string { return "" }

// User is the member's PagerDuty user id: the config's, else the one of
// the user whose email is the member's (cached).
func (p *Pager) User(ctx context.Context, m config.Member) (string, error) {
	if id := m.PagerDuty; id != "" {
		return id, nil
	}
	if m.Email == "" {
		return "", &activities.SendError{Err: fmt.Errorf("pagerduty: member %s has no pagerduty user id and no email", m.ID),
			Permanent: true, Advice: fmt.Sprintf(adviceMember, m.ID)}
	}
	key := strings.ToLower(m.Email)
	p.mu.Lock()
	id, ok := p.users[key]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	ctx, w := withWait(ctx)
	// The query matches parts of names and emails: look for the exact one.
	r, err := p.api.ListUsersWithContext(ctx, pd.ListUsersOptions{Query: m.Email, Limit: pageLimit})
	if err != nil {
		return "", p.classify(err, w, "find the user of member "+m.ID, "", "")
	}
	for _, u := range r.Users {
		if u.ID != "" && strings.EqualFold(u.Email, m.Email) {
			p.mu.Lock()
			p.users[key] = u.ID
			p.mu.Unlock()
			return u.ID, nil
		}
	}
	return "", &activities.SendError{Err: fmt.Errorf("pagerduty: no user has member %s's email %s", m.ID, m.Email),
		Permanent: true, Advice: fmt.Sprintf(adviceMember, m.ID)}
}

// Overrides lists the overrides of schedule that overlap [from, to) and
// whose ids are in known: the others are people's own. Their Shift is
// empty: PagerDuty keeps no such thing.
func (p *Pager) Overrides(ctx context.Context, schedule, rotation string, from, to time.Time, known []string) ([]activities.PagerOverride, error) {
	ctx, w := withWait(ctx)
	// overflow: the overrides' own times, not cut at the window.
	r, err := p.api.ListOverridesWithContext(ctx, schedule, pd.ListOverridesOptions{Since: stamp(from), Until: stamp(to), Overflow: true})
	if err != nil {
		return nil, p.classify(err, w, "list overrides of schedule "+schedule, schedule, "")
	}
	var out []activities.PagerOverride
	for _, o := range r.Overrides {
		if !slices.Contains(known, o.ID) {
			continue
		}
		start, err1 := time.Parse(time.RFC3339, o.Start)
		end, err2 := time.Parse(time.RFC3339, o.End)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("pagerduty: override %s of schedule %s: %w", o.ID, schedule, err)
		}
		if !start.Before(to) || !end.After(from) {
			continue
		}
		out = append(out, activities.PagerOverride{ID: o.ID, User: o.User.ID, Start: start.UTC(), End: end.UTC()})
	}
	slices.SortFunc(out, func(a, b activities.PagerOverride) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Put creates o on schedule and returns its id. PagerDuty has no update:
// an override o.ID names is deleted first (already gone is fine).
func (p *Pager) Put(ctx context.Context, schedule, rotation string, o activities.PagerOverride) (string, error) {
	if o.User == "" {
		return "", activities.Permanent(fmt.Errorf("pagerduty: override of shift %s on schedule %s has no user", o.Shift, schedule))
	}
	if !o.End.After(o.Start) {
		return "", activities.Permanent(fmt.Errorf("pagerduty: override of shift %s on schedule %s ends at %s, not after its start %s",
			o.Shift, schedule, stamp(o.End), stamp(o.Start)))
	}
	ctx, w := withWait(ctx)
	if o.ID != "" {
		if err := p.api.DeleteOverrideWithContext(ctx, schedule, o.ID); err != nil && !notFound(err) {
			return "", p.classify(err, w, fmt.Sprintf("delete override %s of schedule %s", o.ID, schedule), schedule, "")
		}
	}
	// A create whose reply was lost made the override already: adopt it
	// (PagerDuty has no idempotency key), so a retry never doubles it.
	r, err := p.api.ListOverridesWithContext(ctx, schedule, pd.ListOverridesOptions{Since: stamp(o.Start), Until: stamp(o.End), Overflow: true})
	if err != nil {
		return "", p.classify(err, w, "list overrides of schedule "+schedule, schedule, "")
	}
	for _, x := range r.Overrides {
		start, err1 := time.Parse(time.RFC3339, x.Start)
		end, err2 := time.Parse(time.RFC3339, x.End)
		if err1 == nil && err2 == nil && x.User.ID == o.User && start.Equal(o.Start) && end.Equal(o.End) && x.ID != o.ID {
			return x.ID, nil
		}
	}
	created, err := p.api.CreateOverrideWithContext(ctx, schedule, pd.Override{
		Start: stamp(o.Start), End: stamp(o.End), User: pd.APIObject{ID: o.User, Type: "user_reference"},
	})
	if err != nil {
		return "", p.classify(err, w, fmt.Sprintf("create override of schedule %s for user %s", schedule, o.User), schedule, o.User)
	}
	if created.ID == "" {
		return "", fmt.Errorf("pagerduty: schedule %s: the override created for user %s has no id", schedule, o.User)
	}
	return created.ID, nil
}

// Delete removes the override o.ID names; one already gone is no error.
func (p *Pager) Delete(ctx context.Context, schedule string, o activities.PagerOverride) error {
	if o.ID == "" {
		return activities.Permanent(fmt.Errorf("pagerduty: override of shift %s on schedule %s has no id to delete", o.Shift, schedule))
	}
	ctx, w := withWait(ctx)
	if err := p.api.DeleteOverrideWithContext(ctx, schedule, o.ID); err != nil && !notFound(err) {
		return p.classify(err, w, fmt.Sprintf("delete override %s of schedule %s", o.ID, schedule), schedule, "")
	}
	return nil
}

// OnCall lists the user ids on call for schedule at t, sorted, once each.
// It asks for the on-calls with since and until both t (PagerDuty takes
// the two equal: an instant), so at a handover PagerDuty may list both.
func (p *Pager) OnCall(ctx context.Context, schedule string, t time.Time) ([]string, error) {
	ctx, w := withWait(ctx)
	opts := pd.ListOnCallOptions{ScheduleIDs: []string{schedule}, Since: stamp(t), Until: stamp(t), Limit: pageLimit}
	users := map[string]bool{}
	for range maxPages {
		r, err := p.api.ListOnCallsWithContext(ctx, opts)
		if err != nil {
			return nil, p.classify(err, w, "list on-calls of schedule "+schedule, schedule, "")
		}
		for _, oc := range r.OnCalls {
			if oc.User.ID != "" && (oc.Schedule.ID == "" || oc.Schedule.ID == schedule) {
				users[oc.User.ID] = true
			}
		}
		if !r.More || len(r.OnCalls) == 0 {
			break
		}
		opts.Offset += uint(len(r.OnCalls))
	}
	return slices.Sorted(maps.Keys(users)), nil
}

// stamp is t as PagerDuty takes it: RFC 3339 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func notFound(err error) bool {
	var ae pd.APIError
	return errors.As(err, &ae) && ae.NotFound()
}

// classify turns go-pagerduty's errors into what the workflow needs: bad
// credentials, an unknown schedule or user and other refusals are
// permanent, with advice where it helps; a rate limit carries its wait;
// server and network errors are plain (retryable). schedule and user are
// what the call was about ("" if not).
func (p *Pager) classify(err error, w *wait, op, schedule, user string) error {
	wrapped := p.redact(fmt.Errorf("pagerduty: %s: %w", op, err))
	var ae pd.APIError
	if !errors.As(err, &ae) {
		return wrapped
	}
	switch s := ae.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return &activities.SendError{Err: wrapped, Permanent: true, Advice: adviceToken}
	case s == http.StatusTooManyRequests:
		return &activities.SendError{Err: wrapped, RetryAfter: w.get()}
	case s >= 500:
		return wrapped
	case ae.NotFound() && schedule != "":
		return &activities.SendError{Err: wrapped, Permanent: true, Advice: fmt.Sprintf(adviceSchedule, schedule)}
	case s == http.StatusBadRequest && user != "" && aboutUser(ae):
		return &activities.SendError{Err: wrapped, Permanent: true, Advice: fmt.Sprintf(adviceUser, user)}
	case s == http.StatusRequestTimeout || s == http.StatusConflict || s == http.StatusTooEarly:
		return wrapped
	case s >= 400:
		return &activities.SendError{Err: wrapped, Permanent: true}
	}
	return wrapped
}

// aboutUser says whether a refusal is about the user (PagerDuty: "User
// not found" among the errors).
func aboutUser(ae pd.APIError) bool {
	if !ae.APIError.Valid {
		return false
	}
	for _, e := range append([]string{ae.APIError.ErrorObject.Message}, ae.APIError.ErrorObject.Errors...) {
		if strings.Contains(strings.ToLower(e), "user") {
			return true
		}
	}
	return false
}

// redact keeps the token out of err's message (go-pagerduty never puts it
// there; this makes sure).
func (p *Pager) redact(err error) error {
	if msg := err.Error(); strings.Contains(msg, p.token) {
		return &redacted{err: err, msg: strings.ReplaceAll(msg, p.token, "[token]")}
	}
	return err
}

type redacted struct {
	err error
	msg string
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// waitKey keys the wait a call's requests record in its context.
type waitKey struct{}

// wait is how long PagerDuty last asked a call to wait (a 429's
// Retry-After), which go-pagerduty's APIError does not carry.
type wait struct{ d atomic.Int64 }

func (w *wait) get() time.Duration {
	if w == nil {
		return 0
	}
	return time.Duration(w.d.Load())
}

func withWait(ctx context.Context) (context.Context, *wait) {
	w := &wait{}
	return context.WithValue(ctx, waitKey{}, w), w
}

// recorder is go-pagerduty's HTTP client: it makes each request once
// (neither it nor go-pagerduty retries a 429) and records a 429's wait in
// the request's context.
type recorder struct{ c *http.Client }

func (r recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.c.Do(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		if w, ok := req.Context().Value(waitKey{}).(*wait); ok {
			w.d.Store(int64(retryAfter(resp.Header, time.Now())))
		}
	}
	return resp, err
}

// retryAfter is the wait a 429 asks for: Retry-After (seconds or a date),
// else PagerDuty's ratelimit-reset (seconds); 0 if neither says.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now).Round(time.Second), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("Ratelimit-Reset")); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e6 {
			return time.Duration(f * float64(time.Second))
		}
	}
	return 0
}
