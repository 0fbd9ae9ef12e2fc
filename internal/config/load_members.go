package config

import (
	"time"

	"gopkg.in/yaml.v3"
)

// Members: ids, skills and levels.

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
	m.PagerDuty, _ = ms.str("pagerduty")
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
