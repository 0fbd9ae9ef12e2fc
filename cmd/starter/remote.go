package main

// The parts shared by the commands that talk to Temporal: connection flags,
// positional arguments, --from/--to values, time zones and the calls that
// send updates and queries to a rotation's workflow.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/temporalconn"
	"github.com/rota-scheduler/rota/workflows"
)

const (
	// callTimeout bounds one command's work on the server: an update waits
	// for a worker to run it, so a missing worker shows up as this timeout.
	callTimeout = 30 * time.Second
)

// remote is how a command reaches Temporal. Secrets never come from flags:
// TEMPORAL_API_KEY, TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY are read from the
// environment only.
type remote struct {
	temporalconn.Conn
	as string // requested_by of operations
}

// getenv is os.Getenv; tests replace it.
var getenv = os.Getenv

// globalAs is `rota --as MEMBER COMMAND`: who asks, for every command.
var globalAs string

// addRemote adds --address and --namespace to fs; withAs adds --as too.
func addRemote(fs *flag.FlagSet, withAs bool) *remote {
	r := &remote{}
	r.Register(fs, getenv)
	if withAs {
		as := getenv("ROTA_USER")
		if globalAs != "" {
			as = globalAs
		}
		fs.StringVar(&r.as, "as", as, "member id recorded as requesting the change (also rota --as MEMBER COMMAND, or env ROTA_USER); required when the rotation has admins")
	}
	return r
}

// options builds the client options from the flags and the environment.
func (r *remote) options() (client.Options, error) {
	opts, err := r.Options(getenv)
	if err != nil {
		return opts, err
	}
	opts.Identity = "rota-cli"
	if u := getenv("ROTA_USER"); u != "" {
		opts.Identity = "rota-cli:" + u
	}
	opts.Logger = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	return opts, nil
}

// dial connects to Temporal.
func (r *remote) dial(ctx context.Context) (client.Client, error) {
	opts, err := r.options()
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %s; is the server running? `make run` starts a local one; set TEMPORAL_ADDRESS or --address otherwise): %w",
			r.Address, r.Namespace, err)
	}
	return c, nil
}

// session is a command's time on the server: a context that ends on
// Ctrl-C or after callTimeout, and a connected client.
func (r *remote) session() (context.Context, client.Client, func(), error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	c, err := r.dial(ctx)
	if err != nil {
		cancel()
		stop()
		return nil, nil, nil, err
	}
	return ctx, c, func() { c.Close(); cancel(); stop() }, nil
}

// parseArgs parses flags given anywhere among args (rota unavailable alice
// --from ... works as well as flags first) and returns the positional
// arguments, of which it wants between lo and hi; what names them.
func parseArgs(fs *flag.FlagSet, args []string, lo, hi int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{flagError(err)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < lo:
		return nil, usagef("missing %s", what)
	case len(pos) > hi && hi == 0:
		return nil, usagef("unexpected argument %q", pos[0])
	case len(pos) > hi:
		return nil, usagef("unexpected argument %q (want %s)", pos[hi], what)
	}
	return pos, nil
}

// required reports the first of the named flags left empty as a usage error.
func required(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if f := fs.Lookup(n); f != nil && strings.TrimSpace(f.Value.String()) == "" {
			return usagef("--%s is required", n)
		}
	}
	return nil
}

// rotationOfShift is the rotation a shift id belongs to: shift ids are
// <rotation>/<layer>/<start>.
func rotationOfShift(id string) (string, error) {
	rot, rest, ok := strings.Cut(id, "/")
	if !ok || rot == "" || rest == "" {
		return "", usagef("bad shift id %q: want ROTATION/LAYER/START, e.g. sre/main/2026-11-23T09:00:00Z (rota show ROTATION lists them)", id)
	}
	return rot, nil
}

// pickRotation settles which rotation an operation on shifts goes to: the
// --rotation flag when given, else the prefix of the shift ids, which must
// agree.
func pickRotation(flagValue string, shifts ...string) (string, error) {
	rot := flagValue
	for _, s := range shifts {
		r, err := rotationOfShift(s)
		if err != nil {
			return "", err
		}
		if rot == "" {
			rot = r
		} else if r != rot {
			return "", usagef("shift %s is not in rotation %s", s, rot)
		}
	}
	if rot == "" {
		return "", usagef("--rotation is required")
	}
	return rot, nil
}

// parseMoment reads a --from or --to value (calendar.ParseMoment): a date
// (a whole day in the zone it is read in), a wall-clock date-time in that
// zone, or an RFC 3339 instant.
func parseMoment(flagName, s string) (calendar.Moment, error) {
	if s == "" {
		return calendar.Moment{}, usagef("--%s is required", flagName)
	}
	m, err := calendar.ParseMoment(s)
	if err != nil {
		return m, usagef("--%s: %v", flagName, err)
	}
	return m, nil
}

// span parses --from and --to.
type span struct{ from, to calendar.Moment }

func parseSpan(from, to string) (span, error) {
	f, err := parseMoment("from", from)
	if err != nil {
		return span{}, err
	}
	t, err := parseMoment("to", to)
	if err != nil {
		return span{}, err
	}
	// Check the order now when it does not depend on the zone (both
	// instants, or both read in the same zone); otherwise in resolve.
	if f.Zoned() == t.Zoned() && !t.End(time.UTC).After(f.Start(time.UTC)) {
		return span{}, usagef("--to must be after --from")
	}
	return span{f, t}, nil
}

// resolve reads the span in loc.
func (s span) resolve(loc *time.Location) (time.Time, time.Time, error) {
	from, to := s.from.Start(loc), s.to.End(loc)
	if !to.After(from) {
		return from, to, usagef("--to must be after --from")
	}
	return from, to, nil
}

// loadZone reads a --tz value: an IANA name or Local.
func loadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return nil, nil
	}
	if tz == "Local" {
		return time.Local, nil
	}
	loc, err := calendar.LoadLocation(tz)
	if err != nil {
		return nil, usagef("--tz: %v", err)
	}
	return loc, nil
}

// viewZone picks the zone people see times in: --tz, else the rotation's,
// else TZ (time.Local).
func viewZone(flagZone *time.Location, rotationTZ string) *time.Location {
	if flagZone != nil {
		return flagZone
	}
	if rotationTZ != "" {
		if loc, err := calendar.LoadLocation(rotationTZ); err == nil {
			return loc
		}
	}
	return time.Local
}

// checkFormat checks a --format value.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usagef("unknown format %q: want %s", format, strings.Join(allowed, " or "))
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// callErr turns what Temporal says about a call into words for people.
func callErr(rotation string, err error) error {
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	var qf *serviceerror.QueryFailed
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("no rotation %q is running (rota list shows them; rota apply -f FILE starts one)", rotation)
	case errors.As(err, &app):
		return fmt.Errorf("%s: rejected: %s", rotation, app.Message())
	case errors.As(err, &qf):
		return fmt.Errorf("%s: query failed: %s", rotation, qf.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: no answer in %s: is a rota worker running on task queue %q?", rotation, callTimeout, workflows.TaskQueue)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: interrupted", rotation)
	}
	return fmt.Errorf("%s: %w", rotation, err)
}

// update sends a named update to a rotation and waits for its result; a
// rejection comes back as an error that names the reason. The update's id
// is derived from the request (see updateID): when the same request was
// sent in the last few minutes (a command run again after a timeout), its
// first answer is returned and the operation is not applied twice; already
// then says so.
func update(ctx context.Context, c client.Client, rotation, name string, arg, result any) (already bool, err error) {
	now := time.Now()
	for _, back := range []time.Duration{0, updateWindow} {
		id, err := updateID(rotation, name, arg, now.Add(-back))
		if err != nil {
			return false, err
		}
		h := c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: workflows.WorkflowID(rotation), UpdateID: id})
		err = h.Get(ctx, result)
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &nf):
			continue // not sent yet
		default:
			var app *temporal.ApplicationError
			if errors.As(err, &app) {
				return true, callErr(rotation, err)
			}
			return false, callErr(rotation, err)
		}
	}
	id, err := updateID(rotation, name, arg, now)
	if err != nil {
		return false, err
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.WorkflowID(rotation),
		UpdateID:     id,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return false, callErr(rotation, err)
	}
	if err := h.Get(ctx, result); err != nil {
		return false, callErr(rotation, err)
	}
	return false, nil
}

// updateWindow is how long the same request keeps the same update id.
const updateWindow = 5 * time.Minute

// updateID is the id of an update: the rotation, the operation, a hash of
// its input (requested_by included) and the updateWindow it is sent in.
// The same command run again soon after gets the same id, so Temporal
// answers it with the first result instead of applying it twice.
func updateID(rotation, name string, arg any, at time.Time) (string, error) {
	b, err := json.Marshal(arg)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", name, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", rotation, name)
	h.Write(b)
	window := at.UTC().Truncate(updateWindow)
	return fmt.Sprintf("rota-cli/%s/%s/%x/%s", name, rotation, h.Sum(nil)[:8], window.Format("20060102T1504Z")), nil
}

// query runs a named query on a rotation's workflow.
func query(ctx context.Context, c client.Client, rotation, name string, result any, args ...any) error {
	v, err := c.QueryWorkflow(ctx, workflows.WorkflowID(rotation), "", name, args...)
	if err != nil {
		return callErr(rotation, err)
	}
	if err := v.Get(result); err != nil {
		return fmt.Errorf("%s: cannot read the %s query's answer: %w", rotation, name, err)
	}
	return nil
}
