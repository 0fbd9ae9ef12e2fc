package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

var levelNames = [...]string{Beginner: "beginner", Intermediate: "intermediate", Advanced: "advanced", Expert: "expert"}

// ParseLevel reads a skill level: 1 to 4, or beginner, intermediate,
// advanced or expert (in any case).
func ParseLevel(s string) (Level, error) {
	switch s {
	case "1", "2", "3", "4":
		return Level(s[0] - '0'), nil
	}
	for l := Beginner; l <= Expert; l++ {
		if strings.EqualFold(s, levelNames[l]) {
			return l, nil
		}
	}
	return 0, fmt.Errorf("bad level %q: want 1-4 or beginner, intermediate, advanced, expert", s)
}

// String returns the level's name, "none" for 0.
func (l Level) String() string {
	if l >= Beginner && l <= Expert {
		return levelNames[l]
	}
	if l == 0 {
		return "none"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Level returns m's level in skill, 0 when m does not have it.
func (m *Member) Level(skill string) Level {
	if m == nil {
		return 0
	}
	return m.Skills[skill]
}

// Qualifies says whether m counts towards n: m's level in n.Skill is at
// least n.Level (and m has the skill at all).
func (n Need) Qualifies(m *Member) bool {
	l := m.Level(n.Skill)
	return l > 0 && l >= n.Level
}

// MarshalJSON writes the level's name ("expert"), as a config file may.
func (l Level) MarshalJSON() ([]byte, error) {
	if l < Beginner || l > Expert {
		return json.Marshal(int(l))
	}
	return json.Marshal(levelNames[l])
}

// UnmarshalJSON reads a level's name or number (earlier versions wrote
// numbers).
func (l *Level) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := ParseLevel(s)
		if err != nil {
			return err
		}
		*l = v
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("level: want a name or 1-4: %w", err)
	}
	*l = Level(n)
	return nil
}
