package main

// Operations on running rotations. Each is a Temporal update (the workflow
// validates it and answers at once); a rejected one prints the reason and
// exits 1. The same names are signals too: the README's "Signals, updates
// and queries" has the `temporal workflow signal` equivalents.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rota-scheduler/rota/workflows"
)

// opRequest is an operation ready to send: parsed, checked, not yet sent.
type opRequest struct {
	rotation string
	name     string // update name
	arg      any
}

// opResult is what an operation's update answers: the shifts it touched
// and a line per seat that changed hands.
type opResult struct {
	Shifts []string `json:"shifts"`
	Notes  []string `json:"notes"`
}

// sendOp sends the update and prints what it did.
func sendOp(ctx context.Context, c client.Client, req opRequest, stdout io.Writer) error {
	var raw json.RawMessage
	already, err := update(ctx, c, req.rotation, req.name, req.arg, &raw)
	var ans workflows.Answer
	if err == nil && json.Unmarshal(raw, &ans) == nil && ans.AnsweredAt != nil {
		already = true // answered by a run before a continue-as-new
	}
	if already {
		fmt.Fprintf(stdout, "%s: the same %s was sent in the last %d minutes; this is its answer (it was not applied again)\n",
			req.rotation, req.name, int(2*updateWindow/time.Minute))
	}
	if err != nil {
		return err
	}
	printOpResult(stdout, req.rotation, req.name, raw)
	return nil
}

func printOpResult(w io.Writer, rotation, name string, raw json.RawMessage) {
	var res opResult
	if len(raw) > 0 && json.Unmarshal(raw, &res) == nil && (len(res.Notes) > 0 || len(res.Shifts) > 0) {
		fmt.Fprintf(w, "%s: %s done\n", rotation, name)
		for _, n := range res.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
		if len(res.Notes) == 0 {
			for _, s := range res.Shifts {
				fmt.Fprintf(w, "  changed %s\n", s)
			}
		}
		return
	}
	fmt.Fprintf(w, "%s: %s done\n", rotation, name)
}

// runOp parses an operation on one rotation and sends it.
func runOp(parseOp func(args []string) (opRequest, *remote, error)) func([]string, io.Writer) error {
	return func(args []string, stdout io.Writer) error {
		req, rem, err := parseOp(args)
		if err != nil {
			return err
		}
		ctx, c, done, err := rem.session()
		if err != nil {
			return err
		}
		defer done()
		return sendOp(ctx, c, req, stdout)
	}
}

var (
	runSwap       = runOp(parseSwap)
	runCover      = runOp(parseCover)
	runLeaveShift = runOp(parseLeaveShift)
	runAssign     = runOp(parseAssign)
	runPause      = runOp(parsePause)
	runResume     = runOp(parseResume)
)

// parseShiftOp parses an operation on shifts: define adds the operation's
// flags, need names those required, check (if any) checks what was given,
// and shifts returns the shift ids given, which name the rotation unless
// --rotation does.
func parseShiftOp(name string, args []string, define func(fs *flag.FlagSet), need []string, check func() error, shifts func() []string) (string, *remote, error) {
	fs := newFlags(name)
	define(fs)
	rot := fs.String("rotation", "", "rotation id (default: from the shift ids)")
	rem := addRemote(fs, true)
	if _, err := parseArgs(fs, args, 0, 0, ""); err != nil {
		return "", nil, err
	}
	if err := required(fs, need...); err != nil {
		return "", nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return "", nil, err
		}
	}
	r, err := pickRotation(*rot, shifts()...)
	if err != nil {
		return "", nil, err
	}
	return r, rem, nil
}

func parseSwap(args []string) (opRequest, *remote, error) {
	in := workflows.SwapInput{}
	r, rem, err := parseShiftOp("swap", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.ShiftA, "shift-a", "", "the first shift's id")
		fs.StringVar(&in.MemberA, "member-a", "", "who serves on the first shift and takes the second")
		fs.StringVar(&in.ShiftB, "shift-b", "", "the second shift's id")
		fs.StringVar(&in.MemberB, "member-b", "", "who serves on the second shift and takes the first")
	}, []string{"shift-a", "member-a", "shift-b", "member-b"}, func() error {
		if in.ShiftA == in.ShiftB && in.MemberA == in.MemberB {
			return usagef("nothing to swap: same shift and member twice")
		}
		return nil
	}, func() []string { return []string{in.ShiftA, in.ShiftB} })
	if err != nil {
		return opRequest{}, nil, err
	}
	in.RequestedBy = rem.as
	return opRequest{r, workflows.Swap, in}, rem, nil
}

func parseCover(args []string) (opRequest, *remote, error) {
	in := workflows.CoverInput{}
	r, rem, err := parseShiftOp("cover", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Shift, "shift", "", "the shift's id")
		fs.StringVar(&in.Member, "member", "", "who is covered")
		fs.StringVar(&in.By, "by", "", "who covers")
	}, []string{"shift", "member", "by"}, func() error {
		if in.Member == in.By {
			return usagef("--member and --by are both %s", in.By)
		}
		return nil
	}, func() []string { return []string{in.Shift} })
	if err != nil {
		return opRequest{}, nil, err
	}
	in.RequestedBy = rem.as
	return opRequest{r, workflows.Cover, in}, rem, nil
}

func parseLeaveShift(args []string) (opRequest, *remote, error) {
	in := workflows.LeaveShiftInput{}
	r, rem, err := parseShiftOp("leave-shift", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Shift, "shift", "", "the shift's id")
		fs.StringVar(&in.Member, "member", "", "who leaves it")
		fs.StringVar(&in.Reason, "reason", "", "why (recorded in the audit log)")
	}, []string{"shift", "member"}, nil, func() []string { return []string{in.Shift} })
	if err != nil {
		return opRequest{}, nil, err
	}
	in.RequestedBy = rem.as
	return opRequest{r, workflows.LeaveShift, in}, rem, nil
}

func parseAssign(args []string) (opRequest, *remote, error) {
	in := workflows.AssignInput{}
	var members string
	r, rem, err := parseShiftOp("assign", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Shift, "shift", "", "the shift's id")
		fs.StringVar(&members, "members", "", "who serves, comma-separated (e.g. alice,bob)")
	}, []string{"shift", "members"}, nil, func() []string { return []string{in.Shift} })
	if err != nil {
		return opRequest{}, nil, err
	}
	for _, m := range strings.Split(members, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			return opRequest{}, nil, usagef("--members %q has an empty name", members)
		}
		if slices.Contains(in.Members, m) {
			return opRequest{}, nil, usagef("--members names %s twice", m)
		}
		in.Members = append(in.Members, m)
	}
	in.RequestedBy = rem.as
	return opRequest{r, workflows.Assign, in}, rem, nil
}

// rotationArg reads a rotation given as ROTATION or --rotation.
func rotationArg(pos []string, flagValue string) (string, error) {
	switch {
	case len(pos) == 1 && flagValue != "" && pos[0] != flagValue:
		return "", usagef("rotation given twice: %s and --rotation %s", pos[0], flagValue)
	case len(pos) == 1:
		return pos[0], nil
	case flagValue != "":
		return flagValue, nil
	}
	return "", usagef("missing ROTATION")
}

func parsePause(args []string) (opRequest, *remote, error) {
	fs := newFlags("pause")
	in := workflows.PauseInput{}
	fs.StringVar(&in.Reason, "reason", "", "why (recorded in the audit log)")
	rot := fs.String("rotation", "", "rotation id (or give it as the argument)")
	rem := addRemote(fs, true)
	pos, err := parseArgs(fs, args, 0, 1, "ROTATION")
	if err != nil {
		return opRequest{}, nil, err
	}
	r, err := rotationArg(pos, *rot)
	if err != nil {
		return opRequest{}, nil, err
	}
	in.RequestedBy = rem.as
	return opRequest{r, workflows.Pause, in}, rem, nil
}

func parseResume(args []string) (opRequest, *remote, error) {
	fs := newFlags("resume")
	rot := fs.String("rotation", "", "rotation id (or give it as the argument)")
	rem := addRemote(fs, true)
	pos, err := parseArgs(fs, args, 0, 1, "ROTATION")
	if err != nil {
		return opRequest{}, nil, err
	}
	r, err := rotationArg(pos, *rot)
	if err != nil {
		return opRequest{}, nil, err
	}
	return opRequest{r, workflows.Resume, workflows.ResumeInput{RequestedBy: rem.as}}, rem, nil
}

// awayRequest is an unavailable or available command, parsed.
type awayRequest struct {
	name     string // workflows.Unavailable or workflows.Available
	member   string
	span     span
	reason   string
	tz       *time.Location // read dates in this zone instead of each rotation's
	rotation string         // only this rotation
	rem      *remote
}

func parseAway(name string, args []string) (awayRequest, error) {
	cmd := "unavailable"
	if name == workflows.Available {
		cmd = "available"
	}
	fs := newFlags(cmd)
	from := fs.String("from", "", "first day (a date: the whole day) or time (RFC 3339)")
	to := fs.String("to", "", "last day (inclusive) or end time (RFC 3339, exclusive)")
	var reason *string
	if name == workflows.Unavailable {
		reason = fs.String("reason", "", "why (shown to whoever plans the rota)")
	}
	tz := fs.String("tz", "", "read dates in this IANA zone (default: each rotation's own)")
	rot := fs.String("rotation", "", "only this rotation (default: every rotation MEMBER belongs to)")
	rem := addRemote(fs, true)
	pos, err := parseArgs(fs, args, 1, 1, "MEMBER")
	if err != nil {
		return awayRequest{}, err
	}
	sp, err := parseSpan(*from, *to)
	if err != nil {
		return awayRequest{}, err
	}
	loc, err := loadZone(*tz)
	if err != nil {
		return awayRequest{}, err
	}
	if loc != nil {
		if _, _, err := sp.resolve(loc); err != nil {
			return awayRequest{}, err
		}
	}
	req := awayRequest{name: name, member: pos[0], span: sp, tz: loc, rotation: *rot, rem: rem}
	if reason != nil {
		req.reason = *reason
	}
	return req, nil
}

// arg is the update's argument for one rotation, with dates read in loc.
func (a awayRequest) arg(loc *time.Location) (any, error) {
	if a.tz != nil {
		loc = a.tz
	}
	from, to, err := a.span.resolve(loc)
	if err != nil {
		return nil, err
	}
	from, to = from.UTC(), to.UTC()
	if a.name == workflows.Available {
		return workflows.AvailableInput{Member: a.member, From: from, To: to, RequestedBy: a.rem.as}, nil
	}
	return workflows.UnavailableInput{Member: a.member, From: from, To: to, Reason: a.reason, RequestedBy: a.rem.as}, nil
}

// membersQuery is the visibility query for the running rotations of a
// member. A rotation that has just continued as new may not be listed as
// running yet (visibility lags the new run by a moment), so runs closed by
// a continue-as-new in the last minutes count too: an update to the
// workflow id reaches its current run.
func membersQuery(member string, now time.Time) string {
	return fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND (ExecutionStatus = 'Running' OR (ExecutionStatus = 'ContinuedAsNew' AND CloseTime > '%s'))",
		workflowType, workflows.AttrMembers, strings.ReplaceAll(member, "'", ""), now.Add(-canLag).UTC().Format(time.RFC3339))
}

// canLag is how far back a continue-as-new counts in membersQuery.
const canLag = 5 * time.Minute

func runAway(name string) func([]string, io.Writer) error {
	return func(args []string, stdout io.Writer) error {
		a, err := parseAway(name, args)
		if err != nil {
			return err
		}
		ctx, c, done, err := a.rem.session()
		if err != nil {
			return err
		}
		defer done()
		var rotations []string
		if a.rotation != "" {
			rotations = []string{a.rotation}
		} else {
			rows, err := listRotations(ctx, c, membersQuery(a.member, time.Now()))
			if err != nil {
				return err
			}
			for _, r := range rows {
				if !slices.Contains(rotations, r.Rotation) {
					rotations = append(rotations, r.Rotation)
				}
			}
			if len(rotations) == 0 {
				return fmt.Errorf("%s is in no running rotation (rota list shows them)", a.member)
			}
		}
		failed := 0
		for _, r := range rotations {
			loc := time.UTC
			if a.tz == nil && (a.span.from.Zoned() || a.span.to.Zoned()) {
				var cfg workflows.ConfigResult
				if err := query(ctx, c, r, workflows.QueryConfig, &cfg); err != nil {
					fmt.Fprintf(stdout, "%s: %v\n", r, err)
					failed++
					continue
				}
				loc = viewZone(nil, cfg.Rotation.Timezone)
			}
			arg, err := a.arg(loc)
			if err == nil {
				err = sendOp(ctx, c, opRequest{r, name, arg}, stdout)
			}
			if err != nil {
				fmt.Fprintf(stdout, "%v\n", err)
				failed++
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d rotations did not take it", failed, len(rotations))
		}
		return nil
	}
}

var (
	runUnavailable = runAway(workflows.Unavailable)
	runAvailable   = runAway(workflows.Available)
)
