package config

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// Rotations and their layers: fields, inheritance, memberships, needs.

// rotation decodes one rotation with its file's weekend and holidays.
func (l *loader) rotation(f *fileDec, n *yaml.Node, path string, weekend calendar.Weekdays, holidays []calendar.Date) {
	before := l.count
	rs, ok := f.mapping(n, path, rotationKeys...)
	if !ok {
		return
	}
	meta := &rotMeta{at: f.at(n), field: path}
	var r Rotation
	id, haveID := rs.id("id", "rotation")
	r.ID, r.Name = id, id
	if s, ok := rs.str("name"); ok {
		r.Name = s
	}

	loc := f.rotationCalendar(rs, &r)
	inh := f.inherit(n, rs, loc, meta)
	if rs.has("seed") {
		if v, ok := f.integer(rs.val("seed"), rs.p("seed")); ok {
			r.Seed = v
		}
	}
	r.MinRest = f.duration(rs, "min_rest", 0)
	r.PlanAhead = f.duration(rs, "plan_ahead", DefaultPlanAhead)
	r.NotifyBefore = f.duration(rs, "notify_before", DefaultNotifyBefore)
	r.Duties, _ = rs.str("duties")
	f.integrations(rs, &r)
	f.admins(rs, &r, meta)

	if rs.has("layers") {
		l.layers(f, rs, &r, meta, inh, loc)
	} else {
		if !inh.haveMembers && !rs.has("members") {
			rs.missing("members", "a rotation needs members (or layers with members)")
		}
		r.Layers = []Layer{inh.layer}
		meta.layers = []layerMeta{{
			name: MainLayer, at: meta.at, field: meta.field, ids: inh.ids, membersAt: inh.membersAt, membersFld: inh.membersFld,
			size: inh.layer.Size, needs: inh.needs,
		}}
	}

	r.Weekend = weekend
	r.Holidays = append([]calendar.Date(nil), holidays...)
	meta.bad = l.count > before
	if !haveID {
		return
	}
	at := f.at(rs.val("id"))
	if prev, dup := l.rotAt[id]; dup {
		f.errAt(at, rs.p("id"), "duplicate rotation id %q (first at %s)", id, prev)
		return
	}
	l.rotAt[id] = at
	l.cfg.Rotations = append(l.cfg.Rotations, r)
	l.metas = append(l.metas, meta)
}

// rotationCalendar reads the rotation's zone, start, end and shift length,
// and returns its zone (UTC when it has none that loads).
func (f *fileDec) rotationCalendar(rs *fields, r *Rotation) *time.Location {
	loc := time.UTC
	if !rs.has("timezone") {
		rs.missing("timezone", "an IANA zone such as Europe/London")
	} else if s, ok := rs.str("timezone"); ok {
		r.Timezone = s
		if zl, ok := f.location(rs.val("timezone"), rs.p("timezone"), s); ok {
			loc = zl
		}
	}

	startOK, startText := false, ""
	if !rs.has("start") {
		rs.missing("start", "the first handoff, e.g. 2026-11-23T09:00")
	} else if s, ok := rs.str("start"); ok {
		if dt, err := calendar.ParseDateTime(s); err != nil {
			f.errf(rs.val("start"), rs.p("start"), "%v", err)
		} else {
			r.Start, startOK, startText = dt, true, s
		}
	}
	if s, ok := rs.str("end"); ok {
		if dt, err := calendar.ParseDateTime(s); err != nil {
			f.errf(rs.val("end"), rs.p("end"), "%v", err)
		} else if startOK && !dt.After(r.Start) {
			f.errf(rs.val("end"), rs.p("end"), "end %s is not after start %s", s, startText)
		} else {
			r.End = &dt
		}
	}

	if !rs.has("shift") {
		rs.missing("shift", "the length of one shift, e.g. 24h or 1w")
	} else if s, ok := rs.str("shift"); ok {
		if p, err := calendar.ParsePeriod(s); err != nil {
			if periodForm.MatchString(s) {
				// The form is right, the number is not: say why.
				f.errf(rs.val("shift"), rs.p("shift"), "%v", err)
			} else {
				f.errf(rs.val("shift"), rs.p("shift"), "bad shift length %q: want 90m, 12h, 24h, Nd, Nw or Nmo", s)
			}
		} else {
			r.Shift = p
		}
	}
	return loc
}

// inherited is a rotation's layer-level fields: the one layer of a
// rotation without layers, or what its layers inherit, with where its
// members and needs were given.
type inherited struct {
	layer       Layer
	needs       []needRef
	ids         []string
	haveMembers bool
	membersAt   pos
	membersFld  string
}

// inherit reads a rotation's layer-level fields.
func (f *fileDec) inherit(n *yaml.Node, rs *fields, loc *time.Location, meta *rotMeta) inherited {
	inh := inherited{
		layer:     Layer{Name: MainLayer, Size: DefaultSize, Strategy: DefaultStrategy},
		membersAt: f.at(n), membersFld: rs.p("members"),
	}
	if rs.has("days") {
		if days, ok := f.days(rs.val("days"), rs.p("days"), false); ok {
			inh.layer.Days = days
		}
	}
	f.layerScalars(rs, &inh.layer)
	if rs.has("members") {
		ms, ids, refs, ok := f.memberships(rs.val("members"), rs.p("members"), loc)
		meta.refs = append(meta.refs, refs...)
		if ok {
			inh.layer.Members, inh.ids, inh.haveMembers = ms, ids, true
			inh.membersAt = f.at(rs.val("members"))
		}
	}
	if rs.has("needs") {
		inh.needs = f.needs(rs.val("needs"), rs.p("needs"))
		inh.layer.Needs = needsOf(inh.needs)
	}
	return inh
}

// integrations reads where the rotation shows up: Slack and the pagers.
func (f *fileDec) integrations(rs *fields, r *Rotation) {
	if n := rs.val("slack"); n != nil {
		if ss, ok := f.mapping(n, rs.p("slack"), slackKeys...); ok {
			s := &Slack{}
			s.Channel, _ = ss.str("channel")
			s.Usergroup, _ = ss.str("usergroup")
			s.Topic, _ = ss.bool("topic")
			r.Slack = s
		}
	}
	r.Opsgenie = f.pager(rs, "opsgenie", "the Opsgenie schedule to mirror, by name")
	r.PagerDuty = f.pager(rs, "pagerduty", "the PagerDuty schedule to mirror, by id (e.g. PABC123)")
}

// pager reads a paging tool's block: the schedule, and whether a drift is
// repaired (repair, default true).
func (f *fileDec) pager(rs *fields, key, hint string) *PagerSchedule {
	n := rs.val(key)
	if n == nil {
		return nil
	}
	gs, ok := f.mapping(n, rs.p(key), pagerKeys...)
	if !ok {
		return nil
	}
	p := &PagerSchedule{}
	if !gs.has("schedule") {
		gs.missing("schedule", hint)
	} else {
		p.Schedule, _ = gs.str("schedule")
	}
	if repair, ok := gs.bool("repair"); ok {
		p.NoRepair = !repair
	}
	return p
}

// admins reads who may change the rotation for others.
func (f *fileDec) admins(rs *fields, r *Rotation, meta *rotMeta) {
	if items, ok := rs.seq("admins", "member ids"); ok {
		seen := map[string]bool{}
		for i, it := range items {
			p := index(rs.p("admins"), i)
			s, ok := f.scalar(it, p, "a member id")
			if !ok {
				continue
			}
			if seen[s] {
				f.errf(it, p, "%q listed twice", s)
				continue
			}
			seen[s] = true
			r.Admins = append(r.Admins, s)
			meta.refs = append(meta.refs, ref{id: s, at: f.at(it), field: p})
		}
	}
}

// layers decodes a rotation's layers; base holds the rotation-level values
// they inherit.
func (l *loader) layers(f *fileDec, rs *fields, r *Rotation, meta *rotMeta, inh inherited, loc *time.Location) {
	base, baseNeeds, baseIDs := inh.layer, inh.needs, inh.ids
	haveBaseMembers, baseMembersAt, baseMembersFld := inh.haveMembers, inh.membersAt, inh.membersFld
	if rs.has("days") {
		f.errf(rs.m["days"].key, rs.p("days"), "not allowed together with layers: give each layer its own days")
	}
	items, ok := rs.seq("layers", "layers")
	if !ok {
		return
	}
	if len(items) == 0 {
		f.errf(rs.val("layers"), rs.p("layers"), "empty: give at least one layer, or leave layers out")
		return
	}
	if len(items) > maxLayers {
		f.errf(items[maxLayers], index(rs.p("layers"), maxLayers), "too many layers: layers must not share days, so a rotation has at most %d", maxLayers)
		items = items[:maxLayers]
	}
	type placed struct {
		name             string
		days             calendar.Weekdays
		hasDays, badDays bool
	}
	var done []placed
	namedAt := map[string]int{}
	for i, it := range items {
		lp := index(rs.p("layers"), i)
		ls, ok := f.mapping(it, lp, layerKeys...)
		if !ok {
			continue
		}
		layer := base
		layer.Name = ""
		layer.Needs = append([]Need(nil), base.Needs...)
		layer.Members = append([]Membership(nil), base.Members...)
		lm := layerMeta{at: f.at(it), field: lp, ids: baseIDs, membersAt: baseMembersAt, membersFld: baseMembersFld, needs: baseNeeds}
		if !ls.has("name") {
			ls.missing("name", "every layer needs a name, unique within its rotation")
		} else if s, ok := ls.str("name"); ok {
			layer.Name = s
			if !validID(s) {
				f.errf(ls.val("name"), ls.p("name"), "bad layer name %q: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", s)
			} else if line, dup := namedAt[s]; dup {
				f.errf(ls.val("name"), ls.p("name"), "duplicate layer name %q (first at line %d)", s, line)
			} else {
				namedAt[s] = ls.val("name").Line
			}
		}
		hasDays, badDays := ls.has("days"), false
		if hasDays {
			if days, ok := f.days(ls.val("days"), ls.p("days"), false); ok {
				layer.Days = days
			} else {
				layer.Days, badDays = 0, true // reported; no overlap errors as well
			}
		}
		f.layerScalars(ls, &layer)
		if ls.has("members") {
			ms, ids, refs, _ := f.memberships(ls.val("members"), ls.p("members"), loc)
			meta.refs = append(meta.refs, refs...)
			layer.Members, lm.ids = ms, ids
			lm.membersAt, lm.membersFld = f.at(ls.val("members")), ls.p("members")
		} else if !haveBaseMembers && !rs.has("members") {
			ls.missing("members", "this layer sets none and its rotation has none to inherit")
		}
		if ls.has("needs") {
			lm.needs = f.needs(ls.val("needs"), ls.p("needs"))
			layer.Needs = needsOf(lm.needs)
		}
		lm.name, lm.size = layer.Name, layer.Size
		// Overlaps with the layers before this one.
		if !badDays {
			for _, p := range done {
				if p.badDays {
					continue
				}
				if !hasDays {
					f.errf(it, lp, "a layer without days runs every day, so it overlaps layer %q: give every layer its days", p.name)
					break
				}
				switch {
				case !p.hasDays:
					f.errf(ls.val("days"), ls.p("days"), "overlaps layer %q, which has no days and so runs every day", p.name)
				default:
					if common := calendar.Overlap(layer.Days, p.days); !common.Empty() {
						f.errf(ls.val("days"), ls.p("days"), "overlaps layer %q: both have %s (layers of a rotation must not share days)", p.name, common)
					}
				}
			}
		}
		done = append(done, placed{name: layer.Name, days: layer.Days, hasDays: hasDays, badDays: badDays})
		r.Layers = append(r.Layers, layer)
		meta.layers = append(meta.layers, lm)
	}
}

// maxLayers is the most layers a rotation can have: they must not share
// days.
const maxLayers = 7

// layerScalars reads the fields a layer shares with its rotation, where it
// inherits them from: size, strategy and grace.
func (f *fileDec) layerScalars(fs *fields, l *Layer) {
	if v, ok := fs.int("size", 1); ok {
		l.Size = int(v)
	}
	if s, ok := f.strategy(fs, "strategy"); ok {
		l.Strategy = s
	}
	if v, ok := fs.int("grace", 0); ok {
		l.Grace = int(v)
	}
}

// strategy reads an optional strategy field.
func (f *fileDec) strategy(fs *fields, key string) (Strategy, bool) {
	s, ok := fs.str(key)
	if !ok {
		return "", false
	}
	st, err := ParseStrategy(s)
	if err != nil {
		f.errf(fs.val(key), fs.p(key), "%v", err)
		return "", false
	}
	return st, true
}

// memberships reads a members list: ids, or {id, from, until} mappings.
// It returns the memberships, their unique ids and a ref for each id.
func (f *fileDec) memberships(n *yaml.Node, path string, loc *time.Location) ([]Membership, []string, []ref, bool) {
	items, ok := f.list(n, path, "member ids")
	if !ok {
		return nil, nil, nil, false
	}
	if len(items) == 0 {
		f.errf(n, path, "empty: list at least one member")
		return nil, nil, nil, false
	}
	var (
		out  = make([]Membership, 0, len(items))
		ids  = make([]string, 0, len(items))
		refs = make([]ref, 0, len(items))
		good = true
		seen = make(map[string]bool, len(items))
	)
	for i, it := range items {
		p := index(path, i)
		var m Membership
		idNode := it
		d := deref(it)
		switch {
		case d != nil && d.Kind == yaml.MappingNode:
			ms, _ := f.mapping(it, p, membershipKeys...)
			if !ms.has("id") {
				ms.missing("id", "the member's id")
				good = false
				continue
			}
			idNode = ms.val("id")
			s, ok := f.scalar(idNode, ms.p("id"), "a member id")
			if !ok {
				good = false
				continue
			}
			m.ID = s
			if ms.has("from") {
				if mo, ok := f.moment(ms.val("from"), ms.p("from")); ok {
					m.From = &mo
				} else {
					good = false
				}
			}
			if ms.has("until") {
				if mo, ok := f.moment(ms.val("until"), ms.p("until")); ok {
					m.Until = &mo
				} else {
					good = false
				}
			}
			if m.From != nil && m.Until != nil && !m.Until.Start(loc).After(m.From.Start(loc)) {
				f.errf(ms.val("until"), ms.p("until"), "until %s is not after from %s", *m.Until, *m.From)
				good = false
			}
			p = ms.p("id")
		case d != nil && d.Kind == yaml.ScalarNode && !isNull(d):
			m.ID = d.Value
		default:
			f.errf(it, p, "want a member id or {id, from, until}, got %s", describe(it))
			good = false
			continue
		}
		refs = append(refs, ref{id: m.ID, at: f.at(idNode), field: p})
		if seen[m.ID] {
			f.errf(idNode, p, "member %q listed twice", m.ID)
			good = false
			continue
		}
		seen[m.ID] = true
		ids = append(ids, m.ID)
		out = append(out, m)
	}
	if len(ids) == 0 {
		out, ids = nil, nil // none given: no "0 members but size is 1" as well
	}
	if len(refs) == 0 {
		refs = nil
	}
	return out, ids, refs, good
}

// needs reads a list of needs.
func (f *fileDec) needs(n *yaml.Node, path string) []needRef {
	items, ok := f.list(n, path, "needs ({skill, level, min, max})")
	if !ok {
		return nil
	}
	var out []needRef
	for i, it := range items {
		p := index(path, i)
		ns, ok := f.mapping(it, p, needKeys...)
		if !ok {
			continue
		}
		nr := needRef{at: f.at(it), field: p, minAt: f.at(it)}
		nd := Need{Level: Beginner}
		good := true
		if !ns.has("skill") {
			ns.missing("skill", "the skill this need counts")
			good = false
		} else if s, ok := ns.str("skill"); ok && s != "" {
			nd.Skill = s
		} else {
			if ok {
				f.errf(ns.val("skill"), ns.p("skill"), "empty skill name")
			}
			good = false
		}
		if ns.has("level") {
			if lv, ok := f.level(ns.val("level"), ns.p("level")); ok {
				nd.Level = lv
			} else {
				good = false
			}
		}
		if v, ok := ns.int("min", 0); ok {
			nd.Min = int(v)
			nr.minAt = f.at(ns.val("min"))
		} else if ns.has("min") {
			good = false
		}
		if v, ok := ns.int("max", 0); ok {
			nd.Max, nd.HasMax = int(v), true
			if nd.Max < nd.Min {
				f.errf(ns.val("max"), ns.p("max"), "max %d is less than min %d", nd.Max, nd.Min)
				good = false
			}
		} else if ns.has("max") {
			good = false
		}
		if !good {
			continue
		}
		nr.need = nd
		out = append(out, nr)
	}
	return out
}

func needsOf(nrs []needRef) []Need {
	if len(nrs) == 0 {
		return nil
	}
	out := make([]Need, len(nrs))
	for i, nr := range nrs {
		out[i] = nr.need
	}
	return out
}
