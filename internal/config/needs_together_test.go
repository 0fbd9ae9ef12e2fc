package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestNeedsMetTogether: issue 8 item 7. Needs that can each be met may not
// be met together by any size members of the layer; maxes count as much
// as mins.
func TestNeedsMetTogether(t *testing.T) {
	atLeast := func(skill string, n int) Need { return Need{Skill: skill, Level: Beginner, Min: n} }
	between := func(skill string, lo, hi int) Need {
		return Need{Skill: skill, Level: Beginner, Min: lo, Max: hi, HasMax: true}
	}
	for _, tc := range []struct {
		name    string
		size    int
		members []string // each member's skills, comma-separated
		needs   []Need
		met     bool
		bad     []int // the needs reported as conflicting, when not met
	}{
		{"two skills, one seat", 1, []string{"db", "net"}, []Need{atLeast("db", 1), atLeast("net", 1)}, false, []int{0, 1}},
		{"two skills, one seat, one has both", 1, []string{"db", "net", "db,net"}, []Need{atLeast("db", 1), atLeast("net", 1)}, true, nil},
		{"two skills, two seats", 2, []string{"db", "net"}, []Need{atLeast("db", 1), atLeast("net", 1)}, true, nil},
		{"max leaves too few others", 2, []string{"lead", "lead"}, []Need{between("lead", 0, 1)}, false, []int{0}},
		{"max leaves enough others", 2, []string{"lead", "lead", ""}, []Need{between("lead", 0, 1)}, true, nil},
		{"none of a skill", 2, []string{"x", "x", ""}, []Need{between("x", 0, 0)}, false, []int{0}},
		{"exactly one lead and a mobile", 2, []string{"lead,mobile", "lead", ""}, []Need{between("lead", 1, 1), atLeast("mobile", 1)}, true, nil},
		{"two mobiles, both leads", 2, []string{"lead,mobile", "lead,mobile", ""}, []Need{between("lead", 1, 1), atLeast("mobile", 2)}, false, []int{0, 1}},
		{"two mobiles, one lead", 2, []string{"lead,mobile", "mobile", "lead"}, []Need{between("lead", 1, 1), atLeast("mobile", 2)}, true, nil},
		{"two teams of at most one, three seats", 3, []string{"a", "a", "b", "b", "c"}, []Need{between("a", 0, 1), between("b", 0, 1)}, true, nil},
		{"two teams of at most one, no third", 3, []string{"a", "a", "b", "b"}, []Need{between("a", 0, 1), between("b", 0, 1)}, false, []int{0, 1}},
		{"only the conflicting ones", 1, []string{"db", "net", "app"}, []Need{between("app", 0, 1), atLeast("db", 1), atLeast("net", 1)}, false, []int{1, 2}},
		{"the lead is in the mobile's team", 2, []string{"a,lead", "a,mobile", "b", "b"},
			[]Need{between("a", 0, 1), between("lead", 1, 1), atLeast("mobile", 1)}, false, []int{0, 1, 2}},
		{"a lead outside the mobile's team", 2, []string{"a,lead", "a,mobile", "b,lead", "b"},
			[]Need{between("a", 0, 1), between("lead", 1, 1), atLeast("mobile", 1)}, true, nil},
		{"min 0 only", 1, []string{""}, []Need{atLeast("x", 0)}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := make([]uint64, len(tc.members))
			for m, skills := range tc.members {
				mem := &Member{Skills: map[string]Level{}}
				for _, s := range strings.Split(skills, ",") {
					if s != "" {
						mem.Skills[s] = Intermediate
					}
				}
				for n, nd := range tc.needs {
					if nd.Qualifies(mem) {
						sigs[m] |= 1 << n
					}
				}
			}
			met, decided := needsMet(tc.needs, sigs, tc.size)
			if met != tc.met || !decided {
				t.Errorf("met %v (decided %v), want %v", met, decided, tc.met)
			}
			if got := conflicting(tc.needs, sigs, tc.size); !reflect.DeepEqual(got, tc.bad) {
				t.Errorf("conflicting %v, want %v", got, tc.bad)
			}
		})
	}
}

// TestNeedsTogetherAtLoad: a layer whose needs cannot be met together is
// an error at the layer, naming the rotation, the layer and the needs.
func TestNeedsTogetherAtLoad(t *testing.T) {
	const members = `version: 1
members:
  - {id: a, skills: {db: 1}}
  - {id: b, skills: {net: 1}}
  - {id: c, skills: {db: 1, lead: 1}}
  - {id: d, skills: {net: 1, lead: 1}}
`
	const rot = `    timezone: UTC
    start: 2026-11-23T09:00
    shift: 1d
`
	for _, tc := range []struct {
		name, src, field, msg string
	}{
		{"one layer", members + "rotations:\n  - id: r #<\n" + rot + "    members: [a, b]\n    needs: [{skill: db, min: 1}, {skill: net, min: 1}]\n",
			"rotations[0]", `rotation "r" layer "main": needs[0] (at least 1 with db at beginner or above) and needs[1] (at least 1 with net at beginner or above) can never be met together: no 1 of the layer's 2 members meet them all`},
		{"a layer of several", members + "rotations:\n  - id: r\n" + rot + "    members: [a, b, c, d]\n    size: 2\n    needs: [{skill: lead, min: 1, max: 1}]\n    layers:\n      - {name: x, days: [mon]}\n      - name: y #<\n        days: [tue]\n        members: [c, d]\n",
			"rotations[0].layers[1]", `rotation "r" layer "y": rotations[0].needs[0] (exactly 1 with lead at beginner or above) can never be met: no 2 of the layer's 2 members meet it`},
		{"a max against mins", members + "rotations:\n  - id: r\n" + rot + "    layers:\n      - name: x #<\n        size: 2\n        members: [a, b, c, d]\n        needs: [{skill: lead, max: 0}, {skill: db, min: 2}]\n",
			"rotations[0].layers[0]", `needs[0] (none with lead at beginner or above) and needs[1] (at least 2 with db at beginner or above) can never be met together: no 2 of the layer's 4 members meet them all`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tc.src), "")
			if err == nil {
				t.Fatalf("no error for\n%s", tc.src)
			}
			es := asErrors(t, err)
			line := markedLine(t, tc.src)
			if len(es) != 1 || es[0].Line != line || es[0].Field != tc.field || !strings.Contains(es[0].Msg, tc.msg) {
				t.Errorf("want one error bad.yaml:%d %s: ...%s...; got\n%v", line, tc.field, tc.msg, err)
			}
		})
	}
	// Needs that can be met together load.
	ok := members + "rotations:\n  - id: r\n" + rot + "    members: [a, b, c, d]\n    size: 2\n    needs: [{skill: db, min: 1}, {skill: net, min: 1}, {skill: lead, min: 1, max: 1}]\n"
	if _, err := Parse("ok.yaml", []byte(ok), ""); err != nil {
		t.Errorf("rejected: %v", err)
	}
}
