package feed

import (
	"cmp"
	"slices"
)

// Delta lists what turns old into new: the events new has that old has
// not, or has otherwise (Upsert), and the shift ids old has and new has not
// (Drop). The workflow records only this, not the whole feed.
func Delta(old, new []Event) (upsert []Event, drop []string) {
	for _, e := range new {
		i := slices.IndexFunc(old, func(o Event) bool { return o.Shift == e.Shift })
		if i < 0 || !sameEvent(old[i], e) {
			upsert = append(upsert, e)
		}
	}
	for _, o := range old {
		if !slices.ContainsFunc(new, func(e Event) bool { return e.Shift == o.Shift }) {
			drop = append(drop, o.Shift)
		}
	}
	return upsert, drop
}

// ApplyDelta is the inverse of Delta: old with upsert and drop applied, in
// start order. Old is not changed.
func ApplyDelta(old, upsert []Event, drop []string) []Event {
	out := make([]Event, 0, len(old)+len(upsert))
	for _, o := range old {
		if !slices.Contains(drop, o.Shift) && !slices.ContainsFunc(upsert, func(e Event) bool { return e.Shift == o.Shift }) {
			out = append(out, o)
		}
	}
	out = append(out, upsert...)
	sortEvents(out)
	return out
}

func sortEvents(es []Event) {
	slices.SortStableFunc(es, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Shift, b.Shift)
	})
}

func sameEvent(a, b Event) bool {
	return a.Shift == b.Shift && a.Kind == b.Kind && a.Start.Equal(b.Start) && a.End.Equal(b.End) &&
		slices.Equal(a.Assignees, b.Assignees) && a.Status == b.Status && a.Seq == b.Seq &&
		a.Modified.Equal(b.Modified) && slices.EqualFunc(a.Gone, b.Gone, func(x, y Gone) bool {
		return x.Member == y.Member && x.Seq == y.Seq && x.Modified.Equal(y.Modified)
	})
}
