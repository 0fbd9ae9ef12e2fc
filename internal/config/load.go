package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// Version is the configuration format this package reads.
const Version = 1

// Defaults.
const (
	DefaultSize         = 1
	DefaultStrategy     = Fair
	DefaultPlanAhead    = 14 * 24 * time.Hour
	DefaultNotifyBefore = 3 * 24 * time.Hour
	MainLayer           = "main" // the name of the one layer of a rotation without layers
)

// DefaultWeekend is the weekend of a file that does not set one.
var DefaultWeekend = calendar.WeekdaysOf(time.Saturday, time.Sunday)

var (
	topKeys      = []string{"version", "weekend", "holidays", "members", "rotations"}
	holidayKeys  = []string{"dates", "ical"}
	memberKeys   = []string{"id", "name", "email", "slack", "opsgenie", "timezone", "skills", "unavailable"}
	windowKeys   = []string{"from", "to", "reason"}
	rotationKeys = []string{"id", "name", "timezone", "start", "end", "shift", "days", "size", "strategy", "seed",
		"members", "needs", "grace", "min_rest", "plan_ahead", "notify_before", "duties", "slack", "opsgenie",
		"admins", "layers"}
	layerKeys      = []string{"name", "days", "members", "strategy", "size", "needs", "grace"}
	membershipKeys = []string{"id", "from", "until"}
	needKeys       = []string{"skill", "level", "min", "max"}
	slackKeys      = []string{"channel", "usergroup", "topic"}
	opsgenieKeys   = []string{"schedule"}
)

// Load reads the given files and validates them together: member and
// rotation ids are unique across all of them and a rotation may use members
// of any file. Each file's weekend and holidays apply to its own rotations;
// holidays.ical paths are relative to the file's directory. On failure the
// error is an Errors listing every problem found.
func Load(paths ...string) (*Config, error) {
	l := newLoader()
	if len(paths) == 0 {
		l.errAt(pos{}, "", "no configuration file given")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			l.errAt(pos{file: p}, "", "cannot read: %s", plainErr(err))
			continue
		}
		l.file(p, data, filepath.Dir(p))
	}
	return l.finish()
}

// Parse reads one file's contents. name is used in errors; dir is the
// directory that relative holidays.ical paths are relative to ("" for the
// working directory). On failure the error is an Errors.
func Parse(name string, data []byte, dir string) (*Config, error) {
	l := newLoader()
	l.file(name, data, dir)
	return l.finish()
}

// plainErr drops the operation and path that os errors repeat.
func plainErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// maxICalSize bounds the size of an iCalendar file.
const maxICalSize = 16 << 20

// readICal reads an iCalendar file; a variable so that tests can keep
// fuzzed input away from the file system.
var readICal = func(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, errors.New(plainErr(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > maxICalSize {
		return nil, fmt.Errorf("larger than %d MiB", maxICalSize>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New(plainErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxICalSize+1))
	if err != nil {
		return nil, errors.New(plainErr(err))
	}
	if len(data) > maxICalSize {
		return nil, fmt.Errorf("larger than %d MiB", maxICalSize>>20)
	}
	return data, nil
}

// ref is a use of a member id, checked once all files are read.
type ref struct {
	id    string
	at    pos
	field string
}

// needRef is a need as a layer sees it, with where it was written.
type needRef struct {
	need  Need
	at    pos
	field string
	minAt pos
}

// layerMeta is what the cross-file checks need to know about a layer.
type layerMeta struct {
	name       string
	ids        []string // its members, unique
	membersAt  pos
	membersFld string
	size       int
	needs      []needRef
}

// rotMeta is what the cross-file checks need to know about a rotation.
type rotMeta struct {
	at     pos
	field  string
	refs   []ref // every member id written in the rotation, once each
	layers []layerMeta
	bad    bool // decoding it found errors
}

type loader struct {
	errs     Errors
	cfg      Config
	memberAt map[string]pos
	rotAt    map[string]pos
	metas    []*rotMeta     // parallel to cfg.Rotations
	perFile  map[string]int // errors found per file
	count    int            // errors found, including those not listed
}

func newLoader() *loader {
	return &loader{memberAt: map[string]pos{}, rotAt: map[string]pos{}, perFile: map[string]int{}}
}

var periodForm = regexp.MustCompile(`^[0-9]+(m|h|d|w|mo)$`)

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErr reports a YAML syntax error at the line yaml.v3 names.
func (f *fileDec) yamlErr(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	f.errAt(pos{file: f.name, line: line}, "", "invalid YAML: %s", msg)
}

// parseYAML parses data as one YAML document and returns its root node.
func (f *fileDec) parseYAML(data []byte) (root *yaml.Node, ok bool) {
	defer func() {
		// yaml.v3 is not ours; whatever it does on hostile input must not
		// take the caller down.
		if r := recover(); r != nil {
			f.errAt(pos{file: f.name}, "", "invalid YAML: the parser failed (%v)", r)
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			f.errAt(pos{file: f.name, line: 1, col: 1}, "", "empty file: want at least \"version: 1\"")
		} else {
			f.yamlErr(err)
		}
		return nil, false
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		f.yamlErr(err)
		return nil, false
	default:
		at := &extra
		if len(extra.Content) > 0 && extra.Content[0] != nil {
			at = extra.Content[0]
		}
		f.errf(at, "", "a file holds one YAML document, this is a second one (remove the ---)")
	}
	root = &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 || doc.Content[0] == nil {
			f.errAt(pos{file: f.name, line: 1, col: 1}, "", "empty file: want at least \"version: 1\"")
			return nil, false
		}
		root = doc.Content[0]
	}
	return root, true
}

// file decodes one file into l.
func (l *loader) file(name string, data []byte, dir string) {
	f := &fileDec{name: name, l: l}
	root, ok := f.parseYAML(data)
	if !ok || !f.checkAliases(root) {
		return
	}
	if isNull(root) {
		f.errf(root, "", "empty file: want at least \"version: 1\"")
		return
	}
	fs, ok := f.mapping(root, "", topKeys...)
	if !ok {
		return
	}
	f.version(fs)
	weekend := DefaultWeekend
	if fs.has("weekend") {
		if days, ok := f.days(fs.val("weekend"), fs.p("weekend"), true); ok {
			weekend = days
		}
	}
	holidays := f.holidays(fs, dir)
	if items, ok := fs.seq("members", "members"); ok {
		for i, it := range items {
			l.member(f, it, index("members", i))
		}
	}
	if items, ok := fs.seq("rotations", "rotations"); ok {
		for i, it := range items {
			l.rotation(f, it, index("rotations", i), weekend, holidays)
		}
	}
}

func (f *fileDec) version(fs *fields) {
	n := fs.val("version")
	if n == nil {
		fs.missing("version", "start the file with \"version: 1\"")
		return
	}
	d := deref(n)
	if d != nil && d.Kind == yaml.ScalarNode && d.ShortTag() == "!!int" {
		var v int64
		if err := d.Decode(&v); err == nil && v == Version {
			return
		}
		f.errf(n, "version", "unsupported version %s: this rota reads version 1", d.Value)
		return
	}
	f.errf(n, "version", "want 1, got %s", describe(n))
}

// days reads a list of weekdays, each at most once. An empty list is
// allowed only when allowEmpty.
func (f *fileDec) days(n *yaml.Node, path string, allowEmpty bool) (calendar.Weekdays, bool) {
	items, ok := f.list(n, path, "days (mon, tue, wed, thu, fri, sat, sun)")
	if !ok {
		return 0, false
	}
	if len(items) == 0 && !allowEmpty {
		f.errf(n, path, "empty: list at least one day, or leave days out for every day")
		return 0, false
	}
	var out calendar.Weekdays
	good := true
	for i, it := range items {
		p := index(path, i)
		s, ok := f.scalar(it, p, "a day (mon..sun)")
		if !ok {
			good = false
			continue
		}
		d, err := calendar.ParseWeekday(s)
		if err != nil {
			f.errf(it, p, "bad day %q: want mon, tue, wed, thu, fri, sat or sun", s)
			good = false
			continue
		}
		if out.Has(d) {
			f.errf(it, p, "%s listed twice", s)
			good = false
			continue
		}
		out |= calendar.WeekdaysOf(d)
	}
	return out, good
}

func (f *fileDec) holidays(fs *fields, dir string) []calendar.Date {
	n := fs.val("holidays")
	if n == nil {
		return nil
	}
	hs, ok := f.mapping(n, "holidays", holidayKeys...)
	if !ok {
		return nil
	}
	var out []calendar.Date
	if items, ok := hs.seq("dates", "dates"); ok {
		for i, it := range items {
			p := index(hs.p("dates"), i)
			s, ok := f.scalar(it, p, "a date")
			if !ok {
				continue
			}
			d, err := calendar.ParseDate(s)
			if err != nil {
				f.errf(it, p, "%v", err)
				continue
			}
			out = append(out, d)
		}
	}
	if items, ok := hs.seq("ical", "iCalendar file names"); ok {
		for i, it := range items {
			p := index(hs.p("ical"), i)
			s, ok := f.scalar(it, p, "a file name")
			if !ok {
				continue
			}
			if s == "" {
				f.errf(it, p, "empty file name")
				continue
			}
			path := s
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			data, err := readICal(path)
			if err != nil {
				f.errf(it, p, "cannot read %s: %v", path, err)
				continue
			}
			ds, err := calendar.ParseICalHolidays(bytes.NewReader(data))
			if err != nil {
				f.errf(it, p, "bad iCalendar file %s: %v", path, err)
				continue
			}
			out = append(out, ds...)
		}
	}
	return sortDates(out)
}

// sortDates sorts ds and drops repeats.
func sortDates(ds []calendar.Date) []calendar.Date {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
	out := ds[:0]
	for i, d := range ds {
		if i == 0 || d != ds[i-1] {
			out = append(out, d)
		}
	}
	return out
}

// validID says whether s matches [a-z0-9][a-z0-9._-]*.
func validID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// id reads a required id field. ok is true when an id is there at all (even
// a malformed one, which is reported), so that uses of it are not reported
// again as unknown.
func (fs *fields) id(key, what string) (string, bool) {
	if !fs.has(key) {
		fs.missing(key, "every "+what+" needs an id")
		return "", false
	}
	n := fs.val(key)
	s, ok := fs.f.scalar(n, fs.p(key), "an id")
	if !ok {
		return "", false
	}
	if !validID(s) {
		fs.f.errf(n, fs.p(key), "bad %s id %q: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", what, s)
	}
	return s, true
}

// member decodes one member.
func (l *loader) member(f *fileDec, n *yaml.Node, path string) {
	if d := deref(n); d != nil && d.Kind == yaml.ScalarNode && !isNull(d) {
		f.errf(n, path, "want a member such as {id: %s, name: ...}, got %s", d.Value, describe(n))
		return
	}
	ms, ok := f.mapping(n, path, memberKeys...)
	if !ok {
		return
	}
	var m Member
	id, haveID := ms.id("id", "member")
	m.ID = id
	m.Name = id
	if s, ok := ms.str("name"); ok {
		m.Name = s
	}
	m.Email, _ = ms.str("email")
	m.Slack, _ = ms.str("slack")
	m.Opsgenie, _ = ms.str("opsgenie")
	loc := time.UTC
	if s, ok := ms.str("timezone"); ok {
		m.Timezone = s
		if zl, ok := f.location(ms.val("timezone"), ms.p("timezone"), s); ok {
			loc = zl
		}
	}
	if n := ms.val("skills"); n != nil {
		m.Skills = f.skills(n, ms.p("skills"))
	}
	if items, ok := ms.seq("unavailable", "windows ({from, to, reason})"); ok {
		for i, it := range items {
			if w, ok := f.window(it, index(ms.p("unavailable"), i), loc); ok {
				m.Unavailable = append(m.Unavailable, w)
			}
		}
	}
	if !haveID {
		return
	}
	at := f.at(ms.val("id"))
	if prev, dup := l.memberAt[id]; dup {
		f.errAt(at, ms.p("id"), "duplicate member id %q (first at %s)", id, prev)
		return
	}
	l.memberAt[id] = at
	l.cfg.Members = append(l.cfg.Members, m)
}

// location checks an IANA zone name.
func (f *fileDec) location(n *yaml.Node, path, name string) (*time.Location, bool) {
	if name == "" {
		f.errf(n, path, "empty time zone: want an IANA name such as Europe/London")
		return nil, false
	}
	loc, err := calendar.LoadLocation(name)
	if err != nil || loc == nil {
		f.errf(n, path, "unknown time zone %q: want an IANA name such as Europe/London or UTC", name)
		return nil, false
	}
	return loc, true
}

// skills reads a mapping of skill name to level.
func (f *fileDec) skills(n *yaml.Node, path string) map[string]Level {
	d := deref(n)
	if d == nil || d.Kind != yaml.MappingNode {
		f.errf(n, path, "want a mapping of skill to level (e.g. {server: advanced}), got %s", describe(n))
		return nil
	}
	out := map[string]Level{}
	firstAt := map[string]int{}
	for i := 0; i+1 < len(d.Content); i += 2 {
		k, v := d.Content[i], d.Content[i+1]
		dk := deref(k)
		if dk == nil || dk.Kind != yaml.ScalarNode || isNull(dk) || dk.Value == "" {
			f.errf(k, path, "a skill must be a name, got %s", describe(k))
			continue
		}
		name := dk.Value
		p := join(path, name)
		if dk.ShortTag() == "!!merge" {
			f.errf(k, p, "merge keys (<<) are not supported in skills")
			continue
		}
		if line, dup := firstAt[name]; dup {
			f.errf(k, p, "duplicate skill %q (first at line %d)", name, line)
			continue
		}
		firstAt[name] = k.Line
		if lv, ok := f.level(v, p); ok {
			out[name] = lv
		}
	}
	return out
}

func (f *fileDec) level(n *yaml.Node, path string) (Level, bool) {
	s, ok := f.scalar(n, path, "a level (1-4 or beginner, intermediate, advanced, expert)")
	if !ok {
		return 0, false
	}
	lv, err := ParseLevel(s)
	if err != nil {
		f.errf(n, path, "%v", err)
		return 0, false
	}
	return lv, true
}

// parseMoment reads a date (2026-12-24) or an RFC 3339 date-time: a config
// file names no wall-clock times (calendar.ParseMoment reads those too).
func parseMoment(s string) (Moment, error) {
	if m, err := calendar.ParseMoment(s); err == nil && m.Wall == nil {
		return m, nil
	}
	return Moment{}, fmt.Errorf("bad date or time %q: want a date (2026-12-24) or an RFC 3339 date-time (2026-12-24T18:00:00+01:00)", s)
}

func (f *fileDec) moment(n *yaml.Node, path string) (Moment, bool) {
	s, ok := f.scalar(n, path, "a date or date-time")
	if !ok {
		return Moment{}, false
	}
	m, err := parseMoment(s)
	if err != nil {
		f.errf(n, path, "%v", err)
		return Moment{}, false
	}
	return m, true
}

// window reads an unavailable window; loc decides whether a window mixing
// a date and an instant is the right way round.
func (f *fileDec) window(n *yaml.Node, path string, loc *time.Location) (Window, bool) {
	ws, ok := f.mapping(n, path, windowKeys...)
	if !ok {
		return Window{}, false
	}
	var w Window
	good := true
	for _, k := range []string{"from", "to"} {
		if !ws.has(k) {
			ws.missing(k, "a date (2026-12-24) or an RFC 3339 date-time")
			good = false
			continue
		}
		m, ok := f.moment(ws.val(k), ws.p(k))
		if !ok {
			good = false
			continue
		}
		if k == "from" {
			w.From = m
		} else {
			w.To = m
		}
	}
	w.Reason, _ = ws.str("reason")
	if !good {
		return Window{}, false
	}
	if from, to := w.In(loc); !to.After(from) {
		if w.From.IsDate() && w.To.IsDate() {
			f.errf(ws.val("to"), ws.p("to"), "to %s is before from %s", w.To, w.From)
		} else {
			f.errf(ws.val("to"), ws.p("to"), "to %s is not after from %s", w.To, w.From)
		}
		return Window{}, false
	}
	return w, true
}

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

	// Rotation-level layer fields: the one layer of a rotation without
	// layers, or what the layers inherit.
	base := Layer{Name: MainLayer, Size: DefaultSize, Strategy: DefaultStrategy}
	var baseNeeds []needRef
	baseMembersAt, baseMembersFld := f.at(n), rs.p("members")
	var baseIDs []string
	haveBaseMembers := false
	if rs.has("days") {
		if days, ok := f.days(rs.val("days"), rs.p("days"), false); ok {
			base.Days = days
		}
	}
	f.layerScalars(rs, &base)
	if rs.has("members") {
		ms, ids, refs, ok := f.memberships(rs.val("members"), rs.p("members"), loc)
		meta.refs = append(meta.refs, refs...)
		if ok {
			base.Members, baseIDs, haveBaseMembers = ms, ids, true
			baseMembersAt = f.at(rs.val("members"))
		}
	}
	if rs.has("needs") {
		baseNeeds = f.needs(rs.val("needs"), rs.p("needs"))
		base.Needs = needsOf(baseNeeds)
	}
	if rs.has("seed") {
		if v, ok := f.integer(rs.val("seed"), rs.p("seed")); ok {
			r.Seed = v
		}
	}
	r.MinRest = f.duration(rs, "min_rest", 0)
	r.PlanAhead = f.duration(rs, "plan_ahead", DefaultPlanAhead)
	r.NotifyBefore = f.duration(rs, "notify_before", DefaultNotifyBefore)
	r.Duties, _ = rs.str("duties")
	if n := rs.val("slack"); n != nil {
		if ss, ok := f.mapping(n, rs.p("slack"), slackKeys...); ok {
			s := &Slack{}
			s.Channel, _ = ss.str("channel")
			s.Usergroup, _ = ss.str("usergroup")
			s.Topic, _ = ss.bool("topic")
			r.Slack = s
		}
	}
	if n := rs.val("opsgenie"); n != nil {
		if gs, ok := f.mapping(n, rs.p("opsgenie"), opsgenieKeys...); ok {
			o := &Opsgenie{}
			if !gs.has("schedule") {
				gs.missing("schedule", "the Opsgenie schedule to mirror")
			} else {
				o.Schedule, _ = gs.str("schedule")
			}
			r.Opsgenie = o
		}
	}
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

	if rs.has("layers") {
		l.layers(f, rs, &r, meta, base, baseNeeds, baseIDs, haveBaseMembers, baseMembersAt, baseMembersFld, loc)
	} else {
		if !haveBaseMembers && !rs.has("members") {
			rs.missing("members", "a rotation needs members (or layers with members)")
		}
		r.Layers = []Layer{base}
		meta.layers = []layerMeta{{
			name: MainLayer, ids: baseIDs, membersAt: baseMembersAt, membersFld: baseMembersFld,
			size: base.Size, needs: baseNeeds,
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

// layers decodes a rotation's layers; base holds the rotation-level values
// they inherit.
func (l *loader) layers(f *fileDec, rs *fields, r *Rotation, meta *rotMeta, base Layer, baseNeeds []needRef,
	baseIDs []string, haveBaseMembers bool, baseMembersAt pos, baseMembersFld string, loc *time.Location) {
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
		lm := layerMeta{ids: baseIDs, membersAt: baseMembersAt, membersFld: baseMembersFld, needs: baseNeeds}
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

// duration reads an optional non-negative duration such as 14d or 24h.
func (f *fileDec) duration(fs *fields, key string, def time.Duration) time.Duration {
	s, ok := fs.str(key)
	if !ok {
		return def
	}
	d, err := calendar.ParseDuration(s)
	if err != nil {
		f.errf(fs.val(key), fs.p(key), "%v", err)
		return def
	}
	if d < 0 {
		f.errf(fs.val(key), fs.p(key), "must not be negative, got %q", s)
		return def
	}
	return d
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
		out  []Membership
		ids  []string
		refs []ref
		good = true
		seen = map[string]bool{}
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

// finish runs the checks that span files and returns the result.
func (l *loader) finish() (*Config, error) {
	byID := make(map[string]*Member, len(l.cfg.Members))
	ids := make([]string, 0, len(l.cfg.Members))
	for i := range l.cfg.Members {
		m := &l.cfg.Members[i]
		if _, dup := byID[m.ID]; !dup {
			byID[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	suggested := 0
	for ri, meta := range l.metas {
		before := l.count
		unknown := map[string]bool{}
		for _, rf := range meta.refs {
			if byID[rf.id] == nil {
				unknown[rf.id] = true
				hint := ""
				if suggested < maxSuggestions {
					suggested++
					hint = suggest(rf.id, ids)
				}
				l.errAt(rf.at, rf.field, "unknown member %q%s", rf.id, hint)
			}
		}
		for _, lm := range meta.layers {
			in := ""
			if len(meta.layers) > 1 || lm.name != MainLayer {
				in = fmt.Sprintf(" in layer %q", lm.name)
			}
			if lm.ids != nil && lm.size > len(lm.ids) {
				l.errAt(lm.membersAt, lm.membersFld, "%d member(s)%s but size is %d: no shift could ever be filled", len(lm.ids), in, lm.size)
			}
			known := true
			for _, id := range lm.ids {
				if unknown[id] {
					known = false
				}
			}
			var counts map[string]*[Expert + 1]int // skill -> members with exactly that level
			for _, nr := range lm.needs {
				nd := nr.need
				if nd.Min > lm.size {
					l.errAt(nr.minAt, join(nr.field, "min"), "min %d is more than the %d people of a shift%s", nd.Min, lm.size, in)
					continue
				}
				if nd.Min == 0 || !known || lm.ids == nil {
					continue
				}
				if counts == nil {
					counts = map[string]*[Expert + 1]int{}
					for _, id := range lm.ids {
						for skill, lv := range byID[id].Skills {
							if lv >= Beginner && lv <= Expert {
								if counts[skill] == nil {
									counts[skill] = new([Expert + 1]int)
								}
								counts[skill][lv]++
							}
						}
					}
				}
				q := 0
				if c := counts[nd.Skill]; c != nil {
					for lv := max(nd.Level, Beginner); lv <= Expert; lv++ {
						q += c[lv]
					}
				}
				if q < nd.Min {
					who := "none does"
					if q > 0 {
						var names []string
						for _, id := range lm.ids {
							if nd.Qualifies(byID[id]) {
								names = append(names, id)
							}
						}
						who = "only " + strings.Join(names, ", ")
					}
					l.errAt(nr.at, nr.field, "can never be met%s: it wants %d member(s) with %s at %s or above on every shift, and %s",
						in, nd.Min, nd.Skill, nd.Level, who)
				}
			}
		}
		if !meta.bad && l.count == before {
			if _, err := l.cfg.Rotations[ri].CalendarSpec(); err != nil {
				l.errAt(meta.at, meta.field, "%v", err)
			}
		}
	}
	if len(l.errs) > 0 {
		return nil, l.errs.dedup().err()
	}
	return &l.cfg, nil
}

// maxSuggestions bounds the "did you mean" searches among member ids.
const maxSuggestions = 50

// maxErrors bounds the errors reported for one file.
const maxErrors = 500

func (l *loader) errAt(p pos, field, format string, args ...any) {
	l.count++
	l.perFile[p.file]++
	switch n := l.perFile[p.file]; {
	case n == maxErrors+1:
		l.errs = append(l.errs, &Error{File: p.file, Msg: fmt.Sprintf("too many errors; only the first %d are listed", maxErrors)})
	case n <= maxErrors:
		for i, a := range args {
			switch a := a.(type) {
			case string:
				args[i] = clip(a)
			case error:
				args[i] = clip(a.Error())
			}
		}
		l.errs = append(l.errs, &Error{File: p.file, Line: p.line, Column: p.col, Field: clip(field), Msg: fmt.Sprintf(format, args...)})
	}
}

// dedup drops repeated errors (an aliased node reports once).
func (es Errors) dedup() Errors {
	seen := map[Error]bool{}
	out := es[:0]
	for _, e := range es {
		if e == nil || seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
	}
	return out
}
