package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/testsuite"
	"gopkg.in/yaml.v3"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// Operations of an events file beyond the workflow's own (swap, cover,
// leave_shift, unavailable, available, assign, pause, resume, configure):
// join and leave_rotation change the config in force and send it as a
// configure.
const (
	OpJoin          = "join"
	OpLeaveRotation = "leave_rotation"
)

// fieldsOf are the fields each operation takes (besides at, op and
// requested_by), and which of them are required.
var fieldsOf = map[string]struct{ all, required []string }{
	workflows.Swap:        {[]string{"shift_a", "member_a", "shift_b", "member_b"}, []string{"shift_a", "member_a", "shift_b", "member_b"}},
	workflows.Cover:       {[]string{"shift", "member", "by"}, []string{"shift", "member", "by"}},
	workflows.LeaveShift:  {[]string{"shift", "member", "reason"}, []string{"shift", "member"}},
	workflows.Unavailable: {[]string{"member", "from", "to", "reason"}, []string{"member", "from", "to"}},
	workflows.Available:   {[]string{"member", "from", "to"}, []string{"member", "from", "to"}},
	workflows.Assign:      {[]string{"shift", "members"}, []string{"shift", "members"}},
	workflows.Pause:       {[]string{"reason"}, nil},
	workflows.Resume:      {nil, nil},
	workflows.Configure:   {[]string{"file"}, []string{"file"}},
	OpJoin:                {[]string{"member", "name", "layers"}, []string{"member"}},
	OpLeaveRotation:       {[]string{"member", "layers"}, []string{"member"}},
}

// Ops are the operations an events file may use.
func Ops() []string {
	ops := make([]string, 0, len(fieldsOf))
	for op := range fieldsOf {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// Event is one scripted event: an operation sent at a simulated time.
type Event struct {
	Source string // file:line, or "random"
	At     time.Time
	Op     string

	Shift, Member, By, Reason, RequestedBy string
	ShiftA, MemberA, ShiftB, MemberB       string
	From, To                               time.Time
	Members, Layers                        []string
	Name                                   string // join: the new member's name
	// Config is a configure's config (its file, loaded).
	Config *workflows.ConfigureInput

	randomSwap bool // the shifts and members are picked when it is sent
}

// EventOutcome is what became of an event.
type EventOutcome struct {
	At      time.Time `json:"at"`            // when it was scripted
	Sent    time.Time `json:"sent,omitzero"` // when it was sent (simulated)
	Op      string    `json:"op"`
	Source  string    `json:"source"`
	Summary string    `json:"summary,omitempty"`
	Applied bool      `json:"applied"`
	Reason  string    `json:"reason,omitempty"` // why it was rejected
	Shifts  []string  `json:"shifts,omitempty"` // the shifts it changed
	Notes   []string  `json:"notes,omitempty"`
}

// LoadEvents reads an events file for rotation rot. Errors name the
// file, line, column and field (a config.Errors, every error at once).
func LoadEvents(path string, rot *config.Rotation) ([]Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return ParseEvents(path, data, filepath.Dir(path), rot)
}

// ParseEvents parses an events file's data; name is the file's name in
// errors, dir the directory configure's files are relative to.
func ParseEvents(name string, data []byte, dir string, rot *config.Rotation) ([]Event, error) {
	loc, err := rot.Location()
	if err != nil {
		return nil, fmt.Errorf("rotation %s: %w", rot.ID, err)
	}
	p := &eventParser{name: name, dir: dir, loc: loc, rot: rot}
	events := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return events, nil
}

type eventParser struct {
	name, dir string
	loc       *time.Location
	rot       *config.Rotation
	errs      config.Errors
}

func (p *eventParser) errf(n *yaml.Node, field, format string, args ...any) {
	e := &config.Error{File: p.name, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

func (p *eventParser) parse(data []byte) (events []Event) {
	defer func() {
		if r := recover(); r != nil {
			p.errf(nil, "", "invalid YAML: the parser failed (%v)", r)
			events = nil
		}
	}()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file: no events
		}
		p.errf(nil, "", "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		p.errf(root, "", "want a list of events (- at: ..., op: ...)")
		return nil
	}
	for i, n := range root.Content {
		if e, ok := p.event(n, fmt.Sprintf("[%d]", i)); ok {
			events = append(events, e)
		}
	}
	return events
}

func (p *eventParser) event(n *yaml.Node, path string) (Event, bool) {
	e := Event{Source: fmt.Sprintf("%s:%d", p.name, n.Line)}
	if n.Kind != yaml.MappingNode {
		p.errf(n, path, "want a mapping (at: ..., op: ...)")
		return e, false
	}
	vals := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := vals[k.Value]; dup {
			p.errf(k, path+"."+k.Value, "given twice")
			continue
		}
		vals[k.Value], keys[k.Value] = v, k
	}
	before := len(p.errs)
	opNode, ok := vals["op"]
	if !ok {
		p.errf(n, path+".op", "missing: one of %s", strings.Join(Ops(), ", "))
		return e, false
	}
	e.Op = opNode.Value
	spec, known := fieldsOf[e.Op]
	if !known || opNode.Kind != yaml.ScalarNode {
		p.errf(opNode, path+".op", "unknown operation %q: want one of %s", opNode.Value, strings.Join(Ops(), ", "))
		return e, false
	}
	for k, kn := range keys {
		if k != "at" && k != "op" && k != "requested_by" && !slices.Contains(spec.all, k) {
			want := append([]string{"at", "op", "requested_by"}, spec.all...)
			p.errf(kn, path+"."+k, "unknown field for %s: want %s", e.Op, strings.Join(want, ", "))
		}
	}
	for _, k := range append([]string{"at"}, spec.required...) {
		if v, ok := vals[k]; !ok || v.Tag == "!!null" {
			p.errf(n, path+"."+k, "missing: %s needs %s", e.Op, k)
		}
	}
	str := func(k string) string {
		v, ok := vals[k]
		if !ok || v.Tag == "!!null" {
			return ""
		}
		if v.Kind != yaml.ScalarNode {
			p.errf(v, path+"."+k, "want a string")
			return ""
		}
		if v.Value == "" {
			p.errf(v, path+"."+k, "empty")
		}
		return v.Value
	}
	list := func(k string) []string {
		v, ok := vals[k]
		if !ok || v.Tag == "!!null" {
			return nil
		}
		if v.Kind == yaml.ScalarNode {
			return []string{v.Value}
		}
		if v.Kind != yaml.SequenceNode {
			p.errf(v, path+"."+k, "want a list of ids")
			return nil
		}
		var out []string
		for j, x := range v.Content {
			if x.Kind != yaml.ScalarNode || x.Value == "" {
				p.errf(x, fmt.Sprintf("%s.%s[%d]", path, k, j), "want an id")
				continue
			}
			out = append(out, x.Value)
		}
		return out
	}
	// Times are moments, read as the config and rota unavailable read
	// them (calendar.Moment): a date as to is its last day, inclusive.
	moment := func(k string) time.Time {
		v, ok := vals[k]
		if !ok || v.Tag == "!!null" {
			return time.Time{}
		}
		m, err := calendar.ParseMoment(v.Value)
		if err != nil || v.Kind != yaml.ScalarNode {
			p.errf(v, path+"."+k, "want a date-time (2026-12-01T09:00 in the rotation's zone, or RFC 3339), or a date: %q", v.Value)
			return time.Time{}
		}
		if k == "to" {
			return m.End(p.loc)
		}
		return m.Start(p.loc)
	}
	e.At = moment("at")
	e.Shift, e.Member, e.By, e.Reason = str("shift"), str("member"), str("by"), str("reason")
	e.ShiftA, e.MemberA, e.ShiftB, e.MemberB = str("shift_a"), str("member_a"), str("shift_b"), str("member_b")
	e.RequestedBy, e.Name = str("requested_by"), str("name")
	e.From, e.To = moment("from"), moment("to")
	e.Members, e.Layers = list("members"), list("layers")
	for _, l := range e.Layers {
		if !slices.ContainsFunc(p.rot.Layers, func(x config.Layer) bool { return x.Name == l }) {
			p.errf(vals["layers"], path+".layers", "rotation %s has no layer %q", p.rot.ID, l)
		}
	}
	if f := str("file"); f != "" && e.Op == workflows.Configure {
		e.Config = p.configFile(vals["file"], path+".file", f)
	}
	return e, len(p.errs) == before
}

// configFile loads a configure's config: the rotation of the same id.
func (p *eventParser) configFile(n *yaml.Node, field, f string) *workflows.ConfigureInput {
	if !filepath.IsAbs(f) {
		f = filepath.Join(p.dir, f)
	}
	cfg, err := config.Load(f)
	if err != nil {
		p.errf(n, field, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil
	}
	rot, ok := cfg.Rotation(p.rot.ID)
	if !ok {
		p.errf(n, field, "%s has no rotation %q", f, p.rot.ID)
		return nil
	}
	return &workflows.ConfigureInput{Rotation: *rot, Members: cfg.Members}
}

// schedule orders the scripted and random events by time (scripted
// first at the same time, then in file order).
func (s *sim) schedule(scripted []Event) []*pending {
	events := slices.Clone(scripted)
	events = append(events, s.randomEvents()...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
	out := make([]*pending, len(events))
	for i, e := range events {
		if e.Config != nil && s.opt.Strategy != "" {
			c := *e.Config
			c.Rotation = withStrategy(c.Rotation, s.opt.Strategy)
			e.Config = &c
		}
		out[i] = &pending{ev: e, outcome: EventOutcome{At: e.At, Op: e.Op, Source: e.Source}}
	}
	return out
}

// requester is who an event is requested by: as written, or the
// rotation's first admin.
func (s *sim) requester(e Event) string {
	if e.RequestedBy != "" || len(s.cfg.Rotation.Admins) == 0 {
		return e.RequestedBy
	}
	return s.cfg.Rotation.Admins[0]
}

// input is the update an event sends.
func (s *sim) input(env *testsuite.TestWorkflowEnvironment, p *pending) (string, any, error) {
	e := p.ev
	by := s.requester(e)
	switch e.Op {
	case workflows.Swap:
		if e.randomSwap {
			return s.randomSwap(env)
		}
		return e.Op, workflows.SwapInput{ShiftA: e.ShiftA, MemberA: e.MemberA, ShiftB: e.ShiftB, MemberB: e.MemberB, RequestedBy: by}, nil
	case workflows.Cover:
		return e.Op, workflows.CoverInput{Shift: e.Shift, Member: e.Member, By: e.By, RequestedBy: by}, nil
	case workflows.LeaveShift:
		return e.Op, workflows.LeaveShiftInput{Shift: e.Shift, Member: e.Member, Reason: e.Reason, RequestedBy: by}, nil
	case workflows.Unavailable:
		return e.Op, workflows.UnavailableInput{Member: e.Member, From: e.From, To: e.To, Reason: e.Reason, RequestedBy: by}, nil
	case workflows.Available:
		return e.Op, workflows.AvailableInput{Member: e.Member, From: e.From, To: e.To, RequestedBy: by}, nil
	case workflows.Assign:
		return e.Op, workflows.AssignInput{Shift: e.Shift, Members: e.Members, RequestedBy: by}, nil
	case workflows.Pause:
		return e.Op, workflows.PauseInput{Reason: e.Reason, RequestedBy: by}, nil
	case workflows.Resume:
		return e.Op, workflows.ResumeInput{RequestedBy: by}, nil
	case workflows.Configure:
		if e.Config == nil {
			return "", nil, errors.New("no config")
		}
		// The simulation ends where it was asked to, whatever the file
		// says.
		c := *e.Config
		loc, err := c.Rotation.Location()
		if err != nil {
			return "", nil, fmt.Errorf("the config's rotation: %w", err)
		}
		if end := s.cfg.Rotation.End; c.Rotation.End == nil || (end != nil && end.In(loc).Before(c.Rotation.End.In(loc))) {
			c.Rotation.End = end
		}
		p.cfg = &c
		return workflows.Configure, c, nil
	case OpJoin, OpLeaveRotation:
		c, err := s.membership(e)
		if err != nil {
			return "", nil, err
		}
		p.cfg = &c
		return workflows.Configure, c, nil
	}
	return "", nil, fmt.Errorf("unknown operation %q", e.Op)
}

// membership is the config in force with e's member joined or gone.
func (s *sim) membership(e Event) (workflows.ConfigureInput, error) {
	c := workflows.ConfigureInput{Rotation: s.cfg.Rotation, Members: slices.Clone(s.cfg.Members)}
	c.Rotation.Layers = slices.Clone(c.Rotation.Layers)
	inLayer := func(l string) bool { return len(e.Layers) == 0 || slices.Contains(e.Layers, l) }
	has := func(ms []config.Membership) bool {
		return slices.ContainsFunc(ms, func(m config.Membership) bool { return m.ID == e.Member })
	}
	changed := false
	for i := range c.Rotation.Layers {
		l := &c.Rotation.Layers[i]
		if !inLayer(l.Name) {
			continue
		}
		switch {
		case e.Op == OpJoin && !has(l.Members):
			l.Members = append(slices.Clone(l.Members), config.Membership{ID: e.Member})
			changed = true
		case e.Op == OpLeaveRotation && has(l.Members):
			l.Members = slices.DeleteFunc(slices.Clone(l.Members), func(m config.Membership) bool { return m.ID == e.Member })
			changed = true
		}
	}
	if !changed {
		if e.Op == OpJoin {
			return c, fmt.Errorf("%s is in those layers already", e.Member)
		}
		return c, fmt.Errorf("%s is in none of those layers", e.Member)
	}
	known := slices.ContainsFunc(c.Members, func(m config.Member) bool { return m.ID == e.Member })
	if e.Op == OpJoin && !known {
		name := e.Name
		if name == "" {
			name = e.Member
		}
		c.Members = append(c.Members, config.Member{ID: e.Member, Name: name})
	}
	return c, nil
}

// summary describes an update for people.
func summary(op string, in any) string {
	switch x := in.(type) {
	case workflows.SwapInput:
		return fmt.Sprintf("%s on %s <-> %s on %s", x.MemberA, x.ShiftA, x.MemberB, x.ShiftB)
	case workflows.CoverInput:
		return fmt.Sprintf("%s covers %s on %s", x.By, x.Member, x.Shift)
	case workflows.LeaveShiftInput:
		return fmt.Sprintf("%s leaves %s", x.Member, x.Shift)
	case workflows.UnavailableInput:
		return fmt.Sprintf("%s unavailable %s to %s", x.Member, render.UTC(x.From), render.UTC(x.To))
	case workflows.AvailableInput:
		return fmt.Sprintf("%s available %s to %s", x.Member, render.UTC(x.From), render.UTC(x.To))
	case workflows.AssignInput:
		return fmt.Sprintf("%s assigned %s", x.Shift, strings.Join(x.Members, " "))
	case workflows.PauseInput:
		return "pause " + x.Reason
	case workflows.ResumeInput:
		return "resume"
	case workflows.ConfigureInput:
		n := 0
		for _, l := range x.Rotation.Layers {
			n += len(l.Members)
		}
		return fmt.Sprintf("configure: %d layers, %d memberships, %d members", len(x.Rotation.Layers), n, len(x.Members))
	}
	return op
}
