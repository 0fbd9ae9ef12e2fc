package config

import (
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// In returns the window as the half-open span [from, to) in loc, the zone
// of the rotation it is applied to.
func (w Window) In(loc *time.Location) (from, to time.Time) {
	return w.From.Start(loc), w.To.End(loc)
}

// Location loads the rotation's time zone.
func (r *Rotation) Location() (*time.Location, error) {
	return calendar.LoadLocation(r.Timezone)
}

// CalendarSpec describes the rotation to the calendar, and validates it.
func (r *Rotation) CalendarSpec() (calendar.Spec, error) {
	loc, err := r.Location()
	if err != nil {
		return calendar.Spec{}, err
	}
	layers := make([]calendar.LayerDays, len(r.Layers))
	for i, l := range r.Layers {
		layers[i] = calendar.LayerDays{Name: l.Name, Days: l.Days}
	}
	spec := calendar.Spec{
		Rotation: r.ID,
		Location: loc,
		Start:    r.Start,
		End:      r.End,
		Shift:    r.Shift,
		Layers:   layers,
		Weekend:  r.Weekend,
		Holidays: append([]calendar.Date(nil), r.Holidays...),
	}
	if err := spec.Validate(); err != nil {
		return spec, err
	}
	return spec, nil
}

// Member finds a member by id.
func (c *Config) Member(id string) (*Member, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.Members {
		if c.Members[i].ID == id {
			return &c.Members[i], true
		}
	}
	return nil, false
}

// Rotation finds a rotation by id.
func (c *Config) Rotation(id string) (*Rotation, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.Rotations {
		if c.Rotations[i].ID == id {
			return &c.Rotations[i], true
		}
	}
	return nil, false
}

// MemberIDs lists everyone who takes part in the rotation, each once, in
// the order first seen going through its layers.
func (r *Rotation) MemberIDs() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range r.Layers {
		for _, m := range l.Members {
			if !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m.ID)
			}
		}
	}
	return out
}

// Layer finds a layer of the rotation by name.
func (r *Rotation) Layer(name string) (*Layer, bool) {
	for i := range r.Layers {
		if r.Layers[i].Name == name {
			return &r.Layers[i], true
		}
	}
	return nil, false
}

// PagerUse is a rotation's use of a paging tool's schedule.
type PagerUse struct {
	Tool string // "opsgenie" or "pagerduty"
	*PagerSchedule
}

// Pagers lists the paging tools the rotation uses, Opsgenie first.
func (r *Rotation) Pagers() []PagerUse {
	var out []PagerUse
	if p := r.Opsgenie; p != nil && p.Schedule != "" {
		out = append(out, PagerUse{"opsgenie", p})
	}
	if p := r.PagerDuty; p != nil && p.Schedule != "" {
		out = append(out, PagerUse{"pagerduty", p})
	}
	return out
}
