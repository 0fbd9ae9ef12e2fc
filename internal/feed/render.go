package feed

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ical "github.com/emersion/go-ical"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/render"
)

// ProdID is the PRODID of every feed.
const ProdID = "-//rota//rota feed//EN"

// refresh is how often subscribers should fetch a feed again (RFC 7986
// REFRESH-INTERVAL, and X-PUBLISHED-TTL for clients that predate it).
const refresh = "PT1H"

// maxLine is the longest content line RFC 5545 allows, in octets, CRLF
// excluded (section 3.1).
const maxLine = 75

// humanTime is how DESCRIPTION shows times: in the feed's zone, zone named
// (as rota's messages do).
const humanTime = "Mon 2006-01-02 15:04 MST"

// RenderRotation renders r's feed: one VEVENT per event, live or cancelled.
// It is a pure function of r: the same rotation gives the same bytes, so
// that the store can use them for ETags and skip unchanged writes.
func RenderRotation(r *Rotation) ([]byte, error) {
	if r == nil {
		return nil, errors.New("feed: render rotation: no rotation")
	}
	loc, err := zone(r.Timezone)
	if err != nil {
		return nil, fmt.Errorf("feed: render rotation %q: %w", r.ID, err)
	}
	items := make([]item, 0, len(r.Events))
	for _, e := range r.Events {
		if err := checkEvent(e); err != nil {
			return nil, fmt.Errorf("feed: render rotation %q: %w", r.ID, err)
		}
		items = append(items, rotationItem(r, e, loc))
	}
	b, err := encode(rotationName(r), loc.String(), items)
	if err != nil {
		return nil, fmt.Errorf("feed: render rotation %q: %w", r.ID, err)
	}
	return b, nil
}

// RenderMember renders m's feed from the parts of the rotations m is in
// (Rotation.Part; any other event of a part is left out): the events m is
// on, and those taken from m, cancelled. Its zone is m's, else that of the
// first part with one, else UTC; events are in start order whatever the
// order of parts, so the bytes depend on parts' order only through that
// zone.
func RenderMember(m Member, parts []Rotation) ([]byte, error) {
	if m.ID == "" {
		return nil, errors.New("feed: render member: no member id")
	}
	zoneName := m.Timezone
	for i := 0; zoneName == "" && i < len(parts); i++ {
		zoneName = parts[i].Timezone
	}
	loc, err := zone(zoneName)
	if err != nil {
		return nil, fmt.Errorf("feed: render member %q: %w", m.ID, err)
	}
	var items []item
	for i := range parts {
		r := &parts[i]
		for _, e := range r.Events {
			it, ok := memberItem(r, e, m.ID, loc)
			if !ok {
				continue
			}
			if err := checkEvent(e); err != nil {
				return nil, fmt.Errorf("feed: render member %q, rotation %q: %w", m.ID, r.ID, err)
			}
			items = append(items, it)
		}
	}
	name := m.Name
	if name == "" {
		name = m.ID
	}
	b, err := encode("rota: "+name, loc.String(), items)
	if err != nil {
		return nil, fmt.Errorf("feed: render member %q: %w", m.ID, err)
	}
	return b, nil
}

// RotationUID is the UID of a shift's event in its rotation's feed:
// "<shift id>@rota", the shift id kept as it is except that bytes other
// than letters, digits and -._~:/ are percent-encoded (so "@" only ever
// separates the domain, and the UID needs no TEXT escaping). It depends on
// the shift id alone, so the event keeps it through every change.
func RotationUID(shift string) string {
	return escapeUID(shift, true) + "@rota"
}

// MemberUID is the UID of a shift's event in a member's feed:
// "<shift id>/<member id>@rota", escaped as RotationUID does ("/" too, in
// the member id). It differs from the rotation feed's, and per member, so a
// calendar subscribed to several feeds keeps each copy apart.
func MemberUID(shift, member string) string {
	return escapeUID(shift, true) + "/" + escapeUID(member, false) + "@rota"
}

func escapeUID(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == ':', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// item is one VEVENT as it is written.
type item struct {
	uid         string
	kind        string
	start, end  time.Time
	status      string
	seq         int
	modified    time.Time
	summary     string
	description string
}

func rotationItem(r *Rotation, e Event, loc *time.Location) item {
	names := assigneeNames(r, e.Assignees, "")
	var d strings.Builder
	switch e.Status {
	case Cancelled:
		fmt.Fprintf(&d, "Cancelled: this shift of %s from %s is no longer planned (on call were: %s).",
			rotationName(r), span(e, loc), render.Who(names))
	default:
		fmt.Fprintf(&d, "On call for %s from %s: %s.", rotationName(r), span(e, loc), render.Who(names))
		live(&d, r, e, "MEMBER")
	}
	fmt.Fprintf(&d, "\n(shift %s)", e.Shift)
	return item{
		uid: RotationUID(e.Shift), kind: e.Kind, start: e.Start, end: e.End,
		status: e.Status, seq: e.Seq, modified: e.Modified,
		summary:     rotationName(r) + ": " + render.Who(names) + forecast(e.Status),
		description: d.String(),
	}
}

// memberItem is member's copy of e, if e is theirs: live when they are on
// it (cancelled, with e's SEQUENCE, when e is), cancelled with their Gone's
// SEQUENCE when it was taken from them.
func memberItem(r *Rotation, e Event, member string, loc *time.Location) (item, bool) {
	it := item{
		uid: MemberUID(e.Shift, member), kind: e.Kind, start: e.Start, end: e.End,
		status: e.Status, seq: e.Seq, modified: e.Modified,
	}
	var d strings.Builder
	switch gi := slices.IndexFunc(e.Gone, func(g Gone) bool { return g.Member == member }); {
	case slices.Contains(e.Assignees, member):
		if e.Status == Cancelled {
			fmt.Fprintf(&d, "Cancelled: your shift of %s from %s is no longer planned.", rotationName(r), span(e, loc))
			break
		}
		fmt.Fprintf(&d, "You are on call for %s from %s.", rotationName(r), span(e, loc))
		if others := assigneeNames(r, e.Assignees, member); len(others) > 0 {
			fmt.Fprintf(&d, " With you: %s.", strings.Join(others, ", "))
		}
		live(&d, r, e, member)
	case gi >= 0:
		it.status, it.seq, it.modified = Cancelled, e.Gone[gi].Seq, e.Gone[gi].Modified
		if e.Status == Cancelled {
			fmt.Fprintf(&d, "Cancelled: this shift of %s from %s is no longer planned.", rotationName(r), span(e, loc))
			break
		}
		fmt.Fprintf(&d, "Cancelled: you are no longer on call for %s from %s (now on call: %s).",
			rotationName(r), span(e, loc), render.Who(assigneeNames(r, e.Assignees, "")))
	default:
		return item{}, false
	}
	fmt.Fprintf(&d, "\n(shift %s)", e.Shift)
	it.summary = rotationName(r) + forecast(it.status)
	it.description = d.String()
	return it, true
}

// live writes the rest of a live event's description: the duties, and the
// commands that change the shift (member is who runs them: a member id, or
// the placeholder MEMBER). A forecast is not planned yet, so no command
// can change it: it says so instead.
func live(d *strings.Builder, r *Rotation, e Event, member string) {
	if e.Status == Tentative {
		d.WriteString("\nForecast: this shift is not planned yet, who is on it may still change.")
	}
	if duties := strings.TrimSpace(r.Duties); duties != "" {
		d.WriteString("\n\nDuties:\n")
		d.WriteString(duties)
	}
	if e.Status == Tentative {
		return
	}
	c := render.ShiftCommands(e.Shift, member)
	fmt.Fprintf(d, "\n\nTo swap it: %s", c[0])
	fmt.Fprintf(d, "\nTo get cover: %s", c[1])
	fmt.Fprintf(d, "\nTo hand it back: %s", c[2])
}

func assigneeNames(r *Rotation, ids []string, except string) []string {
	var out []string
	for _, id := range ids {
		if id != except {
			out = append(out, r.MemberName(id))
		}
	}
	return out
}

func forecast(status string) string {
	if status == Tentative {
		return " (forecast)"
	}
	return ""
}

func span(e Event, loc *time.Location) string {
	return e.Start.In(loc).Format(humanTime) + " to " + e.End.In(loc).Format(humanTime)
}

func rotationName(r *Rotation) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// zone loads a feed's zone: name, or UTC when it is empty.
func zone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return calendar.LoadLocation(name)
}

// checkEvent refuses what would make an invalid VEVENT.
func checkEvent(e Event) error {
	switch {
	case e.Shift == "":
		return errors.New("an event has no shift id")
	case !e.End.After(e.Start):
		return fmt.Errorf("event %s ends at %s, not after its start %s", e.Shift, e.End.UTC().Format(time.RFC3339), e.Start.UTC().Format(time.RFC3339))
	}
	switch e.Status {
	case Confirmed, Tentative, Cancelled:
		return nil
	}
	return fmt.Errorf("event %s has status %q: want %s, %s or %s", e.Shift, e.Status, Confirmed, Tentative, Cancelled)
}

// encode writes a feed of items with go-ical. go-ical writes properties in
// name order (and parameters too), components in the order given, so the
// bytes depend on the items alone: they are sorted here by start then UID,
// one per UID (the highest SEQUENCE, should two parts hold the same event).
func encode(name, zoneName string, items []item) ([]byte, error) {
	items = dedupe(items)
	slices.SortFunc(items, func(a, b item) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return strings.Compare(a.uid, b.uid)
	})

	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, ProdID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	setXText(cal.Props, "X-WR-CALNAME", name)
	setXText(cal.Props, "X-WR-TIMEZONE", zoneName)
	// RFC 7986 wants VALUE=DURATION written out; go-ical's SetValueType
	// drops it as the default.
	cal.Props.Set(&ical.Prop{Name: ical.PropRefreshInterval, Params: ical.Params{ical.ParamValue: {string(ical.ValueDuration)}}, Value: refresh})
	cal.Props.Set(&ical.Prop{Name: "X-PUBLISHED-TTL", Params: ical.Params{}, Value: refresh})

	for _, it := range items {
		ev := ical.NewEvent()
		p := ev.Props
		p.SetText(ical.PropUID, it.uid)
		p.SetDateTime(ical.PropDateTimeStamp, it.modified.UTC())
		p.SetDateTime(ical.PropLastModified, it.modified.UTC())
		p.SetDateTime(ical.PropDateTimeStart, it.start.UTC())
		p.SetDateTime(ical.PropDateTimeEnd, it.end.UTC())
		p.SetText(ical.PropStatus, it.status)
		seq := ical.NewProp(ical.PropSequence)
		seq.Value = strconv.Itoa(it.seq)
		p.Set(seq)
		p.SetText(ical.PropSummary, it.summary)
		p.SetText(ical.PropDescription, it.description)
		p.SetText(ical.PropTransparency, "TRANSPARENT")
		if it.kind != "" {
			p.SetText(ical.PropCategories, it.kind)
		}
		cal.Children = append(cal.Children, ev.Component)
	}
	if len(cal.Children) == 0 {
		// RFC 5545 (and go-ical) want at least one component: an empty
		// feed has a VTIMEZONE of UTC, which no event refers to.
		cal.Children = append(cal.Children, utcZone())
	}

	var buf bytes.Buffer
	buf.Grow(512 + 1024*len(items)) // about what an event takes
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode iCalendar: %w", err)
	}
	return fold(buf.Bytes()), nil
}

// setXText sets a TEXT property go-ical does not know, escaped as TEXT
// but without the VALUE=TEXT that SetText adds to such properties.
func setXText(props ical.Props, name, text string) {
	p := ical.NewProp(name)
	p.SetText(text)
	p.Params.Del(ical.ParamValue)
	props.Set(p)
}

func dedupe(items []item) []item {
	at := make(map[string]int, len(items))
	out := items[:0:0]
	for _, it := range items {
		i, ok := at[it.uid]
		switch {
		case !ok:
			at[it.uid] = len(out)
			out = append(out, it)
		case it.seq > out[i].seq || it.seq == out[i].seq && it.modified.After(out[i].modified):
			out[i] = it
		}
	}
	return out
}

func utcZone() *ical.Component {
	std := ical.NewComponent(ical.CompTimezoneStandard)
	start := ical.NewProp(ical.PropDateTimeStart)
	start.Value = "19700101T000000"
	std.Props.Set(start)
	for _, name := range []string{ical.PropTimezoneOffsetFrom, ical.PropTimezoneOffsetTo} {
		off := ical.NewProp(name)
		off.Value = "+0000"
		std.Props.Set(off)
	}
	std.Props.SetText(ical.PropTimezoneName, "UTC")
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, "UTC")
	tz.Children = []*ical.Component{std}
	return tz
}

// fold folds content lines longer than 75 octets (RFC 5545 section 3.1:
// CRLF then a space), never inside a UTF-8 sequence. go-ical escapes TEXT
// and ends lines with CRLF but does not fold; its values hold no CR or LF,
// so every CRLF in b ends a line.
func fold(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+2:]
		} else {
			b = nil
		}
		limit := maxLine
		for len(line) > limit {
			cut := limit
			for cut > 1 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			out = append(out, line[:cut]...)
			out = append(out, "\r\n "...)
			line = line[cut:]
			limit = maxLine - 1 // the leading space counts
		}
		out = append(out, line...)
		out = append(out, "\r\n"...)
	}
	return out
}
