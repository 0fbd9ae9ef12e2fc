// Package opsgenie is rota's activities.Pager for Opsgenie, on the
// Opsgenie SDK: it keeps a schedule's overrides in line with a rotation
// (each marked as rota's by its alias) and asks who is on call.
package opsgenie

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opsgenie/opsgenie-go-sdk-v2/client"
	"github.com/opsgenie/opsgenie-go-sdk-v2/schedule"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
)

// DefaultURL is Opsgenie's API (the US instance), used when New gets "".
const DefaultURL = "https://api.opsgenie.com"

const (
	// requestTimeout bounds one HTTP request, when the context does not.
	requestTimeout = 30 * time.Second
	// defaultRetryAfter is the wait after a 429 that gives none.
	defaultRetryAfter = 30 * time.Second
	// fatalLevel is logrus.FatalLevel, which the SDK never logs at: it
	// keeps even the client's start-up line quiet.
	fatalLevel = 1
)

// Advice for the errors a person has to fix.
const (
	adviceKey = "check ROTA_OPSGENIE_API_KEY: an API key of an integration with read and configuration access (see README)"
)

// Pager is the Opsgenie Pager. It is safe for concurrent use.
type Pager struct {
	sc *schedule.Client
}

var _ activities.Pager = (*Pager)(nil)

// New makes the Pager for apiKey at apiURL, a base URL with scheme such
// as "https://api.eu.opsgenie.com" ("" is DefaultURL). The SDK's own
// retries are off (rota's workflow retries with backoff, and a 429 must
// come back with its Retry-After), and so is its logging.
func New(apiKey, apiURL string) (*Pager, error) {
	if apiKey == "" {
		return nil, errors.New("opsgenie: no API key")
	}
	host, err := apiHost(apiURL)
	if err != nil {
		return nil, err
	}
	var base http.RoundTripper = http.DefaultTransport
	if t, ok := base.(*http.Transport); ok {
		base = t.Clone()
	}
	cfg := &client.Config{
		ApiKey:         apiKey,
		OpsGenieAPIURL: client.ApiUrl(host),
		HttpClient:     &http.Client{Transport: transport{base}, Timeout: requestTimeout},
		RetryCount:     1, // the least it takes; RetryPolicy makes it none
		RetryPolicy: func(ctx context.Context, _ *http.Response, _ error) (bool, error) {
			return false, ctx.Err()
		},
		LogLevel: fatalLevel,
	}
	sc, err := schedule.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("opsgenie: %w", err)
	}
	// The SDK made a logrus logger; send it nowhere.
	if l, ok := cfg.Logger.(interface{ SetOutput(io.Writer) }); ok {
		l.SetOutput(io.Discard)
	}
	return &Pager{sc: sc}, nil
}

// apiHost turns a base URL into the host the SDK takes. The SDK speaks
// https only to hosts with "api" in them, http to the others, so a URL
// that asks otherwise cannot be honoured.
func apiHost(apiURL string) (string, error) {
	if apiURL == "" {
		apiURL = DefaultURL
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return "", fmt.Errorf("opsgenie: API URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("opsgenie: API URL %q: want http:// or https:// and a host", u.Redacted())
	case u.Host == "":
		return "", fmt.Errorf("opsgenie: API URL %q has no host", u.Redacted())
	case u.User != nil:
		return "", fmt.Errorf("opsgenie: API URL %q: no user or password in it, please (the key goes in ROTA_OPSGENIE_API_KEY)", u.Redacted())
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("opsgenie: API URL %q: only scheme and host, the SDK adds the paths", u.Redacted())
	}
	hasAPI := strings.Contains(u.Host, "api")
	switch {
	case u.Scheme == "http" && hasAPI:
		return "", fmt.Errorf("opsgenie: API URL %q: the SDK speaks https to a host with \"api\" in its name, not http", u.Redacted())
	case u.Scheme == "https" && !hasAPI:
		return "", fmt.Errorf("opsgenie: API URL %q: the SDK speaks http, not https, to a host without \"api\" in its name", u.Redacted())
	}
	return u.Host, nil
}

// Name is "opsgenie", as the config says it.
func (p *Pager) Name() string { return "opsgenie" }

// Alias is the alias of the override of a shift and user
// (activities.OverrideAlias): putting it again replaces it.
func (p *Pager) Alias(rotation, shift string, seat int) string {
	return activities.OverrideAlias(rotation, shift, seat)
}

// User is the member's Opsgenie username: the config's, else the email.
func (p *Pager) User(_ context.Context, m config.Member) (string, error) {
	switch {
	case m.Opsgenie != "":
		return m.Opsgenie, nil
	case m.Email != "":
		return m.Email, nil
	}
	return "", &activities.SendError{
		Err:       fmt.Errorf("opsgenie: member %q has no opsgenie username and no email", m.ID),
		Permanent: true,
		Advice:    fmt.Sprintf("give member %q an opsgenie username (members[].opsgenie) or an email", m.ID),
	}
}

// Overrides lists rotation's overrides on sched that overlap [from, to)
// (to zero: no end): those whose alias is one OverrideAlias makes for
// rotation. Shift is left empty, the alias does not say it; known is not
// needed.
func (p *Pager) Overrides(ctx context.Context, sched, rotation string, from, to time.Time, _ []string) ([]activities.PagerOverride, error) {
	if err := checkSchedule(sched); err != nil {
		return nil, err
	}
	ctx, rl := withRateLimit(ctx)
	res, err := p.sc.ListScheduleOverride(ctx, &schedule.ListScheduleOverrideRequest{
		ScheduleIdentifierType: schedule.Name, ScheduleIdentifier: sched,
	})
	if err != nil {
		return nil, classify(fmt.Errorf("opsgenie: list overrides of schedule %q: %w", sched, err), rl, sched, "")
	}
	var out []activities.PagerOverride
	for _, so := range res.ScheduleOverride {
		if !isRotas(so.Alias, rotation) || !so.EndDate.After(from) || !to.IsZero() && !so.StartDate.Before(to) {
			continue
		}
		out = append(out, activities.PagerOverride{
			ID: so.Alias, User: so.User.Username, Start: so.StartDate.UTC(), End: so.EndDate.UTC(),
		})
	}
	slices.SortFunc(out, func(a, b activities.PagerOverride) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.User, b.User); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// isRotas: alias is one OverrideAlias makes for rotation. The prefix
// alone would also take in rotation "a-b"'s aliases for rotation "a".
func isRotas(alias, rotation string) bool {
	prefix := activities.AliasPrefix(rotation)
	rest, ok := strings.CutPrefix(alias, prefix)
	if !ok || len(rest) != len(activities.OverrideAlias(rotation, "", 0))-len(prefix) {
		return false
	}
	return strings.Trim(rest, "0123456789abcdef") == ""
}

// Put creates the override of o's shift and user, or, when its alias is
// taken already (a retry after a lost reply, a changed shift), updates
// it, so putting it again never doubles it. It returns the alias.
func (p *Pager) Put(ctx context.Context, sched, rotation string, o activities.PagerOverride) (string, error) {
	if err := checkSchedule(sched); err != nil {
		return "", err
	}
	if o.User == "" || !o.End.After(o.Start) {
		return "", activities.Permanent(fmt.Errorf("opsgenie: override of shift %q: want a user and an end after its start, have %q from %s to %s",
			o.Shift, o.User, o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339)))
	}
	alias := p.Alias(rotation, o.Shift, o.Seat)
	user := schedule.Responder{Type: schedule.UserResponderType, Username: o.User}
	start, end := o.Start.UTC(), o.End.UTC()
	cctx, rl := withRateLimit(ctx)
	_, err := p.sc.CreateScheduleOverride(cctx, &schedule.CreateScheduleOverrideRequest{
		Alias: alias, User: user, StartDate: start, EndDate: end,
		ScheduleIdentifierType: schedule.Name, ScheduleIdentifier: sched,
	})
	if err == nil {
		return alias, nil
	}
	if !aliasTaken(err) {
		return "", classify(fmt.Errorf("opsgenie: create override %s on schedule %q: %w", alias, sched, err), rl, sched, o.User)
	}
	uctx, rl := withRateLimit(ctx)
	_, err = p.sc.UpdateScheduleOverride(uctx, &schedule.UpdateScheduleOverrideRequest{
		Alias: alias, User: user, StartDate: start, EndDate: end,
		ScheduleIdentifierType: schedule.Name, ScheduleIdentifier: sched,
	})
	if err != nil {
		return "", classify(fmt.Errorf("opsgenie: update override %s on schedule %q: %w", alias, sched, err), rl, sched, o.User)
	}
	return alias, nil
}

// Delete removes the override whose alias is o.ID; one already gone is
// not an error.
func (p *Pager) Delete(ctx context.Context, sched string, o activities.PagerOverride) error {
	if err := checkSchedule(sched); err != nil {
		return err
	}
	if o.ID == "" {
		return activities.Permanent(fmt.Errorf("opsgenie: delete an override of schedule %q without its alias", sched))
	}
	ctx, rl := withRateLimit(ctx)
	_, err := p.sc.DeleteScheduleOverride(ctx, &schedule.DeleteScheduleOverrideRequest{
		Alias: o.ID, ScheduleIdentifierType: schedule.Name, ScheduleIdentifier: sched,
	})
	var ae *client.ApiError
	if err == nil || errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound && !scheduleMissing(ae) {
		return nil
	}
	return classify(fmt.Errorf("opsgenie: delete override %s on schedule %q: %w", o.ID, sched, err), rl, sched, "")
}

// OnCall lists the usernames on call for sched at t, sorted.
func (p *Pager) OnCall(ctx context.Context, sched string, t time.Time) ([]string, error) {
	if err := checkSchedule(sched); err != nil {
		return nil, err
	}
	flat, at := true, t.UTC() // the SDK writes the date with a "Z" whatever its zone
	ctx, rl := withRateLimit(ctx)
	res, err := p.sc.GetOnCalls(ctx, &schedule.GetOnCallsRequest{
		Flat: &flat, Date: &at, ScheduleIdentifierType: schedule.Name, ScheduleIdentifier: sched,
	})
	if err != nil {
		return nil, classify(fmt.Errorf("opsgenie: who is on call for schedule %q: %w", sched, err), rl, sched, "")
	}
	users := slices.Clone(res.OnCallRecipients)
	slices.Sort(users)
	return slices.Compact(users), nil
}

func checkSchedule(sched string) error {
	if sched != "" {
		return nil
	}
	return &activities.SendError{
		Err:       errors.New("opsgenie: no schedule"),
		Permanent: true,
		Advice:    "check rotations[].opsgenie.schedule: it is empty",
	}
}

// aliasTaken: the create failed because an override has the alias
// already (Opsgenie answers 422 "Alias already exists"; a 409 would say
// the same).
func aliasTaken(err error) bool {
	var ae *client.ApiError
	if !errors.As(err, &ae) {
		return false
	}
	m := strings.ToLower(ae.Message)
	return ae.StatusCode == http.StatusConflict ||
		(ae.StatusCode == http.StatusUnprocessableEntity || ae.StatusCode == http.StatusBadRequest) &&
			strings.Contains(m, "alias") && strings.Contains(m, "exist")
}

// scheduleMissing: a 404 is about the schedule, not an override in it.
func scheduleMissing(ae *client.ApiError) bool {
	m := strings.ToLower(ae.Message)
	return ae.StatusCode == http.StatusNotFound && strings.Contains(m, "schedule") && !strings.Contains(m, "override")
}

// userUnknown: a 422 is about the override's user.
func userUnknown(ae *client.ApiError) bool {
	if ae.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	if strings.Contains(strings.ToLower(ae.Message), "user") {
		return true
	}
	for k, v := range ae.Errors {
		if strings.Contains(strings.ToLower(k+" "+v), "user") {
			return true
		}
	}
	return false
}

// classify makes err, from a call about sched (and user), a SendError
// saying whether trying again helps and, if not, what a person should
// do. Network errors and 5xx stay plain, retryable errors.
func classify(err error, rl *rateLimit, sched, user string) error {
	var ae *client.ApiError
	if !errors.As(err, &ae) {
		return err
	}
	switch s := ae.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return &activities.SendError{Err: err, Permanent: true, Advice: adviceKey}
	case s == http.StatusTooManyRequests:
		wait := rl.wait
		if wait <= 0 {
			wait = defaultRetryAfter
		}
		return &activities.SendError{Err: err, RetryAfter: wait}
	case scheduleMissing(ae):
		return &activities.SendError{Err: err, Permanent: true,
			Advice: fmt.Sprintf("check rotations[].opsgenie.schedule: no schedule named %q", sched)}
	case user != "" && userUnknown(ae):
		return &activities.SendError{Err: err, Permanent: true,
			Advice: fmt.Sprintf("check members[].opsgenie of the member: Opsgenie has no user %q", user)}
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return activities.Permanent(err) // the request is wrong; sending it again will not help
	}
	return err
}

// rateLimit is where transport leaves the Retry-After of a 429: the SDK's
// ApiError does not keep the reply's headers.
type rateLimit struct{ wait time.Duration }

type rateLimitKey struct{}

// withRateLimit gives one SDK call a place for its Retry-After.
func withRateLimit(ctx context.Context) (context.Context, *rateLimit) {
	rl := &rateLimit{}
	return context.WithValue(ctx, rateLimitKey{}, rl), rl
}

// transport is the SDK's HTTP transport: it notes a 429's Retry-After in
// the request's rateLimit.
type transport struct{ base http.RoundTripper }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	if rl, ok := r.Context().Value(rateLimitKey{}).(*rateLimit); ok {
		rl.wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, nil
}

// retryAfter reads a Retry-After header, in seconds or an HTTP date; 0 if
// it says nothing usable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
