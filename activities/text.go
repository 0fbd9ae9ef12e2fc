package activities

import (
	"fmt"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/render"
)

// zone returns the zone to show times in to member: theirs, else the
// rotation's, else UTC.
func zone(rot *config.Rotation, member config.Member) *time.Location {
	for _, name := range []string{member.Timezone, rot.Timezone} {
		if name == "" {
			continue
		}
		if loc, err := calendar.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

func rotationName(rot *config.Rotation) string {
	if rot.Name != "" {
		return rot.Name
	}
	return rot.ID
}

func memberName(m config.Member) string {
	if m.Name != "" {
		return m.Name
	}
	return m.ID
}

func names(ms []config.Member) string {
	if len(ms) == 0 {
		return "nobody"
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = memberName(m)
	}
	return strings.Join(out, ", ")
}

func span(sh engine.Shift, loc *time.Location) string {
	return render.Local(sh.Start, loc) + " to " + render.Local(sh.End, loc)
}

// NotifyText is the reminder an assignee gets before their shift.
func NotifyText(rot *config.Rotation, sh engine.Shift, m config.Member) string {
	var b strings.Builder
	b.WriteString(fmt.Sprintf("Hello %s, you are on call for %s from %s.", memberName(m), rotationName(rot), span(sh, zone(rot, m))))
	if others := without(sh.Assignees, m.ID); len(others) > 0 {
		b.WriteString(fmt.Sprintf(" With you: %s.", strings.Join(others, ", ")))
	}
	if len(sh.Problems) > 0 {
		b.WriteString(fmt.Sprintf(" Note: %s.", strings.Join(sh.Problems, "; ")))
	}
	if d := strings.TrimSpace(rot.Duties); d != "" {
		b.WriteString(fmt.Sprintf("\nDuties:\n%s", d))
	}
	b.WriteString(fmt.Sprintf("\n(shift %s)", sh.ID))
	return b.String()
}

// HandoffText is the channel announcement at a handoff.
func HandoffText(rot *config.Rotation, sh engine.Shift, assignees []config.Member) string {
	loc := zone(rot, config.Member{})
	verb := "is"
	if len(assignees) != 1 {
		verb = "are"
	}
	text := fmt.Sprintf("%s %s now on call for %s, until %s.", names(assignees), verb, rotationName(rot), render.Local(sh.End, loc))
	if len(sh.Problems) > 0 {
		text += " Note: " + strings.Join(sh.Problems, "; ") + "."
	}
	return text
}

// TopicText is the channel topic while a shift runs.
func TopicText(rot *config.Rotation, sh engine.Shift, assignees []config.Member) string {
	return fmt.Sprintf("On call for %s: %s (until %s)", rotationName(rot), names(assignees), render.Local(sh.End, zone(rot, config.Member{})))
}

// ChangeText describes an accepted change to member (or, for the zero
// Member, to the rotation's channel).
func ChangeText(rot *config.Rotation, in ChangeNotice, m config.Member) string {
	var b strings.Builder
	if m.ID != "" {
		b.WriteString(fmt.Sprintf("Hello %s, ", memberName(m)))
	}
	b.WriteString(fmt.Sprintf("%s changed: %s", rotationName(rot), in.Summary))
	if in.RequestedBy != "" {
		b.WriteString(fmt.Sprintf(" (asked by %s)", in.RequestedBy))
	}
	b.WriteString(".")
	for _, n := range in.Notes {
		b.WriteString(fmt.Sprintf("\n- %s", n))
	}
	loc := zone(rot, m)
	for _, sh := range in.Shifts {
		who := strings.Join(sh.Assignees, ", ")
		if who == "" {
			who = "nobody"
		}
		mark := ""
		if m.ID != "" && sh.Has(m.ID) {
			mark = " (you)"
		}
		b.WriteString(fmt.Sprintf("\n%s: %s%s", span(sh, loc), who, mark))
	}
	return b.String()
}

func without(ids []string, id string) []string {
	var out []string
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
