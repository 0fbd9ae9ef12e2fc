package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// workflowType is the registered name of the rotation workflow.
const workflowType = workflows.WorkflowType

// attrMembers is set when a rotation's workflow starts, so that
// `rota unavailable` finds it at once.
var attrMembers = workflows.AttrMembersKey

// desired is one rotation of the config files, as apply sends it.
type desired struct {
	rot     config.Rotation
	members []config.Member // the members it uses, in file order
}

func (d desired) configure() workflows.ConfigureInput {
	return workflows.ConfigureInput{Rotation: d.rot, Members: d.members}
}

// rotationsOf splits a config into its rotations with their members.
func rotationsOf(cfg *config.Config) []desired {
	out := make([]desired, 0, len(cfg.Rotations))
	for _, r := range cfg.Rotations {
		ids := r.MemberIDs()
		var ms []config.Member
		for _, m := range cfg.Members {
			if slices.Contains(ids, m.ID) {
				ms = append(ms, m)
			}
		}
		out = append(out, desired{rot: r, members: ms})
	}
	return out
}

func runApply(args []string, stdout io.Writer) error {
	fs := newFlags("apply")
	var fl files
	fs.Var(&fl, "f", "config file (repeatable)")
	dry := fs.Bool("dry-run", false, "show what would change and change nothing")
	only := fs.String("rotation", "", "apply only this rotation")
	rem := addRemote(fs, false)
	if _, err := parseArgs(fs, args, 0, 0, ""); err != nil {
		return err
	}
	if len(fl) == 0 {
		return usagef("-f FILE is required")
	}
	cfg, err := config.Load(fl...)
	if err != nil {
		return err
	}
	want := rotationsOf(cfg)
	if *only != "" {
		want = slices.DeleteFunc(want, func(d desired) bool { return d.rot.ID != *only })
		if len(want) == 0 {
			return fmt.Errorf("no rotation %q in %s", *only, strings.Join(fl, ", "))
		}
	}
	ctx, c, done, err := rem.session()
	if err != nil {
		return err
	}
	defer done()

	failed := 0
	var started []string
	for _, d := range want {
		id := d.rot.ID
		plan, err := planApply(ctx, c, d)
		if err != nil {
			fmt.Fprintf(stdout, "%s: cannot compare with the running rotation: %v\n", id, err)
			failed++
			continue
		}
		fmt.Fprint(stdout, plan.String())
		if *dry && !plan.unchanged() && !plan.isNew {
			if err := printPreview(ctx, c, d, stdout); err != nil {
				fmt.Fprintf(stdout, "  (no schedule preview: %v)\n", err)
			}
		}
		if plan.unchanged() || *dry {
			continue
		}
		if err := applyOne(ctx, c, d); err != nil {
			fmt.Fprintf(stdout, "%s: not applied: %v\n", id, err)
			failed++
			continue
		}
		if plan.isNew {
			fmt.Fprintf(stdout, "%s: started workflow %s\n", id, workflows.WorkflowID(id))
			started = append(started, id)
		} else {
			fmt.Fprintf(stdout, "%s: configured\n", id)
		}
	}
	if *dry {
		fmt.Fprintln(stdout, "dry run: nothing applied")
	}
	applyFeedLinks(stdout, started)
	if failed > 0 {
		return fmt.Errorf("%d of %d rotations not applied", failed, len(want))
	}
	return nil
}

// applyPlan is what apply will do to one rotation.
type applyPlan struct {
	rotation string
	isNew    bool
	why      string // for a new rotation: why (never run, or the last run's end)
	summary  string // for a new rotation
	changes  []string
	paused   bool // the running rotation is paused (apply does not resume it)
}

func (p applyPlan) unchanged() bool { return !p.isNew && len(p.changes) == 0 }

func (p applyPlan) String() string {
	var b strings.Builder
	switch {
	case p.isNew:
		fmt.Fprintf(&b, "%s: new rotation%s: %s\n", p.rotation, p.why, p.summary)
	case len(p.changes) == 0:
		fmt.Fprintf(&b, "%s: unchanged%s\n", p.rotation, pausedNote(p.paused))
	default:
		fmt.Fprintf(&b, "%s: %d change%s%s\n", p.rotation, len(p.changes), plural(len(p.changes)), pausedNote(p.paused))
		for _, c := range p.changes {
			fmt.Fprintf(&b, "  %s\n", c)
		}
	}
	return b.String()
}

func pausedNote(paused bool) string {
	if paused {
		return " (paused: rota resume to restart it)"
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// summarize describes a new rotation in one line.
func summarize(d desired) string {
	return fmt.Sprintf("%d members, %s shifts from %s %s", len(d.rot.MemberIDs()), d.rot.Shift, d.rot.Start, d.rot.Timezone)
}

// planApply compares a rotation of the files with its running workflow.
func planApply(ctx context.Context, c client.Client, d desired) (applyPlan, error) {
	id := d.rot.ID
	p := applyPlan{rotation: id}
	desc, err := c.DescribeWorkflowExecution(ctx, workflows.WorkflowID(id), "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		p.isNew, p.summary = true, summarize(d)
		return p, nil
	case err != nil:
		return p, fmt.Errorf("%s: %w", id, err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		p.isNew, p.summary = true, summarize(d)
		p.why = fmt.Sprintf(" (the last run is %s)", strings.ToLower(st.String()))
		return p, nil
	}
	var running workflows.ConfigResult
	if err := query(ctx, c, id, workflows.QueryConfig, &running); err != nil {
		return p, err
	}
	p.changes = diffConfig(workflows.ConfigureInput{Rotation: running.Rotation, Members: running.Members}, d.configure())
	p.paused = running.Paused
	return p, nil
}

// applyOne starts the rotation's workflow if it is not running and
// configures it, in one UpdateWithStart call.
func applyOne(ctx context.Context, c client.Client, d desired) error {
	id := d.rot.ID
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(id),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(attrMembers.ValueSet(sortedIDs(d.rot))),
	}, workflowType, startInput(d))
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.Configure,
			Args:         []any{d.configure()},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return callErr(id, err)
	}
	var res json.RawMessage
	if err := h.Get(ctx, &res); err != nil {
		return callErr(id, err)
	}
	return nil
}

// sortedIDs is the rotation's members as the workflow keeps them in RotaMembers.
func sortedIDs(r config.Rotation) []string {
	ids := r.MemberIDs()
	sort.Strings(ids)
	return ids
}

// diffConfig lists, one line each, what changes from the running config a
// to the files' config b: rotation fields, layers and members. Lines start
// with + (added), - (removed) or ~ (changed).
func diffConfig(a, b workflows.ConfigureInput) []string {
	var out []string
	ra, rb := toMap(a.Rotation), toMap(b.Rotation)
	la, lb := keyed(ra["layers"], "name"), keyed(rb["layers"], "name")
	delete(ra, "layers")
	delete(rb, "layers")
	out = append(out, diffFields("", ra, rb)...)

	for _, name := range unionKeys(la, lb) {
		x, inA := la[name]
		y, inB := lb[name]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("+ layer %s: %s", name, showMembers(y["members"])))
		case !inB:
			out = append(out, fmt.Sprintf("- layer %s", name))
		default:
			out = append(out, diffLayer(name, x, y)...)
		}
	}

	ma, mb := memberMaps(a.Members), memberMaps(b.Members)
	for _, id := range unionKeys(ma, mb) {
		x, inA := ma[id]
		y, inB := mb[id]
		switch {
		case !inA:
			out = append(out, "+ member "+id)
		case !inB:
			out = append(out, "- member "+id)
		default:
			for _, line := range diffFields("", x, y) {
				out = append(out, line[:2]+"member "+id+" "+line[2:])
			}
		}
	}
	return out
}

func diffLayer(name string, a, b map[string]any) []string {
	var out []string
	ma, mb := a["members"], b["members"]
	delete(a, "members")
	delete(b, "members")
	if sa, sb := showMembers(ma), showMembers(mb); sa != sb {
		line := fmt.Sprintf("~ layer %s members: %s -> %s", name, sa, sb)
		ia, ib := memberIDs(ma), memberIDs(mb)
		var notes []string
		for _, id := range ib {
			if !slices.Contains(ia, id) {
				notes = append(notes, "+"+id)
			}
		}
		for _, id := range ia {
			if !slices.Contains(ib, id) {
				notes = append(notes, "-"+id)
			}
		}
		if len(notes) > 0 {
			line += " (" + strings.Join(notes, " ") + ")"
		}
		out = append(out, line)
	}
	for _, line := range diffFields("", a, b) {
		out = append(out, line[:2]+"layer "+name+" "+line[2:])
	}
	return out
}

// diffFields compares two JSON objects field by field.
func diffFields(prefix string, a, b map[string]any) []string {
	var out []string
	for _, k := range unionKeys(a, b) {
		x, inA := a[k]
		y, inB := b[k]
		sx, sy := show(k, x), show(k, y)
		switch {
		case (!inA || isEmpty(x)) && (!inB || isEmpty(y)):
		case !inA || isEmpty(x):
			out = append(out, fmt.Sprintf("+ %s%s: %s", prefix, k, sy))
		case !inB || isEmpty(y):
			out = append(out, fmt.Sprintf("- %s%s (was %s)", prefix, k, sx))
		case sx != sy:
			out = append(out, fmt.Sprintf("~ %s%s: %s -> %s", prefix, k, sx, sy))
		}
	}
	return out
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// show prints one JSON value for a diff line.
func show(key string, v any) string {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "\n") || len(x) > 60 {
			first, _, _ := strings.Cut(x, "\n")
			if len(first) > 40 {
				first = first[:40]
			}
			return fmt.Sprintf("%q... (%d chars)", first, len(x))
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show("", e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "none"
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// showMembers prints a layer's member list: ids in order, with any bounds.
func showMembers(v any) string {
	list, _ := v.([]any)
	parts := make([]string, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		s, _ := m["id"].(string)
		var bounds []string
		if f, ok := m["from"]; ok && f != nil {
			bounds = append(bounds, "from "+showMoment(f))
		}
		if u, ok := m["until"]; ok && u != nil {
			bounds = append(bounds, "until "+showMoment(u))
		}
		if len(bounds) > 0 {
			s += " (" + strings.Join(bounds, " ") + ")"
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func showMoment(v any) string {
	m, _ := v.(map[string]any)
	if d, ok := m["date"].(string); ok && d != "" {
		return d
	}
	if at, ok := m["at"].(string); ok {
		return at
	}
	return show("", v)
}

func memberIDs(v any) []string {
	list, _ := v.([]any)
	var ids []string
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// toMap turns a value into its JSON object.
func toMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	m := map[string]any{}
	if err := json.Unmarshal(data, &m); err != nil {
		return map[string]any{} // not an object: nothing to compare field by field
	}
	return m
}

// keyed turns a JSON list of objects into a map by their key field.
func keyed(v any, key string) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := v.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if k, ok := m[key].(string); ok {
				out[k] = m
			}
		}
	}
	return out
}

func memberMaps(ms []config.Member) map[string]map[string]any {
	out := make(map[string]map[string]any, len(ms))
	for _, m := range ms {
		x := toMap(m)
		delete(x, "id")
		out[m.ID] = x
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// startInput is the workflow's input when apply starts it.
func startInput(d desired) workflows.RotationInput {
	return workflows.RotationInput{Rotation: d.rot, Members: d.members}
}

// printPreview prints what the change would do to the schedule, as the
// running workflow computes it from its real state (the preview query).
func printPreview(ctx context.Context, c client.Client, d desired, w io.Writer) error {
	var p workflows.PreviewResult
	if err := query(ctx, c, d.rot.ID, workflows.QueryPreview, &p, d.configure()); err != nil {
		return err
	}
	loc := viewZone(nil, d.rot.Timezone)
	if !p.FinalUntil.IsZero() {
		fmt.Fprintf(w, "  schedule: the final shifts (up to %s) keep their assignees: a config change never rewrites them\n", render.Local(p.FinalUntil, loc))
	}
	if len(p.Changes) == 0 {
		fmt.Fprintf(w, "  schedule: no shift up to %s changes hands\n", render.Local(p.To, loc))
		return nil
	}
	fmt.Fprintf(w, "  schedule up to %s, %d shift%s change%s hands:\n", render.Local(p.To, loc), len(p.Changes), plural(len(p.Changes)), verbS(len(p.Changes)))
	for _, ch := range p.Changes {
		switch {
		case ch.Gone:
			fmt.Fprintf(w, "  - %s  %s: %s (the slot goes)\n", render.Local(ch.Start, loc), ch.Shift, orDash(strings.Join(ch.Old, ", ")))
		case ch.Added:
			fmt.Fprintf(w, "  + %s  %s: %s (a new slot)\n", render.Local(ch.Start, loc), ch.Shift, orDash(strings.Join(ch.New, ", ")))
		default:
			fmt.Fprintf(w, "  ~ %s  %s: %s -> %s\n", render.Local(ch.Start, loc), ch.Shift, orDash(strings.Join(ch.Old, ", ")), orDash(strings.Join(ch.New, ", ")))
		}
	}
	return nil
}

// verbS is the s of "changes" for one, none for more.
func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
