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

// Message is a notice as people read it, kept in parts so that each
// notifier lays it out its own way: Slack as Block Kit with Text as the
// fallback that notifications and screen readers use, the log as Text.
// What can be derived (the commands, the footer) is, in Commands and
// Footer, so that the history holds each message once.
type Message struct {
	// Title says what happened, in one line.
	Title string `json:"title"`
	// Lines say the rest: when, with whom, why.
	Lines []string `json:"lines,omitempty"`
	// Checklist is the duty list.
	Checklist []string `json:"checklist,omitempty"`
	// Shift is the shift the message is about; For, the member the
	// message tells how to change it (see Commands).
	Shift string `json:"shift,omitempty"`
	For   string `json:"for,omitempty"`
}

// Commands are the rota commands with which For changes Shift.
func (m Message) Commands() []string {
	if m.Shift == "" || m.For == "" {
		return nil
	}
	return render.ShiftCommands(m.Shift, m.For)
}

// Footer names the shift.
func (m Message) Footer() string {
	if m.Shift == "" {
		return ""
	}
	return "Shift " + m.Shift
}

// Text is the whole message as plain text.
func (m Message) Text() string {
	var b strings.Builder
	b.WriteString(m.Title)
	for _, l := range m.Lines {
		b.WriteString("\n" + l)
	}
	if len(m.Checklist) > 0 {
		b.WriteString("\nDuties:")
		for _, d := range m.Checklist {
			b.WriteString("\n- [ ] " + d)
		}
	}
	if cs := m.Commands(); len(cs) > 0 {
		b.WriteString("\nTo change it:")
		for _, c := range cs {
			b.WriteString("\n  " + c)
		}
	}
	if f := m.Footer(); f != "" {
		b.WriteString("\n" + f)
	}
	return b.String()
}

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
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = memberName(m)
	}
	return render.Who(out)
}

// span is a shift's time in loc, the zone named.
func span(sh engine.Shift, loc *time.Location) string {
	s := render.Local(sh.Start, loc) + " to " + render.Local(sh.End, loc)
	if abbr, _ := sh.Start.In(loc).Zone(); abbr != loc.String() {
		s += " (" + loc.String() + ")"
	}
	return s
}

// duties splits a rotation's duty list into its items, without the list
// marks people write in YAML.
func duties(rot *config.Rotation) []string {
	var out []string
	for _, l := range strings.Split(rot.Duties, "\n") {
		l = strings.TrimSpace(l)
		for _, mark := range []string{"- [ ] ", "- ", "* ", "• "} {
			l = strings.TrimPrefix(l, mark)
		}
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func problems(sh engine.Shift) []string {
	if len(sh.Problems) == 0 {
		return nil
	}
	return []string{"Note: " + strings.Join(sh.Problems, "; ") + "."}
}

// NotifyMessage is the reminder an assignee (with) gets before their
// shift: when in their own zone, with whom, the duties, and the commands
// that change it.
func NotifyMessage(rot *config.Rotation, sh engine.Shift, m config.Member, with []config.Member) Message {
	msg := Message{
		Title:     fmt.Sprintf("You are on call for %s", rotationName(rot)),
		Lines:     []string{span(sh, zone(rot, m)) + "."},
		Checklist: duties(rot),
		Shift:     sh.ID,
		For:       m.ID,
	}
	var others []config.Member
	for _, o := range with {
		if o.ID != m.ID {
			others = append(others, o)
		}
	}
	if len(others) > 0 {
		msg.Lines = append(msg.Lines, "With you: "+names(others)+".")
	}
	msg.Lines = append(msg.Lines, problems(sh)...)
	return msg
}

// HandoffMessage is the channel's post at a handoff: who hands over to
// whom (from: the people on the layer's shift before, if any), until when,
// and the duties.
func HandoffMessage(rot *config.Rotation, sh engine.Shift, from, to []config.Member) Message {
	loc := zone(rot, config.Member{})
	title := fmt.Sprintf("%s: %s on call now", rotationName(rot), names(to))
	if len(from) > 0 {
		title = fmt.Sprintf("%s: %s hands over to %s", rotationName(rot), names(from), names(to))
	}
	msg := Message{
		Title:     title,
		Lines:     []string{fmt.Sprintf("%s on call until %s.", names(to), render.Local(sh.End, loc))},
		Checklist: duties(rot),
		Shift:     sh.ID,
	}
	msg.Lines = append(msg.Lines, problems(sh)...)
	return msg
}

// NobodyMessage tells the channel that nobody is on shift now, and that
// the user group keeps the people it had (Slack cannot empty one); next,
// if any, is the next shift with a person on it, who.
func NobodyMessage(rot *config.Rotation, next *engine.Shift, who []config.Member) Message {
	msg := Message{
		Title: fmt.Sprintf("%s: nobody is on call now", rotationName(rot)),
		Lines: []string{"The on-call user group keeps its members until the next handoff."},
	}
	if next != nil {
		msg.Lines = append(msg.Lines, fmt.Sprintf("Next shift: %s from %s.",
			names(who), render.Local(next.Start, zone(rot, config.Member{}))))
	}
	return msg
}

// TopicText is rota's part of the channel topic while a shift runs.
func TopicText(rot *config.Rotation, sh engine.Shift, assignees []config.Member) string {
	return fmt.Sprintf("On call for %s: %s (until %s)", rotationName(rot), names(assignees), render.Local(sh.End, zone(rot, config.Member{})))
}

// ChangeMessage tells of an accepted change: what changed, why and who
// asked, and the changed shifts as they are now, to member (in their
// zone, their shifts marked) or, for the zero Member, to the channel.
func ChangeMessage(rot *config.Rotation, in ChangeNotice, m config.Member) Message {
	msg := Message{Title: fmt.Sprintf("%s changed: %s", rotationName(rot), in.Summary)}
	if in.RequestedBy != "" {
		msg.Lines = append(msg.Lines, "Asked by "+in.RequestedBy+".")
	}
	msg.Lines = append(msg.Lines, in.Notes...)
	loc := zone(rot, m)
	for _, sh := range in.Shifts {
		who := render.Who(sh.Assignees)
		if m.ID != "" && sh.Has(m.ID) {
			who += " (you)"
		}
		msg.Lines = append(msg.Lines, fmt.Sprintf("%s: %s", span(sh, loc), who))
	}
	if len(in.Shifts) > 0 {
		msg.Shift = in.Shifts[0].ID
	}
	return msg
}

// DriftMessage tells the channel that a paging tool has others on call
// than the rotation (want and have are the tool's users).
func DriftMessage(rot *config.Rotation, pager string, want, have []string, repair bool) Message {
	msg := Message{
		Title: fmt.Sprintf("%s: %s pages %s, not %s", rotationName(rot), pager, render.Who(have), render.Who(want)),
		Lines: []string{fmt.Sprintf("%s's schedule differs from the rotation (edited by hand, or an override failed).", pager)},
	}
	if repair {
		msg.Lines = append(msg.Lines, "rota is setting the overrides again.")
	} else {
		msg.Lines = append(msg.Lines, "The rotation says repair: false, so rota leaves it: fix the schedule, or run rota pager "+rot.ID+".")
	}
	return msg
}
